"""Runs of supraventricular premature beats, followed from the beat that starts them (pure NumPy, no label read).

A network that reads a beat in the context of the recent rhythm sees the first
beat of a supraventricular run, or of a paroxysm of supraventricular
tachycardia, as premature, and the beats after it as normal: a minute into a
run at 140 beats a minute, 140 a minute *is* the recent rhythm. The rhythm
the run broke off from is still known at its first beat, so a run can be
followed from there:

* a **seed** is a beat the network calls S, after a beat called N or S,
  whose interval is shorter than ``ratio`` times the reference: the median of
  the last :data:`REF_INTERVALS` intervals between beats the network calls N
  among the :data:`REF_LOOKBACK` intervals before it, leaving out intervals
  that end at a beat of an earlier run (at least :data:`MIN_REF_INTERVALS` of
  them, else the beat is no seed); a beat called S inside a run already
  followed starts none;
* the run goes on while each interval between two supraventricular beats
  (N or S, as the network calls them) stays under ``ratio`` times that same
  reference and within :data:`REGULARITY` of the run's previous such interval
  (a re-entrant or ectopic atrial run is regular; atrial fibrillation, whose
  fast irregular intervals would otherwise pass as a run, is not); the seed's
  own interval (its coupling interval) is not compared, since a
  tachycardia's first cycles often shorten;
* intervals that begin or end at a ventricular, fusion or unclassifiable beat
  are not judged (a premature ventricular beat and its pause interrupt a run
  without ending it); the N-called beats after such an interval join the run
  when the next judged interval still belongs to it;
* the first judged interval at or above ``ratio`` times the reference, or
  irregular, ends the run;
* with ``max_interval`` (round 14: :data:`TACHYCARDIA_S`, 0.6 s, a rate of
  100 a minute), a seed's interval and every judged interval of its run must
  also be shorter than that: a run followed this way is then a tachycardia by
  the clinical definition. Without it, a rhythm that halves its interval and
  stays regular at a normal rate (a 2:1 AV block giving way to 1:1
  conduction, MIT-BIH 231) is followed as a run just as a supraventricular
  tachycardia's onset is, and an RR-only rule cannot tell the two apart
  by their ratio.

The beats the network called N inside a run are then given the S class
(:func:`extend_premature_runs`). Nothing is fitted here but ``ratio``, which the
selection protocol chooses in patient-grouped cross-validation
(docs/default_model_selection.md, round 12; ``max_interval`` is fixed, round 14).
"""

from __future__ import annotations

import numpy as np

REF_INTERVALS = 8
"""The reference is the median of at most this many N-to-N intervals before a seed."""
REF_LOOKBACK = 20
"""How many intervals before a seed are searched for the reference's N-to-N intervals."""
MIN_REF_INTERVALS = 4
"""Fewer N-to-N intervals than this before a beat: no reference, the beat starts no run."""
REGULARITY = 0.2
"""A run ends at an interval that differs from the run's previous judged interval by more than this share of it."""
TACHYCARDIA_S = 0.6
"""Round 14's ``max_interval``, in seconds: a run followed with it is faster than 100 beats a minute."""

_N, _S = 0, 1


def premature_runs(labels, samples, ratio: float, max_interval: float | None = None) -> np.ndarray:
    """Beats called N that lie in a run of supraventricular premature beats started by a beat called S.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Class index per beat (AAMI order: 0 N, 1 S, 2 V, 3 F, 4 Q), in time order.
    samples : array_like of float, shape (n,)
        The beats' times, ascending, in any unit (samples at any rate, seconds): only ratios of intervals are
        used, and ``max_interval``, given in the same unit.
    ratio : float
        A seed's interval, and every judged interval of its run, must be shorter than ``ratio`` times the
        reference. 0 finds no run.
    max_interval : float, optional
        A seed's interval, and every judged interval of its run, must also be shorter than this, in the unit of
        ``samples`` (``TACHYCARDIA_S * fs`` for a tachycardia faster than 100 a minute). None: no such limit.

    Raises
    ------
    ValueError
        ``ratio`` negative or not finite, ``max_interval`` not a positive number, or ``labels`` and ``samples``
        of different lengths.

    Returns
    -------
    ndarray of bool, shape (n,)
        True at the N-called beats inside a run (the beats :func:`extend_premature_runs` relabels).
    """
    lab = np.asarray(labels)
    s = np.asarray(samples, dtype=np.float64)
    if not (np.isfinite(ratio) and ratio >= 0):
        raise ValueError(f"Invalid value for 'ratio': a finite number >= 0 (0: no run); got {ratio!r}.")
    if max_interval is not None and not (np.isfinite(max_interval) and max_interval > 0):
        raise ValueError(f"Invalid value for 'max_interval': a finite number > 0, or None; got {max_interval!r}.")
    if lab.shape != s.shape:
        raise ValueError(f"Invalid value for 'labels': one per beat ({s.size}); got {lab.size}.")
    n = s.size
    inside = np.zeros(n, dtype=bool)
    if n < 3 or ratio == 0:
        return inside
    rr = np.r_[np.nan, np.diff(s)]  # rr[j]: the interval ending at beat j
    sv = (lab == _N) | (lab == _S)
    judged = np.r_[False, sv[:-1] & sv[1:]]
    nn = np.r_[False, (lab[:-1] == _N) & (lab[1:] == _N)]
    end = -1
    for i in np.flatnonzero(lab == _S):
        if i <= end or not judged[i]:
            continue
        lo = max(i - REF_LOOKBACK, 1)
        ref_at = np.flatnonzero(nn[lo:i] & ~inside[lo:i]) + lo
        if ref_at.size < MIN_REF_INTERVALS:
            continue
        limit = ratio * float(np.median(rr[ref_at[-REF_INTERVALS:]]))
        if max_interval is not None:
            limit = min(limit, float(max_interval))
        if rr[i] >= limit:
            continue
        end = _follow(rr, judged, sv, i, limit, inside)
    return inside & (lab == _N)


def _follow(rr, judged, sv, seed: int, limit: float, inside: np.ndarray) -> int:
    """Mark the beats of the run started at ``seed`` in ``inside``; the index of the beat before the one whose
    interval ended the run (the run's last beat, or a beat after a ventricular one that the run did not take)."""
    last, pending, j, n = np.nan, [], seed + 1, rr.size  # the seed's own (coupling) interval sets no rhythm
    while j < n:
        if judged[j]:
            if rr[j] >= limit or abs(rr[j] - last) > REGULARITY * last:  # False while last is NaN
                break
            last = rr[j]
            inside[pending] = True
            inside[j] = True
            pending = []
        elif sv[j]:
            pending.append(j)  # after a ventricular beat: in the run if the next judged interval is
        j += 1
    return j - 1


def check_runs_setting(setting) -> tuple[float, float | None]:
    """``(ratio, max_interval_s)`` of a bundle's ``postprocess.premature_runs`` setting, checked: a ratio (round
    12; ``max_interval_s`` None) or a dict of ``ratio`` and ``max_interval_s`` (round 14; None: no limit).

    Raises
    ------
    ArrhythmiaError
        Any other form, a ratio that is not a finite number >= 0 or a ``max_interval_s`` that is not a number
        > 0, naming the setting.
    """
    from ..errors import ArrhythmiaError

    def bad(name, allowed, got):
        return ArrhythmiaError(f"Invalid value for 'postprocess.premature_runs{name}': allowed {allowed}; "
                               f"got {got!r}.")

    if isinstance(setting, dict):
        if set(setting) != {"ratio", "max_interval_s"}:
            raise bad("", "a ratio, or a dict of 'ratio' and 'max_interval_s'", setting)
        ratio, limit = setting["ratio"], setting["max_interval_s"]
    else:
        ratio, limit = setting, None
    number = (int, float, np.integer, np.floating)
    if isinstance(ratio, bool) or not isinstance(ratio, number) or not (np.isfinite(ratio) and ratio >= 0):
        raise bad(".ratio" if isinstance(setting, dict) else "", "a finite number >= 0 (0: no run)", ratio)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, number)
                              or not (np.isfinite(limit) and limit > 0)):
        raise bad(".max_interval_s", "a finite number of seconds > 0", limit)
    return float(ratio), (None if limit is None else float(limit))


def apply_runs_setting(proba: np.ndarray, setting, samples, fs: float | None) -> tuple[np.ndarray, int]:
    """:func:`extend_premature_runs` at a bundle's ``postprocess.premature_runs`` setting (checked by
    :func:`check_runs_setting`): a ratio (round 12), or ``ratio`` and ``max_interval_s`` (round 14), the latter
    needing the beats' sampling rate ``fs``."""
    ratio, limit_s = check_runs_setting(setting)
    if limit_s is None:
        return extend_premature_runs(proba, samples, ratio)
    if fs is None:
        raise ValueError("postprocess: 'fs' is needed with a 'premature_runs' setting with 'max_interval_s'")
    return extend_premature_runs(proba, samples, ratio, limit_s * fs)


def extend_premature_runs(proba: np.ndarray, samples, ratio: float,
                          max_interval: float | None = None) -> tuple[np.ndarray, int]:
    """Move the N probability of the beats :func:`premature_runs` finds to S.

    Parameters
    ----------
    proba : ndarray, shape (n, 5)
        One recording's probabilities (AAMI order), in time order.
    samples : array_like of int, shape (n,)
        The beats' R peaks, ascending.
    ratio, max_interval : float
        See :func:`premature_runs` (``max_interval`` in samples).

    Returns
    -------
    proba : ndarray of float64, shape (n, 5)
    relabelled : int
        Beats moved from N to S.
    """
    p = np.asarray(proba, dtype=np.float64)
    m = premature_runs(p.argmax(1), samples, ratio, max_interval) if len(p) else np.zeros(0, bool)
    return move_probability(p, m, _N, _S), int(m.sum())


def move_probability(proba: np.ndarray, mask: np.ndarray, from_class: int, to_class: int) -> np.ndarray:
    """A copy of ``proba`` with the ``from_class`` probability of the rows in ``mask`` added to ``to_class``'s."""
    p = np.array(proba, dtype=np.float64, copy=True)
    m = np.asarray(mask, dtype=bool)
    p[m, to_class] += p[m, from_class]
    p[m, from_class] = 0.0
    return p
