"""A reviewer's corrections to a model's beats: the log, and the beats it leads to.

Corrections live in the recording's annotate output folder, in
``corrections.csv``, one row per change, appended and flushed to disk as each
is made (a crash loses nothing). The reviewed beats are the model's beats
(``beats.csv``) with the log replayed over them; the reviewed annotation file
(``<record>.arrc``, :mod:`arrhythmia.io.reviewed`) is written from them.

``corrections.csv`` columns:

===========  ================================================================
time_s       time of ``sample``, seconds
sample       the beat (or the start of a marked stretch), at the record's rate
action       ``relabel``, ``delete``, ``insert``, ``noise`` (a stretch marked
             noisy or unreadable), ``episode`` (a rhythm episode), ``unmark``
             (a noise mark or episode removed), ``undo``
old          class before (relabel, delete), kind removed (unmark)
new          class after (relabel, insert), kind (noise: ``noise`` or
             ``unreadable``; episode: ``AF``, ``AFL``, ``VT``), the batch
             undone (undo)
when         wall-clock time of the correction, ISO 8601 with time zone
end_sample   end of a marked stretch (noise, episode, unmark), else empty
batch        one number per reviewer action: relabelling a template writes
             one row per beat with one batch, and one undo reverts it whole
===========  ================================================================
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import file_error

CORRECTIONS = "corrections.csv"
COLUMNS = ("time_s", "sample", "action", "old", "new", "when", "end_sample", "batch")
BEAT_ACTIONS = ("relabel", "delete", "insert")
MARK_ACTIONS = ("noise", "episode", "unmark")
ACTIONS = BEAT_ACTIONS + MARK_ACTIONS + ("undo",)
NOISE_KINDS = ("noise", "unreadable")
EPISODE_KINDS = ("AF", "AFL", "VT")
"""Rhythm episodes a reviewer can mark: atrial fibrillation, atrial flutter, ventricular tachycardia."""


@dataclass(frozen=True)
class Correction:
    """One row of ``corrections.csv`` (see the module docstring)."""

    action: str
    sample: int | None = None
    old: str = ""
    new: str = ""
    when: str = ""
    end_sample: int | None = None
    batch: int = 0

    def row(self, fs: float) -> list:
        t = "" if self.sample is None else f"{self.sample / fs:.3f}"
        return [t, "" if self.sample is None else int(self.sample), self.action, self.old, self.new, self.when,
                "" if self.end_sample is None else int(self.end_sample), int(self.batch)]


@dataclass(frozen=True)
class Mark:
    """A marked stretch: noise or a rhythm episode, samples ``start`` to ``end`` (inclusive)."""

    start: int
    end: int
    kind: str


@dataclass
class ReviewedBeats:
    """The model's beats with the corrections applied.

    Attributes
    ----------
    sample : ndarray of int64, shape (n,)
        Beats, ascending.
    label : ndarray of '<U1'
        Class of each beat after review.
    model_label : ndarray of '<U1'
        The model's class ('' for a beat the reviewer inserted).
    confidence : ndarray of float32
        The model's confidence (NaN for an inserted beat).
    noise, episodes : list of Mark
        Stretches marked by the reviewer, by start.
    n_corrections : int
        Reviewer actions in effect (undone ones not counted).
    """

    sample: np.ndarray
    label: np.ndarray
    model_label: np.ndarray
    confidence: np.ndarray
    noise: list = field(default_factory=list)
    episodes: list = field(default_factory=list)
    n_corrections: int = 0

    @property
    def changed(self) -> np.ndarray:
        """Beats whose class differs from the model's, or that the reviewer inserted."""
        return self.label != self.model_label


def read_corrections(path) -> list[Correction]:
    """Read ``corrections.csv``; an absent file is no corrections.

    A last line cut short by a crash mid-write is left out; any other
    malformed row is an error naming the file and line.
    """
    path = Path(path)
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        lines = f.read().splitlines()
    if not lines:
        return []
    if tuple(lines[0].split(",")) != COLUMNS:
        raise file_error(path, f"not a corrections log: header must be {','.join(COLUMNS)}")
    out = []
    rows = list(csv.reader(lines[1:]))
    for i, r in enumerate(rows):
        try:
            if len(r) != len(COLUMNS) or r[2] not in ACTIONS:
                raise ValueError(f"{len(r)} fields, action {r[2] if len(r) > 2 else '?'!r}")
            out.append(Correction(action=r[2], sample=int(r[1]) if r[1] else None, old=r[3], new=r[4], when=r[5],
                                  end_sample=int(r[6]) if r[6] else None, batch=int(r[7])))
        except (ValueError, IndexError) as exc:
            if i == len(rows) - 1:  # a crash while appending the last row: that row was never confirmed
                break
            raise file_error(path, f"line {i + 2}: malformed correction ({exc})") from None
    return out


def undone_batches(corrections) -> set[int]:
    """Batches reverted by ``undo`` rows (each names the batch it reverts)."""
    return {int(c.new) for c in corrections if c.action == "undo"}


def last_active_batch(corrections) -> int | None:
    """The most recent batch not undone: what the next undo reverts (None when there is nothing to undo)."""
    undone = undone_batches(corrections)
    for c in reversed(corrections):
        if c.action != "undo" and c.batch not in undone:
            return c.batch
    return None


def replay(sample, label, confidence, corrections) -> ReviewedBeats:
    """Apply the corrections in effect to the model's beats.

    Parameters
    ----------
    sample, label, confidence : array_like
        The model's beats (ascending samples), classes and confidences.
    corrections : list of Correction
        In the order they were made; rows of undone batches are skipped.

    Returns
    -------
    ReviewedBeats
    """
    sample = np.asarray(sample, dtype=np.int64)
    label = np.asarray(label, dtype="<U1")
    conf = np.asarray(confidence, dtype=np.float32)
    undone = undone_batches(corrections)
    live = [c for c in corrections if c.action != "undo" and c.batch not in undone]
    relabel, deleted, inserted, marks = {}, set(), {}, []
    for c in live:
        s = c.sample
        if c.action == "relabel":
            (inserted if s in inserted else relabel)[s] = c.new
        elif c.action == "delete":
            if inserted.pop(s, None) is None:
                deleted.add(s)
                relabel.pop(s, None)
        elif c.action == "insert":
            inserted[s] = c.new
        elif c.action in ("noise", "episode"):
            marks.append((c.action, Mark(int(s), int(c.end_sample), c.new)))
        elif c.action == "unmark":
            gone = Mark(int(s), int(c.end_sample), c.old)
            marks = [(a, m) for a, m in marks if m != gone]
    out_label = label.copy()
    if relabel:
        keys = np.fromiter(relabel, np.int64, len(relabel))
        pos = np.searchsorted(sample, keys)
        ok = (pos < sample.size) & (sample[np.minimum(pos, sample.size - 1)] == keys)
        out_label[pos[ok]] = np.asarray(list(relabel.values()), dtype="<U1")[ok]
    keep = ~np.isin(sample, np.fromiter(deleted, np.int64, len(deleted)))
    ins = np.fromiter(inserted, np.int64, len(inserted))
    s_all = np.concatenate([sample[keep], ins])
    order = np.argsort(s_all, kind="stable")
    return ReviewedBeats(
        sample=s_all[order],
        label=np.concatenate([out_label[keep], np.asarray(list(inserted.values()), dtype="<U1")])[order],
        model_label=np.concatenate([label[keep], np.full(ins.size, "", dtype="<U1")])[order],
        confidence=np.concatenate([conf[keep], np.full(ins.size, np.nan, np.float32)])[order],
        noise=sorted((m for a, m in marks if a == "noise"), key=lambda m: m.start),
        episodes=sorted((m for a, m in marks if a == "episode"), key=lambda m: m.start),
        n_corrections=len({c.batch for c in live}),
    )
