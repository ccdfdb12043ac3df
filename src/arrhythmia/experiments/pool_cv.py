"""Patient-grouped cross-validation over a training pool of several databases.

The pool (e.g. ``mitdb:DS1`` + ``svdb:all``) is cut into ``k`` folds of whole
patients (:func:`arrhythmia.datasets.splits.patient_folds`); for each fold a
model is trained on the other folds' patients with the refit recipe (no
validation holdout, a fixed epoch budget) and predicts every beat of the
held-out patients at the reference R peaks. The out-of-fold probabilities of
the whole pool are kept (``oof_<seed>.npz``): every beat predicted once by a
model that never saw its patient. Post-processing that uses only the
recording (calibration, per-recording prior adaptation, relabelling inside
AF episodes) is then applied and scored on those predictions, record by
record, exactly as ``annotate`` applies it, without training again.

DS2 is never in a pool (:func:`arrhythmia.datasets.splits.make_split` refuses it).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..evaluation.metrics import ClassificationReport, confusion_matrix
from ..labels import AAMI_CLASSES


@dataclass
class OutOfFold:
    """Out-of-fold predictions of a pool.

    Attributes
    ----------
    keys : ndarray of str
        Record key of every beat (``'svdb:804'``).
    sample : ndarray of int64
        R peak of every beat at its record's rate.
    y : ndarray of int64
        Reference class.
    proba : ndarray of float32, shape (n, 5)
        Probabilities from the model of the fold that held the beat's patient out.
    fold : ndarray of int64
        That fold.
    """

    keys: np.ndarray
    sample: np.ndarray
    y: np.ndarray
    proba: np.ndarray
    fold: np.ndarray

    def save(self, path: Path, fingerprint: str) -> None:
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(tmp, fingerprint=np.array(fingerprint), **dataclasses.asdict(self))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, fingerprint: str) -> "OutOfFold | None":
        if not path.is_file():
            return None
        with np.load(path) as z:
            if str(z["fingerprint"]) != fingerprint:
                return None
            return cls(**{f.name: z[f.name] for f in dataclasses.fields(cls)})

    def rows(self, key: str) -> np.ndarray:
        """Row indices of one record's beats, in time order (the order post-processing sees a recording in)."""
        m = np.flatnonzero(self.keys == key)
        return m[np.argsort(self.sample[m], kind="stable")]

    def records(self) -> list[str]:
        _, first = np.unique(self.keys, return_index=True)
        return self.keys[np.sort(first)].tolist()


def out_of_fold(cfg, data, out, k: int = 5, progress: bool = False, verbose: bool = False) -> OutOfFold:
    """Train ``k`` fold models of ``cfg`` on its pool and predict every held-out beat (reused when already done).

    Parameters
    ----------
    cfg : TrainConfig
        The recipe; ``cfg.train`` names the pool, ``cfg.seed`` seeds the folds
        and the training (member ``m`` of an ensemble: ``seed + m``).
    data : DataRoots
    out : str or Path
        Receives ``fold_<seed>_<i>.npz`` (one per fold, reused when the
        settings match) and ``oof_<seed>.npz``.
    k : int

    Returns
    -------
    OutOfFold
    """
    import tempfile

    from ..datasets import load_beats
    from ..datasets.splits import patient_folds
    from ..models.predict import predict_proba
    from ..training.run import _fit_members, new_model, training_records
    from ..training.trainer import fit

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    base = dataclasses.replace(cfg, split="patient-kfold", n_folds=k, val_fraction=0.0, patience=cfg.epochs,
                               records=None)
    pool, _ = training_records(base, data)
    key = base.fingerprint()
    cached = OutOfFold.load(out / f"oof_{cfg.seed}.npz", key)
    if cached is not None:
        return cached
    folds = patient_folds(pool, k, cfg.seed)
    model, beat_cfg = new_model(dataclasses.replace(base))
    beats = load_beats(pool, data, beat_cfg, progress=progress)
    keys = beats.keys
    proba = np.zeros((len(beats), len(AAMI_CLASSES)), np.float32)
    fold_of = np.full(len(beats), -1, np.int64)
    for i, held in enumerate(folds):
        tc = dataclasses.replace(base, fold=i)
        test = np.isin(keys, [r.key for r in held])
        path = out / f"fold_{cfg.seed}_{i}.npz"
        done = None
        if path.is_file():
            with np.load(path) as z:
                if str(z["fingerprint"]) == tc.fingerprint() and z["proba"].shape[0] == int(test.sum()):
                    done = z["proba"]
        if done is None:
            if verbose:
                print(f"seed {cfg.seed} fold {i + 1}/{k}: held out {', '.join(r.key for r in held)}")
            model, _ = new_model(dataclasses.replace(tc))
            empty = beats.subset(np.zeros(len(beats), bool))
            with tempfile.TemporaryDirectory() as tmp:  # checkpoints only
                if tc.members == 1:
                    fit(model, beats.subset(~test), empty, tc, tmp, progress=progress, verbose=False)
                else:
                    model, _ = _fit_members(model, beats.subset(~test), empty, tc, tmp, False, (), progress, False)
            done = predict_proba(model, beats.x[test], beats.rr[test])
            np.savez_compressed(path, fingerprint=np.array(tc.fingerprint()), proba=done)
        proba[test] = done
        fold_of[test] = i
    oof = OutOfFold(keys, beats.sample, beats.y, proba, fold_of)
    oof.save(out / f"oof_{cfg.seed}.npz", key)
    return oof


def scores(y, pred) -> dict:
    """S/V Se and +P, macro-F1 and the share of N beats labelled S or V ("false alarms"), from labels."""
    rep = ClassificationReport.from_cm(confusion_matrix(y, pred))
    n = rep.cm[0].sum()
    return {**rep.headline(), "N_as_SV": float((rep.cm[0, 1] + rep.cm[0, 2]) / n) if n else float("nan"),
            "confusion_matrix": rep.cm.tolist()}


def score_oof(oof: OutOfFold, post=None, groups: dict | None = None) -> dict:
    """Score out-of-fold predictions, pooled, per group of records and per record.

    Parameters
    ----------
    oof : OutOfFold
    post : callable(key, sample, proba) -> proba, optional
        Per-recording post-processing, applied record by record (a recording's
        beats in time order).
    groups : dict of str -> callable(key) -> bool
        Named subsets of records scored apart (e.g. ``{'svdb': lambda k: k.startswith('svdb:')}``).

    Returns
    -------
    dict
        ``pooled``, ``groups``, ``per_record`` (each with :func:`scores`' keys) and ``proba`` (the post-processed
        probabilities, aligned with ``oof``).
    """
    proba = oof.proba.astype(np.float64)
    if post is not None:
        proba = proba.copy()
        for key in oof.records():
            m = oof.rows(key)
            proba[m] = post(key, oof.sample[m], proba[m])
    pred = proba.argmax(1)
    res = {"pooled": scores(oof.y, pred), "groups": {}, "per_record": {}}
    for name, sel in (groups or {}).items():
        m = np.array([sel(k) for k in oof.keys])
        res["groups"][name] = scores(oof.y[m], pred[m])
    for key in oof.records():
        m = oof.keys == key
        res["per_record"][key] = scores(oof.y[m], pred[m])
    res["proba"] = proba
    return res


def selection_score(s: dict) -> float:
    """Mean of S Se, S +P, V Se and V +P (an undefined figure counts as 0)."""
    vals = [s.get(k) for k in ("S_se", "S_ppv", "V_se", "V_ppv")]
    return float(sum(0.0 if v is None or v != v else v for v in vals) / 4)


def write_json(path, obj) -> None:
    from ..bundle import write_json as _w

    _w(path, json.loads(json.dumps(obj, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))))
