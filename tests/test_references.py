"""Records that know their database and patient; training pools of several databases; splits over patients."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import wfdb

from arrhythmia import ArrhythmiaError
from arrhythmia.datasets import DS1, DS2, load_beats, make_split
from arrhythmia.datasets.records import MITDB_RECORDS
from arrhythmia.datasets.references import DataRoots, RecordRef, parse_db_dirs, refs, resolve_spec
from arrhythmia.datasets.splits import group_kfold, patient_folds
from arrhythmia.labels import is_beat, to_aami
from conftest import assert_one_line_error, run_cli


@pytest.fixture(scope="module")
def svdb(mitdb) -> Path:
    d = mitdb.parent / "svdb"
    if not (d / "RECORDS").is_file():
        pytest.fail(f"svdb not found at {d}: ../shared/data/svdb must be beside the MIT-BIH folder")
    return d


def test_record_identity_and_patients():
    a, b = RecordRef("mitdb", "201"), RecordRef.parse("mitdb:202")
    assert a.patient == b.patient == "mitdb:201"  # one man, two records (MIT-BIH directory)
    assert RecordRef.parse("100") == RecordRef("mitdb", "100") and RecordRef("svdb", "804").key == "svdb:804"
    assert RecordRef("svdb", "201").patient == "svdb:201"  # the patient map is per database


def test_folds_never_split_a_patient():
    pool = refs("mitdb", MITDB_RECORDS)
    for seed in range(6):
        folds = patient_folds(pool, 5, seed)
        where = {r.record: i for i, f in enumerate(folds) for r in f}
        assert where["201"] == where["202"], seed
        assert sorted(where) == sorted(MITDB_RECORDS)  # every record once
    # group_kfold by hand: groups in order of first appearance, shuffled, dealt round robin
    g = ["a", "b", "a", "c", "d"]
    order = np.random.default_rng(3).permutation(4)
    uniq = ["a", "b", "c", "d"]
    assert group_kfold(g, 2, 3) == [tuple(sorted(uniq[i] for i in order[f::2])) for f in range(2)]
    with pytest.raises(ArrhythmiaError, match="n_folds"):
        group_kfold(g, 5, 0)


def test_data_roots_find_each_database(mitdb, svdb, tmp_path, monkeypatch):
    roots = DataRoots(mitdb=mitdb)
    assert roots.folder("mitdb") == mitdb and roots.folder("svdb") == svdb  # beside the MIT-BIH folder
    assert DataRoots(mitdb=mitdb, others=parse_db_dirs([f"svdb={tmp_path}"])).folder("svdb") == tmp_path
    monkeypatch.setenv("ARRHYTHMIA_SVDB_DIR", str(tmp_path))
    assert DataRoots(mitdb=mitdb).folder("svdb") == tmp_path
    monkeypatch.delenv("ARRHYTHMIA_SVDB_DIR")
    with pytest.raises(ArrhythmiaError, match="incartdb data directory not found.*--db-dir incartdb=DIR"):
        DataRoots(mitdb=mitdb).folder("incartdb")
    with pytest.raises(ArrhythmiaError, match="Invalid value for '--db-dir': allowed NAME=DIR"):
        parse_db_dirs(["svdb"])


def test_record_specs(mitdb, svdb):
    roots = DataRoots(mitdb=mitdb)
    listed = [ln.strip() for ln in (svdb / "RECORDS").read_text().splitlines() if ln.strip()]
    assert [r.record for r in resolve_spec("svdb:all", roots)] == listed and len(listed) == 39  # shared/data README
    assert [r.record for r in resolve_spec("mitdb:DS1", roots)] == list(DS1)
    assert [r.key for r in resolve_spec("DS2", roots)] == [f"mitdb:{r}" for r in DS2]
    assert [r.key for r in resolve_spec("svdb:804,805", roots)] == ["svdb:804", "svdb:805"]
    for bad, needle in (("nope:all", "Invalid value for 'database'"), ("svdb:DS1", "MIT-BIH record sets"),
                        ("mitdb:999", "got 999"), ("svdb:", "DATABASE:SELECTION")):
        with pytest.raises(ArrhythmiaError, match=needle):
            resolve_spec(bad, roots)


def test_svdb_beats_at_128_hz_keep_their_classes(mitdb, svdb):
    """A 128 Hz svdb record: its beats are cut at the model's 360 Hz and labelled with the AAMI classes of its .atr;
    only the beats within the window of the record's edges are dropped."""
    beats = load_beats([RecordRef("svdb", "804")], DataRoots(mitdb=mitdb))
    ann = wfdb.rdann(str(svdb / "804"), "atr")
    sym = np.asarray(ann.symbol)
    keep = is_beat(sym)
    want = np.bincount(to_aami(sym[keep]), minlength=5)
    dropped = beats.dropped["svdb:804"]
    np.testing.assert_array_equal(beats.counts() + dropped, want)
    assert dropped.sum() <= 4 and beats.x.shape[1:] == (1, 300)  # ECG1 stands in for MLII; a 360 Hz window
    assert set(beats.database) == {"svdb"} and set(beats.patient) == {"svdb:804"}
    assert any("no lead MLII" in n for n in beats.notes)
    assert np.array_equal(beats.sample, np.asarray(ann.sample)[keep][np.isin(np.asarray(ann.sample)[keep],
                                                                            beats.sample)])


def test_a_pool_of_two_databases_never_tests_on_its_training_patients(mitdb):
    roots = DataRoots(mitdb=mitdb)
    pool = refs("mitdb", ("101", "106")) + refs("svdb", ("804", "805"))
    beats = load_beats(pool + refs("mitdb", ("100",)), roots)
    sp = make_split(beats, "inter-patient", val_fraction=0.0, pool=pool, records=[r.key for r in pool] + ["100"])
    assert set(sp.train_records) == {r.key for r in pool} and sp.test_records == ("mitdb:100",)
    with pytest.raises(ArrhythmiaError, match="DS2 records are the test side"):
        make_split(beats, "inter-patient", pool=pool + refs("mitdb", ("100",)))
    kf = [make_split(beats, "patient-kfold", n_folds=2, fold=f, val_fraction=0.0, pool=pool, seed=0)
          for f in range(2)]
    assert sorted(k for s in kf for k in s.test_records) == sorted(r.key for r in pool)
    for s in kf:
        assert not {RecordRef.parse(k).patient for k in s.test_records} & {RecordRef.parse(k).patient
                                                                             for k in s.train_records}


def test_a_bundle_trained_on_two_databases(mitdb, tmp_path):
    """Trained on two DS1 records and two svdb records (128 Hz): the bundle lists both databases and every record,
    and classifies a 360 Hz MIT-BIH record."""
    from arrhythmia.bundle import read_bundle_config
    from arrhythmia.inference.annotate import annotate

    out = tmp_path / "b"
    p = run_cli("train", "--train", "mitdb:101,119", "--train", "svdb:804,805", "--epochs", 1, "--val-fraction", 0,
                "--imbalance", "sampler", "--median-channels", "--rr-features", "context", "--records",
                "101,119,svdb:804,svdb:805,100", "--out", out, "--data-dir", mitdb)
    assert p.returncode == 0, p.stderr
    t = read_bundle_config(out)["training"]
    assert t["train"] == ["mitdb:101,119", "svdb:804,805"]
    assert sorted(t["train_records"]) == ["mitdb:101", "mitdb:119", "svdb:804", "svdb:805"]
    assert set(t["databases"]) == {"mitdb", "svdb"} and t["test_records"] == ["mitdb:100"]
    assert t["environment"]["threads"] >= 1 and t["environment"]["torch"]
    s = annotate(mitdb / "100", tmp_path / "a", model=out, backend="torch")
    assert s["fs"] == 360.0 and s["n_beats"] > 2000  # 2,273 reference beats in record 100


def test_bad_training_pools_are_one_line_errors(mitdb, tmp_path):
    for spec, needle in (("nope:all", "Invalid value for 'database'"), ("svdb:999", "got 999"),
                         ("mitdb:100", "DS2 records are the test side")):
        p = run_cli("train", "--train", spec, "--epochs", 1, "--out", tmp_path / "x", "--data-dir", mitdb)
        assert_one_line_error(p, needle)
        assert not (tmp_path / "x").exists()
