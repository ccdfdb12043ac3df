"""Bundles: never unpickled, clear errors for anything that is not ours."""

import json

import pytest
import torch

from arrhythmia import ArrhythmiaError
from arrhythmia.bundle import load_bundle, read_bundle_config, save_bundle
from arrhythmia.models import build_model


@pytest.fixture
def bundle(tmp_path):
    m = build_model("ecgcnn")
    save_bundle(m, tmp_path / "b", beats={}, training={"seed": 1}, validation={"macro_f1": float("nan")}, history=[])
    return tmp_path / "b"


def test_config_contents(bundle):
    cfg = read_bundle_config(bundle)
    assert cfg["format_version"] == 1 and cfg["classes"] == ["N", "S", "V", "F", "Q"]
    assert cfg["validation"]["macro_f1"] is None  # undefined stays undefined (null), never 0
    assert (bundle / "model.safetensors").is_file()


def test_newer_format_is_refused(bundle):
    p = bundle / "config.json"
    cfg = json.loads(p.read_text())
    cfg["format_version"] = 99
    p.write_text(json.dumps(cfg))
    with pytest.raises(ArrhythmiaError, match="format version 99 is newer"):
        load_bundle(bundle)


def test_not_a_bundle(tmp_path, bundle):
    with pytest.raises(ArrhythmiaError, match="model bundle folder not found"):
        read_bundle_config(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArrhythmiaError, match="config.json missing"):
        read_bundle_config(tmp_path / "empty")
    (bundle / "config.json").write_text("{not json")
    with pytest.raises(ArrhythmiaError, match="invalid JSON"):
        read_bundle_config(bundle)


def test_unknown_architecture(bundle):
    p = bundle / "config.json"
    cfg = json.loads(p.read_text())
    cfg["model"]["name"] = "gpt"
    p.write_text(json.dumps(cfg))
    with pytest.raises(ArrhythmiaError, match="Invalid value for 'model'"):
        load_bundle(bundle)


def test_mismatched_weights(bundle):
    p = bundle / "config.json"
    cfg = json.loads(p.read_text())
    cfg["model"]["name"] = "cnn_keras"
    cfg["model"]["n_samples"] = 300
    cfg["model"]["fs"] = 360.0
    p.write_text(json.dumps(cfg))
    with pytest.raises(ArrhythmiaError, match="do not match the architecture"):
        load_bundle(bundle)


def test_corrupt_weights(bundle):
    (bundle / "model.safetensors").write_bytes(b"\x00" * 20)
    with pytest.raises(ArrhythmiaError, match="SHA-256 differs"):  # config.json names other weights
        load_bundle(bundle)
    cfg = json.loads((bundle / "config.json").read_text())
    del cfg["weights_sha256"]  # a bundle written before the hash existed: the file itself is checked
    (bundle / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ArrhythmiaError, match="unreadable weights"):
        load_bundle(bundle)


def test_no_pickle_in_the_code_base():
    # torch.load is only ever called with weights_only=True (the checkpoint of the trainer).
    import pathlib
    import re

    src = pathlib.Path(__file__).resolve().parents[1] / "src"
    for f in src.rglob("*.py"):
        for call in re.findall(r"torch\.load\([^)]*\)", f.read_text()):
            assert "weights_only=True" in call, (f, call)
    assert torch  # imported for the test's context
