"""Class-imbalance strategies. Every one touches the training beats only."""

from __future__ import annotations

import numpy as np

IMBALANCE = ("weights", "smote", "sampler", "sqrt-sampler", "focal", "none")


def smote(x: np.ndarray, rr: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Oversample the minority classes of the *training* beats with SMOTE.

    Beats and their RR features are joined into one vector, resampled with
    :class:`imblearn.over_sampling.SMOTE` (every class up to the majority's
    count; ``k_neighbors`` shrunk for tiny classes; classes with a single
    beat are left as they are), and split back.

    Returns
    -------
    x, rr, y : the original beats followed by the synthetic ones.
    """
    from imblearn.over_sampling import SMOTE

    counts = np.bincount(y)
    present = [c for c in range(counts.size) if counts[c] >= 2]
    target = {c: int(counts.max()) for c in present}
    k = int(min(5, min(counts[c] for c in present) - 1))
    flat = np.concatenate([x.reshape(len(x), -1), rr], axis=1)
    sm = SMOTE(sampling_strategy=target, k_neighbors=k, random_state=seed)
    fx, fy = sm.fit_resample(flat, y)
    nx = x[0].size
    return (fx[:, :nx].reshape((-1,) + x.shape[1:]).astype(np.float32),
            fx[:, nx:].astype(np.float32), fy.astype(np.int64))


def balanced_order(y: np.ndarray, rng: np.random.Generator, power: float = 1.0) -> np.ndarray:
    """Indices drawn with replacement, one epoch's worth, each beat with probability ∝ ``count[class] ** -power``.

    ``power=1`` makes every class equally likely (a class of 8 beats is drawn
    as often as one of 45,000); ``power=0.5`` (``sqrt-sampler``) gives a class
    a share proportional to the square root of its size, so rare classes are
    boosted without seeing their few beats thousands of times each.
    """
    counts = np.bincount(y)
    # 1 / count for power 1 exactly as before sqrt-sampler existed, so earlier sampler runs reproduce bit for bit
    p = (1.0 / counts[y]) if power == 1.0 else counts[y].astype(np.float64) ** -float(power)
    p /= p.sum()
    return rng.choice(len(y), size=len(y), replace=True, p=p)
