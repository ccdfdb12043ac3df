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

from ..errors import ArrhythmiaError, file_error
from ..io.recording import Recording
from ..labels import AAMI_CLASSES, to_aami
from ..pipeline.segment import BeatConfig, segment
from .location import beat_cache_dir
from .references import DataRoots, RecordRef, patient_of

_ARRAYS = ("x", "y", "symbol", "record", "sample", "rr", "database", "patient")


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
        Record name (``'100'``).
    sample : ndarray of int64, shape (n_beats,)
        R-peak sample index at the record's own rate.
    rr : ndarray of float32, shape (n_beats, 15)
        RR features (see :func:`arrhythmia.features.rr_features`).
    database : ndarray of str, shape (n_beats,)
        Database of the record (``'mitdb'``, ``'svdb'``); default ``'mitdb'``.
    patient : ndarray of str, shape (n_beats,)
        Patient (:attr:`~arrhythmia.datasets.references.RecordRef.patient`:
        MIT-BIH 201 and 202 are one). Derived from ``database`` and ``record``
        when not given.
    dropped : dict of str -> ndarray of int64 (5,)
        Per record key (``'mitdb:100'``), beats per class dropped because the window crossed an edge.
    notes : list of str
        Remarks made while reading (lead substitutions).
    """

    x: np.ndarray
    y: np.ndarray
    symbol: np.ndarray
    record: np.ndarray
    sample: np.ndarray
    rr: np.ndarray
    database: np.ndarray | None = None
    patient: np.ndarray | None = None
    dropped: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def __post_init__(self):
        n = len(self.y)
        if self.database is None:
            self.database = np.full(n, "mitdb", dtype="U16")
        if self.patient is None:
            pairs = {(d, r): patient_of(d, r) for d, r in set(zip(self.database.tolist(), self.record.tolist()))}
            self.patient = np.asarray([pairs[(d, r)] for d, r in zip(self.database.tolist(), self.record.tolist())],
                                      dtype="U40").reshape(n)

    def __len__(self) -> int:
        return int(self.y.size)

    @property
    def keys(self) -> np.ndarray:
        """Record key of every beat (``'mitdb:100'``)."""
        return np.char.add(np.char.add(self.database.astype(str), ":"), self.record.astype(str))

    def subset(self, idx) -> "BeatSet":
        """The beats at ``idx`` (index array or boolean mask)."""
        keys = set(np.unique(self.keys[idx]).tolist())
        return BeatSet(*(getattr(self, a)[idx] for a in _ARRAYS),
                       dropped={k: c for k, c in self.dropped.items() if k in keys}, notes=list(self.notes))

    def counts(self) -> np.ndarray:
        """Beats per AAMI class, shape (5,)."""
        return np.bincount(self.y, minlength=len(AAMI_CLASSES))

    def records(self) -> tuple[str, ...]:
        """Record keys (``'mitdb:100'``) in order of first appearance."""
        keys = self.keys
        _, first = np.unique(keys, return_index=True)
        return tuple(keys[np.sort(first)].tolist())

    @staticmethod
    def concat(parts) -> "BeatSet":
        parts = list(parts)
        if not parts:
            raise ArrhythmiaError("no records to load")
        dropped, notes = {}, []
        for p in parts:
            dropped.update(p.dropped)
            notes.extend(p.notes)
        return BeatSet(*(np.concatenate([getattr(p, a) for p in parts]) for a in _ARRAYS), dropped=dropped,
                       notes=notes)


def extract_beats(recording: Recording, config: BeatConfig, database: str = "mitdb") -> BeatSet:
    """Cut, label and describe every reference beat of ``recording``.

    Parameters
    ----------
    recording : Recording
        Must carry reference annotations.
    config : BeatConfig
    database : str
        Database the record belongs to.

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
    if beats.sample.size == 0:
        raise file_error(recording.source or recording.name, "its reference annotations hold no beat")
    labels = to_aami(beats.symbol)
    x, kept, rr = segment(rec, beats.sample, config)
    n = int(kept.sum())
    ref = RecordRef(database, rec.name)
    return BeatSet(
        x=x,
        y=labels[kept],
        symbol=np.asarray(beats.symbol[kept], dtype="U1"),
        record=np.full(n, rec.name, dtype="U24"),
        sample=beats.sample[kept],
        rr=rr,
        database=np.full(n, database, dtype="U16"),
        patient=np.full(n, ref.patient, dtype="U40"),
        dropped={ref.key: np.bincount(labels[~kept], minlength=len(AAMI_CLASSES))},
        notes=list(rec.notes),
    )


def _file_stamp(path: Path) -> list:
    from ..io.wfdb_io import read_header

    stamp = []
    header = path.with_suffix(".hea")
    files = [header]
    if header.is_file():
        files += [path.parent / f for f in dict.fromkeys(read_header(path).file_name or [])]
    files.append(path.with_suffix(".atr"))
    for p in files:
        try:
            st = p.stat()
        except FileNotFoundError:
            kind = {".hea": "header", ".atr": "annotation"}.get(p.suffix, "signal")
            raise file_error(p, f"{kind} file not found") from None
        stamp.append([p.name, st.st_size, st.st_mtime_ns])
    return stamp


def _load_cached(path: Path) -> BeatSet | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {a: z[a] for a in _ARRAYS}
            meta = json.loads(str(z["meta"]))
    except Exception:  # missing, old or corrupt cache entry: recompute
        return None
    return BeatSet(**arrays, dropped={k: np.asarray(v) for k, v in meta["dropped"].items()}, notes=meta["notes"])


def _save_cached(path: Path, beats: BeatSet) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp.npz")
    meta = {"dropped": {k: v.tolist() for k, v in beats.dropped.items()}, "notes": beats.notes}
    np.savez(tmp, **{a: getattr(beats, a) for a in _ARRAYS}, meta=np.asarray(json.dumps(meta)))
    os.replace(tmp, path)


def load_beats(records, data, config: BeatConfig | None = None, cache: bool = True,
               cache_dir=None, progress: bool = False) -> BeatSet:
    """Beats of ``records``, each read from its database's folder at its own rate.

    Parameters
    ----------
    records : sequence of RecordRef or str
        Records (``RecordRef('svdb', '804')``, ``'svdb:804'``, or a bare
        MIT-BIH name ``'100'``).
    data : DataRoots or str or Path
        Where the databases are; a folder is the MIT-BIH one (other databases
        are then looked for as :class:`~arrhythmia.datasets.references.DataRoots` says).
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
    roots = data if isinstance(data, DataRoots) else DataRoots(mitdb=Path(data))
    records = [r if isinstance(r, RecordRef) else RecordRef.parse(r) for r in records]
    for db in dict.fromkeys(r.database for r in records):
        roots.folder(db)  # every folder found before any work
    cache_dir = Path(cache_dir) if cache_dir else beat_cache_dir()
    key = config.key()
    parts = []
    for ref in tqdm(records, desc="beats", unit="record", disable=not progress):
        path = roots.path(ref)
        stamp = _file_stamp(path)
        rkey = hashlib.sha256(json.dumps([key, ref.key, stamp]).encode()).hexdigest()[:16]
        cached = cache_dir / key / f"{ref.database}-{ref.record}-{rkey}.npz"
        beats = _load_cached(cached) if cache else None
        if beats is None:
            beats = extract_beats(read_wfdb(path), config, database=ref.database)
            if cache:
                _save_cached(cached, beats)
        parts.append(beats)
    return BeatSet.concat(parts)
