"""Helpers shared by the benchmark scripts: machine description and data folder."""

from __future__ import annotations

import datetime
from pathlib import Path

from arrhythmia.environment import machine  # noqa: F401  (re-exported for the scripts)


def today() -> str:
    return datetime.date.today().isoformat()


def data_dir() -> Path:
    from arrhythmia.datasets.location import resolve_data_dir

    d = resolve_data_dir(None)
    if not (d / "100.hea").is_file():
        raise SystemExit(f"MIT-BIH data not found in {d}: set ARRHYTHMIA_DATA_DIR")
    return d


def joined_mitdb(d: Path):
    """The 48 MIT-BIH records joined end to end (MLII and the other lead): a 24-hour two-lead Recording, and a
    minute of record 100 for a warm-up."""
    from dataclasses import replace

    import numpy as np

    from arrhythmia.datasets.records import MITDB_RECORDS
    from arrhythmia.io.wfdb_io import read_wfdb

    parts = [read_wfdb(Path(d) / r).select_leads(("MLII", "other")) for r in MITDB_RECORDS]
    rec = replace(parts[0], signal=np.concatenate([p.signal for p in parts], axis=1), name="joined")
    return rec, replace(parts[0], signal=parts[0].signal[:, : int(60 * parts[0].fs)])
