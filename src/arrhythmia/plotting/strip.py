"""The annotated ECG strip: each beat's class colour-coded with its confidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .figures import CLASS_COLORS, _plt

SHADE_COLORS = {"unreadable": "0.6", "(AFIB": "#fdae6b", "(AFL": "#fdd0a2"}
SHADE_LABELS = {"unreadable": "unreadable", "(AFIB": "AF", "(AFL": "flutter"}


def plot_strip(signal, fs: float, samples, labels, confidence, path, start_s: float = 0.0,
               duration_s: float = 60.0, seconds_per_row: float = 10.0, review_below: float = 0.6,
               title: str = "", lead: str = "", shade=()) -> Path:
    """One page: ``duration_s`` of one lead from ``start_s``, in rows of ``seconds_per_row``.

    Each detected beat gets its class letter in the class colour and its
    confidence; beats under ``review_below`` are circled in red with a '?'.
    ``shade``: ``(start_s, end_s, kind)`` stretches drawn behind the signal,
    grey for ``'unreadable'``, orange for an AF/flutter rhythm (``'(AFIB'``,
    ``'(AFL'``).
    """
    plt = _plt()
    x = np.asarray(signal, dtype=float)
    samples = np.asarray(samples)
    conf = np.asarray(confidence, dtype=float)
    n_rows = max(1, int(np.ceil(duration_s / seconds_per_row)))
    fig, axes = plt.subplots(n_rows, 1, figsize=(16, 2.1 * n_rows + 0.6), squeeze=False)
    for r, ax in enumerate(axes[:, 0]):
        t0 = start_s + r * seconds_per_row
        a, b = int(t0 * fs), min(int((t0 + seconds_per_row) * fs), x.size)
        if a >= x.size:
            ax.set_axis_off()
            continue
        t = np.arange(a, b) / fs
        for s0, s1, kind in shade:
            if s1 > t0 and s0 < t0 + seconds_per_row:
                ax.axvspan(max(s0, t0), min(s1, t0 + seconds_per_row), color=SHADE_COLORS.get(kind, "#fdd49e"),
                           alpha=0.35, lw=0, zorder=0)
        ax.plot(t, x[a:b], color="0.2", lw=0.7)
        lo, hi = (np.percentile(x[a:b], [0.5, 99.5]) if b > a else (0, 1))
        span = max(hi - lo, 1e-3)
        ax.set_ylim(lo - 0.35 * span, hi + 0.45 * span)
        ax.set_xlim(t0, t0 + seconds_per_row)
        m = (samples >= a) & (samples < b)
        for s, lab, c in zip(samples[m], np.asarray(labels)[m], conf[m]):
            ts = s / fs
            color = CLASS_COLORS.get(lab, "k")
            ax.axvline(ts, color=color, alpha=0.25, lw=3)
            ax.text(ts, hi + 0.18 * span, lab, color=color, ha="center", fontsize=10, fontweight="bold")
            ax.text(ts, lo - 0.28 * span, f"{c:.2f}", color=color, ha="center", fontsize=7)
            if c < review_below:
                ax.plot(ts, hi + 0.3 * span, "o", mfc="none", mec="red", ms=14, mew=1.5)
                ax.text(ts + 0.12, hi + 0.3 * span, "?", color="red", fontsize=10)
        ax.set_yticks([])
        ax.set_xlabel("s", fontsize=8, labelpad=-2)
        ax.tick_params(labelsize=8)
    handles = [plt.Line2D([], [], color=c, lw=3, label=k) for k, c in CLASS_COLORS.items()]
    for kind in dict.fromkeys(k for _, _, k in shade):
        handles.append(plt.Rectangle((0, 0), 1, 1, color=SHADE_COLORS.get(kind, "#fdd49e"), alpha=0.35,
                                     label=SHADE_LABELS.get(kind, kind)))
    handles.append(plt.Line2D([], [], marker="o", mfc="none", mec="red", ls="", label=f"review (< {review_below:.2f})"))
    fig.legend(handles=handles, loc="upper right", ncol=len(handles), fontsize=8)
    fig.suptitle(title + (f"  (lead {lead})" if lead else ""), x=0.01, ha="left", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return Path(path)
