"""A long recording processed in chunks gives the beats and classes of the same recording processed whole.

Whole and chunked runs share every step but the full-rate filtering and window cutting, which a chunked run does
10 minutes (here: 1 to 2.3 minutes) at a time with 30 s read either side, the z-score statistics gathered over
every chunk first (``arrhythmia.preprocessing.chunks``). The filtered cores then agree to about 1e-13 of the signal,
so the probabilities agree to float32 rounding and every beat and label is the same.
"""

import warnings

import numpy as np
import pytest

from arrhythmia.errors import ArrhythmiaError
from arrhythmia.inference.annotate import default_model_path
from arrhythmia.inference.runners import load_runner
from arrhythmia.io.wfdb_io import read_wfdb
from arrhythmia.pipeline.process import classify_recording
from arrhythmia.preprocessing import chunks
from arrhythmia.preprocessing.chunks import LeadMoments, chunk_plan
from arrhythmia.preprocessing.detectors import base, detect
from arrhythmia.preprocessing.detectors.registry import DETECTOR_NAMES

PROBA_TOLERANCE = 1e-5
"""Measured: at most 1.5e-7 on MIT-BIH 208 and 232, svdb 804 and nstdb 119e06 (float32 rounding of inputs that
differ by ~1e-13); the tolerance leaves room for another CPU's rounding."""


@pytest.fixture(scope="module")
def runner():
    return load_runner(default_model_path(), threads=1)


def _same(whole, part):
    assert np.array_equal(whole.sample, part.sample)
    assert whole.labels == part.labels
    assert np.abs(whole.proba - part.proba).max() <= PROBA_TOLERANCE
    assert np.array_equal(whole.readable, part.readable)
    assert whole.episodes == part.episodes


def test_plan_tiles_the_record_with_aligned_cores():
    plan = chunk_plan(998_603, 360.0, chunk_s=60, margin_s=30, align=16)
    assert plan[0].core_lo == 0 and plan[-1].core_hi == 998_603
    for a, b in zip(plan[:-1], plan[1:]):
        assert a.core_hi == b.core_lo and a.core_hi % 16 == 0
    for c in plan:
        assert c.lo == max(0, c.core_lo - 10_800) and c.hi == min(998_603, c.core_hi + 10_800)
        assert c.lo % 16 == 0 and (c.hi % 16 == 0 or c.hi == 998_603)
    # 1,000,003 samples in cores of 21,600 (60 s at 360 Hz): 46 full cores; the 6,403-sample rest (under a quarter
    # of a core) joins the last one
    assert len(plan) == 46 and plan[-1].core_hi - plan[-1].core_lo == 21_600 + 5_003


def test_plan_is_one_chunk_when_short_or_asked():
    half_hour = int(1800 * 360)
    assert chunk_plan(half_hour, 360.0) == [chunks.Chunk(0, half_hour, 0, half_hour)]  # automatic: under an hour
    assert len(chunk_plan(2 * half_hour + 360 * 60, 360.0)) > 1                         # automatic: over an hour
    assert len(chunk_plan(10 * half_hour, 360.0, chunk_s=0)) == 1
    with pytest.raises(ArrhythmiaError, match="'chunk_s'.*got -1"):
        chunk_plan(1000, 360.0, chunk_s=-1)


def test_moments_merged_over_pieces_equal_numpy(rng):
    x = rng.normal(3.0, 2.0, size=(2, 100_001))
    m = LeadMoments()
    for a in range(0, x.shape[1], 7_919):
        m.add(x[:, a:a + 7_919])
    assert m.n == x.shape[1]
    np.testing.assert_allclose(m.mean, x.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(m.std, x.std(axis=1), rtol=1e-12)


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_blockwise_decimation_is_bit_identical(rng, monkeypatch, k):
    """Blocks of outputs, the interior read through a reshaped view and the edges by held indices: the sums of
    an edge-padded copy, in the same order."""
    x = rng.normal(size=(2, 10_007))
    h = k // 2
    padded = np.concatenate([np.repeat(x[:, :1], h, axis=1), x, np.repeat(x[:, -1:], k, axis=1)], axis=1)
    m = -(-x.shape[1] // k)
    ref = padded[:, 0:m * k:k].copy()
    for i in range(1, k):
        ref += padded[:, i:m * k:k]
    ref /= k
    monkeypatch.setattr(base, "DECIMATE_BLOCK", 1_000)  # 4 blocks
    assert np.array_equal(base.decimate_mean(x, k), ref)


@pytest.mark.parametrize("record", ["mitdb/208", "svdb/804"])
def test_a_record_cut_into_pieces_gives_the_whole_records_beats(mitdb, runner, record):
    """208 (360 Hz: 992 V beats, fusion beats, both leads) and svdb 804 (128 Hz, resampled to the model's 360 Hz:
    chunk boundaries fall on multiples of 16 input samples, the resampling ratio's denominator)."""
    rec = read_wfdb(mitdb.parent / record)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # svdb: no lead MLII
        whole = classify_recording(rec, runner, chunk_s=0)
        for c in (60.0, 137.3):
            _same(whole, classify_recording(rec, runner, chunk_s=c))
    assert whole.sample.size > 2000


def test_runs_followed_in_a_chunked_record_are_the_whole_records(mitdb, runner):
    """222 (DS2; flutter and runs of atrial beats): the shipped model's run step relabels beats there, and cut
    into pieces the record gives the same beats, classes and relabelled count (the post-processing runs once,
    on the whole recording's probabilities)."""
    rec = read_wfdb(mitdb / "222")
    whole = classify_recording(rec, runner, chunk_s=0)
    part = classify_recording(rec, runner, chunk_s=137.3)
    _same(whole, part)
    assert whole.adaptation["relabelled_in_runs"] > 0
    assert part.adaptation["relabelled_in_runs"] == whole.adaptation["relabelled_in_runs"]


def test_a_long_recording_of_joined_records_is_chunked_and_equal(mitdb, runner):
    """Three half-hour records joined (1.5 h, over the one-hour limit): the default run is chunked."""
    from dataclasses import replace

    parts = [read_wfdb(mitdb / r).select_leads(("MLII", "other")) for r in ("119", "208", "232")]
    rec = replace(parts[0], signal=np.concatenate([p.signal for p in parts], axis=1), name="joined")
    assert len(chunk_plan(rec.signal.shape[1], rec.fs)) == 9  # 90 minutes in 10-minute cores
    whole = classify_recording(rec, runner, chunk_s=0)
    _same(whole, classify_recording(rec, runner))


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_every_detector_finds_the_same_beats_in_chunks(mitdb, name):
    """Every registered detector takes ``chunk_s``: its band-pass in pieces, its decisions over the whole record."""
    x = read_wfdb(mitdb / "208").signal
    whole = detect(x, 360.0, name, chunk_s=0)
    for c in (60.0, 137.3):
        part = detect(x, 360.0, name, chunk_s=c)
        assert np.array_equal(whole.peaks, part.peaks)
        if whole.quality is not None:  # fusion measures the signal quality on the way
            np.testing.assert_allclose(part.quality.sqi_db, whole.quality.sqi_db, rtol=0, atol=1e-9)
            assert np.array_equal(whole.quality.readable, part.quality.readable)
