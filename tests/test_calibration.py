"""Calibration error and the review flag, recomputed by hand on small cases."""

import json

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


def test_per_class_rule_by_hand():
    """One threshold per model class; nan (no class) and labels that are not classes are never flagged; a number is
    the same threshold for every class."""
    from arrhythmia.evaluation.calibration import review_mask, review_text, review_thresholds

    labels = np.array(["N", "N", "S", "S", "V", "Q", "?"])
    conf = np.array([0.5, 0.9, 0.95, 0.99, 0.55, np.nan, 0.1])
    rule = {"N": 0.6, "S": 1.0, "V": 0.5}  # F and Q left out: never flagged
    assert review_mask(labels, conf, rule).tolist() == [True, False, True, True, False, False, False]
    assert review_mask(labels, conf, 0.6).tolist() == [True, False, False, False, True, False, False]
    assert review_thresholds(rule) == {"N": 0.6, "S": 1.0, "V": 0.5, "F": 0.0, "Q": 0.0}
    assert review_text(0.58) == "< 0.58" and review_text(rule) == "N < 0.60, S < 1.00, V < 0.50"
    p = np.array([[0.9, 0.1, 0, 0, 0], [0.05, 0.9, 0.05, 0, 0], [0.3, 0.1, 0.6, 0, 0]])
    r = flag_report(p, np.array([0, 0, 0]), {"S": 0.95})  # the S call (wrong) is flagged, the V call (wrong) is not
    assert r["n_flagged"] == 1 and r["errors"] == 0.5 and r["S_errors"] == 1.0 and r["V_errors"] == 0.0


def test_class_thresholds_are_the_exact_best_within_the_budget():
    """Against every combination of a coarse grid: the most errors flagged within the budget, and no rule that
    flags as many errors with fewer beats."""
    import itertools

    from arrhythmia.evaluation.calibration import choose_class_thresholds, review_mask

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    p = rng.dirichlet([1, 1, 1, 0.3, 0.3], 300)
    grid = np.round(np.arange(0.0, 1.001, 0.1), 1)
    got = choose_class_thresholds(p, y, 0.1, grid=grid)
    pred, conf = np.array(list("NSVFQ"))[p.argmax(1)], p.max(1)

    def score(rule):
        f = review_mask(pred, conf, rule)
        return int((f & (p.argmax(1) != y)).sum()), int(f.sum())

    best = max((score(dict(zip("NSVFQ", c))) for c in itertools.product(grid, repeat=5)
                if score(dict(zip("NSVFQ", c)))[1] <= 30), key=lambda s: (s[0], -s[1]))
    assert score(got) == best and best[0] >= score(choose_review_threshold(p, y, 0.1))[0]


def test_nested_review_rules_flag_a_fold_by_the_other_folds_only():
    """A model that is confidently wrong about one class: per-class thresholds find those errors where one threshold
    cannot; each fold's rule is chosen without it (a fold whose S calls are right gets the rule of the others)."""
    from arrhythmia.experiments.review_cv import nested_review

    rng = np.random.default_rng(1)
    n = 6000
    fold = np.repeat(np.arange(3), n // 3)
    y = np.where(rng.random(n) < 0.9, 0, 1)
    p = np.tile([0.95, 0.03, 0.01, 0.005, 0.005], (n, 1))
    s_call = rng.random(n) < 0.04  # called S with confidence 0.9, right a quarter of the time
    p[s_call] = [0.07, 0.9, 0.01, 0.01, 0.01]
    y[s_call] = np.where(rng.random(s_call.sum()) < 0.25, 1, 0)
    unsure = rng.random(n) < 0.08  # unsure N calls, right most of the time
    p[unsure & ~s_call] = [0.6, 0.3, 0.05, 0.03, 0.02]
    r = nested_review(p, y, fold, max_flagged=0.05)
    assert r["per-class"]["errors"] > r["single"]["errors"] + 0.2
    assert r["per-class"]["flagged"] <= 0.055 and len(r["per-class"]["per_fold"]) == 3
    assert r["per-class"]["n_flagged"] == s_call.sum()  # every S call, and nothing else


def test_nested_review_with_a_post_processing_flags_what_annotate_shows():
    """Round 11: the rule is chosen on the post-processed probabilities and the errors are the post-processed
    classes'. The identity gives the plain figures; a step that turns every S call into a confident N leaves the
    true S beats among them as confident errors no rule can reach within the budget, and the right S calls gone."""
    from arrhythmia.experiments.review_cv import nested_review
    from arrhythmia.pipeline.adapt import relabel_in_episodes

    rng = np.random.default_rng(2)
    n = 3000
    fold = np.repeat(np.arange(3), n // 3)
    y = np.zeros(n, int)
    p = np.tile([0.95, 0.03, 0.01, 0.005, 0.005], (n, 1))
    s_call = np.zeros(n, bool)
    s_call[::25] = True                                  # 120 S calls at 0.9, 30 of them right
    p[s_call] = [0.07, 0.9, 0.01, 0.01, 0.01]
    y[np.flatnonzero(s_call)[::4]] = 1
    plain = nested_review(p, y, fold, max_flagged=0.05)
    same = nested_review(p, y, fold, max_flagged=0.05, post=lambda q: q)
    assert json.dumps(same, sort_keys=True) == json.dumps(plain, sort_keys=True)  # NaN (no V beat) on both
    assert plain["per-class"]["n_errors"] == 90          # the 90 wrong S calls
    moved = nested_review(p, y, fold, max_flagged=0.05,
                          post=lambda q: relabel_in_episodes(q, q.argmax(1) == 1))
    for r in moved.values():
        assert r["n_errors"] == 30                       # the 30 true S beats, now called N
        assert r["n_flagged"] == 0 and r["errors"] == 0.0  # confident (0.97) N calls: nothing under any rule


def test_a_malformed_rule_is_a_one_line_error_and_any_grid_fits_the_budget():
    from arrhythmia.errors import ArrhythmiaError
    from arrhythmia.evaluation.calibration import choose_class_thresholds, review_thresholds

    for bad in ({"s": 0.8}, {"S": 1.5}, {"S": "0.8"}, 2.0, -0.1):
        with pytest.raises(ArrhythmiaError, match=r"^Invalid value for 'postprocess.review_below': allowed a number"):
            review_thresholds(bad, "postprocess.review_below")
    p = np.tile([0.6, 0.4, 0, 0, 0], (10, 1))
    # no threshold of the grid fits a 5 % budget on ten equal beats: 0 (never flag) is added
    assert choose_class_thresholds(p, np.ones(10, int), 0.05, grid=[0.5, 1.0]) == {c: 0.0 for c in "NSVFQ"}
