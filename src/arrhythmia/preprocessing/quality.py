"""Signal quality: which seconds of a recording can be read, per lead and overall.

Pure functions on arrays (``fs`` in Hz, time on the last axis). For every
segment (1 s by default) and lead:

``sqi_db``
    A signal-to-noise ratio in dB, defined like WFDB ``nst``'s (signal power
    ``S = ptp**2 / 8`` from the peak-to-peak QRS amplitude, noise power ``N``)
    but measured inside the QRS band, where noise makes a detector fail:
    both are taken on the lead band-passed 5-15 Hz. ``ptp`` is the record's
    median QRS peak-to-peak amplitude (over detected beats in its quieter
    half; without beats, the 90th percentile of the segments' peak-to-peak
    values). The noise of a segment is the robust RMS (1.4826 times the
    median absolute value) over the 3 s centred on it, which the short QRS
    complexes barely move, minus (in power) the floor that the ECG's own P
    and T waves leave in that band: the record's 20th percentile, capped at
    the level of a 6 dB absolute SNR (else a record of pure noise would be its
    own floor). Where the absolute SNR is under 3 dB it is used as it is.
    Over the 48 MIT-BIH records the better lead's median is 24 dB and 95 %
    of the seconds score 13 dB or more.
``flat``
    The lead is off: the segment's peak-to-peak amplitude in the QRS band
    under 2 % of the lead's median segment, or exactly zero (a flat lead, or
    one clipped at the converter's limits, has no content in that band).
    Its ``sqi_db`` is -inf.

A segment is **readable** when at least one lead scores ``threshold_db`` or
more, and no segment of a recording is when none of its leads shows an ECG
anywhere (:data:`RECORD_MIN_DB`). Detections in unreadable segments are not
beats we can vouch for: the documented policy (:func:`beats_in_readable`) is to **drop** them (no class,
no place in burden figures) and to mark the stretch with WFDB noise
annotations ``~`` (:func:`noise_annotations`), whose ``subtype`` follows the
MIT-BIH convention (bit ``k``: lead ``k`` noisy; bit ``4 + k``: lead ``k``
unreadable; 0: clean again).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ArrhythmiaError
from .filters import _check_fs, bandpass

SEGMENT_S = 1.0
CONTEXT_S = 3.0
THRESHOLD_DB = 8.0
"""Default readability threshold (see docs/benchmarks.md for how it was chosen)."""
FLAT_FRACTION = 0.02
MAD_TO_RMS = 1.4826
FLOOR_PERCENTILE = 20.0
MAX_SQI_RATIO = 1000.0  # caps sqi_db at 60 dB over the absolute figure
ABSOLUTE_MIN_DB = 3.0
FLOOR_MAX_DB = 6.0
RECORD_MIN_DB = 7.0
"""When no lead's median absolute QRS-band SNR reaches this, the whole recording is noise: every MIT-BIH
record's best lead scores 9.5 dB or more (217 the lowest), the noise records bw, em, ma and white noise
4.3 dB or less (em the highest), measured with the ``fusion`` detector's beats when the value was set."""


@dataclass(frozen=True)
class Quality:
    """Per-segment signal quality of a recording.

    Attributes
    ----------
    fs : float
        Hz.
    segment : int
        Segment length in samples (the last segment may be shorter).
    n_samples : int
    sqi_db : ndarray of float64, shape (n_leads, n_segments)
        QRS-band SNR per lead and segment, dB (-inf where the lead is flat or clipped).
    flat : ndarray of bool, shape (n_leads, n_segments)
        Lead off (flat or clipped).
    readable : ndarray of bool, shape (n_segments,)
        At least one lead at ``threshold_db`` or more.
    threshold_db : float
    """

    fs: float
    segment: int
    n_samples: int
    sqi_db: np.ndarray
    flat: np.ndarray
    readable: np.ndarray
    threshold_db: float

    @property
    def unreadable_s(self) -> float:
        """Unreadable time, seconds."""
        return float(self.sample_mask(invert=True).sum() / self.fs)

    @property
    def lead_unreadable(self) -> np.ndarray:
        """(n_leads, n_segments) bool: the lead alone could not be read."""
        return ~(self.sqi_db >= self.threshold_db)

    def sample_mask(self, invert: bool = False) -> np.ndarray:
        """Per-sample readability (``invert``: unreadability), shape (n_samples,)."""
        m = np.repeat(self.readable, self.segment)[: self.n_samples]
        return ~m if invert else m

    def stretches(self) -> np.ndarray:
        """Unreadable ``[start, stop)`` sample ranges, shape (k, 2), ascending."""
        u = np.r_[False, ~self.readable, False].astype(np.int8)
        d = np.diff(u)
        starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
        return np.stack([starts * self.segment, np.minimum(stops * self.segment, self.n_samples)],
                        axis=1).astype(np.int64)

    def in_unreadable(self, samples) -> np.ndarray:
        """For each sample index, True when it lies in an unreadable segment."""
        s = np.clip(np.asarray(samples, dtype=np.int64) // self.segment, 0, self.readable.size - 1)
        return ~self.readable[s] if self.readable.size else np.zeros(np.shape(samples), bool)


SEGMENT_BLOCK = 4096
"""Segments reduced at a time by :func:`_per_segment` (bounds its temporaries on a long recording)."""


def _per_segment(x: np.ndarray, seg: int, reduce) -> np.ndarray:
    """``reduce`` over each segment of ``x`` (n_leads, n_samples), the last one padded with the lead's final value.

    ``reduce`` takes a (n_leads, m, seg) array and reduces its last axis to (n_leads, m). It sees views of
    :data:`SEGMENT_BLOCK` whole segments at a time, and the padded last segment alone: no padded copy of the
    recording is made, and each segment's result is what a reduction over a padded copy of the whole gives.
    """
    n_leads, n = x.shape
    full = n // seg
    parts = [reduce(x[:, j * seg:min(full, j + SEGMENT_BLOCK) * seg].reshape(n_leads, -1, seg))
             for j in range(0, full, SEGMENT_BLOCK)]
    if full * seg < n:
        tail = np.concatenate([x[:, full * seg:], np.repeat(x[:, -1:], (full + 1) * seg - n, axis=1)], axis=1)
        parts.append(reduce(tail.reshape(n_leads, 1, seg)))
    return np.concatenate(parts, axis=1) if parts else reduce(np.zeros((n_leads, 0, seg), x.dtype))


def _ptp(v: np.ndarray) -> np.ndarray:
    return np.ptp(v, axis=2)


def flat_segments(f: np.ndarray, seg: int) -> np.ndarray:
    """(n_leads, n_segments) bool: lead off in that segment.

    ``f`` is the leads band-passed 5-15 Hz, ``seg`` samples per segment; off
    means a peak-to-peak amplitude of zero or under :data:`FLAT_FRACTION` of
    the lead's median segment.
    """
    ptp = _per_segment(f, seg, _ptp)
    return (ptp <= FLAT_FRACTION * np.median(ptp, axis=1, keepdims=True)) | (ptp == 0)


def _noise_rms(f: np.ndarray, seg: int, context: int) -> np.ndarray:
    """Robust RMS of the zero-mean band-passed ``f`` per segment, over ``context`` segments centred on it."""
    from scipy.ndimage import median_filter

    mad = _per_segment(f, seg, lambda v: np.median(np.abs(v), axis=2))
    if context > 1:
        mad = median_filter(mad, size=(1, context), mode="nearest")
    return MAD_TO_RMS * mad


def _qrs_ptp(f: np.ndarray, fs: float, seg: int, noise: np.ndarray, peaks) -> np.ndarray:
    """Median QRS peak-to-peak amplitude per lead (see module docstring)."""
    seg_ptp = _per_segment(f, seg, _ptp)
    fallback = np.percentile(seg_ptp, 90, axis=1)
    if peaks is None or len(peaks) < 3:
        return fallback
    p = np.asarray(peaks, dtype=np.int64)
    h = int(round(0.06 * fs))
    p = p[(p >= h) & (p < f.shape[1] - h)]
    if p.size < 3:
        return fallback
    w = f[:, p[:, None] + np.arange(-h, h + 1)[None, :]]
    ptp = np.ptp(w, axis=2)                               # (leads, beats)
    quiet = noise[:, p // seg] <= np.median(noise, axis=1, keepdims=True)
    return np.array([np.median(a[q]) if q.sum() >= 3 else np.median(a) for a, q in zip(ptp, quiet)])


def signal_quality(signal, fs: float, peaks=None, segment_s: float = SEGMENT_S, context_s: float = CONTEXT_S,
                   threshold_db: float = THRESHOLD_DB, band=None) -> Quality:
    """Per-segment readability of a recording.

    Parameters
    ----------
    signal : array_like, shape (n_samples,) or (n_leads, n_samples)
        ECG, any unit.
    fs : float
        Hz.
    peaks : array_like of int, optional
        Detected R peaks at ``fs`` (e.g. ``Detection.peaks``): they give the QRS amplitude.
    segment_s : float
        Segment length, seconds.
    context_s : float
        The noise of a segment is measured over this much signal centred on it.
    threshold_db : float
        A segment is readable when a lead's ``sqi_db`` reaches this.
    band : ndarray, optional
        The leads already reduced to the working rate (see Notes) and
        band-passed 5-15 Hz (zero phase, order 3): saves that work.

    Returns
    -------
    Quality

    Raises
    ------
    ArrhythmiaError
        NaN or infinite samples, a bad rate or segment length.

    Notes
    -----
    The work is done at about 120 Hz: the signal is averaged over ``k``
    samples (``k = fs // 120``, or 1 when a segment is not a multiple of
    ``k`` samples); segments and results are at ``fs``.
    """
    from .detectors.base import decimate_mean, decimation_factor

    fs = _check_fs(fs)
    x = np.atleast_2d(np.asarray(signal, dtype=np.float64))
    if x.ndim != 2 or x.shape[1] == 0:
        raise ArrhythmiaError(f"Invalid value for 'signal': allowed shape (n_samples,) or (n_leads, n_samples); "
                              f"got {np.shape(signal)}.")
    if not np.isfinite(x).all():
        raise ArrhythmiaError("signal contains NaN or infinite samples")
    seg = int(round(segment_s * fs)) if np.isfinite(segment_s) else 0
    if seg < 1:
        raise ArrhythmiaError(f"Invalid value for 'segment_s': allowed at least one sample; got {segment_s!r}.")
    k = decimation_factor(fs)
    k = k if seg % k == 0 else 1
    fw, sw = fs / k, seg // k
    context = max(1, int(round(context_s / segment_s)) | 1)  # odd number of segments
    if band is not None:
        f = np.atleast_2d(np.asarray(band, dtype=np.float64))
    else:
        xd = decimate_mean(x, k)
        f = bandpass(xd, fw, 5.0, 15.0, order=3) if xd.shape[1] > 30 else xd - xd.mean(axis=1, keepdims=True)
    noise = _noise_rms(f, sw, context)
    pk = None if peaks is None else np.asarray(peaks, dtype=np.int64) // k
    ptp = _qrs_ptp(f, fw, sw, noise, pk)
    # the ECG's own content in the QRS band (P and T waves, QRS tails) sets a floor that is not noise;
    # it never exceeds the level of an absolute sqi of FLOOR_MAX_DB (else a record of pure noise would pass)
    floor = np.minimum(np.percentile(noise, FLOOR_PERCENTILE, axis=1, keepdims=True),
                       ptp[:, None] / (np.sqrt(8.0) * 10.0 ** (FLOOR_MAX_DB / 20.0)))
    excess = np.sqrt(np.maximum(noise ** 2 - floor ** 2, (noise / MAX_SQI_RATIO) ** 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        sqi = 20.0 * np.log10(ptp[:, None] / (np.sqrt(8.0) * excess))
        absolute = 20.0 * np.log10(ptp[:, None] / (np.sqrt(8.0) * noise))
    sqi = np.where(absolute < ABSOLUTE_MIN_DB, absolute, sqi)
    if np.nanmax(np.median(np.where(np.isfinite(absolute), absolute, np.nan), axis=1), initial=-np.inf) < RECORD_MIN_DB:
        sqi = np.full_like(sqi, -np.inf)  # no lead shows an ECG anywhere: a record of noise
    flat = flat_segments(f, sw)
    sqi = np.where(flat | np.isnan(sqi), -np.inf, sqi)
    readable = (sqi >= threshold_db).any(axis=0)
    return Quality(fs, seg, x.shape[1], sqi, flat, readable, float(threshold_db))


def beats_in_readable(quality: Quality, samples) -> np.ndarray:
    """Boolean mask of the detections to keep: those in readable segments (the policy of this module)."""
    return ~quality.in_unreadable(samples)


def noise_annotations(quality: Quality) -> tuple[np.ndarray, list[str], np.ndarray]:
    """WFDB ``~`` annotations for the unreadable stretches (MIT-BIH subtype convention).

    Returns
    -------
    sample : ndarray of int64
        Start of each stretch (subtype: bit ``4 + k`` for each unreadable lead
        ``k``) and its end (subtype 0, clean again).
    symbol : list of str
        ``'~'`` each.
    subtype : ndarray of int64
    """
    st = quality.stretches()
    samples, subtypes = [], []
    lead_bits = (1 << (4 + np.arange(quality.sqi_db.shape[0]))).astype(np.int64)
    for a, b in st:
        segs = slice(a // quality.segment, -(-b // quality.segment))
        bad = quality.lead_unreadable[:, segs].any(axis=1)
        samples += [a, b]
        subtypes += [int(lead_bits[bad].sum()), 0]
    if samples and samples[-1] >= quality.n_samples:  # a stretch to the end: no closing mark past the signal
        samples, subtypes = samples[:-1], subtypes[:-1]
    return np.asarray(samples, np.int64), ["~"] * len(samples), np.asarray(subtypes, np.int64)


def fill_gaps(signal) -> tuple[np.ndarray, np.ndarray]:
    """Gaps (NaN samples: WFDB's invalid-sample value, a lead off) filled so that filters can run.

    Parameters
    ----------
    signal : array_like, shape (n_leads, n_samples)

    Returns
    -------
    filled : ndarray of float64
        Each gap joined by a straight line between its neighbours (held at an
        edge; a lead with no valid sample is all zeros, hence flat).
    gaps : ndarray of bool, shape (n_samples,)
        Samples where any lead had a gap: unreadable (:func:`with_gaps`).
    """
    x = np.array(signal, dtype=np.float64, ndmin=2)
    bad = np.isnan(x)
    for lead in np.flatnonzero(bad.any(axis=1)):
        ok = ~bad[lead]
        x[lead] = np.interp(np.arange(x.shape[1]), np.flatnonzero(ok), x[lead, ok]) if ok.any() else 0.0
    return x, bad.any(axis=0)


def with_gaps(quality: Quality, gaps) -> Quality:
    """``quality`` with every segment that holds a gap unreadable (its leads' ``sqi_db`` -inf)."""
    from dataclasses import replace

    gaps = np.asarray(gaps, dtype=bool)
    if not gaps.any():
        return quality
    seg = _per_segment(gaps[None, :], quality.segment, lambda v: v.any(axis=2))[0]
    sqi = np.where(seg[None, :], -np.inf, quality.sqi_db)
    return replace(quality, sqi_db=sqi, readable=quality.readable & ~seg)
