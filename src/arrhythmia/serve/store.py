"""One recording's corrections: checked, appended to ``corrections.csv`` at once, replayed, written as ``.arrc``.

Every reviewer action becomes one batch of rows in the log
(:mod:`arrhythmia.io.review`), flushed and synced to disk before the request
returns; the reviewed annotation file is then rewritten from the replayed
log (:func:`arrhythmia.io.reviewed.write_reviewed`). The log is the source of
truth: opening a recording whose ``.arrc`` is missing or older than its log
(a crash between the two writes) writes it again.

Writing a ``.arrc`` of 100,000 beats takes about half a second (wfdb's
writer), so it is done by a background thread that always writes the latest
state and skips those overtaken meanwhile; :meth:`ReviewStore.flush` waits
for it (the server calls it on shutdown, the tests before reading the file).
"""

from __future__ import annotations

import csv
import datetime
import os
import threading

import numpy as np

from ..errors import ArrhythmiaError, check_option
from ..io.results import AnnotateOutput
from ..io.review import (COLUMNS, CORRECTIONS, EPISODE_KINDS, NOISE_KINDS, Correction, last_active_batch,
                         read_corrections, replay)
from ..io.reviewed import ANNOTATOR, write_reviewed
from ..labels import AAMI_CLASSES

MIN_GAP_S = 0.05
"""An inserted beat closer than this to an existing one is refused (the same beat, clicked twice)."""


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).astimezone().isoformat(timespec="seconds")


class ReviewStore:
    """Corrections of one annotate output folder.

    Parameters
    ----------
    output : AnnotateOutput
        The model's beats.
    n_samples : int
        Length of the recording (bounds of every sample given).
    n_leads : int
    """

    def __init__(self, output: AnnotateOutput, n_samples: int, n_leads: int = 2):
        self.output, self.n_samples, self.n_leads = output, int(n_samples), int(n_leads)
        self.fs = output.fs
        self.path = output.folder / CORRECTIONS
        self.arrc = output.folder / f"{output.record_name}.{ANNOTATOR}"
        self._lock = threading.RLock()
        self._cv = threading.Condition()
        self._version = self._written = 0
        self._writer: threading.Thread | None = None
        self.error: str | None = None
        self.corrections = read_corrections(self.path)
        self.beats = self._replay()
        if self.corrections and (not self.arrc.is_file() or self.arrc.stat().st_mtime_ns < self.path.stat().st_mtime_ns):
            self._write_arrc()

    def _replay(self):
        o = self.output
        return replay(o.sample, o.label, o.confidence, self.corrections)

    def _write_arrc(self):
        """Ask the writer thread to write the current state (it starts on first use)."""
        with self._cv:
            self._version += 1
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name=f"arrc-{self.arrc.name}", daemon=True)
                self._writer.start()
            self._cv.notify_all()

    def _write_loop(self):
        while True:
            with self._cv:
                while self._written == self._version:
                    self._cv.wait()
                version, beats = self._version, self.beats
            try:
                write_reviewed(beats, self.output.folder, self.output.record_name, self.fs, self.n_leads)
                self.error = None
            except OSError as exc:  # a full disk: the log still holds every correction
                self.error = f"{self.arrc}: not written ({exc})"
            with self._cv:
                self._written = version
                self._cv.notify_all()

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until the ``.arrc`` holds every correction made so far; False on timeout."""
        with self._cv:
            return self._cv.wait_for(lambda: self._written == self._version, timeout)

    def _commit(self, rows: list[Correction]) -> int:
        """Append one batch to the log (synced), replay it and rewrite the ``.arrc``; returns the batch number."""
        batch = max((c.batch for c in self.corrections), default=0) + 1
        when = _now()
        rows = [Correction(r.action, r.sample, r.old, r.new, when, r.end_sample, batch) for r in rows]
        new_file = not self.path.is_file() or self.path.stat().st_size == 0
        with open(self.path, "a", newline="") as f:
            w = csv.writer(f)
            if new_file:
                w.writerow(COLUMNS)
            w.writerows(r.row(self.fs) for r in rows)
            f.flush()
            os.fsync(f.fileno())
        self.corrections.extend(rows)
        with self._cv:
            self.beats = self._replay()
        self._write_arrc()
        return batch

    def _beat_index(self, sample: int) -> int:
        s = self.beats.sample
        i = int(np.searchsorted(s, sample))
        if i >= s.size or s[i] != sample:
            raise ArrhythmiaError(f"Invalid value for 'sample': no beat at sample {sample} ({sample / self.fs:.3f} s).")
        return i

    def _check_sample(self, name: str, sample) -> int:
        if sample is None or not (0 <= int(sample) < self.n_samples):
            raise ArrhythmiaError(f"Invalid value for {name!r}: allowed 0 to {self.n_samples - 1}; got {sample}.")
        return int(sample)

    def relabel(self, samples, new: str) -> dict:
        """Give the beats at ``samples`` class ``new`` in one batch (beats already of that class are left out)."""
        check_option("label", new, AAMI_CLASSES)
        with self._lock:
            samples = sorted({self._check_sample("sample", s) for s in samples})
            idx = [self._beat_index(s) for s in samples]
            rows = [Correction("relabel", int(self.beats.sample[i]), str(self.beats.label[i]), new)
                    for i in idx if self.beats.label[i] != new]
            if not rows:
                return {"batch": None, "changed": 0}
            return {"batch": self._commit(rows), "changed": len(rows)}

    def delete(self, sample: int) -> dict:
        """Delete the beat at ``sample`` (a false detection)."""
        with self._lock:
            i = self._beat_index(self._check_sample("sample", sample))
            return {"batch": self._commit([Correction("delete", int(sample), str(self.beats.label[i]))]), "changed": 1}

    def insert(self, sample: int, new: str) -> dict:
        """Insert a beat of class ``new`` at ``sample`` (already snapped to its R peak by the caller)."""
        check_option("label", new, AAMI_CLASSES)
        with self._lock:
            sample = self._check_sample("sample", sample)
            s = self.beats.sample
            if s.size and np.abs(s - sample).min() < MIN_GAP_S * self.fs:
                near = int(s[np.abs(s - sample).argmin()])
                raise ArrhythmiaError(f"Invalid value for 'sample': a beat already stands at sample {near} "
                                      f"({near / self.fs:.3f} s), within {1000 * MIN_GAP_S:g} ms.")
            return {"batch": self._commit([Correction("insert", sample, "", new)]), "changed": 1, "sample": sample}

    def mark(self, action: str, start: int, end: int, kind: str) -> dict:
        """Mark ``start``-``end`` as noise (``action='noise'``) or as a rhythm episode (``'episode'``)."""
        check_option("action", action, ("noise", "episode"))
        check_option("kind", kind, NOISE_KINDS if action == "noise" else EPISODE_KINDS)
        with self._lock:
            start, end = self._check_sample("start", start), self._check_sample("end", end)
            if end <= start:
                raise ArrhythmiaError(f"Invalid range: end ({end}) must come after start ({start}).")
            marks = self.beats.noise if action == "noise" else self.beats.episodes
            clash = next((m for m in marks if m.start <= end and start <= m.end), None)
            if clash:
                raise ArrhythmiaError(f"Invalid range {start}-{end}: overlaps the {clash.kind} mark "
                                      f"{clash.start / self.fs:.1f}-{clash.end / self.fs:.1f} s; remove it first.")
            return {"batch": self._commit([Correction(action, start, "", kind, end_sample=end)]), "changed": 1}

    def unmark(self, action: str, start: int, end: int, kind: str) -> dict:
        """Remove a noise mark or an episode the reviewer made."""
        check_option("action", action, ("noise", "episode"))
        with self._lock:
            marks = self.beats.noise if action == "noise" else self.beats.episodes
            if not any((m.start, m.end, m.kind) == (start, end, kind) for m in marks):
                raise ArrhythmiaError(f"Invalid mark: no {action} mark {kind!r} from sample {start} to {end}.")
            return {"batch": self._commit([Correction("unmark", int(start), kind, "", end_sample=int(end))]),
                    "changed": 1}

    def undo(self) -> dict:
        """Revert the most recent correction still in effect (a whole batch)."""
        with self._lock:
            b = last_active_batch(self.corrections)
            if b is None:
                raise ArrhythmiaError("Nothing to undo: no correction in effect.")
            n = sum(1 for c in self.corrections if c.batch == b)
            self._commit([Correction("undo", None, "", str(b))])
            return {"batch": b, "changed": n, "undone": b}

