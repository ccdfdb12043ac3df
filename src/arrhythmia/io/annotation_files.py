"""WFDB annotation files read whole: samples, symbols, subtypes and aux notes (for the EC57 comparisons)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import file_error


@dataclass(frozen=True)
class AnnotationFile:
    """Every annotation of one file, beats and others.

    Attributes
    ----------
    sample : ndarray of int64
        Sample of each annotation.
    symbol : ndarray of object (str)
        WFDB symbol (``N``, ``V``, ``+``, ``~``, ``[`` ...).
    subtype : ndarray of int64
        Subtype, signed as WFDB stores it (a noise ``~`` with bits 4 and 5 set marks unreadable signal).
    aux_note : ndarray of object (str)
        Aux text (``'(AFIB'`` on rhythm marks), NULs removed.
    path : Path
    fs : float or None
        Sampling rate the file or the record's header gives (None when neither does).
    """

    sample: np.ndarray
    symbol: np.ndarray
    subtype: np.ndarray
    aux_note: np.ndarray
    path: Path
    fs: float | None = None


def read_annotation_file(record, annotator: str) -> AnnotationFile:
    """Read ``<record>.<annotator>``, raising a one-line error naming the file.

    Parameters
    ----------
    record : str or Path
        Record path without extension (``'.../mitdb/100'``).
    annotator : str
        Annotator name, the file's extension (``'atr'``, ``'arr'``, ``'qrs'``).

    Returns
    -------
    AnnotationFile
    """
    import wfdb

    record = Path(record)
    path = record.with_name(f"{record.name}.{annotator}")
    if not path.is_file():
        raise file_error(path, "annotation file not found")
    try:
        ann = wfdb.rdann(str(record), annotator)
    except Exception as exc:  # wfdb raises many types on damaged files
        raise file_error(path, f"corrupt annotation file ({type(exc).__name__}: {exc})") from None
    n = len(ann.sample)
    aux = ann.aux_note if ann.aux_note is not None else [""] * n
    return AnnotationFile(np.asarray(ann.sample, dtype=np.int64), np.asarray(ann.symbol, dtype=object),
                          np.asarray(ann.subtype if ann.subtype is not None else np.zeros(n), dtype=np.int64),
                          np.array([(a or "").replace("\x00", "") for a in aux], dtype=object), path,
                          float(ann.fs) if ann.fs else None)
