"""Report text, in one place: every table and summary the commands print or write as Markdown.

Ratios are printed as percentages by :func:`format_pct` (undefined, i.e. 0/0,
as ``n/a``: never 0 or 1).
"""

from __future__ import annotations

import numpy as np


def format_pct(v, digits: int = 1) -> str:
    """A ratio as a percentage for reports: ``0.7346 -> '73.5'``; None or NaN (undefined) -> ``'n/a'``."""
    return "n/a" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{100 * v:.{digits}f}"
