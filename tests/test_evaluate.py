"""End to end: train a tiny model on a few records, evaluate, check every output."""

import csv
import json

import numpy as np
import wfdb

from conftest import assert_one_line_error, run_cli

def _png_ok(path):
    import matplotlib.image as mpimg

    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    assert img[..., :3].std() > 0.01  # not a blank canvas


def test_evaluate_writes_every_output(tiny_bundle, mitdb, tmp_path):
    out = tmp_path / "eval"
    p = run_cli("evaluate", tiny_bundle, "--out", out, "--data-dir", mitdb)
    assert p.returncode == 0, p.stderr
    assert "S " in p.stdout and "EC57" in p.stdout
    m = json.loads((out / "metrics.json").read_text())
    assert m["split"] == "inter-patient" and m["test_records"] == ["mitdb:100", "mitdb:105"] and not m["leaks_patients"]
    with open(out / "predictions.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == m["n_beats"] == np.sum(m["confusion_matrix"])
    assert set(rows[0]) >= {"record", "sample", "true", "predicted", "confidence", "p_N", "p_S", "p_V", "p_F", "p_Q"}
    probs = np.array([[float(r[f"p_{c}"]) for c in "NSVFQ"] for r in rows])
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-4)
    # the confusion matrix in metrics.json is the one of predictions.csv
    cm = np.zeros((5, 5), int)
    for r in rows:
        cm["NSVFQ".index(r["true"]), "NSVFQ".index(r["predicted"])] += 1
    np.testing.assert_array_equal(cm, m["confusion_matrix"])
    # true labels are the reference ones
    ann = wfdb.rdann(str(mitdb / "105"), "atr")
    ref = dict(zip(ann.sample.tolist(), ann.symbol))
    r105 = [r for r in rows if r["record"] == "105"]
    from arrhythmia.labels import SYMBOL_TO_AAMI

    assert all(SYMBOL_TO_AAMI[ref[int(r["sample"])]] == r["true"] for r in r105)
    for name in ("confusion_matrix.png", "training_curves.png", "tsne.png", "misclassified.png"):
        _png_ok(out / name)
    report = (out / "report.md").read_text()
    assert "inter-patient" in report and "S Se" not in report.split("## Results")[0]
    assert "| S |" in report and "EC57" in report
    # annotation files read back with the labels of predictions.csv
    for rec in ("100", "105"):
        a = wfdb.rdann(str(out / "annotations" / rec), "pred")
        mine = [(int(r["sample"]), r["predicted"]) for r in rows if r["record"] == rec]
        assert list(zip(a.sample.tolist(), a.symbol)) == sorted(mine)
    assert not list(tmp_path.glob(".eval-*"))  # temp folder gone


def test_evaluate_intra_patient_is_labelled(tiny_bundle, mitdb, tmp_path):
    p = run_cli("evaluate", tiny_bundle, "--split", "intra-patient", "--out", tmp_path / "e", "--data-dir", mitdb)
    assert p.returncode == 0, p.stderr
    assert "LEAKS PATIENTS" in p.stdout
    assert "LEAKS PATIENTS" in (tmp_path / "e" / "report.md").read_text()


def test_evaluate_bad_inputs_write_nothing(tiny_bundle, mitdb, tmp_path):
    p = run_cli("evaluate", tmp_path / "nobundle", "--out", tmp_path / "o1", "--data-dir", mitdb)
    assert_one_line_error(p, "nobundle", "model bundle folder not found")
    assert not (tmp_path / "o1").exists()
    p = run_cli("evaluate", tiny_bundle, "--split", "xx", "--out", tmp_path / "o2", "--data-dir", mitdb)
    assert_one_line_error(p, "Invalid value for 'split'")
    assert not (tmp_path / "o2").exists()
    assert not list(tmp_path.glob(".o2-*"))
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("do not delete")
    p = run_cli("evaluate", tiny_bundle, "--out", precious, "--data-dir", mitdb)
    assert_one_line_error(p, "was not made by arrhythmia")
    assert (precious / "thesis.tex").read_text() == "do not delete"


def test_cross_validation_on_ds1(tiny_bundle, mitdb, tmp_path):
    p = run_cli("evaluate", tiny_bundle, "--cv", "2", "--epochs", "1", "--out", tmp_path / "cv", "--data-dir", mitdb)
    assert p.returncode == 0, p.stderr
    s = json.loads((tmp_path / "cv" / "cv.json").read_text())
    assert s["k"] == 2 and len(s["folds"]) == 2
    from arrhythmia.datasets import DS1, DS2

    tested = [r.split(":")[1] for f in s["folds"] for r in f["test_records"]]
    assert sorted(tested) == sorted(DS1) and not set(tested) & set(DS2)  # never DS2
    assert "mean" in (tmp_path / "cv" / "cv.md").read_text() and "std" in s
