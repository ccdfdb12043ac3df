"""Which recordings a server offers, and where each one's outputs and corrections live.

``arrhythmia serve FOLDER`` accepts two kinds of folder:

* **annotate results**: ``FOLDER`` is one ``arrhythmia annotate`` output
  folder (it holds ``summary.json``), or holds one per recording (what
  ``annotate DIR --out FOLDER`` writes). Each recording's signal is read from
  the path its ``summary.json`` names (``source``); for outputs written
  before annotate recorded it, ``--recordings DIR`` names the folder of the
  recordings, matched by the output folder's name. Corrections are written
  into each output folder.
* **recordings** (WFDB, CSV, EDF, NumPy: what ``annotate DIR`` reads): each
  is annotated with the shipped model (or ``--model``) the first time it is
  opened, into ``--out`` (default ``runs/review``), one folder per recording,
  named as ``annotate DIR --out`` names them. ``--out`` may not be inside
  ``FOLDER``: recordings and their folder are never written to.

A recording's id is its output folder's name; the server looks ids up in
this catalog and never turns a request into a path.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import ArrhythmiaError, file_error
from ..io.results import find_outputs, find_source, is_output, output_name

DEFAULT_OUT = Path("runs") / "review"


@dataclass
class Entry:
    """One recording: its id, its output folder and its signal's source."""

    id: str
    folder: Path
    source: Path | None
    fs: float | None = None  # for CSV / NumPy sources


class Catalog:
    """The recordings under ``root`` (see the module docstring).

    Parameters
    ----------
    root : str or Path
    out : str or Path, optional
        For a folder of recordings: where their outputs go.
    recordings : str or Path, optional
        For results whose summaries name no source: the folder of the recordings.
    model : str or Path, optional
        Bundle used to annotate recordings on demand (default: the shipped model).
    fs : float, optional
        Sampling rate of CSV / NumPy recordings.
    """

    def __init__(self, root, out=None, recordings=None, model=None, fs=None):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise file_error(root, "not a folder")
        self.model, self.fs = model, fs
        self.recordings = Path(recordings).resolve() if recordings else None
        self._lock = threading.Lock()
        outputs = find_outputs(self.root)
        if outputs:
            self.mode = "results"
            self.out = self.root
            self.entries = {p.name: self._result_entry(p) for p in outputs}
        else:
            from ..io.readers import list_inputs

            inputs = list_inputs(self.root)
            if not inputs:
                raise file_error(root, "holds neither 'arrhythmia annotate' outputs (summary.json) nor recordings "
                                       "(WFDB .hea, .csv, .edf, .npy)")
            self.mode = "recordings"
            self.out = Path(out or DEFAULT_OUT).resolve()
            if self.out == self.root or self.root in self.out.parents:
                raise ArrhythmiaError(f"Invalid value for '--out': {self.out} is inside {self.root}; the recordings' "
                                      "folder is never written to, choose a folder outside it.")
            self.entries = {output_name(p): Entry(output_name(p), self.out / output_name(p), p.resolve(), fs)
                            for p in inputs}

    def _result_entry(self, folder: Path) -> Entry:
        return Entry(folder.name, folder, find_source(folder, self.recordings), self.fs)

    def get(self, rec_id: str) -> Entry:
        """The entry of ``rec_id``; KeyError when the catalog has no such recording."""
        return self.entries[rec_id]

    def ensure_annotated(self, entry: Entry) -> None:
        """Annotate a recording of a recordings folder the first time it is needed."""
        if is_output(entry.folder):
            return
        if self.mode != "recordings" or entry.source is None:
            raise file_error(entry.folder, "not an annotate output folder")
        from ..inference.annotate import annotate

        with self._lock:
            if not is_output(entry.folder):
                annotate(entry.source, entry.folder, model=self.model, fs=entry.fs)
