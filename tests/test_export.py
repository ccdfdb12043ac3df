"""ONNX export: parity with PyTorch on real test beats, metadata, dynamic batch, no torch needed to run."""

import json
import subprocess
import sys

import numpy as np
import onnx

from arrhythmia.datasets import load_beats
from arrhythmia.pipeline.segment import BeatConfig
from arrhythmia.export.onnx import MAX_ABS_DIFF, METADATA_KEY, check_parity
from arrhythmia.inference.runners import OnnxRunner, load_runner
from conftest import assert_one_line_error, run_cli


def test_parity_on_real_test_beats(tiny_bundle, mitdb):
    from arrhythmia.bundle import load_bundle

    model, cfg = load_bundle(tiny_bundle)
    beats = load_beats(["100", "105"], mitdb, BeatConfig.from_dict(cfg["beats"]))
    res = check_parity(model, tiny_bundle / "model.onnx", beats.x, beats.rr, ("100", "105"))
    assert res.n_beats == len(beats) > 4000
    assert res.max_abs_diff <= MAX_ABS_DIFF and res.same_classes


def test_metadata_and_dynamic_batch(tiny_bundle):
    m = onnx.load(str(tiny_bundle / "model.onnx"))
    meta = {p.key: p.value for p in m.metadata_props}
    cfg = json.loads(meta[METADATA_KEY])
    assert cfg["model"]["name"] == "morph_rr" and cfg["classes"] == ["N", "S", "V", "F", "Q"]
    r = OnnxRunner.from_file(tiny_bundle / "model.onnx")  # config from the metadata alone
    assert cfg["model"]["n_leads"] == 4  # MLII, other, and each minus the record's median beat
    for n in (1, 7, 300):
        x = np.random.default_rng(n).standard_normal((n, 4, 300)).astype(np.float32)
        p = r.predict_proba(x, np.ones((n, 9), np.float32))
        assert p.shape == (n, 5)
        np.testing.assert_allclose(p.sum(1), 1, atol=1e-5)


def test_export_cli(tiny_bundle, mitdb, tmp_path):
    p = run_cli("export", tiny_bundle, "--out", tmp_path / "m.onnx", "--data-dir", mitdb)
    assert p.returncode == 0, p.stderr
    assert "max |diff|" in p.stdout and "same classes: True" in p.stdout
    assert (tmp_path / "m.onnx").is_file()
    assert_one_line_error(run_cli("export", tmp_path / "nobundle", "--data-dir", mitdb), "model bundle folder not found")


def test_annotate_runs_without_torch(tiny_bundle, mitdb, tmp_path):
    # torch made unimportable: the ONNX path must not need it
    code = (
        "import sys, importlib.abc\n"
        "class NoTorch(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch' or name.startswith('torch.'):\n"
        "            raise ImportError('torch is not installed (simulated)')\n"
        "sys.meta_path.insert(0, NoTorch())\n"
        "from arrhythmia.inference.annotate import annotate\n"
        f"s = annotate({str(mitdb / '100')!r}, {str(tmp_path / 'o')!r}, model={str(tiny_bundle)!r}, backend='onnx')\n"
        "print(s['n_beats'])\n"
        "assert 'torch' not in sys.modules\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert int(p.stdout.strip().splitlines()[-1]) > 2200
    assert load_runner(tiny_bundle).backend == "onnx"


def test_a_torch_runners_thread_count_is_its_own(tiny_bundle):
    """``threads`` bounds the model's threads during its own calls; torch's process-wide setting is put back."""
    import torch

    before = torch.get_num_threads()
    seen = []
    runner = load_runner(tiny_bundle, "torch", threads=1)
    assert torch.get_num_threads() == before  # loading changes nothing
    model = runner.model
    orig = model.forward

    def spy(*a, **k):
        seen.append(torch.get_num_threads())
        return orig(*a, **k)

    model.forward = spy
    cfg = BeatConfig.from_dict(runner.config["beats"])
    channels = len(cfg.leads) * (2 if cfg.median_channels else 1)
    n_rr = len(runner.config["rr_features"])
    p = runner.predict_proba(np.zeros((3, channels, cfg.window.length), np.float32), np.zeros((3, n_rr), np.float32))
    assert p.shape == (3, 5) and seen and set(seen) == {1}
    assert torch.get_num_threads() == before
