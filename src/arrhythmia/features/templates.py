"""Beat templates: a recording's beats grouped by shape.

Holter review works on templates: families of beats of one shape, each
reviewed (and relabelled) as a whole. This is a plain, seeded k-means on the
beat windows (every lead, each minus its median), started with k-means++ on a
seeded subsample and fitted on at most 20,000 beats drawn with the same seed,
followed by merging groups whose mean shapes correlate
above ``merge_corr`` and whose sizes (norms) are within 25 % of each other.
Pure NumPy; about a second for 100,000 beats on one core (``docs/benchmarks.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ArrhythmiaError


@dataclass(frozen=True)
class Templates:
    """Groups of beats of one shape.

    Attributes
    ----------
    group : ndarray of int64, shape (n_beats,)
        Group of each beat; group 0 is the largest, then by size.
    centroid : ndarray of float32, shape (n_groups, n_features)
        Mean shape of each group.
    """

    group: np.ndarray
    centroid: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        return np.bincount(self.group, minlength=len(self.centroid))


def _sq_dist(x: np.ndarray, c: np.ndarray, xx: np.ndarray | None = None) -> np.ndarray:
    xx = (x * x).sum(1) if xx is None else xx
    return np.maximum(xx[:, None] - 2.0 * (x @ c.T) + (c * c).sum(1)[None, :], 0.0)


def _kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [x[rng.integers(len(x))]]
    d = _sq_dist(x, centres[0][None])[:, 0]
    for _ in range(1, k):
        total = d.sum()
        if total <= 0:
            break
        centres.append(x[rng.choice(len(x), p=d / total)])
        d = np.minimum(d, _sq_dist(x, centres[-1][None])[:, 0])
    return np.stack(centres)


def _assign(x: np.ndarray, c: np.ndarray, xx: np.ndarray, chunk: int = 20_000) -> np.ndarray:
    c = c.astype(x.dtype)
    return np.concatenate([_sq_dist(x[i:i + chunk], c, xx[i:i + chunk]).argmin(1) for i in range(0, len(x), chunk)])


def _means(xt: np.ndarray, g: np.ndarray, k: int, old: np.ndarray) -> np.ndarray:
    """Mean of each group's rows, from the features as rows ``xt``; a group left empty keeps its old centre."""
    n = np.bincount(g, minlength=k)
    s = np.stack([np.bincount(g, weights=f, minlength=k) for f in xt], axis=1)
    out = old.astype(np.float64).copy()
    out[n > 0] = s[n > 0] / n[n > 0, None]
    return out


def _merge(c: np.ndarray, counts: np.ndarray, merge_corr: float) -> np.ndarray:
    """A map old group -> merged group: join the most correlated pair of similar size until none is left."""
    k = len(c)
    target = np.arange(k)
    cc = c - c.mean(1, keepdims=True)
    norm = np.linalg.norm(cc, axis=1) + 1e-12
    corr = (cc @ cc.T) / np.outer(norm, norm)
    size = np.linalg.norm(c, axis=1) + 1e-12
    ratio = np.minimum.outer(size, size) / np.maximum.outer(size, size)
    ok = (corr >= merge_corr) & (ratio >= 0.8)
    np.fill_diagonal(ok, False)
    ok &= (counts[:, None] > 0) & (counts[None, :] > 0)
    score = np.where(ok, corr, -np.inf)
    while np.isfinite(score).any():
        i, j = np.unravel_index(np.argmax(score), score.shape)
        big, small = (i, j) if counts[i] >= counts[j] else (j, i)
        target[target == small] = big  # everything that pointed at `small` now points at `big`
        counts[big] += counts[small]
        counts[small] = 0
        score[small, :] = score[:, small] = -np.inf
    return target


def cluster_shapes(x, k_max: int = 24, min_per_group: int = 50, seed: int = 0, n_iter: int = 30,
                   merge_corr: float = 0.97, n_init_sample: int = 5000, tol: float = 1e-3,
                   n_fit: int = 20_000) -> Templates:
    """Group beat shapes.

    Parameters
    ----------
    x : array_like, shape (n_beats, n_features)
        One row per beat (e.g. the leads' windows, concatenated, in mV).
    k_max : int
        Most groups before merging.
    min_per_group : int
        k = min(k_max, n_beats // min_per_group), at least 1.
    seed : int
    n_iter : int
        Lloyd iterations at most.
    tol : float
        Stop once an iteration moves no more than this share of the beats.
    n_fit : int
        The groups are fitted on a seeded sample of this many beats, then
        every beat joins its nearest group.
    merge_corr : float
        Groups whose mean shapes correlate at least this much (and whose
        norms are within 25 %) are merged.
    n_init_sample : int
        Beats drawn (seeded) for the k-means++ start.

    Returns
    -------
    Templates
        Groups numbered by size, largest first.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or len(x) == 0:
        raise ArrhythmiaError(f"Invalid beat matrix: expected shape (n_beats, n_features) with n_beats >= 1; got {x.shape}.")
    rng = np.random.default_rng(seed)
    k = int(max(1, min(k_max, len(x) // max(1, min_per_group))))
    fit = x[np.sort(rng.choice(len(x), size=n_fit, replace=False))] if len(x) > n_fit else x
    c = _kmeans_pp(fit[rng.choice(len(fit), size=min(len(fit), n_init_sample), replace=False)].astype(np.float64),
                   k, rng)
    k = len(c)
    xx, xt = (fit * fit).sum(1), np.ascontiguousarray(fit.T)
    g = _assign(fit, c, xx)
    for _ in range(n_iter):
        c = _means(xt, g, k, c)
        g_new = _assign(fit, c, xx)
        moved = np.count_nonzero(g_new != g)
        g = g_new
        if moved <= tol * len(fit):
            break
    c = _means(xt, g, k, c)
    g = _assign(x, c, (x * x).sum(1)) if fit is not x else g
    counts = np.bincount(g, minlength=k)
    target = _merge(c, counts.copy(), merge_corr)
    g = target[g]
    used, g = np.unique(g, return_inverse=True)
    counts = np.bincount(g)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    g = rank[g].astype(np.int64)
    xt_all = np.ascontiguousarray(x.T)
    return Templates(g, _means(xt_all, g, len(order), np.zeros((len(order), x.shape[1]))).astype(np.float32))
