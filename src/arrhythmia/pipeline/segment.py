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
from ..preprocessing.filters import resample, zscore
from ..preprocessing.pipeline import Preprocessing
from ..preprocessing.windows import WindowSpec, cut_windows, get_window

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
    """
    samples = np.asarray(samples, dtype=np.int64)
    rr = rr_features(samples, recording.fs)
    sig = config.preprocessing.apply(recording.signal, recording.fs)
    win = config.window
    centers = samples
    if win.fs != recording.fs:
        sig = resample(sig, recording.fs, win.fs)
        centers = np.round(samples * (win.fs / recording.fs)).astype(np.int64)
    if sig.shape[-1] < win.length:
        raise file_error(recording.source or recording.name,
                         f"record too short for one {win.length}-sample window "
                         f"({sig.shape[-1]} samples at {win.fs:g} Hz)")
    if config.normalize == "record":
        sig = zscore(sig, axis=-1)
    x, kept = cut_windows(sig, centers, win.before, win.after)
    if config.normalize == "beat":
        x = zscore(x, axis=-1).astype(np.float32)
    if config.median_channels:
        x = with_median_channels(x)
    return x, kept, rr[kept]


def with_median_channels(x: np.ndarray) -> np.ndarray:
    """Append to each beat its difference from the median beat of ``x``.

    Parameters
    ----------
    x : ndarray, shape (n_beats, n_leads, n_samples)
        All beats of one recording.

    Returns
    -------
    ndarray of float32, shape (n_beats, 2 * n_leads, n_samples)
        ``x`` followed by ``x - median(x, axis=0)``.
    """
    if x.shape[0] == 0:
        return np.zeros((0, 2 * x.shape[1], x.shape[2]), np.float32)
    ref = np.median(x, axis=0, keepdims=True)
    return np.concatenate([x, x - ref], axis=1).astype(np.float32)
