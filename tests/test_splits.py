"""Splits: published counts, patient separation, validation by whole records."""

import numpy as np
import pytest

from arrhythmia import ArrhythmiaError
from arrhythmia.datasets import DS1, DS2, PACED, load_beats, make_split, split_records
from arrhythmia.datasets.records import MITDB_RECORDS
from arrhythmia.datasets.summary import summarize
from conftest import assert_one_line_error, run_cli

# de Chazal et al. 2004, Table I (every annotated beat)
PUBLISHED = {"DS1": [45866, 944, 3788, 415, 8], "DS2": [44259, 1837, 3221, 388, 7]}


def test_record_tables():
    assert len(MITDB_RECORDS) == 48 and len(DS1) == len(DS2) == 22
    assert set(DS1).isdisjoint(DS2) and set(PACED).isdisjoint(DS1 + DS2)
    assert sorted(DS1 + DS2 + PACED) == sorted(MITDB_RECORDS)


def test_published_class_counts(mitdb):
    s = summarize(mitdb, "inter-patient")
    assert s.rows[0].counts.tolist() == PUBLISHED["DS1"] and s.rows[0].counts.sum() == 51021
    assert s.rows[1].counts.tolist() == PUBLISHED["DS2"] and s.rows[1].counts.sum() == 49712
    # the '300' window loses exactly the beats within 100 samples of the start or 200 of the end
    assert s.rows[0].dropped.sum() == 22 and s.rows[1].dropped.sum() == 22


def test_summary_cli_prints_published_counts(mitdb):
    p = run_cli("data", "summary", "--split", "inter-patient", "--data-dir", mitdb)
    assert p.returncode == 0, p.stderr
    assert "45866     944    3788     415       8    51021" in p.stdout
    assert "44259    1837    3221     388       7    49712" in p.stdout
    assert "drops" in p.stdout
    leak = run_cli("data", "summary", "--split", "intra-patient", "--data-dir", mitdb)
    assert "LEAKS PATIENTS" in leak.stdout


@pytest.fixture(scope="module")
def all_beats(mitdb):
    return load_beats(split_records("inter-patient"), mitdb)


def test_inter_patient_split(all_beats):
    sp = make_split(all_beats, "inter-patient", seed=0)
    rec = all_beats.record
    assert set(rec[sp.test]) == set(DS2)
    assert set(rec[sp.train]) | set(rec[sp.val]) == set(DS1)
    assert set(rec[sp.train]).isdisjoint(rec[sp.val])  # validation by whole records
    assert not sp.leaks_patients and "LEAKS" not in sp.label()
    assert len(sp.train) + len(sp.val) + len(sp.test) == len(all_beats)
    # validation holds N, S and V beats so that macro-F1 is defined
    assert {0, 1, 2} <= set(all_beats.y[sp.val].tolist())
    # seeded: same seed same records, other seed other records
    assert make_split(all_beats, seed=0).val_records == sp.val_records
    assert any(make_split(all_beats, seed=s).val_records != sp.val_records for s in (1, 2, 3))


def test_intra_patient_split_is_labelled_as_leaking(all_beats):
    sp = make_split(all_beats, "intra-patient", seed=0)
    assert sp.leaks_patients and "LEAKS PATIENTS" in sp.label()
    assert np.intersect1d(sp.test, np.concatenate([sp.train, sp.val])).size == 0
    assert set(all_beats.record[sp.test]) & set(all_beats.record[sp.train])  # the leak itself
    assert set(all_beats.record[sp.val]).isdisjoint(all_beats.record[sp.train])
    assert abs(len(sp.test) / len(all_beats) - 0.2) < 0.001


def test_patient_kfold_covers_ds1_once(all_beats):
    seen = []
    for k in range(5):
        sp = make_split(all_beats, "patient-kfold", n_folds=5, fold=k, seed=0)
        assert set(sp.test_records).isdisjoint(sp.train_records + sp.val_records)
        assert set(all_beats.keys[sp.test]) == set(sp.test_records)
        seen += sp.test_records
    assert sorted(seen) == sorted(f"mitdb:{r}" for r in DS1)


def test_bad_split_options(all_beats, mitdb):
    with pytest.raises(ArrhythmiaError, match="Invalid value for 'split'"):
        make_split(all_beats, "random")
    with pytest.raises(ArrhythmiaError, match="not loaded"):
        make_split(all_beats.subset(all_beats.record != "100"), "inter-patient")
    assert_one_line_error(run_cli("data", "summary", "--split", "random", "--data-dir", mitdb),
                          "Invalid value for 'split'", "'inter-patient'", "got 'random'")
    assert_one_line_error(run_cli("data", "summary", "--preset", "400", "--data-dir", mitdb),
                          "Invalid value for 'preset'", "got '400'")
