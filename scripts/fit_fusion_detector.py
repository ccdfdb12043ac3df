"""Fit the ``fusion`` detector's logistic weights on the MIT-BIH DS1 records, and print them.

    ARRHYTHMIA_DATA_DIR=../shared/data/mitdb .venv/bin/python scripts/fit_fusion_detector.py [--folds 4]

Every candidate of the 22 DS1 records (de Chazal et al. 2004; no DS2 record
is read), and of noise-stressed copies of 20 of them (not 118 and 119, whose
copies with em noise are the published noise stress test) made with the
muscle-artifact and baseline-wander noise records (``ma``, ``bw``; never
``em``) at 18, 12 and 6 dB (nst's rule, :mod:`arrhythmia.datasets.noise_stress`),
is labelled a beat when, placed on its R peak, it matches a
reference beat within 150 ms (one-to-one, closest first); candidates inside
ventricular flutter episodes (``[`` to ``]``, as bxb leaves them out) are
left out. Ridge-regularised logistic regression by Newton's method. The
weights printed go into ``WEIGHTS`` in
``src/arrhythmia/preprocessing/detectors/fusion.py``. ``--folds K`` also
prints a record-wise K-fold cross-validation on DS1 (from 5:00).

``--test-noise em`` adds, to that cross-validation only (never to training), copies of the same 20 records
stressed with ``em`` at 18, 12 and 6 dB, its noise taken ``--test-shift-s`` (120) seconds later than ``nst``
takes it: only electrode-motion samples that the published 118e*/119e* records do not hold, so a development
set with the test's kind of noise (``datasets.noise_stress.stress_recording``'s ``noise_shift_s``). ``em`` given
in ``--noise`` (training copies) is made the same way: the published records' noise samples are never used.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from arrhythmia.datasets.location import resolve_data_dir
from arrhythmia.datasets.records import DS1
from arrhythmia.evaluation.detection import match_beats
from arrhythmia.datasets.noise_stress import stress_recording
from arrhythmia.io import read_wfdb
from arrhythmia.preprocessing.detectors import fusion
from arrhythmia.preprocessing.detectors.candidates import expand

RIDGE = 1e-3
NOISES = "ma,bw"
"""Noise records of the stressed training copies: muscle artifact and baseline wander. Not em, whose samples
the published noise stress records 118e* and 119e* contain."""
SNRS = "18,12,6"
NOISE_WEIGHT = 0.3
"""Weight of a stressed copy's candidates against a clean record's (chosen by the CV below; see docs/benchmarks.md)."""
NOT_STRESSED = ("118", "119")
"""DS1 records never stressed for training: the published noise stress test is made of them."""


def flutter_mask(samples, ann) -> np.ndarray:
    """True for samples outside ventricular flutter episodes."""
    keep = np.ones(len(samples), bool)
    on = None
    for s, sym in zip(ann.sample, ann.symbol):
        if sym == "[":
            on = s
        elif sym == "]" and on is not None:
            keep &= ~((samples >= on) & (samples <= s))
            on = None
    return keep


def record_table(rec):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = rec.select_leads(("MLII", "other"))
    x, fs, _ = fusion.prepare(sel.signal, rec.fs)
    stage = fusion.first_pass(x, fs)
    cand, feats = fusion.candidate_table(x, fs, stage)
    placed = fusion.place(x[0], fs, cand * stage["k"])
    order = np.argsort(placed, kind="stable")
    ref = rec.annotations.beats().sample
    _, d2r = match_beats(ref, placed[order], int(round(0.15 * fs)))
    y = np.zeros(cand.size)
    y[order] = d2r >= 0
    keep = flutter_mask(placed, rec.annotations)
    return expand(feats)[keep], y[keep], (x, fs, ref, rec.annotations)


def fit(X, y, weight=None, ridge=RIDGE, iterations=30):
    """Ridge logistic regression by Newton's method; ``weight`` per row (default 1)."""
    s = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=np.float64)
    w = np.zeros(X.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        g = X.T @ (s * (p - y)) + ridge * w
        h = (X * (s * p * (1 - p))[:, None]).T @ X + ridge * np.eye(X.shape[1])
        w -= np.linalg.solve(h, g)
    return w


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=0)
    ap.add_argument("--noise", default=NOISES, help="noise records for the stressed copies ('' for none)")
    ap.add_argument("--snr", default=SNRS, help="their SNRs, dB")
    ap.add_argument("--noise-weight", type=float, default=NOISE_WEIGHT, help="weight of a stressed copy's candidates")
    ap.add_argument("--test-noise", default="", help="with --folds: noise records of copies scored, never trained on")
    ap.add_argument("--test-shift-s", type=float, default=120.0,
                    help="their noise taken this many seconds later than nst takes it (120: none of 118e*/119e*'s)")
    a = ap.parse_args()
    d = resolve_data_dir(None)
    recs = {r: read_wfdb(d / r) for r in DS1}
    tables = {r: record_table(rec) for r, rec in recs.items()}
    noisy = []
    for noise in filter(None, a.noise.split(",")):
        for snr in map(float, a.snr.split(",")):
            for r in DS1:
                if r not in NOT_STRESSED:
                    shift = a.test_shift_s if noise == "em" else 0.0  # em only ever from samples the test lacks
                    st = stress_recording(recs[r], d.parent / "nstdb", noise, snr, noise_shift_s=shift)
                    noisy.append((r,) + record_table(st.recording))
    w = fit(*stack([tables[r] for r in DS1], noisy, a.noise_weight))
    print("WEIGHTS = np.array([" + ", ".join(f"{v:.6g}" for v in w) + "])")
    tests = []
    for noise in filter(None, a.test_noise.split(",")):
        for snr in map(float, a.snr.split(",")):
            for r in DS1:
                if r not in NOT_STRESSED:
                    st = stress_recording(recs[r], d.parent / "nstdb", noise, snr, noise_shift_s=a.test_shift_s)
                    tests.append((r, f"{noise} {snr:g} dB, noise {a.test_shift_s:g} s later") + record_table(st.recording))
    if a.folds:
        cross_validate(tables, noisy, a.folds, a.noise_weight, tests)


def stack(clean: list, noisy: list, noise_weight: float):
    """Inputs, labels and row weights of clean tables (weight 1) and stressed ones (``noise_weight``)."""
    X = np.concatenate([t[0] for t in clean] + [t[1] for t in noisy])
    y = np.concatenate([t[1] for t in clean] + [t[2] for t in noisy])
    w = np.concatenate([np.ones(len(t[1])) for t in clean] + [np.full(len(t[2]), noise_weight) for t in noisy])
    return X, y, w


def cross_validate(tables: dict, noisy: list, folds: int, noise_weight: float, tests=()) -> None:
    """Record-wise K-fold CV on DS1: clean test records, their stressed copies (from 5:00), and ``tests``
    (``(record, label, X, y, case)``: copies scored, never trained on), per label."""
    tot = {"clean": [0, 0, 0], "stressed": [0, 0, 0], **{t[1]: [0, 0, 0] for t in tests}}
    for k in range(folds):
        test = DS1[k::folds]
        train_noisy = [t for t in noisy if t[0] not in test]
        wk = fit(*stack([tables[r] for r in DS1 if r not in test], train_noisy, noise_weight))
        cases = ([("clean", tables[r][2]) for r in test] + [("stressed", t[3]) for t in noisy if t[0] in test]
                 + [(t[1], t[4]) for t in tests if t[0] in test])
        for kind, (x, fs, ref, ann) in cases:
            det = fusion.detect(x, fs, weights=wk).peaks
            ref5, det5 = ref[ref >= 300 * fs], det[det >= 300 * fs]
            ref5, det5 = ref5[flutter_mask(ref5, ann)], det5[flutter_mask(det5, ann)]
            r2d, d2r = match_beats(ref5, det5, int(round(0.15 * fs)))
            c = tot[kind]
            c[0], c[1], c[2] = c[0] + int((r2d >= 0).sum()), c[1] + int((r2d < 0).sum()), c[2] + int((d2r < 0).sum())
    for kind, (tp, fn, fp) in tot.items():
        if tp + fn:
            print(f"{folds}-fold CV over DS1 records ({kind}), from 5:00: Se {100 * tp / (tp + fn):.2f} %, "
                  f"+P {100 * tp / (tp + fp):.2f} % (FN {fn}, FP {fp})")


if __name__ == "__main__":
    main()
