"""ECG strips on paper, at true scale: 1 mm and 5 mm grid, 25 mm/s, 10 mm/mV.

:func:`paper_strip` draws into an axes whose data units are millimetres, so
a figure laid out in millimetres prints at the scale a cardiologist reads.
"""

from __future__ import annotations

import numpy as np

from .figures import CLASS_COLORS

MM_PER_S = 25.0
MM_PER_MV = 10.0
GRID_MINOR, GRID_MAJOR = "#f6cfc6", "#e59a8a"


def paper_grid(ax, width_mm: float, height_mm: float) -> None:
    """The pink 1 mm / 5 mm grid over ``[0, width_mm] x [0, height_mm]`` (axes in mm, equal aspect)."""
    for v in np.arange(0, width_mm + 1e-6, 1.0):
        major = round(v) % 5 == 0
        ax.axvline(v, color=GRID_MAJOR if major else GRID_MINOR, lw=0.6 if major else 0.3, zorder=0)
    for v in np.arange(0, height_mm + 1e-6, 1.0):
        major = round(v) % 5 == 0
        ax.axhline(v, color=GRID_MAJOR if major else GRID_MINOR, lw=0.6 if major else 0.3, zorder=0)
    ax.set_xlim(0, width_mm)
    ax.set_ylim(0, height_mm)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_color(GRID_MAJOR)


def paper_strip(ax, signal, fs: float, start_s: float, duration_s: float, leads, samples=(), labels=(),
                lead_mm: float = 25.0, label_mm: float = 7.0, marks=()) -> None:
    """``duration_s`` of every lead of ``signal`` (mV, shape (n_leads, n)) from ``start_s``, on paper.

    Parameters
    ----------
    ax : matplotlib Axes
    signal : ndarray, shape (n_leads, n_samples)
    fs : float
    start_s, duration_s : float
    leads : sequence of str
    samples, labels : sequences
        Beats to mark with their class letter (colour-coded) above the leads.
    lead_mm : float
        Height of each lead's band (25 mm = 2.5 mV).
    label_mm : float
        Height of the band of beat letters at the top.
    marks : sequence of (start_s, end_s, text)
        Stretches to shade (episodes, pauses).
    """
    x = np.asarray(signal, dtype=float)
    n_leads = x.shape[0]
    width = duration_s * MM_PER_S
    height = n_leads * lead_mm + label_mm
    paper_grid(ax, width, height)
    a, b = int(round(start_s * fs)), min(int(round((start_s + duration_s) * fs)), x.shape[1])
    t_mm = (np.arange(a, b) / fs - start_s) * MM_PER_S
    for k in range(n_leads):
        seg = x[k, a:b]
        base = height - label_mm - (k + 0.6) * lead_mm
        y = base + (seg - np.median(seg)) * MM_PER_MV if seg.size else seg
        ax.plot(t_mm, y, color="black", lw=0.5, zorder=3, clip_on=True)
        ax.text(1.0, base + 0.3 * lead_mm, str(leads[k]), fontsize=6, color="0.3", zorder=4)
    samples = np.asarray(samples)
    labels = np.asarray(labels)
    inside = (samples >= a) & (samples < b)
    for s, c in zip(samples[inside], labels[inside]):
        ax.text((s / fs - start_s) * MM_PER_S, height - label_mm / 2, str(c), ha="center", va="center", fontsize=6,
                fontweight="bold", color=CLASS_COLORS.get(str(c), "black"), zorder=4)
    for m0, m1, text in marks:
        x0, x1 = max(0.0, (m0 - start_s) * MM_PER_S), min(width, (m1 - start_s) * MM_PER_S)
        if x1 > x0:
            ax.axvspan(x0, x1, color="#762a83", alpha=0.08, zorder=1)
            ax.text(x0 + 0.5, 1.0, text, fontsize=5.5, color="#762a83", zorder=4)
