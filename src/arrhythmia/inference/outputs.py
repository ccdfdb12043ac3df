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


def annotation_stream(ann) -> tuple[np.ndarray, list, np.ndarray, list]:
    """Every annotation of the ``.arr`` file, in time order: the beats (class, ``p=`` confidence), the ``~`` marks of
    unreadable stretches (subtype: which leads) and the ``+`` rhythm marks of AF/flutter episodes (``(AFIB``,
    ``(AFL``, and ``(N`` where one ends).

    Returns
    -------
    sample : ndarray of int64
    symbol : list of str
    subtype : ndarray of int64
    aux : list of str
    """
    from ..rhythm.episodes import rhythm_marks

    samples = [np.asarray(ann.sample, dtype=np.int64)]
    symbols = list(ann.labels)
    subtypes = [np.zeros(len(ann.sample), np.int64)]
    readable = ann.readable if ann.readable is not None else np.ones(len(ann.sample), bool)
    aux = [f"p={c:.2f}" if r else "unreadable" for c, r in zip(ann.confidence, readable)]
    ns, nsub = ann.noise_marks
    samples.append(np.asarray(ns, dtype=np.int64))
    symbols += ["~"] * len(ns)
    subtypes.append(np.asarray(nsub, dtype=np.int64))
    aux += [""] * len(ns)
    rs, raux = rhythm_marks(ann.episodes, ann.sample)
    samples.append(rs)
    symbols += ["+"] * len(rs)
    subtypes.append(np.zeros(len(rs), np.int64))
    aux += raux
    sample = np.concatenate(samples)
    # at one sample, a rhythm or noise mark precedes the beat (WFDB reads them in file order)
    rank = np.array([0 if s in "+~" else 1 for s in symbols], dtype=np.int64)
    order = np.lexsort((rank, sample))
    return sample[order], [symbols[i] for i in order], np.concatenate(subtypes)[order], [aux[i] for i in order]


def write_outputs(ann, out: Path, model_info: dict, review_below: float = REVIEW_BELOW,
                  start_s: float = 0.0, duration_s: float = 60.0, pages: bool = False, source=None) -> dict:
    """Write the annotation file, beats.csv, summary.json and the strip(s) into ``out``.

    ``summary.json`` names the recording (``record``), the WFDB record name of
    the annotation file (``wfdb_record``: any file name made safe for WFDB,
    see :func:`arrhythmia.io.wfdb_io.wfdb_record_name`) and, when given, the
    input it was read from (``source``, an absolute path); the detector that
    ran, the unreadable time and stretches (no beat is classified there, so
    they count in no burden figure), the AF/flutter episodes and burden, and
    what the label-free adaptation did.
    """
    from ..bundle import write_json
    from ..io.wfdb_io import wfdb_record_name, write_annotations

    out.mkdir(parents=True, exist_ok=True)
    labels, conf = ann.labels, ann.confidence
    wfdb_name = wfdb_record_name(ann.name)
    sample, symbol, subtype, aux = annotation_stream(ann)
    write_annotations(wfdb_name, out, sample, symbol, fs=ann.fs, extension=ANNOTATOR, aux_note=aux, subtype=subtype)
    with open(out / BEATS_CSV, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time_s", "sample", "class", "confidence", "review", "readable"]
                   + [f"p_{c}" for c in AAMI_CLASSES])
        readable = ann.readable if ann.readable is not None else np.ones(len(labels), bool)
        for s, lab, c, p, r in zip(ann.sample, labels, conf, ann.proba, readable):
            w.writerow([f"{s / ann.fs:.3f}", int(s), lab, f"{c:.4f}", int(c < review_below), int(r)]
                       + [f"{v:.4f}" for v in p])
    summary = _summary(ann, labels, conf, wfdb_name, model_info, review_below, source)
    write_json(out / SUMMARY, summary)
    _strips(ann, labels, conf, out, review_below, start_s, duration_s, pages)
    return summary


def _summary(ann, labels, conf, wfdb_name: str, model_info: dict, review_below: float, source) -> dict:
    from ..rhythm.episodes import episode_summary
    from ..rhythm.runs import rhythm_summary

    summary = rhythm_summary(labels, ann.sample, ann.fs, ann.duration_s, readable=ann.readable)
    summary.update({
        "record": ann.name, "wfdb_record": wfdb_name, "annotation_file": f"{wfdb_name}.{ANNOTATOR}",
        "source": str(Path(source).resolve()) if source is not None else None,
        "fs": ann.fs, "n_detected": ann.n_detected, "detector": ann.detector,
        "n_edge_dropped": ann.n_detected - len(labels),
        "unreadable_s": round(ann.unreadable_s, 1), "n_unreadable_beats": ann.n_unreadable,
        "unreadable": [[round(a / ann.fs, 2), round(b / ann.fs, 2)] for a, b in ann.unreadable.tolist()],
        "low_confidence": int((conf < review_below).sum()), "review_below": review_below,
        "detection_lead": ann.lead, "adaptation": ann.adaptation, "model": model_info,
    })
    summary.update(episode_summary(ann.episodes, ann.sample, ann.fs, ann.duration_s - ann.unreadable_s,
                                   ann.unreadable))
    return summary


def _strips(ann, labels, conf, out: Path, review_below: float, start_s: float, duration_s: float,
            pages: bool) -> None:
    from ..plotting.strip import plot_strip

    shade = [(a / ann.fs, b / ann.fs, "unreadable") for a, b in ann.unreadable.tolist()]
    shade += [(e["start"] / ann.fs, e["end"] / ann.fs, e["rhythm"]) for e in ann.episodes]
    title = f"{ann.name}: {len(labels)} beats"
    common = dict(review_below=review_below, lead=ann.lead, shade=shade)
    if pages:
        page_s = 60.0
        for i, t0 in enumerate(np.arange(0.0, ann.duration_s, page_s)):
            plot_strip(ann.signal, ann.fs, ann.sample, labels, conf, out / f"strip_{i + 1:03d}.png", start_s=float(t0),
                       duration_s=page_s, title=f"{title}, page {i + 1}", **common)
    else:
        plot_strip(ann.signal, ann.fs, ann.sample, labels, conf, out / "strip.png", start_s=start_s,
                   duration_s=min(duration_s, ann.duration_s - start_s), title=title, **common)


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
    conf = np.array([float(a[2:]) if a.startswith("p=") else np.nan for a in beats.aux], dtype=float)  # unreadable: nan
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
