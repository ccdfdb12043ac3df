"""Fitting the second stage (:class:`arrhythmia.pipeline.stack.StackModel`) on held-out patients' predictions.

The second stage must learn how the network errs on patients it has not seen,
so it is fitted on out-of-fold predictions (every beat predicted by a network
that never saw its patient: :func:`arrhythmia.experiments.pool_cv.out_of_fold`),
never on the network's predictions of its own training beats.
"""

from __future__ import annotations

import numpy as np

from ..errors import ArrhythmiaError
from ..pipeline.stack import STACK_FEATURES, StackModel

STACK_HIDDEN = 32
STACK_EPOCHS = 8
STACK_BATCH = 512
STACK_LR = 3e-3
CLASS_POWER = 0.5
"""Class weights of the loss ``(n / n_c) ** CLASS_POWER``: 0 plain likelihood (favours +P), 1 balanced (favours Se)."""


def class_weights(y: np.ndarray, k: int = 5, power: float = CLASS_POWER) -> np.ndarray:
    """Loss weight of each class, ``(n / n_c) ** power`` scaled to a mean of 1 over the beats; 0 for absent classes."""
    counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=k).astype(np.float64)
    w = np.where(counts > 0, (counts.sum() / np.maximum(counts, 1.0)) ** power, 0.0)
    return w / (w[np.asarray(y, dtype=np.int64)].mean())


def fit_stack(feats: np.ndarray, y: np.ndarray, seed: int = 0, hidden: int = STACK_HIDDEN,
              epochs: int = STACK_EPOCHS, power: float = CLASS_POWER, threads: int = 2) -> StackModel:
    """Fit a :class:`StackModel` (Adam, weighted cross-entropy, seeded).

    Parameters
    ----------
    feats : ndarray, shape (n, len(STACK_FEATURES))
        :func:`arrhythmia.pipeline.stack.stack_features` of held-out patients' beats.
    y : ndarray of int, shape (n,)
        Their reference classes.
    seed : int
        Seeds the initial weights and the batches.
    hidden : int
        Units in each of the two hidden layers.
    epochs : int
    power : float
        See :data:`CLASS_POWER`.
    threads : int
        torch CPU threads (the weights depend on it).

    Returns
    -------
    StackModel
    """
    import torch

    x = np.asarray(feats, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    if x.ndim != 2 or x.shape[1] != len(STACK_FEATURES) or len(x) != len(y) or len(y) == 0:
        raise ArrhythmiaError(f"Invalid value for 'feats': expected shape (n_beats, {len(STACK_FEATURES)}) with one "
                              f"label per beat; got {x.shape} and {y.shape}.")
    mean = x.mean(0)
    scale = np.where(x.std(0) > 1e-9, x.std(0), 1.0)
    saved_threads = torch.get_num_threads()
    torch.set_num_threads(threads)  # and back after: a library call leaves the caller's thread count alone
    try:
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed + 1)
        net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, hidden),
                                  torch.nn.ReLU(), torch.nn.Linear(hidden, 5)).double()
        xt = torch.from_numpy((x - mean) / scale)
        yt = torch.from_numpy(y)
        loss_fn = torch.nn.CrossEntropyLoss(weight=torch.from_numpy(class_weights(y, power=power)))
        opt = torch.optim.Adam(net.parameters(), lr=STACK_LR, weight_decay=1e-4)
        steps = epochs * ((len(y) + STACK_BATCH - 1) // STACK_BATCH)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        for _ in range(epochs):
            order = torch.randperm(len(y), generator=gen)
            for i in range(0, len(y), STACK_BATCH):
                b = order[i:i + STACK_BATCH]
                opt.zero_grad()
                loss_fn(net(xt[b]), yt[b]).backward()
                opt.step()
                sched.step()
    finally:
        torch.set_num_threads(saved_threads)
    layers = [m for m in net if isinstance(m, torch.nn.Linear)]
    weights = []
    for m in layers:
        weights += [m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()]
    return StackModel(mean, scale, tuple(weights))
