"""Download the MIT-BIH Arrhythmia Database from PhysioNet and verify it.

The download goes through ``wfdb``'s own PhysioNet client
(:func:`wfdb.io.download.dl_pn_file`) file by file, so that a progress bar can
follow it, from ``<index_url>/mitdb/1.0.0/<file>``, the layout PhysioNet
serves. Files land in a temporary folder inside the target and are moved in
only after every record passed verification: an interrupted or corrupt
download leaves the target as it was.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ArrhythmiaError
from .records import MITDB_RECORDS, MITDB_SLUG, MITDB_VERSION

PHYSIONET_INDEX_URL = "https://physionet.org/files/"
EXTENSIONS = ("hea", "dat", "atr")


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify_database`.

    Attributes
    ----------
    ok : tuple of str
        Records that read back with matching checksums and annotations.
    problems : tuple of str
        One line per record that failed, naming the file and the problem.
    """

    ok: tuple[str, ...]
    problems: tuple[str, ...]


def verify_database(data_dir, records=MITDB_RECORDS, progress: bool = False) -> VerifyResult:
    """Check that every record is present, reads, and matches its header checksums.

    Parameters
    ----------
    data_dir : str or Path
    records : sequence of str
    progress : bool
        Show a progress bar.

    Returns
    -------
    VerifyResult
    """
    from tqdm.auto import tqdm

    from ..io.wfdb_io import read_wfdb

    data_dir = Path(data_dir)
    ok, problems = [], []
    for rec in tqdm(records, desc="verify", unit="record", disable=not progress):
        try:
            read_wfdb(data_dir / rec, annotator="atr", verify=True)
            ok.append(rec)
        except ArrhythmiaError as exc:
            problems.append(str(exc))
    return VerifyResult(tuple(ok), tuple(problems))


def is_complete(data_dir, records=MITDB_RECORDS) -> bool:
    """True when every record's three files are present (no content check)."""
    d = Path(data_dir)
    return all((d / f"{r}.{e}").is_file() for r in records for e in EXTENSIONS)


def fetch_mitdb(data_dir, index_url: str = PHYSIONET_INDEX_URL, records=MITDB_RECORDS,
                progress: bool = True, overwrite: bool = False) -> Path:
    """Download the MIT-BIH Arrhythmia Database into ``data_dir`` and verify it.

    Parameters
    ----------
    data_dir : str or Path
        Target folder; created if needed. Files already there and complete
        are kept unless ``overwrite``.
    index_url : str
        PhysioNet's file index (``https://physionet.org/files/``) or a mirror
        with the same layout.
    records : sequence of str
    progress : bool
    overwrite : bool

    Returns
    -------
    Path
        ``data_dir``.

    Raises
    ------
    ArrhythmiaError
        Network failure or a record that does not verify; nothing is moved
        into ``data_dir`` then.
    """
    import wfdb.io.download as download
    from tqdm.auto import tqdm

    data_dir = Path(data_dir)
    if not overwrite and is_complete(data_dir, records):
        result = verify_database(data_dir, records, progress=progress)
        if result.problems:
            raise ArrhythmiaError(f"{result.problems[0]} (run 'arrhythmia data fetch --overwrite' to download again)")
        return data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".fetch-", dir=data_dir))
    old_url = download.config.db_index_url
    db = f"{MITDB_SLUG}/{MITDB_VERSION}"
    files = [f"{r}.{e}" for r in records for e in EXTENSIONS]
    try:
        download.set_db_index_url(index_url if index_url.endswith("/") else index_url + "/")
        for f in tqdm(files, desc="download mitdb", unit="file", disable=not progress):
            try:
                download.dl_pn_file((f, "", db, str(tmp), False, True))
            except Exception as exc:
                raise ArrhythmiaError(f"{index_url.rstrip('/')}/{db}/{f}: download failed ({exc})") from None
        result = verify_database(tmp, records)
        if result.problems:
            raise ArrhythmiaError(f"downloaded data failed verification: {result.problems[0]}")
        for f in files:
            shutil.move(str(tmp / f), str(data_dir / f))
    finally:
        download.set_db_index_url(old_url)
        shutil.rmtree(tmp, ignore_errors=True)
    return data_dir
