"""Adapting a classifier's probabilities to one recording, without any label (pure NumPy).

At annotation time the whole recording is there, unlabelled. Label-free
steps use it; each is a pure function of the recording's own beats, so it
reads no reference annotation and can be scored in cross-validation on
held-out patients exactly as ``annotate`` runs it:

:func:`temperature_scale`
    Calibration: ``p_T ∝ p ** (1 / T)`` (the same as dividing the logits by
    ``T``), with ``T`` fitted on held-out patients of the cross-validation.
:func:`adapt_priors`
    The recording's class priors, estimated by EM (Saerens, Latinne &
    Decaestecker, *Neural Computation* 14:21-41, 2002) from the beats'
    probabilities, replace the priors the classifier learnt. A network trained
    with a class-balanced sampler believes every class equally likely; in a
    recording whose S beats are 0.1 % of its beats, that belief makes every
    borderline beat S; in one where they are 70 % (MIT-BIH 232), the opposite.
    A recording too short to estimate its priors (fewer than
    :data:`MIN_BEATS_TO_ADAPT` beats) keeps the classifier's.
:func:`arrhythmia.pipeline.clusters.cluster_smooth`
    A beat's probabilities moved towards those of the recording's beats it
    resembles in shape and timing (its k-means cluster).
:func:`relabel_in_episodes`
    Within atrial fibrillation or flutter, there is no supraventricular
    *premature* beat: an irregular normal beat there is N, so the S
    probability of a beat inside such an episode goes to N.
:func:`relabel_in_nn_af`
    The same, only where the AF detector also sees AF on the intervals between
    the beats the network calls N: frequent premature atrial beats and runs of
    them make sinus rhythm look irregular to the RR-based detector (the S
    beats it would then relabel are real), while in AF the intervals between
    normal beats stay irregular.
:func:`arrhythmia.pipeline.runs.extend_premature_runs`
    The other way: the beats the network calls N inside a run of
    supraventricular premature beats (followed from the S beat that starts it,
    against the rhythm the run broke off from) go to S.
:func:`relabel_irregular`
    The same judgement made beat by beat from the rhythm of the beats the
    network itself calls normal: an atrial premature beat is early against a
    regular underlying rhythm, so where the intervals between consecutive
    N-labelled beats around a beat are themselves irregular (as in AF, where
    they vary by 10-20 % from one to the next, against 1-5 % in sinus rhythm
    with ectopy), an S label has nothing to be premature against and goes to
    N. Runs of ectopic beats take no part in that measure (only intervals
    with an N beat at both ends do), which is where the RR-based AF detector
    is fooled.
"""

from __future__ import annotations

import numpy as np

from .runs import apply_runs_setting, check_runs_setting, move_probability

MIN_BEATS_TO_ADAPT = 300
"""Fewer beats than this (about 4-5 minutes) and :func:`adapt_priors` leaves the probabilities as they are."""
NN_HALF_WINDOW = 30
""":func:`nn_irregularity` looks this many beats either side of a beat."""
MIN_NN_PAIRS = 8
"""Fewer successive N-to-N interval pairs than this in a beat's window and it has no irregularity (NaN)."""
CLUSTERS_LEFT_OUT = "the recording's clusters left out, the other steps run"
"""What a recording too short to cluster gets instead (the relabelling steps still run, as cross-validation scored)."""


def temperature_scale(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities ``p`` turned into ``softmax(log p / T)``.

    Parameters
    ----------
    proba : ndarray, shape (n, k)
    temperature : float
        ``T > 1`` softens, ``T < 1`` sharpens; 1 leaves ``proba`` unchanged.

    Returns
    -------
    ndarray of float64, shape (n, k)
    """
    p = np.asarray(proba, dtype=np.float64)
    if temperature == 1.0 or p.size == 0:
        return p.copy()
    logp = np.log(np.clip(p, 1e-12, 1.0)) / float(temperature)
    logp -= logp.max(axis=1, keepdims=True)
    e = np.exp(logp)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(proba: np.ndarray, y: np.ndarray, grid=None) -> float:
    """The temperature minimising the negative log-likelihood of held-out labels ``y`` (grid search, log scale)."""
    grid = np.exp(np.linspace(np.log(0.25), np.log(8.0), 61)) if grid is None else np.asarray(grid, dtype=float)
    y = np.asarray(y, dtype=np.int64)
    nll = [-np.mean(np.log(np.clip(temperature_scale(proba, t)[np.arange(y.size), y], 1e-12, 1.0))) for t in grid]
    return float(grid[int(np.argmin(nll))])


def adapt_priors(proba: np.ndarray, train_prior, n_iter: int = 50, tol: float = 1e-6, floor: float = 1e-4,
                 min_beats: int = MIN_BEATS_TO_ADAPT) -> tuple[np.ndarray, np.ndarray]:
    """Re-weight a recording's beat probabilities by the class priors EM estimates for that recording.

    Parameters
    ----------
    proba : ndarray, shape (n, k)
        The classifier's probabilities for every beat of one recording.
    train_prior : array_like, shape (k,)
        The class priors the classifier's outputs assume (uniform for a
        class-balanced sampler).
    n_iter, tol : int, float
        EM iterations and the prior change at which it stops.
    floor : float
        Smallest prior kept for a class (so that no class is ruled out).
    min_beats : int
        Fewer beats: nothing is adapted.

    Returns
    -------
    adapted : ndarray, shape (n, k)
        ``p'(c|x) ∝ p(c|x) * prior(c) / train_prior(c)``.
    prior : ndarray, shape (k,)
        The recording's estimated priors (``train_prior`` when not adapted).
    """
    p = np.asarray(proba, dtype=np.float64)
    base = np.asarray(train_prior, dtype=np.float64)
    base = base / base.sum()
    if len(p) < min_beats:
        return p.copy(), base
    prior = base.copy()
    ratio = 1.0 / base
    adapted = p
    for _ in range(n_iter):
        w = p * (prior * ratio)[None, :]
        adapted = w / w.sum(axis=1, keepdims=True)
        new = np.maximum(adapted.mean(axis=0), floor)
        new /= new.sum()
        done = np.abs(new - prior).max() < tol
        prior = new
        if done:
            break
    w = p * (prior * ratio)[None, :]
    return w / w.sum(axis=1, keepdims=True), prior


def in_episodes(samples, episodes) -> np.ndarray:
    """Boolean mask of the beats at ``samples`` that lie inside one of ``episodes`` ((k, 2) [start, end) samples)."""
    s = np.asarray(samples, dtype=np.int64)
    ep = np.asarray(episodes, dtype=np.int64).reshape(-1, 2)
    if not ep.size or not s.size:
        return np.zeros(s.size, bool)
    ep = ep[np.argsort(ep[:, 0])]
    i = np.searchsorted(ep[:, 0], s, side="right") - 1
    ok = i >= 0
    out = np.zeros(s.size, bool)
    out[ok] = s[ok] < ep[i[ok], 1]
    return out


def relabel_in_episodes(proba: np.ndarray, mask: np.ndarray, from_class: int = 1, to_class: int = 0) -> np.ndarray:
    """Move the ``from_class`` (S) probability of the beats in ``mask`` to ``to_class`` (N)."""
    return move_probability(proba, mask, from_class, to_class)


def relabel_in_nn_af(proba: np.ndarray, samples, episodes, fs: float) -> tuple[np.ndarray, int]:
    """S beats inside ``episodes`` that the AF detector also puts in AF from the intervals between beats called N
    -> N.

    Parameters
    ----------
    proba : ndarray, shape (n, 5)
        One recording's probabilities (AAMI order), in time order.
    samples : array_like of int, shape (n,)
        The beats' R peaks, ascending.
    episodes : ndarray, shape (m, 2)
        The AF/flutter episodes found on every interval not at a ventricular beat (annotate's, after its P-wave
        check; the cross-validation that chose this relabelling had the RR episodes alone).
    fs : float
        Sampling rate of ``samples``, Hz.

    Returns
    -------
    proba : ndarray of float64, shape (n, 5)
    relabelled : int
        S-labelled beats whose S probability went to N.
    """
    from ..labels import AAMI_CLASSES
    from ..rhythm.af import NN_EXCLUDED_LABELS, detect_af

    p = np.asarray(proba, dtype=np.float64)
    s = np.asarray(samples, dtype=np.int64)
    if not s.size:
        return p, 0
    labels = np.asarray(AAMI_CLASSES)[p.argmax(1)]
    nn = detect_af(s, fs, int(s[-1]) + 1, labels=labels, exclude=NN_EXCLUDED_LABELS).episodes
    m = in_episodes(s, episodes) & in_episodes(s, nn)
    return relabel_in_episodes(p, m), int((m & (p.argmax(1) == 1)).sum())


def nn_irregularity(labels, samples, half: int = NN_HALF_WINDOW) -> np.ndarray:
    """Irregularity of the normal rhythm around each beat.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Class index per beat (0 = N), in time order.
    samples : array_like of int, shape (n,)
        The beats' R peaks, ascending.
    half : int
        Beats either side.

    Returns
    -------
    ndarray of float64, shape (n,)
        Median absolute difference between successive N-to-N intervals (an interval with an N beat at both ends,
        and the next one sharing its end beat) within ``half`` beats either side, over the median N-to-N
        interval there; NaN where fewer than :data:`MIN_NN_PAIRS` pairs are in the window. Unitless: no rate
        is needed.
    """
    import warnings

    from ..features.rr import centred_median

    lab = np.asarray(labels)
    s = np.asarray(samples, dtype=np.int64)
    n = s.size
    if n < 3:
        return np.full(n, np.nan)
    rr = np.diff(s).astype(np.float64)
    nn = (lab[:-1] == 0) & (lab[1:] == 0)              # interval j: beat j -> j + 1
    diffs = np.full(n, np.nan)                         # at the beat the two intervals share
    diffs[1:-1] = np.where(nn[:-1] & nn[1:], np.abs(np.diff(rr)), np.nan)
    ref = np.full(n, np.nan)
    ref[:-1] = np.where(nn, rr, np.nan)
    c = np.r_[0, np.cumsum(~np.isnan(diffs))]
    i = np.arange(n)
    pairs = c[np.minimum(i + half + 1, n)] - c[np.maximum(i - half, 0)]  # pairs in each beat's window
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # windows without a pair: NaN, left out below
        irr = centred_median(diffs, half) / centred_median(ref, half)
    return np.where(pairs >= MIN_NN_PAIRS, irr, np.nan)


def relabel_irregular(proba: np.ndarray, samples, threshold: float) -> tuple[np.ndarray, int]:
    """S beats whose surrounding normal rhythm is irregular (:func:`nn_irregularity` above ``threshold``) -> N.

    Returns the probabilities and how many S-labelled beats were relabelled.
    """
    p = np.asarray(proba, dtype=np.float64)
    irr = nn_irregularity(p.argmax(1), samples)
    m = irr > threshold  # NaN: not enough normal rhythm to judge, left alone
    return relabel_in_episodes(p, m), int((m & (p.argmax(1) == 1)).sum())


def reweight(proba: np.ndarray, weights) -> np.ndarray:
    """Multiply each class's probability by its weight and renormalise (a decision threshold per class: a weight
    above 1 lowers the probability a class needs to win)."""
    p = np.asarray(proba, dtype=np.float64) * np.asarray(weights, dtype=np.float64)
    return p / p.sum(1, keepdims=True)


def _relabel_af(p: np.ndarray, settings: dict, episodes, samples, fs) -> tuple[np.ndarray, int]:
    """:func:`postprocess`'s relabelling inside AF episodes (``af_relabel``, ``af_relabel_nn``), if asked for."""
    if settings.get("af_relabel_nn"):
        if fs is None:
            raise ValueError("postprocess: 'fs' is needed with an 'af_relabel_nn' setting")
        return relabel_in_nn_af(p, samples, episodes, fs)
    if settings.get("af_relabel"):
        m = in_episodes(samples, episodes)
        return relabel_in_episodes(p, m), int((m & (p.argmax(1) == 1)).sum())
    return p, 0


def _too_short(info: dict, n: int, min_beats: int, then: str = "the plain model") -> bool:
    """Whether ``n`` beats are too few to adapt on (then ``info['why']`` says so, and what was done instead)."""
    if n >= min_beats:
        return False
    info["why"] = f"too short to adapt on ({n} beats, at least {min_beats} needed): {then}"
    return True


def _stack(proba: np.ndarray, st: dict, samples, fs, episodes, info: dict) -> np.ndarray:
    """:func:`postprocess`'s second stage (replaces the network's probabilities by its own, at its temperature)."""
    from .stack import StackModel, apply_stack

    if fs is None:
        raise ValueError("postprocess: 'fs' is needed with a 'stack' setting")
    t = float(st.get("temperature", 1.0))
    info["temperature"] = t
    info["stacked"] = info["adapted"] = True
    return temperature_scale(apply_stack(StackModel.from_dict(st), proba, samples, fs, episodes), t)


def _cluster(p: np.ndarray, st: dict, descriptors, samples, fs) -> tuple[np.ndarray, int]:
    """:func:`postprocess`'s cluster step with the settings ``st`` (half an hour at a time when the beat times and
    their rate are given)."""
    from .clusters import check_cluster_setting, cluster_smooth, time_blocks

    strength, per_cluster = check_cluster_setting(st)
    if descriptors is None:
        raise ValueError("postprocess: 'descriptors' are needed with a 'cluster_smooth' setting")
    blocks = time_blocks(samples, fs) if samples is not None and fs else None
    return cluster_smooth(p, descriptors, strength, per_cluster, blocks=blocks)


def check_settings(settings: dict | None) -> None:
    """Check a bundle's ``postprocess`` settings that :func:`postprocess` reads only after the recording is
    classified (the recording's clusters, the runs), so that a malformed bundle is an error before any work.

    Raises
    ------
    ArrhythmiaError
        Naming the setting (:func:`arrhythmia.pipeline.clusters.check_cluster_setting`,
        :func:`arrhythmia.pipeline.runs.check_runs_setting`).
    """
    from .clusters import check_cluster_setting

    settings = settings or {}
    if settings.get("cluster_smooth"):
        check_cluster_setting(settings["cluster_smooth"])
    if settings.get("premature_runs") is not None:
        check_runs_setting(settings["premature_runs"])


def postprocess(proba: np.ndarray, settings: dict | None, episodes=None, samples=None,
                adapt: bool = True, fs: float | None = None, descriptors=None) -> tuple[np.ndarray, dict]:
    """The label-free steps a bundle's ``postprocess`` settings name, in order: the second stage (which replaces
    the network's probabilities by its own, calibrated with its own temperature) or the temperature, the
    recording's clusters, relabelling inside AF/flutter episodes, following runs of premature supraventricular beats, relabelling where the normal
    rhythm is irregular, per-recording priors.

    Parameters
    ----------
    proba : ndarray, shape (n, k)
        The network's probabilities for every beat of one recording, in time order.
    settings : dict or None
        A bundle's ``postprocess`` section: ``temperature`` (float), ``class_weights`` (k floats, applied
        with the temperature, also with ``adapt=False``), ``train_prior`` (k floats),
        ``adapt_priors`` (bool), ``af_relabel`` (bool), ``af_relabel_nn`` (bool: :func:`relabel_in_nn_af`,
        needs ``fs``), ``premature_runs`` (the ``ratio`` of
        :func:`arrhythmia.pipeline.runs.extend_premature_runs`, or a dict of ``ratio`` and ``max_interval_s``,
        which needs ``fs``; or None), ``nn_irregular`` (a threshold of
        :func:`relabel_irregular`, or None), ``stack`` (a :class:`arrhythmia.pipeline.stack.StackModel` as a
        dict, with its ``temperature``, or None), ``cluster_smooth`` (``strength``, ``rr_weight``,
        ``beats_per_cluster`` of :func:`arrhythmia.pipeline.clusters.cluster_smooth`, or None; needs
        ``descriptors``), ``min_beats`` (int). None: nothing is done.
    episodes : ndarray, shape (m, 2), optional
        AF/flutter episodes ([start, end) samples) found in the recording.
    samples : ndarray of int, optional
        The beats' R peaks (needed with ``episodes``).
    adapt : bool
        False: only the calibration (``annotate --no-adapt``): the network's probabilities at ``temperature``,
        no second stage.
    fs : float, optional
        Sampling rate of ``samples`` (needed with ``stack``, ``af_relabel_nn``, ``cluster_smooth``'s half-hour
        blocks and a ``premature_runs`` dict).
    descriptors : ndarray, shape (n, d), optional
        The beats' :func:`arrhythmia.pipeline.clusters.beat_descriptors` at the setting's ``rr_weight``
        (:func:`arrhythmia.pipeline.clusters.descriptors_for`; needed with ``cluster_smooth``).

    Returns
    -------
    proba : ndarray, shape (n, k)
    info : dict
        What was done: ``temperature``, ``priors`` (the recording's estimate, or None), ``relabelled_in_af``
        (beats whose S probability went to N), ``relabelled_in_runs`` (beats moved from N to S inside premature runs),
        ``relabelled_irregular`` (the same as ``relabelled_in_af``, by :func:`relabel_irregular`),
        ``relabelled_by_clusters`` (beats whose class their cluster changed), ``stacked`` (whether the second
        stage ran), ``adapted`` (bool) and, when it was not, ``why``.
    """
    p = np.asarray(proba, dtype=np.float64)
    info = {"temperature": 1.0, "priors": None, "relabelled_in_af": 0, "relabelled_in_runs": 0,
            "relabelled_irregular": 0, "relabelled_by_clusters": 0, "stacked": False, "adapted": False, "why": None}
    if not settings:
        info["why"] = "the model has no post-processing settings"
        return p, info
    info["temperature"] = t = float(settings.get("temperature", 1.0))
    p = temperature_scale(p, t)
    if settings.get("class_weights"):  # the decision rule chosen in cross-validation: part of the model
        p = reweight(p, settings["class_weights"])
    if not adapt:
        info["why"] = "turned off (--no-adapt)"
        return p, info
    min_beats = int(settings.get("min_beats", MIN_BEATS_TO_ADAPT))
    if settings.get("stack") and samples is not None and len(p):
        if _too_short(info, len(p), min_beats):
            return p, info
        p = _stack(proba, settings["stack"], samples, fs, episodes, info)
    if settings.get("cluster_smooth") and len(p) and not _too_short(info, len(p), min_beats, CLUSTERS_LEFT_OUT):
        p, info["relabelled_by_clusters"] = _cluster(p, settings["cluster_smooth"], descriptors, samples, fs)
        info["adapted"] = True
    if episodes is not None and samples is not None and len(p):
        p, info["relabelled_in_af"] = _relabel_af(p, settings, episodes, samples, fs)
    if settings.get("premature_runs") and samples is not None and len(p):
        p, info["relabelled_in_runs"] = apply_runs_setting(p, settings["premature_runs"], samples, fs)
    if settings.get("nn_irregular") is not None and samples is not None and len(p):
        p, info["relabelled_irregular"] = relabel_irregular(p, samples, float(settings["nn_irregular"]))
    if settings.get("adapt_priors"):
        if _too_short(info, len(p), min_beats):
            return p, info
        p, prior = adapt_priors(p, settings["train_prior"], min_beats=min_beats)
        info["priors"] = [round(float(v), 5) for v in prior]
        info["adapted"] = True
    return p, info
