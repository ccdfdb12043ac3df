"""``scipy.signal.find_peaks(x, height=, distance=)``'s peaks, without its temporaries of half the signal's length.

SciPy finds the local maxima of the whole signal first, into three index arrays of ``len(x) // 2`` entries each
(a 24-hour energy at 120 Hz: 119 MB). :func:`find_peaks_lean` finds them a stretch at a time (each stretch read
with a margin on both sides, so that every maximum, flat tops included, is seen whole with its neighbours),
then applies the height and distance rules to the maxima alone, in SciPy's order and with SciPy's tie-breaking:
the same peaks, index for index (``tests/test_lean_arrays.py``). A flat top longer than half the margin (a
stretch of exactly equal samples, such as the zero energy of both leads off for half a minute) sends the signal
through SciPy whole instead.
"""

from __future__ import annotations

import numpy as np

STRETCH = 1 << 20
"""Samples found at a time (about 2.4 hours of a 120 Hz energy)."""
MARGIN = 1 << 13
"""Samples read on each side of a stretch."""


def _longest_flat(x: np.ndarray) -> int:
    """Length of the longest run of equal consecutive samples of ``x`` (1 when none repeat)."""
    eq = x[1:] == x[:-1]
    if not eq.any():
        return 1
    edges = np.flatnonzero(np.diff(np.r_[False, eq, False].view(np.int8)))
    return int((edges[1::2] - edges[::2]).max()) + 1


def local_maxima(x: np.ndarray, pad_edges: bool = False) -> np.ndarray:
    """Midpoints of the local maxima of ``x`` (flat tops included), as ``scipy.signal.find_peaks`` finds them.

    Parameters
    ----------
    x : ndarray, shape (n,)
    pad_edges : bool
        As if ``x`` had a 0 before and after it (a maximum at either end counts); indices are into ``x``.

    Returns
    -------
    ndarray of int64
    """
    from scipy.signal import find_peaks

    x = np.asarray(x, dtype=np.float64)
    n = x.size
    if n <= STRETCH + 2 * MARGIN:
        return _found(find_peaks, x, 0, n, 0, n, pad_edges)
    out = []
    for a in range(0, n, STRETCH):
        b = min(n, a + STRETCH)
        lo, hi = max(0, a - MARGIN), min(n, b + MARGIN)
        if _longest_flat(x[lo:hi]) >= MARGIN // 2:
            return _found(find_peaks, x, 0, n, 0, n, pad_edges)
        out.append(_found(find_peaks, x, lo, hi, a, b, pad_edges))
    return np.concatenate(out)


def _found(find_peaks, x, lo: int, hi: int, a: int, b: int, pad_edges: bool) -> np.ndarray:
    """The maxima of ``x[lo:hi]`` whose midpoint lies in [a, b), as indices into ``x``."""
    seg = x[lo:hi]
    head = pad_edges and lo == 0
    tail = pad_edges and hi == x.size
    if head or tail:
        seg = np.concatenate([[0.0] if head else [], seg, [0.0] if tail else []])
    p = find_peaks(seg)[0].astype(np.int64) + lo - int(head)
    return p[(p >= a) & (p < b)]


def select_by_distance(peaks: np.ndarray, priority: np.ndarray, distance: float) -> np.ndarray:
    """SciPy's ``distance`` rule: from the highest priority down, drop the peaks closer than ``distance``."""
    try:
        from scipy.signal._peak_finding_utils import _select_by_peak_distance
    except ImportError:  # a SciPy without the private helper: the same rule, in Python
        return _select_by_distance_py(peaks, priority, distance)
    return _select_by_peak_distance(np.ascontiguousarray(peaks, dtype=np.intp),
                                    np.ascontiguousarray(priority, dtype=np.float64), float(distance))


def _select_by_distance_py(peaks, priority, distance: float) -> np.ndarray:
    d = int(np.ceil(distance))
    keep = np.ones(peaks.size, bool)
    order = np.argsort(priority)  # SciPy's own call: the same order among equal priorities
    p = peaks.tolist()
    for j in order[::-1].tolist():
        if not keep[j]:
            continue
        k = j - 1
        while k >= 0 and p[j] - p[k] < d:
            keep[k] = False
            k -= 1
        k = j + 1
        while k < len(p) and p[k] - p[j] < d:
            keep[k] = False
            k += 1
    return keep


def find_peaks_lean(x, height: float | None = None, distance: float | None = None,
                    pad_edges: bool = False) -> np.ndarray:
    """``scipy.signal.find_peaks(x, height=height, distance=distance)[0]`` (see the module docstring).

    Parameters
    ----------
    x : array_like, shape (n,)
    height : float, optional
        Minimum height.
    distance : float, optional
        Minimum distance between peaks, samples (>= 1).
    pad_edges : bool
        As ``find_peaks(np.r_[0.0, x, 0.0], ...)[0] - 1``, without the padded copy.

    Returns
    -------
    ndarray of int64
    """
    x = np.asarray(x, dtype=np.float64)
    p = local_maxima(x, pad_edges)
    if height is not None:
        p = p[x[p] >= height]
    if distance is not None and p.size:
        p = p[select_by_distance(p, x[p], distance)]
    return p.astype(np.int64)
