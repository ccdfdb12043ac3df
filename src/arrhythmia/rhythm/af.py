"""Atrial fibrillation episodes from beat times (pure NumPy).

The detector works on the RR sequence (:func:`judged_intervals`: the
intervals between supraventricular beats, when beat labels are given):
:func:`~arrhythmia.rhythm.af_features.rr_features` describes each RR
interval's neighbourhood, a logistic regression turns the features into an
AF probability per interval (:func:`af_probability`), and :func:`hysteresis`
with :func:`episodes_from_intervals` turns the probabilities into episodes,
joined across short gaps, with a minimum duration. The learned parameters live
in ``af_model.json`` beside this module, written by
``scripts/build_af_detector.py`` (cross-validated over the Long Term AF
Database's patients); :func:`load_model` reads them and :func:`detect_af`
runs the whole chain. :func:`rhythm_annotations` gives the WFDB rhythm marks.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .af_features import FEATURE_NAMES, rr_features

AF_LABEL = "(AFIB"
AFL_LABEL = "(AFL"
NORMAL_LABEL = "(N"
MODEL_FILE = Path(__file__).with_name("af_model.json")
LOG_EPS = 0.005
"""Offset of the log transform (features are shares and relative differences, >= 0)."""
MIN_BEATS = 8
"""Fewer judged intervals than this give no episode (no window to judge irregularity over)."""
VENTRICULAR_LABELS = frozenset({"V", "E", "F"})
"""Beat labels (MIT-BIH symbols, AAMI letters) whose RR intervals the detector leaves out."""
NN_EXCLUDED_LABELS = VENTRICULAR_LABELS | {"S", "A", "a", "J", "e", "j"}
"""Left out as well to judge only the intervals between beats called normal: frequent premature atrial beats make
sinus rhythm irregular, AF leaves those intervals irregular too."""


@dataclass(frozen=True)
class AFModel:
    """Parameters of the AF detector.

    Attributes
    ----------
    window : int
        RR intervals per feature window.
    features : tuple of str
        Feature names used, a subset of :data:`~arrhythmia.rhythm.af_features.FEATURE_NAMES`.
    mean, scale : tuple of float
        Standardisation of each used feature (learned on the training records).
    weights : tuple of float
        Logistic-regression weight per standardised feature.
    bias : float
    log_features : tuple of str
        Features taken as ``log(value + LOG_EPS)`` before standardisation.
    threshold_on, threshold_off : float
        Hysteresis on the AF probability: an episode starts where it reaches
        ``threshold_on`` and lasts until it falls below ``threshold_off``.
    merge_gap_s : float
        Episodes separated by less than this (seconds) are joined.
    min_duration_s : float
        Shorter episodes (after joining) are dropped.
    info : dict
        Provenance (training data, date, cross-validation figures); not used.
    """

    window: int
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    log_features: tuple[str, ...] = ()
    threshold_on: float = 0.5
    threshold_off: float = 0.5
    merge_gap_s: float = 0.0
    min_duration_s: float = 0.0
    info: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        unknown = [f for f in (*self.features, *self.log_features) if f not in FEATURE_NAMES]
        if unknown or not (len(self.features) == len(self.mean) == len(self.scale) == len(self.weights)):
            raise ValueError(f"inconsistent AF model: features {self.features}, unknown {unknown}")
        if self.threshold_off > self.threshold_on:
            raise ValueError("AF model: threshold_off must not exceed threshold_on")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["features"] = list(self.features)
        d["log_features"] = list(self.log_features)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "AFModel":
        d = dict(d)
        for k in ("features", "log_features", "mean", "scale", "weights"):
            d[k] = tuple(d[k])
        return cls(**d)


def load_model(path=None) -> AFModel:
    """Read an :class:`AFModel` from JSON (default: the one shipped in the package)."""
    with open(path or MODEL_FILE) as f:
        return AFModel.from_dict(json.load(f))


def model_inputs(full: np.ndarray, model: AFModel) -> np.ndarray:
    """The model's columns of a :func:`rr_features` matrix, log-transformed where it says (not standardised)."""
    cols = [FEATURE_NAMES.index(f) for f in model.features]
    x = np.asarray(full, dtype=float)[:, cols]
    logs = [i for i, f in enumerate(model.features) if f in model.log_features]
    x[:, logs] = np.log(x[:, logs] + LOG_EPS)
    return x


def feature_matrix(rr, model: AFModel) -> np.ndarray:
    """The model's features, transformed and standardised, one row per RR interval."""
    return (model_inputs(rr_features(rr, model.window), model) - np.asarray(model.mean)) / np.asarray(model.scale)


def af_probability(rr, model: AFModel) -> np.ndarray:
    """AF probability of every RR interval.

    Parameters
    ----------
    rr : array_like of float, shape (n,)
        RR intervals, seconds.
    model : AFModel

    Returns
    -------
    ndarray of float, shape (n,), in [0, 1]
    """
    z = feature_matrix(rr, model) @ np.asarray(model.weights) + model.bias
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def hysteresis(p, on: float, off: float) -> np.ndarray:
    """Boolean state: True from where ``p >= on`` until ``p < off`` (vectorised).

    Starts False. With ``on == off`` it is simply ``p >= on``.
    """
    p = np.asarray(p, dtype=float)
    idx = np.arange(p.size)
    last_on = np.maximum.accumulate(np.where(p >= on, idx, -1))
    last_off = np.maximum.accumulate(np.where(p < off, idx, -1))
    return last_on > last_off


def _runs(mask: np.ndarray) -> np.ndarray:
    """(k, 2) [first, last + 1) index pairs of the True runs of ``mask``."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.column_stack([np.flatnonzero(d == 1), np.flatnonzero(d == -1)])


def judged_intervals(beat_samples, labels=None, exclude=VENTRICULAR_LABELS) -> tuple[np.ndarray, np.ndarray]:
    """The RR intervals the detector judges: ``(starts, ends)`` samples.

    Every interval between successive beats, except, when ``labels`` are
    given, those that begin or end at a ventricular beat
    (:data:`VENTRICULAR_LABELS`): AF is an irregular *supraventricular*
    rhythm, and a premature ventricular beat with its compensatory pause
    makes any rhythm irregular. (The NN intervals of heart-rate variability.)

    Parameters
    ----------
    beat_samples : array_like of int, shape (n,)
    labels : sequence of str, optional
        One label per beat: MIT-BIH symbols or AAMI letters.
    exclude : collection of str
        Labels whose intervals are left out (default :data:`VENTRICULAR_LABELS`;
        with ``"S"`` added, only the intervals between beats called normal are
        judged: :data:`NN_EXCLUDED_LABELS`).

    Returns
    -------
    starts, ends : ndarray of int64
    """
    t = np.asarray(beat_samples, dtype=np.int64)
    keep = np.ones(max(t.size - 1, 0), dtype=bool)
    if labels is not None and t.size > 1:
        v = np.isin(np.asarray(labels, dtype=str), list(exclude))
        if v.size != t.size:
            raise ValueError(f"labels and beat_samples differ in length: {v.size} vs {t.size}")
        keep = ~v[:-1] & ~v[1:]
    return t[:-1][keep], t[1:][keep]


def episodes_from_intervals(is_af, starts, ends, n_samples: int, fs: float, merge_gap_s: float = 0.0,
                            min_duration_s: float = 0.0, first: int | None = None,
                            last: int | None = None) -> np.ndarray:
    """Episodes [start, end) in samples from a per-interval AF decision.

    Interval ``k`` spans ``starts[k]`` to ``ends[k]``. A run of AF intervals
    ``a..b`` is the episode from ``starts[a]`` to ``ends[b]`` (intervals left
    out between them, at ventricular beats, lie inside it); it runs to
    ``n_samples`` when it ends at the last beat (``last``, default
    ``ends[-1]``) and from sample 0 when it starts at the first (``first``,
    default ``starts[0]``). Episodes less than ``merge_gap_s`` apart are
    joined, then those shorter than ``min_duration_s`` dropped.

    Returns
    -------
    ndarray of int64, shape (k, 2)
    """
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    runs = _runs(np.asarray(is_af, dtype=bool))
    if runs.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    first = int(starts[0]) if first is None else int(first)
    last = int(ends[-1]) if last is None else int(last)
    ep = np.column_stack([starts[runs[:, 0]], ends[runs[:, 1] - 1]])
    ep[ep[:, 1] >= last, 1] = n_samples
    ep[ep[:, 0] <= first, 0] = 0
    if merge_gap_s > 0 and len(ep) > 1:
        keep_gap = (ep[1:, 0] - ep[:-1, 1]) >= merge_gap_s * fs
        first_of = np.concatenate([[True], keep_gap])
        last_of = np.concatenate([keep_gap, [True]])
        ep = np.column_stack([ep[first_of, 0], ep[last_of, 1]])
    return ep[(ep[:, 1] - ep[:, 0]) >= min_duration_s * fs]


def in_episodes(samples, episodes) -> np.ndarray:
    """Which ``samples`` (beat times) lie inside one of the sorted, disjoint [start, end) ``episodes``.

    For the classifier: a beat inside an AF episode is irregular because of
    the rhythm, not premature (not S because of its RR intervals).
    """
    t = np.asarray(samples, dtype=np.int64)
    ep = np.asarray(episodes, dtype=np.int64).reshape(-1, 2)
    if ep.size == 0:
        return np.zeros(t.shape, dtype=bool)
    k = np.searchsorted(ep[:, 0], t, side="right") - 1
    return (k >= 0) & (t < ep[np.maximum(k, 0), 1])


@dataclass(frozen=True)
class AFResult:
    """What :func:`detect_af` found.

    Attributes
    ----------
    episodes : ndarray of int64, shape (k, 2)
        [start, end) samples of each episode.
    labels : tuple of str
        Rhythm label of each episode (``'(AFIB'``).
    interval_starts, interval_ends : ndarray of int64, shape (m,)
        The RR intervals judged (:func:`judged_intervals`).
    probability : ndarray of float, shape (m,)
        AF probability of each judged interval.
    """

    episodes: np.ndarray
    labels: tuple[str, ...]
    interval_starts: np.ndarray
    interval_ends: np.ndarray
    probability: np.ndarray

    def episode_dicts(self) -> list[dict]:
        """The episodes as :mod:`arrhythmia.rhythm.episodes` takes them: ``{"start", "end", "rhythm"}``."""
        return [{"start": int(a), "end": int(b), "rhythm": lab} for (a, b), lab in zip(self.episodes.tolist(),
                                                                                         self.labels)]


def detect_af(beat_samples, fs: float, n_samples: int, model: AFModel | None = None, labels=None,
              exclude=VENTRICULAR_LABELS) -> AFResult:
    """AF episodes of a record from its beat times (and, if given, labels).

    Parameters
    ----------
    beat_samples : array_like of int
        Sample index of every beat, strictly ascending.
    fs : float
        Sampling rate, Hz.
    n_samples : int
        Record length, samples (episodes that reach the last beat end here).
    model : AFModel, optional
        Default: the shipped model (:func:`load_model`).
    labels : sequence of str, optional
        One label per beat (MIT-BIH symbols or AAMI letters); intervals at
        ventricular beats are then left out (:func:`judged_intervals`).
    exclude : collection of str
        The labels whose intervals are left out (:func:`judged_intervals`).

    Returns
    -------
    AFResult
    """
    model = model or load_model()
    t = np.asarray(beat_samples, dtype=np.int64)
    if np.any(np.diff(t) <= 0):
        raise ValueError("beat samples must be strictly increasing")
    starts, ends = judged_intervals(t, labels, exclude)
    if starts.size < MIN_BEATS:
        none = np.zeros(0, dtype=np.int64)
        return AFResult(np.zeros((0, 2), dtype=np.int64), (), none, none, np.zeros(0))
    p = af_probability((ends - starts) / fs, model)
    state = hysteresis(p, model.threshold_on, model.threshold_off)
    ep = episodes_from_intervals(state, starts, ends, n_samples, fs, model.merge_gap_s, model.min_duration_s,
                                 first=t[0], last=t[-1])
    return AFResult(ep, (AF_LABEL,) * len(ep), starts, ends, p)


def rhythm_annotations(episodes, labels, beat_samples, normal: str = NORMAL_LABEL):
    """WFDB rhythm marks for episodes: a ``+`` at every change of rhythm.

    The first mark is at the first beat (the rhythm the record starts in);
    each episode gets its label at its start and ``normal`` where it ends
    (unless another episode starts there, or the record ends).

    Parameters
    ----------
    episodes : array_like of int, shape (k, 2)
        Sorted, non-overlapping [start, end) samples.
    labels : sequence of str
        One aux label per episode (``'(AFIB'``, ``'(AFL'``).
    beat_samples : array_like of int
        Beat samples; only the first (and the last, to tell the end of the record) are used.
    normal : str
        Label of the rhythm outside the episodes.

    Returns
    -------
    samples : ndarray of int64
    symbols : list of str
        All ``'+'``.
    aux : list of str
        The rhythm label of each mark; ready for ``wfdb.wrann(..., aux_note=aux)``.
    """
    t = np.asarray(beat_samples, dtype=np.int64)
    ep = np.asarray(episodes, dtype=np.int64).reshape(-1, 2)
    if t.size == 0:
        return np.zeros(0, dtype=np.int64), [], []
    first, last = int(t[0]), int(t[-1])
    marks: list[tuple[int, str]] = []
    for (a, b), lab in zip(ep.tolist(), labels):
        marks.append((max(a, first), lab))
        if b <= last:
            marks.append((b, normal))
    if not marks or marks[0][0] > first:
        marks.insert(0, (first, normal))
    at: dict[int, str] = {}
    for s, lab in marks:                    # a label at the sample where the previous one ends replaces it
        at[s] = lab
    items = sorted(at.items())
    out = [(s, lab) for i, (s, lab) in enumerate(items) if i == 0 or lab != items[i - 1][1]]
    samples = np.array([s for s, _ in out], dtype=np.int64)
    return samples, ["+"] * len(out), [lab for _, lab in out]
