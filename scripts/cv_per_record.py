"""Per-record S and V errors of an ensemble candidate's held-out DS1 predictions (DS2 is never loaded).

    ARRHYTHMIA_DATA_DIR=../shared/data/mitdb .venv/bin/python scripts/cv_per_record.py sampler+median-e2-x5

Reads the member probabilities that scripts/select_default_model.py keeps for
``-x5`` candidates (runs/select-refit/<candidate>/fold_<i>_member_<m>.npz, last
epoch), averages them as the ensemble does, and prints for every DS1 record
its fold, S beats, S found, false S, V beats, V found, false V.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from arrhythmia.datasets import load_beats, make_split
from arrhythmia.datasets.location import resolve_data_dir
from arrhythmia.datasets.records import DS1
from arrhythmia.labels import AAMI_CLASSES
from arrhythmia.training.run import beat_config_for

S, V = AAMI_CLASSES.index("S"), AAMI_CLASSES.index("V")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("candidate")
    ap.add_argument("--work", default="runs/select-refit")
    ap.add_argument("--k", type=int, default=5)
    a = ap.parse_args()
    d = Path(a.work) / a.candidate
    beats = load_beats(DS1, resolve_data_dir(None), beat_config_for("morph_rr"))  # labels and records only
    print("| record | fold | S | S found | false S | V | V found | false V |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    total = np.zeros(6, np.int64)
    for fold in range(a.k):
        files = sorted(d.glob(f"fold_{fold}_member_*.npz"))
        if not files:
            raise SystemExit(f"{d}: no member probabilities for fold {fold} (an -x5 candidate run by "
                             "select_default_model.py keeps them)")
        sp = make_split(beats, "patient-kfold", seed=0, val_fraction=0.0, n_folds=a.k, fold=fold)
        test = beats.subset(sp.test)
        probs = []
        for f in files:
            with np.load(f) as z:
                if not np.array_equal(z["y"], test.y):
                    raise SystemExit(f"{f}: its beats are not fold {fold}'s held-out beats")
                probs.append(z["probs"][-1])
        pred = np.mean(probs, axis=0).argmax(1)
        for r in np.unique(test.record):
            m = test.record == r
            y, p = test.y[m], pred[m]
            row = np.array([(y == S).sum(), ((y == S) & (p == S)).sum(), ((y != S) & (p == S)).sum(),
                            (y == V).sum(), ((y == V) & (p == V)).sum(), ((y != V) & (p == V)).sum()])
            total += row
            print(f"| {r} | {fold} | " + " | ".join(str(v) for v in row) + " |")
    print("| all | | " + " | ".join(str(v) for v in total) + " |")


if __name__ == "__main__":
    main()
