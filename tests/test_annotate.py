"""annotate: the same beats from WFDB, CSV and NumPy inputs; readable outputs; clear refusals."""

import csv
import json

import numpy as np
import pandas as pd
import pytest
import wfdb

from arrhythmia.io.wfdb_io import read_wfdb
from conftest import assert_one_line_error, run_cli

SECONDS = 120  # two minutes of record 100 keep the test quick


@pytest.fixture(scope="module")
def inputs(mitdb, tmp_path_factory):
    """The first two minutes of record 100 as WFDB, CSV and NumPy files."""
    d = tmp_path_factory.mktemp("inputs")
    rec = read_wfdb(mitdb / "100")
    sig = rec.signal[:, : 360 * SECONDS]
    wfdb.wrsamp("rec100", fs=360, units=["mV", "mV"], sig_name=list(rec.leads), p_signal=sig.T, fmt=["16", "16"],
                adc_gain=[1000.0, 1000.0], baseline=[0, 0], write_dir=str(d))
    pd.DataFrame(sig.T, columns=list(rec.leads)).to_csv(d / "rec100.csv", index=False)
    np.save(d / "rec100.npy", sig.T)
    from pyedflib import highlevel

    headers = highlevel.make_signal_headers(list(rec.leads), dimension="uV", sample_frequency=360,
                                            physical_min=-5000, physical_max=5000)
    (d / "edf").mkdir()
    highlevel.write_edf(str(d / "edf" / "rec100.edf"), sig * 1000, headers)
    return d


def _beats(folder):
    with open(folder / "beats.csv") as f:
        return [(int(r["sample"]), r["class"]) for r in csv.DictReader(f)]


def test_same_beats_from_wfdb_csv_numpy(inputs, tiny_bundle, tmp_path):
    runs = {}
    for name, args in (("wfdb", [inputs / "rec100"]), ("csv", [inputs / "rec100.csv", "--fs", "360"]),
                       ("npy", [inputs / "rec100.npy", "--fs", "360"])):
        p = run_cli("annotate", *args, "--model", tiny_bundle, "--out", tmp_path / name)
        assert p.returncode == 0, p.stderr
        assert "beats in" in p.stdout and "mean heart rate" in p.stdout
        runs[name] = _beats(tmp_path / name)
    assert len(runs["wfdb"]) > 130
    # WFDB stores 16-bit samples at 1 uV: the same beats at the same samples, the same classes
    assert runs["csv"] == runs["npy"]
    assert [s for s, _ in runs["wfdb"]] == [s for s, _ in runs["csv"]]
    agree = np.mean([a[1] == b[1] for a, b in zip(runs["wfdb"], runs["csv"])])
    assert agree > 0.99


def test_npy_in_leads_by_samples_layout_is_read_the_same(inputs, tmp_path):
    from arrhythmia.io.readers import read_input

    good = np.load(inputs / "rec100.npy")  # (n_samples, 2)
    np.save(tmp_path / "t.npy", good.T)
    np.save(tmp_path / "one.npy", good[:, :1].T)  # (1, n_samples): one lead
    a = read_input(inputs / "rec100.npy", fs=360)
    with pytest.warns(UserWarning, match=r"t.npy: array of shape \(2, 43200\) read as 2 leads x 43200 samples"):
        b = read_input(tmp_path / "t.npy", fs=360)
    np.testing.assert_array_equal(a.signal, b.signal)
    assert b.leads == a.leads == ("lead0", "lead1")
    with pytest.warns(UserWarning, match=r"read as 1 lead x 43200 samples"):
        c = read_input(tmp_path / "one.npy", fs=360)
    np.testing.assert_array_equal(c.signal, a.signal[:1])


def test_csv_time_column_is_left_out_and_checked_against_fs(inputs, tmp_path):
    from arrhythmia.io.readers import read_input

    good = np.load(inputs / "rec100.npy")
    a = read_input(inputs / "rec100.csv", fs=360)
    t = np.arange(good.shape[0]) / 360
    pd.DataFrame({"Time (s)": t, "MLII": good[:, 0], "V5": good[:, 1]}).to_csv(tmp_path / "t.csv", index=False)
    np.savetxt(tmp_path / "ms.csv", np.column_stack([1000 * t, good]), delimiter=",")  # no header, ms
    with pytest.warns(UserWarning, match=r"t.csv: column 'Time \(s\)' rises at every sample: taken as a time axis"):
        b = read_input(tmp_path / "t.csv", fs=360)
    assert b.leads == ("MLII", "V5")
    np.testing.assert_allclose(b.signal, a.signal, atol=1e-12)
    with pytest.warns(UserWarning, match="column 'lead0' rises"):
        c = read_input(tmp_path / "ms.csv", fs=360)
    assert c.leads == ("lead1", "lead2")
    # a time axis that gives 360 Hz in every unit but the one given: the --fs is wrong, before anything is written
    p = run_cli("annotate", tmp_path / "t.csv", "--fs", "250", "--out", tmp_path / "out")
    assert_one_line_error(p, "t.csv: column 'Time (s)' is a time axis", "360 Hz in seconds", "none of them --fs 250")
    assert not (tmp_path / "out").exists()


def test_edf_input_gives_the_same_beats(inputs, tiny_bundle, tmp_path):
    # EDF stores 16-bit samples over +-5 mV in uV: the same beats as the CSV of the same signal
    assert run_cli("annotate", inputs / "rec100.csv", "--fs", "360", "--model", tiny_bundle,
                   "--out", tmp_path / "csv").returncode == 0
    p = run_cli("annotate", inputs / "edf" / "rec100.edf", "--model", tiny_bundle, "--out", tmp_path / "edf")
    assert p.returncode == 0, p.stderr
    a, b = _beats(tmp_path / "csv"), _beats(tmp_path / "edf")
    assert [s for s, _ in a] == [s for s, _ in b]
    assert np.mean([x[1] == y[1] for x, y in zip(a, b)]) > 0.99
    assert_one_line_error(run_cli("annotate", inputs / "edf" / "rec100.edf", "--fs", "250", "--model", tiny_bundle,
                                  "--out", tmp_path / "x"), "records its own rate 360")


def test_outputs_are_well_formed(inputs, tiny_bundle, tmp_path):
    out = tmp_path / "o"
    p = run_cli("annotate", inputs / "rec100.csv", "--fs", "360", "--model", tiny_bundle, "--out", out)
    assert p.returncode == 0, p.stderr
    assert "this model on" not in p.stdout  # a bundle that records no test on unseen patients claims none
    a = wfdb.rdann(str(out / "rec100"), "arr")
    beats = _beats(out)
    assert list(zip(a.sample.tolist(), a.symbol)) == beats
    assert set(a.symbol) <= set("NSVFQ")
    s = json.loads((out / "summary.json").read_text())
    assert s["n_beats"] == len(beats) and sum(s["beats_per_class"].values()) == len(beats)
    assert 60 < s["mean_hr_bpm"] < 90  # record 100 runs at about 75 bpm
    assert s["model"]["backend"] == "onnx" and s["model"]["tested"] is None
    import matplotlib.image as mpimg

    img = mpimg.imread(out / "strip.png")
    assert img.shape[0] > 300 and img[..., :3].std() > 0.01
    # all pages of the recording
    assert run_cli("annotate", inputs / "rec100.csv", "--fs", "360", "--model", tiny_bundle, "--pages",
                   "--out", tmp_path / "pages").returncode == 0
    assert len(list((tmp_path / "pages").glob("strip_*.png"))) == 2


def test_a_per_class_review_rule_from_the_bundle(inputs, tiny_bundle, tmp_path):
    """A bundle whose review rule has one threshold per class: beats.csv's review column, the summary's count and
    the printed line follow each beat's class; --review-below still sets one threshold for all."""
    import shutil

    from arrhythmia.bundle import CONFIG, read_bundle_config, write_json

    bundle = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, bundle)
    c = read_bundle_config(bundle)
    rule = {"N": 0.6, "S": 0.65}  # V, F and Q never flagged (the tiny model calls most of these beats S)
    c["postprocess"] = {**(c.get("postprocess") or {}), "review_below": rule}
    write_json(bundle / CONFIG, c)
    p = run_cli("annotate", inputs / "rec100.csv", "--fs", "360", "--model", bundle, "--out", tmp_path / "o")
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(open(tmp_path / "o" / "beats.csv")))
    want = [int(float(r["confidence"]) < rule.get(r["class"], 0.0)) for r in rows]
    assert [int(r["review"]) for r in rows] == want and 0 < sum(want) < len(rows)
    s = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert s["review_below"] == rule and s["low_confidence"] == sum(want)
    assert f"{sum(want)} beats marked for review (confidence N < 0.60, S < 0.65)" in p.stdout
    p = run_cli("annotate", inputs / "rec100.csv", "--fs", "360", "--model", bundle, "--review-below", "0.7",
                "--out", tmp_path / "one")
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(open(tmp_path / "one" / "beats.csv")))
    assert [int(r["review"]) for r in rows] == [int(float(r["confidence"]) < 0.7) for r in rows]
    c["postprocess"]["review_below"] = {"s": 0.8}  # not a class: a one-line error, nothing written
    write_json(bundle / CONFIG, c)
    p = run_cli("annotate", inputs / "rec100.csv", "--fs", "360", "--model", bundle, "--out", tmp_path / "bad")
    assert_one_line_error(p, "Invalid value for 'postprocess.review_below'")
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize("setting, named", [
    ({"ratio": 0.75}, "'postprocess.premature_runs'"),
    ({"ratio": None, "max_interval_s": 0.6}, "'postprocess.premature_runs.ratio'"),
    ({"ratio": 0.75, "max_interval_s": -1}, "'postprocess.premature_runs.max_interval_s'"),
    ("abc", "'postprocess.premature_runs'"),
    ([0.75], "'postprocess.premature_runs'"),
])
def test_a_malformed_runs_setting_in_the_bundle_is_a_one_line_error(setting, named, inputs, tiny_bundle, tmp_path):
    """The runs step reads its setting only after the recording is classified: a malformed one is refused before
    any work, naming the bundle's config and the setting, and nothing is written."""
    import shutil

    from arrhythmia.bundle import CONFIG, read_bundle_config, write_json

    bundle = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, bundle)
    c = read_bundle_config(bundle)
    c["postprocess"] = {**(c.get("postprocess") or {}), "premature_runs": setting}
    write_json(bundle / CONFIG, c)
    p = run_cli("annotate", inputs / "rec100.csv", "--fs", "360", "--model", bundle, "--out", tmp_path / "bad")
    assert_one_line_error(p, f"config.json: Invalid value for {named}")
    assert not (tmp_path / "bad").exists()


def test_annotate_a_folder(inputs, tiny_bundle, tmp_path):
    p = run_cli("annotate", inputs, "--fs", "360", "--model", tiny_bundle, "--out", tmp_path / "all")
    # the WFDB record and its .csv and .npy copies: three recordings, three folders
    assert p.returncode == 0, p.stderr
    assert "3 of 3 recordings annotated" in p.stdout
    assert sorted(x.name for x in (tmp_path / "all").iterdir()) == [".arrhythmia.json", "index.csv", "rec100",
                                                                    "rec100_csv", "rec100_npy"]
    assert all((tmp_path / "all" / n / "summary.json").is_file() for n in ("rec100", "rec100_csv", "rec100_npy"))
    import csv

    rows = list(csv.DictReader(open(tmp_path / "all" / "index.csv")))
    assert sorted(r["output"] for r in rows) == ["rec100", "rec100_csv", "rec100_npy"]
    assert {r["status"] for r in rows} == {"ok"} and len({r["n_beats"] for r in rows}) == 1  # the same beats


BAD = {
    "flat": (np.zeros((360 * 30, 2)), "flat signal"),
    "noise": (np.random.default_rng(0).standard_normal((360 * 30, 2)), "looks like noise"),
    "short": (None, "too short (3.0 s)"),
    "nan": (None, "NaN"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_signals_are_refused_cleanly(case, inputs, tiny_bundle, tmp_path):
    sig, msg = BAD[case]
    good = np.load(inputs / "rec100.npy")
    if case == "short":
        sig = good[: 3 * 360]
    if case == "nan":
        sig = good.copy()
        sig[1000, 0] = np.nan
    f = tmp_path / f"{case}.npy"
    np.save(f, sig)
    before = f.read_bytes()
    out = tmp_path / "out"
    assert_one_line_error(run_cli("annotate", f, "--fs", "360", "--model", tiny_bundle, "--out", out), f.name, msg)
    assert not out.exists() and not list(tmp_path.glob(".out-*"))  # nothing written
    assert f.read_bytes() == before  # input untouched


def test_wrong_fs_and_missing_inputs(inputs, tiny_bundle, tmp_path):
    out = tmp_path / "out"
    # 360 Hz data declared as 2000 Hz: heart rate would be ~14 bpm
    assert_one_line_error(run_cli("annotate", inputs / "rec100.npy", "--fs", "2000", "--model", tiny_bundle,
                                  "--out", out), "--fs")
    assert_one_line_error(run_cli("annotate", inputs / "rec100.npy", "--fs", "-5", "--model", tiny_bundle,
                                  "--out", out), "Invalid value for '--fs'")
    assert_one_line_error(run_cli("annotate", inputs / "rec100.csv", "--model", tiny_bundle, "--out", out),
                          "rec100.csv", "give --fs")
    assert_one_line_error(run_cli("annotate", inputs / "rec100", "--fs", "250", "--model", tiny_bundle,
                                  "--out", out), "records its own rate 360")
    assert_one_line_error(run_cli("annotate", tmp_path / "nothing.csv", "--fs", "360", "--model", tiny_bundle,
                                  "--out", out), "nothing.csv", "file not found")
    (tmp_path / "x.txt").write_text("1,2,3")
    assert_one_line_error(run_cli("annotate", tmp_path / "x.txt", "--model", tiny_bundle, "--out", out),
                          "unknown format '.txt'")
    assert not out.exists()


def test_demo(tiny_bundle, tmp_path):
    p = run_cli("demo", "--model", tiny_bundle, "--out", tmp_path / "demo", "--duration", "30")
    assert p.returncode == 0, p.stderr
    d = json.loads((tmp_path / "demo" / "demo.json").read_text())
    assert d["snr_db"]["cleaned"] > d["snr_db"]["noisy"] + 6  # cleaning helps a lot
    assert d["missed"] == 0 and d["extra"] == 0
    for f in ("noisy_vs_cleaned.png", "strip.png", "synthetic.csv", "beats.csv", "synthetic.arr"):
        assert (tmp_path / "demo" / f).is_file(), f
    # same seed, same numbers
    assert run_cli("demo", "--model", tiny_bundle, "--out", tmp_path / "demo2", "--duration", "30").returncode == 0
    assert json.loads((tmp_path / "demo2" / "demo.json").read_text())["true_to_predicted"] == d["true_to_predicted"]


def test_af_episodes_and_no_reference_labels_read(mitdb, tmp_path):
    """With the shipped model: AF found in 203 (AF and flutter throughout) and none in 100 (sinus); the output does not
    depend on the reference annotation file (a copy of 100 without its .atr gives the same files)."""
    import shutil

    from arrhythmia.bundle import read_bundle_config
    from arrhythmia.inference.annotate import default_model_path

    p = run_cli("annotate", mitdb / "203", "--out", tmp_path / "a203")
    assert p.returncode == 0, p.stderr
    s = json.loads((tmp_path / "a203" / "summary.json").read_text())
    assert s["af_episodes"] and s["af_burden_pct"] > 80 and "atrial fibrillation/flutter: " in p.stdout
    ann = (tmp_path / "a203" / "203.arr").read_bytes()
    assert b"(AFIB" in ann
    # the model's own review threshold (chosen in its cross-validation) is the default
    assert s["review_below"] == read_bundle_config(default_model_path())["postprocess"]["review_below"]
    bare = tmp_path / "bare"
    bare.mkdir()
    for ext in ("hea", "dat"):
        shutil.copy(mitdb / f"100.{ext}", bare / f"100.{ext}")
    outs = {}
    for name, src in (("with", mitdb / "100"), ("without", bare / "100")):
        p = run_cli("annotate", src, "--out", tmp_path / name)
        assert p.returncode == 0, p.stderr
        outs[name] = json.loads((tmp_path / name / "summary.json").read_text())
        assert outs[name]["af_episodes"] == []
        outs[name]["beats"] = (tmp_path / name / "beats.csv").read_bytes()
    assert outs["with"]["beats"] == outs["without"]["beats"]
    assert outs["with"]["beats_per_class"] == outs["without"]["beats_per_class"]


def test_shipped_model_relabels_s_only_inside_af(mitdb, tmp_path):
    """With the shipped model's relabelling in AF (its other label-free step, the recording's clusters, left out of a
    copy of the bundle: tests/test_clusters.py has it) on 203 (AF and flutter throughout, frequent ectopy): every
    beat whose class differs from ``--no-adapt``'s lies inside one of the AF episodes annotate reports and became
    N, and summary.json counts the S ones; on 100 (sinus rhythm) nothing changes."""
    import shutil

    from arrhythmia.bundle import read_bundle_config, write_json
    from arrhythmia.inference.annotate import default_model_path

    c = read_bundle_config(default_model_path())
    if not c["postprocess"].get("af_relabel_nn"):
        pytest.fail("the shipped model no longer relabels in AF: this test has to follow it")
    bundle = tmp_path / "bundle"
    shutil.copytree(default_model_path(), bundle)
    c["postprocess"]["cluster_smooth"] = None
    write_json(bundle / "config.json", c)
    for rec, expect in (("203", True), ("100", False)):
        out = {}
        for name, extra in (("adapt", ()), ("plain", ("--no-adapt",))):
            p = run_cli("annotate", mitdb / rec, "--model", bundle, "--out", tmp_path / f"{rec}{name}", *extra)
            assert p.returncode == 0, p.stderr
            out[name] = (_beats(tmp_path / f"{rec}{name}"),
                         json.loads((tmp_path / f"{rec}{name}" / "summary.json").read_text()))
        (adapted, s), (plain, _) = out["adapt"], out["plain"]
        assert [b for b, _ in adapted] == [b for b, _ in plain]
        changed = [(b, c0, c1) for (b, c1), (_, c0) in zip(adapted, plain) if c0 != c1]
        # the S probability of every beat in the mask goes to N: an S call becomes N (counted), and so may a V
        # call whose S probability, added to N's, now outweighs V (as scored in the cross-validation)
        assert sum(c0 == "S" for _, c0, _ in changed) == s["adaptation"]["relabelled_in_af"]
        assert bool(changed) == expect
        episodes = [(e["start_s"] - 0.01, e["end_s"] + 0.01) for e in s["af_episodes"]]  # rounded to 0.01 s
        for b, c0, c1 in changed:
            assert c1 == "N" and c0 in ("S", "V") and any(a <= b / s["fs"] < e for a, e in episodes)
