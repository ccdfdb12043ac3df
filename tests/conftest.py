"""Shared fixtures. Real-record tests read ../shared/data/mitdb (or
$ARRHYTHMIA_DATA_DIR) and *fail* when it is missing: they never skip."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def _mitdb() -> Path:
    env = os.environ.get("ARRHYTHMIA_DATA_DIR")
    return Path(env) if env else REPO.parent / "shared" / "data" / "mitdb"


@pytest.fixture(scope="session")
def mitdb() -> Path:
    """The MIT-BIH folder; fails loudly when absent."""
    d = _mitdb()
    if not (d / "100.hea").is_file():
        pytest.fail(f"MIT-BIH data not found at {d}: set ARRHYTHMIA_DATA_DIR or put ../shared/data/mitdb beside the repo")
    return d


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Beat caches of the test session go to a temporary folder."""
    old = os.environ.get("ARRHYTHMIA_CACHE_DIR")
    os.environ["ARRHYTHMIA_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ.setdefault("MPLBACKEND", "Agg")
    yield
    if old is None:
        os.environ.pop("ARRHYTHMIA_CACHE_DIR", None)
    else:
        os.environ["ARRHYTHMIA_CACHE_DIR"] = old


@pytest.fixture
def record_copy(mitdb, tmp_path):
    """Copy one record's files into tmp_path so a test may damage them."""

    def make(name="100", exts=("hea", "dat", "atr")):
        for e in exts:
            (tmp_path / f"{name}.{e}").write_bytes((mitdb / f"{name}.{e}").read_bytes())
        return tmp_path / name

    return make


def run_cli(*args, **kwargs):
    """Run ``python -m arrhythmia`` in a subprocess; returns CompletedProcess."""
    import subprocess
    import sys

    env = dict(os.environ)
    env.update(kwargs.pop("env", {}))
    return subprocess.run([sys.executable, "-m", "arrhythmia", *map(str, args)],
                          capture_output=True, text=True, env=env, **kwargs)


def assert_one_line_error(proc, *needles):
    """A user error: non-zero exit, one line on stderr naming the problem, no traceback."""
    assert proc.returncode != 0, proc.stdout
    err = proc.stderr.strip().splitlines()
    err = [ln for ln in err if not ln.startswith("arrhythmia: note:")]
    assert len(err) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for n in needles:
        assert str(n) in err[0], err[0]


@pytest.fixture
def rng():
    return np.random.default_rng(0)
