"""``arrhythmia evaluate``: a bundle on the test side of a split, with every report.

All files are written to a temporary folder beside ``out`` and moved into
place at the end, so a failure leaves no half-written output.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ArrhythmiaError
from ..labels import AAMI_CLASSES
from ..evaluation.metrics import ClassificationReport
from ..reports.markdown import write_report_md

PREDICTION_ANNOTATOR = "pred"


@dataclass
class Evaluation:
    """Result of :func:`evaluate_bundle`."""

    report: ClassificationReport
    out: Path
    split_label: str
    leaks_patients: bool
    n_beats: int


def write_predictions_csv(path, beats, proba: np.ndarray, fs: float = 360.0) -> None:
    """``predictions.csv``: one row per beat.

    Columns: record, sample (at the record's rate), time_s, true, predicted,
    confidence (probability of the predicted class), p_N, p_S, p_V, p_F, p_Q.
    """
    pred = proba.argmax(1)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record", "sample", "time_s", "true", "predicted", "confidence"] + [f"p_{c}" for c in AAMI_CLASSES])
        for i in range(len(pred)):
            w.writerow([beats.record[i], int(beats.sample[i]), f"{beats.sample[i] / fs:.3f}", AAMI_CLASSES[beats.y[i]],
                        AAMI_CLASSES[pred[i]], f"{proba[i, pred[i]]:.5f}"] + [f"{p:.5f}" for p in proba[i]])


def write_prediction_annotations(folder, beats, pred: np.ndarray, fs: float = 360.0) -> list[Path]:
    """One WFDB annotation file per record (``<record>.pred``), AAMI letters at the reference beat positions.

    Symbols N, S, V, F, Q are standard WFDB beat codes, so ``bxb -r REC -a atr pred``
    (WFDB's beat-by-beat comparison) accepts the files next to the record.
    """
    from ..io.wfdb_io import write_annotations

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    keys = beats.keys
    for key in beats.records():
        m = keys == key
        order = np.argsort(beats.sample[m], kind="stable")
        paths.append(write_annotations(beats.record[m][0], folder, beats.sample[m][order],
                                       [AAMI_CLASSES[k] for k in pred[m][order]], fs=fs,
                                       extension=PREDICTION_ANNOTATOR))
    return paths


def evaluate_bundle(bundle, data_dir, out, split: str | None = None, tsne_per_class: int = 400,
                    progress: bool = False, force: bool = False) -> Evaluation:
    """Evaluate a bundle on the test side of ``split`` and write every output.

    Parameters
    ----------
    bundle : str or Path
    data_dir : str or Path
        MIT-BIH folder.
    out : str or Path
        Output folder: report.md, metrics.json, predictions.csv,
        confusion_matrix.png, training_curves.png, tsne.png, misclassified.png,
        annotations/<record>.pred.
    split : str, optional
        Default: the split the bundle was trained with.
    force : bool
        Replace an earlier evaluation in ``out`` (its files only).
    tsne_per_class : int
        Beats per class in the t-SNE sample.

    Returns
    -------
    Evaluation
    """
    from ..bundle import load_bundle, read_history, write_json
    from ..datasets.references import RecordRef
    from ..io.output import OutputFolder
    from ..plotting import figures as plots
    from .common import bundle_test_side, per_record_reports, score_beats

    bundle = Path(bundle)
    guard = OutputFolder(out, "evaluate", inputs=[bundle, data_dir], force=force).check()
    model, cfg = load_bundle(bundle)
    t = cfg.get("training", {})
    split = split or t.get("split") or "inter-patient"
    with guard.staging() as tmp:
        test, sp = bundle_test_side(cfg, data_dir, split, progress=progress)
        if not len(test):
            raise ArrhythmiaError(f"split {split!r} has no test beats")
        seen = {RecordRef.parse(r).patient for r in t.get("train_records", []) + t.get("val_records", [])}
        trained_on_test = seen & {RecordRef.parse(r).patient for r in sp.test_records} - set(sp.shared_patients)
        leaks = sp.leaks_patients or bool(trained_on_test)
        label = sp.label() if sp.leaks_patients or not leaks else f"{sp.label()} [LEAKS PATIENTS: bundle trained on test records]"
        proba, rep, feats = score_beats(model, test, return_features=True)
        pred = proba.argmax(1)
        conf = proba[np.arange(len(pred)), pred]
        per_record = per_record_reports(test, pred)
        write_json(tmp / "metrics.json", {
            "bundle": str(bundle), "model": cfg["model"]["name"], "split": split, "split_label": label,
            "leaks_patients": leaks, "test_records": list(sp.test_records), "n_beats": int(len(test)),
            **rep.to_dict(),
            "per_record": {r: v.to_dict()["per_class"] for r, v in per_record.items()},
        })
        write_predictions_csv(tmp / "predictions.csv", test, proba)
        write_prediction_annotations(tmp / "annotations", test, pred)
        write_report_md(tmp / "report.md", rep, cfg, bundle, label, leaks, sp.test_records, len(test), per_record)
        plots.plot_confusion(rep.cm, tmp / "confusion_matrix.png", title=f"{cfg['model']['name']} on {label}")
        try:
            history = read_history(bundle)
        except ArrhythmiaError:
            history = []
        plots.plot_history(history, tmp / "training_curves.png")
        idx = plots.stratified_sample(test.y, tsne_per_class, seed=t.get("seed", 0))
        plots.plot_tsne(feats[idx], test.y[idx], tmp / "tsne.png", seed=t.get("seed", 0))
        plots.plot_misclassified(test.x, test.y, pred, conf, test.record, test.sample, tmp / "misclassified.png")
    return Evaluation(rep, Path(out), label, leaks, len(test))
