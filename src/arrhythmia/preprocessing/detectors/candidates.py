"""Features of candidate beats against a first beat sequence (for the ``fusion`` detector).

A first pass gives a beat sequence ``B``; every candidate (each beat of
``B`` and each energy peak in the gaps between them) is described by how it
compares with the beats of ``B`` around it. Pure functions on arrays.
"""

from __future__ import annotations

import numpy as np

from .base import BLOCK, window_max

NEIGHBOURS = 8
"""Beats of ``B`` on each side that a candidate is compared with."""
WINDOW_S = 0.07
FEATURE_NAMES = ("corr", "lead0", "lead1", "rr_prev", "rr_next", "first_pass", "sqi0", "sqi1", "energy", "density",
                 "prominence")
"""Columns of :func:`candidate_features`, in order."""


def local_median(values: np.ndarray, at: np.ndarray, half: int = NEIGHBOURS) -> np.ndarray:
    """Median of ``values`` over the ``2 * half + 1`` entries centred on each index ``at`` (edges repeated)."""
    from numpy.lib.stride_tricks import sliding_window_view

    pad = np.pad(np.asarray(values, dtype=np.float64), half, mode="edge")
    med = np.median(sliding_window_view(pad, 2 * half + 1), axis=1)
    return med[np.clip(at, 0, values.size - 1)]


def unit_windows(wide: np.ndarray, fs: float, at: np.ndarray, half_s: float = WINDOW_S, step: int = 2) -> np.ndarray:
    """Both leads' waveform around each sample of ``at``, mean removed, concatenated, unit norm: (n, n_features)."""
    h = int(round(half_s * fs))
    off = np.arange(-h, h + 1, max(1, int(round(step * fs / 360.0))))
    out = np.empty((len(at), wide.shape[0] * off.size))
    for a in range(0, len(at), BLOCK):  # a block of windows at a time: row by row, the same values
        idx = np.clip(at[a:a + BLOCK, None] + off[None, :], 0, wide.shape[1] - 1)
        w = wide[:, idx]
        w = w - w.mean(axis=2, keepdims=True)
        w = np.concatenate(list(w), axis=1)
        out[a:a + BLOCK] = w / (np.linalg.norm(w, axis=1, keepdims=True) + 1e-12)
    return out


def gap_candidates(e: np.ndarray, fs: float, beats: np.ndarray, min_energy: float = 0.02) -> np.ndarray:
    """Peaks of ``e`` above ``min_energy``, 200 ms apart, farther than 200 ms from every beat (edges included)."""
    from .maxima import find_peaks_lean

    # as if zero-padded: a peak at the very edge counts
    cand = find_peaks_lean(e, distance=max(1, int(0.2 * fs)), height=min_energy, pad_edges=True)
    if beats.size == 0 or cand.size == 0:
        return cand.astype(np.int64)
    j = np.searchsorted(beats, cand)
    d = np.minimum(np.abs(cand - beats[np.clip(j - 1, 0, beats.size - 1)]),
                   np.abs(beats[np.clip(j, 0, beats.size - 1)] - cand))
    return cand[d >= int(0.2 * fs)].astype(np.int64)


def candidate_features(lead_energy: np.ndarray, energy: np.ndarray, wide: np.ndarray, sqi: np.ndarray,
                       segment: int, fs: float, beats: np.ndarray, cand: np.ndarray,
                       first: np.ndarray) -> np.ndarray:
    """One row of :data:`FEATURE_NAMES` per candidate.

    Parameters
    ----------
    lead_energy : ndarray, shape (2, n_samples)
        QRS energy of each lead (:func:`.base.qrs_energy`).
    energy : ndarray, shape (n_samples,)
        The energy the first pass ran on.
    wide : ndarray, shape (2, n_samples)
        Both leads band-passed 0.5-40 Hz.
    sqi : ndarray, shape (2, n_segments)
        Per-lead signal quality, dB (:func:`arrhythmia.preprocessing.quality.signal_quality`).
    segment : int
        Samples per quality segment.
    fs : float
        Hz.
    beats : ndarray of int64
        The first pass's beats ``B`` (at least 2), ascending.
    cand : ndarray of int64
        Candidates, ascending (``B`` and the gap candidates).
    first : ndarray of bool
        Candidate is a beat of ``B``.

    Returns
    -------
    ndarray, shape (n_candidates, 11)
        ``corr``: best correlation of the candidate's two-lead waveform
        (+/-70 ms) with one of the ``NEIGHBOURS`` beats of ``B`` on each side
        (itself excluded); ``lead0``, ``lead1``: log of its energy peak on
        each lead over the local median at ``B``'s beats; ``rr_prev``,
        ``rr_next``: log of the interval to the previous and next beat of
        ``B`` over the local median RR (the other side's where there is
        no beat on one side); ``first_pass``; ``sqi0``, ``sqi1``:
        quality in tens of dB, clipped to [-1, 4] (a lead that is off takes
        the other lead's ``lead`` and ``sqi`` values); ``energy``: log of the
        first-pass energy at the candidate; ``density``: log of the number of
        candidates within +/-1 s over the beats the local RR expects there;
        ``prominence``: log of the energy over its running median (+/-1 s).
    """
    half = int(round(0.075 * fs))
    j = np.clip(np.searchsorted(beats, cand), 0, beats.size - 1)
    lev = [np.maximum(local_median(window_max(lead_energy[k], beats, half), j), 1e-9) for k in range(2)]
    rr = np.diff(beats).astype(np.float64)
    rr_med = local_median(np.r_[rr[:1], rr], j)
    prev = beats[np.clip(j - 1, 0, beats.size - 1)]
    nxt = np.where(first, beats[np.clip(j + 1, 0, beats.size - 1)], beats[j])
    rp, rn = (cand - prev) / rr_med, (nxt - cand) / rr_med
    no_prev, no_next = rp <= 0.01, rn <= 0.01  # no beat on that side (the record's first or last)
    rp, rn = np.where(no_prev, np.where(no_next, 1.0, rn), rp), np.where(no_next, np.where(no_prev, 1.0, rp), rn)
    corr = neighbour_correlation(wide, fs, beats, cand, first, j)
    seg = np.clip(cand // segment, 0, sqi.shape[1] - 1)
    sq = np.clip(sqi[:, seg], -10.0, 40.0) / 10.0
    le = [np.log(window_max(lead_energy[k], cand, half) / lev[k] + 1e-3) for k in range(2)]
    # a lead that is off there (quality -inf) is described by the other lead
    off = ~np.isfinite(sqi[:, seg])
    for k in range(2):
        o = off[k] & ~off[1 - k]
        le[k] = np.where(o, le[1 - k], le[k])
        sq[k] = np.where(o, sq[1 - k], sq[k])
    dens, prom = density_and_prominence(energy, fs, cand, rr_med)
    return np.stack([corr, le[0], le[1], np.log(rp), np.log(rn), first.astype(np.float64), sq[0], sq[1],
                     np.log(energy[cand] + 1e-3), np.log(dens), np.log(prom + 1e-3)], axis=1)


def neighbour_correlation(wide: np.ndarray, fs: float, beats: np.ndarray, cand: np.ndarray, first: np.ndarray,
                          j: np.ndarray) -> np.ndarray:
    """Best correlation of each candidate's two-lead waveform with one of the ``NEIGHBOURS`` beats of ``beats``
    on each side of index ``j`` (itself excluded when it is one of them)."""
    zb = unit_windows(wide, fs, beats)
    corr = np.full(cand.size, -1.0)
    for a in range(0, cand.size, BLOCK):  # a block of candidates at a time: the same values, row by row
        c, f, jb = cand[a:a + BLOCK], first[a:a + BLOCK], j[a:a + BLOCK]
        zc, best = unit_windows(wide, fs, c), corr[a:a + BLOCK]
        for k in range(-NEIGHBOURS, NEIGHBOURS + 1):
            jj = jb + k
            ok = (jj >= 0) & (jj < beats.size)
            jj = np.clip(jj, 0, beats.size - 1)
            ok &= ~(f & (beats[jj] == c))
            best[...] = np.where(ok, np.maximum(best, (zc * zb[jj]).sum(axis=1)), best)
    return corr


def density_and_prominence(energy: np.ndarray, fs: float, cand: np.ndarray, rr_med: np.ndarray):
    """Candidates within +/-1 s over the beats the local RR ``rr_med`` (samples) expects there, and each
    candidate's energy over the running median energy (+/-1 s, sampled every 50 ms)."""
    from scipy.ndimage import median_filter

    win = int(round(fs))
    dens = (np.searchsorted(cand, cand + win) - np.searchsorted(cand, cand - win)) * rr_med / (2 * win)
    step = max(1, int(round(0.05 * fs)))
    floor = median_filter(energy[::step], size=max(3, 2 * win // step + 1), mode="nearest")
    floor = floor[np.clip(cand // step, 0, floor.size - 1)]
    return dens, energy[cand] / (floor + 1e-6)


def expand(features: np.ndarray) -> np.ndarray:
    """The logistic model's inputs (18 columns): a constant, the features, the larger lead energy, the
    negative parts of the RR terms and three products."""
    corr, l0, l1, rp, rn, first, s0, s1, e, dens, prom = features.T
    top = np.maximum(l0, l1)
    return np.stack([np.ones(len(features)), corr, l0, l1, top, rp, rn, np.minimum(rp, 0), np.minimum(rn, 0),
                     first, s0, s1, e, corr * first, corr * top, rp * rn, dens, prom], axis=1)
