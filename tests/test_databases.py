"""Other PhysioNet databases as external test sets: fetch, list, detect and evaluate at their own rate and leads.

No other database is in ../shared, so the "foreign" database here is made from
real MIT-BIH signal the way svdb is stored: three minutes of records 119, 208
and 209 resampled to 128 Hz, format 212, leads ECG1/ECG2, the reference
annotations (beats and rhythm) moved to the new rate, and a RECORDS file.
"""

import json
from collections import Counter

import numpy as np
import pytest
import wfdb
from scipy.signal import resample_poly

from arrhythmia.datasets.databases import DATABASES, list_records, resolve_records
from arrhythmia.errors import ArrhythmiaError
from arrhythmia.inference.annotate import default_model_path
from arrhythmia.io.recording import Recording
from arrhythmia.io.wfdb_io import read_wfdb
from arrhythmia.labels import AAMI_CLASSES, is_beat, to_aami
from conftest import assert_one_line_error, run_cli, serve_folder

SOURCES = ("119", "208", "209")  # V and F (119, 208), S (209)
SECONDS = 180
FS = 128


@pytest.fixture(scope="module")
def foreign(mitdb, tmp_path_factory):
    """A 128 Hz svdb-like database; returns (folder, {record: AAMI class counts})."""
    d = tmp_path_factory.mktemp("svdb-like")
    counts = {}
    for r in SOURCES:
        rec = read_wfdb(mitdb / r)
        sig = resample_poly(rec.signal[:, : 360 * SECONDS], 16, 45, axis=1)  # 360 -> 128 Hz
        name = f"s{r}"
        wfdb.wrsamp(name, fs=FS, units=["mV", "mV"], sig_name=["ECG1", "ECG2"], p_signal=sig.T,
                    fmt=["212", "212"], adc_gain=[200.0, 200.0], baseline=[0, 0], write_dir=str(d))
        ann = wfdb.rdann(str(mitdb / r), "atr", sampto=360 * SECONDS - 1)
        sample = np.round(ann.sample * FS / 360).astype(np.int64)
        wfdb.wrann(name, "atr", sample, ann.symbol, aux_note=[a or "" for a in ann.aux_note], fs=FS,
                   write_dir=str(d))
        sym = np.array(ann.symbol)
        counts[name] = Counter(AAMI_CLASSES[k] for k in to_aami(sym[is_beat(sym)]))
    (d / "RECORDS").write_text("".join(f"s{r}\n" for r in SOURCES))
    return d, counts


def test_the_known_databases():
    assert set(DATABASES) == {"mitdb", "svdb", "incartdb"}
    assert len(DATABASES["mitdb"].records) == 48
    assert all(db.version == "1.0.0" and db.credit for db in DATABASES.values())


def test_records_of_a_folder(foreign, mitdb, tmp_path):
    d, _ = foreign
    assert list_records(d) == ("s119", "s208", "s209")  # the RECORDS file's order
    assert len(list_records(mitdb)) == 48  # no RECORDS file: every .hea with an .atr
    assert resolve_records("s208, s119", d) == ("s208", "s119")
    assert resolve_records("DS1", mitdb)[0] == "101"
    with pytest.raises(ArrhythmiaError, match=r"Invalid value for '--records': .*; got s999\."):
        resolve_records("s119,s999", d)
    with pytest.raises(ArrhythmiaError, match="no annotated WFDB record"):
        list_records(tmp_path)


def test_fetch_a_database_listed_by_its_records_file(foreign, tmp_path):
    d, _ = foreign
    root = tmp_path / "www"
    (root / "svdb" / "1.0.0").mkdir(parents=True)
    for f in d.iterdir():
        (root / "svdb" / "1.0.0" / f.name).symlink_to(f)
    target = tmp_path / "svdb"
    with serve_folder(root) as url:
        p = run_cli("data", "fetch", "--database", "svdb", "--data-dir", target, "--index-url", url)
        assert p.returncode == 0, p.stderr
        assert "MIT-BIH Supraventricular Arrhythmia Database ready and verified" in p.stdout
        assert sorted(f.name for f in target.iterdir()) == sorted(f.name for f in d.iterdir())
        assert (target / "s208.dat").read_bytes() == (d / "s208.dat").read_bytes()
        # complete now: verified in place, nothing downloaded (the server could be gone)
    p = run_cli("data", "fetch", "--database", "svdb", "--data-dir", target, "--index-url", url)
    assert p.returncode == 0, p.stderr
    assert_one_line_error(run_cli("data", "fetch", "--database", "ltafdb", "--data-dir", tmp_path / "x"),
                          "Invalid value for '--database'", "'svdb'", "got 'ltafdb'")
    assert not (tmp_path / "x").exists()
    p = run_cli("data", "verify", "--data-dir", target, "--records", "all")
    assert p.returncode == 0 and "3 records verified, 0 with problems" in p.stdout, p.stdout + p.stderr


def test_detector_at_128_hz(foreign):
    d, _ = foreign
    p = run_cli("peaks", "--evaluate", "--data-dir", d, "--records", "all")
    assert p.returncode == 0, p.stderr
    first = p.stdout.splitlines()[0]
    se, ppv = (float(first.split(k)[1].split("%")[0]) for k in ("Se ", "+P "))
    assert first.startswith("3 records,") and se > 99.0 and ppv > 99.0, first


def test_whole_pipeline_on_an_external_database(foreign, tmp_path):
    d, counts = foreign
    out = tmp_path / "ext"
    p = run_cli("evaluate", "--detect", "--data-dir", d, "--records", "all", "--out", out,
                default_model_path())
    assert p.returncode == 0, p.stderr
    assert "no lead MLII; using lead ECG1" in p.stderr  # the substitution is said, not silent
    m = json.loads((out / "metrics.json").read_text())
    assert m["records"] == ["s119", "s208", "s209"] and m["data_dir"] == str(d)
    total = sum(counts.values(), Counter())
    # every reference beat is counted in its AAMI class, at 128 Hz, from the moved annotations
    assert {c: m["per_class"][c]["support"] for c in AAMI_CLASSES} == {c: total.get(c, 0) for c in AAMI_CLASSES}
    assert m["detection"]["se"] > 0.99 and m["detection"]["ppv"] > 0.99
    assert m["per_class"]["V"]["se"] > 0.8  # 146 V beats of records 119 and 208
    for r, cm in m["per_record_confusion"].items():
        assert sum(map(sum, np.asarray(cm)[:5])) == sum(counts[r].values())
    assert_one_line_error(run_cli("evaluate", "--data-dir", d, "--records", "all", "--out", tmp_path / "y",
                                  default_model_path()), "'--records': only with --detect")
    assert not (tmp_path / "y").exists()


def test_lead_ii_stands_in_for_mlii():
    rec = Recording(name="I01", signal=np.zeros((3, 10)), fs=257.0, leads=("i", "ii", "v1"))
    with pytest.warns(UserWarning, match="record I01 has no lead MLII; using lead ii instead"):
        sel = rec.select_leads(("MLII", "other"))
    assert sel.leads == ("ii", "i")
