"""Our WFDB annotation writer gives wfdb.wrann's bytes: on MIT-BIH's own annotation files (rhythm notes,
subtypes, channels) and on drawn edge cases (distances over 1023 and over 65535, empty notes, odd lengths)."""

import numpy as np
import pytest
import wfdb

from arrhythmia.io.annotation_file import encode_annotations
from arrhythmia.io.wfdb_io import write_annotations


def _wrann(tmp_path, sample, symbol, fs, **kw):
    wfdb.wrann("r", "ref", np.asarray(sample, np.int64), symbol=list(symbol), fs=fs, write_dir=str(tmp_path), **kw)
    return (tmp_path / "r.ref").read_bytes()


@pytest.mark.parametrize("record", ["100", "201", "207", "232"])
def test_mitdb_reference_files_encode_as_wrann_does(mitdb, tmp_path, record):
    a = wfdb.rdann(str(mitdb / record), "atr")
    kw = dict(aux_note=a.aux_note, subtype=np.asarray(a.subtype, np.int64), chan=np.asarray(a.chan, np.int64))
    ours = encode_annotations(a.sample, a.symbol, fs=360.0, **kw)
    assert ours == _wrann(tmp_path, a.sample, a.symbol, 360.0, **kw)
    # and what is written reads back as it was
    path = write_annotations(record, tmp_path, a.sample, a.symbol, fs=360.0, extension="cpy", **kw)
    b = wfdb.rdann(str(tmp_path / record), "cpy")
    assert path.name == f"{record}.cpy" and b.fs == 360
    np.testing.assert_array_equal(b.sample, a.sample)
    assert b.symbol == a.symbol and b.aux_note == a.aux_note
    np.testing.assert_array_equal(b.subtype, a.subtype)
    np.testing.assert_array_equal(b.chan, a.chan)


def test_drawn_edge_cases_encode_as_wrann_does(tmp_path):
    rng = np.random.default_rng(0)
    for _ in range(150):
        n = int(rng.integers(1, 40))
        sample = np.cumsum(rng.choice([0, 1, 7, 1023, 1024, 5000, 70_000, 2**24 + 3], n))
        symbol = list(rng.choice(list("NSVFQ~+|"), n))
        kw = {}
        if rng.random() < 0.6:
            kw["aux_note"] = [str(rng.choice(["", "(AFIB", "(N", "0.93", "x" * int(rng.integers(0, 30))]))
                              for _ in range(n)]
        if rng.random() < 0.5:
            kw["subtype"] = rng.integers(0, 3, n)
        if rng.random() < 0.5:
            kw["chan"] = rng.integers(0, 2, n)
        fs = float(rng.choice([360.0, 128.0, 250.5]))
        assert encode_annotations(sample, symbol, fs=fs, **kw) == _wrann(tmp_path, sample, symbol, fs, **kw)


def test_a_numpy_rate_is_written_as_its_shortest_text(tmp_path):
    """wfdb.wrann writes a NumPy float32 rate digit for digit of its float64 value (128.10000610351562); ours
    writes what it stands for, as for a Python float."""
    ours = encode_annotations([10, 20], ["N", "V"], fs=np.float32(128.1))
    assert ours == encode_annotations([10, 20], ["N", "V"], fs=128.1) == _wrann(tmp_path, [10, 20], "NV", 128.1)
    assert encode_annotations([10], ["N"], fs=np.float64(360.0)) == _wrann(tmp_path, [10], "N", 360.0)


def test_bad_annotations_are_refused():
    with pytest.raises(ValueError, match="ascending"):
        encode_annotations([5, 3], ["N", "N"], fs=360.0)
    with pytest.raises(ValueError, match="unknown annotation symbols: 'Z'"):
        encode_annotations([5], ["Z"], fs=360.0)
    with pytest.raises(ValueError, match="2 symbols for 1 samples"):
        encode_annotations([5], ["N", "N"])
