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
from .metrics import ClassificationReport, confusion_matrix, format_pct

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
    for rec in beats.records():
        m = beats.record == rec
        order = np.argsort(beats.sample[m], kind="stable")
        paths.append(write_annotations(rec, folder, beats.sample[m][order],
                                       [AAMI_CLASSES[k] for k in pred[m][order]], fs=fs,
                                       extension=PREDICTION_ANNOTATOR))
    return paths


def _fmt(v):
    return format_pct(v, 2)


def write_report_md(path, rep: ClassificationReport, cfg: dict, bundle: Path, split_label: str, leaks: bool,
                    test_records, n_beats: int, per_record: dict) -> None:
    """The Markdown report: protocol, provenance, S and V first, EC57 gross statistics."""
    t = cfg.get("training", {})
    lines = [f"# Evaluation of `{cfg['model']['name']}`", ""]
    if leaks:
        lines += ["> **LEAKS PATIENTS**: some test records were also used for training; these figures do not "
                  "say how the model does on a new patient.", ""]
    lines += [
        "## Protocol",
        f"- split: **{split_label}**; test records ({len(test_records)}): {' '.join(test_records)}",
        f"- {n_beats} test beats: every reference beat of the test records whose window fits in the record "
        "(classifier fed the reference R-peak positions)",
        "- Se = TP/(TP+FN), +P = TP/(TP+FP); undefined ratios (0/0) are n/a. Macro averages over N, S, V, F.",
        "- EC57 gross statistics pool all test beats; reference Q beats are excluded, and for VEB reference F "
        "beats classified V are not false positives (de Chazal et al. 2004).",
        "",
        "## Model and data provenance",
        f"- bundle: `{bundle}` (format {cfg['format_version']}, package {cfg.get('package_version')}, created {cfg.get('created')})",
        f"- architecture: `{cfg['model']['name']}` {cfg['model'].get('params', {})}; input {cfg['model']['n_leads']} lead(s) "
        f"x {cfg['model']['n_samples']} samples at {cfg['model']['fs']:g} Hz",
        f"- beats: {cfg.get('beats')}",
        f"- trained with split `{t.get('split')}`, seed {t.get('seed')}, imbalance `{t.get('imbalance')}`, "
        f"{t.get('epochs_run')} epochs (best {t.get('best_epoch')})",
        f"- training records: {' '.join(t.get('train_records', []))}",
        f"- validation records: {' '.join(t.get('val_records', []))}",
        "",
        "## Results (S and V first)",
        "",
        "| class | Se % | +P % | Spec % | FPR % | F1 % | support |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in ("S", "V", "N", "F", "Q"):
        s = rep.per_class[c]
        lines.append(f"| {c} | {_fmt(s['se'])} | {_fmt(s['ppv'])} | {_fmt(s['spec'])} | {_fmt(s['fpr'])} | "
                     f"{_fmt(s['f1'])} | {s['support']} |")
    lines += ["", f"macro-F1 (N, S, V, F): **{_fmt(rep.macro_f1)} %**; accuracy {_fmt(rep.accuracy)} % "
              "(dominated by class N: read S and V first).", "",
              "| EC57 gross | Se % | +P % | FPR % |", "|---|---:|---:|---:|"]
    for k in ("SVEB", "VEB"):
        e = rep.ec57[k]
        lines.append(f"| {k} | {_fmt(e['se'])} | {_fmt(e['ppv'])} | {_fmt(e['fpr'])} |")
    lines += ["", "## Confusion matrix (rows: reference, columns: predicted)", "",
              "| | " + " | ".join(AAMI_CLASSES) + " |", "|---" * (len(AAMI_CLASSES) + 1) + "|"]
    for i, c in enumerate(AAMI_CLASSES):
        lines.append(f"| **{c}** | " + " | ".join(str(v) for v in rep.cm[i]) + " |")
    lines += ["", "## Per record", "", "| record | beats | S Se % | S +P % | V Se % | V +P % |", "|---|---:|---:|---:|---:|---:|"]
    for rec, r in per_record.items():
        s, v = r.per_class["S"], r.per_class["V"]
        lines.append(f"| {rec} | {r.cm.sum()} | {_fmt(s['se'])} | {_fmt(s['ppv'])} | {_fmt(v['se'])} | {_fmt(v['ppv'])} |")
    lines += ["", "## Figures", "", "![confusion matrix](confusion_matrix.png)", "",
              "![training curves](training_curves.png)", "", "![t-SNE](tsne.png)", "",
              "![most confident errors](misclassified.png)", ""]
    Path(path).write_text("\n".join(lines))


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
    from ..datasets import load_beats, make_split, split_records
    from ..datasets.beats import BeatConfig
    from ..inference.predict import predict_proba
    from ..io.output import OutputFolder
    from . import plots

    bundle = Path(bundle)
    guard = OutputFolder(out, "evaluate", inputs=[bundle, data_dir], force=force).check()
    model, cfg = load_bundle(bundle)
    t = cfg.get("training", {})
    split = split or t.get("split") or "inter-patient"
    beat_cfg = BeatConfig.from_dict(cfg["beats"])
    records = t.get("records") if split == t.get("split") else None
    needed = split_records(split)
    if records:
        needed = tuple(r for r in needed if r in set(records))
    with guard.staging() as tmp:
        beats = load_beats(needed, data_dir, beat_cfg, progress=progress)
        sp = make_split(beats, split, seed=t.get("seed", 0), val_fraction=t.get("val_fraction", 0.2),
                        records=records, fold=t.get("fold", 0), n_folds=t.get("n_folds", 5))
        test = beats.subset(sp.test)
        if not len(test):
            raise ArrhythmiaError(f"split {split!r} has no test beats")
        seen = set(t.get("train_records", [])) | set(t.get("val_records", []))
        leaks = sp.leaks_patients or bool(seen & set(sp.test_records))
        label = sp.label() if sp.leaks_patients or not leaks else f"{sp.label()} [LEAKS PATIENTS: bundle trained on test records]"
        proba, feats = predict_proba(model, test.x, test.rr, return_features=True)
        pred = proba.argmax(1)
        conf = proba[np.arange(len(pred)), pred]
        rep = ClassificationReport.from_cm(confusion_matrix(test.y, pred))
        per_record = {r: ClassificationReport.from_cm(confusion_matrix(test.y[test.record == r], pred[test.record == r]))
                      for r in test.records()}
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
