"""How far a model's confidence can be trusted: calibration error and the review flag.

A reviewer jumps to the beats whose confidence (the largest class
probability) is under a threshold (``annotate --review-below``). That is
worth doing only if the errors are there: :func:`flag_report` says what share
of the beats a threshold flags and what share of the errors (all, and those
involving S or V) it catches; :func:`choose_review_threshold` picks the
threshold on held-out patients of a cross-validation, never on a test set.

A review rule is one threshold for every class, or one per class (``{"N": 0.5, "S": 1.0, ...}``): a network
that is confidently wrong about one class in new patients (S) needs a higher bar there than for the others.
:func:`choose_class_thresholds` picks those that flag the most held-out errors within the same budget;
:func:`review_mask` applies either kind of rule to a recording's beats.
"""

from __future__ import annotations

import numpy as np

from ..labels import AAMI_CLASSES

S, V = AAMI_CLASSES.index("S"), AAMI_CLASSES.index("V")
REVIEW_BELOW = 0.6
"""The review threshold of a model whose bundle names none."""


def expected_calibration_error(proba, y, n_bins: int = 15) -> float:
    """Expected calibration error of the top-class confidence (equal-width bins).

    Parameters
    ----------
    proba : ndarray, shape (n, k)
    y : ndarray of int, shape (n,)
    n_bins : int

    Returns
    -------
    float
        Sum over bins of (share of beats in the bin) x |accuracy - mean confidence|.
    """
    p = np.asarray(proba, dtype=np.float64)
    y = np.asarray(y)
    if p.shape[0] == 0:
        return float("nan")
    conf = p.max(1)
    correct = p.argmax(1) == y
    b = np.minimum((conf * n_bins).astype(np.int64), n_bins - 1)
    n = np.bincount(b, minlength=n_bins)
    acc = np.bincount(b, weights=correct, minlength=n_bins)
    mean_conf = np.bincount(b, weights=conf, minlength=n_bins)
    used = n > 0
    return float(np.abs(acc[used] - mean_conf[used]).sum() / p.shape[0])


def review_thresholds(review_below, name: str = "review_below") -> dict:
    """A review rule as one threshold per class.

    Parameters
    ----------
    review_below : float or dict
        A number from 0 to 1 (the same for every class) or a mapping class -> number from 0 to 1 (classes it
        leaves out are never flagged).
    name : str
        The setting's name in the error message.

    Returns
    -------
    dict
        Class -> threshold, for every class of :data:`AAMI_CLASSES`.

    Raises
    ------
    ArrhythmiaError
        A class that is not one of :data:`AAMI_CLASSES`, or a threshold that is not a number from 0 to 1.
    """
    from ..errors import ArrhythmiaError

    rule = review_below if isinstance(review_below, dict) else {c: review_below for c in AAMI_CLASSES}

    def ok(t):
        return isinstance(t, (int, float)) and not isinstance(t, bool) and 0.0 <= float(t) <= 1.0

    if not (set(rule) <= set(AAMI_CLASSES) and all(ok(t) for t in rule.values())):
        raise ArrhythmiaError(f"Invalid value for '{name}': allowed a number from 0 to 1, or classes "
                              f"{', '.join(AAMI_CLASSES)} with numbers from 0 to 1; got {review_below!r}.")
    return {c: float(rule.get(c, 0.0)) for c in AAMI_CLASSES}


def review_text(review_below) -> str:
    """A review rule in words: ``< 0.58``, or ``N < 0.55, S < 1.00, ...`` (classes never flagged left out)."""
    if not isinstance(review_below, dict):
        return f"< {float(review_below):.2f}"
    thr = review_thresholds(review_below)
    return ", ".join(f"{c} < {t:.2f}" for c, t in thr.items() if t > 0) or "none"


def review_mask(labels, confidence, review_below) -> np.ndarray:
    """Which beats a review rule flags: those whose confidence is under their class's threshold.

    Parameters
    ----------
    labels : array of str, shape (n,)
        Each beat's class (N, S, V, F, Q).
    confidence : array of float, shape (n,)
        The probability of that class; nan (a beat given no class) is never flagged.
    review_below : float or dict
        See :func:`review_thresholds`.

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    thr = review_thresholds(review_below)
    labels = np.asarray(labels, dtype=str)
    per_beat = np.array([thr[c] for c in AAMI_CLASSES] + [0.0])[_class_index(labels)]  # other labels: never
    conf = np.asarray(confidence, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return conf < per_beat


def _class_index(labels) -> np.ndarray:
    """Index of each label in :data:`AAMI_CLASSES`; len(AAMI_CLASSES) for anything else."""
    idx = np.full(len(labels), len(AAMI_CLASSES), dtype=np.int64)
    for i, c in enumerate(AAMI_CLASSES):
        idx[labels == c] = i
    return idx


def flag_report(proba, y, threshold) -> dict:
    """What a review rule (one threshold, or one per class: :func:`review_thresholds`) flags.

    Returns
    -------
    dict
        ``threshold``, ``flagged`` (share of beats under it), ``errors`` (share of all misclassified beats that are
        flagged), ``S_errors`` and ``V_errors`` (the same for errors whose true or given class is S, V), the counts
        ``n_flagged`` and ``n_errors``.
    """
    p = np.asarray(proba, dtype=np.float64)
    pred = p.argmax(1)
    flagged = review_mask(np.asarray(AAMI_CLASSES)[pred], p.max(1), threshold)
    return {"threshold": threshold if isinstance(threshold, dict) else float(threshold),
            **flag_shares(pred, y, flagged)}


def flag_shares(pred, y, flagged) -> dict:
    """What a set of flags catches: :func:`flag_report`'s figures but the threshold, for given flags.

    Parameters
    ----------
    pred, y : ndarray of int, shape (n,)
        The model's and the reference classes.
    flagged : ndarray of bool, shape (n,)
    """
    pred, y, flagged = np.asarray(pred), np.asarray(y), np.asarray(flagged, dtype=bool)
    err = pred != y

    def share(m):
        return float((m & flagged).sum() / m.sum()) if m.any() else float("nan")

    return {"flagged": float(flagged.mean()) if len(y) else float("nan"),
            "errors": share(err), "S_errors": share(err & ((y == S) | (pred == S))),
            "V_errors": share(err & ((y == V) | (pred == V))), "n_flagged": int(flagged.sum()),
            "n_errors": int(err.sum())}


def choose_review_threshold(proba, y, max_flagged: float = 0.05, grid=None) -> float:
    """The highest threshold of ``grid`` that flags at most ``max_flagged`` of the beats.

    A higher threshold flags more beats and so catches more errors; the budget of beats a reviewer can look at
    bounds it. Chosen on held-out predictions of a cross-validation.
    """
    p = np.asarray(proba, dtype=np.float64)
    grid = np.round(np.arange(0.30, 0.991, 0.01), 2) if grid is None else np.asarray(grid, dtype=np.float64)
    conf = np.sort(p.max(1))
    # share of beats strictly under each threshold
    share = np.searchsorted(conf, grid, side="left") / max(conf.size, 1)
    ok = grid[share <= max_flagged]
    return float(ok.max()) if ok.size else float(grid.min())


def choose_class_thresholds(proba, y, max_flagged: float = 0.05, grid=None) -> dict:
    """One threshold per class that together flag the most errors with at most ``max_flagged`` of the beats.

    Exact over ``grid`` (default 0, 0.01, ..., 1; 0 never flags a class, 1 flags nearly all its beats): each
    class's (beats flagged, errors flagged) for every threshold, combined class by class keeping only the
    combinations that no other dominates (as many errors with fewer flagged beats: a Pareto front). Ties go to
    the combination flagging fewer beats. 0 is always in the grid, so some combination fits any budget. Chosen on
    held-out predictions of a cross-validation.

    Parameters
    ----------
    proba : ndarray, shape (n, 5)
        Calibrated held-out probabilities.
    y : ndarray of int, shape (n,)
        Reference classes.
    max_flagged : float
        The budget: the share of the beats the rule may flag.
    grid : array_like of float, optional
        The thresholds tried for each class.

    Returns
    -------
    dict
        Class -> threshold, for every class of :data:`AAMI_CLASSES`.
    """
    p = np.asarray(proba, dtype=np.float64)
    y = np.asarray(y)
    grid = np.round(np.arange(0.0, 1.001, 0.01), 2) if grid is None else np.union1d([0.0], grid)
    pred, conf = p.argmax(1), p.max(1)
    budget = int(np.floor(max_flagged * len(y) + 1e-9))
    # front: rows of (n_flagged, n_errors), and the grid index chosen for each class so far
    front_n, front_e = np.zeros(1, np.int64), np.zeros(1, np.int64)
    choice = np.zeros((1, 0), np.int64)
    for c in range(len(AAMI_CLASSES)):
        m = pred == c
        order = np.sort(conf[m])
        wrong = np.sort(conf[m & (y != c)])
        n_c = np.searchsorted(order, grid, side="left")  # strictly under each threshold
        e_c = np.searchsorted(wrong, grid, side="left")
        tot_n = (front_n[:, None] + n_c[None, :]).ravel()
        tot_e = (front_e[:, None] + e_c[None, :]).ravel()
        rows = np.repeat(np.arange(len(front_n)), len(grid))
        cols = np.tile(np.arange(len(grid)), len(front_n))
        ok = tot_n <= budget
        tot_n, tot_e, rows, cols = tot_n[ok], tot_e[ok], rows[ok], cols[ok]
        # Pareto front: by flagged ascending (errors descending among equals), keep each row that beats every
        # earlier one on errors
        o = np.lexsort((-tot_e, tot_n))
        tot_n, tot_e, rows, cols = tot_n[o], tot_e[o], rows[o], cols[o]
        best_before = np.concatenate([[-1], np.maximum.accumulate(tot_e)[:-1]])
        keep = tot_e > best_before
        front_n, front_e = tot_n[keep], tot_e[keep]
        choice = np.column_stack([choice[rows[keep]], cols[keep]])
    best = int(np.argmax(front_e))  # the first of the most errors: the fewest flagged beats
    return {c: float(grid[choice[best, i]]) for i, c in enumerate(AAMI_CLASSES)}
