"""The second stage (pipeline/stack.py, training/stack.py, experiments/stack_cv.py): features checked by hand on a
real record's beat times, the perceptron by hand, the fit seeded, the nested fit never sees its fold."""

from __future__ import annotations

import numpy as np
import pytest

from arrhythmia.errors import ArrhythmiaError
from arrhythmia.pipeline.stack import STACK_FEATURES, StackModel, apply_stack, stack_features


@pytest.fixture(scope="module")
def beats_232(mitdb):
    import wfdb

    ann = wfdb.rdann(str(mitdb / "232"), "atr")
    keep = np.isin(ann.symbol, ["N", "A", "V", "j", "L", "R", "a", "J", "e", "S", "F", "/", "f", "Q", "E"])
    return np.asarray(ann.sample)[keep]


def _col(name):
    return STACK_FEATURES.index(name)


def test_features_by_hand_on_record_232(beats_232, rng):
    s = beats_232
    n = s.size
    p = rng.dirichlet(np.ones(5), size=n)
    episodes = np.array([[s[100], s[200]]])
    f = stack_features(p, s, 360.0, episodes)
    assert f.shape == (n, len(STACK_FEATURES)) and f.dtype == np.float32 and np.isfinite(f).all()
    logp = np.log(np.clip(p, 1e-6, 1))
    np.testing.assert_allclose(f[:, :5], logp, rtol=1e-6)
    np.testing.assert_allclose(f[1:, _col("prev_log_pS")], logp[:-1, 1], rtol=1e-6)
    np.testing.assert_allclose(f[:-1, _col("next_log_pV")], logp[1:, 2], rtol=1e-6)
    in_af = f[:, _col("in_af")]
    assert in_af[100:200].all() and not in_af[:100].any() and not in_af[200:].any()
    assert f[0, _col("record_af_share")] == pytest.approx(100 / n)
    assert f[0, _col("record_share_S")] == pytest.approx(np.mean(p.argmax(1) == 1))
    assert f[0, _col("record_mean_pS")] == pytest.approx(p[:, 1].mean(), rel=1e-6)
    np.testing.assert_allclose(f[:, _col("rel_log_pS")], logp[:, 1] - np.median(logp[:, 1]), rtol=1e-5, atol=1e-5)
    # the RR ratios are the project's (features.rr), e.g. the interval before the beat over the local mean
    from arrhythmia.features.rr import RR_FEATURES, rr_features

    rr = rr_features(s, 360.0)
    np.testing.assert_allclose(f[:, _col("pre_local")], rr[:, RR_FEATURES.index("pre_local")], rtol=1e-6)
    # no episodes given: no beat in AF
    assert not stack_features(p, s, 360.0).T[_col("in_af")].any()


def test_bad_input_is_a_one_line_error():
    with pytest.raises(ArrhythmiaError, match="Invalid value for 'proba'"):
        stack_features(np.ones((10, 4)) / 4, np.arange(10) * 300, 360.0)
    with pytest.raises(ArrhythmiaError, match="Invalid value for 'proba'"):
        stack_features(np.ones((10, 5)) / 5, np.arange(9) * 300, 360.0)
    d = StackModel(np.zeros(2), np.ones(2), (np.eye(2), np.zeros(2)), ("a", "b")).to_dict()
    with pytest.raises(ArrhythmiaError, match="postprocess.stack.features"):
        StackModel.from_dict(d)


def test_perceptron_by_hand():
    k = len(STACK_FEATURES)
    w1 = np.zeros((k, 2))
    w1[0, 0], w1[1, 1] = 1.0, -1.0
    w2 = np.zeros((2, 5))
    w2[0, 0], w2[1, 1] = 2.0, 3.0
    m = StackModel(np.full(k, 1.0), np.full(k, 2.0), (w1, np.zeros(2), w2, np.zeros(5)))
    x = np.zeros((1, k))
    x[0, 0], x[0, 1] = 5.0, -3.0  # standardised: 2 and -2; hidden relu(2) = 2 and relu(2) = 2; logits 4, 6, 0, 0, 0
    z = np.array([4.0, 6.0, 0, 0, 0])
    np.testing.assert_allclose(m.predict_proba(x)[0], np.exp(z) / np.exp(z).sum())
    again = StackModel.from_dict(m.to_dict())
    np.testing.assert_array_equal(again.predict_proba(x), m.predict_proba(x))


def test_class_weights_by_hand():
    from arrhythmia.training.stack import class_weights

    y = np.array([0] * 90 + [1] * 10)
    w = class_weights(y, power=1.0)
    # (100/90, 100/10) scaled so the mean over the beats is 1: (90 * a + 10 * b) / 100 = 1 with b = 9 a
    assert w[0] == pytest.approx(100 / 180) and w[1] == pytest.approx(900 / 180) and w[2] == 0.0
    np.testing.assert_allclose(class_weights(y, power=0.0)[:2], [1.0, 1.0])


def test_fit_is_seeded_and_learns_a_context_rule(beats_232):
    """A rule the network alone cannot apply: a beat the network calls S is N when the recording's AF detector puts
    it in an episode. The second stage learns it from the features."""
    from arrhythmia.training.stack import fit_stack

    rng = np.random.default_rng(3)
    s = beats_232
    n = s.size
    p = np.tile([0.7, 0.2, 0.05, 0.03, 0.02], (n, 1))
    is_s = rng.random(n) < 0.2
    p[is_s] = [0.2, 0.7, 0.05, 0.03, 0.02]
    episodes = np.array([[s[0], s[n // 2]]])
    y = np.where(is_s & (np.arange(n) >= n // 2), 1, 0)
    f = stack_features(p, s, 360.0, episodes)
    import torch

    before = torch.get_num_threads()
    a = fit_stack(f, y, seed=0, epochs=40, threads=1)
    b = fit_stack(f, y, seed=0, epochs=40, threads=1)
    # the caller's thread count is left alone (a leak changed the weights of later in-process trainings in CI)
    assert torch.get_num_threads() == before
    for wa, wb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(wa, wb)
    pred = apply_stack(a, p, s, 360.0, episodes).argmax(1)
    assert np.mean(pred == y) > 0.97
    assert (pred[: n // 2] == 1).sum() < 0.05 * is_s[: n // 2].sum()  # S calls inside the episode went to N
    with pytest.raises(ArrhythmiaError, match="Invalid value for 'feats'"):
        fit_stack(f[:, :3], y)


def test_postprocess_runs_the_stack_with_its_own_temperature_and_falls_back(beats_232, rng):
    from arrhythmia.pipeline.adapt import postprocess, temperature_scale
    from arrhythmia.training.stack import fit_stack

    s = beats_232[:600]
    p = rng.dirichlet(np.ones(5), size=s.size)
    y = rng.integers(0, 3, s.size)
    m = fit_stack(stack_features(p, s, 360.0), y, seed=0, epochs=1, threads=1)
    settings = {"temperature": 1.3, "stack": {**m.to_dict(), "temperature": 0.8}, "min_beats": 300}
    out, info = postprocess(p, settings, samples=s, fs=360.0)
    np.testing.assert_allclose(out, temperature_scale(apply_stack(m, p, s, 360.0), 0.8))
    assert info["stacked"] and info["adapted"] and info["temperature"] == 0.8
    off, info = postprocess(p, settings, samples=s, fs=360.0, adapt=False)  # --no-adapt: the network, calibrated
    np.testing.assert_allclose(off, temperature_scale(p, 1.3))
    assert not info["stacked"]
    short, info = postprocess(p[:100], settings, samples=s[:100], fs=360.0)
    np.testing.assert_allclose(short, temperature_scale(p[:100], 1.3))
    assert not info["stacked"] and "too short" in info["why"]


def test_nested_fit_never_sees_the_fold_it_predicts(monkeypatch):
    from arrhythmia.experiments import stack_cv
    from arrhythmia.experiments.pool_cv import OutOfFold
    from arrhythmia.training import stack as training_stack

    n = 500
    rng = np.random.default_rng(4)
    fold = np.repeat(np.arange(5), 100)
    oof = OutOfFold(np.repeat([f"svdb:8{i:02d}" for i in range(5)], 100), np.tile(np.arange(100) * 200, 5),
                    rng.integers(0, 3, n), rng.dirichlet(np.ones(5), n).astype(np.float32), fold)
    feats = np.zeros((n, len(STACK_FEATURES)), np.float32)
    feats[:, 0] = np.arange(n)  # row ids travel with the rows
    seen = []
    real = training_stack.fit_stack

    def spy(x, y, **kw):
        seen.append(set(x[:, 0].astype(int)))
        return real(x, y, epochs=1, threads=1)

    monkeypatch.setattr(training_stack, "fit_stack", spy)
    proba, shipped = stack_cv.nested_stack(oof, feats)
    assert proba.shape == (n, 5) and np.allclose(proba.sum(1), 1)
    for f, rows in zip(range(5), seen[:5]):
        assert rows == set(np.flatnonzero(fold != f))
    assert seen[5] == set(range(n))  # the shipped one: every beat
