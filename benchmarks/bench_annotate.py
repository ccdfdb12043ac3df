"""Annotate throughput: recording-seconds processed per wall-second.

    ARRHYTHMIA_DATA_DIR=../shared/data/mitdb python benchmarks/bench_annotate.py [--model BUNDLE]

For one 30-minute record (100) and for the 44 non-paced records, with
onnxruntime and with torch: read + R-peak detection + filtering and cutting
+ batched classification (``classify_recording``). The full ``annotate``
(also writing the annotation file, beats.csv, summary.json and strip.png) is
timed on record 100 too. Imports are done before timing; median of 3 for the
single record.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from _common import data_dir, machine, today

from arrhythmia.datasets.records import NON_PACED
from arrhythmia.inference.annotate import annotate, classify_recording, default_model_path
from arrhythmia.inference.runners import load_runner
from arrhythmia.io.readers import read_input


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(default_model_path()))
    a = ap.parse_args()
    d = data_dir()
    warnings.simplefilter("ignore")
    print(f"# {today()} on {machine()}; model {a.model}")
    print("| backend | input | recording time | wall time | recording-s per wall-s |")
    print("|---|---|---:|---:|---:|")
    from arrhythmia.preprocessing.peaks import detect_r_peaks

    rec = read_input(d / "100")
    times = []
    for _ in range(5):
        t = time.perf_counter()
        detect_r_peaks(rec.signal[0], rec.fs)
        times.append(time.perf_counter() - t)
    dt = statistics.median(times)
    print(f"| - | record 100, R-peak detection only | {rec.duration:.0f} s | {dt:.3f} s | {rec.duration / dt:,.0f} |")
    for backend in ("onnx", "torch"):
        runner = load_runner(a.model, backend)
        classify_recording(read_input(d / "100"), runner)  # warm-up
        times = []
        for _ in range(3):
            t = time.perf_counter()
            rec = read_input(d / "100")
            classify_recording(rec, runner)
            times.append(time.perf_counter() - t)
        dt = statistics.median(times)
        print(f"| {backend} | record 100 (read+detect+classify) | {rec.duration:.0f} s | {dt:.2f} s | {rec.duration / dt:,.0f} |")
        total, t = 0.0, time.perf_counter()
        for r in NON_PACED:
            rec = read_input(d / r)
            classify_recording(rec, runner)
            total += rec.duration
        dt = time.perf_counter() - t
        print(f"| {backend} | 44 non-paced records | {total / 3600:.1f} h | {dt:.1f} s | {total / dt:,.0f} |")
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        annotate(d / "100", Path(tmp) / "o", model=a.model, backend="onnx")
        dt = time.perf_counter() - t
    print(f"| onnx | record 100, full annotate incl. outputs and strip.png | 1806 s | {dt:.2f} s | {1806 / dt:,.0f} |")


if __name__ == "__main__":
    main()
