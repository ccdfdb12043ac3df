"""The files ``annotate`` writes for one recording, and reading them back.

``<wfdb_record>.arr``
    WFDB annotation file (annotator ``arr``), symbols N, S, V, F, Q at the
    detected R peaks, the confidence as each annotation's aux note (``p=0.93``).
``beats.csv``
    time_s, sample, class, confidence, review (1 when under the review
    threshold), p_N, p_S, p_V, p_F, p_Q.
``summary.json``
    beats per class, mean heart rate, ectopic burden, runs (see
    :func:`arrhythmia.rhythm.runs.rhythm_summary`), the record's names and
    source, model and detector.
``strip.png`` (or ``strip_001.png`` ... with ``pages``)
    the ECG with each beat's class and confidence.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..labels import AAMI_CLASSES

ANNOTATOR = "arr"
REVIEW_BELOW = 0.6
BEATS_CSV = "beats.csv"
SUMMARY = "summary.json"


def write_outputs(ann, out: Path, model_info: dict, review_below: float = REVIEW_BELOW,
                  start_s: float = 0.0, duration_s: float = 60.0, pages: bool = False, source=None) -> dict:
    """Write the annotation file, beats.csv, summary.json and the strip(s) into ``out``.

    ``summary.json`` names the recording (``record``), the WFDB record name of
    the annotation file (``wfdb_record``: any file name made safe for WFDB,
    see :func:`arrhythmia.io.wfdb_io.wfdb_record_name`) and, when given, the
    input it was read from (``source``, an absolute path).
    """
    from ..bundle import write_json
    from ..io.wfdb_io import wfdb_record_name, write_annotations
    from ..rhythm.runs import rhythm_summary
    from ..plotting.strip import plot_strip

    out.mkdir(parents=True, exist_ok=True)
    labels, conf = ann.labels, ann.confidence
    wfdb_name = wfdb_record_name(ann.name)
    write_annotations(wfdb_name, out, ann.sample, labels, fs=ann.fs, extension=ANNOTATOR,
                      aux_note=[f"p={c:.2f}" for c in conf])
    with open(out / "beats.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time_s", "sample", "class", "confidence", "review"] + [f"p_{c}" for c in AAMI_CLASSES])
        for s, lab, c, p in zip(ann.sample, labels, conf, ann.proba):
            w.writerow([f"{s / ann.fs:.3f}", int(s), lab, f"{c:.4f}", int(c < review_below)] + [f"{v:.4f}" for v in p])
    summary = rhythm_summary(labels, ann.sample, ann.fs, ann.duration_s)
    summary.update({"record": ann.name, "wfdb_record": wfdb_name, "annotation_file": f"{wfdb_name}.{ANNOTATOR}",
                    "source": str(Path(source).resolve()) if source is not None else None,
                    "fs": ann.fs, "n_detected": ann.n_detected,
                    "n_edge_dropped": ann.n_detected - len(labels),
                    "low_confidence": int((conf < review_below).sum()), "review_below": review_below,
                    "detection_lead": ann.lead, "model": model_info})
    write_json(out / "summary.json", summary)
    title = f"{ann.name}: {len(labels)} beats"
    if pages:
        page_s = 60.0
        for i, t0 in enumerate(np.arange(0.0, ann.duration_s, page_s)):
            plot_strip(ann.signal, ann.fs, ann.sample, labels, conf, out / f"strip_{i + 1:03d}.png", start_s=float(t0),
                       duration_s=page_s, review_below=review_below, title=f"{title}, page {i + 1}", lead=ann.lead)
    else:
        plot_strip(ann.signal, ann.fs, ann.sample, labels, conf, out / "strip.png", start_s=start_s,
                   duration_s=min(duration_s, ann.duration_s - start_s), review_below=review_below, title=title,
                   lead=ann.lead)
    return summary


@dataclass(frozen=True)
class AnnotateOutputs:
    """What :func:`read_outputs` reads back from an ``annotate`` output folder.

    Attributes
    ----------
    summary : dict
        ``summary.json``.
    sample : ndarray of int64
        R peaks of the classified beats (at ``summary["fs"]``).
    label : ndarray of str
        AAMI class per beat.
    confidence : ndarray of float
        The probability of that class, from the annotation file's aux notes.
    proba : ndarray of float, shape (n, 5)
        Per-class probabilities from ``beats.csv`` (4 decimals).
    review : ndarray of bool
        Flagged for review.
    """

    summary: dict
    sample: np.ndarray
    label: np.ndarray
    confidence: np.ndarray
    proba: np.ndarray
    review: np.ndarray


def read_outputs(folder) -> AnnotateOutputs:
    """Read back what :func:`write_outputs` wrote into ``folder`` (summary, annotation file with confidences, beats).

    Raises
    ------
    ArrhythmiaError
        A missing or unreadable file, or an annotation file and ``beats.csv``
        that disagree, naming the file.
    """
    from ..errors import file_error
    from ..io.wfdb_io import read_annotations

    folder = Path(folder)
    try:
        summary = json.loads((folder / SUMMARY).read_text())
    except (OSError, ValueError) as exc:
        raise file_error(folder / SUMMARY, f"not a readable annotate summary ({type(exc).__name__})") from None
    ann = read_annotations(folder / summary.get("wfdb_record", summary.get("record", "")), ANNOTATOR)
    beats = ann.beats()
    conf = np.array([float(a[2:]) if a.startswith("p=") else np.nan for a in beats.aux], dtype=float)
    try:
        with open(folder / BEATS_CSV, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError:
        raise file_error(folder / BEATS_CSV, "not found") from None
    sample = np.array([int(r["sample"]) for r in rows], dtype=np.int64)
    if not np.array_equal(sample, beats.sample):
        raise file_error(folder / BEATS_CSV, "its beats are not those of the annotation file")
    proba = np.array([[float(r[f"p_{c}"]) for c in AAMI_CLASSES] for r in rows], dtype=float).reshape(-1, 5)
    review = np.array([r["review"] == "1" for r in rows], dtype=bool)
    return AnnotateOutputs(summary, sample, np.asarray(beats.symbol, dtype=str), conf, proba, review)
