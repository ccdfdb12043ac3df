"""Reading WFDB records, and every way a record can be broken."""

import numpy as np
import pytest
import wfdb

from arrhythmia import ArrhythmiaError
from arrhythmia.io import read_wfdb
from arrhythmia.io.wfdb_io import read_annotations, write_annotations


def test_read_record_100(mitdb):
    r = read_wfdb(mitdb / "100")
    assert r.name == "100" and r.fs == 360.0 and r.leads == ("MLII", "V5")
    assert r.signal.shape == (2, 650000)
    ref = wfdb.rdrecord(str(mitdb / "100"))  # physical units straight from wfdb
    np.testing.assert_allclose(r.signal, ref.p_signal.T, atol=1e-12)
    assert r.annotations.sample.size == wfdb.rdann(str(mitdb / "100"), "atr").sample.size


def test_lead_fallback_is_announced(mitdb):
    r = read_wfdb(mitdb / "102")
    assert "MLII" not in r.leads
    with pytest.warns(UserWarning, match="record 102 has no lead MLII; using lead V5"):
        sel = r.select_leads(("MLII",))
    assert sel.leads == ("V5",) and "V5" in sel.notes[0]


def test_two_leads_and_unknown_lead(mitdb):
    r = read_wfdb(mitdb / "100")
    assert r.select_leads(("MLII", "other")).leads == ("MLII", "V5")
    with pytest.raises(ArrhythmiaError, match=r"Invalid value for 'lead': allowed 'MLII', 'V5', 'other'; got 'II'"):
        r.select_leads(("II",))


def test_missing_directory_and_files(record_copy, tmp_path):
    with pytest.raises(ArrhythmiaError, match="header file not found"):
        read_wfdb(tmp_path / "nope" / "100")
    rec = record_copy("100", exts=("hea", "atr"))
    with pytest.raises(ArrhythmiaError, match=r"100\.dat: signal file not found"):
        read_wfdb(rec)


def test_missing_annotation(record_copy):
    rec = record_copy("100", exts=("hea", "dat"))
    with pytest.raises(ArrhythmiaError, match=r"100\.atr: annotation file not found"):
        read_wfdb(rec)
    assert read_wfdb(rec, annotator=None).annotations is None


def test_corrupt_header(record_copy):
    rec = record_copy("100")
    rec.with_suffix(".hea").write_text("this is not a header\n\x00garbage")
    with pytest.raises(ArrhythmiaError, match=r"100\.hea: corrupt header"):
        read_wfdb(rec)


def test_checksum_mismatch(record_copy):
    rec = record_copy("100")
    dat = rec.with_suffix(".dat")
    b = bytearray(dat.read_bytes())
    b[300_000] ^= 0x01  # one bit of one sample
    dat.write_bytes(bytes(b))
    with pytest.raises(ArrhythmiaError, match=r"100\.dat: checksum mismatch"):
        read_wfdb(rec)


def test_truncated_signal(record_copy):
    rec = record_copy("100")
    dat = rec.with_suffix(".dat")
    dat.write_bytes(dat.read_bytes()[:100_000])
    with pytest.raises(ArrhythmiaError, match=r"100\.dat: truncated"):
        read_wfdb(rec)


def test_corrupt_annotation(record_copy):
    rec = record_copy("100")
    rec.with_suffix(".atr").write_bytes(b"\xff" * 7)
    with pytest.raises(ArrhythmiaError, match=r"100\.atr: corrupt annotation file"):
        read_annotations(rec)


def test_annotation_roundtrip(tmp_path):
    path = write_annotations("rec", tmp_path, [10, 400, 800], ["N", "V", "S"], fs=360.0)
    a = wfdb.rdann(str(tmp_path / "rec"), "arr")
    assert path.name == "rec.arr"
    assert a.sample.tolist() == [10, 400, 800] and a.symbol == ["N", "V", "S"]
