"""What every R-peak detector shares: input checks, the result object, the QRS
energy front end and the final placement of each detection on its R peak.

Pure functions on arrays; ``fs`` in Hz, time on the last axis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...errors import ArrhythmiaError
from ..filters import _check_fs, bandpass

MIN_FS = 100.0
"""Lowest sampling rate a detector accepts, Hz (the 5-15 Hz QRS band needs some room below Nyquist)."""


@dataclass(frozen=True)
class Detection:
    """What a detector found, and what it computed on the way that others can reuse.

    Attributes
    ----------
    peaks : ndarray of int64, shape (n_beats,)
        Sample indices of the R peaks, ascending.
    fs : float
        Sampling rate of ``peaks`` and of the arrays below, Hz.
    detector : str
        Registered name of the detector.
    energy : ndarray of float64, shape (n_energy,)
        The QRS energy the decisions were made on (band-passed, differentiated,
        squared, integrated over 150 ms, divided by its running level:
        dimensionless, about 1 at a clear QRS complex), at ``energy_fs``.
        Empty when the signal was too short or flat to analyse.
    lead_energy : ndarray of float64, shape (n_leads, n_energy)
        The same per input lead (one row for a one-lead detector).
    threshold : ndarray of float64, shape (n_beats,)
        The detection threshold in force at each detection, in units of ``energy``.
    leads_used : int
        How many leads of the input the detector read (the first ``leads_used`` rows).
    notes : tuple of str
        Remarks (e.g. a lead left out).
    energy_fs : float or None
        Rate of ``energy`` and ``lead_energy``, Hz (None: ``fs``). A detector may work
        at a lower rate inside; sample ``i`` of the energy stands for sample
        ``i * fs / energy_fs`` of the input.
    quality : Quality or None
        Per-second signal quality (:func:`arrhythmia.preprocessing.quality.signal_quality`),
        when the detector computed it.
    """

    peaks: np.ndarray
    fs: float
    detector: str
    energy: np.ndarray
    lead_energy: np.ndarray
    threshold: np.ndarray
    leads_used: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)
    energy_fs: float | None = None
    quality: object = None

    def __len__(self) -> int:
        return int(self.peaks.size)


def check_signal(signal, fs: float) -> tuple[np.ndarray, float]:
    """Validate a detector's input.

    Parameters
    ----------
    signal : array_like, shape (n_samples,) or (n_leads, n_samples)
        ECG, any unit.
    fs : float
        Sampling rate, Hz.

    Returns
    -------
    x : ndarray of float64, shape (n_leads, n_samples)
    fs : float

    Raises
    ------
    ArrhythmiaError
        A sampling rate under :data:`MIN_FS`, more than two dimensions, or NaN/infinite samples.
    """
    fs = _check_fs(fs)
    if fs < MIN_FS:
        raise ArrhythmiaError(f"Invalid value for 'fs': allowed >= {MIN_FS:g} Hz for R-peak detection; got {fs:g}.")
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[0] == 0:
        raise ArrhythmiaError(f"Invalid value for 'signal': allowed shape (n_samples,) or (n_leads, n_samples); "
                              f"got {np.shape(signal)}.")
    if not np.isfinite(x).all():
        raise ArrhythmiaError("signal contains NaN or infinite samples")
    return x, fs


def too_short_or_flat(x: np.ndarray, fs: float) -> bool:
    """True when nothing can be detected: under 2 s, or every lead flat."""
    return x.shape[-1] < int(2 * fs) or bool((np.ptp(x, axis=-1) == 0).all())


def empty_detection(name: str, x: np.ndarray, fs: float, leads_used: int = 1) -> Detection:
    """The result for a signal with nothing to detect."""
    z = np.zeros(0, np.float64)
    return Detection(np.zeros(0, np.int64), fs, name, z, np.zeros((min(leads_used, x.shape[0]), 0)), z, leads_used)


def qrs_energy(x: np.ndarray, fs: float, low: float = 5.0, high: float = 15.0,
               integrate_s: float = 0.15, chunk_s: float | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """QRS energy divided by its running level, and the derivative it came from.

    Band-pass ``low``-``high`` Hz (zero phase, order 3), derivative, square,
    moving average over ``integrate_s``, divided by a running level (the
    2-s running maximum smoothed over 8 s, floored at its 5th percentile):
    gain changes of the recording do not move the thresholds.

    Parameters
    ----------
    x : ndarray, shape (n_samples,) or (n_leads, n_samples)
    fs : float
        Hz.
    chunk_s : float or None
        The band-pass in chunks (:func:`..filters.bandpass`).

    Returns
    -------
    energy : ndarray, same shape as ``x``
        Dimensionless, about 1 at a clear QRS complex.
    derivative : ndarray, same shape as ``x``
        Of the band-passed signal, per sample.
    """
    return energy_from_band(bandpass(x, fs, low, high, order=3, chunk_s=chunk_s), fs, integrate_s)


def energy_from_band(f: np.ndarray, fs: float, integrate_s: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """:func:`qrs_energy` of a signal already band-passed (shape (..., n_samples)), a lead at a time, through
    scratch rows of one lead (a long recording's temporaries are one lead's, not the six full-length arrays of
    the plain arithmetic; the values are the same bit for bit)."""
    f = np.asarray(f, dtype=np.float64)
    e, d = np.empty_like(f), np.empty_like(f)
    if f.shape[-1] == 0:
        return e, d
    a, b = np.empty(f.shape[-1]), np.empty(f.shape[-1])
    for i in np.ndindex(f.shape[:-1]):
        gradient_into(f[i], d[i])
        np.copyto(b, d[i])  # the derivative is returned: its copy is the scratch
        _energy_of_derivative(b, fs, integrate_s, e[i], a)
    return e, d


def lead_energy_and_slope(f: np.ndarray, fs: float, on=None, integrate_s: float = 0.15, with_slope: bool = True
                          ) -> tuple[np.ndarray, np.ndarray | None]:
    """Each lead's :func:`energy_from_band` energy and one slope row: the absolute derivative of lead 0 where
    ``on`` (bool, per sample; None: everywhere), of lead 1 elsewhere. The derivatives are not kept: a long
    recording's temporaries are two rows of one lead. The same values as from :func:`energy_from_band`.

    Parameters
    ----------
    f : ndarray, shape (n_leads, n_samples)
        The leads band-passed (at least one; a second is used where ``on`` is False).
    with_slope : bool
        False: no slope row (None; :func:`slope_at` gives its values where they are needed) and one scratch
        row instead of two, for a long recording.
    """
    f = np.asarray(f, dtype=np.float64)
    e, slope = np.empty_like(f), (np.empty(f.shape[-1]) if with_slope else None)
    if f.shape[-1] == 0:
        return e, slope
    # without a slope row (a long recording), one scratch row: the level is filtered twice instead of copied
    d, a = np.empty(f.shape[-1]), (np.empty(f.shape[-1]) if with_slope else None)
    for i in range(f.shape[0]):
        gradient_into(f[i], d)
        if slope is None:
            pass
        elif i == 0:
            np.abs(d, out=slope)
        elif i == 1 and on is not None:
            np.abs(d, out=slope, where=~np.asarray(on, dtype=bool))
        _energy_of_derivative(d, fs, integrate_s, e[i], a)
    return e, slope


BLOCK = 1 << 14
"""Rows (candidates, beats) whose windows the detectors gather at a time: no (n x window) table of a long
recording's whole length."""


def window_max(x, at: np.ndarray, half: int, n: int | None = None) -> np.ndarray:
    """``scipy.ndimage.maximum_filter1d(x, 2 * half + 1)`` at the samples ``at`` only, without a filtered copy of
    a long recording's whole ``x``, :data:`BLOCK` samples of ``at`` at a time. The window is clipped at the ends:
    for a maximum that equals the filter's ``reflect`` edges, whose mirrored samples all lie inside the clipped
    window already. ``x`` may also be a function giving the values at an index array (:func:`slope_at`), of
    length ``n``."""
    at = np.asarray(at, dtype=np.int64)
    off = np.arange(-half, half + 1)
    top = (n if callable(x) else x.size) - 1
    out = np.empty(at.size)
    for a in range(0, at.size, BLOCK):
        win = np.clip(at[a:a + BLOCK, None] + off[None, :], 0, top)
        out[a:a + BLOCK] = (x(win) if callable(x) else x[win]).max(axis=1)
    return out


def slope_at(f: np.ndarray, on, idx: np.ndarray) -> np.ndarray:
    """The slope row of :func:`lead_energy_and_slope` at the sample indices ``idx`` only (any shape): the same
    values, computed from the band-passed leads ``f`` there, without a row of the whole signal's length."""
    idx = np.asarray(idx, dtype=np.int64)
    n = f.shape[-1]

    def grad(row):
        if n < 2:
            return np.gradient(row)[idx]
        nxt, prv = np.minimum(idx + 1, n - 1), np.maximum(idx - 1, 0)
        g = np.subtract(row[nxt], row[prv])
        inner = (idx > 0) & (idx < n - 1)
        g[inner] /= 2.0  # the interior's central difference; the ends' one-sided differences are not halved
        return g

    out = np.abs(grad(f[0]))
    if f.shape[0] > 1 and on is not None:
        off = ~np.asarray(on, dtype=bool)[idx]
        out[off] = np.abs(grad(f[1])[off])
    return out


def gradient_into(f: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``np.gradient(f)`` of a 1-D ``f`` (unit spacing, first-order edges), written into ``out``: the same
    values without a temporary."""
    if f.size < 2:
        out[...] = np.gradient(f)  # NumPy's own error for a single sample
        return out
    np.subtract(f[2:], f[:-2], out=out[1:-1])
    out[1:-1] /= 2.0
    out[0] = f[1] - f[0]
    out[-1] = f[-1] - f[-2]
    return out


def _energy_of_derivative(d: np.ndarray, fs: float, integrate_s: float, e: np.ndarray, a: np.ndarray | None = None
                          ) -> None:
    """Squared ``d`` integrated over ``integrate_s``, over its running level, into ``e``; ``d`` is overwritten
    (scratch). ``a``: a second scratch row of ``d``'s length for the level's copy that its 5th percentile
    destroys; None (a long recording): the level is filtered a second time from ``e`` instead. The same values
    either way (ndimage's 1-D filters give the same values in place, ``tests/test_lean_arrays.py``)."""
    from scipy.ndimage import maximum_filter1d, uniform_filter1d

    def level_into(out):
        maximum_filter1d(e, size=max(1, int(round(2 * fs))), output=out)
        uniform_filter1d(out, size=max(1, int(round(8 * fs))), output=out)

    uniform_filter1d(np.square(d, out=d), size=max(1, int(round(integrate_s * fs))), output=e)
    level_into(d)
    if a is None:
        floor = np.percentile(d, 5, overwrite_input=True) + 1e-12
        level_into(d)
    else:
        np.copyto(a, d)
        floor = np.percentile(a, 5, overwrite_input=True) + 1e-12
    np.maximum(d, floor, out=d)
    np.divide(e, d, out=e)


def refine(x: np.ndarray, fs: float, peaks: np.ndarray, min_gap: int, filtered: np.ndarray | None = None,
           chunk_s: float | None = 0) -> np.ndarray:
    """Move each detection to the largest absolute deflection within +/-80 ms.

    Parameters
    ----------
    x : ndarray, shape (n_samples,)
        The lead the R peaks are placed on.
    fs : float
        Hz.
    peaks : ndarray of int
        Detections, ascending.
    min_gap : int
        Two detections that end up closer than ``min_gap // 2`` samples are
        merged (the first kept).
    filtered : ndarray, optional
        ``x`` already band-passed 0.5-40 Hz (zero phase, order 4), to save the filtering.
    chunk_s : float or None
        Otherwise band-pass it in chunks (:func:`..filters.bandpass`).

    Returns
    -------
    ndarray of int64
    """
    if peaks.size == 0:
        return peaks.astype(np.int64)
    f = bandpass(x, fs, 0.5, 40.0, chunk_s=chunk_s) if filtered is None else filtered
    w = int(round(0.08 * fs))
    n = f.size
    idx = np.clip(peaks[:, None] + np.arange(-w, w + 1)[None, :], 0, n - 1)
    seg = f[idx]
    seg = seg - np.median(seg, axis=1, keepdims=True)
    out = idx[np.arange(idx.shape[0]), np.abs(seg).argmax(axis=1)]
    out = np.unique(out)
    keep = np.concatenate([[True], np.diff(out) >= min_gap // 2])
    return out[keep].astype(np.int64)


def nearest(sorted_values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of the element of ``sorted_values`` (ascending, non-empty) nearest to each of ``x``."""
    i = np.clip(np.searchsorted(sorted_values, x), 1, max(sorted_values.size - 1, 1))
    left = sorted_values[i - 1]
    right = sorted_values[np.minimum(i, sorted_values.size - 1)]
    return np.where(np.abs(x - left) <= np.abs(right - x), i - 1, np.minimum(i, sorted_values.size - 1))


INTERNAL_FS = 120.0
"""Rate the two-lead detector works at internally (Hz): the 5-15 Hz QRS band needs no more."""


def decimation_factor(fs: float, target: float = INTERNAL_FS) -> int:
    """Largest integer ``k`` with ``fs / k >= target`` (1 at and below ``target``)."""
    return max(1, int(fs // target))


DECIMATE_BLOCK = 1 << 20
"""Output samples averaged at a time by :func:`decimate_mean` (its temporaries stay a few tens of MB)."""


def decimate_mean(x: np.ndarray, k: int) -> np.ndarray:
    """Means of ``k`` consecutive samples, centred: output ``j`` stands for input sample ``j * k``.

    A boxcar anti-alias filter (zeros at multiples of ``fs / k``); cheap, and
    enough ahead of a 5-15 Hz band-pass. Shape (..., ceil(n / k)). Output ``j``
    is ``(x[j*k - h] + ... + x[j*k - h + k - 1]) / k`` with ``h = k // 2`` and
    indices held at the edges, summed in that order, a block of outputs at a
    time: no padded copy of the whole input is made.
    """
    x = np.asarray(x, dtype=np.float64)
    if k == 1:
        return x
    h = k // 2
    n = x.shape[-1]
    m = -(-n // k)
    out = np.empty(x.shape[:-1] + (m,), np.float64)
    # outputs whose k inputs all lie inside the signal: read through a (..., m, k) view, no index arrays
    lo = -(-h // k)                                   # first j with j * k - h >= 0
    hi = max(lo, min(m, (n - k + h) // k + 1))        # past the last j with j * k - h + k - 1 <= n - 1
    for j0, j1 in ((0, lo), (hi, m)):                 # the edges: indices held at the ends
        if j1 > j0:
            start = np.arange(j0, j1) * k - h
            acc = x[..., np.clip(start, 0, n - 1)]
            for i in range(1, k):
                acc += x[..., np.clip(start + i, 0, n - 1)]
            out[..., j0:j1] = acc / k
    for j0 in range(lo, hi, DECIMATE_BLOCK):
        j1 = min(hi, j0 + DECIMATE_BLOCK)
        v = x[..., j0 * k - h:j1 * k - h].reshape(x.shape[:-1] + (j1 - j0, k))
        acc = v[..., 0].copy()
        for i in range(1, k):
            acc += v[..., i]                          # summed in the same order as at the edges
        np.divide(acc, k, out=out[..., j0:j1])
    return out
