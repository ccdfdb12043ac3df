"""Where data and caches live.

Resolution order for the record directory: an explicit argument (the CLI's
``--data-dir``), else ``$ARRHYTHMIA_DATA_DIR``, else a per-user cache folder
(``$XDG_CACHE_HOME/arrhythmia/mitdb`` or ``~/.cache/arrhythmia/mitdb``).
Nothing here creates a folder: callers that write create what they need.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "ARRHYTHMIA_DATA_DIR"
CACHE_ENV = "ARRHYTHMIA_CACHE_DIR"


def user_cache_root() -> Path:
    """Per-user cache root: ``$ARRHYTHMIA_CACHE_DIR`` or ``$XDG_CACHE_HOME/arrhythmia``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "arrhythmia"


def resolve_data_dir(data_dir=None) -> Path:
    """Return the MIT-BIH record directory.

    Parameters
    ----------
    data_dir : str or Path or None
        Explicit directory; wins over the environment.

    Returns
    -------
    Path
        The directory (it may not exist yet; see ``arrhythmia data fetch``).
    """
    if data_dir:
        return Path(data_dir).expanduser()
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    return user_cache_root() / "mitdb"


def beat_cache_dir() -> Path:
    """Folder for cached beat extractions."""
    return user_cache_root() / "beats"
