"""Cross-validation of the refit recipe: pooling over folds and the epoch choice, checked by hand.

The folds' per-epoch confusion matrices are written beforehand with the fingerprints
of the settings, so cross_validate_epochs reuses them instead of training (a resumed run)."""

import dataclasses
import json

import numpy as np
import pytest

from arrhythmia.evaluation.cv import cross_validate_epochs, selection_score
from arrhythmia.training import TrainConfig


def _cm(s_tp, s_fn, v_tp, v_fn, s_fp=0):
    """5x5 matrix (rows true N S V F Q): 100 N beats, S and V as given, s_fp N beats called S."""
    cm = np.zeros((5, 5), np.int64)
    cm[0, 0], cm[0, 1] = 100 - s_fp, s_fp
    cm[1, 1], cm[1, 0] = s_tp, s_fn
    cm[2, 2], cm[2, 0] = v_tp, v_fn
    return cm.tolist()


def _write_folds(out, cfg, k, epochs, per_fold):
    out.mkdir(parents=True, exist_ok=True)
    for fold in range(k):
        tc = dataclasses.replace(cfg, split="patient-kfold", n_folds=k, fold=fold, records=None, val_fraction=0.0,
                                 epochs=epochs, patience=epochs)
        (out / f"fold_{fold}.json").write_text(json.dumps(
            {"fold": fold, "fingerprint": tc.fingerprint(), "test_records": [], "train_records": [], "n_beats": 0,
             "confusion_matrices": per_fold[fold]}))


def test_pooled_figures_and_epoch_choice_by_hand(tmp_path):
    cfg = TrainConfig(model="morph_rr", imbalance="sampler", seed=0, device="cpu")
    folds = [
        [_cm(1, 9, 5, 5), _cm(6, 4, 9, 1, s_fp=2), _cm(5, 5, 9, 1, s_fp=2)],
        [_cm(0, 10, 5, 5), _cm(4, 6, 9, 1, s_fp=2), _cm(5, 5, 8, 2, s_fp=6)],
    ]
    _write_folds(tmp_path / "c", cfg, 2, 3, folds)
    s = cross_validate_epochs(cfg, tmp_path / "no-data-needed", tmp_path / "c", k=2, max_epochs=3)
    # epoch 2 pooled: S 10 of 20 found, 4 false S; V 18 of 20, no false V
    e2 = s["per_epoch"][1]
    assert e2["S_se"] == pytest.approx(10 / 20) and e2["S_ppv"] == pytest.approx(10 / 14)
    assert e2["V_se"] == pytest.approx(18 / 20) and e2["V_ppv"] == pytest.approx(1.0)
    assert e2["score"] == pytest.approx((0.5 + 10 / 14 + 0.9 + 1.0) / 4)
    # epoch 3 pooled: S 10/20, +P 10/18; V 17/20, +P 1
    e3 = s["per_epoch"][2]
    assert e3["score"] == pytest.approx((0.5 + 10 / 18 + 0.85 + 1.0) / 4)
    # smoothed over +-1 epoch (clipped at the ends): epoch 1 is poor (S 1/20), so epoch 3 (mean of
    # epochs 2-3) beats epoch 2 (mean of 1-3) although epoch 2 alone scores best
    sc = [p["score"] for p in s["per_epoch"]]
    smoothed = [np.mean(sc[0:2]), np.mean(sc[0:3]), np.mean(sc[1:3])]
    assert [p["smoothed_score"] for p in s["per_epoch"]] == pytest.approx(smoothed)
    assert sc[1] > sc[2] and s["epochs"] == 3
    assert s["pooled"]["score"] == pytest.approx(sc[2])
    rows = [ln for ln in (tmp_path / "c" / "cv_epochs.md").read_text().splitlines() if ln[:3] in ("| 1", "| 2", "| 3")]
    assert len(rows) == 3


def test_cosine_budget_is_not_chosen(tmp_path):
    cfg = TrainConfig(model="morph_rr", imbalance="sampler", seed=0, device="cpu", lr_schedule="cosine")
    folds = [[_cm(9, 1, 9, 1), _cm(1, 9, 1, 9)], [_cm(9, 1, 9, 1), _cm(1, 9, 1, 9)]]
    _write_folds(tmp_path / "c", cfg, 2, 2, folds)
    s = cross_validate_epochs(cfg, tmp_path / "no-data-needed", tmp_path / "c", k=2, max_epochs=2)
    assert s["epochs"] == 2  # the schedule ends at epoch 2: epoch 1 is not what a 1-epoch run trains
    assert s["pooled"]["S_se"] == pytest.approx(0.1)


def test_selection_score_counts_undefined_as_zero():
    assert selection_score({"S_se": 0.5, "S_ppv": None, "V_se": float("nan"), "V_ppv": 1.0}) == pytest.approx(0.375)
