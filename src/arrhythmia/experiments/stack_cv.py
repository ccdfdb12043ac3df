"""The second stage (:mod:`arrhythmia.pipeline.stack`) scored in the patient-grouped cross-validation, nested.

A pool's out-of-fold predictions (:class:`arrhythmia.experiments.pool_cv.OutOfFold`) hold every beat predicted
by a network that never saw its patient. For each fold ``f`` the second stage is fitted on the other folds'
beats (their out-of-fold probabilities, their labels) and predicts fold ``f``'s: no label of a held-out patient
reaches the model that relabels its beats. (The networks that produced the other folds' probabilities were
trained with fold ``f``'s patients among others; only the networks' inputs, never fold ``f``'s labels, reach the
second stage that way, the usual compromise of stacking without a second level of cross-validation.) The model
that would ship is fitted on every beat of the pool.
"""

from __future__ import annotations

import numpy as np


def oof_stack_features(oof, rates: dict) -> np.ndarray:
    """:func:`arrhythmia.pipeline.stack.stack_features` of every beat of ``oof``, record by record, aligned with it.

    The AF episodes are annotate's (:func:`arrhythmia.rhythm.af.detect_af` on the beats' intervals, those at
    beats the network calls V left out).

    Parameters
    ----------
    oof : OutOfFold
    rates : dict of str -> float
        Sampling rate of each database (``{'mitdb': 360.0, 'svdb': 128.0}``).
    """
    from ..labels import AAMI_CLASSES
    from ..pipeline.stack import STACK_FEATURES, stack_features
    from ..rhythm.af import detect_af

    out = np.zeros((len(oof.y), len(STACK_FEATURES)), np.float32)
    for key in oof.records():
        m = oof.rows(key)
        s, p = oof.sample[m], oof.proba[m].astype(np.float64)
        fs = rates[key.split(":")[0]]
        labels = np.asarray(AAMI_CLASSES)[p.argmax(1)]
        af = detect_af(s, fs, int(s[-1]) + 1, labels=labels)
        out[m] = stack_features(p, s, fs, af.episodes)
    return out


def nested_stack(oof, feats: np.ndarray, seed: int = 0, threads: int = 2) -> tuple[np.ndarray, object]:
    """Second-stage probabilities of every beat from a model fitted without its fold, and the model fitted on all.

    Returns
    -------
    proba : ndarray of float64, shape (n, 5)
        Aligned with ``oof``.
    shipped : StackModel
        Fitted on every beat (what the build script ships).
    """
    from ..training.stack import fit_stack

    proba = np.zeros((len(oof.y), 5))
    for f in np.unique(oof.fold):
        test = oof.fold == f
        model = fit_stack(feats[~test], oof.y[~test], seed=seed, threads=threads)
        proba[test] = model.predict_proba(feats[test])
    return proba, fit_stack(feats, oof.y, seed=seed, threads=threads)
