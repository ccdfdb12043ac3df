"""Losses and class weights."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

MAX_WEIGHT = 50.0


def class_weights(y, n_classes: int, max_weight: float = MAX_WEIGHT) -> np.ndarray:
    """Inverse-frequency weights, relative to the most frequent class, capped.

    ``w_c = n_max / n_c`` clipped to ``[1, max_weight]``; absent classes get
    ``max_weight``. The cap keeps 8 training Q beats from dominating the loss
    (uncapped they would weigh ~5,700 times an N beat).
    """
    counts = np.bincount(np.asarray(y), minlength=n_classes).astype(np.float64)
    w = np.where(counts > 0, counts.max() / np.maximum(counts, 1), max_weight)
    return np.clip(w, 1.0, max_weight).astype(np.float32)


class FocalLoss(nn.Module):
    """Focal loss (Lin et al. 2017): ``-(1 - p_t)^gamma log p_t``, optionally class-weighted."""

    def __init__(self, gamma: float = 2.0, weight: torch.Tensor | None = None):
        super().__init__()
        self.gamma = gamma
        self.register_buffer("weight", weight if weight is not None else None)

    def forward(self, logits, target):
        logp = F.log_softmax(logits, dim=1).gather(1, target[:, None]).squeeze(1)
        loss = -((1 - logp.exp()) ** self.gamma) * logp
        if self.weight is not None:
            w = self.weight[target]
            return (loss * w).sum() / w.sum()
        return loss.mean()
