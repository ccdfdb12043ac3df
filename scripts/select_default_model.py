"""Choose the shipped default model's recipe by patient-grouped cross-validation over DS1 and svdb (round 5).

    .venv/bin/python scripts/select_default_model.py [--only NAME ...] [--seeds 0 1 2]

The protocol (docs/default_model_selection.md, written before the round ran) in short: the training pool is the
22 DS1 records and the 39 svdb records in ../shared/data (61 patients); DS2 is never loaded. Each candidate is
cross-validated on 5 folds of whole patients (seed s draws the folds, the initial weights and the batches); every
beat of the pool is predicted once by a model that never saw its patient (reference R peaks). Label-free
post-processing (calibration, per-recording priors, AF relabelling) is applied record by record to those
out-of-fold predictions, exactly as ``annotate`` applies it. Score = mean of S Se, S +P, V Se, V +P pooled over the
whole pool; the rule: best mean score over seeds 0, 1, 2.

Writes runs/select-pool/<candidate>/oof_<seed>.npz (reused when the settings match), runs/select-pool/results.json,
runs/select-pool/chosen.json (read by scripts/build_default_model.py) and docs/default_model_selection.md.
Folds train with 2 CPU threads (the weights depend on the thread count).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from arrhythmia.datasets.references import DataRoots
from arrhythmia.experiments.pool_cv import out_of_fold, score_oof, selection_score
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
    "context-sqrt": dict(rr_features="context", imbalance="sqrt-sampler"),
}
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

    prior = train_prior(cfg, oof.y)
    temp = fit_temperature(oof.proba, oof.y)
    return {
        "none": None,
        "priors": lambda k, s, p: adapt_priors(p, prior)[0],
        "temperature": lambda k, s, p: temperature_scale(p, temp),
        "temperature+priors": lambda k, s, p: adapt_priors(temperature_scale(p, temp), prior)[0],
    }, {"temperature": temp, "train_prior": prior.tolist()}


def summarise(cfg, oof) -> dict:
    variants, fitted = post_variants(cfg, oof)
    out = {"fitted": fitted}
    for vname, post in variants.items():
        res = score_oof(oof, post=post, groups=GROUPS)
        res.pop("proba")
        res["score"] = selection_score(res["pooled"])
        out[vname] = res
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--seeds", nargs="*", type=int, default=[0])
    ap.add_argument("--work", default="runs/select-pool")
    ap.add_argument("--k", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(THREADS)
    roots = DataRoots()
    work = Path(a.work)
    names = a.only or list(CANDIDATES)
    results = json.loads((work / "results.json").read_text()) if (work / "results.json").is_file() else {}
    for name in names:
        for seed in a.seeds:
            cfg = config(name, seed)
            oof = out_of_fold(cfg, roots, work / name, k=a.k, verbose=True)
            rs = summarise(cfg, oof)
            results.setdefault(name, {})[str(seed)] = rs
            for vname in ("none", "priors", "temperature", "temperature+priors"):
                r = rs[vname]
                p, s, d = r["pooled"], r["groups"]["svdb"], r["groups"]["DS1"]
                print(f"{name} seed {seed} {vname:<18}: score {100 * r['score']:.1f}  pooled S {100 * p['S_se']:.1f}/"
                      f"{100 * p['S_ppv']:.1f} V {100 * p['V_se']:.1f}/{100 * p['V_ppv']:.1f} N->S/V "
                      f"{100 * p['N_as_SV']:.2f} %  svdb S {100 * s['S_se']:.1f}/{100 * s['S_ppv']:.1f}  "
                      f"DS1 S {100 * d['S_se']:.1f}/{100 * d['S_ppv']:.1f}", flush=True)
            work.mkdir(parents=True, exist_ok=True)
            (work / "results.json").write_text(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    main()
