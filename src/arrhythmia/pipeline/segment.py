"""Beat windows: the settings that determine them (:class:`BeatConfig`) and the one function that cuts them.

:func:`segment` is the path shared by training (at the reference beats) and
annotation (at the detected beats): filter the whole record, resample to the
window's rate, z-score, cut a window around each R peak, optionally append the
beat minus the record's median beat, and compute RR features over all beats.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

from ..errors import check_option, file_error
from ..features.rr import rr_features
from ..io.recording import DEFAULT_LEAD, Recording
from ..preprocessing.filters import resample, resample_ratio, standardize, zscore
from ..preprocessing.pipeline import Preprocessing
from ..preprocessing.windows import WindowSpec, cut_windows, fits, get_window

EXTRACT_VERSION = 3  # bump when extraction changes what it produces (3: 15 RR columns)
NORMALIZATIONS = ("record", "beat", "none")


@dataclass(frozen=True)
class BeatConfig:
    """Everything that determines the beats extracted from a record.

    Parameters
    ----------
    leads : tuple of str
        Lead names (``'other'``: the record's first lead not already chosen).
    window : WindowSpec or str
        Window or preset name (``'300'``, ``'187'``, ``'6s'``).
    preprocessing : Preprocessing
        Filter chain applied to the whole record before cutting.
    normalize : {'record', 'beat', 'none'}
        z-score per lead over the whole filtered record, per beat, or none (mV).
    median_channels : bool
        Append, for every lead, the beat minus the record's median beat (the
        median over all of the record's beats, sample by sample). Most beats of
        a recording are the patient's normal beats, so this channel shows how a
        beat departs from *this patient's* normal morphology, whatever that
        morphology is (a bundle branch block, an unusual axis). It uses no
        label: annotation computes it over the detected beats the same way.
    """

    leads: tuple[str, ...] = (DEFAULT_LEAD,)
    window: WindowSpec = field(default_factory=lambda: get_window("300"))
    preprocessing: Preprocessing = field(default_factory=Preprocessing)
    normalize: str = "record"
    median_channels: bool = False

    def __post_init__(self):
        object.__setattr__(self, "window", get_window(self.window))
        object.__setattr__(self, "leads", tuple(self.leads))
        check_option("normalize", self.normalize, NORMALIZATIONS)

    def to_dict(self) -> dict:
        return {
            "leads": list(self.leads),
            "window": self.window.to_dict(),
            "preprocessing": self.preprocessing.to_dict(),
            "normalize": self.normalize,
            "median_channels": bool(self.median_channels),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "BeatConfig":
        return cls(
            leads=tuple(d["leads"]),
            window=WindowSpec(**d["window"]),
            preprocessing=Preprocessing.from_dict(d["preprocessing"]),
            normalize=d["normalize"],
            median_channels=bool(d.get("median_channels", False)),
        )

    @property
    def n_channels(self) -> int:
        """Input channels of a model fed these beats."""
        return len(self.leads) * (2 if self.median_channels else 1)

    def key(self) -> str:
        blob = json.dumps({"config": self.to_dict(), "v": EXTRACT_VERSION}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def segment(recording: Recording, samples, config: BeatConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut the windows of the beats at ``samples``: the one path shared by training and annotation.

    Parameters
    ----------
    recording : Recording
        Already reduced to ``config.leads`` (see :meth:`Recording.select_leads`).
    samples : array_like of int
        R-peak positions at the recording's rate, ascending (reference beats
        or detections).
    config : BeatConfig

    Returns
    -------
    x : ndarray of float32, shape (n_kept, config.n_channels, window)
    kept : ndarray of bool, shape (n,)
        False for beats whose window crosses an edge of the record.
    rr : ndarray of float32, shape (n_kept, 15)
        RR features, computed over *all* beats (kept or not).

    See Also
    --------
    beat_windows : the same beats without the median channels appended, a long recording in chunks.
    """
    x, kept, rr, ref = beat_windows(recording, samples, config, chunk_s=0)
    return (with_median_channels(x, ref) if config.median_channels else x), kept, rr


def beat_windows(recording: Recording, samples, config: BeatConfig, chunk_s: float | None = None):
    """The beat windows of :func:`segment`, the median beat apart, a chunk of the recording at a time.

    Parameters
    ----------
    recording, samples, config
        As for :func:`segment`.
    chunk_s : float or None
        Chunk length (:func:`arrhythmia.preprocessing.chunks.chunk_plan`): None chunks only a recording over an hour
        long, 0 never. A chunked run gives the windows of a whole one to within floating-point rounding (the
        record's z-score statistics are gathered over every chunk first); a wavelet-denoised chain, whose
        threshold is taken over the whole record, is always run whole.

    Returns
    -------
    x : ndarray of float32, shape (n_kept, len(config.leads), window)
    kept : ndarray of bool, shape (n,)
    rr : ndarray of float32, shape (n_kept, 15)
    ref : ndarray of float32, shape (len(config.leads), window), or None
        With ``config.median_channels``: the median of ``x`` over its beats (the record's median beat); the
        model's input is ``with_median_channels(x, ref)``, which a caller may build a batch at a time.
    """
    from ..preprocessing.chunks import chunk_plan

    samples = np.asarray(samples, dtype=np.int64)
    rr = rr_features(samples, recording.fs)
    win = config.window
    up, down = resample_ratio(recording.fs, win.fs)
    n_out = recording.signal.shape[-1] if up == down else int(round(recording.signal.shape[-1] * win.fs / recording.fs))
    if n_out < win.length:
        raise file_error(recording.source or recording.name,
                         f"record too short for one {win.length}-sample window "
                         f"({n_out} samples at {win.fs:g} Hz)")
    centers = samples if up == down else np.round(samples * (win.fs / recording.fs)).astype(np.int64)
    plan = chunk_plan(recording.signal.shape[-1], recording.fs, 0 if config.preprocessing.wavelet else chunk_s,
                      align=down)
    if len(plan) == 1:
        sig = _prepared(recording.signal, recording.fs, config)
        if config.normalize == "record":
            sig = zscore(sig, axis=-1)
        x, kept = cut_windows(sig, centers, win.before, win.after)
        del sig
    else:
        x, kept = _chunked_windows(recording, centers, n_out, plan, config, (up, down))
    if config.normalize == "beat":
        x = zscore(x, axis=-1).astype(np.float32)
    ref = None
    if config.median_channels:
        ref = median_beat(x) if x.shape[0] else np.zeros(x.shape[1:], np.float32)
    return x, kept, rr[kept], ref


MEDIAN_BLOCK = 16
"""Samples of the window whose median :func:`median_beat` takes at a time."""


def median_beat(x: np.ndarray) -> np.ndarray:
    """``np.median(x, axis=0)``, the same values, a few samples of the window at a time: each block of
    :data:`MEDIAN_BLOCK` columns is copied with the beats along its last axis (a long recording's copy is that
    block, not all of its windows) and partitioned in place there, twice as fast as ``np.median`` over the
    first axis. Windows holding a NaN (which ``np.median`` returns for them) take ``np.median`` itself."""
    n = x.shape[0]
    out = np.empty(x.shape[1:], dtype=np.result_type(x.dtype, np.float32))
    k = n // 2
    # integer and half-precision windows: np.median's own arithmetic (the two middle values' sum could overflow)
    own = n > 0 and x.dtype.kind == "f" and x.dtype.itemsize >= 4
    for a in range(0, x.shape[-1], MEDIAN_BLOCK):
        y = np.ascontiguousarray(np.moveaxis(x[..., a:a + MEDIAN_BLOCK], 0, -1)) if own else None
        if y is None or np.isnan(y).any():
            out[..., a:a + MEDIAN_BLOCK] = np.median(x[..., a:a + MEDIAN_BLOCK], axis=0)
        elif n % 2:
            y.partition(k, axis=-1)
            out[..., a:a + MEDIAN_BLOCK] = y[..., k]
        else:  # the mean of the two middle values, as np.median takes it
            y.partition([k - 1, k], axis=-1)
            out[..., a:a + MEDIAN_BLOCK] = (y[..., k - 1] + y[..., k]) / 2
    return out


def _prepared(signal: np.ndarray, fs: float, config: BeatConfig) -> np.ndarray:
    """``signal`` through the filter chain and resampled to the window's rate."""
    sig = config.preprocessing.apply(signal, fs)
    return sig if config.window.fs == fs else resample(sig, fs, config.window.fs)


def _chunked_windows(recording, centers, n_out, plan, config, ratio):
    """Windows at ``centers`` (window rate), cut chunk by chunk: z-score statistics over every core first."""
    from ..preprocessing.chunks import LeadMoments

    up, down = ratio
    win = config.window
    kept = fits(centers, n_out, win.before, win.after)
    idx = np.flatnonzero(kept)
    x = np.empty((idx.size, recording.signal.shape[0], win.length), np.float32)

    def cores():
        for c in plan:
            lo = c.lo * up // down
            a = c.core_lo * up // down
            b = n_out if c.core_hi == recording.signal.shape[-1] else c.core_hi * up // down
            yield lo, a, b, _prepared(recording.signal[:, c.lo:c.hi], recording.fs, config)

    moments = None
    if config.normalize == "record":
        moments = LeadMoments()
        for lo, a, b, y in cores():
            moments.add(y[:, a - lo:b - lo])
    for lo, a, b, y in cores():
        sel = idx[(centers[idx] >= a) & (centers[idx] < b)]
        if sel.size:
            if moments is not None:
                y = standardize(y, moments.mean[:, None], moments.std[:, None])
            x[np.searchsorted(idx, sel)], _ = cut_windows(y, centers[sel] - lo, win.before, win.after)
    return x, kept


def with_median_channels(x: np.ndarray, ref: np.ndarray | None = None) -> np.ndarray:
    """Append to each beat its difference from the median beat of ``x``.

    Parameters
    ----------
    x : ndarray, shape (n_beats, n_leads, n_samples)
        All beats of one recording (or some of them, with ``ref``).
    ref : ndarray, shape (n_leads, n_samples), optional
        The median beat, when ``x`` is a batch of the record's beats (:func:`beat_windows`).

    Returns
    -------
    ndarray of float32, shape (n_beats, 2 * n_leads, n_samples)
        ``x`` followed by ``x - median(x, axis=0)``.
    """
    if x.shape[0] == 0:
        return np.zeros((0, 2 * x.shape[1], x.shape[2]), np.float32)
    ref = (median_beat(x) if ref is None else np.asarray(ref))[None]
    return np.concatenate([x, x - ref], axis=1).astype(np.float32)
