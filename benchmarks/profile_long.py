"""Where the time of a 24-hour recording goes: ``classify_recording`` on the 48 MIT-BIH records joined (the
recording of ``bench_archive.py``), the model on one thread, under cProfile, after a warm-up.

    ARRHYTHMIA_DATA_DIR=../shared/data/mitdb python benchmarks/profile_long.py [--top 30]

Prints the functions with the largest cumulative time. cProfile slows Python-level code; the shares, not the
seconds, are what to read.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core, before numpy is imported
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import warnings  # noqa: E402

from _common import data_dir, joined_mitdb, machine, today  # noqa: E402

from arrhythmia.inference.annotate import default_model_path  # noqa: E402
from arrhythmia.inference.runners import load_runner  # noqa: E402
from arrhythmia.pipeline.process import classify_recording  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(default_model_path()))
    ap.add_argument("--top", type=int, default=30)
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    runner = load_runner(a.model, "onnx", threads=1)
    rec, minute = joined_mitdb(data_dir())
    classify_recording(minute, runner)
    print(f"# {today()} on {machine()}; model {a.model}; {rec.duration / 3600:.1f} h")
    prof = cProfile.Profile()
    prof.runcall(classify_recording, rec, runner)
    pstats.Stats(prof).sort_stats("cumulative").print_stats(a.top)


if __name__ == "__main__":
    main()
