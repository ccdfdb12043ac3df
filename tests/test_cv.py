"""Cross-validation of the refit recipe: pooling over folds and the epoch choice, checked by hand.

The folds' per-epoch confusion matrices are written beforehand with the fingerprints
of the settings, so cross_validate_epochs reuses them instead of training (a resumed run)."""

import dataclasses
import json

import numpy as np
import pytest

from arrhythmia.experiments.cv import cross_validate_epochs, selection_score
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


def _write_member(out, cfg, k, fold, m, probs, y):
    tc = dataclasses.replace(cfg, split="patient-kfold", n_folds=k, fold=fold, records=None, val_fraction=0.0,
                             epochs=len(probs), patience=len(probs)).member(m)
    np.savez_compressed(out / f"fold_{fold}_member_{m}.npz", fingerprint=np.array(tc.fingerprint()),
                        probs=np.asarray(probs, np.float32), y=np.asarray(y), test_records=np.array([f"r{fold}"]),
                        train_records=np.array(["x"]))


def test_ensemble_pools_mean_member_probabilities_by_hand(tmp_path):
    """members=2: each fold's prediction is the argmax of the members' mean probabilities (member m: seed + m)."""
    cfg = TrainConfig(model="morph_rr", imbalance="sampler", seed=5, device="cpu", lr_schedule="cosine", members=2)
    out = tmp_path / "c"
    out.mkdir()
    p = lambda *v: list(v) + [0.0] * (5 - len(v))  # noqa: E731
    # fold 0: true N, S, V. Member 0 calls the S beat N (0.6 vs 0.4), member 1 calls it S (0.1 vs 0.9):
    # the mean (0.35, 0.65) calls it S. Both call the V beat V.
    _write_member(out, cfg, 2, 0, 0, [[p(1.0), p(0.6, 0.4), p(0, 0, 1.0)]], [0, 1, 2])
    _write_member(out, cfg, 2, 0, 1, [[p(0.9, 0.1), p(0.1, 0.9), p(0.2, 0, 0.8)]], [0, 1, 2])
    # fold 1: true S, V. Member 0 is sure of N for the S beat (0.9), member 1 leans S (0.3, 0.7): mean (0.6, 0.4) N.
    # The V beat: member 0 says S (0.2, 0.8), member 1 V (0, 0.2, 0.8): mean (0.1, 0.5, 0.4) says S.
    # So one false S and one missed V.
    _write_member(out, cfg, 2, 1, 0, [[p(0.9, 0.1), p(0.2, 0.8)]], [1, 2])
    _write_member(out, cfg, 2, 1, 1, [[p(0.3, 0.7), p(0.0, 0.2, 0.8)]], [1, 2])
    s = cross_validate_epochs(cfg, tmp_path / "no-data-needed", out, k=2, max_epochs=1)
    # pooled: S 1 of 2 found, 2 beats called S (one of them the V beat); V 1 of 2 found, 1 called V
    assert s["pooled"]["S_se"] == pytest.approx(0.5) and s["pooled"]["S_ppv"] == pytest.approx(0.5)
    assert s["pooled"]["V_se"] == pytest.approx(0.5) and s["pooled"]["V_ppv"] == pytest.approx(1.0)
    assert [f["test_records"] for f in s["folds"]] == [["r0"], ["r1"]]
    # a member written with another seed is not reused: the settings' fingerprints differ
    other = dataclasses.replace(cfg, seed=6)
    assert other.member(0).fingerprint() != cfg.member(0).fingerprint() and cfg.member(1).seed == 6
