"""Download a PhysioNet database (the MIT-BIH Arrhythmia Database by default) and verify it.

The download goes through ``wfdb``'s own PhysioNet client
(:func:`wfdb.io.download.dl_pn_file`) file by file, so that a progress bar can
follow it, from ``<index_url>/<slug>/<version>/<file>`` (``mitdb/1.0.0``, ...),
the layout PhysioNet serves. Files land in a temporary folder inside the
target and are moved in only after every record passed verification: an
interrupted or corrupt download leaves the target as it was. A database
without a fixed record list (:data:`~arrhythmia.datasets.databases.DATABASES`)
is listed by its ``RECORDS`` file, which is kept beside the records.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ArrhythmiaError
from .databases import get_database, read_records_file
from .records import MITDB_RECORDS

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


def _local_records(data_dir, database) -> tuple[str, ...] | None:
    """The record list a complete earlier download left: fixed, or its RECORDS file; None if absent."""
    if database.records is not None:
        return database.records
    listing = Path(data_dir) / "RECORDS"
    return (read_records_file(listing) or None) if listing.is_file() else None


def fetch_mitdb(data_dir, index_url: str = PHYSIONET_INDEX_URL, records=MITDB_RECORDS,
                progress: bool = True, overwrite: bool = False) -> Path:
    """Download the MIT-BIH Arrhythmia Database into ``data_dir`` and verify it.

    See :func:`fetch_database`, of which this is the ``"mitdb"`` case.
    """
    return fetch_database("mitdb", data_dir, index_url=index_url, records=records, progress=progress,
                          overwrite=overwrite)


def fetch_database(name: str, data_dir, index_url: str = PHYSIONET_INDEX_URL, records=None,
                   progress: bool = True, overwrite: bool = False) -> Path:
    """Download a PhysioNet database into ``data_dir`` and verify it.

    Parameters
    ----------
    name : str
        ``"mitdb"``, ``"svdb"`` or ``"incartdb"``
        (:data:`~arrhythmia.datasets.databases.DATABASES`).
    data_dir : str or Path
        Target folder; created if needed. Files already there and complete
        are kept unless ``overwrite``.
    index_url : str
        PhysioNet's file index (``https://physionet.org/files/``) or a mirror
        with the same layout.
    records : sequence of str, optional
        A subset; default: the database's fixed list, else its ``RECORDS``
        file (downloaded first and kept in ``data_dir``).
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

    database = get_database(name)
    data_dir = Path(data_dir)
    known = tuple(records) if records is not None else _local_records(data_dir, database)
    if not overwrite and known and is_complete(data_dir, known):
        result = verify_database(data_dir, known, progress=progress)
        if result.problems:
            raise ArrhythmiaError(f"{result.problems[0]} (run 'arrhythmia data fetch --overwrite' to download again)")
        return data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".fetch-", dir=data_dir))
    old_url = download.config.db_index_url
    db = f"{database.slug}/{database.version}"

    def get(f):
        try:
            download.dl_pn_file((f, "", db, str(tmp), False, True))
        except Exception as exc:
            raise ArrhythmiaError(f"{index_url.rstrip('/')}/{db}/{f}: download failed ({exc})") from None

    try:
        download.set_db_index_url(index_url if index_url.endswith("/") else index_url + "/")
        extra = []
        if records is None and database.records is None:
            get("RECORDS")
            records = read_records_file(tmp / "RECORDS")
            if not records:
                raise ArrhythmiaError(f"{index_url.rstrip('/')}/{db}/RECORDS: no record listed")
            extra = ["RECORDS"]
        records = tuple(records if records is not None else database.records)
        files = [f"{r}.{e}" for r in records for e in EXTENSIONS]
        for f in tqdm(files, desc=f"download {database.slug}", unit="file", disable=not progress):
            get(f)
        result = verify_database(tmp, records)
        if result.problems:
            raise ArrhythmiaError(f"downloaded data failed verification: {result.problems[0]}")
        for f in files + extra:
            shutil.move(str(tmp / f), str(data_dir / f))
    finally:
        download.set_db_index_url(old_url)
        shutil.rmtree(tmp, ignore_errors=True)
    return data_dir
