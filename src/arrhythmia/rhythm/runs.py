"""Rhythm summary of a classified beat sequence: heart rate, ectopic burden, runs."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

from ..labels import AAMI_CLASSES

# (name, pattern over the string of beat letters); longest patterns first within a family
RUN_PATTERNS: tuple[tuple[str, str], ...] = (
    ("ventricular run (>=3 V)", r"V{3,}"),
    ("ventricular couplet", r"(?<!V)VV(?!V)"),
    ("ventricular bigeminy", r"(?:NV){3,}"),
    ("ventricular trigeminy", r"(?:NNV){3,}"),
    ("supraventricular run (>=3 S)", r"S{3,}"),
    ("supraventricular couplet", r"(?<!S)SS(?!S)"),
)


@dataclass(frozen=True)
class Episode:
    """A run found in the beat sequence.

    Attributes
    ----------
    kind : str
    first_beat, last_beat : int
        Indices into the beat sequence (inclusive).
    start_s, end_s : float
        Times of its first and last beat, seconds.
    n_beats : int
    """

    kind: str
    first_beat: int
    last_beat: int
    start_s: float
    end_s: float
    n_beats: int


def find_runs(labels, times_s) -> list[Episode]:
    """Runs, couplets, bigeminy and trigeminy episodes.

    Parameters
    ----------
    labels : sequence of str
        One AAMI letter per beat, in time order.
    times_s : array_like of float
        Beat times in seconds.

    Returns
    -------
    list of Episode, sorted by start time.
    """
    s = "".join(labels)
    t = np.asarray(times_s, dtype=float)
    out = []
    for kind, pat in RUN_PATTERNS:
        for m in re.finditer(pat, s):
            a, b = m.start(), m.end() - 1
            out.append(Episode(kind, a, b, float(t[a]), float(t[b]), b - a + 1))
    return sorted(out, key=lambda e: (e.start_s, e.kind))


def rhythm_summary(labels, samples, fs: float, duration_s: float, readable=None) -> dict:
    """Beats per class, mean heart rate, ectopic burden and runs.

    ``readable`` (bool per beat, optional): beats in unreadable stretches
    (``False``) are counted per class but left out of the burden figures.

    Returns
    -------
    dict
        ``n_beats``, ``beats_per_class``, ``mean_hr_bpm`` (beats per minute
        from the mean RR interval, gaps over 3 s left out), ``ectopic_burden_pct``
        ((S + V) / all beats), ``S_burden_pct``, ``V_burden_pct``,
        ``runs`` (count per kind) and ``episodes`` (list of dicts).
    """
    labels = list(labels)
    samples = np.asarray(samples, dtype=np.int64)
    n = len(labels)
    counts = {c: labels.count(c) for c in AAMI_CLASSES}
    rr = np.diff(samples) / fs
    rr = rr[rr <= 3.0]
    eps = find_runs(labels, samples / fs)
    runs = {}
    for e in eps:
        runs[e.kind] = runs.get(e.kind, 0) + 1

    n_read = n if readable is None else int(np.sum(readable))
    sv = counts if readable is None else {c: sum(1 for lab, r in zip(labels, readable) if r and lab == c)
                                         for c in ("S", "V")}

    def pct(k):
        return round(100.0 * k / n_read, 2) if n_read else None

    return {
        "duration_s": round(float(duration_s), 2),
        "n_beats": n,
        "beats_per_class": counts,
        "mean_hr_bpm": round(float(60.0 / rr.mean()), 1) if rr.size else None,
        "ectopic_burden_pct": pct(sv["S"] + sv["V"]),
        "S_burden_pct": pct(sv["S"]),
        "V_burden_pct": pct(sv["V"]),
        "runs": runs,
        "episodes": [asdict(e) for e in eps],
    }


