"""The PhysioNet download path, offline: ../shared/data/mitdb served on 127.0.0.1
with PhysioNet's layout (<index>/mitdb/1.0.0/<file>)."""

import os

import pytest

from arrhythmia import ArrhythmiaError
from arrhythmia.datasets.fetch import fetch_mitdb, is_complete
from conftest import run_cli, serve_folder


@pytest.fixture
def physionet(mitdb, tmp_path):
    """A local HTTP server laid out like https://physionet.org/files/."""
    root = tmp_path / "www"
    db = root / "mitdb" / "1.0.0"
    db.mkdir(parents=True)
    names = sorted({p.stem for p in mitdb.glob("*.hea")})
    for f in mitdb.iterdir():
        os.symlink(f, db / f.name)
    (db / "RECORDS").write_text("\n".join(names) + "\n")
    with serve_folder(root) as url:
        yield url, db


def test_fetch_all_records_through_cli(physionet, tmp_path, mitdb):
    url, _ = physionet
    target = tmp_path / "data"
    p = run_cli("data", "fetch", "--data-dir", target, "--index-url", url)
    assert p.returncode == 0, p.stderr
    assert is_complete(target)
    for ext in ("hea", "dat", "atr"):
        assert (target / f"208.{ext}").read_bytes() == (mitdb / f"208.{ext}").read_bytes()
    assert not [p for p in target.iterdir() if p.name.startswith(".fetch")]  # temp folder gone
    # a second fetch finds it complete
    assert run_cli("data", "fetch", "--data-dir", target, "--index-url", url).returncode == 0


def test_failed_download_leaves_target_untouched(physionet, tmp_path):
    url, db = physionet
    (db / "101.atr").unlink()  # the server now answers 404 for it
    target = tmp_path / "data"
    with pytest.raises(ArrhythmiaError, match=r"101\.atr: download failed"):
        fetch_mitdb(target, index_url=url, records=("100", "101"), progress=False)
    assert list(target.iterdir()) == []


def test_corrupt_download_is_rejected(physionet, tmp_path, mitdb):
    url, db = physionet
    (db / "100.dat").unlink()
    data = bytearray((mitdb / "100.dat").read_bytes())
    data[5000] ^= 0x10
    (db / "100.dat").write_bytes(bytes(data))
    target = tmp_path / "data"
    with pytest.raises(ArrhythmiaError, match="failed verification: .*100.dat: checksum mismatch"):
        fetch_mitdb(target, index_url=url, records=("100",), progress=False)
    assert list(target.iterdir()) == []
