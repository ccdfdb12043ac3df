"""The settings of one training run: :class:`TrainConfig`, recorded whole in every bundle."""

from __future__ import annotations

import dataclasses
import math
import hashlib
import json
from dataclasses import dataclass, field

from ..errors import ArrhythmiaError, check_option
from ..features.rr import RR_SETS
from .imbalance import IMBALANCE

LR_SCHEDULES = ("constant", "cosine")


SHIPPED_RECIPE = dict(model="morph_rr", imbalance="sampler", median_channels=True, lr_schedule="cosine", epochs=8,
                      rr_features="context", val_fraction=0.0, epoch_beats=50_000, patience=10**6, members=3)
"""The recipe of the shipped default model (chosen by scripts/select_default_model.py; a test checks the shipped
bundle was trained with it): ``arrhythmia train``'s defaults. Its pool is :data:`SHIPPED_POOL`."""
SHIPPED_POOL = ("mitdb:DS1", "svdb:all")


def recipe_settings(**given) -> dict:
    """:data:`SHIPPED_RECIPE` with every given setting that is not None over it.

    ``val_fraction`` without ``patience``: early stopping after 6 epochs without a better validation score;
    ``epoch_beats=0``: every training beat once an epoch; ``init_from`` (fine-tuning a bundle) without ``model``:
    the base bundle's model, and without ``members``: one network.
    """
    kw = {k: (SHIPPED_RECIPE[k] if given.get(k) is None else given[k]) for k in SHIPPED_RECIPE}
    kw.update({k: v for k, v in given.items() if k not in SHIPPED_RECIPE})
    if given.get("val_fraction") and given.get("patience") is None:
        kw["patience"] = 6
    if given.get("init_from"):
        if given.get("model") is None:
            kw["model"] = None  # the base bundle's
        if given.get("members") is None:
            kw["members"] = 1
    if kw["epoch_beats"] == 0:
        kw["epoch_beats"] = None
    return kw


def shipped_pool(roots) -> tuple[tuple[str, ...], str | None]:
    """The shipped model's training pool where its databases are found, else DS1 alone, with a note saying so."""
    looked = roots.candidates("svdb")
    if any(c.is_dir() and any(c.glob("*.hea")) for c in looked):
        return SHIPPED_POOL, None
    return ("mitdb:DS1",), (f"svdb not found (looked in {', '.join(map(str, looked))}): training on mitdb:DS1 alone "
                            "(the shipped model also trains on svdb's 39 records: 'arrhythmia data fetch --database "
                            "svdb')")


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
    train : tuple of str, optional
        The training pool as record specs (``('mitdb:DS1', 'svdb:all')``, see
        :mod:`arrhythmia.datasets.references`); default: the split's (DS1).
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
    train: tuple | None = None

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
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ArrhythmiaError(f"Invalid value for 'lr': allowed a finite positive number; got {self.lr!r}.")
        vf = self.val_fraction
        if vf is not None and not (isinstance(vf, (int, float)) and math.isfinite(vf) and 0 <= vf < 1):
            raise ArrhythmiaError(f"Invalid value for 'val_fraction': allowed 0 to 1 (excluded); got {vf!r}.")
        if self.freeze_backbone and not self.init_from:
            raise ArrhythmiaError("Invalid value for 'freeze_backbone': needs --init-from BUNDLE.")
        if self.model == "ensemble":
            raise ArrhythmiaError("Invalid value for 'model': allowed a single architecture, whose copies "
                                  "--members N trains into an ensemble; got 'ensemble'.")
        if isinstance(self.train, str):
            object.__setattr__(self, "train", (self.train,))
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
        if d["train"] is None:
            d.pop("train")  # likewise before the training pool was a setting
        return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def to_dict(self) -> dict:
        """Plain JSON-able settings (what a bundle's ``training`` section starts with)."""
        d = dataclasses.asdict(self)
        for k in ("records", "train"):
            if d[k] is not None:
                d[k] = list(d[k])
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """The settings of a bundle's ``training`` section (or :meth:`to_dict`); other keys are ignored,
        so every bundle written since the first version reads back."""
        names = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        for k in ("records", "train"):
            if kw.get(k) is not None:
                kw[k] = tuple(kw[k])
        kw["model_params"] = dict(kw.get("model_params") or {})
        return cls(**kw)
