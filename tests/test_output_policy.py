"""The output policy (arrhythmia.io.output): no command ever destroys an input or a folder it did not make.

Every case named in the data-safety issue is here: a user's folder holding a ``summary.json`` or a
``metrics.json`` given as ``--out``, ``peaks X --out X``, ``export`` over a bundle's weights, ``train --init-from B
--out B`` and its stale ``model.onnx``, an earlier output into which the user copied recordings. Each checks the
user's files byte for byte (SHA-256 of every file before and after).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from arrhythmia.errors import ArrhythmiaError
from arrhythmia.io.output import MARKER, OutputFile, OutputFolder, check_not_input, read_marker, working_folder

from conftest import assert_one_line_error, run_cli


def tree_hashes(root: Path) -> dict:
    """SHA-256 of every file under ``root`` (relative path -> hex digest)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(root).rglob("*")) if p.is_file()}


@pytest.fixture
def csv_record(mitdb, tmp_path):
    """The first 40 s of MIT-BIH 100 (both leads, mV) as a CSV with a header, in a folder of the user's."""
    from arrhythmia.io.wfdb_io import read_wfdb

    rec = read_wfdb(mitdb / "100", annotator=None)
    folder = tmp_path / "recordings"
    folder.mkdir()
    path = folder / "ecg.csv"
    np.savetxt(path, rec.signal[:, : int(40 * rec.fs)].T, delimiter=",", header="MLII,V5", comments="", fmt="%.4f")
    return path


def test_policy_rules_by_hand(tmp_path):
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "100.hea").write_text("x")
    for out, needle in ((data, "contains the input"), (data / "sub", "lies inside the input"),
                        (data / "100.hea", "is an input")):
        with pytest.raises(ArrhythmiaError, match=needle):
            check_not_input(out, [data / "100.hea", data / "sub" / "x"] if out != data / "sub" else [data])
    check_not_input(tmp_path / "elsewhere", [data])  # beside, not inside: fine

    # a non-empty folder without our marker is never written into
    user = tmp_path / "user"
    user.mkdir()
    (user / "notes.txt").write_text("mine")
    with pytest.raises(ArrhythmiaError, match="was not made by arrhythmia"):
        OutputFolder(user, "annotate").check()
    with pytest.raises(ArrhythmiaError, match="was not made by arrhythmia"):
        OutputFolder(user, "annotate", force=True).check()  # not even with force

    # our own folder: written whole, marked, refused a second time without force
    out = tmp_path / "out"
    with OutputFolder(out, "annotate").check().staging() as tmp:
        (tmp / "a.txt").write_text("1")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "b.txt").write_text("2")
    m = read_marker(out)
    assert m["command"] == "annotate" and m["files"] == ["a.txt", "sub/b.txt"] and m["complete"]
    with pytest.raises(ArrhythmiaError, match="add --force"):
        OutputFolder(out, "annotate").check()
    # the user adds a file; a forced run replaces only our files and removes our stale one
    (out / "mine.dat").write_bytes(b"\x01\x02")
    with OutputFolder(out, "annotate", force=True).check().staging() as tmp:
        (tmp / "a.txt").write_text("new")
    assert (out / "a.txt").read_text() == "new"
    assert not (out / "sub").exists()  # ours, no longer written: removed with its empty folder
    assert (out / "mine.dat").read_bytes() == b"\x01\x02"
    assert read_marker(out)["files"] == ["a.txt"]

    # a failure leaves the output as it was
    before = tree_hashes(out)
    with pytest.raises(RuntimeError):
        with OutputFolder(out, "annotate", force=True).check().staging() as tmp:
            (tmp / "a.txt").write_text("half")
            raise RuntimeError("boom")
    assert tree_hashes(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out-")]  # no temporary folder left


def test_output_file_rules(tmp_path):
    src = tmp_path / "ecg.csv"
    src.write_text("1\n2\n")
    with pytest.raises(ArrhythmiaError, match="is an input"):
        OutputFile(src, inputs=[src], force=True).check()
    other = tmp_path / "peaks.csv"
    other.write_text("old")
    with pytest.raises(ArrhythmiaError, match="add --force"):
        OutputFile(other, inputs=[src]).check()
    (tmp_path / "d").mkdir()
    with pytest.raises(ArrhythmiaError, match="is a folder"):
        OutputFile(tmp_path / "d", inputs=[src]).check()
    with OutputFile(tmp_path / "new" / "p.csv", inputs=[src]).staging() as tmp:  # a missing parent is created
        tmp.write_text("x")
    assert (tmp_path / "new" / "p.csv").read_text() == "x"


def test_outputs_get_the_modes_a_plain_open_and_mkdir_give(tmp_path):
    import os
    import stat

    src = tmp_path / "ecg.csv"
    src.write_text("1\n")
    old = os.umask(0o022)
    try:
        with OutputFile(tmp_path / "p.csv", inputs=[src]).staging() as tmp:  # staged through mkstemp (0600)
            tmp.write_text("x")
        with OutputFolder(tmp_path / "out", "annotate", inputs=[src]).staging() as tmp:  # through mkdtemp (0700)
            (tmp / "a.txt").write_text("a")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "p.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o755


def test_working_folder_resume_and_force(tmp_path):
    out = tmp_path / "bundle"
    with working_folder(out, "train"):
        (out / "checkpoint.pt").write_text("c")
        (out / "model.onnx").write_text("old onnx")
    assert read_marker(out)["files"] == ["checkpoint.pt", "model.onnx"]
    with pytest.raises(ArrhythmiaError, match="add --force"):
        with working_folder(out, "train"):
            pass
    with working_folder(out, "train", resume=True):  # continued: nothing removed
        assert (out / "checkpoint.pt").is_file()
    (out / "user.txt").write_text("u")
    with working_folder(out, "train", force=True):  # replaced: our files removed first, the user's kept
        assert not (out / "model.onnx").exists() and (out / "user.txt").is_file()
        (out / "config.json").write_text("{}")
    assert read_marker(out)["files"] == ["config.json"]


def test_annotate_never_replaces_a_users_folder(csv_record, tmp_path):
    """The issue's first case: --out is the user's folder of recordings, holding a summary.json."""
    folder = csv_record.parent
    (folder / "summary.json").write_text('{"my": "notes"}')
    (folder / "100.hea").write_text("100 2 360 650000\n")
    before = tree_hashes(folder)
    proc = run_cli("annotate", csv_record, "--fs", 360, "--out", folder)
    assert_one_line_error(proc, "contains the input")
    assert tree_hashes(folder) == before
    # a folder of the user's that is not an input is refused too, even with --force
    other = tmp_path / "results"
    other.mkdir()
    (other / "summary.json").write_text("{}")
    before = tree_hashes(other)
    proc = run_cli("annotate", csv_record, "--fs", 360, "--out", other, "--force")
    assert_one_line_error(proc, "was not made by arrhythmia")
    assert tree_hashes(other) == before


def test_annotate_rerun_needs_force_and_keeps_the_users_files(csv_record, tmp_path):
    out = tmp_path / "out"
    assert run_cli("annotate", csv_record, "--fs", 360, "--out", out).returncode == 0
    m = read_marker(out)
    assert m["command"] == "annotate" and "summary.json" in m["files"] and "ecg.arr" in m["files"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["source"] == str(csv_record.resolve()) and summary["wfdb_record"] == "ecg"
    assert_one_line_error(run_cli("annotate", csv_record, "--fs", 360, "--out", out), "add --force")
    # the user copies a recording into the earlier output; --force replaces our files only
    (out / "copied.csv").write_bytes(csv_record.read_bytes())
    (out / "copied.hea").write_text("copied 1 360 100\n")
    mine = {k: v for k, v in tree_hashes(out).items() if k.startswith("copied")}
    proc = run_cli("annotate", csv_record, "--fs", 360, "--out", out, "--force")
    assert proc.returncode == 0, proc.stderr
    assert {k: v for k, v in tree_hashes(out).items() if k.startswith("copied")} == mine
    # but annotating the copied recording into the folder that holds it is refused
    assert_one_line_error(run_cli("annotate", out / "copied.csv", "--fs", 360, "--out", out, "--force"),
                          "contains the input")


def test_evaluate_never_replaces_a_folder_with_metrics_json(tiny_bundle, mitdb, tmp_path):
    user = tmp_path / "mine"
    user.mkdir()
    (user / "metrics.json").write_text('{"my": 1}')
    before = tree_hashes(user)
    proc = run_cli("evaluate", tiny_bundle, "--out", user, env={"ARRHYTHMIA_DATA_DIR": str(mitdb)})
    assert_one_line_error(proc, "was not made by arrhythmia")
    assert tree_hashes(user) == before
    proc = run_cli("evaluate", tiny_bundle, "--out", tiny_bundle / "evaluation", env={"ARRHYTHMIA_DATA_DIR": str(mitdb)})
    assert_one_line_error(proc, "lies inside the input")


def test_peaks_never_overwrites_its_recording(csv_record, tmp_path):
    before = csv_record.read_bytes()
    assert_one_line_error(run_cli("peaks", csv_record, "--fs", 360, "--out", csv_record), "is an input")
    assert_one_line_error(run_cli("peaks", csv_record, "--fs", 360, "--out", csv_record, "--force"), "is an input")
    assert csv_record.read_bytes() == before
    (tmp_path / "a folder").mkdir()
    assert_one_line_error(run_cli("peaks", csv_record, "--fs", 360, "--out", tmp_path / "a folder"), "is a folder")
    out = tmp_path / "missing" / "parent" / "peaks.csv"
    assert run_cli("peaks", csv_record, "--fs", 360, "--out", out).returncode == 0
    assert out.read_text().startswith("time_s,sample\n")
    assert_one_line_error(run_cli("peaks", csv_record, "--fs", 360, "--out", out), "add --force")


def test_bundle_files_are_never_overwritten(tiny_bundle, mitdb, tmp_path):
    """export over the weights, train into the bundle it starts from: both refused, the bundle byte for byte intact."""
    before = tree_hashes(tiny_bundle)
    env = {"ARRHYTHMIA_DATA_DIR": str(mitdb)}
    assert_one_line_error(run_cli("export", tiny_bundle, "--out", tiny_bundle / "model.safetensors", "--force",
                                  env=env), "is an input")
    assert_one_line_error(run_cli("train", "--init-from", tiny_bundle, "--out", tiny_bundle, "--epochs", 1,
                                  "--records", "101,100", "--force", env=env), "is an input")
    assert tree_hashes(tiny_bundle) == before


def test_a_stale_onnx_is_never_used(tiny_bundle, mitdb, tmp_path):
    """Retraining a bundle with --force removes its model.onnx; an ONNX from other weights is refused by hash."""
    import shutil

    from arrhythmia.bundle import read_bundle_config
    from arrhythmia.inference.runners import load_runner
    from arrhythmia.training import TrainConfig, train

    b = tmp_path / "b"
    shutil.copytree(tiny_bundle, b)
    (b / MARKER).unlink()  # a copy is the user's folder now ...
    with pytest.raises(ArrhythmiaError, match="was not made by arrhythmia"):
        train(TrainConfig(epochs=1, records=("101", "106", "100"), device="cpu", val_fraction=0.0), mitdb, b, progress=False, verbose=False,
              force=True)
    shutil.rmtree(b)
    shutil.copytree(tiny_bundle, b)  # ... and this one is ours, with its marker
    old_onnx = (b / "model.onnx").read_bytes()
    train(TrainConfig(epochs=1, records=("101", "106", "100"), device="cpu", val_fraction=0.0), mitdb, b, progress=False, verbose=False,
          force=True)
    assert not (b / "model.onnx").exists()  # the old network's export is gone with the old weights
    cfg = read_bundle_config(b)
    assert cfg["weights_sha256"] and cfg["weights_sha256"] != read_bundle_config(tiny_bundle)["weights_sha256"]
    (b / "model.onnx").write_bytes(old_onnx)  # put the stale export back by hand
    with pytest.raises(ArrhythmiaError, match="stale"):
        load_runner(b, "onnx")
    with pytest.warns(UserWarning, match="stale"):
        assert load_runner(b, "auto").backend == "torch"
    (b / "model.safetensors").write_bytes((tiny_bundle / "model.safetensors").read_bytes())
    with pytest.raises(ArrhythmiaError, match="SHA-256 differs"):
        load_runner(b, "torch")


def test_odd_file_names_in_single_and_folder_mode(csv_record, tmp_path):
    """Spaces, dots, accents and a long name: every recording annotated, its WFDB record name derived safely."""
    import wfdb

    from arrhythmia.io.wfdb_io import wfdb_record_name

    folder = tmp_path / "odd names"
    folder.mkdir()
    names = ["my ecg.csv", "ecg.2024-01-01.csv", "ékg.csv", "x" * 120 + ".csv"]
    for n in names:
        (folder / n).write_bytes(csv_record.read_bytes())
    (folder / "broken.csv").write_text("MLII,V5\n1,2\n")  # too short: reported, the others go on
    before = tree_hashes(folder)
    out = tmp_path / "out"
    proc = run_cli("annotate", folder, "--fs", 360, "--out", out)
    assert proc.returncode == 1, proc.stderr  # something failed, and the exit code says so
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("arrhythmia: error:")]
    assert len(errors) == 1 and "broken.csv" in errors[0] and "Traceback" not in proc.stderr
    assert tree_hashes(folder) == before
    import csv

    rows = {Path(r["input"]).name: r for r in csv.DictReader(open(out / "index.csv"))}
    assert rows["broken.csv"]["status"] == "failed" and "too short" in rows["broken.csv"]["error"]
    for n in names:
        r = rows[n]
        assert r["status"] == "ok", r
        s = json.loads((out / r["output"] / "summary.json").read_text())
        safe = wfdb_record_name(Path(n).stem)
        assert s["record"] == Path(n).stem and s["wfdb_record"] == safe and s["annotation_file"] == f"{safe}.arr"
        ann = wfdb.rdann(str(out / r["output"] / safe), "arr")
        assert len(ann.sample) == s["n_beats"] > 40
    assert wfdb_record_name("my ecg") == "my_ecg" and wfdb_record_name("ecg.2024-01-01") == "ecg_2024-01-01"
    assert wfdb_record_name("ékg") == "ekg" and wfdb_record_name("心电") == "record"
    # a re-run skips what is complete and tries the broken one again
    proc = run_cli("annotate", folder, "--fs", 360, "--out", out)
    assert proc.returncode == 1 and proc.stdout.count("already annotated: skipped") == len(names)
