"""Reviewed recordings as labels: evaluate scores a model against them, train learns from them."""

from __future__ import annotations

import json

import numpy as np

from conftest import run_cli


def _review_100(results, mitdb):
    """Correct record 100's model beats: 3 N beats called V, one beat deleted, one inserted."""
    from arrhythmia.io.results import read_output
    from arrhythmia.serve.signal import load_signal
    from arrhythmia.serve.store import ReviewStore

    out = read_output(results / "100")
    store = ReviewStore(out, load_signal(mitdb / "100").n_samples)
    n = np.flatnonzero(out.label == "N")
    store.relabel(out.sample[n[[10, 20, 30]]].tolist(), "V")
    store.delete(int(out.sample[n[40]]))
    gap = int(np.argmax(np.diff(out.sample)))  # the longest RR: a beat there is one the model does not have
    store.insert(int((out.sample[gap] + out.sample[gap + 1]) // 2), "S")
    assert store.flush()
    return out


def test_evaluate_against_reviewed_annotations(results_copy, mitdb, tmp_path):
    out = _review_100(results_copy, mitdb)
    p = run_cli("evaluate", "--reviewed", results_copy, "--data-dir", mitdb, "--out", tmp_path / "ev")
    assert p.returncode == 0, p.stderr
    m = json.loads((tmp_path / "ev" / "metrics.json").read_text())
    assert m["records"] == ["100"]
    cm = np.asarray(m["confusion_matrix"])  # rows: reviewed reference (N S V F Q -), columns: model (N S V F Q -)
    model = {c: int(np.sum(out.label == c)) for c in "NSVFQ"}
    # the same model on the same recording finds the same beats; only the reviewer's changes disagree
    assert cm[2, 0] == 3                      # reference V (relabelled), model N
    assert cm[5, 0] == 1                      # the deleted beat: a detection with no reference beat
    assert cm[1, 5] == 1                      # the inserted S beat: missed by the model
    assert cm[0, 0] == model["N"] - 3 - 1 and cm[:5, :5].sum() == len(out.sample) - 1


def test_train_on_reviewed_recordings(results_copy, mitdb, tmp_path):
    from arrhythmia.bundle import read_bundle_config
    from arrhythmia.datasets import BeatConfig
    from arrhythmia.datasets.reviewed import load_reviewed_beats
    from arrhythmia.io.reviewed import read_reviewed
    from arrhythmia.training import TrainConfig, train

    _review_100(results_copy, mitdb)
    beats = load_reviewed_beats(results_copy, BeatConfig(), recordings=mitdb)
    ref = read_reviewed(results_copy / "100")
    assert set(beats.records()) == {"reviewed:100"}
    keep = np.isin(ref.sample, beats.sample)
    assert "".join(np.asarray(["NSVFQ"[k] for k in beats.y])) == "".join(ref.symbol[keep])  # the reviewer's labels
    assert int(np.sum(beats.y == 2)) == int(np.sum(ref.symbol[keep] == "V"))
    out, _ = train(TrainConfig(model="morph_rr", epochs=1, records=("101",), val_fraction=0.0, device="cpu"),
                   mitdb, tmp_path / "bundle", progress=False, verbose=False, reviewed=results_copy,
                   reviewed_recordings=mitdb)
    t = read_bundle_config(out)["training"]
    assert t["reviewed"] == {"folder": str(results_copy), "records": ["reviewed:100"], "n_beats": len(beats)}
