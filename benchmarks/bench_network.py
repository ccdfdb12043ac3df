"""The network alone: a bundle's ONNX graph on record 100's beats, as stored and with its 1-D convolutions lifted.

    ARRHYTHMIA_DATA_DIR=../shared/data/mitdb python benchmarks/bench_network.py [--model BUNDLE ...]

For each bundle (default: the shipped model), the model's input windows and RR features of record 100 (the
pipeline's own detections) are cut once, then ``session.run`` on all of them is timed on one onnxruntime
thread (min and median of 7 after a warm-up), for the graph as stored in ``model.onnx`` and for the same graph
through :func:`arrhythmia.export.lift.lift_conv1d` (the same graph when it was exported lifted), with the
largest difference between the two graphs' probabilities. A bundle exported before commit de6c410 stores 1-D
convolutions; ``git show 24e683a:src/arrhythmia/default_model/model.onnx`` is the shipped model's.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core, before numpy is imported
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from _common import data_dir, machine, today  # noqa: E402

from arrhythmia.inference.annotate import default_model_path  # noqa: E402


def _inputs(d: Path, bundle: Path):
    from arrhythmia.inference.runners import _fill_rr, load_runner
    from arrhythmia.io.readers import read_input
    from arrhythmia.pipeline.process import detect_beats, model_leads, without_gaps
    from arrhythmia.pipeline.segment import BeatConfig, beat_windows, with_median_channels

    runner = load_runner(bundle, "onnx", threads=1)
    cfg = BeatConfig.from_dict(runner.config["beats"])
    rec, gaps = without_gaps(model_leads(read_input(d / "100", annotations=False), cfg))
    peaks = detect_beats(rec, gaps=gaps)[0]
    x, _, rr, ref = beat_windows(rec, peaks, cfg)
    if cfg.median_channels:
        x = with_median_channels(x, ref)
    return np.ascontiguousarray(x, np.float32), np.ascontiguousarray(_fill_rr(rr, runner.config), np.float32)


def _time(session, feed, n: int = 7):
    session.run(None, feed)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        out = session.run(None, feed)[0]
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), out


def main():
    import onnx
    import onnxruntime as ort

    from arrhythmia.export.lift import lift_conv1d

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", nargs="+", default=[str(default_model_path())])
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    d = data_dir()
    print(f"# {today()} on {machine()}")
    print("| bundle | beats | graph | min | median | max abs diff to stored |")
    print("|---|---:|---|---:|---:|---:|")
    so = ort.SessionOptions()
    so.intra_op_num_threads = so.inter_op_num_threads = 1
    for b in map(Path, a.model):
        x, rr = _inputs(d, b)
        stored = onnx.load(str(b / "model.onnx"))
        feed = {"beats": x}
        if "rr" in [i.name for i in stored.graph.input]:
            feed["rr"] = rr
        lifted = lift_conv1d(stored)
        ref = None
        for what, m in (("as stored", stored), ("lifted" if lifted is not stored else "lifted (= stored)", lifted)):
            sess = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
            t_min, t_med, out = _time(sess, feed)
            ref = out if ref is None else ref
            print(f"| {b} | {len(x):,} | {what} | {t_min:.3f} s | {t_med:.3f} s | {np.abs(out - ref).max():.1e} |")


if __name__ == "__main__":
    main()
