"""The annotated ECG strip: each beat's class colour-coded with its confidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..evaluation.calibration import review_mask, review_text
from .figures import CLASS_COLORS, _plt
from .glyphs import draw_texts

SHADE_COLORS = {"unreadable": "0.6", "(AFIB": "#fdae6b", "(AFL": "#fdd0a2"}
SHADE_LABELS = {"unreadable": "unreadable", "(AFIB": "AF", "(AFL": "flutter"}
STRIP_RC = {"xtick.labelsize": 8, "ytick.left": False, "ytick.labelleft": False, "xtick.minor.visible": False}


def plot_strip(signal, fs: float, samples, labels, confidence, path, start_s: float = 0.0,
               duration_s: float = 60.0, seconds_per_row: float = 10.0, review_below: float | dict = 0.6,
               title: str = "", lead: str = "", shade=()) -> Path:
    """One page: ``duration_s`` of one lead from ``start_s``, in rows of ``seconds_per_row``.

    Each detected beat gets its class letter in the class colour and its
    confidence; beats under ``review_below`` (one threshold, or one per class:
    :func:`arrhythmia.evaluation.calibration.review_mask`) are circled in red with a '?'.
    ``shade``: ``(start_s, end_s, kind)`` stretches drawn behind the signal,
    grey for ``'unreadable'``, orange for an AF/flutter rhythm (``'(AFIB'``,
    ``'(AFL'``).
    """
    plt = _plt()
    x = np.asarray(signal, dtype=float)
    samples = np.asarray(samples)
    conf = np.asarray(confidence, dtype=float)
    n_rows = max(1, int(np.ceil(duration_s / seconds_per_row)))
    # tick styles set before the axes exist: changing them afterwards (tick_params) rebuilds every tick
    with plt.rc_context(STRIP_RC):
        fig, axes = plt.subplots(n_rows, 1, figsize=(16, 2.1 * n_rows + 0.6), squeeze=False)
        _rows(axes[:, 0], x, fs, samples, labels, conf, start_s, seconds_per_row, review_below, shade)
    handles = [plt.Line2D([], [], color=c, lw=3, label=k) for k, c in CLASS_COLORS.items()]
    for kind in dict.fromkeys(k for _, _, k in shade):
        handles.append(plt.Rectangle((0, 0), 1, 1, color=SHADE_COLORS.get(kind, "#fdd49e"), alpha=0.35,
                                     label=SHADE_LABELS.get(kind, kind)))
    handles.append(plt.Line2D([], [], marker="o", mfc="none", mec="red", ls="",
                              label=f"review ({review_text(review_below)})"))
    fig.legend(handles=handles, loc="upper right", ncol=len(handles), fontsize=8)
    fig.suptitle(title + (f"  (lead {lead})" if lead else ""), x=0.01, ha="left", fontsize=10)
    # fixed margins (in inches, so the same for any number of rows) instead of tight_layout, which lays out
    # every text of the page once more only to measure it
    h = fig.get_figheight()
    fig.subplots_adjust(left=0.012, right=0.992, bottom=0.45 / h, top=1 - 0.55 / h, hspace=0.42 * n_rows / h)
    fig.savefig(path, dpi=90, pil_kwargs={"compress_level": 1})  # the same pixels as level 6, about as small, faster
    plt.close(fig)
    return Path(path)


def _beats(ax, ts, labels, conf, lo: float, hi: float, span: float, review_below) -> None:
    """One row's beats: a class-coloured band at each (one collection for all), the class letter above and the
    confidence below, a red circle and '?' for those to review (the texts as glyph outlines: :mod:`.glyphs`)."""
    colors = [CLASS_COLORS.get(lab, "k") for lab in labels]
    if len(ts):
        ax.vlines(ts, lo - 0.35 * span, hi + 0.45 * span, colors=colors, alpha=0.25, lw=3)
    draw_texts(ax, ts, hi + 0.18 * span, [str(lab) for lab in labels], colors, 10, weight="bold")
    draw_texts(ax, ts, lo - 0.28 * span, [f"{c:.2f}" for c in conf], colors, 7)
    low = review_mask(labels, conf, review_below)
    if low.any():
        ax.plot(ts[low], np.full(low.sum(), hi + 0.3 * span), "o", mfc="none", mec="red", ms=14, mew=1.5, ls="")
        draw_texts(ax, ts[low] + 0.12, hi + 0.3 * span, ["?"] * int(low.sum()), "red", 10, ha="left")


def _rows(axes, x, fs: float, samples, labels, conf, start_s: float, seconds_per_row: float, review_below,
          shade) -> None:
    """The page's rows: shading, the signal, its beats."""
    for r, ax in enumerate(axes):
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
        _beats(ax, samples[m] / fs, np.asarray(labels)[m], conf[m], lo, hi, span, review_below)
        ax.set_xlabel("s", fontsize=8, labelpad=-2)
