"""What the experiments share: a bundle's test side, and scoring a model on beats."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..evaluation.metrics import ClassificationReport, confusion_matrix


def score_beats(model, beats, return_features: bool = False):
    """Predict ``beats`` (a BeatSet) with a torch model and score against their labels.

    Returns
    -------
    proba : ndarray, shape (n, 5)
    report : ClassificationReport
    features : ndarray
        Only with ``return_features`` (the penultimate layer, for t-SNE).
    """
    from ..models.predict import predict_proba

    out = predict_proba(model, beats.x, beats.rr, return_features=return_features)
    proba, feats = out if return_features else (out, None)
    rep = ClassificationReport.from_cm(confusion_matrix(beats.y, proba.argmax(1)))
    return (proba, rep, feats) if return_features else (proba, rep)


def bundle_test_side(config: dict, data, split: str | None = None, progress: bool = False):
    """The test beats of a bundle's split, drawn exactly as its training drew them.

    Parameters
    ----------
    config : dict
        The bundle's config.
    data : DataRoots or str or Path
    split : str, optional
        Another split than the bundle's (its record subset is then dropped).

    Returns
    -------
    (BeatSet, Split)
        The test beats and the split.
    """
    from ..datasets import load_beats, make_split
    from ..datasets.references import DataRoots
    from ..pipeline.segment import BeatConfig
    from ..training.config import TrainConfig
    from ..training.run import training_records

    t = TrainConfig.from_dict(config.get("training", {}))
    if split and split != t.split:
        t = dataclasses.replace(t, split=split, records=None)
    roots = data if isinstance(data, DataRoots) else DataRoots(mitdb=data)
    pool, needed = training_records(t, roots)
    beats = load_beats(needed, roots, BeatConfig.from_dict(config["beats"]), progress=progress)
    sp = make_split(beats, t.split, seed=t.seed, val_fraction=t.val_fraction, records=t.records, fold=t.fold,
                    n_folds=t.n_folds, pool=pool)
    return beats.subset(sp.test), sp


def per_record_reports(beats, pred: np.ndarray) -> dict:
    """``{record key: ClassificationReport}`` of integer predictions of ``beats``."""
    keys = beats.keys
    return {r: ClassificationReport.from_cm(confusion_matrix(beats.y[keys == r], pred[keys == r]))
            for r in beats.records()}
