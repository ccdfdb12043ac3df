"""RR features: the vectorised centred quantile gives nanquantile's values bit for bit (the shipped model reads
them, so any change of value would change its inputs)."""

import numpy as np
import pytest

from arrhythmia.features.rr import _centred_quantile
from arrhythmia.io.wfdb_io import read_annotations


def _reference(v, half, q):
    """The definition: nanquantile of every centred window, cut at the ends (what rr.py computed before)."""
    padded = np.concatenate([np.full(half, np.nan), v, np.full(half, np.nan)])
    return np.array([np.nanquantile(padded[i:i + 2 * half + 1], q) for i in range(len(v))])


@pytest.mark.parametrize("record", ["100", "208", "232"])
def test_centred_quantile_equals_nanquantile_on_real_rr(mitdb, record):
    pre = np.diff(read_annotations(mitdb / record, "atr").sample) / 360.0
    for half in (10, 30):
        assert np.array_equal(_centred_quantile(pre, half, 0.75), _reference(pre, half, 0.75))


def test_centred_quantile_with_gaps_and_short_input():
    v = np.random.default_rng(0).random(200)
    v[[0, 57, 120]] = np.nan  # a NaN inside a window: that window goes through nanquantile
    for n in (3, 40, 200):
        assert np.array_equal(_centred_quantile(v[:n], 30, 0.75), _reference(v[:n], 30, 0.75), equal_nan=True)
