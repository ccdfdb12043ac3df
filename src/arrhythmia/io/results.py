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


def output_name(path) -> str:
    """The output folder name ``annotate DIR --out`` gives a recording (``100`` for ``100.hea``, ``ecg_csv``)."""
    path = Path(path)
    return path.stem if path.suffix.lower() == ".hea" else path.name.replace(".", "_")


def find_source(folder, recordings=None) -> Path | None:
    """The recording an output folder annotates: the one its summary names, else the one in ``recordings``
    (a folder) whose output name is the folder's name, else None."""
    folder = Path(folder)
    src = read_summary(folder).get("source")
    if src:
        return Path(src)
    if recordings is None:
        return None
    from .readers import list_inputs

    return next((p for p in list_inputs(recordings) if output_name(p) == folder.name), None)


def safe_name(name: str) -> str:
    """``name`` with every character WFDB refuses in a record name replaced by '_'."""
    out = re.sub(r"[^-\w]", "_", name)
    return out or "record"


def read_summary(folder) -> dict:
    """``summary.json`` of an output folder (a one-line error when missing or malformed)."""
    p = Path(folder) / SUMMARY
    if not p.is_file():
        raise file_error(p, "not found: not an 'arrhythmia annotate' output folder")
    try:
        s = json.loads(p.read_text())
        float(s["fs"])
    except (ValueError, KeyError, TypeError) as exc:
        raise file_error(p, f"malformed summary ({type(exc).__name__}: {exc})") from None
    return s


def read_output(folder) -> AnnotateOutput:
    """Read ``summary.json`` and ``beats.csv`` of one output folder.

    Raises
    ------
    ArrhythmiaError
        A missing or malformed file, naming it.
    """
    folder = Path(folder)
    summary = read_summary(folder)
    if not (folder / BEATS).is_file():
        raise file_error(folder / BEATS, "not found: not an 'arrhythmia annotate' output folder")
    sample, label, proba = _read_beats(folder / BEATS)
    return AnnotateOutput(folder, summary, float(summary["fs"]), sample, label, proba)


def _read_beats(path: Path):
    import pandas as pd

    cols = ["sample", "class"] + [f"p_{c}" for c in AAMI_CLASSES]
    try:
        df = pd.read_csv(path, usecols=cols, dtype={"sample": np.int64, "class": str}, keep_default_na=False)
        sample = df["sample"].to_numpy(np.int64)
        label = df["class"].to_numpy().astype("<U1")
        proba = df[cols[2:]].to_numpy(np.float32)
    except (ValueError, KeyError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise file_error(path, f"malformed beats table ({str(exc).splitlines()[0]})") from None
    if np.any(np.diff(sample) <= 0):
        raise file_error(path, "beat samples are not strictly increasing")
    return sample, label, proba
