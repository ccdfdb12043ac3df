"""Calibration error and the review flag, recomputed by hand on small cases."""

import numpy as np
import pytest

from arrhythmia.evaluation.calibration import choose_review_threshold, expected_calibration_error, flag_report


def test_ece_by_hand():
    # four beats: confidences 0.9, 0.9 (one right, one wrong) in one bin; 0.55, 0.55 (both right) in another
    p = np.array([[0.9, 0.1, 0, 0, 0], [0.9, 0.1, 0, 0, 0], [0.55, 0.45, 0, 0, 0], [0.45, 0.55, 0, 0, 0]])
    y = np.array([0, 1, 0, 1])
    # bin of 0.9: accuracy 0.5, confidence 0.9 -> |0.4| x 2/4; bin of 0.55: accuracy 1.0, confidence 0.55 -> 0.45 x 2/4
    assert expected_calibration_error(p, y, n_bins=10) == pytest.approx(0.5 * 0.4 + 0.5 * 0.45)
    # a perfectly calibrated, always-right model with confidence 1
    assert expected_calibration_error(np.eye(5)[[0, 1, 2]], np.array([0, 1, 2])) == 0.0


def test_flag_report_by_hand():
    p = np.array([[0.9, 0.1, 0, 0, 0],   # N right, sure
                  [0.5, 0.4, 0.1, 0, 0],  # N given, S true: an S error, flagged at 0.6
                  [0.3, 0.1, 0.6, 0, 0],  # V given, N true: a V error, not flagged at 0.6
                  [0.2, 0.7, 0.1, 0, 0]])  # S right
    y = np.array([0, 1, 0, 1])
    r = flag_report(p, y, 0.6)
    assert r["flagged"] == 0.25 and r["n_flagged"] == 1 and r["n_errors"] == 2
    assert r["errors"] == 0.5 and r["S_errors"] == 1.0 and r["V_errors"] == 0.0


def test_review_threshold_respects_the_budget():
    conf = np.linspace(0.3, 1.0, 100)  # one beat per 0.007
    p = np.column_stack([conf, np.zeros((100, 4))])  # the confidence is the largest entry
    thr = choose_review_threshold(p, np.zeros(100, int), max_flagged=0.05)
    assert (conf < thr).mean() <= 0.05 < (conf < thr + 0.01).mean()
