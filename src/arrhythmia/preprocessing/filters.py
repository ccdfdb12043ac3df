"""Filters as pure functions on arrays; time is the last axis, ``fs`` in Hz.

None of these modify their input.
"""

from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np

from ..errors import ArrhythmiaError


def _check_fs(fs: float) -> float:
    fs = float(fs)
    if not np.isfinite(fs) or fs <= 0:
        raise ArrhythmiaError(f"Invalid value for 'fs': allowed a positive sampling rate in Hz; got {fs!r}.")
    return fs


@functools.lru_cache(maxsize=64)
def _butter_sos(order: int, low: float, high: float | None, fs: float):
    """The Butterworth sections of :func:`bandpass` (None: nothing to filter), designed once per setting: a long
    recording filtered in chunks asks for the same design hundreds of times. Callers take a copy (scipy's
    ``sosfilt`` wants a writable array and the cached one must not change)."""
    from scipy.signal import butter

    if low and high:
        sos = butter(order, [low, high], btype="bandpass", fs=fs, output="sos")
    elif low:
        sos = butter(order, low, btype="highpass", fs=fs, output="sos")
    elif high:
        sos = butter(order, high, btype="lowpass", fs=fs, output="sos")
    else:
        return None
    return sos


def bandpass(x, fs: float, low: float = 0.5, high: float = 40.0, order: int = 4,
             chunk_s: float | None = 0) -> np.ndarray:
    """Zero-phase Butterworth band-pass filter.

    Parameters
    ----------
    x : ndarray, shape (..., n_samples)
        Signal (any unit).
    fs : float
        Sampling rate in Hz.
    low, high : float
        Pass band edges in Hz; ``low=0`` gives a low-pass, ``high=None`` a high-pass.
    order : int
        Butterworth order (applied forwards and backwards, so the magnitude
        response is squared and the phase is zero).
    chunk_s : float or None
        0 (default): one filter over the whole signal. Otherwise filter it in
        overlapping chunks (:func:`arrhythmia.preprocessing.chunks.chunk_plan`:
        None chunks only a signal over an hour long), equal to the whole
        filter to within rounding (about 1e-13 of the signal) and faster on
        long signals.

    Returns
    -------
    ndarray of float64, same shape as ``x``.
    """
    from scipy.signal import sosfiltfilt

    fs = _check_fs(fs)
    nyq = fs / 2
    if high is not None and high >= nyq:
        high = None  # nothing to cut above Nyquist
    sos = _butter_sos(int(order), float(low or 0.0), None if high is None else float(high), float(fs))
    if sos is None:
        return np.array(x, dtype=np.float64)
    sos = sos.copy()
    x = np.asarray(x, dtype=np.float64)
    if chunk_s != 0:
        from .chunks import chunk_plan

        plan = chunk_plan(x.shape[-1], fs, chunk_s)
        if len(plan) > 1:
            out = np.empty_like(x)
            for c in plan:
                part = sosfiltfilt(sos, x[..., c.lo:c.hi], axis=-1)
                out[..., c.core_lo:c.core_hi] = part[..., c.core_lo - c.lo:c.core_hi - c.lo]
            return out
    return sosfiltfilt(sos, x, axis=-1)


def notch(x, fs: float, freq: float = 50.0, quality: float = 30.0, harmonics: bool = True) -> np.ndarray:
    """Zero-phase IIR notch at the mains frequency (and its harmonics below Nyquist).

    Parameters
    ----------
    x : ndarray, shape (..., n_samples)
    fs : float
        Sampling rate in Hz.
    freq : float
        Mains frequency, 50 or 60 Hz.
    quality : float
        Quality factor (centre frequency / -3 dB bandwidth).
    harmonics : bool
        Also remove ``2*freq``, ``3*freq``, ... below Nyquist.

    Returns
    -------
    ndarray of float64
    """
    from scipy.signal import filtfilt, iirnotch

    fs = _check_fs(fs)
    y = np.asarray(x, dtype=np.float64)
    f = freq
    while f < fs / 2 - 1:
        b, a = iirnotch(f, quality, fs=fs)
        y = filtfilt(b, a, y, axis=-1)
        if not harmonics:
            break
        f += freq
    return y


def remove_baseline(x, fs: float, windows: tuple[float, float] = (0.2, 0.6)) -> np.ndarray:
    """Subtract the baseline estimated by two cascaded median filters.

    The first filter (200 ms) removes QRS complexes and P waves, the second
    (600 ms) T waves; what remains is the baseline wander (de Chazal 2004).

    Parameters
    ----------
    x : ndarray, shape (..., n_samples)
    fs : float
    windows : (float, float)
        Median filter lengths in seconds.

    Returns
    -------
    ndarray of float64
    """
    from scipy.ndimage import median_filter

    fs = _check_fs(fs)
    x = np.asarray(x, dtype=np.float64)
    base = x
    for w in windows:
        n = max(1, int(round(w * fs)) // 2 * 2 + 1)  # odd length
        size = (1,) * (x.ndim - 1) + (n,)
        base = median_filter(base, size=size, mode="nearest")
    return x - base


def wavelet_denoise(x, wavelet: str = "db5", level: int = 9, mode: str = "soft") -> np.ndarray:
    """Wavelet shrinkage: universal threshold on the detail coefficients.

    The noise level is estimated per channel from the finest details
    (median absolute deviation / 0.6745) and every detail level is shrunk
    with the threshold ``sigma * sqrt(2 log n)``.

    Parameters
    ----------
    x : ndarray, shape (..., n_samples)
    wavelet : str
        PyWavelets name; Daubechies-5 as in the founding design.
    level : int
        Decomposition depth, capped by what the signal length allows.
    mode : {'soft', 'hard'}

    Returns
    -------
    ndarray of float64, same shape as ``x``.
    """
    import pywt

    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    level = max(1, min(level, pywt.dwt_max_level(n, pywt.Wavelet(wavelet).dec_len)))
    coeffs = pywt.wavedec(x, wavelet, level=level, axis=-1)
    sigma = np.median(np.abs(coeffs[-1]), axis=-1, keepdims=True) / 0.6745
    thr = sigma * np.sqrt(2 * np.log(n))
    coeffs = [coeffs[0]] + [pywt.threshold(c, thr, mode=mode) for c in coeffs[1:]]
    return pywt.waverec(coeffs, wavelet, axis=-1)[..., :n]


def resample(x, fs: float, target_fs: float) -> np.ndarray:
    """Polyphase resampling from ``fs`` to ``target_fs`` (anti-aliased).

    Parameters
    ----------
    x : ndarray, shape (..., n_samples)
    fs, target_fs : float
        Rates in Hz.

    Returns
    -------
    ndarray of float64, shape (..., round(n_samples * target_fs / fs))
    """
    from scipy.signal import resample_poly

    fs, target_fs = _check_fs(fs), _check_fs(target_fs)
    x = np.asarray(x, dtype=np.float64)
    if fs == target_fs:
        return x.copy()
    up, down = resample_ratio(fs, target_fs)
    y = resample_poly(x, up, down, axis=-1)
    n_out = int(round(x.shape[-1] * target_fs / fs))
    return y[..., :n_out]


def resample_ratio(fs: float, target_fs: float) -> tuple[int, int]:
    """(up, down) of :func:`resample` from ``fs`` to ``target_fs``: output sample ``j`` stands for input sample
    ``j * down / up`` ((1, 1) when the rates are equal)."""
    if fs == target_fs:
        return 1, 1
    r = Fraction(target_fs / fs).limit_denominator(1000)
    return r.numerator, r.denominator


def zscore(x, axis: int = -1, eps: float = 1e-6) -> np.ndarray:
    """Standardise to zero mean and unit variance along ``axis``.

    Use ``axis=-1`` on beats (n_beats, n_leads, n_samples) for per-beat
    normalisation, or on a whole record (n_leads, n_samples) for per-record.
    Flat segments (std < ``eps``) are only centred.
    """
    x = np.asarray(x, dtype=np.float64)
    return standardize(x, x.mean(axis=axis, keepdims=True), x.std(axis=axis, keepdims=True), eps)


def standardize(x, mean, std, eps: float = 1e-6) -> np.ndarray:
    """``(x - mean) / std`` with statistics given (e.g. a whole record's, applied to a chunk of it); where ``std``
    is under ``eps`` (a flat lead) only centred. :func:`zscore` is this with ``x``'s own statistics."""
    return (x - mean) / np.where(std < eps, 1.0, std)
