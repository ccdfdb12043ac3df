"""A table of malformed inputs, each built from a small piece of a real record (MIT-BIH 100) in the test's
folder, each refused with the promise of the README's "Errors" section: exit code 2, one line on stderr starting
``arrhythmia: error:``, no traceback, nothing written, every input byte-identical (SHA-256 before and after).

Every case runs through ``annotate`` (the recording is read before the model is loaded) and ``peaks``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from fuzz_support import assert_promise, read_piece, write_wfdb


@pytest.fixture(scope="session")
def piece(mitdb):
    return read_piece(mitdb)


def _edit_header(rec, old, new, count=1):
    hea = rec.with_suffix(".hea")
    text = hea.read_text()
    assert old in text, text
    hea.write_text(text.replace(old, new, count))
    return rec


def _record_line(rec, fields):
    """Replace the record line's fields after the name (n_signals, fs, length)."""
    hea = rec.with_suffix(".hea")
    lines = hea.read_text().splitlines()
    lines[0] = " ".join([lines[0].split()[0], *fields])
    hea.write_text("\n".join(lines) + "\n")
    return rec


def _n(piece):
    return str(piece.digital.shape[0])


WFDB_CASES = {  # name -> (how the record is damaged, what the one line says)
    "fs_negative": (lambda r, p: _record_line(r, ["2", "-360", _n(p)]), "sampling rate -360 Hz"),
    "fs_zero": (lambda r, p: _record_line(r, ["2", "0", _n(p)]), "sampling rate 0 Hz"),
    "fs_not_a_number": (lambda r, p: _record_line(r, ["2", "abc", _n(p)]), "sampling rate 'abc' is not a number"),
    "fs_absurd": (lambda r, p: _record_line(r, ["2", "1e9", _n(p)]), "allowed 50-20000 Hz"),
    "no_signals": (lambda r, p: _put(r, ".hea", f"rec 0 360 {_n(p)}\n".encode()), "0 signals"),
    "signal_count_text": (lambda r, p: _record_line(r, ["two", "360"]), "number of signals"),
    "length_zero": (lambda r, p: _record_line(r, ["2", "360", "0"]), "signal length 0"),
    "format_unsupported": (lambda r, p: _edit_header(r, " 212 ", " 999 ", 2), "signal format 999 is not supported"),
    "format_null": (lambda r, p: _edit_header(r, " 212 ", " 0 ", 2), "signal format 0 is not supported"),
    "signal_file_missing": (lambda r, p: r.with_suffix(".dat").unlink() or r, "rec.dat: signal file not found"),
    "signal_file_named_wrong": (lambda r, p: _edit_header(r, "rec.dat", "other.dat", 2), "other.dat: signal file not found"),
    "signal_file_elsewhere": (lambda r, p: _edit_header(r, "rec.dat", "../rec.dat", 2), "rec.hea"),
    "header_binary": (lambda r, p: _put(r, ".hea", b"\x00\xff\x13garbage\x00" * 20), "corrupt header"),
    "header_empty": (lambda r, p: _put(r, ".hea", b""), "corrupt header"),
    "signal_truncated": (lambda r, p: _truncate(r.with_suffix(".dat"), 0.5) or r, "truncated"),
    "signal_empty": (lambda r, p: _truncate(r.with_suffix(".dat"), 0.0) or r, "truncated"),
    "signal_corrupted": (lambda r, p: _flip(r.with_suffix(".dat")) or r, "checksum mismatch"),
}


def _put(rec, ext, data: bytes):
    rec.with_suffix(ext).write_bytes(data)
    return rec


def _truncate(path, fraction):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])


def _flip(path):
    data = bytearray(path.read_bytes())
    for i in range(1000, len(data), 997):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def _commands(inp, out, *extra):
    return {"annotate": ["annotate", inp, "--out", out, *extra],
            "peaks": ["peaks", inp, "--out", out.with_suffix(".csv"), *extra]}


def _check(command, inp, tmp_path, needle, *extra):
    out = tmp_path / "out"
    argv = _commands(inp, out, *extra)[command]
    line = assert_promise(argv, tmp_path / "in", out if command == "annotate" else out.with_suffix(".csv"), needle)
    assert str(inp.name if inp.suffix else inp.with_suffix(".hea").name).split(".")[0] in line or "Invalid" in line


@pytest.mark.parametrize("command", ["annotate", "peaks"])
@pytest.mark.parametrize("case", sorted(WFDB_CASES))
def test_malformed_wfdb_is_refused(case, command, piece, tmp_path):
    damage, needle = WFDB_CASES[case]
    rec = damage(write_wfdb(tmp_path / "in", piece), piece)
    _check(command, rec.with_suffix(".hea"), tmp_path, needle)


def test_wfdb_every_sample_invalid_is_refused(piece, tmp_path):
    rec = write_wfdb(tmp_path / "in", piece, fmt="16", digital=np.full_like(piece.digital, -32768 + 1024))
    _check("annotate", rec.with_suffix(".hea"), tmp_path, "no valid sample")


def test_fs_given_for_a_wfdb_record_is_an_error(piece, tmp_path):
    rec = write_wfdb(tmp_path / "in", piece)
    for command in ("annotate", "peaks"):
        _check(command, rec.with_suffix(".hea"), tmp_path, "records its own rate 360 Hz; got 250", "--fs", "250")


HEADER = "MLII,V5\n"
CSV_CASES = {  # name -> (file content from the piece's text rows, what the one line says)
    "header_short_of_a_column": (lambda rows: "MLII,V5\n" + "".join(f"{i},{r}" for i, r in enumerate(rows)),
                                 "the header names 2 columns, the rows have 3 values"),
    "header_longer_than_rows": (lambda rows: "MLII,V5,V1\n" + "".join(rows),
                                "the header names 3 columns, the rows have 2 values"),
    "header_empty_name": (lambda rows: ",V5\n" + "".join(rows), "empty name in column 1"),
    "header_duplicate_name": (lambda rows: "MLII,MLII\n" + "".join(rows), "'MLII' appears twice"),
    "ragged_row": (lambda rows: HEADER + "".join(rows[:500]) + "0.1\n" + "".join(rows[500:]),
                   "ragged rows: line 502 has 1 value, the first row 2"),
    "ragged_long_row": (lambda rows: HEADER + "".join(rows[:9]) + "0.1,0.2,0.3\n" + "".join(rows[9:]),
                        "ragged rows: line 11 has 3 values"),
    "empty_cell": (lambda rows: HEADER + "".join(rows[:99]) + "0.1,\n" + "".join(rows[100:]),
                   "line 101, column 2: empty cell"),
    "not_a_number": (lambda rows: HEADER + "".join(rows[:9]) + "0.1,abc\n" + "".join(rows[10:]),
                     "line 11, column 2: 'abc' is not a number"),
    "semicolons": (lambda rows: "".join(r.replace(",", ";") for r in rows), "separated by ';'"),
    "time_column_not_rising": (lambda rows: "time,MLII,V5\n" + "".join(f"{i % 100 / 360:.4f},{r}"
                                                                        for i, r in enumerate(rows)),
                               "column 'time' is named as a time axis but does not rise"),
    "time_column_wrong_rate": (lambda rows: "t,MLII,V5\n" + "".join(f"{i / 250:.4f},{r}" for i, r in enumerate(rows)),
                               "is a time axis with steps of 0.004"),
    "nan_sample": (lambda rows: HEADER + "".join(rows[:50]) + "nan,0.1\n" + "".join(rows[51:]), "NaN"),
    "inf_sample": (lambda rows: HEADER + "".join(rows[:50]) + "inf,0.1\n" + "".join(rows[51:]), "NaN or infinite"),
    "empty_file": (lambda rows: "", "empty file"),
    "header_only": (lambda rows: HEADER, "no data rows"),
}


def _csv_rows(piece):
    return [f"{a:.3f},{b:.3f}\n" for a, b in piece.mv]


@pytest.mark.parametrize("command", ["annotate", "peaks"])
@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_odd_csv_is_refused(case, command, piece, tmp_path):
    make, needle = CSV_CASES[case]
    f = tmp_path / "in" / "ecg.csv"
    f.parent.mkdir()
    f.write_text(make(_csv_rows(piece)))
    _check(command, f, tmp_path, needle, "--fs", "360")


@pytest.mark.parametrize("content, needle", [(b"\x00\x01\x02binary\xff\xfe" * 50, "not a text CSV file"),
                                             ("MLII,V5\n1,2\n".encode("utf-16"), "not a text CSV file"),
                                             (b"MLII,V5\n" + b"1,2\n" * 10 + b"\xe9,\xff\n" + b"1,2\n" * 5000,
                                              "not a text CSV file")])
def test_binary_csv_is_refused(content, needle, tmp_path):
    f = tmp_path / "in" / "ecg.csv"
    f.parent.mkdir()
    f.write_bytes(content)
    _check("annotate", f, tmp_path, needle, "--fs", "360")


def _npy(kind, piece, path):
    if kind == "npz_renamed":
        np.savez(path.with_suffix(".npz"), piece.mv)
        os.replace(path.with_suffix(".npz"), path)
    elif kind == "truncated":
        np.save(path, piece.mv)
        path.write_bytes(path.read_bytes()[:300])
    elif kind == "header_only":
        np.save(path, piece.mv)
        path.write_bytes(path.read_bytes()[:40])
    elif kind == "huge_shape":  # a damaged header declaring a terabyte: refused, never allocated
        from numpy.lib import format as npformat

        with path.open("wb") as f:
            npformat.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": (10 ** 12,)})
            f.write(b"\0" * 800)
    elif kind == "pickled_objects":
        np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    elif kind == "text":
        path.write_text("1,2,3\n")
    else:
        arrays = {"three_d": np.zeros((10, 2, 2)), "strings": np.array(["a", "b"]), "empty": np.zeros(0),
                  "complex": piece.mv.astype(complex), "nan": np.where(np.arange(len(piece.mv))[:, None] == 7,
                                                                       np.nan, piece.mv)}
        np.save(path, arrays[kind])


NPY_CASES = {"npz_renamed": "an .npz renamed .npy", "truncated": "truncated NumPy array file",
             "huge_shape": "truncated NumPy array file: shape (1000000000000,)",
             "header_only": "not a readable NumPy array file", "pickled_objects": "not a readable NumPy array file",
             "text": "no .npy signature", "three_d": "expected (n_samples,) or (n_samples, n_leads)",
             "strings": "is not numeric", "empty": "no samples", "complex": "is not numeric", "nan": "NaN"}


@pytest.mark.parametrize("command", ["annotate", "peaks"])
@pytest.mark.parametrize("case", sorted(NPY_CASES))
def test_npy_edge_cases_are_refused(case, command, piece, tmp_path):
    f = tmp_path / "in" / "ecg.npy"
    f.parent.mkdir()
    _npy(case, piece, f)
    _check(command, f, tmp_path, NPY_CASES[case], "--fs", "360")


def _edf(path, piece):
    import pyedflib

    sig = [np.ascontiguousarray(piece.mv[:, i]) for i in range(piece.mv.shape[1])]
    headers = [{"label": n, "dimension": "mV", "sample_frequency": piece.fs, "physical_min": -10.0,
                "physical_max": 10.0, "digital_min": -32768, "digital_max": 32767} for n in piece.leads]
    pyedflib.highlevel.write_edf(str(path), sig, headers)


@pytest.mark.parametrize("case", ["garbage", "truncated", "header_only"])
def test_edf_edge_cases_are_refused(case, piece, tmp_path):
    f = tmp_path / "in" / "ecg.edf"
    f.parent.mkdir()
    if case == "garbage":
        f.write_bytes(b"0       not an EDF header" * 40)
    else:
        _edf(f, piece)
        data = f.read_bytes()
        f.write_bytes(data[: len(data) // 2] if case == "truncated" else data[:256])
    for command in ("annotate", "peaks"):
        _check(command, f, tmp_path, "ecg.edf")
