"""``arrhythmia evaluate --detect``: the whole automatic pipeline on the test records.

The classifier is not fed the reference R-peak positions: each test record
goes through R-peak detection and classification exactly as
``arrhythmia annotate`` does, and detections are matched to reference beats
within 150 ms. The confusion matrix gains a row and a column ``-``:

* a reference beat with no detection (missed) counts in column ``-`` of its
  class: a false negative of that class;
* a detection with no reference beat (extra) counts in row ``-`` of its
  predicted class: a false positive of that class.

So the Se and +P reported for S and V are those of the tool a user runs.
Detections are paired with reference beats by WFDB ``bxb``'s rule
(:func:`.detection.match_beats`). The per-class figures are one-vs-rest over
the project's classes (:mod:`arrhythmia.labels`); ``ec57_bxb`` adds the EC57
gross figures exactly as WFDB's ``bxb``/``sumstats`` compute them from the
written ``.arr`` files (:mod:`.ec57`: bxb's classes, where ``e j n`` are S;
reference Q never a V or S false positive; flutter episodes skipped), from
5:00 (EC57) and from 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..labels import AAMI_CLASSES
from ..evaluation.metrics import class_stats, macro
from ..reports.markdown import CLASSES6, format_pipeline

NONE = CLASSES6[-1]


def pipeline_stats(cm6: np.ndarray) -> dict:
    """Per-class statistics from the 6x6 matrix (reference + ``-`` rows, predicted + ``-`` columns)."""
    st = class_stats(cm6, CLASSES6)
    st.pop(NONE)
    n = cm6[:5].sum()
    det_tp = int(cm6[:5, :5].sum())
    return {
        "per_class": st,
        "macro_f1": macro(st, "f1"),
        "accuracy": float(np.trace(cm6[:5, :5]) / n) if n else float("nan"),
        "detection": {"reference_beats": int(n), "matched": det_tp, "missed": int(cm6[:5, 5].sum()),
                      "extra": int(cm6[5, :5].sum()),
                      "se": det_tp / n if n else float("nan"),
                      "ppv": det_tp / cm6[:, :5].sum() if cm6[:, :5].sum() else float("nan")},
    }


def evaluate_pipeline(bundle, data_dir, out, records=None, backend: str = "auto", progress: bool = False,
                      force: bool = False, references=None, detector: str = "default", adapt: bool = True) -> dict:
    """Detect + classify the test records of ``bundle`` and score against the reference.

    Parameters
    ----------
    bundle : str or Path
    data_dir : str or Path
    out : str or Path
        Receives ``metrics.json``, ``report.md``, ``predictions.csv``
        (one row per matched, missed or extra beat) and
        ``annotations/<record>.arr`` (a safe WFDB name: ``annotation_files`` in metrics.json maps them).
    records : sequence of str, optional
        Default: the bundle's test records (DS2 for inter-patient). Any
        annotated WFDB records of ``data_dir`` can be given: another
        database (svdb, incartdb) at its own rate and leads is resampled
        and its leads substituted exactly as ``annotate`` does.
    references : dict of str -> callable, optional
        Instead of ``records``: name -> loader of a Recording with its reference (``io.reviewed.reviewed_references``).

    Returns
    -------
    dict
        What ``metrics.json`` holds.
    """
    import csv

    from tqdm.auto import tqdm

    from ..bundle import read_bundle_config, write_json
    from ..datasets.records import DS2
    from ..datasets.references import RecordRef
    from ..inference.outputs import ANNOTATOR, annotation_stream
    from ..pipeline.process import classify_recording
    from ..inference.runners import load_runner
    from ..io.wfdb_io import read_wfdb, write_annotations
    from ..evaluation.detection import MATCH_WINDOW_S
    from ..io.output import OutputFolder

    guard = OutputFolder(out, "evaluate --detect", inputs=[bundle, data_dir], force=force).check()
    cfg = read_bundle_config(bundle)
    # a bundle's test records are keys ('mitdb:100'; older bundles: names); here, names of records in data_dir
    records = tuple(references or records
                    or [RecordRef.parse(r).record for r in cfg.get("training", {}).get("test_records") or DS2])
    if not references:  # every reference readable, with beats inside its signal, before any work
        from ..io.wfdb_io import check_reference

        for r in records:
            check_reference(Path(data_dir) / r)
    wfdb_names = unique_wfdb_names(records)
    runner = load_runner(bundle, backend)
    with guard.staging() as tmp:
        cm6 = np.zeros((6, 6), np.int64)
        per_record, bxb, episodes = {}, [], []
        (tmp / "annotations").mkdir()
        with open(tmp / "predictions.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["record", "reference_sample", "detected_sample", "true", "predicted", "confidence"])
            for r in tqdm(records, desc="detect+classify", unit="record", disable=not progress):
                rec = references[r]() if references else read_wfdb(Path(data_dir) / r, gaps=True)
                ann = classify_recording(rec, runner, detector=detector, adapt=adapt)
                cm, pred = _score_record(r, rec, ann, w)
                cm6 += cm
                per_record[r] = cm.tolist()
                sample, symbol, subtype, aux = annotation_stream(ann)
                write_annotations(wfdb_names[r], tmp / "annotations", sample, symbol, fs=rec.fs, extension=ANNOTATOR,
                                  aux_note=aux, subtype=subtype)
                episodes.append(_af_comparison(r, rec, ann))
                bxb.append(_bxb_record(rec, ann.sample, [AAMI_CLASSES[k] for k in pred]))
        stats = {**pipeline_stats(cm6), "ec57_bxb": _bxb_gross(bxb), "af_episodes": _af_summary(episodes)}
        result = {"bundle": str(bundle), "model": cfg["model"]["name"], "data_dir": str(data_dir),
                  "records": list(records),
                  "backend": runner.backend, "detector": detector, "adapt": adapt, "matching_window_s": MATCH_WINDOW_S,
                  "classes": list(CLASSES6), "confusion_matrix": cm6.tolist(), **stats,
                  "per_record_confusion": per_record,
                  "annotation_files": {r: f"annotations/{wfdb_names[r]}.{ANNOTATOR}" for r in records}}
        write_json(tmp / "metrics.json", result)
        (tmp / "report.md").write_text(format_pipeline(result))
    return result


def _af_comparison(r: str, rec, ann):
    """The record's AF episodes (from the pipeline's beats) against its reference rhythm marks, as epicmp -A from
    5:00; None when the record carries no rhythm annotation at all or is not longer than those 5 minutes."""
    from ..evaluation.episodes import compare_episodes, episodes_from_rhythm

    a = rec.annotations
    if a.aux is None or not np.any(a.symbol == "+"):
        return None
    n = rec.signal.shape[1]
    if n <= 300.0 * rec.fs:
        return None
    ref = episodes_from_rhythm(a.sample, a.aux, n, symbols=a.symbol)
    test = np.array([[e["start"], e["end"]] for e in ann.episodes if e["rhythm"].startswith("(AFIB")],
                    dtype=np.int64).reshape(-1, 2)
    return compare_episodes(ref, test, rec.fs, start_s=300.0, end_sample=n, record=r)


def _af_summary(comparisons) -> dict:
    """Gross AF episode figures (epicmp/sumstats rules, from 5:00) and one line per record."""
    from ..evaluation.episodes import gross_episodes

    done = [c for c in comparisons if c is not None]
    if not done:
        return {"n_records": 0}
    g = gross_episodes(done)

    def figs(c):
        return {k: (None if v != v else float(v)) for k, v in (
            ("episode_se", c.episode_se), ("episode_ppv", c.episode_ppv), ("duration_se", c.duration_se),
            ("duration_ppv", c.duration_ppv))}

    return {"n_records": len(done), "from_s": 300.0, "gross": figs(g),
            "per_record": {c.record: {**figs(c), "reference_s": round(c.ref_duration_s, 1),
                                      "detected_s": round(c.test_duration_s, 1)} for c in done}}


def unique_wfdb_names(records) -> dict:
    """Record -> the WFDB record name of its annotation file (:func:`~arrhythmia.io.wfdb_io.wfdb_record_name`),
    ``_2``, ``_3`` ... appended where two records would take one name (``my ecg`` and ``my_ecg``)."""
    from ..io.wfdb_io import wfdb_record_name

    names, used = {}, set()
    for r in records:
        base = name = wfdb_record_name(r)
        k = 1
        while name.lower() in used:
            k += 1
            name = f"{base}_{k}"
        used.add(name.lower())
        names[r] = name
    return names


def _score_record(r: str, rec, ann, w) -> tuple[np.ndarray, np.ndarray]:
    """Match one record's detections to its reference beats (150 ms), write its predictions.csv rows.

    Returns the record's 6x6 confusion matrix (index 5: no beat) and the predicted class of every detection.
    """
    from ..evaluation.detection import MATCH_WINDOW_S, match_beats
    from ..labels import to_aami

    ref = rec.annotations.beats()
    y = to_aami(ref.symbol)
    pred = ann.proba.argmax(1)
    r2d, d2r = match_beats(ref.sample, ann.sample, int(round(MATCH_WINDOW_S * rec.fs)))
    cm = np.zeros((6, 6), np.int64)
    np.add.at(cm, (y[r2d >= 0], pred[r2d[r2d >= 0]]), 1)
    np.add.at(cm, (y[r2d < 0], 5), 1)
    np.add.at(cm, (5, pred[d2r < 0]), 1)
    conf = ann.confidence
    for i in range(ref.sample.size):
        j = r2d[i]
        w.writerow([r, int(ref.sample[i]), int(ann.sample[j]) if j >= 0 else "", AAMI_CLASSES[y[i]],
                    AAMI_CLASSES[pred[j]] if j >= 0 else NONE, f"{conf[j]:.4f}" if j >= 0 else ""])
    for j in np.flatnonzero(d2r < 0):
        w.writerow([r, "", int(ann.sample[j]), NONE, AAMI_CLASSES[pred[j]], f"{conf[j]:.4f}"])
    return cm, pred


BXB_STARTS = {"from_300_s": 300.0, "from_0_s": 0.0}
"""Start times of the ``ec57_bxb`` block: EC57's 5 minutes, and the whole record."""


def _bxb_record(rec, sample, symbols) -> dict:
    """One record's :func:`.ec57.compare_beats` of the written labels, from each of :data:`BXB_STARTS`
    before the record's end (a record shorter than a start has nothing to score from it)."""
    from ..evaluation.ec57 import compare_beats
    from ..evaluation.wfdb_text import seconds_to_samples

    a = rec.annotations
    return {k: compare_beats(a.sample, a.symbol, sample, symbols, rec.fs, start_s=s, end_sample=rec.n_samples,
                             record=rec.name) for k, s in BXB_STARTS.items()
            if seconds_to_samples(s, rec.fs) <= rec.n_samples}


def _bxb_gross(per_record) -> dict:
    """sumstats' gross figures (fractions) over the records, for each start time (None: no record that long)."""
    from ..evaluation.ec57 import gross_beats

    out = {}
    for k in BXB_STARTS:
        rows = [c[k] for c in per_record if k in c]
        g = gross_beats(rows) if rows else None
        out[k] = g and {f: getattr(g, f) for f in ("qrs_se", "qrs_ppv", "veb_se", "veb_ppv", "sveb_se", "sveb_ppv")}
    return out


