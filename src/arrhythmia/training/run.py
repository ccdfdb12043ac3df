"""``arrhythmia train``: the records, the split, the fit, the bundle."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from ..errors import ArrhythmiaError
from ..evaluation.metrics import ClassificationReport
from ..features.rr import RR_SETS
from .config import TrainConfig
from .trainer import CHECKPOINT, FitResult, _validate, fit


def _with_member(cb, member, epoch, logs):
    cb(epoch, {**logs, "member": member})


def _fit_members(first, train_set, val_set, cfg: TrainConfig, out_dir, resume, callbacks, progress, verbose):
    """Fit ``cfg.members`` copies (member ``m``: seed ``seed + m``, checkpoints in ``member_<m>/``) into one ensemble.

    Returns
    -------
    (Ensemble, FitResult)
        The history holds every member's epochs (with a ``member`` key); the
        report is the ensemble's on the validation beats.
    """
    from ..models.ensemble import Ensemble

    members, history = [], []
    for m in range(cfg.members):
        mc = cfg.member(m)
        model = first if m == 0 else new_model(mc)[0]
        if verbose:
            print(f"member {m + 1}/{cfg.members} (seed {mc.seed})")
        member_dir = Path(out_dir) / f"member_{m}"
        # resuming: members after the interrupted one have not started yet
        started = m == 0 or (member_dir / CHECKPOINT).is_file()
        res = fit(model, train_set, val_set, mc, member_dir, resume=resume and started,
                  callbacks=tuple(functools.partial(_with_member, cb, m) for cb in callbacks),
                  progress=progress, verbose=verbose)
        members.append(model)
        history += [{"member": m, **h} for h in res.history]
    ens = Ensemble.from_members(members)
    if len(val_set):
        _, rep = _validate(ens, val_set.x, val_set.rr, val_set.y, "cpu")  # predict_proba selects and fills
    else:
        rep = ClassificationReport.from_cm(np.zeros((ens.n_classes, ens.n_classes), np.int64))
    return ens, FitResult(history=history, best_epoch=res.best_epoch, report=rep, epochs_run=res.epochs_run)


def beat_config_for(model_name: str, window=None, median_channels: bool = False):
    """The beat extraction settings a model is trained with by default."""
    from ..pipeline.segment import BeatConfig
    from ..models import get_model_class

    cls = get_model_class(model_name)
    return BeatConfig(leads=cls.default_leads, window=window or cls.default_window, normalize=cls.default_normalize,
                      median_channels=median_channels)


def new_model(cfg: TrainConfig):
    """A freshly initialised model for ``cfg`` (weights depend on ``cfg.seed`` alone) and its beat settings.

    Sets ``cfg.model`` to the default model when it is None.

    Returns
    -------
    (BeatModel, BeatConfig)
    """
    import torch

    from ..models import DEFAULT_MODEL, build_model

    cfg.model = cfg.model or DEFAULT_MODEL
    beat_cfg = beat_config_for(cfg.model, median_channels=cfg.median_channels)
    torch.manual_seed(cfg.seed)
    win = beat_cfg.window
    model = build_model(cfg.model, n_samples=win.length, n_leads=beat_cfg.n_channels, fs=win.fs,
                        rr_features=RR_SETS[cfg.rr_features], **cfg.model_params)
    return model, beat_cfg


def train(cfg: TrainConfig, data, out_dir, resume: bool = False, progress: bool = True,
          callbacks=(), verbose: bool = True, force: bool = False, reviewed=None,
          reviewed_recordings=None) -> tuple[Path, FitResult]:
    """``arrhythmia train``: load beats, split by patient, fit, write a bundle to ``out_dir``.

    Parameters
    ----------
    cfg : TrainConfig
        ``cfg.train`` names the training pool (several databases may be
        pooled: ``('mitdb:DS1', 'svdb:all')``); DS2 is never in it.
    data : DataRoots or str or Path
        Where the databases are (a folder: the MIT-BIH one).
    out_dir : str or Path
        Must be new or empty; an earlier output of this tool there is
        continued with ``resume`` or replaced (its files only, a stale
        ``model.onnx`` included) with ``force``. Training into the bundle it
        starts from (``init_from``) is refused.
    reviewed : str or Path, optional
        A folder of recordings corrected with ``arrhythmia serve``: their
        beats, with the reviewer's labels, join the training side (never
        validation or test).
    reviewed_recordings : str or Path, optional
        The folder of those recordings, for summaries that do not name them.

    Returns
    -------
    (Path, FitResult)
    """
    from ..datasets.references import DataRoots
    from ..io.output import working_folder

    roots = data if isinstance(data, DataRoots) else DataRoots(mitdb=data)
    with working_folder(out_dir, "train", inputs=[cfg.init_from, roots.mitdb, reviewed, reviewed_recordings],
                        force=force, resume=resume):
        return _train(cfg, roots, out_dir, resume, progress, callbacks, verbose, reviewed, reviewed_recordings)


def training_records(cfg: TrainConfig, roots) -> tuple:
    """The training pool of ``cfg`` and every record its split needs loaded (pool + test side), as RecordRefs."""
    from ..datasets.records import DS2
    from ..datasets.references import RecordRef, refs, resolve_specs
    from ..datasets.splits import default_pool

    pool = resolve_specs(cfg.train, roots) if cfg.train else default_pool(cfg.split)
    test = refs("mitdb", DS2) if cfg.split == "inter-patient" else ()
    if set(pool) & set(test):
        bad = sorted(r.key for r in set(pool) & set(test))
        raise ArrhythmiaError(f"Invalid value for 'train': DS2 records are the test side of 'inter-patient' and never "
                              f"train; got {', '.join(bad)}.")
    needed = tuple(dict.fromkeys(pool + test))
    if cfg.records is not None:
        wanted = {RecordRef.parse(r) for r in cfg.records}
        needed = tuple(r for r in needed if r in wanted)
    return pool, needed


def _init_model(cfg: TrainConfig):
    from ..bundle import load_bundle, read_bundle_config
    from ..pipeline.segment import BeatConfig

    if not cfg.init_from:
        return new_model(cfg)
    base_cfg = read_bundle_config(cfg.init_from)
    if cfg.model and cfg.model != base_cfg["model"]["name"]:
        raise ArrhythmiaError(f"Invalid value for 'model': --init-from bundle is {base_cfg['model']['name']!r}; "
                              f"got {cfg.model!r}.")
    cfg.model = base_cfg["model"]["name"]
    model, _ = load_bundle(cfg.init_from)
    beat_cfg = BeatConfig.from_dict(base_cfg["beats"])
    cfg.median_channels = beat_cfg.median_channels  # the inputs are the base bundle's
    if cfg.freeze_backbone:
        for p in model.backbone_parameters():
            p.requires_grad_(False)
    return model, beat_cfg


def _train(cfg, roots, out_dir, resume, progress, callbacks, verbose, reviewed=None, reviewed_recordings=None):
    from ..bundle import save_bundle
    from ..datasets import load_beats, make_split
    from ..environment import environment
    from .shipped import shipped_postprocess

    pool, needed = training_records(cfg, roots)
    model, beat_cfg = _init_model(cfg)
    beats = load_beats(needed, roots, beat_cfg, progress=progress)
    sp = make_split(beats, cfg.split, seed=cfg.seed, val_fraction=cfg.val_fraction, records=cfg.records,
                    fold=cfg.fold, n_folds=cfg.n_folds, pool=pool)
    if sp.leaks_patients and verbose:
        print(f"warning: split {sp.label()}")
    train_set, val_set = beats.subset(sp.train), beats.subset(sp.val)
    if reviewed:
        from ..datasets.beats import BeatSet
        from ..datasets.reviewed import load_reviewed_beats

        extra = load_reviewed_beats(reviewed, beat_cfg, reviewed_recordings)
        train_set = BeatSet.concat([train_set, extra])
    # decided before the fit, on what the run will train on (a package whose model cannot be read says so here)
    post, post_from = shipped_postprocess({**cfg.to_dict(), "n_train_beats": int(len(sp.train))}, sp.train_records,
                                          reviewed=bool(reviewed), beats=beat_cfg.to_dict())
    if cfg.members == 1:
        result = fit(model, train_set, val_set, cfg, out_dir, resume=resume, callbacks=callbacks,
                     progress=progress, verbose=verbose)
    else:
        model, result = _fit_members(model, train_set, val_set, cfg, out_dir, resume, callbacks, progress, verbose)
    used = sorted({r.database for r in needed})
    training = {
        **cfg.to_dict(),
        "split_label": sp.label(), "leaks_patients": sp.leaks_patients,
        "shared_patients": list(sp.shared_patients),
        "databases": {db: str(roots.folder(db)) for db in used},
        "train_records": list(sp.train_records), "val_records": list(sp.val_records),
        "test_records": list(sp.test_records), "n_train_beats": int(len(sp.train)),
        "n_val_beats": int(len(sp.val)), "best_epoch": result.best_epoch, "epochs_run": result.epochs_run,
        "notes": sorted(set(beats.notes)),
        "environment": environment(),
    }
    if reviewed:
        training["reviewed"] = {"folder": str(reviewed), "records": list(extra.records()), "n_beats": len(extra)}
    training["postprocess_from"] = post_from
    save_bundle(model, out_dir, beats=beat_cfg.to_dict(), training=training,
                validation=result.report.to_dict(), history=result.history, postprocess=post)
    return Path(out_dir), result
