"""Rhythm episodes (atrial fibrillation, flutter) as WFDB rhythm marks and as summary figures.

An episode is a dict ``{"start": int, "end": int, "rhythm": "(AFIB"}``: samples
``[start, end)`` at the recording's rate, the rhythm in WFDB's aux-note
spelling (``(AFIB``, ``(AFL``).
"""

from __future__ import annotations

import numpy as np

SINUS = "(N"
RHYTHM_NAMES = {"(AFIB": "atrial fibrillation", "(AFL": "atrial flutter"}


def rhythm_marks(episodes, beat_samples=None) -> tuple[np.ndarray, list[str]]:
    """WFDB ``+`` marks for ``episodes``: the episode's rhythm at its start, ``(N`` where it ends.

    An end at or after the last beat closes nothing (the recording ends in that rhythm); an end that meets the
    next episode's start gives one mark, the next rhythm's.

    Returns
    -------
    sample : ndarray of int64
    aux : list of str
    """
    eps = sorted(episodes or [], key=lambda e: e["start"])
    last = int(np.max(beat_samples)) if beat_samples is not None and len(beat_samples) else None
    samples, aux = [], []
    for i, e in enumerate(eps):
        samples.append(int(e["start"]))
        aux.append(e["rhythm"])
        nxt = eps[i + 1]["start"] if i + 1 < len(eps) else None
        if nxt is not None and nxt <= e["end"]:
            continue
        if last is None or e["end"] <= last:
            samples.append(int(e["end"]))
            aux.append(SINUS)
    return np.asarray(samples, dtype=np.int64), aux


def episode_summary(episodes, beat_samples, fs: float, readable_s: float, unreadable=None) -> dict:
    """AF/flutter burden and the episodes, for ``summary.json``.

    ``unreadable``: [start, stop) sample ranges that are not readable; episode time inside them counts in no
    burden (the burden is AF time over readable time, both without them).

    Returns
    -------
    dict
        ``af_burden_pct`` (time in atrial fibrillation or flutter over the readable time, %),
        ``af_beats_pct`` (beats inside those episodes, %), ``af_episodes`` (start_s, end_s, duration_s, rhythm).
    """
    eps = sorted(episodes or [], key=lambda e: e["start"])
    s = np.asarray(beat_samples, dtype=np.int64)
    dur = sum(e["end"] - e["start"] - _overlap(e["start"], e["end"], unreadable) for e in eps) / fs
    inside = np.zeros(s.size, bool)
    for e in eps:
        inside |= (s >= e["start"]) & (s < e["end"])
    return {
        "af_burden_pct": round(100.0 * dur / readable_s, 2) if readable_s > 0 else None,
        "af_beats_pct": round(100.0 * inside.mean(), 2) if s.size else None,
        "af_episodes": [{"start_s": round(e["start"] / fs, 2), "end_s": round(e["end"] / fs, 2),
                         "duration_s": round((e["end"] - e["start"]) / fs, 2), "rhythm": e["rhythm"]} for e in eps],
    }


def _overlap(a: int, b: int, ranges) -> int:
    """Samples of [a, b) inside the union of disjoint [start, stop) ``ranges``."""
    if ranges is None or len(ranges) == 0:
        return 0
    r = np.asarray(ranges, dtype=np.int64).reshape(-1, 2)
    return int(np.clip(np.minimum(r[:, 1], b) - np.maximum(r[:, 0], a), 0, None).sum())
