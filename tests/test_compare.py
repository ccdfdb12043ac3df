"""``arrhythmia compare``: the WFDB-equivalent scoring of a folder of annotation files, end to end.

The expected text is WFDB 10.7.0's own output in ../shared/golden (see its README): the command
prints exactly what bxb -L/-l (and epicmp -A -l) wrote, followed by sumstats' lines.
"""

from __future__ import annotations

from conftest import assert_one_line_error, run_cli


def test_compare_prints_bxb_and_sumstats_and_writes_nothing(mitdb, golden, tmp_path):
    p = run_cli("compare", "--ref-dir", mitdb, "--test-dir", golden / "arr", "--annotator", "arr", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == (golden / "bxb-arr-from-5min.sumstats.txt").read_text()  # EC57's default start, 5:00
    assert list(tmp_path.iterdir()) == []


def test_compare_from_0_without_sveb_to_a_file(mitdb, golden, tmp_path):
    out = tmp_path / "gqrs.txt"
    p = run_cli("compare", "--ref-dir", mitdb, "--test-dir", golden / "gqrs", "--annotator", "qrs", "--from", "0",
                "--no-sveb", "--records", "all", "--out", out)
    assert p.returncode == 0, p.stderr
    gold = (golden / "bxb-gqrs-from-0.sumstats.txt").read_text()
    assert out.read_text() == gold and p.stdout == gold + f"written to {out}\n"


def test_compare_episodes(mitdb, golden):
    p = run_cli("compare", "--ref-dir", mitdb, "--test-dir", golden / "afx", "--annotator", "afx", "--episodes")
    assert p.returncode == 0, p.stderr
    beats, episodes = p.stdout.split("\n(AF detection)\n")
    assert "(AF detection)\n" + episodes == (golden / "epicmp-afx-from-5min.sumstats.txt").read_text()
    assert beats.startswith("Record Nn' Sn'")  # afx holds no beats: every reference beat is missed, as bxb says


def test_compare_subset_of_records(mitdb, golden):
    p = run_cli("compare", "--ref-dir", mitdb, "--test-dir", golden / "arr", "--annotator", "arr",
                "--records", "100,105")
    assert p.returncode == 0, p.stderr
    gold = (golden / "bxb-arr-from-5min.txt").read_text().splitlines()
    lines = p.stdout.splitlines()
    assert lines[:3] == [gold[0], gold[1], gold[6]]  # heading, 100 and 105 as bxb printed them
    assert lines[-1] == "Summary of results from 2 records"


def test_compare_errors(mitdb, golden, tmp_path):
    out = tmp_path / "r.txt"
    p = run_cli("compare", "--ref-dir", mitdb, "--test-dir", golden / "arr", "--annotator", "qrs", "--records", "100",
                "--out", out)
    assert_one_line_error(p, "100.qrs", "annotation file not found")
    assert not out.exists()
    # an existing file is replaced only with --force; a file read never
    out.write_text("mine")
    p = run_cli("compare", "--ref-dir", mitdb, "--test-dir", golden / "arr", "--annotator", "arr", "--records", "100",
                "--out", out)
    assert_one_line_error(p, "exists; add --force")
    assert out.read_text() == "mine"
    p = run_cli("compare", "--ref-dir", mitdb, "--test-dir", golden / "arr", "--annotator", "arr", "--records", "100",
                "--out", golden / "arr" / "100.arr", "--force")
    assert_one_line_error(p, "100.arr")
    assert run_cli("compare", "--ref-dir", mitdb, "--test-dir", golden / "arr", "--annotator", "arr", "--records",
                   "100", "--out", out, "--force").returncode == 0
    assert out.read_text().startswith("Record Nn'")
    assert_one_line_error(run_cli("compare", "--ref-dir", mitdb, "--test-dir", tmp_path / "none", "--annotator", "arr"),
                          "test annotation folder not found")
    assert_one_line_error(run_cli("compare", "--ref-dir", mitdb, "--test-dir", golden / "arr", "--annotator", "arr",
                                  "--from", "-5"), "'--from'", "-5")
    assert_one_line_error(run_cli("compare", "--ref-dir", mitdb, "--test-dir", golden / "arr", "--annotator", "arr",
                                  "--records", "999"), "'--records'", "999")
    # bxb refuses a start after the record's end (MIT-BIH records last 1805.56 s)
    assert_one_line_error(run_cli("compare", "--ref-dir", mitdb, "--test-dir", golden / "arr", "--annotator", "arr",
                                  "--records", "100", "--from", "2000"), "'--from'", "record 100", "1805.56 s")
