"""The base every model derives from: it owns the input metadata.

A model knows the window length, sampling rate, leads and classes it was
built for, checks every batch against them, and writes/reads them as a plain
dict (:meth:`BeatModel.config`).
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from ..errors import ArrhythmiaError
from ..features.rr import RR_SETS, select_rr_names
from ..labels import AAMI_CLASSES
from ..preprocessing.windows import get_window


class BeatModel(nn.Module):
    """Base class of beat classifiers.

    Subclasses set the class attributes, build their layers in ``__init__``
    (after calling ``super().__init__``), implement :meth:`features` (the
    penultimate representation, used for t-SNE) and put the last layer in
    ``self.head``.

    Parameters
    ----------
    n_samples : int, optional
        Window length; defaults to the model's window preset.
    n_leads : int, optional
        Number of leads; defaults to ``len(default_leads)``.
    n_classes : int
        Output classes (5: N, S, V, F, Q).
    fs : float, optional
        Sampling rate the model expects; defaults to the preset's.
    rr_features : sequence of str, optional
        Names of the RR features read, from
        :data:`arrhythmia.features.RR_FEATURES` (default: the ``base`` set of
        :data:`arrhythmia.features.RR_SETS`). Ignored by models that use none.
    **params
        Architecture hyper-parameters (see each subclass).
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    default_window: ClassVar[str] = "300"
    default_leads: ClassVar[tuple[str, ...]] = ("MLII",)
    default_normalize: ClassVar[str] = "record"
    uses_rr: ClassVar[bool] = False

    def __init__(self, n_samples: int | None = None, n_leads: int | None = None, n_classes: int = len(AAMI_CLASSES),
                 fs: float | None = None, rr_features=None, **params):
        super().__init__()
        win = get_window(self.default_window)
        self.n_samples = int(n_samples or win.length)
        self.n_leads = int(n_leads or len(self.default_leads))
        self.n_classes = int(n_classes)
        self.fs = float(fs or win.fs)
        self.rr_features: tuple[str, ...] = (select_rr_names(rr_features or RR_SETS["base"]) if self.uses_rr
                                             else ())
        self.n_rr = len(self.rr_features)  # width of the ``rr`` input
        self.params = dict(params)
        # Standardisation of the RR features, learned on the training records
        # (set by the trainer; identity until then). Buffers travel with the weights.
        self.register_buffer("rr_mean", torch.zeros(max(self.n_rr, 1)))
        self.register_buffer("rr_std", torch.ones(max(self.n_rr, 1)))

    # -- to implement -------------------------------------------------------
    def features(self, x: torch.Tensor, rr: torch.Tensor | None = None) -> torch.Tensor:
        """Penultimate representation, shape (batch, n_features)."""
        raise NotImplementedError

    # -- shared -------------------------------------------------------------
    def forward(self, x: torch.Tensor, rr: torch.Tensor | None = None) -> torch.Tensor:
        """Class logits, shape (batch, n_classes).

        Parameters
        ----------
        x : Tensor, shape (batch, n_leads, n_samples)
        rr : Tensor, shape (batch, n_rr), optional
            RR features (raw, in seconds and ratios); required when ``uses_rr``.
        """
        self.check_input(x, rr)
        if self.uses_rr:
            rr = (rr - self.rr_mean) / self.rr_std
        return self.head(self.features(x, rr))

    def check_input(self, x, rr=None) -> None:
        """Raise a clear error when a batch does not match the model."""
        if x.dim() != 3 or x.shape[1] != self.n_leads or x.shape[2] != self.n_samples:
            raise ArrhythmiaError(
                f"Invalid value for 'x': model {self.name!r} expects (batch, {self.n_leads}, {self.n_samples}) "
                f"beats at {self.fs:g} Hz; got {tuple(x.shape)}."
            )
        if self.uses_rr and (rr is None or rr.dim() != 2 or rr.shape[1] != self.n_rr):
            got = None if rr is None else tuple(rr.shape)
            raise ArrhythmiaError(f"Invalid value for 'rr': model {self.name!r} expects (batch, {self.n_rr}); got {got}.")

    def set_rr_normalization(self, mean, std) -> None:
        """Store the training set's RR feature mean and std."""
        if not self.uses_rr:
            return
        self.rr_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.rr_std.copy_(torch.clamp(torch.as_tensor(std, dtype=torch.float32), min=1e-6))

    def backbone_parameters(self):
        """Everything but the head (frozen by ``--freeze-backbone``)."""
        head = {id(p) for p in self.head.parameters()}
        return [p for p in self.parameters() if id(p) not in head]

    def n_parameters(self) -> int:
        """Trainable parameter count."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def config(self) -> dict:
        """Plain description from which :func:`~arrhythmia.models.build_model` rebuilds the model."""
        return {
            "name": self.name,
            "n_samples": self.n_samples,
            "n_leads": self.n_leads,
            "n_classes": self.n_classes,
            "fs": self.fs,
            "uses_rr": self.uses_rr,
            "rr_features": list(self.rr_features),
            "params": dict(self.params),
        }

    @staticmethod
    def _flat_size(module: nn.Module, n_leads: int, n_samples: int) -> int:
        with torch.no_grad():
            return int(module(torch.zeros(1, n_leads, n_samples)).numel())
