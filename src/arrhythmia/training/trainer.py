"""The fit loop.

Reproducibility: every random choice of epoch ``e`` (batch order, dropout,
augmentation) is seeded from ``(seed, e)`` alone, and a checkpoint with the
model, optimiser and early-stopping state is written after every epoch, so
``resume=True`` continues an interrupted run and ends with exactly the
weights of an uninterrupted one.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import ArrhythmiaError
from ..evaluation.metrics import ClassificationReport, confusion_matrix
from .config import TrainConfig

CHECKPOINT = "checkpoint.pt"


def cosine_lr(lr: float, step: int, total: int) -> float:
    """Half-cosine decay: ``lr`` at step 0, falling to 0 at step ``total``."""
    import math

    return 0.5 * lr * (1.0 + math.cos(math.pi * min(step, total) / max(total, 1)))


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

    from ..models.predict import predict_proba

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
        Training beats and validation beats (whole held-out patients).
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

    Raises
    ------
    ArrhythmiaError
        No training beats, or a loss that is no longer finite (the learning
        rate is too high): training stops and nothing is kept.
    """
    import torch
    from tqdm.auto import tqdm

    from ..models.predict import resolve_device

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    device = resolve_device(cfg.device)
    torch.manual_seed(cfg.seed)
    if len(train) == 0:
        raise ArrhythmiaError("the training set holds no beats")
    data = _Data.prepare(model, train, val, cfg)
    loss_fn = _loss_function(cfg, data.y, model.n_classes, device)
    model.to(device)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=cfg.lr,
                           weight_decay=cfg.weight_decay)
    ckpt_path = out / CHECKPOINT
    state = _restore(ckpt_path, cfg, model, opt) if resume else _State()
    writer = _tensorboard(out, state.start)
    steps = (min(len(data.y), cfg.epoch_beats or len(data.y)) + cfg.batch_size - 1) // cfg.batch_size
    epochs_bar = tqdm(range(state.start, cfg.epochs), desc="train", unit="epoch", disable=not progress,
                      initial=state.start, total=cfg.epochs)
    stopped = state.bad >= cfg.patience
    for epoch in epochs_bar:
        if stopped:
            break
        train_loss = _train_epoch(model, opt, loss_fn, data, cfg, epoch, steps, device, progress)
        logs, score, h = _epoch_logs(model, data, epoch, train_loss, device)
        state.history.append(logs)
        state.update(score, epoch, model)
        _log_scalars(writer, logs, epoch)
        _save_checkpoint(ckpt_path, state.payload(model, opt, epoch, cfg))
        _report_epoch(epochs_bar, logs, h, data.has_val, verbose)
        for cb in callbacks:
            cb(epoch, logs)
        stopped = state.bad >= cfg.patience
    epochs_bar.close()
    if writer is not None:
        writer.close()
    if state.best_state is not None:
        model.load_state_dict(state.best_state)
    model.to("cpu")
    return FitResult(history=state.history, best_epoch=state.best_epoch + 1, report=_final_report(model, data),
                     epochs_run=len(state.history))


def _final_report(model, data) -> ClassificationReport:
    """The kept weights' validation report (an empty one without validation beats)."""
    if data.has_val:
        return _validate(model, data.x_val, data.rr_val, data.y_val, "cpu")[1]
    return ClassificationReport.from_cm(np.zeros((model.n_classes, model.n_classes), np.int64))


@dataclass
class _Data:
    """The training arrays after RR standardisation (learned on the training beats) and resampling."""

    x: np.ndarray
    rr: np.ndarray
    y: np.ndarray
    x_val: np.ndarray | None
    rr_val: np.ndarray | None
    y_val: np.ndarray | None

    @property
    def has_val(self) -> bool:
        return self.y_val is not None and len(self.y_val) > 0

    @classmethod
    def prepare(cls, model, train, val, cfg) -> "_Data":
        from ..features.rr import RR_FEATURES, select_rr
        from ..models.predict import clean_rr
        from .imbalance import smote

        names = model.rr_features or RR_FEATURES  # a model without RR features carries them unused (SMOTE)
        rr_train = select_rr(train.rr, names)
        if model.uses_rr:
            model.set_rr_normalization(np.nanmean(rr_train, axis=0), np.nanstd(rr_train, axis=0))
        fill = model.rr_mean.numpy() if model.uses_rr else None
        x_tr, rr_tr, y_tr = train.x, clean_rr(rr_train, fill), train.y
        if cfg.imbalance == "smote":
            x_tr, rr_tr, y_tr = smote(x_tr, rr_tr, y_tr, cfg.seed)
        if len(val) > 0:
            return cls(x_tr, rr_tr, y_tr, val.x, clean_rr(select_rr(val.rr, names), fill), val.y)
        return cls(x_tr, rr_tr, y_tr, None, None, None)


def _loss_function(cfg, y, n_classes: int, device):
    import torch
    from torch import nn

    from .losses import FocalLoss, class_weights

    weights = torch.from_numpy(class_weights(y, n_classes))
    if cfg.imbalance == "weights":
        return nn.CrossEntropyLoss(weight=weights.to(device))
    if cfg.imbalance == "focal":
        return FocalLoss(gamma=2.0).to(device)
    return nn.CrossEntropyLoss()


@dataclass
class _State:
    """What a checkpoint carries besides the weights: history and the best epoch so far."""

    start: int = 0
    history: list = field(default_factory=list)
    best_score: float = -1.0
    best_epoch: int = -1
    best_state: dict | None = None
    bad: int = 0

    def update(self, score: float, epoch: int, model) -> None:
        if score > self.best_score:
            self.best_score, self.best_epoch, self.bad = score, epoch, 0
            self.best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        else:
            self.bad += 1

    def payload(self, model, opt, epoch: int, cfg) -> dict:
        return {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch,
                "best_score": self.best_score, "best_epoch": self.best_epoch, "best_state": self.best_state,
                "bad_epochs": self.bad, "history": json.dumps(self.history, default=float),
                "fingerprint": cfg.fingerprint()}


def _restore(ckpt_path: Path, cfg, model, opt) -> _State:
    if not ckpt_path.is_file():
        raise ArrhythmiaError(f"{ckpt_path}: nothing to resume (no checkpoint)")
    ck = _load_checkpoint(ckpt_path)
    if ck["fingerprint"] != cfg.fingerprint():
        raise ArrhythmiaError(f"{ckpt_path}: checkpoint was written with other settings; resume with the same ones")
    model.load_state_dict(ck["model"])
    opt.load_state_dict(ck["optimizer"])
    return _State(start=int(ck["epoch"]) + 1, history=json.loads(ck["history"]), best_score=float(ck["best_score"]),
                  best_epoch=int(ck["best_epoch"]), best_state=ck["best_state"], bad=int(ck["bad_epochs"]))


def _tensorboard(out: Path, start: int):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is in the 'train' extra; training still works without it
        return None
    return SummaryWriter(log_dir=str(out / "tensorboard"), purge_step=start)


def _train_epoch(model, opt, loss_fn, data: _Data, cfg, epoch: int, steps: int, device, progress: bool) -> float:
    """One epoch; every random draw is seeded from ``(cfg.seed, epoch)`` alone. Returns the mean loss."""
    import torch
    from tqdm.auto import tqdm

    from . import augment as aug
    from .imbalance import balanced_order

    es = _epoch_seed(cfg.seed, epoch)
    torch.manual_seed(es)
    gen = torch.Generator().manual_seed(es + 1)
    rng = np.random.default_rng(es)
    n = len(data.y)
    if cfg.imbalance in ("sampler", "sqrt-sampler"):
        order = balanced_order(data.y, rng, power=1.0 if cfg.imbalance == "sampler" else 0.5)
    else:
        order = rng.permutation(n)
    if cfg.epoch_beats:
        order = order[: cfg.epoch_beats]
    model.train()
    total, seen = 0.0, 0
    bar = tqdm(range(steps), desc=f"epoch {epoch + 1}", leave=False, disable=not progress, unit="batch")
    for b in bar:
        idx = np.sort(order[b * cfg.batch_size:(b + 1) * cfg.batch_size])
        xb = torch.from_numpy(data.x[idx])
        if cfg.augment:
            xb = aug.augment(xb, gen, fs=model.fs)
        rb = torch.from_numpy(data.rr[idx]).to(device) if model.uses_rr else None
        yb = torch.from_numpy(data.y[idx]).to(device)
        if cfg.lr_schedule == "cosine":
            for g in opt.param_groups:
                g["lr"] = cosine_lr(cfg.lr, epoch * steps + b, cfg.epochs * steps)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb.to(device), rb), yb)
        if not torch.isfinite(loss):
            raise ArrhythmiaError(f"the training loss is not finite at epoch {epoch + 1} (step {b + 1}): "
                                  f"lr {cfg.lr:g} is too high for this model; nothing was kept")
        loss.backward()
        opt.step()
        total += float(loss.item()) * len(idx)
        seen += len(idx)
        bar.set_postfix(loss=f"{total / seen:.4f}")
    bar.close()
    return total / seen


def _epoch_logs(model, data: _Data, epoch: int, train_loss: float, device) -> tuple[dict, float, dict]:
    """The epoch's log line, its selection score (validation macro-F1; the epoch itself without validation)."""
    if data.has_val:
        val_loss, rep = _validate(model, data.x_val, data.rr_val, data.y_val, device)
        h = rep.headline()
        logs = {"epoch": epoch + 1, "train_loss": train_loss, "val_loss": val_loss,
                **{f"val_{k}": v for k, v in h.items()},
                **{f"val_{c}_f1": rep.per_class[c]["f1"] for c in ("N", "S", "V", "F")}}
        return logs, -1.0 if np.isnan(rep.macro_f1) else rep.macro_f1, h
    h = {k: float("nan") for k in ("macro_f1", "S_se", "S_ppv", "V_se", "V_ppv")}
    return {"epoch": epoch + 1, "train_loss": train_loss}, float(epoch), h


def _log_scalars(writer, logs: dict, epoch: int) -> None:
    if writer is None:
        return
    for k, v in logs.items():
        if k != "epoch" and v is not None and not (isinstance(v, float) and np.isnan(v)):
            writer.add_scalar(k.replace("val_", "val/").replace("train_", "train/"), v, epoch + 1)
    writer.flush()


def _report_epoch(bar, logs: dict, h: dict, has_val: bool, verbose: bool) -> None:
    from tqdm.auto import tqdm

    from ..reports import format_pct

    def fmt(v):
        return format_pct(v, 1)

    bar.set_postfix(loss=f"{logs['train_loss']:.3f}", val_f1=fmt(h["macro_f1"]))
    if verbose and not has_val:
        tqdm.write(f"epoch {logs['epoch']:3d}  loss {logs['train_loss']:.4f}")
    elif verbose:
        tqdm.write(f"epoch {logs['epoch']:3d}  loss {logs['train_loss']:.4f}  val loss {logs['val_loss']:.4f}  "
                   f"macro-F1 {fmt(h['macro_f1'])}  S Se/+P {fmt(h['S_se'])}/{fmt(h['S_ppv'])}  "
                   f"V Se/+P {fmt(h['V_se'])}/{fmt(h['V_ppv'])}")
