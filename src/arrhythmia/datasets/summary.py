"""Beats per AAMI class on each side of a split, straight from the annotations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import file_error
from ..labels import AAMI_CLASSES, is_beat, to_aami
from ..preprocessing.windows import fits, get_window
from .records import DS1, DS2, NON_PACED
from ..errors import check_option
from .splits import SPLITS, patient_folds, random_test_positions


@dataclass(frozen=True)
class SideCount:
    """One row of the summary: a side of the split and its beats per class."""

    side: str
    records: tuple[str, ...]
    counts: np.ndarray   # (5,) every annotated beat
    dropped: np.ndarray  # (5,) beats whose window would cross a record edge


@dataclass(frozen=True)
class DataSummary:
    split: str
    window: str
    rows: tuple[SideCount, ...]
    leaks_patients: bool


def _record_beats(data_dir: Path, rec: str, window) -> tuple[np.ndarray, np.ndarray]:
    from ..io.wfdb_io import read_annotations, read_header

    header = read_header(data_dir / rec)
    ann = read_annotations(data_dir / rec)
    m = is_beat(ann.symbol)
    y = to_aami(ann.symbol[m])
    s = ann.sample[m]
    if not header.sig_len:
        raise file_error(data_dir / f"{rec}.hea", "header gives no signal length")
    scale = window.fs / header.fs
    ok = fits(np.round(s * scale).astype(np.int64), int(round(header.sig_len * scale)), window.before, window.after)
    return y, ok


def summarize(data_dir, split: str = "inter-patient", window="300", seed: int = 0,
              test_fraction: float = 0.2, n_folds: int = 5) -> DataSummary:
    """Count beats per class on each side of ``split``.

    Parameters
    ----------
    data_dir : str or Path
    split : {'inter-patient', 'intra-patient', 'patient-kfold'}
    window : str or WindowSpec
        Preset whose edge losses are reported.
    seed, test_fraction, n_folds
        As in :func:`arrhythmia.datasets.make_split`.

    Returns
    -------
    DataSummary
    """
    check_option("split", split, SPLITS)
    window = get_window(window)
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise file_error(data_dir, "data directory not found (set --data-dir or ARRHYTHMIA_DATA_DIR, or run 'arrhythmia data fetch')")
    k = len(AAMI_CLASSES)

    def side(name, recs):
        c, d = np.zeros(k, np.int64), np.zeros(k, np.int64)
        for r in recs:
            y, ok = _record_beats(data_dir, r, window)
            c += np.bincount(y, minlength=k)
            d += np.bincount(y[~ok], minlength=k)
        return SideCount(name, tuple(recs), c, d)

    if split == "inter-patient":
        rows = (side("DS1 (train)", DS1), side("DS2 (test)", DS2))
    elif split == "patient-kfold":
        rows = tuple(side(f"DS1 fold {f}", [r.record for r in recs])
                     for f, recs in enumerate(patient_folds(DS1, n_folds, seed)))
    else:
        ys, oks = zip(*(_record_beats(data_dir, r, window) for r in NON_PACED))
        y, ok = np.concatenate(ys), np.concatenate(oks)
        test = np.zeros(y.size, bool)
        test[random_test_positions(y.size, test_fraction, seed)] = True
        rows = tuple(
            SideCount(n, NON_PACED, np.bincount(y[m], minlength=k), np.bincount(y[m & ~ok], minlength=k))
            for n, m in (("train (random)", ~test), ("test (random)", test))
        )
    return DataSummary(split, window.name, rows, split == "intra-patient")
