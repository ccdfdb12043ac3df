"""``arrhythmia report``: a PDF summary of one annotated (and perhaps reviewed) recording.

Page 1: the recording, the beats per class, burdens, heart rate over time,
the runs, pauses and rhythm episodes. Following pages: example strips at true
scale on ECG paper (25 mm/s, 10 mm/mV, A4 landscape). The reviewed labels
(the model's beats with ``corrections.csv`` replayed) are used where a
reviewer has corrected the recording; the report says which it used.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import file_error
from ..io.review import CORRECTIONS, ReviewedBeats, read_corrections, replay
from ..io.results import read_output

PAUSE_S = 2.0
"""An RR interval at least this long is a pause (the usual Holter threshold)."""
REPORT = "report.pdf"
A4 = (297.0, 210.0)  # landscape, mm
STRIP_S = 10.0


@dataclass
class ReportData:
    """What the report states; every figure computed from the beats used."""

    name: str
    duration_s: float
    fs: float
    reviewed: bool
    n_corrections: int
    beats: ReviewedBeats
    counts: dict
    hr_minutes: np.ndarray  # mean heart rate per minute (NaN where none), bpm
    runs: list
    pauses: list  # (start_s, end_s, length_s)
    episodes: list  # (start_s, end_s, kind, by)
    model: str
    notes: list = field(default_factory=list)

    @property
    def af_burden_pct(self) -> float:
        af = sum(e - s for s, e, k, _ in self.episodes if k == "AF")
        return 100.0 * af / self.duration_s if self.duration_s else 0.0


def report_data(folder) -> ReportData:
    """Read an annotate output folder (and its corrections) into :class:`ReportData`."""
    from ..rhythm.runs import RUN_PATTERNS, find_runs

    out = read_output(folder)
    cs = read_corrections(Path(folder) / CORRECTIONS)
    b = replay(out.sample, out.label, out.confidence, cs)
    fs, s = out.fs, out.summary
    dur = float(s.get("duration_s") or (b.sample[-1] / fs if b.sample.size else 0.0))
    t = b.sample / fs
    rr = np.diff(t)
    minute = (t[1:] // 60).astype(np.int64)
    ok = rr <= 3.0
    n_min = int(np.ceil(dur / 60.0)) or 1
    sums = np.bincount(minute[ok], weights=rr[ok], minlength=n_min)[:n_min]
    cnt = np.bincount(minute[ok], minlength=n_min)[:n_min]
    hr = np.where(cnt > 0, 60.0 * cnt / np.maximum(sums, 1e-9), np.nan)
    noisy = [(m.start / fs, m.end / fs) for m in b.noise]
    pauses = [(float(t[i]), float(t[i + 1]), float(rr[i])) for i in np.flatnonzero(rr >= PAUSE_S)
              if not any(a <= t[i + 1] and t[i] <= z for a, z in noisy)]
    run_kinds = {k for k, _ in RUN_PATTERNS}
    episodes = [(m.start / fs, m.end / fs, m.kind, "reviewer") for m in b.episodes]
    episodes += [(e["start_s"], e["end_s"], "AF" if "fibrillation" in e["kind"].lower() else e["kind"], "model")
                 for e in s.get("episodes", []) if e.get("kind") not in run_kinds]
    counts = {c: int(np.count_nonzero(b.label == c)) for c in "NSVFQ"}
    notes = [] if any(k == "AF" for _, _, k, _ in episodes) else [
        "No AF episode marked: the model classifies beats and finds no AF; AF burden counts reviewer-marked episodes."]
    return ReportData(str(s.get("record", Path(folder).name)), dur, fs, b.n_corrections > 0, b.n_corrections, b, counts,
                      hr, find_runs(list(b.label), t), pauses, sorted(episodes), (s.get("model") or {}).get("name", "?"),
                      notes)


def write_report(folder, out=None, source=None, fs=None) -> Path:
    """Write the PDF report of an annotate output folder.

    Parameters
    ----------
    folder : str or Path
        The recording's annotate output folder.
    out : str or Path, optional
        PDF path (default ``<folder>/report.pdf``); written to a temporary
        file and moved into place when complete.
    source : str or Path, optional
        The recording (for the strips); default: the one ``summary.json`` names.
    fs : float, optional
        Its sampling rate, for CSV / NumPy recordings.

    Returns
    -------
    Path of the PDF.
    """
    from ..io.readers import read_input

    folder = Path(folder)
    data = report_data(folder)
    src = source or read_output(folder).source
    if not src:
        raise file_error(folder / "summary.json", "names no source recording: give the recording (--recording)")
    rec = read_input(src, fs)
    out = Path(out) if out else folder / REPORT
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        _pdf(data, rec, tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _pdf(d: ReportData, rec, path: Path) -> None:
    from matplotlib.backends.backend_pdf import PdfPages

    from ..plotting.figures import _plt

    plt = _plt()
    with PdfPages(path, metadata={"Title": f"{d.name}: ECG report", "Creator": "arrhythmia report"}) as pdf:
        fig = plt.figure(figsize=(A4[0] / 25.4, A4[1] / 25.4))
        _summary_page(fig, d)
        pdf.savefig(fig)
        plt.close(fig)
        strips = example_strips(d)
        for i in range(0, len(strips), 3):
            fig = plt.figure(figsize=(A4[0] / 25.4, A4[1] / 25.4))
            _strip_page(fig, d, rec, strips[i:i + 3], i // 3 + 2)
            pdf.savefig(fig)
            plt.close(fig)


def _clock(t: float) -> str:
    t = int(round(t))
    return f"{t // 3600}:{t % 3600 // 60:02d}:{t % 60:02d}"


def _summary_page(fig, d: ReportData) -> None:
    n = int(d.beats.sample.size)
    pct = (lambda k: 100.0 * k / n) if n else (lambda k: 0.0)
    hr = d.hr_minutes[np.isfinite(d.hr_minutes)]
    labels = "reviewed labels ({} corrections)".format(d.n_corrections) if d.reviewed else "model labels (not reviewed)"
    lines = [f"{d.name}: ECG report", "",
             f"recording {_clock(d.duration_s)} (h:mm:ss), {d.fs:g} Hz; model {d.model}; {labels}",
             f"written {datetime.datetime.now().astimezone().isoformat(timespec='minutes')}", "",
             f"beats {n}:  " + "   ".join(f"{k} {v} ({pct(v):.1f} %)" for k, v in d.counts.items()),
             f"heart rate (1-minute means): mean {np.mean(hr):.0f} bpm, lowest {np.min(hr):.0f}, highest {np.max(hr):.0f}"
             if hr.size else "heart rate: n/a",
             f"ectopic burden: S {pct(d.counts['S']):.2f} %, V {pct(d.counts['V']):.2f} %;   AF burden {d.af_burden_pct:.2f} %",
             f"pauses (RR >= {PAUSE_S:g} s): {len(d.pauses)}" + (f", longest {max(p[2] for p in d.pauses):.2f} s at "
                                                                   f"{_clock(max(d.pauses, key=lambda p: p[2])[0])}"
                                                                   if d.pauses else "")]
    runs: dict = {}
    for e in d.runs:
        runs[e.kind] = runs.get(e.kind, 0) + 1
    lines.append("runs: " + ("; ".join(f"{k} x{v}" for k, v in runs.items()) if runs else "none"))
    lines.append("rhythm episodes: " + ("; ".join(f"{k} {_clock(s)}-{_clock(e)} ({by})" for s, e, k, by in d.episodes[:8])
                                         if d.episodes else "none"))
    lines += d.notes
    fig.text(0.04, 0.95, lines[0], fontsize=15, fontweight="bold", va="top")
    fig.text(0.04, 0.90, "\n".join(lines[2:]), fontsize=8.5, va="top", family="DejaVu Sans", linespacing=1.6)
    ax = fig.add_axes((0.07, 0.08, 0.88, 0.36))
    m = np.arange(d.hr_minutes.size) / 60.0
    ax.plot(m, d.hr_minutes, color="black", lw=0.8, label="heart rate (1-minute mean)")
    ax.set_xlabel("hours from the start")
    ax.set_ylabel("bpm")
    t = d.beats.sample / d.fs / 3600.0
    ax2 = ax.twinx()
    bins = np.linspace(0, d.duration_s / 3600.0, max(2, d.hr_minutes.size // 5 + 1))
    for c, col in (("V", "#b2182b"), ("S", "#2166ac")):
        h, _ = np.histogram(t[d.beats.label == c], bins=bins)
        ax2.stairs(h, bins, color=col, lw=0.8, label=f"{c} beats per bin")
    ax2.set_ylabel("beats per bin")
    for s, e, k, _ in d.episodes:
        ax.axvspan(s / 3600, e / 3600, color="#762a83", alpha=0.12)
    ax.set_title("heart rate, S and V beats over time (bins of 5 minutes; shaded: rhythm episodes)", fontsize=9)
    ax.legend(loc="upper left", fontsize=7)
    ax2.legend(loc="upper right", fontsize=7)


def example_strips(d: ReportData) -> list[tuple[float, str]]:
    """(centre time s, caption) of the strips shown: the longest of each kind of run, pauses, episodes."""
    out, seen = [], set()
    for e in sorted(d.runs, key=lambda e: -e.n_beats):
        if e.kind not in seen:
            seen.add(e.kind)
            out.append(((e.start_s + e.end_s) / 2, f"{e.kind}, {e.n_beats} beats at {_clock(e.start_s)}"))
    for s, e, length in sorted(d.pauses, key=lambda p: -p[2])[:2]:
        out.append(((s + e) / 2, f"pause of {length:.2f} s at {_clock(s)}"))
    for s, e, k, by in d.episodes[:3]:
        out.append((s + 2.0, f"{k} episode ({by}) from {_clock(s)}"))
    return out[:9]


def _strip_page(fig, d: ReportData, rec, strips, page: int) -> None:
    from ..plotting.ecg_paper import paper_strip

    w_mm, h_mm = A4
    fig.text(10 / w_mm, 1 - 8 / h_mm, f"{d.name}: example strips (25 mm/s, 10 mm/mV)   page {page}", fontsize=9,
             va="top")
    lead_mm, label_mm = 22.0, 6.0
    strip_h = rec.signal.shape[0] * lead_mm + label_mm
    for i, (centre, caption) in enumerate(strips):
        start = float(np.clip(centre - STRIP_S / 2, 0, max(0.0, d.duration_s - STRIP_S)))
        top = 16 + i * (strip_h + 12)
        ax = fig.add_axes((23.5 / w_mm, 1 - (top + 4 + strip_h) / h_mm, 250 / w_mm, strip_h / h_mm))
        marks = [(s, e, k) for s, e, k, _ in d.episodes] + [(s, e, "pause") for s, e, _ in d.pauses]
        paper_strip(ax, rec.signal, rec.fs, start, STRIP_S, rec.leads, d.beats.sample, d.beats.label,
                    lead_mm=lead_mm, label_mm=label_mm, marks=marks)
        fig.text(23.5 / w_mm, 1 - (top + 3) / h_mm, f"{caption}   ({_clock(start)} - {_clock(start + STRIP_S)})",
                 fontsize=7.5)
