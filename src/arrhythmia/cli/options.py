"""Types of option values: a number given on the command line is checked before any work is done."""

from __future__ import annotations

import argparse
import math


def finite_float(text: str) -> float:
    """An option's number: finite (``nan``, ``inf`` refused before any work)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"allowed a number; got {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"allowed a finite number; got {text!r}")
    return v


def positive_float(text: str) -> float:
    """A finite number above 0 (a rate, a learning rate, a duration)."""
    v = finite_float(text)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"allowed a positive number; got {text!r}")
    return v
