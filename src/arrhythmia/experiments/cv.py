"""Patient-wise k-fold cross-validation on DS1: choose models without looking at DS2."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from ..evaluation.metrics import ClassificationReport, confusion_matrix
from ..reports.markdown import CV_METRICS, format_cv, format_cv_epochs



def _fold_metrics(rep: ClassificationReport) -> dict:
    d = rep.headline()
    d.update({f"{c}_f1": rep.per_class[c]["f1"] for c in ("N", "S", "V", "F")})
    return d


def cross_validate(bundle, data_dir, out, k: int = 5, epochs: int | None = None, progress: bool = False,
                   verbose: bool = False, force: bool = False) -> dict:
    """Retrain the bundle's architecture and settings on k patient-wise folds of DS1.

    The bundle is only a template: its architecture and training options are
    reused, its weights are not. See :func:`cross_validate_config`. ``out``
    must be new or empty, or (``force``) an earlier cross-validation of ours,
    whose finished folds with the same settings are reused.
    """
    from ..bundle import read_bundle_config
    from ..io.output import working_folder
    from ..training.config import TrainConfig

    cfg = TrainConfig.from_dict(read_bundle_config(bundle).get("training", {}))
    # a fine-tuned bundle: cross-validate its architecture from scratch
    cfg = dataclasses.replace(cfg, init_from=None, freeze_backbone=False, epochs=epochs or cfg.epochs)
    with working_folder(out, "evaluate --cv", inputs=[bundle, data_dir], force=force, resume=force):
        return cross_validate_config(cfg, data_dir, out, k=k, progress=progress, verbose=verbose)


def cross_validate_config(cfg, data_dir, out, k: int = 5, progress: bool = False, verbose: bool = False) -> dict:
    """k-fold patient-wise cross-validation of a training configuration on DS1.

    Each fold's test records are whole DS1 records never seen by that fold's
    model (its validation records are drawn from the remaining ones). DS2 is
    not loaded at all.

    Parameters
    ----------
    cfg : TrainConfig
        Its split, fold and record settings are replaced.
    data_dir : str or Path
    out : str or Path
        Receives ``fold_<i>/`` bundles, ``cv.json`` and ``cv.md``.
    k : int
        Number of folds.

    Returns
    -------
    dict
        ``{"folds": [...], "mean": {...}, "std": {...}, "pooled": {...}}``.
    """
    from ..bundle import load_bundle, write_json
    from ..training.run import train
    from .common import bundle_test_side, score_beats

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    folds = []
    for fold in range(k):
        tc = dataclasses.replace(cfg, split="patient-kfold", n_folds=k, fold=fold, records=None)
        fold_dir = out / f"fold_{fold}"
        if not _finished_fold(fold_dir, tc):  # an unfinished or other fold of ours is retrained
            train(tc, data_dir, fold_dir, progress=progress, verbose=verbose, force=True)
        model, bcfg = load_bundle(fold_dir)
        test, sp = bundle_test_side(bcfg, data_dir)
        _, rep = score_beats(model, test)
        folds.append({"fold": fold, "test_records": list(sp.test_records), "n_beats": int(len(test)),
                      "confusion_matrix": rep.cm.tolist(), **_fold_metrics(rep)})
    summary = {"model": cfg.model, "k": k, "config": cfg.to_dict(), "folds": folds,
               "mean": {}, "std": {}, "defined_folds": {}}
    for key in CV_METRICS:
        vals = np.array([np.nan if f[key] is None else f[key] for f in folds], dtype=float)
        ok = vals[~np.isnan(vals)]
        summary["mean"][key] = float(ok.mean()) if ok.size else float("nan")
        summary["std"][key] = float(ok.std(ddof=1)) if ok.size > 1 else float("nan")
        summary["defined_folds"][key] = int(ok.size)
    # pooled over folds: every DS1 beat predicted once by a model that never saw its patient
    pooled = ClassificationReport.from_cm(np.sum([np.array(f["confusion_matrix"]) for f in folds], axis=0))
    summary["pooled"] = _fold_metrics(pooled)
    write_json(out / "cv.json", summary)
    (out / "cv.md").write_text(format_cv(summary))
    return summary


def _finished_fold(fold_dir: Path, tc) -> bool:
    """True when ``fold_dir`` already holds a bundle trained with the same settings (an interrupted run resumes)."""
    from ..bundle import read_bundle_config
    from ..errors import ArrhythmiaError
    from ..training.config import TrainConfig

    if not (fold_dir / "config.json").is_file() or not (fold_dir / "model.safetensors").is_file():
        return False
    try:
        old = TrainConfig.from_dict(read_bundle_config(fold_dir)["training"])
    except (ArrhythmiaError, KeyError, TypeError):
        return False
    return old.fingerprint() == tc.fingerprint() and old.epochs == tc.epochs


def selection_score(metrics: dict) -> float:
    """Mean of S Se, S +P, V Se and V +P (an undefined figure counts as 0): how candidates are ranked."""
    vals = [metrics.get(k) for k in ("S_se", "S_ppv", "V_se", "V_ppv")]
    return float(sum(0.0 if v is None or v != v else v for v in vals) / 4)


def _cv_fold(tc, fold: int, k: int, data_dir, out: Path, progress: bool, loaded: dict) -> dict:
    """Train fold ``fold`` (every member) and record its held-out confusion matrix after each epoch.

    ``loaded`` caches DS1's beats across folds (loaded on first use).
    """
    from ..datasets import load_beats, make_split
    from ..datasets.records import DS1
    from ..models import DEFAULT_MODEL
    from ..training.run import beat_config_for

    def split():
        if "beats" not in loaded:
            loaded["beats"] = load_beats(DS1, data_dir, beat_config_for(tc.model or DEFAULT_MODEL,
                                                                        median_channels=tc.median_channels))
        beats = loaded["beats"]
        return beats, make_split(beats, "patient-kfold", seed=tc.seed, val_fraction=0.0, n_folds=k, fold=fold)

    # an ensemble keeps each member's held-out probabilities, so an interrupted run resumes member by member
    runs = [_member_run(tc.member(m), split, None if tc.members == 1 else out / f"fold_{fold}_member_{m}.npz",
                        progress) for m in range(tc.members)]
    probs = np.mean([r["probs"] for r in runs], axis=0)
    y, test_records, train_records = runs[0]["y"], runs[0]["test_records"], runs[0]["train_records"]
    cms = [confusion_matrix(y, p.argmax(1)).tolist() for p in probs]
    return {"fold": fold, "fingerprint": tc.fingerprint(), "test_records": test_records,
            "train_records": train_records, "n_beats": int(len(y)), "confusion_matrices": cms}


def _reusable_fold(path: Path, tc, max_epochs: int) -> dict | None:
    """An earlier run's fold record with the same settings and at least ``max_epochs`` epochs, cut to them."""
    if not path.is_file():
        return None
    old = json.loads(path.read_text())
    if old.get("fingerprint") != tc.fingerprint() or len(old["confusion_matrices"]) < max_epochs:
        return None
    old["confusion_matrices"] = old["confusion_matrices"][:max_epochs]
    return old


def _epochs_summary(cfg, folds: list, k: int, max_epochs: int, smooth: int) -> dict:
    """Pooled metrics after each epoch over the folds, and the chosen epoch count."""
    per_epoch = []
    for e in range(max_epochs):
        pooled = ClassificationReport.from_cm(np.sum([np.array(f["confusion_matrices"][e]) for f in folds], axis=0))
        m = _fold_metrics(pooled)
        per_epoch.append({"epochs": e + 1, **m, "score": selection_score(m)})
    scores = np.array([p["score"] for p in per_epoch])
    smoothed = np.array([scores[max(0, e - smooth): e + smooth + 1].mean() for e in range(max_epochs)])
    for p, s in zip(per_epoch, smoothed):
        p["smoothed_score"] = float(s)
    # a cosine schedule ends at max_epochs by construction: earlier epochs are not what a shorter run trains
    fixed = cfg.lr_schedule == "cosine"
    best = max_epochs - 1 if fixed else int(np.argmax(smoothed))
    return {"model": cfg.model, "k": k, "max_epochs": max_epochs, "smooth": smooth, "fixed_epochs": fixed,
            "config": dataclasses.asdict(cfg), "per_epoch": per_epoch, "epochs": best + 1,
            "pooled": {kk: v for kk, v in per_epoch[best].items() if kk != "epochs"},
            "folds": [{kk: v for kk, v in f.items() if kk != "fingerprint"} for f in folds]}


def cross_validate_epochs(cfg, data_dir, out, k: int = 5, max_epochs: int = 15, smooth: int = 1,
                          progress: bool = False) -> dict:
    """Cross-validate the *refit* recipe on DS1 and choose its epoch count.

    The recipe shipped for the default model trains on all training records
    for a fixed number of epochs, with no validation holdout (early stopping
    on a few validation patients is erratic). This function scores exactly
    that recipe: on each of ``k`` patient-wise folds of DS1 it trains on the
    other folds' records, with no validation split, for ``max_epochs`` epochs,
    and after every epoch predicts the fold's held-out records. Training with
    this callback gives the same weights as training without it (every epoch
    is seeded from ``(seed, epoch)`` alone and prediction draws no random
    number), so epoch ``e`` here is the model that ``epochs=e`` would train.
    DS2 is not loaded at all.

    Parameters
    ----------
    cfg : TrainConfig
        Its split, fold, record, validation and epoch settings are replaced.
    data_dir : str or Path
    out : str or Path
        Receives ``fold_<i>.json`` (per-epoch confusion matrices; a rerun with
        the same settings reuses them), ``cv_epochs.json`` and ``cv_epochs.md``;
        with ``cfg.members > 1`` also ``fold_<i>_member_<m>.npz`` (member
        ``m``'s held-out probabilities after each epoch; the ensemble's are
        their mean). The folds are drawn with ``cfg.seed``; member ``m``
        trains with ``cfg.seed + m``.
    k : int
        Number of folds.
    max_epochs : int
        Epochs trained per fold. With ``cfg.lr_schedule == 'cosine'`` the
        schedule spans exactly these epochs, so the recipe's result is the last
        epoch's and no epoch count is chosen (earlier epochs are still scored,
        to show how steady training is).
    smooth : int
        The epoch count is chosen on the :func:`selection_score` of the pooled
        predictions, averaged over the ``smooth`` epochs either side (so a
        single lucky epoch is not chosen).

    Returns
    -------
    dict
        ``per_epoch`` (pooled metrics after each epoch), ``epochs`` (the
        chosen count), ``pooled`` (its pooled metrics), ``folds``.
    """
    from ..bundle import write_json

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    folds, loaded = [], {}
    for fold in range(k):
        tc = dataclasses.replace(cfg, split="patient-kfold", n_folds=k, fold=fold, records=None, val_fraction=0.0,
                                 epochs=max_epochs, patience=max_epochs)
        path = out / f"fold_{fold}.json"
        old = _reusable_fold(path, tc, max_epochs)
        if old is not None:
            folds.append(old)
            continue
        rec = _cv_fold(tc, fold, k, data_dir, out, progress, loaded)
        write_json(path, rec)
        folds.append(rec)
    summary = _epochs_summary(cfg, folds, k, max_epochs, smooth)
    write_json(out / "cv_epochs.json", summary)
    (out / "cv_epochs.md").write_text(format_cv_epochs(summary))
    return summary


def _member_run(tc, split, path: Path | None, progress: bool = False) -> dict:
    """Train ``tc`` on a fold's training records (no validation) and predict its held-out records after each epoch.

    ``split()`` returns ``(beats, split)``. With ``path``, the result is kept
    there and read back instead of training when the settings match.

    Returns
    -------
    dict
        ``probs`` (epochs, n_beats, n_classes), ``y``, ``test_records``, ``train_records``.
    """
    import tempfile

    from ..models.predict import predict_proba
    from ..training.run import new_model
    from ..training.trainer import fit

    if path is not None and path.is_file():
        with np.load(path) as z:
            if str(z["fingerprint"]) == tc.fingerprint() and len(z["probs"]) >= tc.epochs:
                return {"probs": z["probs"][: tc.epochs], "y": z["y"], "test_records": z["test_records"].tolist(),
                        "train_records": z["train_records"].tolist()}
    beats, sp = split()
    model, _ = new_model(tc)
    test = beats.subset(sp.test)
    probs = []

    def after_epoch(epoch, logs):
        probs.append(predict_proba(model, test.x, test.rr))

    with tempfile.TemporaryDirectory() as tmp:  # checkpoints only
        fit(model, beats.subset(sp.train), beats.subset(sp.val), tc, tmp, callbacks=(after_epoch,),
            progress=progress, verbose=False)
    run = {"probs": np.stack(probs).astype(np.float32), "y": test.y, "test_records": list(sp.test_records),
           "train_records": list(sp.train_records)}
    if path is not None:
        tmp_path = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(tmp_path, fingerprint=np.array(tc.fingerprint()),
                            **{k: np.asarray(v) for k, v in run.items()})
        tmp_path.replace(path)
    return run


