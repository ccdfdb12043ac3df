"""Beat datasets: every annotated beat of a set of records, cut, labelled, cached.

:func:`load_beats` is the one entry point: it reads each record, filters it,
cuts a window around every reference beat, labels it with its AAMI class and
adds its RR features. Each record's result is cached on disk under a key made
of the full configuration, the record's files (size and modification time)
and the extraction code version, so a second run is a load.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ArrhythmiaError, check_option, file_error
from ..features.rr import rr_features
from ..io.recording import DEFAULT_LEAD, Recording
from ..labels import AAMI_CLASSES, to_aami
from ..preprocessing.filters import resample, zscore
from ..preprocessing.pipeline import Preprocessing
from ..preprocessing.windows import WindowSpec, cut_windows, get_window
from .location import beat_cache_dir

EXTRACT_VERSION = 2  # bump when extraction changes what it produces
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


@dataclass
class BeatSet:
    """Beats of one or more records, as parallel arrays.

    Attributes
    ----------
    x : ndarray of float32, shape (n_beats, n_leads, n_samples)
        The windows.
    y : ndarray of int64, shape (n_beats,)
        AAMI class index (into :data:`arrhythmia.labels.AAMI_CLASSES`).
    symbol : ndarray of str, shape (n_beats,)
        MIT-BIH symbol.
    record : ndarray of str, shape (n_beats,)
        Record name.
    sample : ndarray of int64, shape (n_beats,)
        R-peak sample index at the record's own rate.
    rr : ndarray of float32, shape (n_beats, 11)
        RR features (see :func:`arrhythmia.features.rr_features`).
    dropped : dict of str -> ndarray of int64 (5,)
        Per record, beats per class dropped because the window crossed an edge.
    notes : list of str
        Remarks made while reading (lead substitutions).
    """

    x: np.ndarray
    y: np.ndarray
    symbol: np.ndarray
    record: np.ndarray
    sample: np.ndarray
    rr: np.ndarray
    dropped: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.y.size)

    def subset(self, idx) -> "BeatSet":
        """The beats at ``idx`` (index array or boolean mask)."""
        recs = set(np.unique(self.record[idx]).tolist())
        return BeatSet(
            self.x[idx], self.y[idx], self.symbol[idx], self.record[idx], self.sample[idx],
            self.rr[idx], {r: c for r, c in self.dropped.items() if r in recs}, list(self.notes),
        )

    def counts(self) -> np.ndarray:
        """Beats per AAMI class, shape (5,)."""
        return np.bincount(self.y, minlength=len(AAMI_CLASSES))

    def records(self) -> tuple[str, ...]:
        """Record names in order of first appearance."""
        _, first = np.unique(self.record, return_index=True)
        return tuple(self.record[np.sort(first)].tolist())

    @staticmethod
    def concat(parts) -> "BeatSet":
        parts = list(parts)
        if not parts:
            raise ArrhythmiaError("no records to load")
        dropped, notes = {}, []
        for p in parts:
            dropped.update(p.dropped)
            notes.extend(p.notes)
        return BeatSet(
            *(np.concatenate([getattr(p, a) for p in parts]) for a in ("x", "y", "symbol", "record", "sample", "rr")),
            dropped=dropped, notes=notes,
        )


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
    rr : ndarray of float32, shape (n_kept, 11)
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


def extract_beats(recording: Recording, config: BeatConfig) -> BeatSet:
    """Cut, label and describe every reference beat of ``recording``.

    Parameters
    ----------
    recording : Recording
        Must carry reference annotations.
    config : BeatConfig

    Returns
    -------
    BeatSet
        Beats whose window fits inside the record; the others are counted in
        ``dropped``.
    """
    if recording.annotations is None:
        raise file_error(recording.source or recording.name, "no reference annotations to cut beats from")
    rec = recording.select_leads(config.leads)
    beats = rec.annotations.beats()
    labels = to_aami(beats.symbol)
    x, kept, rr = segment(rec, beats.sample, config)
    n = kept.sum()
    return BeatSet(
        x=x,
        y=labels[kept],
        symbol=np.asarray(beats.symbol[kept], dtype="U1"),
        record=np.full(n, rec.name, dtype="U8"),
        sample=beats.sample[kept],
        rr=rr,
        dropped={rec.name: np.bincount(labels[~kept], minlength=len(AAMI_CLASSES))},
        notes=list(rec.notes),
    )


def _file_stamp(data_dir: Path, record: str) -> list:
    stamp = []
    for ext in ("hea", "dat", "atr"):
        p = data_dir / f"{record}.{ext}"
        try:
            st = p.stat()
        except FileNotFoundError:
            raise file_error(p, f"{'signal' if ext == 'dat' else 'annotation' if ext == 'atr' else 'header'} file not found") from None
        stamp.append([ext, st.st_size, st.st_mtime_ns])
    return stamp


_ARRAYS = ("x", "y", "symbol", "record", "sample", "rr")


def _load_cached(path: Path) -> BeatSet | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {a: z[a] for a in _ARRAYS}
            meta = json.loads(str(z["meta"]))
    except Exception:  # missing or corrupt cache entry: recompute
        return None
    return BeatSet(**arrays, dropped={k: np.asarray(v) for k, v in meta["dropped"].items()}, notes=meta["notes"])


def _save_cached(path: Path, beats: BeatSet) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp.npz")
    meta = {"dropped": {k: v.tolist() for k, v in beats.dropped.items()}, "notes": beats.notes}
    np.savez(tmp, **{a: getattr(beats, a) for a in _ARRAYS}, meta=np.asarray(json.dumps(meta)))
    os.replace(tmp, path)


def load_beats(records, data_dir, config: BeatConfig | None = None, cache: bool = True,
               cache_dir=None, progress: bool = False) -> BeatSet:
    """Beats of ``records`` read from ``data_dir``.

    Parameters
    ----------
    records : sequence of str
        Record names (``'100'``).
    data_dir : str or Path
        Folder of WFDB records.
    config : BeatConfig, optional
    cache : bool
        Read/write the on-disk cache.
    cache_dir : str or Path, optional
        Cache folder (default :func:`arrhythmia.datasets.location.beat_cache_dir`).
    progress : bool
        Show a progress bar.

    Returns
    -------
    BeatSet
    """
    from tqdm.auto import tqdm

    from ..io.wfdb_io import read_wfdb

    config = config or BeatConfig()
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise file_error(data_dir, "data directory not found (set --data-dir or ARRHYTHMIA_DATA_DIR, or run 'arrhythmia data fetch')")
    cache_dir = Path(cache_dir) if cache_dir else beat_cache_dir()
    key = config.key()
    parts = []
    for rec in tqdm(list(records), desc="beats", unit="record", disable=not progress):
        stamp = _file_stamp(data_dir, rec)
        rkey = hashlib.sha256(json.dumps([key, rec, stamp]).encode()).hexdigest()[:16]
        path = cache_dir / key / f"{rec}-{rkey}.npz"
        beats = _load_cached(path) if cache else None
        if beats is None:
            beats = extract_beats(read_wfdb(data_dir / rec), config)
            if cache:
                _save_cached(path, beats)
        parts.append(beats)
    return BeatSet.concat(parts)
