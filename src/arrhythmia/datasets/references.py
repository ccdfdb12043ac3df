"""Record references: which database a record comes from, and which patient it is.

A :class:`RecordRef` names one record of one database; its ``patient`` comes
from the database's patient map, so that splits can keep every patient on one
side. MIT-BIH records 201 and 202 are the same person (MIT-BIH Arrhythmia
Database directory), so they form one patient, ``mitdb:201``. Every other
record of the databases known here is its own patient (the MIT-BIH
Supraventricular Arrhythmia Database's 78 records come from 78 patients; the
Long Term AF Database's 84 from 84). INCART's 75 records come from 32 patients,
but PhysioNet publishes no record-to-patient table; its records are each their
own patient here, which a split over INCART patients must not rely on.

A training pool is written as specs, ``DATABASE:SELECTION``:

=================  ===============================================
``mitdb:DS1``      de Chazal's training records (``DS2`` likewise)
``mitdb:all``      every record of the database (its ``RECORDS`` file, or its fixed list)
``svdb:all``       every record found in the svdb folder
``mitdb:100,101``  named records
``DS1``            a spec without a database is MIT-BIH's
=================  ===============================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ArrhythmiaError, check_option, file_error

PATIENT_MAPS: dict[str, dict[str, str]] = {
    "mitdb": {"202": "201"},  # 201 and 202 were recorded from the same man (MIT-BIH directory of records)
}
"""Per database: record -> the record that names its patient (records absent here are their own patient)."""


@dataclass(frozen=True, order=True)
class RecordRef:
    """One record of one database.

    Attributes
    ----------
    database : str
        Database name (``'mitdb'``, ``'svdb'``, ...; see :data:`~arrhythmia.datasets.databases.DATABASES`).
    record : str
        Record name within it (``'201'``).
    """

    database: str
    record: str

    @property
    def patient(self) -> str:
        """The patient, unique across databases (``'mitdb:201'`` for records 201 and 202)."""
        return patient_of(self.database, self.record)

    @property
    def key(self) -> str:
        """``'database:record'``, unique across databases."""
        return f"{self.database}:{self.record}"

    @classmethod
    def parse(cls, key: str) -> "RecordRef":
        """``'svdb:804'`` -> RecordRef('svdb', '804'); a bare ``'100'`` is MIT-BIH's."""
        db, _, rec = str(key).rpartition(":")
        return cls(db or "mitdb", rec)

    def __str__(self) -> str:
        return self.key


def patient_of(database: str, record: str) -> str:
    """The patient of ``record`` in ``database``, as ``'database:record-of-the-patient'``."""
    return f"{database}:{PATIENT_MAPS.get(database, {}).get(record, record)}"


def refs(database: str, records) -> tuple[RecordRef, ...]:
    """References to ``records`` of one database."""
    return tuple(RecordRef(database, r) for r in records)


@dataclass(frozen=True)
class DataRoots:
    """Where each database's records are on this machine.

    Parameters
    ----------
    mitdb : str or Path, optional
        The MIT-BIH folder (default: :func:`arrhythmia.datasets.location.resolve_data_dir`).
    others : dict of str -> Path, optional
        Explicit folders of other databases (the CLI's ``--db-dir NAME=DIR``).

    A database without an explicit folder is looked for, in this order, in
    ``$ARRHYTHMIA_<NAME>_DIR``, beside the MIT-BIH folder (``<parent of
    mitdb>/<name>``, as PhysioNet's tree and ``../shared/data`` lay them out),
    and in the user cache (``<cache>/<name>``, where ``arrhythmia data fetch
    --database NAME`` puts it).
    """

    mitdb: Path | None = None
    others: tuple = ()

    def __post_init__(self):
        from .location import resolve_data_dir

        object.__setattr__(self, "mitdb", resolve_data_dir(self.mitdb))
        object.__setattr__(self, "others", tuple(sorted(dict(self.others).items())))

    def candidates(self, database: str) -> list[Path]:
        """The folders tried for ``database``, in order."""
        from .databases import DATABASES
        from .location import user_cache_root

        check_option("database", database, DATABASES)
        if database == "mitdb":
            return [self.mitdb]
        explicit = dict(self.others).get(database)
        if explicit is not None:
            return [Path(explicit).expanduser()]
        out = []
        env = os.environ.get(f"ARRHYTHMIA_{database.upper()}_DIR")
        if env:
            out.append(Path(env).expanduser())
        out += [self.mitdb.parent / database, user_cache_root() / database]
        return out

    def folder(self, database: str) -> Path:
        """The folder of ``database``: the first candidate that exists.

        Raises
        ------
        ArrhythmiaError
            None exists; the message says where it looked and how to fetch it.
        """
        cands = self.candidates(database)
        for c in cands:
            if c.is_dir():
                return c
        hint = ("set --data-dir or ARRHYTHMIA_DATA_DIR, or run 'arrhythmia data fetch'" if database == "mitdb" else
                f"give --db-dir {database}=DIR or set ARRHYTHMIA_{database.upper()}_DIR, or run "
                f"'arrhythmia data fetch --database {database}'")
        raise file_error(cands[0], f"{database} data directory not found (looked in {', '.join(map(str, cands))}; {hint})")

    def path(self, ref: RecordRef) -> Path:
        """``folder/record`` (no extension) of one record."""
        return self.folder(ref.database) / ref.record


def parse_db_dirs(items) -> dict:
    """``['svdb=/data/svdb', ...]`` (the CLI's ``--db-dir``) -> ``{'svdb': Path(...)}``."""
    from .databases import DATABASES

    out = {}
    for item in items or ():
        name, sep, folder = str(item).partition("=")
        if not sep or not folder:
            raise ArrhythmiaError(f"Invalid value for '--db-dir': allowed NAME=DIR; got {item!r}.")
        check_option("--db-dir", name, DATABASES)
        out[name] = Path(folder).expanduser()
    return out


def resolve_spec(spec: str, roots: DataRoots) -> tuple[RecordRef, ...]:
    """The records a spec (``'mitdb:DS1'``, ``'svdb:all'``, ``'mitdb:100,101'``) names, checked against the folder.

    Raises
    ------
    ArrhythmiaError
        An unknown database, an empty selection, a missing folder, or a named
        record without a header, naming them.
    """
    from .databases import DATABASES, resolve_records

    spec = str(spec).strip()
    db, sep, selection = spec.partition(":")
    if not sep:
        db, selection = "mitdb", spec
    check_option("database", db, DATABASES)
    if not selection:
        raise ArrhythmiaError(f"Invalid value for '--train': allowed DATABASE:SELECTION (e.g. mitdb:DS1, svdb:all); "
                              f"got {spec!r}.")
    folder = roots.folder(db)
    if db != "mitdb" and selection.strip().upper() in ("DS1", "DS2"):
        raise ArrhythmiaError(f"Invalid value for '--train': DS1 and DS2 are MIT-BIH record sets; got {spec!r}.")
    return refs(db, resolve_records(selection, folder))


def resolve_specs(specs, roots: DataRoots) -> tuple[RecordRef, ...]:
    """The records of several specs, in order, each once."""
    out = []
    for s in specs:
        out += resolve_spec(s, roots)
    return tuple(dict.fromkeys(out))
