"""Memory proportionate to the input: reading a CSV of a few MB takes a few times its size, not gigabytes.

pandas' parser, used before, took 740 MB (traced; 1.9 GB resident) to read a 3.7 MB CSV of one row with one
value per sample: one DataFrame column per value. The bound below is loose (15x the file; float64 values are
about twice the text's size) and far under what that took (200x).
"""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest

from arrhythmia.io.readers import read_csv

BOUND = 15


def _peak_bytes(path) -> tuple[int, object]:
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rec = read_csv(path, 360)
        return tracemalloc.get_traced_memory()[1], rec
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("layout", ["columns", "columns_with_time", "one_row_per_lead"])
def test_reading_a_few_mb_csv_takes_memory_in_proportion(layout, tmp_path):
    rng = np.random.default_rng(0)
    n = 250_000
    x = rng.normal(scale=0.5, size=(n, 2))
    f = tmp_path / "big.csv"
    if layout == "columns":
        np.savetxt(f, x, fmt="%.4f", delimiter=",", header="MLII,V5", comments="")
    elif layout == "columns_with_time":
        np.savetxt(f, np.c_[np.arange(n) / 360, x], fmt="%.5f", delimiter=",", header="time,MLII,V5", comments="")
    else:
        np.savetxt(f, x.T, fmt="%.4f", delimiter=",")
    size = f.stat().st_size
    assert size > 3_000_000
    peak, rec = _peak_bytes(f)
    assert rec.signal.shape == (2, n)
    assert peak < BOUND * size, f"{peak / 1e6:.0f} MB to read a {size / 1e6:.1f} MB CSV"
