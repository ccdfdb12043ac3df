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
