"""Property-based fuzzing (Hypothesis): generated headers, signal files, CSVs, arrays, file names and option values.

The property on every generated input: the command works (exit 0) or keeps the promise of the README's "Errors"
section (one ``arrhythmia: error:`` line, no traceback), and no input changes. The default suite runs a few
examples of each (``FAST``); ``pytest -m fuzz_long tests/test_fuzz_properties.py`` runs many more (``LONG``).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fuzz_support import call, kept_or_refused, read_piece, write_csv, write_wfdb

FAST = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
LONG = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.function_scoped_fixture])

_PIECE = {}


def piece():
    """10 s of MIT-BIH 100, read once (a module-level cache: Hypothesis calls the test many times)."""
    if "p" not in _PIECE:
        from conftest import _mitdb

        _PIECE["p"] = read_piece(_mitdb(), seconds=12)
    return _PIECE["p"]


class Scratch:
    """A fresh folder per example (pytest's tmp_path is one per test, not per example)."""

    def __enter__(self) -> Path:
        self.path = Path(tempfile.mkdtemp(prefix="arrhythmia-fuzz-"))
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


# --- WFDB headers: one token of a real header replaced by generated text ----------------------------------------

TOKEN = st.one_of(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
                          max_size=12),
                  st.sampled_from(["-360", "0", "nan", "inf", "1e309", "360/0", "360(", "212", "0", "-1", "99999999999"]),
                  st.integers(-10 ** 6, 10 ** 6).map(str), st.floats(allow_nan=True).map(str))


def check_header_token(line_no: int, token_no: int, token: str):
    with Scratch() as d:
        rec = write_wfdb(d / "in", piece())
        hea = rec.with_suffix(".hea")
        lines = hea.read_text().splitlines()
        line = lines[min(line_no, len(lines) - 1)].split()
        line[min(token_no, len(line) - 1)] = token
        lines[min(line_no, len(lines) - 1)] = " ".join(line)
        hea.write_text("\n".join(lines) + "\n", encoding="utf-8")
        kept_or_refused(["peaks", hea], d / "in")


@FAST
@given(st.integers(0, 2), st.integers(0, 8), TOKEN)
def test_generated_headers_keep_the_promise(line_no, token_no, token):
    check_header_token(line_no, token_no, token)


@pytest.mark.fuzz_long
@LONG
@given(st.integers(0, 2), st.integers(0, 8), TOKEN)
def test_generated_headers_long(line_no, token_no, token):
    check_header_token(line_no, token_no, token)


# --- signal files: truncated and corrupted bytes -----------------------------------------------------------------

def check_signal_bytes(fmt: str, cut: float, flips: list):
    with Scratch() as d:
        rec = write_wfdb(d / "in", piece(), fmt=fmt)
        dat = rec.with_suffix(".dat")
        data = bytearray(dat.read_bytes()[: max(0, int(len(dat.read_bytes()) * cut))])
        for pos, byte in flips:
            if data:
                data[pos % len(data)] = byte
        dat.write_bytes(bytes(data))
        rc, err = kept_or_refused(["peaks", rec.with_suffix(".hea")], d / "in")
        if len(data) < len(dat.read_bytes()) or cut < 0.999:
            assert rc != 0, "a truncated signal file is read as if complete"


@FAST
@given(st.sampled_from(["16", "212"]), st.floats(0, 1), st.lists(st.tuples(st.integers(0, 10 ** 6),
                                                                              st.integers(0, 255)), max_size=5))
def test_damaged_signal_files_keep_the_promise(fmt, cut, flips):
    check_signal_bytes(fmt, cut, flips)


@pytest.mark.fuzz_long
@LONG
@given(st.sampled_from(["16", "212"]), st.floats(0, 1), st.lists(st.tuples(st.integers(0, 10 ** 6),
                                                                              st.integers(0, 255)), max_size=5))
def test_damaged_signal_files_long(fmt, cut, flips):
    check_signal_bytes(fmt, cut, flips)


# --- CSVs: real rows, then generated damage (cells, separators, headers, ragged rows) ----------------------------

CELL = st.one_of(st.sampled_from(["", " ", "nan", "inf", "-", "1e999", "0x1F", '"1.0"', "1,0", "1;2", "é", "\t"]),
                 st.floats(allow_nan=True, allow_infinity=True).map(repr),
                 st.text(max_size=5, alphabet=st.characters(blacklist_categories=("Cs",))))
EDIT = st.tuples(st.integers(0, 4000), st.integers(0, 3), CELL)


def check_csv(header: str | None, edits: list, drop_col: bool):
    with Scratch() as d:
        rows = [f"{a:.3f},{b:.3f}" for a, b in piece().mv]
        for row, col, cell in edits:
            cells = rows[row % len(rows)].split(",")
            if col < len(cells):
                cells[col] = cell
            else:
                cells.append(cell)
            rows[row % len(rows)] = ",".join(cells)
        if drop_col:
            rows = [r.split(",", 1)[-1] if i % 2 else r for i, r in enumerate(rows)]
        f = d / "in" / "ecg.csv"
        f.parent.mkdir()
        f.write_text(("" if header is None else header + "\n") + "\n".join(rows) + "\n", encoding="utf-8")
        kept_or_refused(["peaks", f, "--fs", "360"], d / "in")


HEADERS = st.one_of(st.none(), st.sampled_from(["MLII,V5", "MLII", "time,MLII,V5", "a,b,c", ",", "MLII,MLII",
                                                "t,MLII", '"MLII","V5"']),
                    st.text(max_size=20, alphabet=st.characters(blacklist_categories=("Cs",),
                                                                blacklist_characters="\n\r")))


@FAST
@given(HEADERS, st.lists(EDIT, max_size=4), st.booleans())
def test_odd_csvs_keep_the_promise(header, edits, drop_col):
    check_csv(header, edits, drop_col)


@pytest.mark.fuzz_long
@LONG
@given(HEADERS, st.lists(EDIT, max_size=6), st.booleans())
def test_odd_csvs_long(header, edits, drop_col):
    check_csv(header, edits, drop_col)


# --- NumPy arrays of any shape and dtype -------------------------------------------------------------------------

ARRAYS = hnp.arrays(dtype=st.one_of(hnp.floating_dtypes(), hnp.integer_dtypes(), hnp.boolean_dtypes(),
                                    hnp.complex_number_dtypes(), st.just(np.dtype("U3"))),
                    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=40))


def check_array(a: np.ndarray):
    with Scratch() as d:
        f = d / "in" / "ecg.npy"
        f.parent.mkdir()
        np.save(f, a)
        kept_or_refused(["peaks", f, "--fs", "360"], d / "in")


@FAST
@given(ARRAYS)
def test_any_array_keeps_the_promise(a):
    check_array(a)


@pytest.mark.fuzz_long
@LONG
@given(ARRAYS)
def test_any_array_long(a):
    check_array(a)


# --- file names and option values --------------------------------------------------------------------------------

NAME = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\"),
               min_size=1, max_size=60).filter(lambda s: s.strip(". ") != "" and len(s.encode()) < 200)


def check_name(name: str):
    from arrhythmia.io.wfdb_io import MAX_RECORD_NAME, wfdb_record_name

    safe = wfdb_record_name(name)
    assert safe and len(safe) <= MAX_RECORD_NAME and all(c.isascii() and (c.isalnum() or c in "_-") for c in safe)
    with Scratch() as d:
        f = write_csv(d / "in" / f"{name}.csv", piece())
        out = d / f"{name} peaks.csv"
        rc, _, err = call(["peaks", f, "--fs", "360", "--out", out])
        assert rc == 0 and out.is_file(), err


@FAST
@given(NAME)
def test_any_file_name_works(name):
    check_name(name)


@pytest.mark.fuzz_long
@LONG
@given(NAME)
def test_any_file_name_long(name):
    check_name(name)


NUMBER_TEXT = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=8),
                        st.sampled_from(["nan", "NaN", "inf", "-inf", "1e999", "", " ", "0x10", "1_000"]))


@FAST
@given(NUMBER_TEXT)
def test_number_options_are_finite_or_refused(text):
    from arrhythmia.cli.options import finite_float

    try:
        v = finite_float(text)
    except Exception as exc:
        assert type(exc).__name__ == "ArgumentTypeError" and repr(text) in str(exc)
    else:
        assert math.isfinite(v)
    with Scratch() as d:
        f = write_csv(d / "in" / "ecg.csv", piece())
        kept_or_refused(["peaks", f, f"--fs={text}"], d / "in")


# --- EDF files: truncated and corrupted bytes --------------------------------------------------------------------

def check_edf_bytes(cut: float, flips: list):
    import pyedflib

    with Scratch() as d:
        f = d / "in" / "ecg.edf"
        f.parent.mkdir()
        mv = piece().mv
        headers = [{"label": n, "dimension": "mV", "sample_frequency": piece().fs, "physical_min": -10.0,
                    "physical_max": 10.0, "digital_min": -32768, "digital_max": 32767} for n in piece().leads]
        pyedflib.highlevel.write_edf(str(f), [np.ascontiguousarray(mv[:, i]) for i in range(mv.shape[1])], headers)
        data = bytearray(f.read_bytes())
        data = data[: max(0, int(len(data) * cut))]
        for pos, byte in flips:
            if data:
                data[pos % min(len(data), 1024)] = byte  # the header: where damage changes the meaning
        f.write_bytes(bytes(data))
        kept_or_refused(["peaks", f], d / "in")


EDF_DAMAGE = (st.floats(0, 1), st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)), max_size=4))


@FAST
@given(*EDF_DAMAGE)
def test_damaged_edf_files_keep_the_promise(cut, flips):
    check_edf_bytes(cut, flips)


@pytest.mark.fuzz_long
@LONG
@given(*EDF_DAMAGE)
def test_damaged_edf_files_long(cut, flips):
    check_edf_bytes(cut, flips)
