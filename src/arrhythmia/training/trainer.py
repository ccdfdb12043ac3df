"""The fit loop and ``arrhythmia train``.

Reproducibility: every random choice of epoch ``e`` (batch order, dropout,
augmentation) is seeded from ``(seed, e)`` alone, and a checkpoint with the
model, optimiser and early-stopping state is written after every epoch, so
``resume=True`` continues an interrupted run and ends with exactly the
weights of an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import ArrhythmiaError, check_option
from ..evaluation.metrics import ClassificationReport, confusion_matrix
from ..features.rr import RR_SETS
from .imbalance import IMBALANCE

CHECKPOINT = "checkpoint.pt"
LR_SCHEDULES = ("constant", "cosine")


def cosine_lr(lr: float, step: int, total: int) -> float:
    """Half-cosine decay: ``lr`` at step 0, falling to 0 at step ``total``."""
    import math

    return 0.5 * lr * (1.0 + math.cos(math.pi * min(step, total) / max(total, 1)))


@dataclass
class TrainConfig:
    """Settings of one training run (all recorded in the bundle).

    Parameters
    ----------
    model : str
        Registered model name.
    split : str
        ``inter-patient`` (default), ``intra-patient`` or ``patient-kfold``.
    epochs : int
        Maximum epochs.
    batch_size : int
    lr : float
        Adam learning rate.
    weight_decay : float
    imbalance : {'weights', 'smote', 'sampler', 'sqrt-sampler', 'focal', 'none'}
        Class-imbalance handling, on training beats only. ``sampler`` draws
        every class equally often; ``sqrt-sampler`` in proportion to the
        square root of its size.
    augment : bool
        Amplitude scaling, baseline wander, noise and small shifts.
    patience : int
        Early stopping: epochs without a better validation macro-F1.
    seed : int
    val_fraction : float
        Share of training-side records held out for validation. 0: no
        validation; the last epoch's weights are kept (a refit on all
        training records with an epoch count chosen by cross-validation).
    device : {'auto', 'cpu', 'cuda'}
    init_from : str, optional
        Bundle to start from (fine-tuning / transfer learning).
    freeze_backbone : bool
        With ``init_from``: train the last layer only.
    model_params : dict
        Architecture hyper-parameters.
    records : tuple of str, optional
        Use only these records of the split (quick runs).
    epoch_beats : int, optional
        Cap on training beats per epoch: each epoch trains on a seeded
        random subset of this size (an equal budget for slow models).
    fold, n_folds : int
        ``patient-kfold`` only.
    median_channels : bool
        Feed the model, besides each lead, the beat minus the record's median
        beat (see :class:`arrhythmia.datasets.BeatConfig`).
    lr_schedule : {'constant', 'cosine'}
        ``cosine``: the learning rate falls from ``lr`` to 0 along a half
        cosine over all steps of ``epochs`` (set per step from the step index
        alone, so resuming stays exact). The last epochs take small steps, so
        the weights a fixed epoch budget ends with do not depend on where the
        last large step happened to land.
    """

    model: str | None = None
    split: str = "inter-patient"
    epochs: int = 30
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 1e-4
    imbalance: str = "weights"
    augment: bool = True
    patience: int = 6
    seed: int = 0
    val_fraction: float = 0.2
    device: str = "auto"
    init_from: str | None = None
    freeze_backbone: bool = False
    model_params: dict = field(default_factory=dict)
    records: tuple | None = None
    epoch_beats: int | None = None
    fold: int = 0
    n_folds: int = 5
    median_channels: bool = False
    lr_schedule: str = "constant"
    members: int = 1
    rr_features: str = "base"

    def __post_init__(self):
        from ..models.registry import MODEL_NAMES

        if self.model is not None:
            check_option("model", self.model, MODEL_NAMES)
        check_option("imbalance", self.imbalance, IMBALANCE)
        check_option("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        check_option("rr_features", self.rr_features, tuple(RR_SETS))
        check_option("device", self.device, ("auto", "cpu", "cuda"))
        for name in ("epochs", "batch_size", "patience", "members"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ArrhythmiaError(f"Invalid value for {name!r}: allowed a positive integer; got {v!r}.")
        if not self.lr > 0:
            raise ArrhythmiaError(f"Invalid value for 'lr': allowed a positive number; got {self.lr!r}.")
        if self.freeze_backbone and not self.init_from:
            raise ArrhythmiaError("Invalid value for 'freeze_backbone': needs --init-from BUNDLE.")
        if self.model == "ensemble":
            raise ArrhythmiaError("Invalid value for 'model': allowed a single architecture, whose copies "
                                  "--members N trains into an ensemble; got 'ensemble'.")
        if self.members > 1 and self.init_from:
            raise ArrhythmiaError("Invalid value for 'members': allowed 1 with --init-from BUNDLE; "
                                  f"got {self.members}.")

    def member(self, m: int) -> "TrainConfig":
        """The settings member ``m`` of an ensemble is trained with (seed ``seed + m``)."""
        return dataclasses.replace(self, seed=self.seed + m, members=1)

    def fingerprint(self) -> str:
        """What must not change between a run and its resumption."""
        d = dataclasses.asdict(self)
        for k in ("device", "patience") if self.lr_schedule == "cosine" else ("epochs", "device", "patience"):
            d.pop(k)  # with a cosine schedule the epoch count shapes every step's learning rate
        if d["members"] == 1:
            d.pop("members")  # a single model's fingerprint is what it was before ensembles existed
        if d["rr_features"] == "base":
            d.pop("rr_features")  # likewise before the feature set was a setting
        return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass
class FitResult:
    """What :func:`fit` returns."""

    history: list
    best_epoch: int
    report: ClassificationReport
    epochs_run: int


def _epoch_seed(seed: int, epoch: int) -> int:
    return (seed * 1_000_003 + epoch * 7919) % (2**31 - 1)


def _save_checkpoint(path: Path, payload: dict) -> None:
    import torch

    buf = io.BytesIO()
    torch.save(payload, buf)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)


def _load_checkpoint(path: Path) -> dict:
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ArrhythmiaError(f"{path}: unreadable checkpoint ({type(exc).__name__})") from None


def _validate(model, x, rr, y, device, batch_size=2048):
    import torch
    from torch.nn import functional as F

    from ..inference.predict import predict_proba

    p = predict_proba(model, x, rr, batch_size=batch_size, device=device)
    loss = float(F.nll_loss(torch.log(torch.from_numpy(p).clamp_min(1e-12)), torch.from_numpy(y)).item())
    rep = ClassificationReport.from_cm(confusion_matrix(y, p.argmax(1)))
    return loss, rep


def fit(model, train, val, cfg: TrainConfig, out_dir, resume: bool = False,
        callbacks: tuple[Callable[[int, dict], None], ...] = (), progress: bool = True,
        verbose: bool = True) -> FitResult:
    """Train ``model`` on BeatSet ``train``, select on BeatSet ``val``.

    Parameters
    ----------
    model : BeatModel
    train, val : BeatSet
        Training beats and validation beats (whole held-out records).
    cfg : TrainConfig
    out_dir : str or Path
        Receives ``checkpoint.pt`` (every epoch) and ``tensorboard/``.
    resume : bool
        Continue from ``out_dir/checkpoint.pt``.
    callbacks : sequence of callable(epoch, logs)
        Called after each epoch's checkpoint is written.
    progress : bool
        Progress bars (loss, validation metrics, ETA).
    verbose : bool
        Print one line of validation metrics per epoch.

    Returns
    -------
    FitResult
        The model holds the best epoch's weights on return.
    """
    import torch
    from torch import nn
    from tqdm.auto import tqdm

    from ..features.rr import RR_FEATURES, select_rr
    from ..inference.predict import clean_rr, resolve_device
    from . import augment as aug
    from .imbalance import balanced_order, smote
    from .losses import FocalLoss, class_weights

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    device = resolve_device(cfg.device)
    torch.manual_seed(cfg.seed)

    if len(train) == 0:
        raise ArrhythmiaError("the training set holds no beats")
    has_val = len(val) > 0
    # RR standardisation learned on the training beats only
    names = model.rr_features or RR_FEATURES  # a model without RR features carries them unused (SMOTE)
    rr_train = select_rr(train.rr, names)
    if model.uses_rr:
        model.set_rr_normalization(np.nanmean(rr_train, axis=0), np.nanstd(rr_train, axis=0))
    fill = model.rr_mean.numpy() if model.uses_rr else None
    x_tr, rr_tr, y_tr = train.x, clean_rr(rr_train, fill), train.y
    x_va, rr_va, y_va = ((val.x, clean_rr(select_rr(val.rr, names), fill), val.y)
                         if has_val else (None, None, None))
    if cfg.imbalance == "smote":
        x_tr, rr_tr, y_tr = smote(x_tr, rr_tr, y_tr, cfg.seed)

    n_classes = model.n_classes
    weights = torch.from_numpy(class_weights(y_tr, n_classes))
    if cfg.imbalance == "weights":
        loss_fn = nn.CrossEntropyLoss(weight=weights.to(device))
    elif cfg.imbalance == "focal":
        loss_fn = FocalLoss(gamma=2.0).to(device)
    else:
        loss_fn = nn.CrossEntropyLoss()

    model.to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)

    start, history, best = 0, [], {"score": -1.0, "epoch": -1, "state": None, "bad": 0}
    ckpt_path = out / CHECKPOINT
    if resume:
        if not ckpt_path.is_file():
            raise ArrhythmiaError(f"{ckpt_path}: nothing to resume (no checkpoint)")
        ck = _load_checkpoint(ckpt_path)
        if ck["fingerprint"] != cfg.fingerprint():
            raise ArrhythmiaError(f"{ckpt_path}: checkpoint was written with other settings; resume with the same ones")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        start = int(ck["epoch"]) + 1
        history = json.loads(ck["history"])
        best = {"score": float(ck["best_score"]), "epoch": int(ck["best_epoch"]),
                "state": ck["best_state"], "bad": int(ck["bad_epochs"])}

    writer = None
    try:
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(log_dir=str(out / "tensorboard"), purge_step=start)
    except ImportError:  # tensorboard is in the 'train' extra; training still works without it
        pass

    n = len(y_tr)
    steps = (min(n, cfg.epoch_beats or n) + cfg.batch_size - 1) // cfg.batch_size
    epochs_bar = tqdm(range(start, cfg.epochs), desc="train", unit="epoch", disable=not progress,
                      initial=start, total=cfg.epochs)
    stopped = best["bad"] >= cfg.patience
    for epoch in epochs_bar:
        if stopped:
            break
        es = _epoch_seed(cfg.seed, epoch)
        torch.manual_seed(es)
        gen = torch.Generator().manual_seed(es + 1)
        rng = np.random.default_rng(es)
        if cfg.imbalance in ("sampler", "sqrt-sampler"):
            order = balanced_order(y_tr, rng, power=1.0 if cfg.imbalance == "sampler" else 0.5)
        else:
            order = rng.permutation(n)
        if cfg.epoch_beats:
            order = order[: cfg.epoch_beats]
        model.train()
        total, seen = 0.0, 0
        bar = tqdm(range(steps), desc=f"epoch {epoch + 1}", leave=False, disable=not progress, unit="batch")
        for b in bar:
            idx = np.sort(order[b * cfg.batch_size:(b + 1) * cfg.batch_size])
            xb = torch.from_numpy(x_tr[idx])
            if cfg.augment:
                xb = aug.augment(xb, gen, fs=model.fs)
            rb = torch.from_numpy(rr_tr[idx]).to(device) if model.uses_rr else None
            yb = torch.from_numpy(y_tr[idx]).to(device)
            if cfg.lr_schedule == "cosine":
                for g in opt.param_groups:
                    g["lr"] = cosine_lr(cfg.lr, epoch * steps + b, cfg.epochs * steps)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb.to(device), rb), yb)
            loss.backward()
            opt.step()
            total += float(loss.item()) * len(idx)
            seen += len(idx)
            bar.set_postfix(loss=f"{total / seen:.4f}")
        bar.close()
        if has_val:
            val_loss, rep = _validate(model, x_va, rr_va, y_va, device)
            h = rep.headline()
            logs = {"epoch": epoch + 1, "train_loss": total / seen, "val_loss": val_loss,
                    **{f"val_{k}": v for k, v in h.items()},
                    **{f"val_{c}_f1": rep.per_class[c]["f1"] for c in ("N", "S", "V", "F")}}
            score = -1.0 if np.isnan(rep.macro_f1) else rep.macro_f1
        else:  # no validation: the latest epoch is the one kept
            val_loss, h = float("nan"), {k: float("nan") for k in ("macro_f1", "S_se", "S_ppv", "V_se", "V_ppv")}
            logs = {"epoch": epoch + 1, "train_loss": total / seen}
            score = float(epoch)
        history.append(logs)
        if score > best["score"]:
            best = {"score": score, "epoch": epoch, "bad": 0,
                    "state": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}}
        else:
            best["bad"] += 1
        if writer is not None:
            for k, v in logs.items():
                if k != "epoch" and v is not None and not (isinstance(v, float) and np.isnan(v)):
                    writer.add_scalar(k.replace("val_", "val/").replace("train_", "train/"), v, epoch + 1)
            writer.flush()
        _save_checkpoint(ckpt_path, {
            "model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch,
            "best_score": best["score"], "best_epoch": best["epoch"], "best_state": best["state"],
            "bad_epochs": best["bad"], "history": json.dumps(history, default=float),
            "fingerprint": cfg.fingerprint(),
        })
        fmt = lambda v: "n/a" if v is None or np.isnan(v) else f"{100 * v:.1f}"  # noqa: E731
        epochs_bar.set_postfix(loss=f"{logs['train_loss']:.3f}", val_f1=fmt(h["macro_f1"]))
        if verbose and not has_val:
            tqdm.write(f"epoch {epoch + 1:3d}  loss {logs['train_loss']:.4f}")
        elif verbose:
            tqdm.write(f"epoch {epoch + 1:3d}  loss {logs['train_loss']:.4f}  val loss {val_loss:.4f}  "
                       f"macro-F1 {fmt(h['macro_f1'])}  S Se/+P {fmt(h['S_se'])}/{fmt(h['S_ppv'])}  "
                       f"V Se/+P {fmt(h['V_se'])}/{fmt(h['V_ppv'])}")
        for cb in callbacks:
            cb(epoch, logs)
        if best["bad"] >= cfg.patience:
            stopped = True
    epochs_bar.close()
    if writer is not None:
        writer.close()
    if best["state"] is not None:
        model.load_state_dict(best["state"])
    model.to("cpu")
    if has_val:
        _, rep = _validate(model, x_va, rr_va, y_va, "cpu")
    else:
        rep = ClassificationReport.from_cm(np.zeros((model.n_classes, model.n_classes), np.int64))
    return FitResult(history=history, best_epoch=best["epoch"] + 1, report=rep, epochs_run=len(history))


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
    from ..datasets.beats import BeatConfig
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


def train(cfg: TrainConfig, data_dir, out_dir, resume: bool = False, progress: bool = True,
          callbacks=(), verbose: bool = True, force: bool = False) -> tuple[Path, FitResult]:
    """``arrhythmia train``: load beats, split, fit, write a bundle to ``out_dir``.

    ``out_dir`` must be new or empty; an earlier output of this tool there is
    continued with ``resume`` or replaced (its files only, a stale
    ``model.onnx`` included) with ``force``. Training into the bundle it
    starts from (``init_from``) is refused.

    Returns
    -------
    (Path, FitResult)
    """
    from ..io.output import working_folder

    with working_folder(out_dir, "train", inputs=[cfg.init_from, data_dir], force=force, resume=resume):
        return _train(cfg, data_dir, out_dir, resume, progress, callbacks, verbose)


def _train(cfg, data_dir, out_dir, resume, progress, callbacks, verbose):
    from ..bundle import load_bundle, read_bundle_config, save_bundle
    from ..datasets import load_beats, make_split, split_records
    from ..datasets.beats import BeatConfig
    if cfg.init_from:
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
    else:
        model, beat_cfg = new_model(cfg)
    records = split_records(cfg.split)
    if cfg.records is not None:
        records = tuple(r for r in records if r in set(cfg.records))
    beats = load_beats(records, data_dir, beat_cfg, progress=progress)
    sp = make_split(beats, cfg.split, seed=cfg.seed, val_fraction=cfg.val_fraction, records=cfg.records,
                    fold=cfg.fold, n_folds=cfg.n_folds)
    if sp.leaks_patients and verbose:
        print(f"warning: split {sp.label()}")
    train_set, val_set = beats.subset(sp.train), beats.subset(sp.val)
    if cfg.members == 1:
        result = fit(model, train_set, val_set, cfg, out_dir, resume=resume, callbacks=callbacks,
                     progress=progress, verbose=verbose)
    else:
        model, result = _fit_members(model, train_set, val_set, cfg, out_dir, resume, callbacks, progress, verbose)
    training = {
        **dataclasses.asdict(cfg),
        "split_label": sp.label(), "leaks_patients": sp.leaks_patients,
        "train_records": list(sp.train_records), "val_records": list(sp.val_records),
        "test_records": list(sp.test_records), "n_train_beats": int(len(sp.train)),
        "n_val_beats": int(len(sp.val)), "best_epoch": result.best_epoch, "epochs_run": result.epochs_run,
        "notes": sorted(set(beats.notes)),
    }
    save_bundle(model, out_dir, beats=beat_cfg.to_dict(), training=training,
                validation=result.report.to_dict(), history=result.history)
    return Path(out_dir), result
