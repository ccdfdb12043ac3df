"""PhysioNet beat-annotated databases the tool can fetch and evaluate on.

The MIT-BIH Arrhythmia Database (``mitdb``) is the one models are trained on;
the others are *external* test sets: other patients, other recorders, other
sampling rates, other leads. A model trained on MIT-BIH and scored on them
through the whole automatic pipeline (``arrhythmia evaluate --detect
--data-dir DIR --records all``) is tested on recordings no design decision of
this project ever saw.

==========  ======================================  =======  ===========================
name        database                                rate     leads
==========  ======================================  =======  ===========================
mitdb       MIT-BIH Arrhythmia (48 records)         360 Hz   MLII + V1/V2/V4/V5
svdb        MIT-BIH Supraventricular Arrhythmia     128 Hz   ECG1, ECG2 (unspecified)
            (78 records, rich in S beats)
incartdb    St Petersburg INCART 12-lead            257 Hz   I ... V6 (lead II is used
            Arrhythmia (75 records, 32 patients)             where a model asks for MLII)
==========  ======================================  =======  ===========================

Every record's reference beats are in its ``.atr`` file, with the MIT-BIH
symbols that :mod:`arrhythmia.labels` maps to AAMI classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ArrhythmiaError, check_option, file_error
from .records import DS1, DS2, MITDB_RECORDS, MITDB_SLUG, MITDB_VERSION


@dataclass(frozen=True)
class Database:
    """One PhysioNet database.

    Attributes
    ----------
    slug, version : str
        Its place on PhysioNet: ``<index>/<slug>/<version>/<file>``.
    title : str
    records : tuple of str or None
        The record names, or None to read them from the database's
        ``RECORDS`` file at download time.
    credit : str
        Whom to cite when using it (all three are ODC-BY 1.0).
    """

    slug: str
    version: str
    title: str
    records: tuple[str, ...] | None
    credit: str


DATABASES: dict[str, Database] = {
    "mitdb": Database(MITDB_SLUG, MITDB_VERSION, "MIT-BIH Arrhythmia Database", MITDB_RECORDS,
                      "Moody GB, Mark RG. IEEE Eng Med Biol 20(3):45-50 (2001)"),
    "svdb": Database("svdb", "1.0.0", "MIT-BIH Supraventricular Arrhythmia Database", None,
                     "Greenwald SD, Patil RS, Mark RG. Computers in Cardiology 17:461-464 (1990)"),
    "incartdb": Database("incartdb", "1.0.0", "St Petersburg INCART 12-lead Arrhythmia Database", None,
                         "PhysioNet: St Petersburg INCART 12-lead Arrhythmia Database, version 1.0.0"),
}
"""The databases ``arrhythmia data fetch --database`` knows, by name."""


def get_database(name: str) -> Database:
    """The :class:`Database` of that name (one-line error naming the allowed ones otherwise)."""
    check_option("--database", name, DATABASES)
    return DATABASES[name]


def read_records_file(path) -> tuple[str, ...]:
    """Record names listed in a WFDB ``RECORDS`` file, one a line (blank lines skipped)."""
    return tuple(line.strip() for line in Path(path).read_text().splitlines() if line.strip())


def list_records(data_dir) -> tuple[str, ...]:
    """Every record of a folder: its ``RECORDS`` file, else each ``.hea`` with an ``.atr`` beside it.

    Parameters
    ----------
    data_dir : str or Path

    Returns
    -------
    tuple of str
        Record names, in the ``RECORDS`` file's order or sorted.

    Raises
    ------
    ArrhythmiaError
        The folder is missing or holds no annotated record.
    """
    d = Path(data_dir)
    if not d.is_dir():
        raise file_error(d, "data directory not found (set --data-dir or ARRHYTHMIA_DATA_DIR, or run 'arrhythmia data fetch')")
    listing = d / "RECORDS"
    if listing.is_file():
        names = read_records_file(listing)
    else:
        names = tuple(sorted(p.stem for p in d.glob("*.hea") if p.with_suffix(".atr").is_file()))
    if not names:
        raise file_error(d, "no annotated WFDB record (.hea with .atr) and no RECORDS file in this folder")
    return names


def resolve_records(spec: str, data_dir) -> tuple[str, ...]:
    """Turn a ``--records`` value into record names present in ``data_dir``.

    Parameters
    ----------
    spec : str
        ``all`` (every record of the folder, see :func:`list_records`),
        ``DS1`` or ``DS2`` (de Chazal's MIT-BIH partition), or a
        comma-separated list of record names.
    data_dir : str or Path

    Returns
    -------
    tuple of str

    Raises
    ------
    ArrhythmiaError
        A named record has no header in ``data_dir``.
    """
    key = spec.strip().lower()
    if key == "all":
        return list_records(data_dir)
    recs = {"ds1": DS1, "ds2": DS2}.get(key) or tuple(r.strip() for r in spec.split(",") if r.strip())
    d = Path(data_dir)
    if not d.is_dir():
        raise file_error(d, "data directory not found (set --data-dir or ARRHYTHMIA_DATA_DIR, or run 'arrhythmia data fetch')")
    missing = [r for r in recs if not (d / f"{r}.hea").is_file()]
    if missing or not recs:
        raise ArrhythmiaError(f"Invalid value for '--records': allowed all, DS1, DS2 or names of records in {d}; "
                              f"got {', '.join(missing) or repr(spec)}.")
    return recs
