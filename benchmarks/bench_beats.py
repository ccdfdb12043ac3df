"""Time beat extraction of the 44 non-paced records, cold and cached.

    ARRHYTHMIA_DATA_DIR=../shared/data/mitdb python benchmarks/bench_beats.py [--preset 300]

Cold: every record read, checksum-verified, filtered and cut (empty cache).
Cached: the same call again, served from the on-disk cache. Library imports
are done before timing. Prints a Markdown row for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from _common import data_dir, machine, today

from arrhythmia.datasets import BeatConfig, load_beats
from arrhythmia.datasets.records import NON_PACED


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="300")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    d = data_dir()
    cfg = BeatConfig(window=a.preset)
    import scipy.signal  # noqa: F401  (import cost out of the timing)
    import wfdb  # noqa: F401

    cold, warm = [], []
    for _ in range(a.repeat):
        with tempfile.TemporaryDirectory() as cache:
            t = time.perf_counter()
            b = load_beats(NON_PACED, d, cfg, cache_dir=cache)
            cold.append(time.perf_counter() - t)
            t = time.perf_counter()
            load_beats(NON_PACED, d, cfg, cache_dir=cache)
            warm.append(time.perf_counter() - t)
    print(f"# {today()} on {machine()}")
    print(f"| preset {a.preset} | {len(b)} beats, {len(NON_PACED)} records | cold {statistics.median(cold):.2f} s "
          f"| cached {statistics.median(warm):.2f} s | median of {a.repeat} |")


if __name__ == "__main__":
    main()
