"""One error type and one message format for everything a user can get wrong.

The CLI turns :class:`ArrhythmiaError` into a single line on stderr and a
non-zero exit code; library users catch it like any ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class ArrhythmiaError(ValueError):
    """A problem with the user's input (a file, an option, a value)."""


def _fmt(value: Any) -> str:
    return repr(value)


def check_option(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise.

    Parameters
    ----------
    name : str
        The parameter's name as the user knows it (``'lead'``, ``'--split'``).
    value : object
        What the user gave.
    allowed : iterable
        The accepted values.

    Returns
    -------
    value : object
        ``value`` unchanged.

    Raises
    ------
    ArrhythmiaError
        ``Invalid value for 'lead': allowed 'MLII', 'V1'; got 'II'.``
    """
    allowed = list(allowed)
    if value not in allowed:
        raise ArrhythmiaError(
            f"Invalid value for {name!r}: allowed {', '.join(_fmt(a) for a in allowed)}; "
            f"got {_fmt(value)}."
        )
    return value


def file_error(path: Any, problem: str) -> ArrhythmiaError:
    """Build the error for a bad file: ``'<path>: <problem>'``."""
    return ArrhythmiaError(f"{path}: {problem}")
