"""Annotating an archive: one record on one core, the 44 non-paced records serially, in 2 worker processes and on a
local Dask cluster of 2 worker processes.

    ARRHYTHMIA_DATA_DIR=../shared/data/mitdb python benchmarks/bench_archive.py [--jobs 2] [--no-dask]

One record (100): read + detect + classify (``classify_recording``) and the full ``annotate`` with every output
(annotation file, beats.csv, summary.json, strip.png), the model on one thread, median of 5 after a warm-up.
The archive runs time ``annotate_many`` end to end (worker start-up and model loading included) into a fresh
temporary folder each, and check that every run wrote the same beats.csv files.
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


def one_record(d: Path, model: str) -> None:
    runner = load_runner(model, "onnx", threads=1)
    t_cls = _median_time(lambda: classify_recording(read_input(d / "100", annotations=False), runner))
    with tempfile.TemporaryDirectory() as tmp:
        runs = iter(range(100))
        t_all = _median_time(lambda: annotate(d / "100", Path(tmp) / f"o{next(runs)}", model=model, runner=runner))
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(default_model_path()))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-dask", action="store_true")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    d = data_dir()
    print(f"# {today()} on {machine()}; model {a.model}")
    print("| what | recordings | wall time |")
    print("|---|---:|---:|")
    one_record(d, a.model)
    archive(d, a.model, a.jobs, not a.no_dask)


if __name__ == "__main__":
    main()
