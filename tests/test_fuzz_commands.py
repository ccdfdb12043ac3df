"""Hostile option values, damaged bundles and reference annotations, any file name, and WFDB gaps.

Refusals keep the promise of the README's "Errors" section (see fuzz_support.assert_promise); the odd file names
and the gaps are not errors: every command must work on them. Inputs are small pieces of MIT-BIH 100 and the
model shipped with the package (no training).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from fuzz_support import (assert_nothing_left, assert_promise, call, copy_default_model, read_piece, tree_hashes,
                          write_csv, write_wfdb)


@pytest.fixture(scope="session")
def piece(mitdb):
    return read_piece(mitdb)


@pytest.fixture(scope="session")
def reference(mitdb, piece):
    """The reference beats of that piece (samples, symbols)."""
    import wfdb

    a = wfdb.rdann(str(mitdb / "100"), "atr", sampto=piece.digital.shape[0])
    return np.asarray(a.sample), list(a.symbol)


OPTION_CASES = {  # name -> (argv after the input, what the one line says)
    "start_nan": (["--start", "nan"], "argument --start: allowed a finite number; got 'nan'"),
    "start_inf": (["--start", "inf"], "argument --start: allowed a finite number"),
    "start_negative": (["--start", "-3"], "Invalid value for '--start'"),
    "start_past_the_end": (["--start", "1e6"], "Invalid value for '--start'"),
    "duration_nan": (["--duration", "nan"], "argument --duration"),
    "duration_zero": (["--duration", "0"], "Invalid value for '--duration'"),
    "fs_nan": (["--fs", "nan"], "argument --fs: allowed a finite number"),
    "fs_text": (["--fs", "fast"], "argument --fs: allowed a number; got 'fast'"),
    "fs_negative": (["--fs", "-360"], "Invalid value for '--fs'"),
    "review_below_nan": (["--fs", "360", "--review-below", "nan"], "argument --review-below"),
    "review_below_two": (["--fs", "360", "--review-below", "2"], "Invalid value for '--review-below'"),
    "detector_unknown": (["--fs", "360", "--detector", "magic"], "Invalid value for '--detector'"),
    "backend_unknown": (["--fs", "360", "--backend", "gpu"], "Invalid value for 'backend'"),
}


@pytest.mark.parametrize("case", sorted(OPTION_CASES))
def test_hostile_option_values_are_refused_before_any_work(case, piece, tmp_path):
    extra, needle = OPTION_CASES[case]
    f = write_csv(tmp_path / "in" / "ecg.csv", piece)
    if "--fs" not in extra:
        extra = ["--fs", "360", *extra]
    assert_promise(["annotate", f, "--out", tmp_path / "out", *extra], tmp_path / "in", tmp_path / "out", needle)


@pytest.mark.parametrize("extra, needle", [(["--lr", "inf"], "argument --lr: allowed a finite number; got 'inf'"),
                                           (["--lr", "nan"], "argument --lr"), (["--lr", "0"], "argument --lr"),
                                           (["--val-fraction", "nan"], "argument --val-fraction"),
                                           (["--val-fraction", "1.5"], "Invalid value for 'val_fraction'"),
                                           (["--epochs", "-1"], "Invalid value for 'epochs'")])
def test_train_refuses_bad_numbers_before_training(extra, needle, mitdb, tmp_path):
    (tmp_path / "in").mkdir()
    assert_promise(["train", "--data-dir", mitdb, "--records", "100", "--out", tmp_path / "out", *extra],
                   tmp_path / "in", tmp_path / "out", needle)


@pytest.mark.parametrize("argv, needle", [(["peaks", "--evaluate", "--from", "nan"], "argument --from"),
                                          (["compare", "--ref-dir", ".", "--test-dir", ".", "--annotator", "arr",
                                            "--from", "inf"], "argument --from")])
def test_other_commands_refuse_non_finite_numbers(argv, needle, tmp_path):
    (tmp_path / "in").mkdir()
    assert_promise(argv, tmp_path / "in", tmp_path / "out", needle)


def _drop(key):
    def edit(cfg):
        node = cfg
        *path, last = key.split(".")
        for k in path:
            node = node[k]
        del node[last]
    return edit


def _set(key, value):
    def edit(cfg):
        node = cfg
        *path, last = key.split(".")
        for k in path:
            node = node[k]
        node[last] = value
    return edit


BUNDLE_CASES = {
    "no_beats_section": (_drop("beats"), "the section 'beats' is missing"),
    "no_model_section": (_drop("model"), "the section 'model' is missing"),
    "no_window": (_drop("beats.window"), "the section 'beats.window' is missing"),
    "fs_text": (_set("model.fs", "fast"), "'model.fs' must be number"),
    "fs_negative": (_set("model.fs", -360), "'model.fs' must be a positive number"),
    "leads_empty": (_set("beats.leads", []), "'beats.leads' must be a non-empty list"),
    "classes_not_a_list": (_set("classes", "NSVFQ"), "'classes' must be a list"),
}


@pytest.mark.parametrize("case", sorted(BUNDLE_CASES))
def test_bundle_config_is_checked_against_its_schema(case, piece, tmp_path):
    edit, needle = BUNDLE_CASES[case]
    bundle = copy_default_model(tmp_path / "in" / "bundle")
    cfg = json.loads((bundle / "config.json").read_text())
    edit(cfg)
    (bundle / "config.json").write_text(json.dumps(cfg))
    f = write_csv(tmp_path / "in" / "ecg.csv", piece)
    assert_promise(["annotate", f, "--fs", "360", "--model", bundle, "--out", tmp_path / "out"], tmp_path / "in",
                   tmp_path / "out", "config.json", needle)


def _atr(kind, rec, reference):
    import wfdb

    atr = rec.with_suffix(".atr")
    samples, symbols = reference
    if kind == "empty":
        atr.write_bytes(b"")
    elif kind == "garbage":
        atr.write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 400, dtype=np.uint8)))
    elif kind == "missing":
        atr.unlink()
    elif kind == "only_rhythm_marks":
        wfdb.wrann("rec", "atr", np.array([0, 5000]), symbol=["+", "+"], aux_note=["(N", "(AFIB"],
                   write_dir=str(rec.parent))
    elif kind == "beats_outside":
        wfdb.wrann("rec", "atr", np.r_[samples, 10 ** 7], symbol=[*symbols, "N"], write_dir=str(rec.parent))


REFERENCE_CASES = {"empty": "empty annotation file", "garbage": "rec.atr: ",  # corrupt, or beats past the end
                   "missing": "annotation file not found", "only_rhythm_marks": "no beat annotations (only + marks)",
                   "beats_outside": "1 beat(s) outside the signal (first at sample 10000000"}


@pytest.mark.parametrize("case", sorted(REFERENCE_CASES))
def test_evaluate_detect_checks_the_references_first(case, piece, reference, tmp_path):
    rec = write_wfdb(tmp_path / "in", piece, atr=reference)
    _atr(case, rec, reference)
    assert_promise(["evaluate", "--detect", "--data-dir", tmp_path / "in", "--records", "rec", "--out",
                    tmp_path / "out"], tmp_path / "in", tmp_path / "out", "rec.atr", REFERENCE_CASES[case])


NAMES = ["my ecg", "ékg", "ecg.2024-01-01.v2", "x" * 150, "  leading spaces", "心電図"]


def test_any_file_name_in_annotate_peaks_and_folder_mode(piece, tmp_path):
    inputs = tmp_path / "in"
    for n in NAMES:
        write_csv(inputs / f"{n}.csv", piece)
    before = tree_hashes(inputs)
    for n in NAMES[:3]:
        out = tmp_path / f"out {n}"
        rc, _, err = call(["annotate", inputs / f"{n}.csv", "--fs", "360", "--out", out])
        assert rc == 0, err
        s = json.loads((out / "summary.json").read_text())
        assert s["record"] == n and s["source"].endswith(f"{n}.csv") and (out / s["annotation_file"]).is_file()
        assert s["annotation_file"] == f"{s['wfdb_record']}.arr" and " " not in s["wfdb_record"]
        rc, _, err = call(["peaks", inputs / f"{n}.csv", "--fs", "360", "--out", tmp_path / f"{n} peaks.csv"])
        assert rc == 0 and (tmp_path / f"{n} peaks.csv").is_file(), err
    rc, out, err = call(["annotate", inputs, "--fs", "360", "--out", tmp_path / "all"])
    assert rc == 0, err
    assert f"{len(NAMES)} of {len(NAMES)} recordings annotated" in out
    import csv

    rows = list(csv.DictReader(open(tmp_path / "all" / "index.csv", encoding="utf-8")))
    assert {r["status"] for r in rows} == {"ok"} and len(rows) == len(NAMES)
    for r in rows:
        s = json.loads((tmp_path / "all" / r["output"] / "summary.json").read_text())
        assert (tmp_path / "all" / r["output"] / s["annotation_file"]).is_file()
    assert tree_hashes(inputs) == before


def test_any_file_name_in_rhythm_and_evaluate(piece, reference, tmp_path):
    name = "my réc.v2"
    rec = write_wfdb(tmp_path / "in", piece, name=name, atr=reference)
    before = tree_hashes(tmp_path / "in")
    rc, _, err = call(["rhythm", rec, "--beats-from", "atr", "--out", tmp_path / "rhythm out"])
    assert rc == 0, err
    s = json.loads((tmp_path / "rhythm out" / "summary.json").read_text())
    assert s["wfdb_record"] == "my_rec_v2" and (tmp_path / "rhythm out" / s["annotation_file"]).is_file()
    rc, _, err = call(["evaluate", "--detect", "--data-dir", tmp_path / "in", "--records", name,
                       "--out", tmp_path / "eval out"])
    assert rc == 0, err
    m = json.loads((tmp_path / "eval out" / "metrics.json").read_text())
    assert m["records"] == [name] and (tmp_path / "eval out" / m["annotation_files"][name]).is_file()
    assert np.trace(np.asarray(m["confusion_matrix"])[:5, :5]) >= 30  # the beats were found and scored
    rc, _, err = call(["peaks", rec.parent / f"{name}.hea"])
    assert rc == 0, err
    assert tree_hashes(tmp_path / "in") == before


def test_wfdb_invalid_samples_become_unreadable_q_beats(piece, tmp_path):
    """WFDB's invalid-sample value (-32768, format 16; -2048, format 212) over 5 s of lead 0: a gap, unreadable."""
    for fmt, invalid in (("16", -32768 + 1024), ("212", -2048)):
        d = piece.digital.copy()
        d[int(10 * piece.fs): int(15 * piece.fs), 0] = invalid
        rec = write_wfdb(tmp_path / f"in{fmt}", piece, fmt=fmt, digital=d)
        out = tmp_path / f"out{fmt}"
        rc, _, err = call(["annotate", rec.with_suffix(".hea"), "--out", out])
        assert rc == 0, err
        s = json.loads((out / "summary.json").read_text())
        assert s["unreadable_s"] >= 5 and [10.0, 15.0] in s["unreadable"], s["unreadable"]
        beats = np.genfromtxt(out / "beats.csv", delimiter=",", names=True, dtype=None, encoding="utf-8")
        in_gap = (beats["time_s"] > 10) & (beats["time_s"] < 15)
        assert in_gap.sum() >= 4 and set(beats["class"][in_gap]) == {"Q"}
        assert set(beats["class"][~in_gap]) - {"Q"}  # the rest is classified
        rc, _, err = call(["peaks", rec.with_suffix(".hea"), "--out", tmp_path / f"peaks{fmt}.csv"])
        assert rc == 0, err
        t = np.loadtxt(tmp_path / f"peaks{fmt}.csv", delimiter=",", skiprows=1)[:, 0]
        assert not ((t > 10) & (t < 15)).any() and t.size >= 25  # no R peak vouched for in the gap


def test_fs_for_a_wfdb_record_is_an_error_not_a_resample(piece, tmp_path):
    rec = write_wfdb(tmp_path / "in", piece)
    assert_promise(["annotate", rec, "--fs", "250", "--out", tmp_path / "out"], tmp_path / "in", tmp_path / "out",
                   "records its own rate 360 Hz; got 250")
    assert_nothing_left(tmp_path / "out")


@pytest.mark.parametrize("case, needle", [("missing", "file not found"), ("empty_folder", "no WFDB, CSV, EDF or .npy"),
                                          ("unknown_extension", "unknown format '.txt'"),
                                          ("dat_without_header", "unknown format '.dat'")])
def test_hostile_paths_are_refused(case, needle, piece, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    target = {"missing": inputs / "ékg missing.csv", "empty_folder": inputs / "empty folder",
              "unknown_extension": inputs / "ecg.txt", "dat_without_header": inputs / "rec.dat"}[case]
    if case == "empty_folder":
        target.mkdir()
        (target / "notes.txt").write_text("not a recording")
    elif case != "missing":
        target.write_bytes(b"1,2\n" * 100)
    assert_promise(["annotate", target, "--fs", "360", "--out", tmp_path / "out"], inputs, tmp_path / "out", needle)


def test_a_rate_that_contradicts_the_signal_is_still_an_error(piece, tmp_path):
    """360 Hz samples declared as 2000 Hz: a heart rate of about 13 bpm (pipeline/process.py), refused."""
    f = tmp_path / "in" / "ecg.npy"
    f.parent.mkdir()
    np.save(f, np.tile(piece.mv, (3, 1)))  # 90 s of samples: 16 s at the declared rate
    assert_promise(["annotate", f, "--fs", "2000", "--out", tmp_path / "out"], tmp_path / "in", tmp_path / "out",
                   "ecg.npy", "at 2000 Hz", "--fs")  # no heartbeats, or an implausible rate
