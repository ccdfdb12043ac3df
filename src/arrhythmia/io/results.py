"""Reading back what ``arrhythmia annotate`` wrote: one output folder, or a folder of them.

An output folder holds ``summary.json`` (its mark), ``beats.csv`` and
``<record>.arr``; see :mod:`arrhythmia.inference.annotate`. ``annotate FOLDER
--out RESULTS`` writes one such folder per recording under ``RESULTS``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import file_error
from ..labels import AAMI_CLASSES

SUMMARY = "summary.json"
BEATS = "beats.csv"
SAFE_NAME = re.compile(r"^[-\w]+$")
"""What WFDB accepts as a record name (letters, digits, '_', '-')."""


@dataclass(frozen=True)
class AnnotateOutput:
    """One annotate output folder, read back.

    Attributes
    ----------
    folder : Path
    summary : dict
        ``summary.json`` as written.
    fs : float
        Rate of ``sample``, Hz.
    sample : ndarray of int64, shape (n,)
        R peaks of the classified beats, ascending.
    label : ndarray of '<U1', shape (n,)
        Model class of each beat (N, S, V, F, Q).
    proba : ndarray of float32, shape (n, 5)
        Class probabilities in :data:`arrhythmia.labels.AAMI_CLASSES` order.
    """

    folder: Path
    summary: dict
    fs: float
    sample: np.ndarray
    label: np.ndarray
    proba: np.ndarray

    @property
    def confidence(self) -> np.ndarray:
        """Probability of the model's class, per beat."""
        return self.proba.max(axis=1) if len(self.proba) else np.zeros(0, np.float32)

    @property
    def record_name(self) -> str:
        """WFDB record name of the model's annotation file (``<name>.arr``)."""
        return record_name(self.folder, self.summary)

    @property
    def source(self) -> str | None:
        """The recording that was annotated, when the summary names it."""
        return self.summary.get("source")


def is_output(folder) -> bool:
    """Whether ``folder`` is an annotate output folder (holds ``summary.json`` and ``beats.csv``)."""
    folder = Path(folder)
    return (folder / SUMMARY).is_file() and (folder / BEATS).is_file()


def find_outputs(root) -> list[Path]:
    """``root`` itself when it is an output folder, else its sub-folders that are, sorted by name."""
    root = Path(root)
    if is_output(root):
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and is_output(p))


def record_name(folder, summary: dict) -> str:
    """The WFDB record name used in the folder's annotation files.

    ``summary['wfdb_record']`` when annotate recorded it, else the name of an
    ``.arr`` file in the folder, else ``summary['record']`` made safe.
    """
    name = summary.get("wfdb_record")
    if name:
        return str(name)
    arr = sorted(Path(folder).glob("*.arr"))
    if len(arr) == 1:
        return arr[0].stem
    return safe_name(str(summary.get("record") or Path(folder).name))


def safe_name(name: str) -> str:
    """``name`` with every character WFDB refuses in a record name replaced by '_'."""
    out = re.sub(r"[^-\w]", "_", name)
    return out or "record"


def read_output(folder) -> AnnotateOutput:
    """Read ``summary.json`` and ``beats.csv`` of one output folder.

    Raises
    ------
    ArrhythmiaError
        A missing or malformed file, naming it.
    """
    folder = Path(folder)
    spath, bpath = folder / SUMMARY, folder / BEATS
    for p in (spath, bpath):
        if not p.is_file():
            raise file_error(p, "not found: not an 'arrhythmia annotate' output folder")
    try:
        summary = json.loads(spath.read_text())
        fs = float(summary["fs"])
    except (ValueError, KeyError, TypeError) as exc:
        raise file_error(spath, f"malformed summary ({type(exc).__name__}: {exc})") from None
    sample, label, proba = _read_beats(bpath)
    return AnnotateOutput(folder, summary, fs, sample, label, proba)


def _read_beats(path: Path):
    cols = ["sample", "class"] + [f"p_{c}" for c in AAMI_CLASSES]
    try:
        with open(path) as f:
            header = f.readline().strip().split(",")
            idx = [header.index(c) for c in cols]
            rows = [line.rstrip("\n").split(",") for line in f if line.strip()]
    except (ValueError, OSError) as exc:
        raise file_error(path, f"malformed beats table ({exc})") from None
    if not rows:
        z = np.zeros(0)
        return z.astype(np.int64), z.astype("<U1"), np.zeros((0, len(AAMI_CLASSES)), np.float32)
    try:
        a = np.asarray(rows, dtype=object)[:, idx]
        sample = a[:, 0].astype(np.int64)
        label = a[:, 1].astype("<U1")
        proba = a[:, 2:].astype(np.float32)
    except (ValueError, IndexError) as exc:
        raise file_error(path, f"malformed beats table ({exc})") from None
    if np.any(np.diff(sample) <= 0):
        raise file_error(path, "beat samples are not strictly increasing")
    return sample, label, proba
