"""How far a model's confidence can be trusted: calibration error and the review flag.

A reviewer jumps to the beats whose confidence (the largest class
probability) is under a threshold (``annotate --review-below``). That is
worth doing only if the errors are there: :func:`flag_report` says what share
of the beats a threshold flags and what share of the errors (all, and those
involving S or V) it catches; :func:`choose_review_threshold` picks the
threshold on held-out patients of a cross-validation, never on a test set.
"""

from __future__ import annotations

import numpy as np

from ..labels import AAMI_CLASSES

S, V = AAMI_CLASSES.index("S"), AAMI_CLASSES.index("V")


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


def flag_report(proba, y, threshold: float) -> dict:
    """What a review threshold flags.

    Returns
    -------
    dict
        ``threshold``, ``flagged`` (share of beats under it), ``errors`` (share of all misclassified beats that are
        flagged), ``S_errors`` and ``V_errors`` (the same for errors whose true or given class is S, V), the counts
        ``n_flagged`` and ``n_errors``.
    """
    p = np.asarray(proba, dtype=np.float64)
    y = np.asarray(y)
    pred = p.argmax(1)
    flagged = p.max(1) < threshold
    err = pred != y

    def share(m):
        return float((m & flagged).sum() / m.sum()) if m.any() else float("nan")

    return {"threshold": float(threshold), "flagged": float(flagged.mean()) if len(y) else float("nan"),
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
