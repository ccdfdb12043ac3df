"""Times and numbers written the way WFDB's evaluators print them.

``bxb``, ``epicmp`` and ``sumstats`` print percentages with C's ``printf``
and durations with the WFDB library's ``mstimstr``; ``sumstats`` reads the
durations back with ``strtim`` at 1000 Hz. Reproducing their figures digit
for digit needs the same conversions, which live here (our own code, written
from the behaviour documented in the WFDB sources).
"""

from __future__ import annotations

import math
import re

_NUMBER = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")


def _leading_float(text: str) -> float:
    """C ``strtod`` on the start of ``text`` (0.0 when no number starts it)."""
    m = _NUMBER.match(text)
    return float(m.group(1)) if m else 0.0


def strtim(text: str, fs: float) -> int:
    """WFDB ``strtim`` for an elapsed time ``[[h:]m:]s[.fff]``, in samples at ``fs``.

    Parameters
    ----------
    text : str
        ``'300'``, ``'5:0'``, ``'1:47:51.301'``, ``'.15'`` ...
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    int
        ``(long)(seconds * fs + 0.5)``, as WFDB computes it.
    """
    parts = text.strip().split(":")
    vals = [_leading_float(p) for p in parts[:3]]
    if len(vals) == 1:
        seconds = vals[0]
    elif len(vals) == 2:
        seconds = 60.0 * vals[0] + vals[1]
    else:
        seconds = 3600.0 * vals[0] + 60.0 * vals[1] + vals[2]
    return int(seconds * fs + 0.5)


def seconds_to_samples(seconds: float, fs: float) -> int:
    """A time in seconds as WFDB turns a command-line time into samples: ``(long)(s*fs + 0.5)``."""
    return int(float(seconds) * fs + 0.5)


def mstimstr(t: int, fs: float) -> str:
    """WFDB ``mstimstr`` of an interval of ``t`` samples (no base time): ``'   5:05.967'`` or ``' 1:47:51.301'``."""
    t = abs(int(t))
    s = int(t / fs)
    msec = int((t - s * fs) * 1000 / fs + 0.5)
    if msec == 1000:
        msec, s = 0, s + 1
    seconds, minutes, hours = s % 60, (s // 60) % 60, s // 3600
    if hours > 0:
        return f"{hours:2d}:{minutes:02d}:{seconds:02d}.{msec:03d}"
    return f"   {minutes:2d}:{seconds:02d}.{msec:03d}"


def zmstimstr(t: int, fs: float) -> str:
    """``epicmp``'s duration field: :func:`mstimstr`, or ``'       0.000'`` for 0."""
    return mstimstr(t, fs) if t else "       0.000"


def pct_or_dash(num: float, den: float, fmt: str, dash: str) -> str:
    """``printf(fmt, 100.*num/den)``, or ``dash`` when ``den <= 0`` (WFDB's ``pstat``/``rstat``)."""
    if den <= 0:
        return dash
    return fmt % (100.0 * num / den)


def rounded_percent(num: float, den: float) -> str:
    """``epicmp``'s integer percentage ``' %3d'`` of ``(int)(100.*num/den + 0.5)``, or ``'   -'``."""
    if den <= 0:
        return "   -"
    return " %3d" % int(100.0 * num / den + 0.5)


def ratio(num: float, den: float) -> float:
    """``num / den``, or NaN when the denominator is zero (undefined, never 0 or 1)."""
    return float(num) / float(den) if den else math.nan
