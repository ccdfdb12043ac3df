"""Open recordings: model beats, signal, corrections and templates of each, as the API hands them out."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from ..errors import ArrhythmiaError, file_error
from ..evaluation.calibration import REVIEW_BELOW, review_mask, review_thresholds
from ..io.results import read_output
from ..io.review import CORRECTIONS
from ..io.reviewed import reviewed_beats
from ..labels import AAMI_CLASSES
from .catalog import Catalog, Entry
from .signal import Signal, load_signal
from .store import ReviewStore

PROGRESS = "review_progress.json"
"""Per output folder: the stretches the reviewer has looked at closely (seconds), merged."""
MAX_OPEN = 4
TEMPLATE_WINDOW_S = (0.25, 0.45)
TEMPLATE_POINTS = 48
OVERLAY_BEATS = 30


class Opened:
    """One recording held open by the server."""

    def __init__(self, entry: Entry, cache: Path | None):
        self.entry = entry
        self.output = read_output(entry.folder)
        if entry.source is None:
            raise file_error(entry.folder / "summary.json", "names no source recording: start the server with "
                                                             "--recordings DIR (the folder of the recordings)")
        self.signal: Signal = load_signal(entry.source, entry.fs, cache)
        if abs(self.signal.fs - self.output.fs) > 1e-6:
            raise file_error(entry.source, f"sampled at {self.signal.fs:g} Hz, its annotations at {self.output.fs:g} Hz")
        self.store = ReviewStore(self.output, self.signal.n_samples, len(self.signal.leads))
        self._templates: tuple | None = None
        self._runs: tuple | None = None
        self._lock = threading.Lock()

    # ---- what the page shows -------------------------------------------------------------------
    def meta(self) -> dict:
        s, b = self.output.summary, self.store.beats
        return {"id": self.entry.id, "name": s.get("record", self.entry.id), "record": self.output.record_name,
                "fs": self.signal.fs, "n_samples": self.signal.n_samples, "duration_s": self.signal.duration_s,
                "leads": list(self.signal.leads), "source": str(self.entry.source),
                "model": (s.get("model") or {}).get("name"),
                "review_below": review_thresholds(s.get("review_below", REVIEW_BELOW)),  # per model class
                **counts(b.label), "n_corrections": b.n_corrections,
                "can_undo": b.n_corrections > 0, "progress": read_progress(self.entry.folder, self.signal.duration_s)}

    def beats(self, start_s: float | None = None, end_s: float | None = None) -> dict:
        b = self.store.beats
        a, z = self._range(b.sample, start_s, end_s)
        conf = b.confidence[a:z]
        model = b.model_label[a:z].astype("S1")
        model[model == b""] = b"-"
        low = review_mask(b.model_label[a:z], conf, self.output.summary.get("review_below", REVIEW_BELOW))
        return {"sample": b.sample[a:z].tolist(), "label": b.label[a:z].astype("S1").tobytes().decode(),
                "model_label": model.tobytes().decode(),
                "review": (low.astype(np.uint8) + ord("0")).tobytes().decode(),  # "0"/"1" per beat: the summary's rule
                "confidence": np.where(np.isnan(conf), -1, np.round(np.nan_to_num(conf) * 1000)).astype(int).tolist()}

    def _range(self, sample, start_s, end_s):
        dur = self.signal.duration_s
        start_s = 0.0 if start_s is None else start_s
        end_s = dur if end_s is None else end_s
        if not (0 <= start_s < end_s <= dur + 1e-9):
            raise ArrhythmiaError(f"Invalid range {start_s:g}-{end_s:g} s: allowed within 0-{dur:.3f} s with start < end.")
        fs = self.signal.fs
        return int(np.searchsorted(sample, start_s * fs)), int(np.searchsorted(sample, end_s * fs))

    def events(self, start_s: float | None = None, end_s: float | None = None) -> dict:
        """Runs (from the reviewed labels), rhythm episodes (reviewer's and model's) and noise marks."""
        from ..rhythm.runs import RUN_PATTERNS, find_runs

        b, fs = self.store.beats, self.signal.fs
        a, z = self._range(b.sample, start_s, end_s)
        t0, t1 = (b.sample[a] / fs if z > a else 0.0), (b.sample[z - 1] / fs if z > a else 0.0)
        if self._runs is None or self._runs[0] is not b:  # once per state of the beats
            self._runs = (b, find_runs(b.label.astype("S1").tobytes().decode(), b.sample / fs))
        runs = [{"kind": e.kind, "start_s": e.start_s, "end_s": e.end_s, "n_beats": e.n_beats}
                for e in self._runs[1] if e.end_s >= t0 and e.start_s <= t1] if z > a else []
        run_kinds = {k for k, _ in RUN_PATTERNS}
        model_eps = [{"kind": e["kind"], "start_s": e["start_s"], "end_s": e["end_s"], "by": "model"}
                     for e in self.output.summary.get("episodes", []) if e.get("kind") not in run_kinds]
        marks = [{"kind": m.kind, "start_s": m.start / fs, "end_s": m.end / fs, "start": m.start, "end": m.end,
                  "by": "reviewer"} for m in b.episodes]
        noise = [{"kind": m.kind, "start_s": m.start / fs, "end_s": m.end / fs, "start": m.start, "end": m.end}
                 for m in b.noise]
        lo, hi = (start_s or 0.0), (end_s if end_s is not None else self.signal.duration_s)

        def inside(e):
            return e["end_s"] >= lo and e["start_s"] <= hi

        return {"runs": runs, "episodes": [e for e in model_eps + marks if inside(e)],
                "noise": [e for e in noise if inside(e)]}

    def overview(self, bins: int) -> dict:
        """Heart rate, S, V and low-confidence beats per time bin over the whole recording."""
        b, fs, dur = self.store.beats, self.signal.fs, self.signal.duration_s
        edges = np.linspace(0.0, dur, bins + 1)
        t = b.sample / fs
        k = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, bins - 1)
        rr = np.diff(t)
        ok = rr <= 3.0  # a gap over 3 s (noise, a pause) is no heart rate
        kk = k[1:][ok]
        rr_sum = np.bincount(kk, weights=rr[ok], minlength=bins)
        rr_n = np.bincount(kk, minlength=bins)
        hr = np.where(rr_n > 0, 60.0 * rr_n / np.maximum(rr_sum, 1e-9), np.nan)
        low = review_mask(b.model_label, b.confidence, self.output.summary.get("review_below", REVIEW_BELOW))
        return {"bins": bins, "bin_s": dur / bins, "hr_bpm": [None if np.isnan(h) else round(float(h), 1) for h in hr],
                "S": np.bincount(k[b.label == "S"], minlength=bins).tolist(),
                "V": np.bincount(k[b.label == "V"], minlength=bins).tolist(),
                "low_confidence": np.bincount(k[low], minlength=bins).tolist(), **self.events()}

    # ---- templates ---------------------------------------------------------------------------
    def templates(self) -> tuple[str, object, dict]:
        """(version, Templates, JSON) of the current beats, computed once per set of beat positions."""
        from ..features.templates import cluster_shapes

        b = self.store.beats
        key = hashlib.sha256(b.sample.tobytes()).hexdigest()[:16]
        with self._lock:
            if self._templates is None or self._templates[0] != key:
                w = self.signal.beat_windows(b.sample, *TEMPLATE_WINDOW_S, TEMPLATE_POINTS)
                t = cluster_shapes(w.reshape(len(w), -1), seed=0)
                self._templates = (key, t, w)
            key, t, w = self._templates
        return key, t, self._templates_json(key, t, w)

    def _templates_json(self, key, t, w) -> dict:
        b = self.store.beats
        rng = np.random.default_rng(0)
        groups = []
        for g in range(len(t.centroid)):
            idx = np.flatnonzero(t.group == g)
            labels, n = np.unique(b.label[idx], return_counts=True)
            conf = b.confidence[idx]
            show = np.sort(rng.choice(idx, size=min(idx.size, OVERLAY_BEATS), replace=False))
            groups.append({"id": g, "count": int(idx.size), "label": str(labels[n.argmax()]),
                           "label_counts": {str(k): int(v) for k, v in zip(labels, n)},
                           "confidence": None if np.isnan(conf).all() else round(float(np.nanmean(conf)), 3),
                           "mean_uV": np.round(w[idx].mean(0) * 1000).astype(int).tolist(),
                           "overlay_uV": np.round(w[show] * 1000).astype(int).tolist(),
                           "samples": b.sample[show].tolist()})
        return {"templates_id": key, "window_s": list(TEMPLATE_WINDOW_S), "points": TEMPLATE_POINTS,
                "leads": list(self.signal.leads), "groups": groups}

    def relabel_group(self, group: int, label: str, templates_id: str) -> dict:
        key, t, _ = self.templates()
        if templates_id != key:
            raise ArrhythmiaError("Invalid value for 'templates_id': the beats changed since these templates were "
                                  "made; reload them.")
        if not (0 <= group < len(t.centroid)):
            raise ArrhythmiaError(f"Invalid value for 'group': allowed 0 to {len(t.centroid) - 1}; got {group}.")
        return self.store.relabel(self.store.beats.sample[t.group == group].tolist(), label)


def counts(labels) -> dict:
    """Beats per class and the ectopic burdens (%), as in ``summary.json``."""
    labels = np.asarray(labels)
    n = int(labels.size)
    c = {k: int(np.count_nonzero(labels == k)) for k in AAMI_CLASSES}

    def pct(k):
        return round(100.0 * k / n, 2) if n else None

    return {"n_beats": n, "beats_per_class": c, "S_burden_pct": pct(c["S"]), "V_burden_pct": pct(c["V"]),
            "ectopic_burden_pct": pct(c["S"] + c["V"])}


def read_progress(folder: Path, duration_s: float) -> dict:
    p = Path(folder) / PROGRESS
    seen = json.loads(p.read_text()).get("seen", []) if p.is_file() else []
    total = sum(b - a for a, b in seen)
    return {"seen_s": round(total, 1), "pct": round(100.0 * min(total, duration_s) / duration_s, 1) if duration_s else 0.0}


def add_progress(folder: Path, start_s: float, end_s: float) -> None:
    """Merge ``[start_s, end_s]`` into the folder's seen stretches (written atomically)."""
    p = Path(folder) / PROGRESS
    seen = json.loads(p.read_text()).get("seen", []) if p.is_file() else []
    merged = []
    for a, b in sorted(seen + [[start_s, end_s]]):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    tmp = p.with_name(f".{PROGRESS}.tmp")
    tmp.write_text(json.dumps({"seen": merged}))
    tmp.replace(p)


class Library:
    """The catalog's recordings, opened on demand (the last :data:`MAX_OPEN` stay open)."""

    def __init__(self, catalog: Catalog, cache: Path | None = None):
        self.catalog, self.cache = catalog, cache
        self._open: OrderedDict[str, Opened] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, rec_id: str) -> Opened:
        """The open recording ``rec_id``; KeyError for an id the catalog lacks."""
        entry = self.catalog.get(rec_id)
        with self._lock:
            if rec_id in self._open:
                self._open.move_to_end(rec_id)
                return self._open[rec_id]
        self.catalog.ensure_annotated(entry)
        rec = Opened(entry, self.cache)
        with self._lock:
            rec = self._open.setdefault(rec_id, rec)
            while len(self._open) > MAX_OPEN:
                _, old = self._open.popitem(last=False)
                old.store.flush()
        return rec

    def listing(self) -> list[dict]:
        """One row per recording: beats, burden and review progress (the reviewed figures once corrected)."""
        rows = []
        for rec_id, e in self.catalog.entries.items():
            row = {"id": rec_id, "annotated": (e.folder / "summary.json").is_file(), "source": str(e.source or "")}
            if row["annotated"]:
                s = json.loads((e.folder / "summary.json").read_text())
                dur = float(s.get("duration_s") or 0.0)
                row.update({"name": s.get("record", rec_id), "duration_s": dur, "mean_hr_bpm": s.get("mean_hr_bpm"),
                            "progress": read_progress(e.folder, dur)})
                with self._lock:
                    opened = self._open.get(rec_id)
                if opened is not None:
                    b = opened.store.beats
                    row.update(counts(b.label), n_corrections=b.n_corrections)
                elif (e.folder / CORRECTIONS).is_file():
                    b = reviewed_beats(e.folder)
                    row.update(counts(b.label), n_corrections=b.n_corrections)
                else:
                    row.update({k: s.get(k) for k in ("n_beats", "beats_per_class", "S_burden_pct", "V_burden_pct",
                                                      "ectopic_burden_pct")}, n_corrections=0)
            rows.append(row)
        return rows

    def flush(self) -> None:
        with self._lock:
            opened = list(self._open.values())
        for r in opened:
            r.store.flush()

