"""Choose the shipped default model's recipe by patient-grouped cross-validation over DS1 and svdb (round 5).

    .venv/bin/python scripts/select_default_model.py [--only NAME ...] [--seeds 0 1 2]

The protocol (docs/default_model_selection.md, written before the round ran) in short: the training pool is the
22 DS1 records and the 39 svdb records in ../shared/data (61 patients); DS2 is never loaded. Each candidate is
cross-validated on 5 folds of whole patients (seed s draws the folds, the initial weights and the batches); every
beat of the pool is predicted once by a model that never saw its patient (reference R peaks). Label-free
post-processing (calibration, per-recording priors, AF relabelling) is applied record by record to those
out-of-fold predictions, exactly as ``annotate`` applies it. Score = mean of S Se, S +P, V Se, V +P pooled over the
whole pool; the rule: best mean score over seeds 0, 1, 2.

Round 8 (the protocol in docs/default_model_selection.md) ran
``--only context-e5-x3 --seeds 0 1 2 --work runs/select-r8``; round 9 added
``--only context-e8-x3 --seeds 0 1 2 --work runs/select-r9``; round 10 reran
``--only context-e8-x3 --seeds 0 1 2 --work runs/select-r10`` from nothing (a copy of runs/select-r8, so that context-e5-x3's
scores and predictions are reused; from nothing: ``--only context-e5-x3 context-e8-x3``). Writes runs/select-pool/<candidate>/oof_<seed>.npz (reused when the settings match), runs/select-pool/results.json,
runs/select-pool/chosen.json (read by scripts/build_default_model.py) and docs/default_model_selection.md
(``--write-only`` rewrites the last two from results.json and the saved predictions, training nothing).
Folds train with 2 CPU threads (the weights depend on the thread count).

The chosen candidate's out-of-fold probabilities also give the shipped calibration (one temperature fitted on
held-out patients) and the default review threshold (the highest that flags at most 5 % of the held-out beats).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from arrhythmia.datasets.references import DataRoots
from arrhythmia.experiments.pool_cv import out_of_fold, score_oof, selection_score
from arrhythmia.reports import format_pct as pct
from arrhythmia.training import TrainConfig

POOL = ("mitdb:DS1", "svdb:all")
THREADS = 2
# an epoch is 50,000 class-balanced draws (about one DS1's worth, as in round 4), not a pass over the pool's
# ~150,000 beats, most of them N: the same number of steps per epoch as before, and a cross-validation 3x cheaper
BASE = dict(model="morph_rr", train=POOL, imbalance="sampler", median_channels=True, lr_schedule="cosine",
            epochs=3, rr_features="relative", val_fraction=0.0, epoch_beats=50_000)
CANDIDATES = {
    # round 4's recipe on the new pool
    "r4-relative": dict(),
    # RR against the sinus cycle where most beats are premature, the previous interval, wider irregularity
    "context": dict(rr_features="context"),
    # the same with the intervals in seconds
    "context-abs": dict(rr_features="context-abs"),
    "context-e5": dict(rr_features="context", epochs=5),
    "context-e2": dict(rr_features="context", epochs=2),
    # round 6: three networks of context-e5 (seeds s, s+1, s+2), their probabilities averaged
    "context-e5-x3": dict(rr_features="context", epochs=5, members=3),
    "context-sqrt": dict(rr_features="context", imbalance="sqrt-sampler"),
    # round 9: the same ensemble trained longer (8 epochs of 50,000 draws, the cosine schedule stretched to match)
    "context-e8-x3": dict(rr_features="context", epochs=8, members=3),
}
RATES = {"mitdb": 360.0, "svdb": 128.0}
VARIANTS = ("none", "temperature", "priors", "temperature+priors", "af-relabel", "class-weights", "nn-irregular",
            "stack", "af-nn-relabel", "af-nn-relabel+runs", "af-nn-relabel+clusters", "af-nn-relabel+fast-runs",
            "af-nn-relabel+clusters+fast-runs")
RUN_GRID = (0.0, 0.70, 0.75, 0.80, 0.85, 0.90)  # round 12; 0: follow no run. Ties go to the earlier (fewer relabelled)
# round 13: the recording's clusters (pipeline.clusters.cluster_smooth), then af-nn-relabel; "off": af-nn-relabel alone.
# Timing weight w, strength a, beats per cluster b. Ties go to the earlier in this order ("off" first)
CLUSTER_GRID = ("off",) + tuple(f"w{w:g}-a{a:g}-b{b}" for w in (1, 2) for a in (0.25, 0.5, 0.75) for b in (100, 200))
# round 14: runs followed only while faster than 100 a minute (pipeline.runs.TACHYCARDIA_S); with the clusters,
# their setting and the ratio chosen together over CLUSTER_GRID x RUN_GRID, ties to the earlier ("off/r0" first)
CLUSTER_RUN_GRID = tuple(f"{c}/r{r:g}" for c in CLUSTER_GRID for r in RUN_GRID)
NN_GRID = (0.05, 0.07, 0.10, 0.14, 0.20, float("inf"))  # inf: relabel nothing
WEIGHT_GRID = (0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0)
MAX_FLAGGED = 0.05
RULE_SLACK = 0.005  # round 8: how many more beats (share) the per-class rule may flag, nested, than the single one
GROUPS = {"DS1": lambda k: k.startswith("mitdb:"), "svdb": lambda k: k.startswith("svdb:")}


def config(name: str, seed: int) -> TrainConfig:
    return TrainConfig(**{**BASE, **CANDIDATES[name], "seed": seed, "patience": 10**6})


def train_prior(cfg: TrainConfig, y) -> np.ndarray:
    """The class priors the network's outputs assume: uniform for the class-balanced sampler, proportional to the
    square root of the class sizes for the square-root sampler, the class shares otherwise."""
    counts = np.bincount(y, minlength=5).astype(float)
    if cfg.imbalance == "sampler":
        return np.where(counts > 0, 1.0, 0.0) / max((counts > 0).sum(), 1)
    if cfg.imbalance == "sqrt-sampler":
        w = np.sqrt(counts)
        return w / w.sum()
    return counts / counts.sum()


def post_variants(cfg: TrainConfig, oof) -> dict:
    """The label-free post-processing variants scored on the out-of-fold predictions, by name."""
    from arrhythmia.pipeline.adapt import adapt_priors, fit_temperature, temperature_scale

    from arrhythmia.pipeline.adapt import relabel_irregular, reweight

    prior = train_prior(cfg, oof.y)
    temp = fit_temperature(oof.proba, oof.y)
    per_fold, shipped = nested_weights(oof)
    nn_fold, nn_shipped, nn_pooled = nested_nn_threshold(oof)
    stacked, stack_model = stack_outputs(cfg, oof)
    # once, for every variant built on it; at the temperature, as annotate relabels (round 14, after review: up to
    # then these were scored on the uncalibrated probabilities, which moves a few beats' class)
    afnn = score_oof(oof, post=lambda k, s, p: af_relabel(k, s, temperature_scale(p, temp), nn=True))["proba"]
    run_fold, run_shipped, run_pooled = nested_run_ratio(oof, afnn)
    fast_fold, fast_shipped, fast_pooled = nested_run_ratio(oof, afnn, fast=True)
    cl_probas = cluster_probas(cfg, oof, temp)
    cl_fold, cl_shipped, cl_pooled = nested_pick(oof, {c: q.argmax(1) for c, q in cl_probas.items()}, CLUSTER_GRID)
    cr_fold, cr_shipped, cr_pooled = nested_clusters_runs(oof, cl_probas)
    fold_of = {}
    for k in oof.records():
        fold_of[k] = int(oof.fold[np.flatnonzero(oof.keys == k)[0]])
    return {
        "none": None,
        "priors": lambda k, s, p: adapt_priors(p, prior)[0],
        "temperature": lambda k, s, p: temperature_scale(p, temp),
        "temperature+priors": lambda k, s, p: adapt_priors(temperature_scale(p, temp), prior)[0],
        "af-relabel": lambda k, s, p: af_relabel(k, s, temperature_scale(p, temp)),
        "af-nn-relabel": lambda k, s, p: afnn[oof.rows(k)],
        # round 12: then runs of premature beats followed from their first beat, the ratio chosen without the fold
        "af-nn-relabel+runs": lambda k, s, p: run_step(k, s, afnn[oof.rows(k)], run_fold[fold_of[k]], fast=False),
        # round 13: the recording's clusters first, their setting chosen without the fold
        "af-nn-relabel+clusters": lambda k, s, p: clusters_then_af_nn(cfg, oof, k, s, temperature_scale(p, temp),
                                                                      cl_fold[fold_of[k]]),
        # round 14: the same two, runs followed only while faster than 100 a minute
        "af-nn-relabel+fast-runs": lambda k, s, p: run_step(k, s, afnn[oof.rows(k)], fast_fold[fold_of[k]]),
        "af-nn-relabel+clusters+fast-runs": lambda k, s, p: run_step(
            k, s, cl_probas[cluster_code(cr_fold[fold_of[k]])][oof.rows(k)], run_ratio(cr_fold[fold_of[k]])),
        # each record's weights chosen without its fold: the score is not tuned on the beats it scores
        "class-weights": lambda k, s, p: reweight(p, per_fold[fold_of[k]]),
        # likewise the threshold of the irregular-rhythm relabelling
        "nn-irregular": lambda k, s, p: relabel_irregular(p, s, nn_fold[fold_of[k]])[0],
        # the second stage's probabilities from a model fitted without the record's fold
        "stack": lambda k, s, p: stacked[oof.rows(k)],
    }, {"stack": stack_model.to_dict(), "temperature": temp, "train_prior": prior.tolist(), "class_weights": shipped,
        "class_weights_per_fold": per_fold, "nn_irregular": nn_shipped, "nn_irregular_per_fold": nn_fold,
        "nn_irregular_pooled": {t: {k: v for k, v in r.items() if k != "confusion_matrix"}
                                for t, r in nn_pooled.items()},
        "premature_runs": run_shipped, "premature_runs_per_fold": run_fold,
        "premature_runs_pooled": {t: {k: v for k, v in r.items() if k != "confusion_matrix"}
                                  for t, r in run_pooled.items()},
        "clusters": cl_shipped, "clusters_per_fold": cl_fold,
        "clusters_pooled": {t: {k: v for k, v in r.items() if k != "confusion_matrix"} for t, r in cl_pooled.items()},
        "fast_runs": fast_shipped, "fast_runs_per_fold": fast_fold,
        "fast_runs_pooled": {t: {k: v for k, v in r.items() if k != "confusion_matrix"}
                             for t, r in fast_pooled.items()},
        "clusters_fast_runs": cr_shipped, "clusters_fast_runs_per_fold": cr_fold,
        "clusters_fast_runs_pooled": {t: {k: v for k, v in r.items() if k != "confusion_matrix"}
                                      for t, r in cr_pooled.items()}}


def stack_outputs(cfg: TrainConfig, oof):
    """The second stage's nested out-of-fold probabilities and the model fitted on every beat (seeded by the
    candidate's seed)."""
    from arrhythmia.experiments.stack_cv import nested_stack, oof_stack_features

    return nested_stack(oof, oof_stack_features(oof, RATES), seed=cfg.seed, threads=THREADS)


def best_weights(proba, y) -> list[float]:
    """The S and V weights (:func:`arrhythmia.pipeline.adapt.reweight`) of :data:`WEIGHT_GRID` with the best
    selection score on these beats."""
    from arrhythmia.experiments.pool_cv import scores
    from arrhythmia.pipeline.adapt import reweight

    best = (-1.0, [1.0] * 5)
    for ws in WEIGHT_GRID:
        for wv in WEIGHT_GRID:
            w = [1.0, ws, wv, 1.0, 1.0]
            sc = selection_score(scores(y, reweight(proba, w).argmax(1)))
            if sc > best[0] + 1e-12:
                best = (sc, w)
    return best[1]


def nested_weights(oof) -> tuple[dict, list[float]]:
    """Class weights chosen on the other folds' held-out beats for each fold (an honest score), and on all of them
    (what would ship)."""
    per_fold = {}
    for f in np.unique(oof.fold):
        m = oof.fold != f
        per_fold[int(f)] = best_weights(oof.proba[m], oof.y[m])
    return per_fold, best_weights(oof.proba, oof.y)


def _code(t) -> str:
    """A grid setting as text: a number as ``%g``, a code as it is."""
    return t if isinstance(t, str) else f"{t:g}"


def nested_pick(oof, preds: dict, prefer) -> tuple[dict, float, dict]:
    """The setting of ``preds`` (setting -> predicted class of every held-out beat) with the best selection score on
    the other folds' held-out beats, for each fold (an honest score), and on all of them (what would ship), and
    every setting's scores on all of them (for the doc); ties go to the first of ``prefer``."""
    from arrhythmia.experiments.pool_cv import scores

    def best(m):
        return max(prefer, key=lambda t: selection_score(scores(oof.y[m], preds[t][m])))

    pooled = {_code(t): scores(oof.y, preds[t]) for t in preds}
    return {int(f): best(oof.fold != f) for f in np.unique(oof.fold)}, best(np.ones(oof.y.size, bool)), pooled


def nested_nn_threshold(oof) -> tuple[dict, float, dict]:
    """:func:`nested_pick` over the :func:`~arrhythmia.pipeline.adapt.relabel_irregular` thresholds of
    :data:`NN_GRID`; ties go to the larger threshold (fewer beats relabelled)."""
    from arrhythmia.pipeline.adapt import relabel_irregular

    preds = {t: score_oof(oof, post=lambda k, s, p, t=t: relabel_irregular(p, s, t)[0])["proba"].argmax(1)
             for t in NN_GRID}
    return nested_pick(oof, preds, NN_GRID[::-1])


def nested_run_ratio(oof, base: np.ndarray, fast: bool = False) -> tuple[dict, float, dict]:
    """Round 12: :func:`nested_pick` over the :func:`~arrhythmia.pipeline.runs.extend_premature_runs` ratios of
    :data:`RUN_GRID`, applied to ``base`` (every held-out beat's probabilities after ``af-nn-relabel``); ties go
    to the earlier ratio of the grid (0 first: fewer beats relabelled). ``fast`` (round 14): runs followed only
    while faster than 100 a minute."""
    preds = {}
    for r in RUN_GRID:
        out = base.copy()
        for key in oof.records():
            m = oof.rows(key)
            out[m] = run_step(key, oof.sample[m], base[m], r, fast)
        preds[r] = out.argmax(1)
    return nested_pick(oof, preds, RUN_GRID)


def runs_setting(ratio: float, fast: bool = True):
    """A bundle's ``postprocess.premature_runs`` setting: None for ratio 0 (no run followed), the ratio alone
    (round 12), or with round 14's limit (``fast``: runs faster than 100 a minute only,
    :data:`~arrhythmia.pipeline.runs.TACHYCARDIA_S`)."""
    from arrhythmia.pipeline.runs import TACHYCARDIA_S

    r = float(ratio)
    if r <= 0:
        return None
    return {"ratio": r, "max_interval_s": TACHYCARDIA_S} if fast else r


def run_step(key: str, samples, proba, ratio: float, fast: bool = True) -> np.ndarray:
    """The run step as ``annotate`` applies :func:`runs_setting` (``pipeline.runs.apply_runs_setting`` at the
    record's rate); ratio 0 leaves the probabilities as they are."""
    from arrhythmia.pipeline.runs import apply_runs_setting

    setting = runs_setting(ratio, fast)
    if setting is None:
        return np.asarray(proba, dtype=np.float64)
    return apply_runs_setting(proba, setting, samples, RATES[key.split(":")[0]])[0]


def cluster_code(code: str) -> str:
    """The :data:`CLUSTER_GRID` part of a :data:`CLUSTER_RUN_GRID` code."""
    return code.split("/")[0]


def run_ratio(code: str) -> float:
    """The run ratio of a :data:`CLUSTER_RUN_GRID` code."""
    return float(code.split("/r")[1])


def af_relabel(key: str, samples, proba, nn: bool = False):
    """S beats inside the AF episodes found from the recording's own RR intervals (annotate's detector) -> N;
    ``nn``: only those the detector also puts in AF from the intervals between beats called N (round 10)."""
    from arrhythmia.pipeline.adapt import in_episodes, relabel_in_episodes, relabel_in_nn_af
    from arrhythmia.rhythm.af import detect_af

    labels = np.asarray(["N", "S", "V", "F", "Q"])[proba.argmax(1)]
    fs = RATES[key.split(":")[0]]
    af = detect_af(samples, fs, int(samples[-1]) + 1, labels=labels)
    if nn:
        return relabel_in_nn_af(proba, samples, af.episodes, fs)[0]
    return relabel_in_episodes(proba, in_episodes(samples, af.episodes))


def cluster_setting(code: str) -> dict | None:
    """A :data:`CLUSTER_GRID` code as a bundle's ``postprocess.cluster_smooth`` setting (None for ``'off'``)."""
    if code == "off":
        return None
    w, a, b = code.split("-")
    return {"rr_weight": float(w[1:]), "strength": float(a[1:]), "beats_per_cluster": int(b[1:])}


_POOL_DESCRIPTORS: dict = {}


def pool_descriptors(cfg: TrainConfig, oof, rr_weight: float) -> dict:
    """Record key -> :func:`arrhythmia.pipeline.clusters.beat_descriptors` of its beats in time order (the pool's
    beats as the networks read them, from the beat cache; the same for every seed)."""
    import dataclasses

    from arrhythmia.datasets import load_beats
    from arrhythmia.features.rr import RR_FEATURES
    from arrhythmia.pipeline.clusters import beat_descriptors
    from arrhythmia.training.run import new_model, training_records

    if rr_weight not in _POOL_DESCRIPTORS:
        base = dataclasses.replace(cfg, records=None)
        pool, _ = training_records(base, DataRoots())
        beats = load_beats(pool, DataRoots(), new_model(dataclasses.replace(base))[1])
        if not (np.array_equal(beats.keys, oof.keys) and np.array_equal(beats.sample, oof.sample)):
            raise SystemExit("the pool's beats do not match the out-of-fold predictions")
        _POOL_DESCRIPTORS[rr_weight] = {k: beat_descriptors(beats.x[oof.rows(k)], beats.rr[oof.rows(k)], RR_FEATURES,
                                                            rr_weight) for k in oof.records()}
    return _POOL_DESCRIPTORS[rr_weight]


def clusters_then_af_nn(cfg: TrainConfig, oof, key: str, samples, proba, code: str):
    """Round 13: the recording's clusters at ``code``'s setting, then ``af-nn-relabel``, as ``annotate`` runs them:
    the AF episodes from the network's own labels, the relabelling on the clustered probabilities."""
    from arrhythmia.pipeline.adapt import MIN_BEATS_TO_ADAPT, relabel_in_nn_af
    from arrhythmia.pipeline.clusters import cluster_smooth
    from arrhythmia.rhythm.af import detect_af

    fs = RATES[key.split(":")[0]]
    labels = np.asarray(["N", "S", "V", "F", "Q"])[proba.argmax(1)]
    episodes = detect_af(samples, fs, int(samples[-1]) + 1, labels=labels).episodes
    st = cluster_setting(code)
    q = proba
    if st and len(proba) >= MIN_BEATS_TO_ADAPT:
        q = cluster_smooth(proba, pool_descriptors(cfg, oof, st["rr_weight"])[key], st["strength"],
                           st["beats_per_cluster"])[0]
    return relabel_in_nn_af(q, samples, episodes, fs)[0]


def cluster_probas(cfg: TrainConfig, oof, temp: float) -> dict:
    """Round 13: every held-out beat's probabilities after :func:`clusters_then_af_nn` at each setting of
    :data:`CLUSTER_GRID`, from the probabilities at temperature ``temp`` (``annotate`` clusters the calibrated
    probabilities: averaging is not invariant to the temperature, unlike an argmax)."""
    from arrhythmia.pipeline.adapt import temperature_scale

    return {c: score_oof(oof, post=lambda k, s, p, c=c: clusters_then_af_nn(cfg, oof, k, s, temperature_scale(p, temp),
                                                                            c))["proba"] for c in CLUSTER_GRID}


def nested_clusters_runs(oof, cl_probas: dict) -> tuple[dict, str, dict]:
    """Round 14: :func:`nested_pick` over :data:`CLUSTER_RUN_GRID`: the clusters' setting and the fast runs' ratio
    chosen together, the runs followed on the clustered, relabelled probabilities (``annotate``'s order)."""
    preds = {}
    for code in CLUSTER_RUN_GRID:
        base = cl_probas[cluster_code(code)]
        out = base.copy()
        for key in oof.records():
            m = oof.rows(key)
            out[m] = run_step(key, oof.sample[m], base[m], run_ratio(code))
        preds[code] = out.argmax(1)
    return nested_pick(oof, preds, CLUSTER_RUN_GRID)


def shipped_clusters(vname: str, fitted: dict) -> dict | None:
    """The bundle's ``postprocess.cluster_smooth`` setting of a choice (None: no clusters)."""
    if vname == "af-nn-relabel+clusters":
        return cluster_setting(fitted["clusters"])
    if vname == "af-nn-relabel+clusters+fast-runs":
        return cluster_setting(cluster_code(fitted["clusters_fast_runs"]))
    return None


def shipped_runs(vname: str, fitted: dict):
    """The bundle's ``postprocess.premature_runs`` setting of a choice: a ratio (round 12), ``ratio`` and
    ``max_interval_s`` (round 14), or None (no runs followed)."""
    ratio = {"af-nn-relabel+runs": lambda: fitted["premature_runs"],
             "af-nn-relabel+fast-runs": lambda: fitted["fast_runs"],
             "af-nn-relabel+clusters+fast-runs": lambda: run_ratio(fitted["clusters_fast_runs"])}
    return runs_setting(ratio[vname](), fast=vname != "af-nn-relabel+runs") if vname in ratio else None


def summarise(cfg, oof) -> dict:
    variants, fitted = post_variants(cfg, oof)
    out = {"fitted": fitted}
    for vname, post in variants.items():
        res = score_oof(oof, post=post, groups=GROUPS)
        res.pop("proba")
        res["score"] = selection_score(res["pooled"])
        out[vname] = res
    return out


def choose(results: dict, skip=()) -> tuple[str, str, float]:
    """(candidate, post-processing variant, mean score over the seeds run) with the best mean score, leaving out
    the (candidate, variant) pairs in ``skip``."""
    best = None
    for name, by_seed in results.items():
        for vname in VARIANTS:
            vals = [r[vname]["score"] for r in by_seed.values() if vname in r]
            if (name, vname) not in skip and vals and (best is None or np.mean(vals) > best[2]):
                best = (name, vname, float(np.mean(vals)))
    return best


def calibration_section(cfg, oof, weights=None, rules=None, post=None) -> dict:
    """Temperature, calibration error and review flag on the chosen candidate's out-of-fold predictions (after the
    class weights, when the choice has them, and, from round 11, after the chosen label-free step ``post``
    (:func:`shown_post`): the confidences ``annotate`` shows). ``rules``: :func:`review_rules`' comparison; the
    rule it picks is fitted here on all of ``oof``."""
    from arrhythmia.evaluation.calibration import expected_calibration_error, flag_report
    from arrhythmia.experiments.review_cv import choose_rule
    from arrhythmia.pipeline.adapt import fit_temperature, reweight, temperature_scale

    temp = fit_temperature(oof.proba, oof.y)
    cal = temperature_scale(oof.proba.astype(np.float64), temp)
    raw = oof.proba.astype(np.float64)
    if weights:
        cal = reweight(cal, weights)
    if post is not None:  # round 11: what annotate shows after the temperature
        cal, raw = post(cal), post(raw)
    kind = (rules or {}).get("chosen", "single")
    thr = choose_rule(kind, cal, oof.y, MAX_FLAGGED)
    return {"temperature": temp, "ece_raw": expected_calibration_error(raw, oof.y),
            "ece_calibrated": expected_calibration_error(cal, oof.y), "review_below": thr, "review_rule": kind,
            "review_rules": rules, "flag_at_chosen": flag_report(cal, oof.y, thr),
            "flag_at_0.6_raw": flag_report(raw, oof.y, 0.6), "post_processed": post is not None}


def shown_post(vname: str, oof, fitted: dict, cfg: TrainConfig | None = None):
    """Round 11: the chosen variant's label-free step as ``annotate`` runs it after the temperature, as a
    callable(probabilities of every beat of ``oof``) -> post-processed, record by record; None for the variants
    whose output is the calibrated network's own (``none``, ``temperature``) or that are calibrated apart
    (``stack``, ``class-weights``: see :func:`main`). ``nn-irregular`` uses each record's fold's threshold (chosen
    without that fold), as it was scored; ``priors`` the training prior."""
    from arrhythmia.pipeline.adapt import adapt_priors, relabel_irregular

    fold_of = {k: int(oof.fold[np.flatnonzero(oof.keys == k)[0]]) for k in oof.records()}

    def per_fold(name: str, key: str, default):  # JSON keys are strings, in-memory ones ints
        pf = fitted.get(name) or {}
        return pf.get(str(fold_of[key]), pf.get(fold_of[key], default))

    steps = {
        "af-relabel": af_relabel,
        "af-nn-relabel": lambda k, s, p: af_relabel(k, s, p, nn=True),
        "af-nn-relabel+runs": lambda k, s, p: run_step(k, s, af_relabel(k, s, p, nn=True),
                                                       per_fold("premature_runs_per_fold", k, 0.0), fast=False),
        "nn-irregular": lambda k, s, p: relabel_irregular(p, s, per_fold("nn_irregular_per_fold", k,
                                                                         float("inf")))[0],
        "priors": lambda k, s, p: adapt_priors(p, fitted["train_prior"])[0],
        "af-nn-relabel+clusters": lambda k, s, p: clusters_then_af_nn(cfg, oof, k, s, p,
                                                                      per_fold("clusters_per_fold", k, "off")),
        "af-nn-relabel+fast-runs": lambda k, s, p: run_step(k, s, af_relabel(k, s, p, nn=True),
                                                            per_fold("fast_runs_per_fold", k, 0.0)),
        "af-nn-relabel+clusters+fast-runs": lambda k, s, p: run_step(
            k, s, clusters_then_af_nn(cfg, oof, k, s, p, cluster_code(per_fold("clusters_fast_runs_per_fold", k,
                                                                               "off/r0"))),
            run_ratio(per_fold("clusters_fast_runs_per_fold", k, "off/r0"))),
    }
    steps["temperature+priors"] = steps["priors"]
    step = steps.get(vname)
    if step is None:
        return None

    def post(proba):
        out = np.array(proba, dtype=np.float64, copy=True)
        for key in oof.records():
            m = oof.rows(key)
            out[m] = step(key, oof.sample[m], out[m])
        return out

    return post


def review_rules(oofs: dict, posts: dict | None = None) -> dict:
    """Round 8: the two review rules scored nested over each seed's folds (:func:`nested_review`), their mean over
    the seeds, and the one the protocol picks: ``per-class`` when it flags a larger share of the errors with at most
    :data:`RULE_SLACK` more of the beats flagged than ``single``. ``posts``: seed -> that seed's :func:`shown_post`
    (round 11), or None."""
    from arrhythmia.experiments.review_cv import RULES, nested_review

    by_seed = {seed: nested_review(o.proba, o.y, o.fold, MAX_FLAGGED, post=(posts or {}).get(seed))
               for seed, o in oofs.items()}
    mean = {k: {m: float(np.mean([r[k][m] for r in by_seed.values()])) for m in ("flagged", "errors", "S_errors",
                                                                               "V_errors")} for k in RULES}
    better = (mean["per-class"]["errors"] > mean["single"]["errors"]
              and mean["per-class"]["flagged"] <= mean["single"]["flagged"] + RULE_SLACK)
    return {"by_seed": {str(k): v for k, v in by_seed.items()}, "mean": mean,
            "chosen": "per-class" if better else "single"}


DESCRIPTIONS = {
    "r4-relative": "round 4's recipe (`--rr-features relative`: 7 RR ratios, no interval in seconds)",
    "context": "`--rr-features context`: `relative` plus the interval before the beat over the upper half of the "
               "recent intervals (the sinus cycle where most beats are premature), the previous interval's ratio and "
               "irregularity over a wider window",
    "context-abs": "`--rr-features context-abs`: `context` with the intervals in seconds too",
    "context-e5": "`context`, 5 epochs", "context-e2": "`context`, 2 epochs",
    "context-e5-x3": "an ensemble of three `context-e5` networks (seeds s, s+1 and s+2; `--members 3`), their "
                     "probabilities averaged",
    "context-sqrt": "`context`, square-root class sampler",
    "context-e8-x3": "`context-e5-x3` trained for 8 epochs instead of 5",
}
VARIANT_TEXT = {
    "none": "the network's probabilities",
    "temperature": "one temperature fitted on the held-out predictions (calibration only: the labels do not change)",
    "priors": "per-recording class priors re-estimated by EM on the recording's own unlabelled beats "
              "(Saerens et al. 2002)",
    "temperature+priors": "both",
    "af-relabel": "S beats inside the AF episodes that annotate's RR-based detector finds in the recording -> N",
    "af-nn-relabel": "round 10: `af-relabel` only where the detector also finds AF when the intervals at beats the "
                     "network calls S are left out too (`pipeline.adapt.relabel_in_nn_af`: AF leaves the intervals "
                     "between normal beats irregular, frequent premature atrial beats do not); nothing to fit",
    "class-weights": "a decision threshold for S and V: their probabilities times weights from "
                     f"{WEIGHT_GRID[0]} to {WEIGHT_GRID[-1]}, chosen for each fold on the other folds' held-out beats "
                     "(nested, so the score is not tuned on the beats it scores); the shipped weights are chosen on "
                     "all of them",
    "stack": "a second, small classifier (`pipeline.stack`: a two-layer perceptron, 32 units a layer) reading "
             "each beat's probabilities beside its neighbours' S and V probabilities, its RR ratios, the "
             "irregularity of the rhythm of the beats the network calls N, whether annotate's AF detector puts it "
             "in an episode, and the recording's share of S, V and AF beats; fitted for each fold on the other "
             "folds' held-out beats (nested: no label of a held-out patient reaches the model that relabels its "
             "beats), 8 epochs, loss weights (n / n_class) ** 0.5; the shipped one fitted on all of them",
    "af-nn-relabel+runs": "round 12: `af-nn-relabel`, then the beats the network calls N inside a run of "
                          "supraventricular premature beats go to S (`pipeline.runs.extend_premature_runs`: a run "
                          "starts at a beat called S whose interval is under `ratio` times the median of the last 8 "
                          "N-to-N intervals before it, and goes on while every interval between supraventricular "
                          "beats stays under `ratio` times that reference and within 20 % of the run's previous one; "
                          "intervals at ventricular beats are not judged); `ratio` chosen for each fold on the other "
                          f"folds' held-out beats from {', '.join(f'{r:g}' for r in RUN_GRID)} (0: follow no run), "
                          "nested like the class weights; the shipped ratio is chosen on all of them",
    "af-nn-relabel+clusters": "round 13: the recording's beats clustered (`pipeline.clusters`: k-means, seeded, on the "
                              "first lead's window in the recording's own 6 principal components, in units of 10 % "
                              "of its median beat's RMS, beside the log of three interval ratios, pre/local, "
                              "post/local and pre/upper quartile, in units of 0.1, times a timing weight `w`; one "
                              "cluster per `b` beats, at most 30), each beat's probabilities moved a share `a` "
                              "towards its cluster's mean (the probabilities at the seed's temperature, as annotate "
                              "clusters them), then `af-nn-relabel` (the AF episodes still from the "
                              "network's own labels); the setting chosen for each fold on the other folds' held-out "
                              f"beats from off (`af-nn-relabel` alone) and w, a, b in {{1, 2}} x {{0.25, 0.5, 0.75}} x "
                              "{100, 200}, nested like the class weights; the shipped setting is chosen on all of them",
    "af-nn-relabel+fast-runs": "round 14: `af-nn-relabel+runs` with runs followed only while faster than 100 a "
                               "minute: a seed's interval and every judged interval of its run also under 0.6 s "
                               "(`pipeline.runs.TACHYCARDIA_S`, fixed, not fitted); `ratio` chosen nested from the "
                               "same grid",
    "af-nn-relabel+clusters+fast-runs": "round 14: `af-nn-relabel+clusters`, then the fast runs of "
                                        "`af-nn-relabel+fast-runs` on its probabilities (annotate's order); the "
                                        "clusters' setting and the ratio chosen together for each fold on the other "
                                        "folds' held-out beats over the 13 x 6 settings of the two grids, nested; the "
                                        "shipped pair is chosen on all of them",
    "nn-irregular": "S beats where the rhythm of the beats the network calls N is irregular -> N "
                    "(`pipeline.adapt.relabel_irregular`: median successive difference of the N-to-N intervals over "
                    "their median, within 30 beats either side); its threshold chosen for each fold on the other "
                    f"folds' held-out beats from {', '.join(f'{t:g}' for t in NN_GRID)} (inf: relabel nothing), "
                    "nested like the class weights; the shipped threshold is chosen on all of them",
}


def _candidate_table(results: dict, chosen: dict) -> list[str]:
    lines = ["| candidate | post-processing | seeds | S Se | S +P | V Se | V +P | N as S/V % | svdb S Se | svdb S +P "
             "| score |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, by_seed in results.items():
        for vname in VARIANTS:
            rs = [r[vname] for r in by_seed.values() if vname in r]
            if not rs:
                continue
            mean = {k: float(np.mean([r["pooled"][k] for r in rs])) for k in ("S_se", "S_ppv", "V_se", "V_ppv",
                                                                                "N_as_SV")}
            sv = {k: float(np.mean([r["groups"]["svdb"][k] for r in rs])) for k in ("S_se", "S_ppv")}
            mark = " (chosen)" if (name, vname) == (chosen["name"], chosen["variant"]) else ""
            lines.append(f"| {name}{mark} | {vname} | {', '.join(sorted(by_seed))} | {pct(mean['S_se'])} | "
                         f"{pct(mean['S_ppv'])} | {pct(mean['V_se'])} | {pct(mean['V_ppv'])} | "
                         f"{100 * mean['N_as_SV']:.2f} | {pct(sv['S_se'])} | {pct(sv['S_ppv'])} | "
                         f"{pct(np.mean([r['score'] for r in rs]))} |")
    return lines


def _per_record_table(res: dict) -> list[str]:
    lines = ["| record | S beats | S missed | false S | V beats | V missed | false V |", "|---|---:|---:|---:|---:|---:|---:|"]
    rows = []
    for key, r in res["per_record"].items():
        cm = np.asarray(r["confusion_matrix"])
        s_fn, s_fp = cm[1].sum() - cm[1, 1], cm[:, 1].sum() - cm[1, 1]
        v_fn, v_fp = cm[2].sum() - cm[2, 2], cm[:, 2].sum() - cm[2, 2]
        rows.append((s_fn + s_fp + v_fn + v_fp, f"| {key} | {cm[1].sum()} | {s_fn} | {s_fp} | {cm[2].sum()} | {v_fn} "
                                                 f"| {v_fp} |"))
    lines += [row for _, row in sorted(rows, key=lambda t: -t[0])]
    return lines


def _calibration_lines(cal: dict) -> list[str]:
    from arrhythmia.evaluation.calibration import review_text

    f, r = cal["flag_at_chosen"], cal["flag_at_0.6_raw"]
    lines = ["| | rule | beats flagged % | errors flagged % | S errors flagged % | V errors flagged % |",
             "|---|---|---:|---:|---:|---:|",
             f"| uncalibrated, the old default | < 0.60 | {pct(r['flagged'])} | {pct(r['errors'])} | "
             f"{pct(r['S_errors'])} | {pct(r['V_errors'])} |",
             f"| calibrated, the chosen rule (`{cal.get('review_rule', 'single')}`), on the beats it was fitted on"
             f"{' (after the post-processing)' if cal.get('post_processed') else ''} | "
             f"{review_text(f['threshold'])} | {pct(f['flagged'])} | {pct(f['errors'])} | "
             f"{pct(f['S_errors'])} | {pct(f['V_errors'])} |", "",
             f"Temperature {cal['temperature']:.2f}; expected calibration error (15 bins) {pct(cal['ece_raw'])} % "
             f"before, {pct(cal['ece_calibrated'])} % after."]
    rules = cal.get("review_rules")
    if rules:
        lines += ["", "The review rules nested over each seed's folds (each fold's beats flagged by the temperature and "
                  "rule chosen on the other folds" + ("; the rule chosen on, and applied to, the post-processed "
                  "probabilities" if cal.get("post_processed") else "") + "), mean over seeds "
                  + ", ".join(rules["by_seed"]) + ":", "",
                  "| rule | beats flagged % | errors flagged % | S errors flagged % | V errors flagged % |",
                  "|---|---:|---:|---:|---:|"]
        for k, m in rules["mean"].items():
            lines.append(f"| `{k}` | {pct(m['flagged'])} | {pct(m['errors'])} | {pct(m['S_errors'])} | "
                         f"{pct(m['V_errors'])} |")
        lines += ["", f"By the protocol: `{rules['chosen']}`. Per-class thresholds the nested choice picked (seed "
                  f"{min(rules['by_seed'], key=int)}'s folds): "
                  + "; ".join(review_text(t) for t in rules["by_seed"][min(rules["by_seed"], key=int)]["per-class"]
                              ["per_fold"]) + "."]
    return lines


def _grid_lines(results: dict, key: str, heading: str, column: str, picked_text: str) -> list[str]:
    """A nested-choice variant's scores at every value of its grid (all held-out beats; mean over seeds, from
    ``fitted[key + '_pooled']``), and the values the nested choice picked (``fitted[key + '_per_fold']``)."""
    lines = []
    for name, by_seed in results.items():
        fitted = [r["fitted"] for r in by_seed.values() if f"{key}_pooled" in r.get("fitted", {})]
        if not fitted:
            continue
        lines += ["", f"## {heading} (`{name}`, all held-out beats, mean over seeds {', '.join(sorted(by_seed))})", "",
                  f"| {column} | S Se | S +P | V Se | V +P | N as S/V % | score |", "|---:|---:|---:|---:|---:|---:|---:|"]
        for t in fitted[0][f"{key}_pooled"]:
            m = {k: float(np.mean([f[f"{key}_pooled"][t][k] for f in fitted]))
                 for k in ("S_se", "S_ppv", "V_se", "V_ppv", "N_as_SV")}
            lines.append(f"| {t} | {pct(m['S_se'])} | {pct(m['S_ppv'])} | {pct(m['V_se'])} | {pct(m['V_ppv'])} | "
                         f"{100 * m['N_as_SV']:.2f} | {pct(selection_score(m))} |")
        picked = sorted({_code(v) for f in fitted for v in f[f"{key}_per_fold"].values()})
        lines += ["", picked_text.format(", ".join(picked))]
    return lines


def _nn_lines(results: dict) -> list[str]:
    """`nn-irregular` at every threshold of its grid, and what the nested choice picked."""
    return _grid_lines(results, "nn_irregular", "`nn-irregular` at each threshold", "threshold",
                       "Thresholds the nested choice picked over the folds and seeds: {}.")


def _cluster_lines(results: dict) -> list[str]:
    """Round 13: `af-nn-relabel+clusters` at every setting of its grid, and what the nested choice picked."""
    return _grid_lines(results, "clusters", "`af-nn-relabel+clusters` at each setting", "setting",
                       "Settings the nested choice picked over the folds and seeds: {} (off: no clustering).")


def _run_lines(results: dict) -> list[str]:
    """Round 12: `af-nn-relabel+runs` at every ratio of its grid, and what the nested choice picked."""
    return _grid_lines(results, "premature_runs", "`af-nn-relabel+runs` at each ratio", "ratio",
                       "Ratios the nested choice picked over the folds and seeds: {} (0: no run followed). The score "
                       "falls from the grid's smallest ratio upwards: a smaller one, not tried, might score higher.")


def _fast_run_lines(results: dict) -> list[str]:
    """Round 14: the two fast-run variants at every setting of their grids, and what the nested choice picked."""
    return (_grid_lines(results, "fast_runs", "`af-nn-relabel+fast-runs` at each ratio", "ratio",
                        "Ratios the nested choice picked over the folds and seeds: {} (0: no run followed).")
            + _grid_lines(results, "clusters_fast_runs", "`af-nn-relabel+clusters+fast-runs` at each setting",
                          "setting", "Settings the nested choice picked over the folds and seeds: {} (off: no "
                          "clustering; r0: no run followed)."))


NOT_SHIPPED = {
    ("context-e8-x3", "af-nn-relabel+runs"):
        "Built as build 12 (`scripts/select_default_model.py --write-only --pick context-e8-x3:af-nn-relabel+runs`, "
        "then `scripts/build_default_model.py --chosen <work>/chosen-af-nn-relabel+runs.json --no-ship --work "
        "runs/build12 --doc docs/default_model_build12.md`) and evaluated on DS2 once (the 12th look: "
        "[default_model_build12.md](default_model_build12.md)); **not shipped**, a decision "
        "made on DS2: one record's 2:1 AV block turning to 1:1 conduction (231) looks to the run rule like the onset "
        "of a supraventricular tachycardia and gave 731 false S beats; the shipped model stayed build 11 "
        "(`af-nn-relabel`) then. Round 13's rerun of it (mean 72.6) on this CPU type was not built again. See "
        "[default_model.md](default_model.md).",
}
"""Choices that were built and evaluated on DS2 but not shipped, with why (read by :func:`_shipped_line`)."""


def _shipped_line(chosen: dict) -> str:
    """Whether the choice is what the packaged default model was built from (then it is not rebuilt)."""
    from arrhythmia.bundle import read_bundle_config
    from arrhythmia.inference.annotate import default_model_path

    by = read_bundle_config(default_model_path()).get("test", {}).get("chosen_by", {})
    if by.get("calibration") == chosen["calibration"]:
        return ("The shipped default model was built from this choice (`scripts/build_default_model.py --chosen "
                "<work>/chosen.json`, or, for a new post-processing of the shipped networks, with `--reevaluate` "
                "as builds 14 and 15 were), with this round's calibration and review rule: its DS2 figures are in "
                "[default_model.md](default_model.md).")
    same = (by.get("candidate"), by.get("post")) == (chosen["name"], chosen["variant"])
    if same and (by.get("calibration") or {}).get("review_below") != chosen["calibration"]["review_below"]:
        return (f"The shipped default model was built from this candidate (`{by['candidate']}`, `{by['post']}`) with "
                "another review rule: `scripts/build_default_model.py --chosen <work>/chosen.json` rebuilds it (the "
                "same networks) with this round's rule and evaluates it on DS2.")
    if same:
        return (f"This is what the shipped default model was built from (`{by['candidate']}`, `{by['post']}`): it "
                "is not rebuilt, and keeps the calibration and review threshold of the round it was built in (its "
                "weights are that round's); the calibration below is this round's, for the record. DS2 is not "
                "looked at again.")
    return ("The shipped default model was built from another choice "
            f"(`{by.get('candidate')}`, `{by.get('post')}`): `scripts/build_default_model.py --chosen "
            "<work>/chosen.json` builds this one and evaluates it on DS2.")


def render(results: dict, chosen: dict, res: dict) -> str:
    """docs/default_model_selection.md."""
    import datetime

    from arrhythmia.environment import cpu_model

    lines = ["# Choosing the default model: patient-grouped cross-validation over DS1 and svdb (round 14)", "",
             f"Generated by `python scripts/select_default_model.py` on {datetime.date.today().isoformat()} "
             f"({cpu_model()}, {THREADS} threads). DS2 is never loaded.", "",
             "## Protocol (fixed before this round's results)", "",
             "- Pool: the 22 DS1 records of the MIT-BIH Arrhythmia Database and the 39 svdb records in "
             "`../shared/data` (61 patients; 201 and 202 are one patient, 202 is in DS2). svdb is read at 128 Hz and "
             "resampled to the model's 360 Hz; its first lead (ECG1) stands in for MLII.",
             f"- {chosen['k']} folds of whole patients drawn with the seed; a fold's model is trained on the other "
             "folds with the recipe as shipped (no validation holdout, a fixed epoch budget, cosine schedule, "
             f"epochs of {BASE['epoch_beats']:,} class-balanced draws) and predicts the held-out patients' beats at "
             "the reference R peaks: every beat of the pool is predicted once by a model that never saw its patient.",
             "- Label-free post-processing (below) is applied record by record to those predictions, the way "
             "`annotate` applies it.",
             "- Score: mean of S Se, S +P, V Se and V +P pooled over the whole pool; the rule (round 4's): best mean "
             "score over seeds 0, 1 and 2 (each seed also redraws the folds).",
             "- Round 7 reruns round 6's choice (`context-e5-x3`, build 7, shipped then) on the same CPU type (its "
             "out-of-fold predictions had to be made again: they are not kept in the repository) and adds one "
             "post-processing variant, `stack`: a second, small classifier that reads the network's probabilities "
             "in the context of the recording (below). Everything it reads is computed from the recording alone, "
             "so `annotate` runs it the same way; its settings (features, size, epochs, loss weights) are fixed "
             "here, before any of its scores, and not tuned on them. It is fitted for each fold on the other folds' "
             "held-out beats, so no label of a patient reaches the model that relabels that patient's beats (the "
             "networks behind the other folds' probabilities did train on that patient: the usual compromise of "
             "stacking without a second level of cross-validation). The calibration and review threshold of a "
             "`stack` choice are fitted on its nested probabilities. If it wins by the rule, the shipped networks "
             "stay as they are (build 7's recipe), the second stage fitted on seed 0's out-of-fold predictions "
             "ships in the bundle's `postprocess` settings, and the build script evaluates it on DS2 once (the "
             "8th look). It did not win (below), so round 8 keeps build 7's networks.",
             "- Round 8 reruns round 7 unchanged and compares two review rules for the chosen candidate, fixed here "
             "before any of their figures: `single` (rounds 5-7: the highest one threshold that flags at most "
             f"{100 * MAX_FLAGGED:.0f} % of the held-out beats) and `per-class` (one threshold per class the model "
             "gives, 0 to 1 in steps of 0.01, the combination that flags the most held-out errors within the same "
             "budget: `evaluation.calibration.choose_class_thresholds`). Both are scored nested "
             "(`experiments.review_cv.nested_review`): each fold's beats are flagged by the temperature and rule "
             "chosen on the other folds' beats only; mean over seeds 0, 1 and 2. `per-class` is adopted if its "
             "share of the errors flagged is higher and it flags at most "
             f"{100 * RULE_SLACK:.1f} points more of the beats; the shipped rule is then fitted on all of seed 0's "
             "held-out beats, like the temperature. If adopted, the build script rebuilds build 7's recipe (the "
             "same networks on this CPU type) with the new rule and evaluates it on DS2 once (the 8th look): only "
             "the review flag figures can change there. It was adopted and shipped as build 8.",
             "- Round 9 adds one candidate, fixed here before any of its scores: `context-e8-x3`, `context-e5-x3` "
             "trained for 8 epochs instead of 5 (the cosine schedule stretched to match; everything else the same), "
             "because 5 epochs had beaten 2 and 3 in round 5. It is scored by the same rule against `context-e5-x3`'s "
             "scores (reused from round 8). If it wins, the build script builds it, with the review rule round 8's "
             "comparison picks for it, and evaluates it on DS2 once (the 9th look). It won and shipped as build 9.",
             "- Round 10 reruns round 9's `context-e8-x3` on this CPU type (its out-of-fold predictions had to be "
             "made again) and adds one post-processing variant, `af-nn-relabel` (below), fixed here before its "
             "scores on seeds 1 and 2. Its form was found by looking at seed 0's cross-validation errors (training "
             "patients only): `af-relabel` turned thousands of true S beats of svdb records with frequent premature "
             "atrial beats and runs of them into N, because those make sinus rhythm irregular to the RR-based AF "
             "detector; judged on the intervals between beats the network calls N only, such records are regular "
             "and AF is not. It has no parameter to fit. Seen before this protocol was written: the rerun's scores of the "
             "round-9 variants (on this Intel CPU the networks' weights differ from the AMD machine's, their mean "
             "score does not: 67.1, seeds 66.3, 68.9, 66.1 against 66.5, 68.6, 66.3; `stack`'s moved more: mean "
             "67.4 here against 65.0) and `af-nn-relabel` on seed 0 (67.5 against `none`'s 66.3). The rule is unchanged (best mean score over seeds 0, 1 and "
             "2, every variant of the candidate). If a variant other than build 9's (`none`) wins, the build script "
             "builds it (the same networks) and evaluates it on DS2 once (the 10th look). `af-nn-relabel` won and "
             "shipped as build 10.",
             "- Round 11 changes what the review rule and its nested comparison are fitted on, fixed here before "
             "any of its figures, and trains nothing (round 10's out-of-fold predictions are reused, so every score "
             "above is round 10's). Up to round 10 the temperature and the review rule were fitted on the network's "
             "outputs, but `annotate` flags the probabilities after the label-free step of the choice; build 10's "
             "relabelling in AF turned many beats the rule would flag into confident N, and on DS2 its flag held "
             "14.6 % of the errors (build 9: 37.3 %): that DS2 figure is why this round exists, and nothing else of "
             "DS2 is used. From round 11 the temperature is still fitted on the network's outputs (the bundle "
             "applies it first), the chosen variant's step (`pipeline.adapt.relabel_in_nn_af` for `af-nn-relabel`) "
             "is then applied record by record, and both the nested comparison of the two rules (each fold's "
             "temperature and rule chosen on the other folds, the errors counted on the post-processed classes) and "
             "the shipped rule (all of seed 0's held-out beats) use those probabilities. Round 8's choice between "
             "`single` and `per-class` is remade on them by the same test. The build script rebuilds build 10's "
             "recipe (the same networks on this CPU type) with the new rule and evaluates it on DS2 once (the 11th "
             "look): only the review flag figures can change there.",
             "- Round 12 adds one post-processing variant, `af-nn-relabel+runs` (below), fixed here before its scores "
             "on seeds 1 and 2, and trains nothing (round 10's out-of-fold predictions are reused). Its form was "
             "found by looking at seed 0's cross-validation errors (training patients only): half of the pool's "
             "missed S beats (1,777 of 3,428) are svdb 865's (of its 1,818), in long runs of supraventricular "
             "tachycardia at about 0.42 s against a sinus rhythm of 0.8 s; the network calls a run's first beats S "
             "and the rest N once "
             "the run is the recent rhythm it compares with. Following each run from the beat that starts it, "
             "against the rhythm before it, keeps them S. Its fixed settings (the reference of the last 8 N-to-N "
             "intervals among the 20 before, at least 4; a run ends at an interval more than 20 % off the previous "
             "one, the seed's own coupling interval not counted; intervals at ventricular beats not judged; no "
             "stop at AF episodes) were set on seed 0, where they were seen before this protocol was written: "
             "`af-nn-relabel` 67.5; with runs at ratios 0.7, 0.8, 0.9: 73.3, 73.1, 72.8 (with the seed's interval "
             "counted 73.3-73.0; the regularity tolerance at 10 % 73.0, at 30 % 73.3, none 73.2; stopping runs at "
             "the AF episodes 73.0); and, on svdb 865's and MIT-BIH 209's reference labels with every S beat but a "
             "run's first turned N, the beats it gives back (1,208 of 1,761 and 126 of 252; with the seed's interval "
             "counted only 136 of 865's: a tachycardia's first cycles shorten). The one setting left, `ratio`, is "
             "chosen nested over the folds, like the class weights. The rule is unchanged (best mean score over "
             "seeds 0, 1 and 2). If it wins, the shipped ratio "
             "is chosen on all of seed 0's held-out beats, the review rule is refitted after the new step (round "
             "11's procedure), and the build script rebuilds build 11's recipe (the same networks on this CPU type) "
             "with it and evaluates it on DS2 once (the 12th look).",
             "- Round 13 (2026-12-03, AMD EPYC) makes round 12's out-of-fold predictions of `context-e8-x3` again "
             "on this CPU type (they are not kept) and adds one post-processing variant, `af-nn-relabel+clusters` "
             "(below): the issue's adaptation to the recording by clustering its beats and labelling the clusters "
             "(ecg-kit's a2hbc; Teijeiro et al. 2018), here with the network's own probabilities as the clusters' "
             "labels. Seen before this protocol was written: a prototype of it on seed 0's out-of-fold predictions "
             "(training patients only), over timing weights 0, 1, 2, strengths 0.25-1 and 50-200 beats a cluster: "
             "`af-nn-relabel` 68.0, the best settings 69.2-69.9 (w 1-2, a 0.5-0.75, b 100-200), shape alone (w 0) "
             "at most 68.3 and worse as a grew; clustering raised S +P and V +P and lowered the share of normal "
             "beats called S or V (3.4 % to 2.4 %), and lowered S Se. The grid below was drawn from that look; the "
             "setting is chosen nested over the folds. The rule is unchanged (best mean score over seeds 0, 1 and "
             "2; `af-nn-relabel+runs` stays out of what may ship, round 12). If the new variant wins, the review "
             "rule is refitted after it (round 11's procedure), and the build script evaluates build 11's networks "
             "with it on DS2 once, without training (`--reevaluate --chosen`: the 14th look), and ships it whatever "
             "its DS2 figures (decided before the run). It won and shipped as build 14.",
             "- Round 14 (2026-12-04, Intel Xeon) makes the out-of-fold predictions of `context-e8-x3` again on this "
             "CPU type (round 13's, made on an AMD EPYC, are not kept; build 11's shipped networks were trained on "
             "this CPU type) and adds two post-processing variants, fixed here before any of their scores: "
             "`af-nn-relabel+fast-runs` and `af-nn-relabel+clusters+fast-runs` (below). Their form comes from DS2 "
             "and is stated as such: `af-nn-relabel+runs` scored best of every variant in rounds 12 and 13 (72.6) "
             "but was not shipped because of one DS2 record (231: a 2:1 AV block giving way to 1:1 conduction, "
             "which the run rule follows as a supraventricular tachycardia; 731 false S beats at the 12th look). "
             "The one change: a run is followed only while it is faster than 100 beats a minute (a seed's interval "
             "and every judged interval of its run under 0.6 s, the clinical definition of a tachycardia, fixed "
             "and not fitted on any data), since conduction returning after a block comes back at the sinus rate "
             "while a tachycardia is by definition faster. No score of either variant, on the pool or on DS2, and "
             "no interval of 231 in seconds was looked at before this was written (the 12th look gave its ratio, 0.53 "
             "of the blocked cycle). The ratio (and, for the second, the "
             "clusters' setting with it) is chosen nested over the folds. The rule is unchanged (best mean score "
             "over seeds 0, 1 and 2 among what may ship; `af-nn-relabel+runs` still may not). If a new variant "
             "wins, the review rule is refitted after it (round 11's procedure), and the build script evaluates "
             "build 11's networks with it on DS2 once, without training (`--reevaluate --chosen`: the 15th look), "
             "and ships it whatever its DS2 figures (decided before the run). It won and shipped as build 15. After "
             "the build, a review found that `af-relabel`, `af-nn-relabel` and the two run variants built on it "
             "alone were scored on the network's probabilities before the temperature, while `annotate` relabels "
             "after it (the clusters' variants were scored at the temperature); the round's scores were then "
             "made again at the temperature from the same out-of-fold predictions (the table below; the choice "
             "and its settings did not change).", "",
             "## Candidates", ""]
    lines += [f"- `{n}`: {DESCRIPTIONS.get(n, n)}" for n in results]
    lines += ["", "Post-processing variants:", ""] + [f"- `{v}`: {t}" for v, t in VARIANT_TEXT.items()]
    lines += ["", "## Results (pooled over held-out patients)", ""] + _candidate_table(results, chosen)
    w = chosen.get("winner") or chosen
    lines += [""] + ([f"Best by the rule: `{w['name']}` with post-processing `{w['variant']}` (mean score "
                      f"{pct(w['mean_score_over_seeds'])}). " + NOT_SHIPPED[(w["name"], w["variant"])], ""]
                     if (w["name"], w["variant"]) in NOT_SHIPPED else [])
    lines += [f"Chosen (the best that may ship; `chosen.json`): `{chosen['name']}` with post-processing "
              f"`{chosen['variant']}` (mean score {pct(chosen['mean_score_over_seeds'])}).", "", _shipped_line(chosen),
              "",
              "## Calibration and the review flag (chosen candidate, held-out patients)", "",
              "The default review rule (`annotate` flags a beat whose confidence is under its class's threshold; "
              "`--review-below C` sets one threshold for every class instead) is the one round 8's protocol picks "
              f"(`single` or `per-class`, both within a budget of {100 * MAX_FLAGGED:.0f} % of the held-out beats), "
              "fitted on seed 0's held-out beats" + (", after the chosen post-processing (round 11)" if chosen[
                  "calibration"].get("post_processed") else "") + ".", ""] + _calibration_lines(chosen["calibration"])
    lines += ["", "## S and V errors per record (chosen candidate, held-out patients)", ""] + _per_record_table(res)
    lines += _nn_lines(results) + _run_lines(results) + _cluster_lines(results) + _fast_run_lines(results)
    lines += ["", "## Earlier rounds", "",
              "Round 13 (`af-nn-relabel+clusters`, chosen and shipped as build 14; its out-of-fold predictions made "
              "on an AMD EPYC) is in [default_model_selection_round13.md](default_model_selection_round13.md). "
              "Round 12 (`af-nn-relabel+runs`, built as build 12, not shipped; round 10's predictions on an Intel "
              "Xeon) is in [default_model_selection_round12.md](default_model_selection_round12.md). "
              "Round 11 (the review rule fitted after `af-nn-relabel`: build 11) is in "
              "[default_model_selection_round11.md](default_model_selection_round11.md). "
              "Round 10 (`af-nn-relabel` chosen and shipped as build 10, the review rule fitted before the "
              "relabelling) is in [default_model_selection_round10.md](default_model_selection_round10.md). "
              "Round 9 (`context-e8-x3`, chosen and shipped as build 9, on an AMD EPYC machine) is in "
              "[default_model_selection_round9.md](default_model_selection_round9.md). "
              "Round 8 (the per-class review rule, adopted: build 8) is in "
              "[default_model_selection_round8.md](default_model_selection_round8.md). "
              "Round 7 (the `stack` second stage, not chosen) is in "
              "[default_model_selection_round7.md](default_model_selection_round7.md). Round 6 (`context-e5` rerun on this CPU type, the `nn-irregular` variant, and the ensemble "
              "`context-e5-x3`, chosen and shipped as build 7) is in "
              "[default_model_selection_round6.md](default_model_selection_round6.md). Round 5 (the candidates "
              "`context`, `r4-relative`, `context-e2` and `context-e5` on seeds 0-2, on an "
              "Intel Xeon machine) is in [default_model_selection_round5.md](default_model_selection_round5.md). "
              "Rounds 1 to 4 chose on DS1 alone; their tables are in "
              "[default_model_selection_rounds1-4.md](default_model_selection_rounds1-4.md). Each of the four builds "
              "chosen that way did worse on DS2's S beats than cross-validation promised (default_model.md), "
              "because DS1's S beats come from about six patients. Round 5 added svdb's 33 patients with S beats "
              "to the pool used for training and for choosing.", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--seeds", nargs="*", type=int, default=[0])
    ap.add_argument("--work", default="runs/select-pool")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--write-only", action="store_true", help="rewrite chosen.json and the doc, train nothing")
    ap.add_argument("--pick", default=None, metavar="CANDIDATE:VARIANT",
                    help="write <work>/chosen-<variant>.json for this choice instead of the rule's (how a choice "
                         "that was not shipped is rebuilt); the doc is not rewritten")
    a = ap.parse_args()
    torch.set_num_threads(THREADS)
    roots = DataRoots()
    work = Path(a.work)
    names = [] if a.write_only else (a.only or list(CANDIDATES))
    results = json.loads((work / "results.json").read_text()) if (work / "results.json").is_file() else {}
    for name in names:
        for seed in a.seeds:
            cfg = config(name, seed)
            oof = out_of_fold(cfg, roots, work / name, k=a.k, verbose=True)
            rs = summarise(cfg, oof)
            results.setdefault(name, {})[str(seed)] = rs
            for vname in VARIANTS:
                r = rs[vname]
                p, s, d = r["pooled"], r["groups"]["svdb"], r["groups"]["DS1"]
                print(f"{name} seed {seed} {vname:<18}: score {100 * r['score']:.1f}  pooled S {100 * p['S_se']:.1f}/"
                      f"{100 * p['S_ppv']:.1f} V {100 * p['V_se']:.1f}/{100 * p['V_ppv']:.1f} N->S/V "
                      f"{100 * p['N_as_SV']:.2f} %  svdb S {100 * s['S_se']:.1f}/{100 * s['S_ppv']:.1f}  "
                      f"DS1 S {100 * d['S_se']:.1f}/{100 * d['S_ppv']:.1f}", flush=True)
            work.mkdir(parents=True, exist_ok=True)
            (work / "results.json").write_text(json.dumps(results, indent=1, default=float))
    winner = choose(results)
    # a winner built and evaluated on DS2 but not shipped (NOT_SHIPPED) stays on record; chosen.json, which the
    # build script reads, holds the best choice that may ship, so that the committed commands rebuild the shipped model
    name, vname, mean = choose(results, skip=NOT_SHIPPED)
    if a.pick:
        name, _, vname = a.pick.partition(":")
        if name not in results or vname not in VARIANTS:
            ap.error(f"argument --pick: CANDIDATE:VARIANT of {', '.join(results)} and {', '.join(VARIANTS)}; "
                     f"got {a.pick!r}")
        mean = float(np.mean([r[vname]["score"] for r in results[name].values() if vname in r]))
    seed = min(int(s) for s in results[name])
    cfg = config(name, seed)
    oof = out_of_fold(cfg, roots, work / name, k=a.k)
    fitted = results[name][str(seed)]["fitted"]
    if vname == "stack":  # the confidences annotate shows are the second stage's: calibrate and flag those
        oof.proba = stack_outputs(cfg, oof)[0].astype(np.float32)
    rules = post = None
    if vname not in ("stack", "class-weights"):  # round 8: the review rules on the network's (calibrated) outputs,
        # round 11: after the chosen label-free step, as annotate shows them
        oofs = {int(s): oof if int(s) == seed else out_of_fold(config(name, int(s)), roots, work / name, k=a.k)
                for s in sorted(results[name], key=int)}
        posts = {s: shown_post(vname, o, results[name][str(s)]["fitted"], cfg) for s, o in oofs.items()}
        post = posts[seed]
        rules = review_rules(oofs, posts)
    cal = calibration_section(cfg, oof, fitted["class_weights"] if vname == "class-weights" else None, rules, post)
    chosen = {"name": name, "variant": vname, "mean_score_over_seeds": mean, "seeds": sorted(results[name]),
              "winner": {"name": winner[0], "variant": winner[1], "mean_score_over_seeds": winner[2]},
              "config": cfg.to_dict(), "k": a.k, "pooled": results[name][str(seed)][vname]["pooled"],
              "groups": results[name][str(seed)][vname]["groups"], "calibration": cal,
              "postprocess": {"temperature": cal["temperature"], "train_prior": fitted["train_prior"],
                              "adapt_priors": "priors" in vname, "af_relabel": vname == "af-relabel",
                              "af_relabel_nn": vname.startswith("af-nn-relabel"),
                              "cluster_smooth": shipped_clusters(vname, fitted),
                              "premature_runs": shipped_runs(vname, fitted),
                              "class_weights": fitted["class_weights"] if vname == "class-weights" else None,
                              "nn_irregular": (fitted["nn_irregular"] if vname == "nn-irregular"
                                               and np.isfinite(fitted["nn_irregular"]) else None),
                              "stack": ({**fitted["stack"], "temperature": cal["temperature"]}
                                        if vname == "stack" else None),
                              "min_beats": 300, "review_below": cal["review_below"]}}
    if a.pick:
        (work / f"chosen-{vname}.json").write_text(json.dumps(chosen, indent=1, default=float))
        print(f"picked: {name} with post-processing {vname} (mean score {100 * mean:.1f})")
        return
    (work / "chosen.json").write_text(json.dumps(chosen, indent=1, default=float))
    Path("docs/default_model_selection.md").write_text(render(results, chosen, results[name][str(seed)][vname]))
    print(f"chosen: {name} with post-processing {vname} (mean score {100 * mean:.1f})")


if __name__ == "__main__":
    main()
