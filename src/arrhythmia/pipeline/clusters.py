"""Label-free adaptation by clustering one recording's beats (pure NumPy).

The network judges each beat alone; a recording's beats of one kind, though,
look alike and arrive alike. :func:`cluster_smooth` groups a recording's
beats by their shape (the first lead's window, in the recording's own
principal components) and their timing (prematurity against the local and
the sinus rhythm), then moves each beat's probabilities towards its
cluster's mean: a beat the network is unsure about takes the class of the
beats it resembles. This is the unsupervised half of the cluster-then-label
approach (ecg-kit's a2hbc; Teijeiro et al. 2018 interpret a recording's
beats together as well): the clusters are labelled by the network's own
probabilities, never by a reference annotation.

A recording processed in chunks has the same windows as a whole run to within
float rounding; a beat exactly on a cluster boundary could in principle land
in another cluster between the two (``tests/test_chunked.py`` finds none).
"""

from __future__ import annotations

import numpy as np

N_COMPONENTS = 6
"""Principal components of the beat shape in :func:`beat_descriptors`."""
SHAPE_UNIT = 0.1
"""A shape coordinate of 1 is a change of this fraction of the recording's median-beat RMS amplitude."""
RR_UNIT = 0.1
"""A timing coordinate of 1 is this change in log interval ratio (about 10 % prematurity)."""
RR_COLUMNS = ("pre_local", "post_local", "pre_upper")
"""The RR features (:data:`arrhythmia.features.rr.RR_FEATURES`) a descriptor's timing part reads."""
MAX_FIT_BEATS = 4000
"""The principal components and the k-means centres are fitted on at most this many beats, evenly spaced."""
SPAN_S = 1800.0
"""A long recording is clustered in stretches of about this many seconds (:func:`time_blocks`)."""
BLOCK = 8192
"""Beats projected at a time."""


def beat_descriptors(x: np.ndarray, rr: np.ndarray, rr_names, rr_weight: float = 1.0, rows=None) -> np.ndarray:
    """Each beat of one recording as a point: its shape's principal components and its log interval ratios.

    Parameters
    ----------
    x : ndarray, shape (n_beats, n_leads, n_samples)
        The beats' windows as the model reads them (before median channels); only the first lead is read.
    rr : ndarray, shape (n_beats, len(rr_names))
        The beats' RR features.
    rr_names : sequence of str
        Column names of ``rr``; must include :data:`RR_COLUMNS`.
    rr_weight : float
        Weight of the timing coordinates against the shape ones (0: shape alone).
    rows : ndarray of bool or int, optional
        Describe only these beats (a mask or indices); all by default. ``x`` is read a block at a time, never
        copied whole (a day-long recording's windows are hundreds of MB).

    Returns
    -------
    ndarray of float64, shape (n_rows, N_COMPONENTS + len(RR_COLUMNS))
    """
    from ..errors import ArrhythmiaError

    names = list(rr_names)
    missing = [c for c in RR_COLUMNS if c not in names]
    if missing:
        raise ArrhythmiaError(f"Invalid value for 'rr_names': must include {list(RR_COLUMNS)}; got {names}.")
    idx = np.arange(x.shape[0]) if rows is None else np.asarray(rows)
    if idx.dtype == bool:
        idx = np.flatnonzero(idx)
    n = idx.size
    out = np.zeros((n, N_COMPONENTS + len(RR_COLUMNS)))
    if n == 0:
        return out
    fit = np.asarray(x[idx[_fit_rows(n)], 0, :], dtype=np.float64)
    centre = np.median(fit, axis=0)
    scale = max(np.sqrt(np.mean(centre ** 2)) * np.sqrt(fit.shape[1]) * SHAPE_UNIT, 1e-12)
    fit -= centre
    _, vec = np.linalg.eigh(fit.T @ fit)       # the principal axes, largest last (cheaper than an SVD of ``fit``)
    k = min(N_COMPONENTS, len(fit), vec.shape[1])
    axes = vec[:, ::-1][:, :k] / scale
    for i in range(0, n, BLOCK):
        out[i:i + BLOCK, :k] = (np.asarray(x[idx[i:i + BLOCK], 0, :], dtype=np.float64) - centre) @ axes
    cols = [names.index(c) for c in RR_COLUMNS]
    timing = np.log(np.clip(np.nan_to_num(np.asarray(rr[idx][:, cols], dtype=np.float64), nan=1.0), 1e-3, 1e3))
    out[:, N_COMPONENTS:] = rr_weight * (timing / RR_UNIT)
    return out


def _fit_rows(n: int) -> np.ndarray:
    """At most :data:`MAX_FIT_BEATS` row indices of ``n``, evenly spaced (deterministic)."""
    if n <= MAX_FIT_BEATS:
        return np.arange(n)
    return np.linspace(0, n - 1, MAX_FIT_BEATS).round().astype(np.int64)


def kmeans(points: np.ndarray, k: int, n_iter: int = 25, seed: int = 0) -> np.ndarray:
    """Cluster index of every point: k-means++ seeding and Lloyd's iterations, fitted on evenly spaced points.

    Parameters
    ----------
    points : ndarray, shape (n, d)
    k : int
        Clusters (fewer when there are fewer distinct points).
    n_iter : int
    seed : int
        Seeds the k-means++ draws: the same points give the same clusters.

    Returns
    -------
    ndarray of int64, shape (n,)
    """
    pts = np.asarray(points, dtype=np.float64)
    n = pts.shape[0]
    if n == 0:
        return np.zeros(0, np.int64)
    fit = pts[_fit_rows(n)]
    rng = np.random.default_rng(seed)
    centres = [fit[rng.integers(len(fit))]]
    d2 = ((fit - centres[0]) ** 2).sum(1)
    for _ in range(1, min(k, len(fit))):
        total = d2.sum()
        if total <= 0:
            break
        c = fit[rng.choice(len(fit), p=d2 / total)]
        centres.append(c)
        d2 = np.minimum(d2, ((fit - c) ** 2).sum(1))
    cen = np.array(centres)
    for _ in range(n_iter):
        lab = _nearest(fit, cen)
        sums = np.zeros_like(cen)
        np.add.at(sums, lab, fit)
        cnt = np.bincount(lab, minlength=len(cen))
        new = np.where(cnt[:, None] > 0, sums / np.maximum(cnt, 1)[:, None], cen)
        if np.allclose(new, cen):
            break
        cen = new
    return _nearest(pts, cen)


def _nearest(pts: np.ndarray, cen: np.ndarray) -> np.ndarray:
    """Index of the nearest centre of each point, in blocks (bounded memory)."""
    out = np.empty(len(pts), np.int64)
    c2 = (cen ** 2).sum(1)
    for i in range(0, len(pts), 65536):
        p = pts[i:i + 65536]
        out[i:i + 65536] = np.argmin(c2[None, :] - 2.0 * p @ cen.T, axis=1)
    return out


def time_blocks(samples, fs: float, span_s: float = SPAN_S) -> np.ndarray:
    """Block index of each beat: the recording cut into ``round(duration / span_s)`` equal stretches (at least one),
    so that a day-long recording is clustered half an hour at a time, as the 30-minute records the step was
    chosen on."""
    s = np.asarray(samples, dtype=np.int64)
    if s.size == 0:
        return np.zeros(0, np.int64)
    span = max(float(s[-1] - s[0]) / fs, 1e-9)
    n = max(1, int(round(span / span_s)))
    return np.minimum(((s - s[0]) / fs / span * n).astype(np.int64), n - 1)


def cluster_smooth(proba: np.ndarray, descriptors: np.ndarray, strength: float, beats_per_cluster: int = 100,
                   max_clusters: int = 30, blocks=None) -> tuple[np.ndarray, int]:
    """Each beat's probabilities moved towards the mean of its cluster's.

    Parameters
    ----------
    proba : ndarray, shape (n, k)
        One recording's probabilities.
    descriptors : ndarray, shape (n, d)
        :func:`beat_descriptors` of the same beats.
    strength : float
        0 leaves ``proba``; 1 gives every beat its cluster's mean.
    beats_per_cluster, max_clusters : int
        ``min(max_clusters, n // beats_per_cluster)`` clusters in each block of ``n`` beats; a block of fewer than
        ``2 * beats_per_cluster`` beats is left as it is.
    blocks : array_like of int, shape (n,), optional
        Cluster each block of beats apart (:func:`time_blocks`); one block by default.

    Returns
    -------
    proba : ndarray of float64, shape (n, k)
    changed : int
        Beats whose most probable class changed.
    """
    p = np.asarray(proba, dtype=np.float64)
    if strength <= 0 or len(p) < 2:
        return p.copy(), 0
    b = np.zeros(len(p), np.int64) if blocks is None else np.asarray(blocks, dtype=np.int64)
    out = p.copy()
    for blk in np.unique(b):
        m = np.flatnonzero(b == blk)
        if m.size < 2 * beats_per_cluster:  # too few for two clusters: one would pull every beat to the block's mean
            continue
        k = min(max_clusters, m.size // beats_per_cluster)
        lab = kmeans(descriptors[m], k)
        sums = np.zeros((lab.max() + 1, p.shape[1]))
        np.add.at(sums, lab, p[m])
        mean = (sums / np.maximum(np.bincount(lab), 1)[:, None])[lab]
        out[m] = (1.0 - strength) * p[m] + strength * mean
    return out, int((out.argmax(1) != p.argmax(1)).sum())


def check_cluster_setting(st: dict) -> tuple[float, int]:
    """``(strength, beats_per_cluster)`` of a bundle's ``postprocess.cluster_smooth`` setting, checked.

    Raises
    ------
    ArrhythmiaError
        A strength outside [0, 1], a timing weight under 0 or fewer than 1 beat a cluster, naming the setting.
    """
    from ..errors import ArrhythmiaError

    def bad(name, allowed, got):
        return ArrhythmiaError(f"Invalid value for 'postprocess.cluster_smooth.{name}': allowed {allowed}; got {got!r}.")

    try:
        strength, per, w = (float(st["strength"]), int(st.get("beats_per_cluster", 100)),
                            float(st.get("rr_weight", 1.0)))
    except (KeyError, TypeError, ValueError) as e:
        raise bad("strength", "a number from 0 to 1 (and numeric beats_per_cluster, rr_weight)", st) from e
    if not 0.0 <= strength <= 1.0:
        raise bad("strength", "a number from 0 to 1", st["strength"])
    if per < 1:
        raise bad("beats_per_cluster", "an integer of at least 1", st.get("beats_per_cluster"))
    if not w >= 0.0:
        raise bad("rr_weight", "a number of at least 0", st.get("rr_weight"))
    return strength, per


def descriptors_for(settings: dict | None, x: np.ndarray, rr: np.ndarray, rr_names, rows=None) -> np.ndarray | None:
    """The descriptors a bundle's ``postprocess`` settings need (:func:`beat_descriptors` of the beats ``rows``,
    a mask or indices, at the settings' ``cluster_smooth`` ``rr_weight``), or None when they name no cluster
    step."""
    st = (settings or {}).get("cluster_smooth")
    if not st:
        return None
    return beat_descriptors(x, rr, rr_names, float(st.get("rr_weight", 1.0)), rows=rows)
