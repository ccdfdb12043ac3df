"""Which review rule finds the most errors in new patients: one threshold, or one per class, nested over folds.

A rule's figures on the same held-out beats it was chosen on flatter it; here each fold's beats are flagged by
the rule (and the temperature before it) chosen on the other folds' beats alone, so what the rule catches on
them is what it would catch in patients it never saw. The folds are the cross-validation's own (whole patients).
"""

from __future__ import annotations

import numpy as np

RULES = ("single", "per-class")
"""``single``: :func:`~arrhythmia.evaluation.calibration.choose_review_threshold` (one threshold for every class);
``per-class``: :func:`~arrhythmia.evaluation.calibration.choose_class_thresholds`."""


def choose_rule(kind: str, proba, y, max_flagged: float):
    """The review rule of ``kind`` (one of :data:`RULES`) chosen on ``proba`` (calibrated) and ``y``."""
    from ..errors import check_option
    from ..evaluation.calibration import choose_class_thresholds, choose_review_threshold

    check_option("kind", kind, RULES)
    if kind == "single":
        return choose_review_threshold(proba, y, max_flagged)
    return choose_class_thresholds(proba, y, max_flagged)


def nested_review(proba, y, fold, max_flagged: float = 0.05, post=None) -> dict:
    """Each rule's flags on every fold's beats, chosen on the other folds (temperature, then the rule).

    Parameters
    ----------
    proba : ndarray, shape (n, 5)
        Out-of-fold probabilities (before calibration).
    y : ndarray of int, shape (n,)
        Reference classes.
    fold : ndarray of int, shape (n,)
        The fold that held each beat out.
    max_flagged : float
        The budget each rule is chosen for (share of the beats flagged).
    post : callable(ndarray) -> ndarray, optional
        The label-free post-processing ``annotate`` applies after the temperature (round 11), given every beat's
        calibrated probabilities (shape (n, 5), the rows of ``proba``) and returning them post-processed: each
        fold's temperature is fitted on the network's outputs, as the bundle's is, and the rule is then chosen on,
        and applied to, the probabilities ``annotate`` shows. The errors counted are those of the post-processed
        classes. None: the calibrated outputs themselves (rounds 8-10).

    Returns
    -------
    dict
        Rule -> :func:`~arrhythmia.evaluation.calibration.flag_report`-like figures pooled over the folds
        (``flagged``, ``errors``, ``S_errors``, ``V_errors``, counts) and ``per_fold`` (the rule each fold used).
    """
    from ..evaluation.calibration import flag_shares, review_mask
    from ..labels import AAMI_CLASSES
    from ..pipeline.adapt import fit_temperature, temperature_scale

    p = np.asarray(proba, dtype=np.float64)
    y = np.asarray(y)
    fold = np.asarray(fold)
    flagged = {kind: np.zeros(len(y), bool) for kind in RULES}
    per_fold = {kind: [] for kind in RULES}
    pred = p.argmax(1)  # a temperature does not change the class; a post-processing may (set per fold below)
    for f in np.unique(fold):
        test = fold == f
        temp = fit_temperature(p[~test], y[~test])  # one temperature per fold, shared by both rules
        if post is None:
            train_cal, cal = temperature_scale(p[~test], temp), temperature_scale(p[test], temp)
        else:
            shown = np.asarray(post(temperature_scale(p, temp)), dtype=np.float64)
            train_cal, cal = shown[~test], shown[test]
            pred[test] = cal.argmax(1)
        labels = np.asarray(AAMI_CLASSES)[cal.argmax(1)]
        for kind in RULES:
            rule = choose_rule(kind, train_cal, y[~test], max_flagged)
            flagged[kind][test] = review_mask(labels, cal.max(1), rule)
            per_fold[kind].append(rule)
    return {kind: {**flag_shares(pred, y, flagged[kind]), "per_fold": per_fold[kind]} for kind in RULES}
