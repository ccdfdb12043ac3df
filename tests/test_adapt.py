"""Label-free adaptation to one recording (pipeline/adapt.py), checked by hand on small cases."""

from __future__ import annotations

import numpy as np
import pytest

from arrhythmia.pipeline.adapt import (adapt_priors, fit_temperature, in_episodes, postprocess, relabel_in_episodes,
                                       temperature_scale)


def test_temperature_by_hand():
    p = np.array([[0.5, 0.25, 0.25], [0.9, 0.05, 0.05]])
    np.testing.assert_allclose(temperature_scale(p, 1.0), p)
    # T = 2: p ** 0.5, renormalised
    q = np.sqrt(p) / np.sqrt(p).sum(1, keepdims=True)
    np.testing.assert_allclose(temperature_scale(p, 2.0), q)
    # over-confident predictions, half of them wrong: the fitted temperature softens them (T > 1)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    right = np.where(rng.random(400) < 0.5, y, 1 - y)
    proba = np.where(np.arange(2)[None, :] == right[:, None], 0.99, 0.01)
    assert fit_temperature(proba, y) > 3.0


def test_em_priors_recover_a_recordings_class_shares():
    """Beats drawn with true shares (0.7 N, 0.3 S) from two overlapping score distributions, scored by a classifier
    that assumed 50/50: EM finds shares near 0.7/0.3 and the adapted posteriors are the Bayes posteriors at those
    shares (Saerens et al. 2002)."""
    rng = np.random.default_rng(1)
    n = 4000
    y = (rng.random(n) < 0.3).astype(int)
    x = rng.normal(np.where(y == 1, 1.0, -1.0), 1.0)
    lik1, lik0 = np.exp(-0.5 * (x - 1) ** 2), np.exp(-0.5 * (x + 1) ** 2)
    balanced = np.stack([lik0, lik1], 1) / (lik0 + lik1)[:, None]  # posteriors at 50/50 priors
    adapted, prior = adapt_priors(balanced, [0.5, 0.5], min_beats=100)
    assert prior[1] == pytest.approx(y.mean(), abs=0.03)
    bayes1 = 0.3 * lik1 / (0.3 * lik1 + 0.7 * lik0)
    np.testing.assert_allclose(adapted[:, 1], bayes1, atol=0.03)
    # too few beats: nothing is adapted, the classifier's priors are returned
    same, prior = adapt_priors(balanced[:50], [0.5, 0.5], min_beats=100)
    np.testing.assert_array_equal(same, balanced[:50]) and np.testing.assert_array_equal(prior, [0.5, 0.5])


def test_episodes_mask_and_relabel():
    samples = np.array([10, 100, 150, 199, 200, 350])
    episodes = np.array([[300, 400], [100, 200]])  # unsorted on purpose; end exclusive
    np.testing.assert_array_equal(in_episodes(samples, episodes), [False, True, True, True, False, True])
    assert not in_episodes(samples, np.zeros((0, 2))).any()
    p = np.array([[0.2, 0.7, 0.1, 0, 0], [0.6, 0.3, 0.1, 0, 0]])
    q = relabel_in_episodes(p, np.array([True, False]))
    np.testing.assert_allclose(q, [[0.9, 0.0, 0.1, 0, 0], [0.6, 0.3, 0.1, 0, 0]])


def test_postprocess_steps_and_fallbacks():
    rng = np.random.default_rng(2)
    p = rng.dirichlet(np.ones(5), size=400)
    samples = np.arange(400) * 300
    settings = {"temperature": 1.5, "train_prior": [0.2] * 5, "adapt_priors": True, "af_relabel": True,
                "min_beats": 300}
    out, info = postprocess(p, settings, episodes=np.array([[0, 3000]]), samples=samples)
    assert info["adapted"] and info["temperature"] == 1.5 and len(info["priors"]) == 5
    assert np.all(out[:10, 1] == 0)  # the first 10 beats lie in the episode: no S probability left
    off, info = postprocess(p, settings, adapt=False)
    np.testing.assert_allclose(off, temperature_scale(p, 1.5))
    assert not info["adapted"] and "--no-adapt" in info["why"]
    short, info = postprocess(p[:100], settings)
    assert not info["adapted"] and "too short" in info["why"]
    none, info = postprocess(p, None)
    np.testing.assert_array_equal(none, p)


def test_class_weights_by_hand_and_kept_with_no_adapt():
    from arrhythmia.pipeline.adapt import reweight

    p = np.array([[0.6, 0.4, 0, 0, 0], [0.5, 0.2, 0.3, 0, 0]])
    w = [1, 2, 0.5, 1, 1]
    # row 1: 0.6 vs 0.8 -> S wins; row 2: 0.5, 0.4, 0.15 over 1.05
    expected = [[0.6 / 1.4, 0.8 / 1.4, 0, 0, 0], [0.5 / 1.05, 0.4 / 1.05, 0.15 / 1.05, 0, 0]]
    np.testing.assert_allclose(reweight(p, w), expected)
    out, info = postprocess(p, {"temperature": 1.0, "class_weights": w}, adapt=False)
    assert out[0].argmax() == 1 and not info["adapted"]


def test_nn_irregularity_by_hand():
    from arrhythmia.pipeline.adapt import MIN_NN_PAIRS, nn_irregularity

    # 41 normal beats, intervals alternating 800/880 samples: every successive difference is 80; where the window
    # holds all 40 intervals (beat 20) the median interval is 840 (the mean of the two middle values), elsewhere
    # 800 or 880 or between
    rr = np.tile([800, 880], 20)
    samples = np.r_[0, np.cumsum(rr)]
    labels = np.zeros(samples.size, int)
    irr = nn_irregularity(labels, samples, half=30)
    assert irr[20] == pytest.approx(80 / 840)
    assert np.all((irr >= 80 / 880 - 1e-12) & (irr <= 80 / 800 + 1e-12))
    # a perfectly regular rhythm with one premature S beat: the intervals touching it are not N-to-N, so the
    # normal rhythm stays regular (0) and the S beat is judged against it
    samples = np.arange(41) * 800
    samples[20] -= 300
    labels = np.zeros(41, int)
    labels[20] = 1
    irr = nn_irregularity(labels, samples, half=30)
    np.testing.assert_allclose(irr, 0.0)
    # too few normal pairs in the window: no judgement
    assert np.isnan(nn_irregularity(np.ones(41, int), samples)).all()
    assert MIN_NN_PAIRS > 1


def test_relabel_irregular_moves_s_to_n_only_in_an_irregular_rhythm():
    from arrhythmia.pipeline.adapt import relabel_irregular

    rng = np.random.default_rng(0)
    n = 200
    regular = np.r_[0, np.cumsum(np.full(n - 1, 800))]
    irregular = np.r_[0, np.cumsum(rng.integers(500, 1100, n - 1))]  # AF-like: successive differences ~25 %
    p = np.tile([0.9, 0.1, 0, 0, 0], (n, 1))
    p[::10] = [0.2, 0.8, 0, 0, 0]  # every 10th beat labelled S
    kept, k = relabel_irregular(p, regular, threshold=0.1)
    assert k == 0 and (kept.argmax(1) == 1).sum() == 20
    moved, k = relabel_irregular(p, irregular, threshold=0.1)
    assert k == 20 and (moved.argmax(1) == 1).sum() == 0
    np.testing.assert_allclose(moved[::10], [[1.0, 0, 0, 0, 0]] * 20)
    out, info = postprocess(p, {"temperature": 1.0, "nn_irregular": 0.1}, samples=irregular)
    assert info["relabelled_irregular"] == 20 and (out.argmax(1) == 1).sum() == 0
    out, info = postprocess(p, {"temperature": 1.0, "nn_irregular": 0.1}, samples=irregular, adapt=False)
    assert info["relabelled_irregular"] == 0  # --no-adapt: calibration only


def _beats(rr_s, fs=360.0):
    return np.r_[0, np.cumsum(np.round(np.asarray(rr_s) * fs))].astype(np.int64)


def test_relabel_in_nn_af_keeps_premature_beats_of_sinus_rhythm_and_relabels_in_af():
    """Ten minutes at 360 Hz, the whole recording given as an AF episode (as annotate's detector may find it). In
    sinus rhythm (0.8 s, 1 % jitter) with premature atrial beats at random (a third of the beats, 0.5 s after the
    beat before, the sinus node reset) the intervals between normal beats are regular: no S beat is relabelled.
    In AF (intervals uniform over 0.4-1.0 s) with a fifth of the beats called S, those intervals stay irregular:
    every S beat goes to N but a few at either end
    (before the detector has a window of intervals to judge, after the last normal-to-normal interval).
    af_relabel alone would relabel every S beat in both."""
    from arrhythmia.pipeline.adapt import relabel_in_nn_af

    rng = np.random.default_rng(3)
    n = 750
    apb = rng.random(n) < 1 / 3
    apb[:2] = False
    rr = np.where(apb[1:], 0.5, 0.8 * (1 + 0.01 * rng.standard_normal(n - 1)))
    sinus = _beats(rr)
    p = np.where(apb[:, None], [[0.1, 0.8, 0.1, 0, 0]], [[0.9, 0.05, 0.05, 0, 0]])
    whole = np.array([[0, int(sinus[-1]) + 1]])
    out, k = relabel_in_nn_af(p, sinus, whole, 360.0)
    assert k == 0 and np.array_equal(out.argmax(1), p.argmax(1))
    af = _beats(rng.uniform(0.4, 1.0, n - 1))
    called_s = rng.random(n) < 0.2
    p = np.where(called_s[:, None], [[0.1, 0.8, 0.1, 0, 0]], [[0.9, 0.05, 0.05, 0, 0]])
    out, k = relabel_in_nn_af(p, af, np.array([[0, int(af[-1]) + 1]]), 360.0)
    kept = np.flatnonzero(out.argmax(1) == 1)
    assert k == called_s.sum() - kept.size and kept.size <= 10
    assert np.all((af[kept] < 60 * 360) | (af[kept] > af[-1] - 60 * 360))
    moved = called_s & (out.argmax(1) == 0)
    np.testing.assert_allclose(out[moved, 0], 0.9)  # the S probability moved to N
    # no episode given: nothing relabelled, whatever the rhythm
    out, k = relabel_in_nn_af(p, af, np.zeros((0, 2)), 360.0)
    assert k == 0 and np.array_equal(out, p)


def test_postprocess_af_relabel_nn_needs_the_rate():
    p = np.tile([0.1, 0.8, 0.1, 0, 0], (10, 1))
    with pytest.raises(ValueError, match="'fs' is needed"):
        postprocess(p, {"af_relabel_nn": True}, episodes=np.array([[0, 10]]), samples=np.arange(10))
