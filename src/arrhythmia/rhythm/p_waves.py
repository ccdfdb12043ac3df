"""Are there P waves? A check of AF episodes found from RR intervals alone (pure NumPy/SciPy).

An RR-based AF detector (:mod:`arrhythmia.rhythm.af`) also fires on sinus rhythm made irregular by frequent
ectopic beats, sinus arrhythmia or runs of atrial tachycardia: its commonest false alarm. What AF lacks and those
rhythms keep is an organised atrial wave at a fixed time before each QRS. :func:`p_wave_coherence` measures that
on one lead over the normal beats of an episode: the segment from 250 ms to 60 ms before each R peak, band-passed
1-20 Hz and mean-removed, is averaged over the beats; the RMS of that average over the mean RMS of the single
segments is near 1 when the same P wave precedes every beat, and lower when the atrial activity is unrelated to
the QRS (fibrillatory waves: ``1/sqrt(n)`` for pure noise, but the previous beat's T wave and the QRS onset, which
are tied to the beats, keep it higher; MIT-BIH's true AF episodes measure 0.12-0.51, 221's whole-record episode
0.509 against the threshold 0.52: docs/af_p_waves.md). :func:`confirm_af` drops an episode whose coherence
reaches :data:`MAX_COHERENCE`.

The segment, the band and the statistic were fixed before looking at any record; the one number chosen from data,
:data:`MAX_COHERENCE`, was chosen on DS1's records alone (``python scripts/choose_p_wave_check.py``,
docs/af_p_waves.md, which also shows DS2 and the other records as a check).
"""

from __future__ import annotations

import numpy as np

MAX_COHERENCE = 0.52
"""An episode whose P-region coherence reaches this is not AF (chosen on DS1: see the module docstring)."""
MIN_BEATS = 8
"""Fewer normal beats than this in an episode: no judgement, the RR detector's episode stands."""
SEGMENT_S = (0.25, 0.06)
"""The P region: from this long before the R peak to this long before it, seconds."""
BAND_HZ = (1.0, 20.0)
MARGIN_S = 2.0
"""Signal band-passed on each side of a piece of an episode (the filter's edges stay out of the P regions)."""
PIECE_S = 600.0
"""An episode is band-passed this many seconds at a time."""


def _p_sums(x: np.ndarray, fs: float, beats) -> tuple[np.ndarray, float, int]:
    """Sum of the mean-removed P-region segments of ``beats`` in the band-passed ``x``, the sum of their RMS,
    and their number (beats whose region does not fit are left out)."""
    a, b = int(round(SEGMENT_S[0] * fs)), int(round(SEGMENT_S[1] * fs))
    t = np.asarray(beats, dtype=np.int64)
    t = t[(t - a >= 0) & (t - b <= x.size)]
    if t.size == 0 or a <= b:
        return np.zeros(max(a - b, 0)), 0.0, 0
    seg = x[t[:, None] + np.arange(-a, -b)[None, :]]
    seg = seg - seg.mean(axis=1, keepdims=True)
    return seg.sum(axis=0), float(np.sqrt((seg ** 2).mean(axis=1)).sum()), int(t.size)


def _coherence(total: np.ndarray, rms_sum: float, n: int) -> float:
    if n < MIN_BEATS or not rms_sum > 0:
        return float("nan")
    return float(np.sqrt(((total / n) ** 2).mean()) / (rms_sum / n))


def p_wave_coherence(signal, fs: float, beats) -> float:
    """Coherence of the P region over ``beats`` of a band-passed lead (see the module docstring).

    Parameters
    ----------
    signal : array_like, shape (n_samples,)
        One lead, already band-passed :data:`BAND_HZ` (:func:`episode_coherence` does that around an episode).
    fs : float
        Hz.
    beats : array_like of int
        R peaks (samples); those whose P region does not fit in ``signal`` are left out.

    Returns
    -------
    float
        In [0, 1]; NaN with fewer than :data:`MIN_BEATS` usable beats or a flat P region.
    """
    return _coherence(*_p_sums(np.asarray(signal, dtype=np.float64), fs, beats))


def episode_coherence(lead, fs: float, episodes, beats, normal) -> np.ndarray:
    """:func:`p_wave_coherence` of each episode over the beats marked ``normal`` inside it.

    Parameters
    ----------
    lead : array_like, shape (n_samples,)
        The raw lead, band-passed here around each episode only, :data:`PIECE_S` at a time (each piece with
        :data:`MARGIN_S` either side; a day-long episode is never filtered whole).
    fs : float
    episodes : array_like of int, shape (k, 2)
        ``[start, end)`` samples.
    beats : array_like of int
        Every beat's R peak, ascending.
    normal : array_like of bool
        Which of ``beats`` were called normal (the others' P regions are not read).

    Returns
    -------
    ndarray of float, shape (k,)
    """
    from ..preprocessing.filters import bandpass

    lead = np.asarray(lead)
    t = np.asarray(beats, dtype=np.int64)[np.asarray(normal, dtype=bool)]
    m, piece = int(round(MARGIN_S * fs)), max(1, int(round(PIECE_S * fs)))
    out = []
    for start, end in np.asarray(episodes, dtype=np.int64).reshape(-1, 2):
        inside = t[(t >= start) & (t < end)]
        if inside.size < MIN_BEATS:
            out.append(float("nan"))
            continue
        total, rms_sum, n = 0.0, 0.0, 0
        for a in range(int(start), int(end), piece):  # the beats of [a, a + piece), read with a margin
            mine = inside[(inside >= a) & (inside < a + piece)]
            lo, hi = max(0, a - m), min(lead.size, a + piece + m)
            if mine.size == 0:
                continue
            f = bandpass(lead[lo:hi], fs, BAND_HZ[0], BAND_HZ[1], order=2)  # a margin of seconds: never too short
            s_, r_, n_ = _p_sums(f, fs, mine - lo)
            total, rms_sum, n = total + s_, rms_sum + r_, n + n_
        out.append(_coherence(np.asarray(total, dtype=np.float64), rms_sum, n))
    return np.asarray(out, dtype=np.float64)


def confirm_af(lead, fs: float, episodes, beats, normal, max_coherence: float = MAX_COHERENCE):
    """Which AF episodes have no organised P wave before their normal beats.

    Parameters
    ----------
    lead, fs, episodes, beats, normal
        As for :func:`episode_coherence`.
    max_coherence : float
        An episode whose coherence reaches this is dropped; one that cannot be judged (too few normal beats)
        is kept.

    Returns
    -------
    keep : ndarray of bool, shape (k,)
    coherence : ndarray of float, shape (k,)
    """
    c = episode_coherence(lead, fs, episodes, beats, normal)
    return ~(c >= max_coherence), c


def drop_episodes_with_p_waves(result, lead, fs: float, beats, normal, max_coherence: float = MAX_COHERENCE):
    """An :class:`~arrhythmia.rhythm.af.AFResult` without the episodes that have an organised P wave.

    Parameters
    ----------
    result : AFResult
        What :func:`~arrhythmia.rhythm.af.detect_af` found on ``beats``.
    lead, fs, beats, normal, max_coherence
        As for :func:`confirm_af`.

    Returns
    -------
    result : AFResult
        The same intervals and probabilities, the episodes kept.
    dropped : list of dict
        ``{"start", "end"}`` (samples) and ``coherence`` of each episode dropped.
    """
    from dataclasses import replace

    if not len(result.episodes):
        return result, []
    keep, c = confirm_af(lead, fs, result.episodes, beats, normal, max_coherence)
    dropped = [{"start": int(a), "end": int(b), "coherence": round(float(x), 3)}
               for (a, b), x in zip(result.episodes[~keep].tolist(), c[~keep])]
    labels = tuple(lab for lab, k in zip(result.labels, keep) if k)
    return replace(result, episodes=result.episodes[keep], labels=labels), dropped
