"""Helpers of the fuzz tests: small pieces of real records written into a test's folder, the CLI called in-process,
and the promise every refused input must keep.

The promise (README, "Errors"): a non-zero exit, exactly one line on stderr starting ``arrhythmia: error:``
(notes aside), no traceback, nothing left behind where the output would have gone, every input byte-identical.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arrhythmia.cli.main import main

PIECE_S = 30
"""Seconds of a real record in each test input: enough for the pipeline (10 s minimum) and fast."""


@dataclass(frozen=True)
class Piece:
    """The first :data:`PIECE_S` seconds of a MIT-BIH record, as its digital samples (format 212, gain 200,
    baseline 1024, as MIT-BIH stores it)."""

    digital: np.ndarray  # (n_samples, n_leads) int64
    fs: float
    leads: tuple

    @property
    def mv(self) -> np.ndarray:
        """(n_samples, n_leads) in mV."""
        return (self.digital - 1024) / 200.0


def read_piece(mitdb: Path, record: str = "100", seconds: float = PIECE_S) -> Piece:
    import wfdb

    r = wfdb.rdrecord(str(mitdb / record), sampto=int(seconds * 360), physical=False)
    return Piece(r.d_signal.astype(np.int64), float(r.fs), tuple(r.sig_name))


def write_wfdb(folder: Path, piece: Piece, name: str = "rec", fmt: str = "212", digital=None, atr=None) -> Path:
    """Write ``piece`` as a WFDB record ``folder/name`` (``.hea`` + ``.dat``; ``.atr`` from ``(samples, symbols)``).

    ``name`` may be any file name: the files are written as ``rec`` (WFDB names allow no spaces) and renamed; the
    header keeps naming ``rec.dat``, as a user's renamed copy would.
    """
    import wfdb

    folder.mkdir(parents=True, exist_ok=True)
    d = piece.digital if digital is None else digital
    base = [1024] * d.shape[1] if fmt == "212" else [0] * d.shape[1]
    d = d if fmt == "212" else d - 1024
    wfdb.wrsamp("rec", fs=piece.fs, units=["mV"] * d.shape[1], sig_name=list(piece.leads), d_signal=d,
                fmt=[fmt] * d.shape[1], adc_gain=[200.0] * d.shape[1], baseline=base, write_dir=str(folder))
    if atr is not None:
        wfdb.wrann("rec", "atr", np.asarray(atr[0]), symbol=list(atr[1]), write_dir=str(folder))
    if name != "rec":
        for ext in ("hea", "atr"):
            if (folder / f"rec.{ext}").exists():
                (folder / f"rec.{ext}").rename(folder / f"{name}.{ext}")
    return folder / name


def write_csv(path: Path, piece: Piece, header: str | None = "MLII,V5") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(path, piece.mv, fmt="%.3f", delimiter=",", header=header or "", comments="")
    return path


def tree_hashes(root: Path) -> dict:
    """SHA-256 of every file under ``root`` (relative path -> hex digest)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(root).rglob("*")) if p.is_file()}


def call(argv) -> tuple[int, str, str]:
    """``arrhythmia ARGV`` in this process: (exit code, stdout, stderr). Any exception other than the CLI's own
    handling escapes, as a traceback would."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


def error_lines(err: str) -> list[str]:
    return [ln for ln in err.strip().splitlines() if ln.strip() and not ln.startswith("arrhythmia: note:")]


def assert_refused(rc: int, err: str, *needles) -> str:
    """The promise on stderr and the exit code; returns the error line."""
    assert rc != 0, err
    lines = error_lines(err)
    assert len(lines) == 1, err
    assert lines[0].startswith("arrhythmia: error: "), err
    assert "Traceback" not in err
    for n in needles:
        assert str(n) in lines[0], lines[0]
    return lines[0]


def assert_nothing_left(out: Path) -> None:
    """Neither the output nor a temporary folder or file beside it."""
    assert not out.exists(), sorted(p.name for p in out.iterdir()) if out.is_dir() else out
    assert not list(out.parent.glob(f".{out.name}-*")) and not list(out.parent.glob(f".{out.stem}-*"))


def assert_promise(argv, inputs: Path, out: Path, *needles) -> str:
    """Run ``argv``; check the whole promise for a refused input (inputs under ``inputs``, output ``out``)."""
    before = tree_hashes(inputs)
    rc, _, err = call(argv)
    line = assert_refused(rc, err, *needles)
    assert_nothing_left(out)
    assert tree_hashes(inputs) == before
    return line


def kept_or_refused(argv, inputs: Path) -> tuple[int, str]:
    """Run ``argv`` on a generated input: it works (exit 0) or keeps the promise; inputs never change."""
    before = tree_hashes(inputs)
    rc, out, err = call(argv)
    if rc != 0:
        assert_refused(rc, err)
    assert tree_hashes(inputs) == before
    return rc, err


def copy_default_model(dst: Path) -> Path:
    """The shipped bundle's files, copied so that a test may damage its config."""
    from arrhythmia.inference.annotate import default_model_path

    src = default_model_path()
    dst.mkdir(parents=True)
    for f in ("config.json", "model.safetensors", "model.onnx"):
        if (src / f).is_file():
            shutil.copy2(src / f, dst / f)
    return dst
