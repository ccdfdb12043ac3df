"""RR-window irregularity features for atrial fibrillation detection (pure NumPy).

Every feature is computed for each RR interval over a window of ``window``
intervals centred on it (the sequence is mirrored at its ends), relative to
the window's median RR, so it reads the same at 50 and at 150 beats per
minute. The measures are chosen to separate the *patternless* irregularity
of AF from the irregularity that ectopic beats give sinus rhythm:

``masd``
    median over the window of ``|RR[i] - RR[i-1]| / median RR``. A median,
    not a mean (RMSSD): isolated premature beats (fewer than a quarter of the
    beats) move it little.
``minlag``
    median over the window of ``min(|RR[i] - RR[i-k]|, k = 1, 2, 3) / median RR``.
    Bigeminy (period 2) and trigeminy (period 3) repeat, so one of the lags
    matches and the minimum is small; in AF no lag matches.
``entropy``
    Shannon entropy of the words of three successive relative RR symbols
    (``RR / median RR`` quantised in steps of ``SYMBOL_STEP``), divided by
    ``log(window)`` (0: one word repeated, 1: every word different). After
    Zhou et al. (2014), "Automatic online detection of atrial fibrillation
    based on symbolic dynamics and Shannon entropy".
``turning``
    fraction of intervals in the window that are a local maximum or minimum
    (2/3 for an uncorrelated sequence; lower for a slowly modulated sinus
    rhythm, higher for bigeminy).
``spread``
    interquartile range of ``RR / median RR`` over the window.
``rate``
    heart rate from the window's median RR, in units of 100 beats per minute.
``calm``
    10th percentile over the window of ``max(|dRR[i]|, |dRR[i-1]|) / median RR``
    (``dRR[i] = RR[i] - RR[i-1]``): how steady the steadiest tenth of the
    beat pairs is. Sinus rhythm between frequent ectopic beats keeps some
    steady stretches (points at the origin of the Poincare plot of successive
    differences); AF has almost none.
``lowdiff``
    25th percentile over the window of ``|dRR[i]| / median RR``.
``match``
    how often the pattern of three successive relative intervals recurs:
    for each interval, the share of the other intervals of its window whose
    last three relative intervals all lie within ``MATCH_TOLERANCE`` of its
    own, averaged over the window. A light cousin of sample entropy (Lake &
    Moorman's COSEn): sinus rhythm, and sinus rhythm with ectopic beats of a
    fixed coupling, repeat their templates; AF does not.
"""

from __future__ import annotations

import numpy as np

FEATURE_NAMES: tuple[str, ...] = ("masd", "minlag", "entropy", "turning", "spread", "rate", "calm", "lowdiff", "match")
"""Column names of :func:`rr_features`, in order."""

SYMBOL_STEP = 0.05
"""Quantisation step of the relative RR interval for ``entropy`` (5 % of the median)."""
N_SYMBOLS = 32
"""Relative RR symbols 0..31 (``RR / median`` from 0.2 to 1.8; outside is clipped)."""
RATIO_CLIP = (0.2, 3.0)
MATCH_TOLERANCE = 0.04
"""Templates of ``match`` agree when every relative interval differs by less than this."""
"""``RR / median RR`` is clipped to this range before any measure (a missed beat, a gap)."""


def _windows(x: np.ndarray, window: int) -> np.ndarray:
    """(n, window) view of ``x`` with a window centred on each element (mirrored ends)."""
    half = window // 2
    padded = np.pad(x, (half, window - 1 - half), mode="symmetric")
    return np.lib.stride_tricks.sliding_window_view(padded, window)


def _running_median(x: np.ndarray, window: int) -> np.ndarray:
    return np.median(_windows(x, window), axis=1)


def _window_entropy(words: np.ndarray, window: int) -> np.ndarray:
    """Shannon entropy (nats) of the integer ``words`` in each centred window."""
    w = np.sort(_windows(words, window), axis=1)
    n = w.shape[0]
    start = np.ones_like(w, dtype=bool)
    start[:, 1:] = w[:, 1:] != w[:, :-1]
    run = np.cumsum(start.ravel()) - 1           # one id per (row, run of equal words)
    counts = np.bincount(run).astype(float)
    row_of_run = np.repeat(np.arange(n), start.sum(axis=1))
    clogc = np.bincount(row_of_run, weights=counts * np.log(counts), minlength=n)
    return np.log(window) - clogc / window


def _template_match(x: np.ndarray, window: int, tol: float = MATCH_TOLERANCE, m: int = 3) -> np.ndarray:
    """Share of the window's other intervals whose last ``m`` values are within ``tol`` of each one's."""
    half = window // 2
    pad = half + m
    xp = np.pad(x, (pad, pad), mode="symmetric")
    n = x.size
    count = np.zeros(n)
    idx = np.arange(n) + pad
    for off in range(-half, window - half):
        if off == 0:
            continue
        d = np.abs(xp[idx] - xp[idx + off])
        for k in range(1, m):
            d = np.maximum(d, np.abs(xp[idx - k] - xp[idx + off - k]))
        count += d < tol
    return count / (window - 1)


def rr_features(rr, window: int = 64) -> np.ndarray:
    """The features of :data:`FEATURE_NAMES` for every RR interval.

    Parameters
    ----------
    rr : array_like of float, shape (n,)
        Successive RR intervals, seconds (``n >= 1``).
    window : int
        Intervals per window (at least 8).

    Returns
    -------
    ndarray of float, shape (n, 9)
        One row per interval, columns as :data:`FEATURE_NAMES`.
    """
    rr = np.asarray(rr, dtype=float)
    if rr.ndim != 1 or rr.size == 0:
        raise ValueError("rr must be a non-empty 1-D array of intervals in seconds")
    if window < 8:
        raise ValueError(f"window must be at least 8 intervals; got {window}")
    med = _running_median(rr, window)
    x = np.clip(rr / med, *RATIO_CLIP)
    # successive differences at lags 1..3, relative to the local median (first ones mirrored)
    xp = np.concatenate([x[1:4][::-1], x]) if x.size >= 4 else np.pad(x, (3, 0), mode="symmetric")
    lags = np.stack([np.abs(xp[3:] - xp[3 - k:xp.size - k]) for k in (1, 2, 3)])
    masd = _running_median(lags[0], window)
    minlag = _running_median(lags.min(axis=0), window)

    sym = np.clip(np.round((x - RATIO_CLIP[0]) / SYMBOL_STEP), 0, N_SYMBOLS - 1).astype(np.int64)
    sp = np.concatenate([sym[1:3][::-1], sym]) if sym.size >= 3 else np.pad(sym, (2, 0), mode="symmetric")
    words = sp[:-2] * N_SYMBOLS ** 2 + sp[1:-1] * N_SYMBOLS + sp[2:]
    entropy = _window_entropy(words, window) / np.log(window)

    d = np.diff(x, prepend=x[0], append=x[-1])
    turn = ((d[:-1] * d[1:]) < 0).astype(float)
    turning = _windows(turn, window).mean(axis=1)

    q75, q25 = np.percentile(_windows(x, window), [75, 25], axis=1)
    rate = 0.6 / med                              # (60 / median RR) / 100 beats per minute
    pair = np.maximum(lags[0], np.concatenate([lags[0][:1], lags[0][:-1]]))
    calm = np.percentile(_windows(pair, window), 10, axis=1)
    lowdiff = np.percentile(_windows(lags[0], window), 25, axis=1)
    match = _windows(_template_match(x, window), window).mean(axis=1)
    return np.column_stack([masd, minlag, entropy, turning, q75 - q25, rate, calm, lowdiff, match])
