"""CSV recordings: one column per lead, an optional header row of lead names, values in mV.

The layout is checked before any sample is used, and every problem is one
error naming the file, the line and the column:

* a header row must name every column (no column is taken for an index);
* every row holds as many values as the first one (a *ragged* row is
  reported as such), each a number (an empty cell is a missing sample);
* a column that rises at every sample is a time or sample axis and is left
  out, with a note; one whose *name* says it is a time axis (``time``,
  ``t``, ``seconds``, ``ms``, ``sample``, ``index``, ...) must rise at every
  sample, and is never read as a lead;
* a file with more columns than rows and no header is one lead per row:
  read as such, with a note (as one lead per column it would have more
  leads than samples).

Memory stays proportionate to the file: the values are parsed by
:func:`numpy.loadtxt` straight into one float64 array (about 8 bytes a
value). pandas' parser, used before, took over a gigabyte for a 4 MB file of
one long row, one column per value.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from ..errors import file_error

TIME_NAME = re.compile(r"^(t|time|times|timestamp|elapsed|sec|secs|seconds|s|ms|msec|us|sample|samples|"
                       r"sample_?(no|nr|number|index)|index|idx|n)([ _(\[].*)?$", re.IGNORECASE)
"""Column names that say "time or sample axis" (``time``, ``Time (s)``, ``time_ms``, ``sample #``...)."""
_PREVIEW = 40


def _first_line(path: Path) -> str:
    try:
        with path.open(encoding="utf-8-sig") as f:
            line = f.readline()
    except UnicodeDecodeError:
        raise file_error(path, "not a text CSV file") from None
    if "\x00" in line:
        raise file_error(path, "not a text CSV file (binary content)")
    return line


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _cells(line: str) -> list[str]:
    return [c.strip().strip('"').strip() for c in line.rstrip("\r\n").split(",")]


def _iter_cells(line: str):
    """The cells of ``line`` one at a time (a row of a million values is never held as a list)."""
    for m in re.finditer(r"[^,]*", line.rstrip("\r\n")):
        yield m.group().strip().strip('"').strip()


def _describe_bad_line(path: Path, start: int, width: int) -> str:
    """The first problem after the header: a ragged row, an empty cell or a value that is not a number.

    Only called once :func:`numpy.loadtxt` has refused the file: streams it line by line.
    """
    with path.open(encoding="utf-8-sig", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            if lineno <= start or not line.strip():
                continue
            cells = _cells(line)
            if len(cells) != width:
                n = len(cells)
                return f"ragged rows: line {lineno} has {n} value{'s' if n != 1 else ''}, the first row {width}"
            for col, c in enumerate(cells, 1):
                if c == "":
                    return f"line {lineno}, column {col}: empty cell (a missing sample)"
                if not _is_number(c):
                    hint = " (are the values separated by ';' or tabs? use commas)" if re.search(r"[;\t]", c) else ""
                    return f"line {lineno}, column {col}: {c[:_PREVIEW]!r} is not a number{hint}"
    return "not a numeric CSV"


def _load(path: Path, start: int, width: int) -> np.ndarray:
    try:
        with warnings.catch_warnings():  # "input contained no data": said below, in our words
            warnings.simplefilter("ignore", UserWarning)
            a = np.loadtxt(path, delimiter=",", skiprows=start, ndmin=2, dtype=np.float64, quotechar='"',
                           encoding="utf-8-sig", comments=None)
    except UnicodeDecodeError as exc:  # a ValueError too: first
        raise file_error(path, f"not a text CSV file (byte {exc.start} of a line is not UTF-8)") from None
    except ValueError:
        raise file_error(path, _describe_bad_line(path, start, width)) from None
    if a.size == 0:
        raise file_error(path, "no samples: the file has no data rows")
    if a.shape[1] != width:  # the first data row is narrower or wider than the header's
        raise file_error(path, f"the header names {width} column{'s' if width != 1 else ''}, the rows have "
                               f"{a.shape[1]} values: every column needs a name (none is taken for an index)")
    return a


def read_csv_columns(path, fs: float):
    """The signal and lead names of a CSV file: ``(signal (n_leads, n_samples), leads)``.

    Raises
    ------
    ArrhythmiaError
        Any layout problem of the module docstring, naming the file (and the line).
    """
    path = Path(path)
    first = _first_line(path)
    if not first.strip():
        raise file_error(path, "empty file: no header and no samples")
    width = first.count(",") + 1
    has_header = any(c and not _is_number(c) for c in _iter_cells(first))
    cells = _cells(first) if has_header else None
    if has_header and "" in cells:
        raise file_error(path, f"the header has an empty name in column {cells.index('') + 1}: every column "
                               "needs a name (none is taken for an index)")
    a = _load(path, 1 if has_header else 0, width)
    if not has_header and a.shape[1] > a.shape[0]:
        warnings.warn(f"{path}: {a.shape[0]} row(s) of {a.shape[1]} values read as {a.shape[0]} lead(s) x "
                      f"{a.shape[1]} samples (one lead per row)", stacklevel=3)
        return a, [f"lead{i}" for i in range(a.shape[0])]
    leads = cells if has_header else [f"lead{i}" for i in range(width)]
    if len(set(leads)) != len(leads):
        from collections import Counter

        dup = next(n for n, k in Counter(leads).items() if k > 1)
        raise file_error(path, f"column name {dup!r} appears twice in the header")
    signal = a.T
    keep = _drop_time_columns(path, signal, leads, fs)
    return signal[keep], [leads[i] for i in keep]


def _drop_time_columns(path, signal, leads, fs) -> list[int]:
    """Indices of the columns to keep: a strictly increasing column is a time or sample axis, not a lead.

    No ECG rises at every one of thousands of samples; a device's export often
    starts with such a column. It is left out with a note; when its steps
    agree with ``fs`` in none of samples, seconds, milliseconds and
    microseconds, ``fs`` or the file is wrong, and that is an error. A column
    named as a time axis (:data:`TIME_NAME`) that does not rise at every
    sample is an error, never a lead.
    """
    rising = [x.size > 2 and bool(np.all(np.diff(x) > 0)) for x in signal]
    for i, name in enumerate(leads):
        if TIME_NAME.match(name) and not rising[i] and len(leads) > 1:
            d = np.diff(signal[i])
            j = int(np.flatnonzero(~(d > 0))[0]) if d.size else 0
            where = f" (sample {j + 1}: {signal[i][j + 1]:g} after {signal[i][j]:g})" if d.size else ""
            raise file_error(path, f"column {name!r} is named as a time axis but does not rise at every "
                                   f"sample{where}; it is not read as a lead")
    if all(rising):  # nothing else to read: let the ECG checks speak
        return list(range(len(signal)))
    for i in np.flatnonzero(rising):
        step = float(np.median(np.diff(signal[i])))
        # a sample index (step 1), or a time in s, ms or us: one of them must give --fs
        if abs(step - 1.0) > 1e-9 and not any(abs(k / step - fs) <= 0.01 * fs for k in (1.0, 1e3, 1e6)):
            raise file_error(path, f"column {leads[i]!r} is a time axis with steps of {step:g}: {1 / step:g} Hz in "
                                   f"seconds, {1e3 / step:g} Hz in ms, {1e6 / step:g} Hz in us, none of them --fs {fs:g}")
        warnings.warn(f"{path}: column {leads[i]!r} rises at every sample: taken as a time axis and left out",
                      stacklevel=3)
    return [i for i, r in enumerate(rising) if not r]
