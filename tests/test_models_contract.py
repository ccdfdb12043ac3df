"""Contract tests over every registered model (scikit-learn/braindecode style)."""

import numpy as np
import pytest
import torch

from arrhythmia import ArrhythmiaError
from arrhythmia.bundle import load_bundle, save_bundle
from arrhythmia.export.onnx import MAX_ABS_DIFF, _to_onnx_bytes
from arrhythmia.models.predict import predict_proba
from arrhythmia.inference.runners import OnnxRunner
from arrhythmia.models import MODEL_NAMES, build_model, list_models
from arrhythmia.models.lstm_attention import KERAS_PARAMETERS

# Written out by hand on purpose: adding a model to the registry without
# adding it here fails test_every_registered_model_is_tested.
TESTED = ["morph_rr", "lstm_attention", "cnn_keras", "ecgcnn", "ecgcnn_deep", "cnn_lstm", "resnet1d", "ensemble"]


def test_every_registered_model_is_tested():
    assert sorted(TESTED) == sorted(MODEL_NAMES)


def _batch(m, n=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, m.n_leads, m.n_samples, generator=g)
    rr = torch.rand(n, 9, generator=g) + 0.5
    return x, rr


@pytest.mark.parametrize("name", TESTED)
def test_contract(name, tmp_path):
    torch.manual_seed(0)
    m = build_model(name)
    assert m.name == name and m.n_classes == 5 and m.fs > 0
    x, rr = _batch(m)
    # forward: logits of the right shape, finite
    m.train()
    out = m(x, rr)
    assert out.shape == (6, 5) and torch.isfinite(out).all()
    # features: penultimate representation
    assert m.features(x, (rr - m.rr_mean) / m.rr_std if m.uses_rr else None).shape[0] == 6
    # backward reaches every trainable parameter
    out.sum().backward()
    missing = [n for n, p in m.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, missing
    # a short training step lowers the loss on a fixed batch
    m.zero_grad()
    y = torch.arange(6) % 5
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    m.eval()  # no dropout noise for the comparison
    with torch.no_grad():
        before = torch.nn.functional.cross_entropy(m(x, rr), y).item()
    for _ in range(5):
        m.train()
        opt.zero_grad()
        torch.nn.functional.cross_entropy(m(x, rr), y).backward()
        opt.step()
    m.eval()
    with torch.no_grad():
        after = torch.nn.functional.cross_entropy(m(x, rr), y).item()
    assert after < before
    # wrong input shape: a clear error
    with pytest.raises(ArrhythmiaError, match="expects"):
        m(torch.zeros(2, m.n_leads, m.n_samples + 1), rr[:2])
    # bundle save/load gives identical outputs
    if m.uses_rr:
        m.set_rr_normalization(np.full(9, 0.8), np.full(9, 0.2))
    save_bundle(m, tmp_path, beats={"note": "contract test"}, training={}, validation={}, history=[])
    m2, cfg = load_bundle(tmp_path)
    assert cfg["model"]["name"] == name
    m.eval()
    with torch.no_grad():
        torch.testing.assert_close(m(x, rr), m2(x, rr), rtol=0, atol=0)
    # ONNX export: same probabilities with onnxruntime, on another batch size (dynamic axis)
    (tmp_path / "m.onnx").write_bytes(_to_onnx_bytes(m))
    x3, rr3 = _batch(m, n=11, seed=1)
    p_onnx = OnnxRunner.from_file(tmp_path / "m.onnx", cfg).predict_proba(x3.numpy(), rr3.numpy())
    p_torch = predict_proba(m, x3.numpy(), rr3.numpy())
    assert np.abs(p_onnx - p_torch).max() <= MAX_ABS_DIFF


def test_rr_models_require_rr():
    m = build_model("morph_rr")
    x, _ = _batch(m)
    with pytest.raises(ArrhythmiaError, match="'rr'"):
        m(x)


def test_lstm_attention_parameter_count():
    m = build_model("lstm_attention")
    # Keras: 16,896 + 4,160 + 12,416 + 165 = 33,637; PyTorch adds a second bias
    # vector to each LSTM gate: 4*64 + 4*32 = 384 more.
    assert KERAS_PARAMETERS == 16_896 + 4_160 + 12_416 + 165
    assert m.n_parameters() == KERAS_PARAMETERS + 4 * 64 + 4 * 32
    assert sum(p.numel() for p in m.lstm1.parameters()) == 16_896 + 4 * 64
    assert sum(p.numel() for p in m.attention.parameters()) == 4_160
    assert sum(p.numel() for p in m.lstm2.parameters()) == 12_416 + 4 * 32
    assert sum(p.numel() for p in m.head.parameters()) == 165


def test_cnn_keras_same_padding_lengths():
    m = build_model("cnn_keras")
    # 300 -> 150 -> 75 -> 38 after three 'same' pools of stride 2; 64 channels
    assert m.dense[0].in_features == 64 * 38


def test_list_models_and_unknown_name():
    rows = list_models()
    assert [r["name"] for r in rows] == list(MODEL_NAMES)
    assert all(r["parameters"] > 0 for r in rows)
    with pytest.raises(ArrhythmiaError, match="Invalid value for 'model'"):
        build_model("transformer")
