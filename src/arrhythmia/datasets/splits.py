"""Train/validation/test splits of a :class:`BeatSet`.

``inter-patient`` (default): de Chazal's DS1 for training, DS2 for testing.
``intra-patient``: a seeded random *beat-level* split over the same 44 records;
the same patients are on both sides, so its scores are inflated by leakage.
It exists only to reproduce how the founding documents measured.
``patient-kfold``: k folds of whole DS1 records (cross-validation without
looking at DS2).

Validation beats are always drawn by whole records from the training side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ArrhythmiaError, check_option
from ..labels import CLASS_INDEX
from .records import DS1, DS2, NON_PACED

SPLITS = ("inter-patient", "intra-patient", "patient-kfold")
LEAK_WARNING = "LEAKS PATIENTS: the same patients are in training and test"


@dataclass(frozen=True)
class Split:
    """Index arrays into a BeatSet, and which records each side draws from.

    Attributes
    ----------
    name : str
    train, val, test : ndarray of int64
        Beat indices.
    train_records, val_records, test_records : tuple of str
    leaks_patients : bool
        True when a patient has beats on both the training and test side.
    fold : int or None
        Fold index for ``patient-kfold``.
    """

    name: str
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    train_records: tuple[str, ...]
    val_records: tuple[str, ...]
    test_records: tuple[str, ...]
    leaks_patients: bool
    fold: int | None = None

    def label(self) -> str:
        """Name for printing; a leaking split says so."""
        s = self.name if self.fold is None else f"{self.name} (fold {self.fold})"
        return f"{s} [{LEAK_WARNING}]" if self.leaks_patients else s


def split_records(name: str = "inter-patient") -> tuple[str, ...]:
    """Records a split needs loaded."""
    check_option("split", name, SPLITS)
    if name == "inter-patient":
        return DS1 + DS2
    if name == "patient-kfold":
        return DS1
    return NON_PACED


def patient_folds(records, n_folds: int, seed: int) -> list[tuple[str, ...]]:
    """Whole records dealt into ``n_folds`` folds after a seeded shuffle (fold i: every n-th record)."""
    order = np.random.default_rng(seed).permutation(len(records))
    return [tuple(sorted(records[i] for i in order[f::n_folds])) for f in range(n_folds)]


def random_test_positions(n: int, fraction: float, seed: int) -> np.ndarray:
    """Positions (into ``range(n)``) of the seeded random beat-level test draw of ``intra-patient``."""
    return np.random.default_rng(seed).permutation(n)[: int(round(fraction * n))]


def choose_validation_records(records, y, record_of_beat, fraction: float = 0.2, seed: int = 0,
                              n_candidates: int = 300) -> tuple[str, ...]:
    """Pick whole records for validation, seeded.

    Draws ``n_candidates`` seeded random sets of ``round(fraction * n)``
    records and keeps the one that shares S and V beats best between the two
    sides (the largest ``min(share of S in validation, share of V in
    validation, their shares in training)``), among the sets whose
    validation side holds N, S and V beats and whose training side keeps at
    least half of the S, V and F beats (DS1's F beats are mostly in record
    208: validation must not take them all). A class-blind fallback keeps the
    first candidate.
    """
    records = list(dict.fromkeys(records))
    if fraction == 0:
        return ()  # no validation: train on every training record (a refit with a fixed epoch count)
    n_val = max(1, int(round(fraction * len(records))))
    if n_val >= len(records):
        raise ArrhythmiaError(f"Invalid value for 'val_fraction': leaves no training record; got {fraction!r}.")
    rng = np.random.default_rng(seed)
    counts = {r: np.bincount(y[record_of_beat == r], minlength=len(CLASS_INDEX)) for r in records}
    total = np.maximum(sum(counts.values()), 1)
    n_, s_, v_, f_ = (CLASS_INDEX[c] for c in "NSVF")
    best, best_score = None, -1.0
    for _ in range(n_candidates):
        val = [records[i] for i in rng.permutation(len(records))[:n_val]]
        share = sum(counts[r] for r in val) / total
        if min(share[n_], share[s_], share[v_]) <= 0 or max(share[s_], share[v_], share[f_]) > 0.5:
            continue
        score = min(share[s_], share[v_], 1 - share[s_], 1 - share[v_])
        if score > best_score:
            best, best_score = val, score
    if best is None:
        best = [records[i] for i in np.random.default_rng(seed).permutation(len(records))[:n_val]]
    return tuple(sorted(best))


def make_split(beats, name: str = "inter-patient", seed: int = 0, val_fraction: float = 0.2,
               test_fraction: float = 0.2, n_folds: int = 5, fold: int = 0, records=None) -> Split:
    """Split ``beats`` (a BeatSet) into train / validation / test indices.

    Parameters
    ----------
    beats : BeatSet
        Must contain the records of :func:`split_records` for ``name``.
    name : {'inter-patient', 'intra-patient', 'patient-kfold'}
    seed : int
        Seeds the validation records, the intra-patient beat split and the folds.
    val_fraction : float
        Share of training-side records held out for validation; 0 for none.
    test_fraction : float
        ``intra-patient`` only: share of beats drawn at random for testing.
    n_folds, fold : int
        ``patient-kfold`` only: number of folds and which one is the test fold.
    records : sequence of str, optional
        Use only these records (quick runs); each keeps the side the split
        gives it, so an inter-patient split stays inter-patient.

    Returns
    -------
    Split
    """
    check_option("split", name, SPLITS)
    rec = beats.record
    have = set(np.unique(rec).tolist())
    wanted = split_records(name)
    if records is not None:
        unknown = sorted(set(records) - set(wanted))
        if unknown:
            raise ArrhythmiaError(f"Invalid value for 'records': allowed records of split {name!r}; got {', '.join(unknown)}.")
        wanted = tuple(r for r in wanted if r in set(records))
    missing = [r for r in wanted if r not in have]
    if missing:
        raise ArrhythmiaError(f"split {name!r} needs records that were not loaded: {', '.join(missing)}")
    idx = np.arange(len(beats))
    ds1 = tuple(r for r in DS1 if r in wanted)
    ds2 = tuple(r for r in DS2 if r in wanted)
    if name == "inter-patient":
        train_side, test_records, leaks = np.isin(rec, ds1), ds2, False
        test = idx[np.isin(rec, ds2)]
        train_recs = ds1
    elif name == "patient-kfold":
        if not (2 <= n_folds <= len(ds1)):
            raise ArrhythmiaError(f"Invalid value for 'n_folds': allowed 2..{len(ds1)}; got {n_folds!r}.")
        check_option("fold", fold, range(n_folds))
        test_records = patient_folds(ds1, n_folds, seed)[fold]
        train_recs = tuple(r for r in ds1 if r not in test_records)
        train_side, leaks = np.isin(rec, train_recs), False
        test = idx[np.isin(rec, test_records)]
    else:  # intra-patient
        pool = idx[np.isin(rec, wanted)]
        test = np.sort(pool[random_test_positions(pool.size, test_fraction, seed)])
        train_side = np.isin(idx, pool) & ~np.isin(idx, test)
        test_records = train_recs = tuple(r for r in NON_PACED if r in wanted)
        leaks = True
    val_recs = choose_validation_records(train_recs, beats.y[train_side], rec[train_side], val_fraction, seed)
    in_val = np.isin(rec, val_recs)
    return Split(
        name=name,
        train=idx[train_side & ~in_val],
        val=idx[train_side & in_val],
        test=test,
        train_records=tuple(r for r in train_recs if r not in val_recs),
        val_records=val_recs,
        test_records=tuple(test_records),
        leaks_patients=leaks,
        fold=fold if name == "patient-kfold" else None,
    )
