"""The detector's and the beat windows' memory-lean paths (issue 14) give the plain arithmetic's values bit for bit,
and the detector's peak memory on a two-hour recording stays near the size of the signal it is given.

Each lean helper is checked against the NumPy/SciPy expression it replaces on real records (band-passed leads of
MIT-BIH 203 and 232 at the detector's 120 Hz), with ``np.array_equal``: not a tolerance.
"""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
from scipy.ndimage import maximum_filter1d

from arrhythmia.io.wfdb_io import read_wfdb
from arrhythmia.pipeline.segment import median_beat
from arrhythmia.preprocessing import quality
from arrhythmia.preprocessing.detectors import detect
from arrhythmia.preprocessing.detectors import maxima
from arrhythmia.preprocessing.detectors.base import (decimate_mean, energy_from_band, gradient_into,
                                                     lead_energy_and_slope, slope_at)
from arrhythmia.preprocessing.detectors.candidates import window_max
from arrhythmia.preprocessing.filters import bandpass

PEAK_OVER_SIGNAL = 1.6
"""The fusion detector's traced peak over the float64 signal's size, on 2 hours of two leads. Measured 1.39 after
this work (55 MB for a 40 MB signal; 1.33 after the lean peak search of 2026-12-03), 2.02 before it (80 MB): the energies' scratch rows, the float copy of the
lead-on mask and the padded copies per quality segment were the difference."""


@pytest.fixture(scope="module")
def bands(mitdb):
    out = {}
    for r in ("203", "232"):
        rec = read_wfdb(mitdb / r)
        out[r] = bandpass(decimate_mean(rec.signal, 3), 120.0, 5.0, 15.0, order=3)
    return out


def _plain_energy(f, fs, integrate_s=0.15):
    """The arithmetic before the lean version (one lead)."""
    from scipy.ndimage import uniform_filter1d

    d = np.gradient(f)
    e = uniform_filter1d(np.square(d), size=max(1, int(round(integrate_s * fs))))
    level = maximum_filter1d(e, size=max(1, int(round(2 * fs))))
    level = uniform_filter1d(level, size=max(1, int(round(8 * fs))))
    np.maximum(level, np.percentile(level, 5) + 1e-12, out=level)
    return e / level, d


def test_energies_and_slope_are_the_plain_arithmetic_bit_for_bit(bands):
    for band in bands.values():
        plain = [_plain_energy(band[i], 120.0) for i in range(2)]
        e, d = energy_from_band(band, 120.0)
        for i in range(2):
            assert np.array_equal(e[i], plain[i][0]) and np.array_equal(d[i], plain[i][1])
        on = np.ones(band.shape[1], bool)
        on[5000:9000] = False  # lead 0 off there: the slope comes from lead 1
        e2, slope = lead_energy_and_slope(band, 120.0, on)
        assert np.array_equal(e2, e)
        assert np.array_equal(slope, np.where(on, np.abs(d[0]), np.abs(d[1])))
        e3, none = lead_energy_and_slope(band, 120.0, on, with_slope=False)  # one scratch row, the level twice
        assert none is None and np.array_equal(e3, e)
        idx = np.r_[0, 1, 4999, 5000, 8999, 9000, np.arange(2, band.shape[1], 101), band.shape[1] - 1]
        win = np.clip(idx[:, None] + np.arange(-9, 10)[None, :], 0, band.shape[1] - 1)
        assert np.array_equal(slope_at(band, on, win), slope[win])  # the slope row where it is read, only
    for f in (np.array([1.0, 4.0]), np.arange(7.0) ** 2):
        assert np.array_equal(gradient_into(f, np.empty_like(f)), np.gradient(f))


def test_window_max_and_per_segment_reductions_equal_the_whole_array_versions(bands):
    band = bands["203"]
    at = np.r_[0, 1, 5, np.arange(100, band.shape[1], 997), band.shape[1] - 2, band.shape[1] - 1]
    for half in (0, 1, 9):
        assert np.array_equal(window_max(band[0], at, half), maximum_filter1d(band[0], 2 * half + 1)[at])
    seg = 120  # the 24-h and MIT-BIH lengths at 120 Hz are not whole segments: the padded tail is exercised
    assert band.shape[1] % seg
    pad = (-band.shape[1]) % seg
    padded = np.concatenate([band, np.repeat(band[:, -1:], pad, axis=1)], axis=1).reshape(2, -1, seg)
    assert np.array_equal(quality._per_segment(band, seg, lambda v: np.median(np.abs(v), axis=2)),
                          np.median(np.abs(padded), axis=2))
    assert np.array_equal(quality._per_segment(band, seg, quality._ptp), np.ptp(padded, axis=2))
    assert np.array_equal(quality._per_segment(band[:, :50], seg, quality._ptp),
                          np.ptp(np.concatenate([band[:, :50], np.repeat(band[:, 49:50], 70, axis=1)], axis=1),
                                 axis=1)[:, None])


def test_lean_find_peaks_is_scipys(bands, rng, monkeypatch):
    from scipy.signal import find_peaks

    def both(x, **kw):
        pad = kw.pop("pad_edges", False)
        ref = find_peaks(np.r_[0.0, x, 0.0], **kw)[0] - 1 if pad else find_peaks(x, **kw)[0]
        return ref, maxima.find_peaks_lean(x, pad_edges=pad, **kw)

    rules = ({}, {"distance": 24}, {"distance": 7.5, "height": 0.3}, {"pad_edges": True, "distance": 24,
                                                                      "height": 0.02})
    e = energy_from_band(bands["203"], 120.0)[0][0]
    for kw in rules:
        assert np.array_equal(*both(e, **dict(kw)))
    # small stretches and margins: every stretch boundary, flat tops (rounded noise) and long flat runs exercised
    monkeypatch.setattr(maxima, "STRETCH", 997)
    monkeypatch.setattr(maxima, "MARGIN", 64)
    for kw in rules:
        assert np.array_equal(*both(e[:60000], **dict(kw)))
    for _ in range(30):
        x = np.round(rng.normal(size=int(rng.integers(2, 9000))) * 3)
        a = int(rng.integers(0, x.size))
        x[a:a + int(rng.integers(0, 300))] = 2.0  # a flat top, sometimes longer than half the margin
        for kw in rules:
            assert np.array_equal(*both(x, **dict(kw)))
    p = np.sort(rng.choice(5000, 400, replace=False))
    pr = np.round(rng.normal(size=400))  # ties: the order among equal priorities matters
    assert np.array_equal(maxima._select_by_distance_py(p, pr, 17.0), maxima.select_by_distance(p, pr, 17.0))


def test_the_long_recording_path_detects_the_same_beats(mitdb, monkeypatch):
    from arrhythmia.preprocessing.detectors import fusion

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = read_wfdb(mitdb / "203").select_leads(("MLII", "other")).signal
    whole = detect(x, 360.0)
    monkeypatch.setattr(fusion, "LEAN_ABOVE", 1000)  # the slope read at the candidates only, as over 2.4 hours
    monkeypatch.setattr(maxima, "STRETCH", 5000)  # the peak search a stretch at a time
    monkeypatch.setattr(maxima, "MARGIN", 256)
    lean = detect(x, 360.0)
    assert np.array_equal(lean.peaks, whole.peaks) and np.array_equal(lean.threshold, whole.threshold)


def test_median_beat_is_numpys_median(rng):
    """Odd and even beat counts, float32 and float64, one and two beats, and a window holding a NaN."""
    for n in (1001, 1000, 2, 1):
        x = rng.normal(size=(n, 2, 300)).astype(np.float32)
        assert np.array_equal(median_beat(x), np.median(x, axis=0)) and median_beat(x).dtype == np.float32
        assert np.array_equal(median_beat(x.astype(np.float64)), np.median(x.astype(np.float64), axis=0))
    x[0, 1, 7] = np.nan
    assert np.array_equal(median_beat(x), np.median(x, axis=0), equal_nan=True)


def test_detector_peak_memory_stays_near_the_signals_size(mitdb):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = np.concatenate([read_wfdb(mitdb / r).select_leads(("MLII", "other")).signal
                            for r in ("100", "203", "208", "232")], axis=1)
    detect(x[:, :20000], 360.0)  # first calls' imports and caches out of the way
    tracemalloc.start()
    try:
        det = detect(x, 360.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert det.peaks.size > 9000
    assert peak < PEAK_OVER_SIGNAL * x.nbytes, f"{peak / 2**20:.0f} MB for a {x.nbytes / 2**20:.0f} MB signal"
