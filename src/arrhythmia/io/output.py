"""Output folders that appear whole or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import file_error


def check_output(out, marker: str) -> Path:
    """Refuse an ``out`` that exists and is not an earlier output of ours (holding ``marker``)."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / marker).is_file())):
        raise file_error(out, f"output exists and holds no {marker} of an earlier run; choose another --out")
    return out


@contextmanager
def output_folder(out, marker: str):
    """Write into a temporary folder beside ``out``; move it into place only on success.

    On any error (or Ctrl-C) the temporary folder is removed and ``out`` is
    left as it was. An earlier output of ours (holding ``marker``) is replaced.

    Yields
    ------
    Path
        The temporary folder to write into.
    """
    out = check_output(out, marker)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        yield tmp
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
