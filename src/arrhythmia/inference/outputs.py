"""The files ``annotate`` writes for one recording (read back by :func:`arrhythmia.io.results.read_output`).

``<wfdb_record>.arr``
    WFDB annotation file (annotator ``arr``), symbols N, S, V, F, Q at the
    detected R peaks, the confidence as each annotation's aux note (``p=0.93``).
``beats.csv``
    time_s, sample, class, confidence, review (1 when under the review
    rule's threshold for its class), p_N, p_S, p_V, p_F, p_Q.
``summary.json``
    beats per class, mean heart rate, ectopic burden, runs (see
    :func:`arrhythmia.rhythm.runs.rhythm_summary`), the record's names and
    source, model and detector.
``strip.png`` (or ``strip_001.png`` ... with ``pages``)
    the ECG with each beat's class and confidence.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..evaluation.calibration import REVIEW_BELOW, review_mask
from ..labels import AAMI_CLASSES

ANNOTATOR = "arr"
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


def write_outputs(ann, out: Path, model_info: dict, review_below: float | dict = REVIEW_BELOW,
                  start_s: float = 0.0, duration_s: float = 60.0, pages: bool = False, source=None) -> dict:
    """Write the annotation file, beats.csv, summary.json and the strip(s) into ``out``.

    ``summary.json`` names the recording (``record``), the WFDB record name of
    the annotation file (``wfdb_record``: any file name made safe for WFDB,
    see :func:`arrhythmia.io.wfdb_io.wfdb_record_name`) and, when given, the
    input it was read from (``source``, an absolute path); the detector that
    ran, the unreadable time and stretches (no beat is classified there, so
    they count in no burden figure), the AF/flutter episodes and burden, the
    irregular stretches not called AF for their P waves
    (``af_dropped_for_p_waves``: start, end, coherence), and
    what the label-free adaptation did. ``review_below``: one threshold, or one per class
    (:func:`arrhythmia.evaluation.calibration.review_mask`).
    """
    from ..bundle import write_json
    from ..io.wfdb_io import wfdb_record_name, write_annotations

    out.mkdir(parents=True, exist_ok=True)
    labels, conf = ann.labels, ann.confidence
    flagged = review_mask(labels, conf, review_below)
    wfdb_name = wfdb_record_name(ann.name)
    sample, symbol, subtype, aux = annotation_stream(ann)
    write_annotations(wfdb_name, out, sample, symbol, fs=ann.fs, extension=ANNOTATOR, aux_note=aux, subtype=subtype)
    with open(out / BEATS_CSV, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time_s", "sample", "class", "confidence", "review", "readable"]
                   + [f"p_{c}" for c in AAMI_CLASSES])
        readable = ann.readable if ann.readable is not None else np.ones(len(labels), bool)
        for s, lab, c, p, r, fl in zip(ann.sample, labels, conf, ann.proba, readable, flagged):
            w.writerow([f"{s / ann.fs:.3f}", int(s), lab, f"{c:.4f}", int(fl), int(r)]
                       + [f"{v:.4f}" for v in p])
    summary = _summary(ann, labels, flagged, wfdb_name, model_info, review_below, source)
    write_json(out / SUMMARY, summary)
    _strips(ann, labels, conf, out, review_below, start_s, duration_s, pages)
    return summary


def _summary(ann, labels, flagged, wfdb_name: str, model_info: dict, review_below, source) -> dict:
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
        "low_confidence": int(flagged.sum()), "review_below": review_below,
        "detection_lead": ann.lead, "adaptation": ann.adaptation, "model": model_info,
        # irregular stretches the RR intervals called AF but with an organised P wave (arrhythmia.rhythm.p_waves)
        "af_dropped_for_p_waves": [{"start_s": round(d["start"] / ann.fs, 2), "end_s": round(d["end"] / ann.fs, 2),
                                    "coherence": d["coherence"]} for d in ann.af_dropped],
    })
    summary.update(episode_summary(ann.episodes, ann.sample, ann.fs, ann.duration_s - ann.unreadable_s,
                                   ann.unreadable))
    return summary


def _strips(ann, labels, conf, out: Path, review_below, start_s: float, duration_s: float,
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
