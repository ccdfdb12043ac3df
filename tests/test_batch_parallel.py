"""Annotating an archive: in worker processes and on a Dask cluster, the outputs are those of the serial run,
byte for byte; a damaged recording is reported and the others finish; a re-run skips what is complete.

The archive is two real MIT-BIH records (100, 103) copied into a temporary folder, and record 105 with its
signal file cut short (a damaged copy). Every run sets ``SOURCE_DATE_EPOCH``, so that the one time-dependent
field of the outputs, the ``created`` time of each folder's ``.arrhythmia.json`` marker, is the same too and
every file is compared whole.
"""

import csv

import pytest

from conftest import run_cli

RECORDS = ("100", "103")
EPOCH = "1700000000"


@pytest.fixture(scope="module")
def archive(mitdb, tmp_path_factory):
    d = tmp_path_factory.mktemp("archive")
    for r in RECORDS:
        for e in ("hea", "dat", "atr"):
            (d / f"{r}.{e}").write_bytes((mitdb / f"{r}.{e}").read_bytes())
    (d / "105.hea").write_bytes((mitdb / "105.hea").read_bytes())
    (d / "105.dat").write_bytes((mitdb / "105.dat").read_bytes()[:100_000])  # damaged: truncated
    return d


@pytest.fixture(scope="module")
def serial(archive, tmp_path_factory):
    """The reference: ``--jobs 1``."""
    out = tmp_path_factory.mktemp("serial") / "out"
    p = run_cli("annotate", archive, "--out", out, env={"SOURCE_DATE_EPOCH": EPOCH})
    assert p.returncode == 1, p.stderr  # the damaged recording fails the command...
    assert "2 of 3 recordings annotated" in p.stdout  # ...and the others are done
    return out


def _files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_same(a, b):
    fa, fb = _files(a), _files(b)
    assert sorted(fa) == sorted(fb)
    for name in fa:
        assert fa[name] == fb[name], name


def test_serial_reports_the_damaged_recording(serial):
    rows = list(csv.DictReader(open(serial / "index.csv")))
    assert [r["output"] for r in rows] == ["100", "103", "105"]
    assert [r["status"] for r in rows] == ["ok", "ok", "failed"]
    assert "truncated signal file" in rows[2]["error"]
    assert int(rows[0]["n_beats"]) > 2000 and (serial / "103" / "beats.csv").is_file()
    assert not (serial / "105").exists()


def test_jobs_2_gives_the_same_bytes(archive, serial, tmp_path):
    out = tmp_path / "out"
    p = run_cli("annotate", archive, "--out", out, "--jobs", "2", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert p.returncode == 1 and "truncated signal file" in p.stderr
    _assert_same(serial, out)


def test_a_rerun_skips_complete_outputs(archive, serial, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(serial, out)
    before = {n: (out / n / "beats.csv").stat().st_mtime_ns for n in RECORDS}
    p = run_cli("annotate", archive, "--out", out, "--jobs", "2", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert p.returncode == 1
    assert p.stdout.count("already annotated: skipped") == 2
    assert {n: (out / n / "beats.csv").stat().st_mtime_ns for n in RECORDS} == before
    rows = list(csv.DictReader(open(out / "index.csv")))
    assert [r["status"] for r in rows] == ["skipped", "skipped", "failed"]
    assert rows[0]["n_beats"] == list(csv.DictReader(open(serial / "index.csv")))[0]["n_beats"]


def test_jobs_must_be_positive(archive, tmp_path):
    p = run_cli("annotate", archive, "--out", tmp_path / "o", "--jobs", "0")
    assert p.returncode != 0 and "Invalid value for '--jobs'" in p.stderr and not (tmp_path / "o").exists()


def test_a_dask_cluster_gives_the_same_bytes(archive, serial, tmp_path, monkeypatch):
    import distributed  # the dask extra, which `make install` installs

    from arrhythmia.inference.batch import annotate_many
    from arrhythmia.io.readers import list_inputs

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # before the workers start: they inherit it
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        res = annotate_many(list_inputs(archive), out, client=client)
    assert [r["status"] for r in res.rows] == ["ok", "ok", "failed"]
    _assert_same(serial, out)


def test_scheduler_and_jobs_errors(archive, tmp_path):
    p = run_cli("annotate", archive, "--out", tmp_path / "o", "--scheduler", "localhost")
    assert p.returncode != 0 and "Invalid value for '--scheduler'" in p.stderr and "Traceback" not in p.stderr
    p = run_cli("annotate", archive / "100.hea", "--out", tmp_path / "one", "--jobs", "2")
    assert p.returncode != 0 and "only for a folder input" in p.stderr and not (tmp_path / "one").exists()
