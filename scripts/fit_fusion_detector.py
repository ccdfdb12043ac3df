"""Fit the ``fusion`` detector's logistic weights on the MIT-BIH DS1 records, and print them.

    ARRHYTHMIA_DATA_DIR=../shared/data/mitdb .venv/bin/python scripts/fit_fusion_detector.py [--folds 4]

Every candidate of the 22 DS1 records (de Chazal et al. 2004; no DS2 record
is read) is labelled a beat when, placed on its R peak, it matches a
reference beat within 150 ms (one-to-one, closest first); candidates inside
ventricular flutter episodes (``[`` to ``]``, as bxb leaves them out) are
left out. Ridge-regularised logistic regression by Newton's method. The
weights printed go into ``WEIGHTS`` in
``src/arrhythmia/preprocessing/detectors/fusion.py``. ``--folds K`` also
prints a record-wise K-fold cross-validation on DS1 (from 5:00).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from arrhythmia.datasets.location import resolve_data_dir
from arrhythmia.datasets.records import DS1
from arrhythmia.evaluation.detection import match_beats
from arrhythmia.io import read_wfdb
from arrhythmia.preprocessing.detectors import fusion
from arrhythmia.preprocessing.detectors.candidates import expand

RIDGE = 1e-3


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


def record_table(path):
    rec = read_wfdb(path)
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


def fit(X, y, ridge=RIDGE, iterations=30):
    w = np.zeros(X.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        g = X.T @ (p - y) + ridge * w
        h = (X * (p * (1 - p))[:, None]).T @ X + ridge * np.eye(X.shape[1])
        w -= np.linalg.solve(h, g)
    return w


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=0)
    a = ap.parse_args()
    d = resolve_data_dir(None)
    tables = {r: record_table(d / r) for r in DS1}
    w = fit(np.concatenate([t[0] for t in tables.values()]), np.concatenate([t[1] for t in tables.values()]))
    print("WEIGHTS = np.array([" + ", ".join(f"{v:.6g}" for v in w) + "])")
    if a.folds:
        tp = fn = fp = 0
        for k in range(a.folds):
            test = DS1[k::a.folds]
            wk = fit(np.concatenate([tables[r][0] for r in DS1 if r not in test]),
                     np.concatenate([tables[r][1] for r in DS1 if r not in test]))
            for r in test:
                x, fs, ref, ann = tables[r][2]
                det = fusion.detect(x, fs, weights=wk).peaks
                ref5, det5 = ref[ref >= 300 * fs], det[det >= 300 * fs]
                ref5, det5 = ref5[flutter_mask(ref5, ann)], det5[flutter_mask(det5, ann)]
                r2d, d2r = match_beats(ref5, det5, int(round(0.15 * fs)))
                tp, fn, fp = tp + int((r2d >= 0).sum()), fn + int((r2d < 0).sum()), fp + int((d2r < 0).sum())
        print(f"{a.folds}-fold CV over DS1 records, from 5:00: Se {100 * tp / (tp + fn):.2f} %, "
              f"+P {100 * tp / (tp + fp):.2f} % (FN {fn}, FP {fp})")


if __name__ == "__main__":
    main()
