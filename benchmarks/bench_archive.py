"""Annotating an archive: one record on one core, the 44 non-paced records serially, in 2 worker processes and on a
local Dask cluster of 2 worker processes, and a 24-hour recording whole and in chunks.

    ARRHYTHMIA_DATA_DIR=../shared/data/mitdb python benchmarks/bench_archive.py [--jobs 2] [--no-dask] [--no-long]

The 24-hour figure before the chunking (commit 2145161, its shipped model), from a worktree of that commit:

    git worktree add /tmp/a2145161 2145161
    PYTHONPATH=/tmp/a2145161/src python benchmarks/bench_archive.py --long-only --long-modes default

One record (100): read + detect + classify (``classify_recording``) and the full ``annotate`` with every output
(annotation file, beats.csv, summary.json, strip.png), the model on one thread, median of 5 (``--repeat``) after a
warm-up; ``--one-only`` stops there (two versions compared by alternating runs, each from its worktree:
``PYTHONPATH=/tmp/old/src python benchmarks/bench_archive.py --one-only --repeat 15``, then without PYTHONPATH).
The archive runs time ``annotate_many`` end to end (worker start-up and model loading included) into a fresh
temporary folder each, and check that every run wrote the same beats.csv files. The 24-hour recording is the 48
MIT-BIH records joined end to end (their MLII and other lead), classified (``classify_recording``, one thread, after a warm-up on
a minute of record 100) in a fresh process per run: in 10-minute chunks (the default above an hour) and whole (``chunk_s=0``), timed, then run
again under ``tracemalloc`` for the peak of the pipeline's own allocations (beyond the signal it is given; the
process's resident size depends on the allocator's history and is not reported), with a check that both runs gave
the same beats and labels.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core, before numpy is imported
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

from _common import data_dir, machine, today  # noqa: E402

from arrhythmia.datasets.records import NON_PACED  # noqa: E402
from arrhythmia.inference.annotate import annotate, default_model_path  # noqa: E402
from arrhythmia.inference.batch import annotate_many  # noqa: E402
from arrhythmia.inference.runners import load_runner  # noqa: E402
from arrhythmia.io.readers import read_input  # noqa: E402
from arrhythmia.pipeline.process import classify_recording  # noqa: E402


def _median_time(fn, n: int = 5) -> float:
    fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def one_record(d: Path, model: str, repeat: int = 5) -> None:
    runner = load_runner(model, "onnx", threads=1)
    t_cls = _median_time(lambda: classify_recording(read_input(d / "100", annotations=False), runner), repeat)
    with tempfile.TemporaryDirectory() as tmp:
        runs = iter(range(repeat + 1))
        t_all = _median_time(lambda: annotate(d / "100", Path(tmp) / f"o{next(runs)}", model=model, runner=runner),
                             repeat)
    print(f"| record 100 (30 min, 2 leads), read + detect + classify, 1 thread | 1 | {t_cls:.2f} s |")
    print(f"| record 100, full annotate with every output, 1 thread | 1 | {t_all:.2f} s |")


def _beats(out: Path) -> dict:
    return {p.parent.name: p.read_bytes() for p in sorted(out.glob("*/beats.csv"))}


def archive(d: Path, model: str, jobs: int, dask: bool) -> None:
    inputs = [d / f"{r}.hea" for r in NON_PACED]
    hours = sum(read_input(p, annotations=False).duration for p in inputs[:1]) * len(inputs) / 3600
    runs = [("serial (--jobs 1)", dict(jobs=1)), (f"--jobs {jobs} (worker processes)", dict(jobs=jobs))]
    if dask:
        runs.append((f"Dask LocalCluster, {jobs} worker processes x 1 thread", dict(dask=jobs)))
    ref = None
    for what, kw in runs:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            t = time.perf_counter()
            if "dask" in kw:
                from distributed import Client, LocalCluster

                with LocalCluster(n_workers=kw["dask"], threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, Client(cluster) as client:
                    res = annotate_many(inputs, out, model=model, client=client)
            else:
                res = annotate_many(inputs, out, model=model, **kw)
            dt = time.perf_counter() - t
            beats = _beats(out)
        assert not res.failed, res.failed
        ref = ref or beats
        same = "same beats as serial" if beats == ref else "DIFFERENT beats"
        print(f"| 44 non-paced records (~{hours:.0f} h), {what}; {same} | {len(inputs)} | {dt:.1f} s "
              f"({hours * 3600 / dt:,.0f} recording-s per s) |")


def _long_run(d: str, model: str, chunk_s) -> dict:
    import tracemalloc

    from _common import joined_mitdb

    warnings.simplefilter("ignore")
    runner = load_runner(model, "onnx", threads=1)
    rec, minute = joined_mitdb(d)
    signal = rec.signal
    # warm-up on a minute of record 100: onnxruntime's first run and the first calls' imports
    classify_recording(minute, runner)
    del minute
    kw = {} if chunk_s is None else {"chunk_s": chunk_s}  # the default: also what code before chunking did
    t = time.perf_counter()
    ann = classify_recording(rec, runner, **kw)
    dt = time.perf_counter() - t
    del ann
    tracemalloc.start()  # a second run, traced: every NumPy and Python allocation it makes
    ann = classify_recording(rec, runner, **kw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"s": dt, "hours": rec.duration / 3600, "peak_mb": peak / 2**20, "signal_mb": signal.nbytes / 2**20,
            "sample": ann.sample, "labels": ann.proba.argmax(1)}


LONG_MODES = {"default": ("the default (10-minute chunks over an hour)", None), "whole": ("whole (chunk_s=0)", 0)}


def long_recording(d: Path, model: str, modes=tuple(LONG_MODES)) -> None:
    import multiprocessing

    import numpy as np

    ctx = multiprocessing.get_context("spawn")
    res = {}
    for what, chunk_s in (LONG_MODES[m] for m in modes):
        with ctx.Pool(1) as pool:
            r = res[what] = pool.apply(_long_run, (str(d), model, chunk_s))
        print(f"| 24-hour recording ({r['hours']:.1f} h, 48 records joined, {r['sample'].size:,} beats; its float64 "
              f"signal {r['signal_mb']:,.0f} MB), read + detect + classify, {what}, 1 thread; peak of the "
              f"pipeline's own allocations (tracemalloc) {r['peak_mb']:,.0f} MB | 1 | {r['s']:.1f} s |")
    if len(res) == 2:
        a, b = res.values()
        same = np.array_equal(a["sample"], b["sample"]) and np.array_equal(a["labels"], b["labels"])
        print(f"| chunked and whole: {'the same beats and labels' if same else 'DIFFERENT beats or labels'} | | |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(default_model_path()))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--no-long", action="store_true", help="leave out the 24-hour recording")
    ap.add_argument("--long-only", action="store_true", help="only the 24-hour recording")
    ap.add_argument("--one-only", action="store_true", help="only record 100")
    ap.add_argument("--repeat", type=int, default=5, help="record 100's timings: the median of this many runs")
    ap.add_argument("--long-modes", default="default,whole",
                    help="default (the library's default, chunked above an hour; on code before the chunking: "
                         "whole) and/or whole (chunk_s=0)")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    d = data_dir()
    print(f"# {today()} on {machine()}; model {a.model}")
    print("| what | recordings | wall time |")
    print("|---|---:|---:|")
    if not a.long_only:
        one_record(d, a.model, a.repeat)
        if a.one_only:
            return
        archive(d, a.model, a.jobs, not a.no_dask)
    if not a.no_long:
        long_recording(d, a.model, tuple(a.long_modes.split(",")))


if __name__ == "__main__":
    main()
