"""Shared fixtures. Real-record tests read ../shared/data/mitdb (or
$ARRHYTHMIA_DATA_DIR) and *fail* when it is missing: they never skip."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import sys
import threading
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


@pytest.fixture(scope="session")
def nstdb(mitdb) -> Path:
    """The MIT-BIH Noise Stress Test folder (beside the MIT-BIH folder, or $ARRHYTHMIA_NSTDB_DIR); fails when absent."""
    env = os.environ.get("ARRHYTHMIA_NSTDB_DIR")
    d = Path(env) if env else mitdb.parent / "nstdb"
    if not (d / "118e12.hea").is_file() or not (d / "em.hea").is_file():
        pytest.fail(f"MIT-BIH Noise Stress Test data not found at {d}: set ARRHYTHMIA_NSTDB_DIR or put "
                    "../shared/data/nstdb beside the repo")
    return d


@pytest.fixture(scope="session")
def golden() -> Path:
    """WFDB 10.7.0's own bxb/epicmp/sumstats reports and the files they scored (../shared/golden, or
    $ARRHYTHMIA_GOLDEN_DIR); fails loudly when absent."""
    env = os.environ.get("ARRHYTHMIA_GOLDEN_DIR")
    d = Path(env) if env else REPO.parent / "shared" / "golden"
    if not (d / "bxb-arr-from-5min.txt").is_file():
        pytest.fail(f"golden WFDB reports not found at {d}: set ARRHYTHMIA_GOLDEN_DIR or put ../shared/golden beside the repo")
    return d


@pytest.fixture(scope="session")
def ltafdb(mitdb) -> Path:
    """The Long Term AF Database folder (annotations and headers only), beside the MIT-BIH one; fails when absent."""
    d = mitdb.parent / "ltafdb"
    if not (d / "30.hea").is_file():
        d = REPO.parent / "shared" / "data" / "ltafdb"
    if not (d / "30.hea").is_file():
        pytest.fail(f"ltafdb annotations not found at {d}: put ../shared/data/ltafdb beside the repo")
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


# DS1 records 101 106 119 208 209 train it; DS2 records 100 and 105 are its test side.
TINY_RECORDS = ("101", "106", "119", "208", "209", "100", "105")


@pytest.fixture(scope="session")
def tiny_bundle(mitdb, tmp_path_factory):
    """A morph_rr bundle trained for 2 epochs on a few records, exported to ONNX.

    With median channels, so that every annotate test exercises the patient-relative
    inputs being computed over the *detected* beats of a new recording.
    """
    from arrhythmia.export import export_onnx
    from arrhythmia.training import TrainConfig, train

    out = tmp_path_factory.mktemp("bundle") / "tiny"
    train(TrainConfig(model="morph_rr", epochs=2, seed=0, device="cpu", records=TINY_RECORDS, median_channels=True),
          mitdb, out,
          progress=False, verbose=False)
    export_onnx(out, mitdb, n_check=500)
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


@contextlib.contextmanager
def serve_folder(root):
    """Serve ``root`` over HTTP on 127.0.0.1 (a free port); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/"
    finally:
        srv.shutdown()
        srv.server_close()


# Records of the review-app tests: 119 (DS1, 448 V beats by the shipped model: bigeminy, trigeminy) and 100
# (DS2, almost all N). Annotated once per session by the shipped model, the way `arrhythmia annotate` does.
REVIEW_RECORDS = ("100", "119")


@pytest.fixture(scope="session")
def annotated_results(mitdb, tmp_path_factory):
    """``annotate`` outputs of :data:`REVIEW_RECORDS` in one results folder (never modified by tests)."""
    from arrhythmia.inference.annotate import annotate

    root = tmp_path_factory.mktemp("annotated") / "results"
    for r in REVIEW_RECORDS:
        annotate(mitdb / r, root / r)
    return root


@pytest.fixture
def results_copy(annotated_results, tmp_path):
    """A private copy of :func:`annotated_results` that a test may correct."""
    import shutil

    dst = tmp_path / "results"
    shutil.copytree(annotated_results, dst)
    return dst


@pytest.fixture(autouse=True)
def _environment_restored():
    """Every test leaves os.environ as it found it: a Dask LocalCluster sets OMP_NUM_THREADS=1 (and more) in its
    parent's environment, which would make later CLI subprocesses train with one thread, i.e. other weights."""
    saved = dict(os.environ)
    threads = _torch_threads()
    yield
    if os.environ != saved:
        os.environ.clear()
        os.environ.update(saved)
    left = _torch_threads()
    if threads is not None and left != threads:
        sys.modules["torch"].set_num_threads(threads)
        pytest.fail(f"the test left torch's thread count at {left} (was {threads}): later in-process "
                    "trainings would give other weights than a CLI subprocess")


def _torch_threads():
    """torch's intra-op thread count, or None when no test has imported torch yet (nothing to restore)."""
    return sys.modules["torch"].get_num_threads() if "torch" in sys.modules else None
