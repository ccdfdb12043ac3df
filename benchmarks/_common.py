"""Helpers shared by the benchmark scripts: machine description and data folder."""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def today() -> str:
    return datetime.date.today().isoformat()


def data_dir() -> Path:
    from arrhythmia.datasets.location import resolve_data_dir

    d = resolve_data_dir(None)
    if not (d / "100.hea").is_file():
        raise SystemExit(f"MIT-BIH data not found in {d}: set ARRHYTHMIA_DATA_DIR")
    return d
