"""Signal quality: flat, pure-noise and lead-off stretches, clean real records, the WFDB noise marks."""

import numpy as np
import pytest

from arrhythmia import ArrhythmiaError
from arrhythmia.preprocessing.detectors import detect
from arrhythmia.preprocessing.quality import beats_in_readable, noise_annotations, signal_quality


@pytest.fixture(scope="module")
def damaged_100(mitdb):
    """Two minutes of record 100 (both leads) with a flat stretch, a pure-noise stretch and lead 1 off.

    The noise is white, at -6 dB by nst's definition (RMS = QRS peak-to-peak / sqrt(8) * 10**(6/20), the
    QRS amplitude measured as sigamp does): the level of the 118e_6/119e_6 noise stress records.
    """
    from arrhythmia.datasets.noise_stress import qrs_peak_to_peak
    from arrhythmia.io import read_wfdb

    rec = read_wfdb(mitdb / "100")
    fs = rec.fs
    x = rec.signal[:, : int(120 * fs)].copy()
    beats = rec.annotations.beats()
    rms = qrs_peak_to_peak(rec.signal, fs, beats.sample, beats.symbol) / np.sqrt(8) * 10 ** (6 / 20)
    rng = np.random.default_rng(0)
    x[:, int(30 * fs):int(50 * fs)] = x[:, int(30 * fs):int(31 * fs)].mean(axis=1, keepdims=True)  # flat 30-50 s
    x[:, int(70 * fs):int(90 * fs)] = rms[:, None] * rng.standard_normal((2, int(20 * fs)))  # pure noise, 70-90 s
    x[1, int(100 * fs):int(110 * fs)] = 0.0  # lead 1 off, 100-110 s
    return x, fs


@pytest.mark.parametrize("detector", ["pan_tompkins", "fusion"])
def test_flat_and_noise_stretches(damaged_100, detector):
    x, fs = damaged_100
    d = detect(x, fs, detector)
    t = d.peaks / fs
    assert not ((t > 30.5) & (t < 49.5)).any()  # a flat stretch gives no beats
    q = signal_quality(x, fs, d.peaks)
    sec = np.arange(q.readable.size)
    # both bad stretches unreadable (their first and last second, half clean, may go either way) ...
    assert not q.readable[(sec >= 31) & (sec < 49)].any()
    assert not q.readable[(sec >= 71) & (sec < 89)].any()
    # ... and the clean minutes readable, lead 1 off included (lead 0 is read)
    clean = (sec < 29) | ((sec >= 51) & (sec < 69)) | (sec >= 91)
    assert q.readable[clean].mean() >= 0.98
    assert q.flat[1, 101:109].all() and not q.flat[0, 101:109].any()
    assert np.isneginf(q.sqi_db[1, 101:109]).all()
    # the policy drops every detection in the noise stretch and none elsewhere
    keep = beats_in_readable(q, d.peaks)
    assert not keep[(t > 71) & (t < 89)].any() and keep[(t < 29) | (t > 91)].all()
    assert 36 <= q.unreadable_s <= 40  # 2 x 20 s, give or take the edge seconds


def test_noise_annotations_follow_mitbih_convention(damaged_100):
    x, fs = damaged_100
    q = signal_quality(x, fs, detect(x, fs, "fusion").peaks)
    sample, symbol, subtype = noise_annotations(q)
    assert set(symbol) == {"~"} and sample.size == 2 * len(q.stretches())
    # each stretch opens with both leads unreadable (bits 4 and 5: 0x30 = 48) and closes clean (0)
    assert subtype.tolist() == [48, 0] * (sample.size // 2)
    assert np.array_equal(sample[::2], q.stretches()[:, 0])


@pytest.mark.parametrize("record", ["100", "101", "103", "113"])
def test_clean_records_are_readable(mitdb, record):
    from arrhythmia.io import read_wfdb

    rec = read_wfdb(mitdb / record)
    q = signal_quality(rec.signal, rec.fs, detect(rec.signal, rec.fs, "fusion").peaks)
    # these records carry no noise annotation (~) in MIT-BIH's reference
    assert q.readable.mean() >= 0.995
    assert q.sqi_db.shape == (2, int(np.ceil(rec.n_samples / rec.fs)))


def test_pure_noise_is_unreadable(nstdb, rng):
    from arrhythmia.io import read_wfdb

    g = rng.standard_normal((2, 360 * 120))
    assert signal_quality(g, 360.0, detect(g, 360.0, "fusion").peaks).readable.mean() <= 0.05
    for name in ("bw", "em", "ma"):  # the noise records of the Noise Stress Test Database: no ECG at all
        n = read_wfdb(nstdb / name, annotator=None)
        q = signal_quality(n.signal, n.fs, detect(n.signal, n.fs, "fusion").peaks)
        assert q.readable.mean() <= 0.25, name


def test_bad_input():
    with pytest.raises(ArrhythmiaError, match="NaN"):
        signal_quality(np.r_[np.ones(5000), np.nan], 360)
    with pytest.raises(ArrhythmiaError, match="'segment_s'"):
        signal_quality(np.ones(5000), 360, segment_s=0)
    with pytest.raises(ArrhythmiaError, match="'fs'"):
        signal_quality(np.ones(5000), -1)


def test_gaps_are_filled_for_filters_and_unreadable():
    """NaN samples (WFDB's invalid-sample value): joined by a straight line, and every second holding one unreadable."""
    from arrhythmia.preprocessing.quality import Quality, fill_gaps, with_gaps

    x = np.vstack([np.arange(10.0), np.full(10, np.nan)])
    x[0, 3:5] = np.nan
    filled, gaps = fill_gaps(x)
    assert np.allclose(filled[0], np.arange(10.0)) and (filled[1] == 0).all()  # interpolated; a dead lead: flat
    assert gaps.all() and np.isnan(x).sum() == 12  # the input is left as it was
    q = Quality(fs=2.0, segment=2, n_samples=6, sqi_db=np.full((1, 3), 20.0), flat=np.zeros((1, 3), bool),
                readable=np.ones(3, bool), threshold_db=8.0)
    g = with_gaps(q, np.array([False, False, False, True, False, False]))
    assert g.readable.tolist() == [True, False, True] and np.isneginf(g.sqi_db[0, 1])
    assert with_gaps(q, np.zeros(6, bool)) is q
