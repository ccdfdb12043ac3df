"""arrhythmia serve on the command line: one-line errors before anything listens."""

from __future__ import annotations

from conftest import assert_one_line_error, run_cli


def test_serve_refuses_bad_folders_and_options(tmp_path):
    assert_one_line_error(run_cli("serve", tmp_path / "missing", timeout=60), "missing", "not a folder")
    assert_one_line_error(run_cli("serve", tmp_path, timeout=60), "holds neither")
    assert_one_line_error(run_cli("serve", tmp_path, "--port", "70000", timeout=60), "--port", "70000")


def test_serve_refuses_out_inside_the_recordings(record_copy, tmp_path):
    record_copy("100")
    assert_one_line_error(run_cli("serve", tmp_path, "--out", tmp_path / "review", timeout=60), "--out", "inside")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["100.atr", "100.dat", "100.hea"]


def test_annotate_never_replaces_a_reviewed_folder(results_copy, mitdb):
    folder = results_copy / "100"
    (folder / "corrections.csv").write_text("time_s,sample,action,old,new,when,end_sample,batch\n")
    before = sorted(p.name for p in folder.iterdir())
    assert_one_line_error(run_cli("annotate", mitdb / "100", "--out", folder), "reviewer's corrections")
    assert sorted(p.name for p in folder.iterdir()) == before
