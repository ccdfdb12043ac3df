"""Filters on synthetic sines: what must go goes, what must stay stays."""

import numpy as np
import pytest

from arrhythmia import ArrhythmiaError
from arrhythmia.preprocessing import (Preprocessing, bandpass, notch, remove_baseline, resample,
                                      wavelet_denoise, zscore)

FS = 360.0
T = np.arange(int(20 * FS)) / FS


def amp(x, f, fs=FS):
    """Amplitude of the f-Hz component of x, by projection (centre part, no edges)."""
    n = x.shape[-1]
    s = slice(n // 4, 3 * n // 4)
    t = np.arange(n)[s] / fs
    return 2 * np.abs(np.mean(x[s] * np.exp(-2j * np.pi * f * t)))


def test_notch_removes_50hz_keeps_10hz():
    x = np.sin(2 * np.pi * 10 * T) + np.sin(2 * np.pi * 50 * T)
    y = notch(x, FS, 50)
    assert amp(y, 50) < 0.01
    assert amp(y, 10) == pytest.approx(1, abs=0.01)


def test_notch_60hz():
    x = np.sin(2 * np.pi * 60 * T)
    assert amp(notch(x, FS, 60), 60) < 0.01


def test_bandpass_removes_drift_and_high_frequencies_keeps_10hz():
    x = np.sin(2 * np.pi * 10 * T) + 2 * np.sin(2 * np.pi * 0.1 * T) + 0.5 * np.sin(2 * np.pi * 80 * T)
    y = bandpass(x, FS, 0.5, 40)
    assert amp(y, 0.1) < 0.02
    assert amp(y, 80) < 0.01  # (50 Hz sits too close to 40 Hz for a 4th-order edge: that is the notch's job)
    assert amp(y, 10) == pytest.approx(1, abs=0.01)


def test_filters_do_not_modify_input_and_keep_shape():
    x = np.vstack([np.sin(2 * np.pi * 10 * T), np.cos(2 * np.pi * 5 * T)])
    x0 = x.copy()
    for f in (lambda a: bandpass(a, FS), lambda a: notch(a, FS), lambda a: remove_baseline(a, FS),
              lambda a: wavelet_denoise(a), lambda a: zscore(a)):
        assert f(x).shape == x.shape
    np.testing.assert_array_equal(x, x0)


def test_baseline_removal_removes_slow_wander():
    x = 1.5 * np.sin(2 * np.pi * 0.2 * T) + np.sin(2 * np.pi * 10 * T) * 0.1
    y = remove_baseline(x, FS)
    assert amp(y, 0.2) < 0.1


def test_wavelet_denoise_removes_noise_keeps_qrs_like_pulses(rng):
    # narrow Gaussian pulses (QRS-like, 12 ms) on a slow wave, plus white noise
    clean = sum(np.exp(-0.5 * ((T - c) / 0.012) ** 2) for c in np.arange(0.5, 20, 0.8))
    clean = clean + 0.2 * np.sin(2 * np.pi * 1.2 * T)
    noise = 0.1 * rng.standard_normal(T.size)
    den = wavelet_denoise(clean + noise)
    assert np.mean((den - clean) ** 2) < 0.8 * np.mean(noise**2)
    assert np.corrcoef(den, clean)[0, 1] > 0.9  # soft universal threshold shrinks peaks a little (measured 0.95)
    # white noise alone is mostly removed
    assert np.mean(wavelet_denoise(noise) ** 2) < 0.1 * np.mean(noise**2)
    # level is capped by the length: a short signal still works
    assert wavelet_denoise(noise[:64]).shape == (64,)


def test_resample_keeps_tone_and_length():
    x = np.sin(2 * np.pi * 5 * T)
    y = resample(x, FS, 125)
    assert y.shape[-1] == round(T.size * 125 / FS)
    assert amp(y, 5, fs=125) == pytest.approx(1, abs=0.02)


def test_zscore_per_beat():
    b = np.random.default_rng(1).normal(3, 2, (4, 2, 100))
    z = zscore(b, axis=-1)
    np.testing.assert_allclose(z.mean(-1), 0, atol=1e-9)
    np.testing.assert_allclose(z.std(-1), 1, atol=1e-9)
    assert np.all(zscore(np.ones((3, 10))) == 0)  # flat: centred, no division by zero


def test_bad_parameters():
    with pytest.raises(ArrhythmiaError, match="'fs'"):
        bandpass(np.zeros(100), -1)
    with pytest.raises(ArrhythmiaError, match="'notch'"):
        Preprocessing(notch=55)
    with pytest.raises(ArrhythmiaError, match="'bandpass'"):
        Preprocessing(bandpass=(40, 0.5))
