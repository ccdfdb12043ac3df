"""Train/validation/test splits of a :class:`BeatSet`.

``inter-patient`` (default): de Chazal's DS1 for training, DS2 for testing.
``intra-patient``: a seeded random *beat-level* split over the same 44 records;
the same patients are on both sides, so its scores are inflated by leakage.
It exists only to reproduce how the founding documents measured.
``patient-kfold``: k folds of whole patients of a training pool (DS1 by
default; several databases can be pooled), cross-validation without looking
at DS2.

Every split is over patients (:func:`group_kfold`): validation beats are
drawn by whole patients from the training side, and no fold puts one patient
on two sides (MIT-BIH 201 and 202 are one patient).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ArrhythmiaError, check_option
from ..labels import CLASS_INDEX
from .records import DS1, DS2, NON_PACED
from .references import RecordRef, refs

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
        Record keys (``'mitdb:101'``, see :class:`~arrhythmia.datasets.references.RecordRef`).
    leaks_patients : bool
        True when a patient has beats on both the training and test side by
        design (``intra-patient``).
    fold : int or None
        Fold index for ``patient-kfold``.
    shared_patients : tuple of str
        Patients with records on both sides although the split is by record:
        de Chazal's DS1 holds MIT-BIH 201 and DS2 holds 202, one patient
        (kept, as every published DS1/DS2 result keeps it, and said).
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
    shared_patients: tuple[str, ...] = ()

    def label(self) -> str:
        """Name for printing; a leaking split says so."""
        s = self.name if self.fold is None else f"{self.name} (fold {self.fold})"
        return f"{s} [{LEAK_WARNING}]" if self.leaks_patients else s


def split_records(name: str = "inter-patient") -> tuple[RecordRef, ...]:
    """Records a preset needs loaded (its default training pool and its test side)."""
    check_option("split", name, SPLITS)
    if name == "inter-patient":
        return refs("mitdb", DS1 + DS2)
    if name == "patient-kfold":
        return refs("mitdb", DS1)
    return refs("mitdb", NON_PACED)


def default_pool(name: str) -> tuple[RecordRef, ...]:
    """The training pool a preset uses when none is given: DS1 (``intra-patient``: the 44 non-paced records)."""
    return refs("mitdb", NON_PACED) if name == "intra-patient" else refs("mitdb", DS1)


def group_kfold(groups, n_folds: int, seed: int) -> list[tuple]:
    """Deal whole groups (patients) into ``n_folds`` folds after a seeded shuffle.

    Parameters
    ----------
    groups : sequence of hashable
        One entry per item (record); equal entries are one group. Groups are
        taken in order of first appearance, shuffled with
        ``default_rng(seed).permutation``, and fold ``i`` gets every
        ``n_folds``-th of them from the ``i``-th on.
    n_folds : int
    seed : int

    Returns
    -------
    list of tuple
        Per fold, the sorted groups it holds. No group is in two folds.
    """
    uniq = list(dict.fromkeys(groups))
    if not 2 <= n_folds <= len(uniq):
        raise ArrhythmiaError(f"Invalid value for 'n_folds': allowed 2..{len(uniq)} (one patient per fold at "
                              f"least); got {n_folds!r}.")
    order = np.random.default_rng(seed).permutation(len(uniq))
    return [tuple(sorted(uniq[i] for i in order[f::n_folds])) for f in range(n_folds)]


def patient_folds(pool, n_folds: int, seed: int) -> list[tuple[RecordRef, ...]]:
    """The records of ``pool`` in ``n_folds`` folds by patient (:func:`group_kfold` over their patients)."""
    pool = [r if isinstance(r, RecordRef) else RecordRef.parse(r) for r in pool]
    folds = group_kfold([r.patient for r in pool], n_folds, seed)
    return [tuple(sorted(r for r in pool if r.patient in set(f))) for f in folds]


def random_test_positions(n: int, fraction: float, seed: int) -> np.ndarray:
    """Positions (into ``range(n)``) of the seeded random beat-level test draw of ``intra-patient``."""
    return np.random.default_rng(seed).permutation(n)[: int(round(fraction * n))]


def choose_validation_records(records, y, record_of_beat, fraction: float = 0.2, seed: int = 0,
                              n_candidates: int = 300, groups=None) -> tuple[str, ...]:
    """Pick whole patients' records for validation, seeded.

    Draws ``n_candidates`` seeded random sets of ``round(fraction * n)``
    patients and keeps the one that shares S and V beats best between the two
    sides (the largest ``min(share of S in validation, share of V in
    validation, their shares in training)``), among the sets whose
    validation side holds N, S and V beats and whose training side keeps at
    least half of the S, V and F beats (DS1's F beats are mostly in record
    208: validation must not take them all). A class-blind fallback keeps the
    first candidate.

    Parameters
    ----------
    records : sequence of str
        Record keys of the training side.
    y, record_of_beat : ndarray
        Labels and record key of every training-side beat.
    groups : sequence of str, optional
        The patient of each of ``records`` (default: each record its own).

    Returns
    -------
    tuple of str
        The validation records, sorted.
    """
    records = list(dict.fromkeys(records))
    if fraction == 0:
        return ()  # no validation: train on every training record (a refit with a fixed epoch count)
    groups = list(records) if groups is None else list(groups)
    patients = list(dict.fromkeys(groups))
    members = {g: [r for r, gg in zip(records, groups) if gg == g] for g in patients}
    n_val = max(1, int(round(fraction * len(patients))))
    if n_val >= len(patients):
        raise ArrhythmiaError(f"Invalid value for 'val_fraction': leaves no training patient; got {fraction!r}.")
    rng = np.random.default_rng(seed)
    counts = {g: np.bincount(y[np.isin(record_of_beat, members[g])], minlength=len(CLASS_INDEX)) for g in patients}
    total = np.maximum(sum(counts.values()), 1)
    n_, s_, v_, f_ = (CLASS_INDEX[c] for c in "NSVF")
    best, best_score = None, -1.0
    for _ in range(n_candidates):
        val = [patients[i] for i in rng.permutation(len(patients))[:n_val]]
        share = sum(counts[g] for g in val) / total
        if min(share[n_], share[s_], share[v_]) <= 0 or max(share[s_], share[v_], share[f_]) > 0.5:
            continue
        score = min(share[s_], share[v_], 1 - share[s_], 1 - share[v_])
        if score > best_score:
            best, best_score = val, score
    if best is None:
        best = [patients[i] for i in np.random.default_rng(seed).permutation(len(patients))[:n_val]]
    return tuple(sorted(r for g in best for r in members[g]))


def make_split(beats, name: str = "inter-patient", seed: int = 0, val_fraction: float = 0.2,
               test_fraction: float = 0.2, n_folds: int = 5, fold: int = 0, records=None, pool=None) -> Split:
    """Split ``beats`` (a BeatSet) into train / validation / test indices, by patient.

    Parameters
    ----------
    beats : BeatSet
        Must contain the records the split needs.
    name : {'inter-patient', 'intra-patient', 'patient-kfold'}
        ``inter-patient``: train on the pool (default DS1), test on DS2.
        ``patient-kfold``: the pool's patients in ``n_folds`` folds; fold
        ``fold`` is the test side. ``intra-patient``: a seeded random beat
        split over the 44 non-paced MIT-BIH records (leaks patients).
    seed : int
        Seeds the validation patients, the intra-patient beat split and the folds.
    val_fraction : float
        Share of training-side patients held out for validation; 0 for none.
    test_fraction : float
        ``intra-patient`` only: share of beats drawn at random for testing.
    n_folds, fold : int
        ``patient-kfold`` only.
    records : sequence of str or RecordRef, optional
        Use only these records (quick runs); each keeps the side the split
        gives it, so an inter-patient split stays inter-patient.
    pool : sequence of str or RecordRef, optional
        The training pool (several databases: ``mitdb:DS1`` and ``svdb:all``);
        default :func:`default_pool`. It must hold no DS2 record for
        ``inter-patient``.

    Returns
    -------
    Split
    """
    check_option("split", name, SPLITS)
    keys = beats.keys
    pool, test_refs = _split_records(name, pool, records)
    have = set(np.unique(keys).tolist())
    missing = [r.key for r in pool + test_refs if r.key not in have]
    if missing:
        raise ArrhythmiaError(f"split {name!r} needs records that were not loaded: {', '.join(missing)}")
    idx = np.arange(len(beats))
    leaks = False
    if name == "inter-patient":
        train_recs, test_recs = pool, test_refs
    elif name == "patient-kfold":
        check_option("fold", fold, range(n_folds))
        test_recs = patient_folds(pool, n_folds, seed)[fold]
        train_recs = tuple(r for r in pool if r not in set(test_recs))
    else:  # intra-patient
        train_recs = test_recs = pool
        leaks = True
    in_train = np.isin(keys, [r.key for r in train_recs])
    if leaks:
        pooled = idx[in_train]
        test = np.sort(pooled[random_test_positions(pooled.size, test_fraction, seed)])
        train_side = in_train & ~np.isin(idx, test)
    else:
        test = idx[np.isin(keys, [r.key for r in test_recs])]
        train_side = in_train
    val_recs = choose_validation_records([r.key for r in train_recs], beats.y[train_side], keys[train_side],
                                         val_fraction, seed, groups=[r.patient for r in train_recs])
    in_val = np.isin(keys, val_recs)
    shared = sorted({r.patient for r in train_recs} & {r.patient for r in test_recs}) if not leaks else []
    return Split(
        name=name,
        train=idx[train_side & ~in_val],
        val=idx[train_side & in_val],
        test=test,
        train_records=tuple(r.key for r in train_recs if r.key not in val_recs),
        val_records=val_recs,
        test_records=tuple(r.key for r in test_recs),
        leaks_patients=leaks,
        fold=fold if name == "patient-kfold" else None,
        shared_patients=tuple(shared),
    )


def _split_records(name: str, pool, records) -> tuple[tuple, tuple]:
    """(training pool, DS2 test side) of a split as RecordRefs, checked, restricted to ``records`` if given."""
    pool = tuple(_as_ref(r) for r in (pool if pool is not None else default_pool(name)))
    test_refs = refs("mitdb", DS2) if name == "inter-patient" else ()
    if name == "inter-patient" and set(pool) & set(test_refs):
        bad = sorted(r.key for r in set(pool) & set(test_refs))
        raise ArrhythmiaError(f"Invalid value for 'train': DS2 records are the test side of 'inter-patient' and never "
                              f"train; got {', '.join(bad)}.")
    if records is not None:
        wanted = {_as_ref(r) for r in records}
        unknown = sorted(r.key for r in wanted - set(pool) - set(test_refs))
        if unknown:
            raise ArrhythmiaError(f"Invalid value for 'records': allowed records of split {name!r}; "
                                  f"got {', '.join(unknown)}.")
        pool = tuple(r for r in pool if r in wanted)
        test_refs = tuple(r for r in test_refs if r in wanted)
    return pool, test_refs


def _as_ref(r) -> RecordRef:
    return r if isinstance(r, RecordRef) else RecordRef.parse(r)
