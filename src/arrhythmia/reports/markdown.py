"""Markdown reports written by the experiments (evaluation, whole pipeline, cross-validation, benchmark)."""

from __future__ import annotations

from pathlib import Path

from ..labels import AAMI_CLASSES
from . import format_pct

CLASSES6 = AAMI_CLASSES + ("-",)
"""Rows and columns of the whole-pipeline confusion matrix: the classes and ``-`` (no reference beat / missed)."""
CV_METRICS = ("S_se", "S_ppv", "V_se", "V_ppv", "macro_f1", "accuracy", "N_f1", "S_f1", "V_f1", "F_f1")
"""The metrics cross-validation reports, per fold and pooled."""

PROTOCOLS = ("intra-patient", "inter-patient")


def _fmt(v):
    return format_pct(v, 2)


def write_report_md(path, rep, cfg: dict, bundle: Path, split_label: str, leaks: bool,
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


def format_pipeline(r: dict) -> str:
    def f(v):
        return format_pct(v, 2)

    d = r["detection"]
    lines = [f"# Whole automatic pipeline: `{r['model']}` (R-peak detection + classification)", "",
             f"Records ({r.get('data_dir', '')}): {' '.join(r['records'])}. Detections matched to reference beats within "
             f"{1000 * r['matching_window_s']:.0f} ms; missed beats are false negatives of their class, extra "
             "detections false positives of their predicted class.", "",
             f"Detection: Se {f(d['se'])} %, +P {f(d['ppv'])} % ({d['matched']} matched, {d['missed']} missed, "
             f"{d['extra']} extra of {d['reference_beats']} reference beats)", "",
             "| class | Se % | +P % | F1 % | reference beats |", "|---|---:|---:|---:|---:|"]
    for c in ("S", "V", "N", "F", "Q"):
        s = r["per_class"][c]
        lines.append(f"| {c} | {f(s['se'])} | {f(s['ppv'])} | {f(s['f1'])} | {s['support']} |")
    for key, since in (("from_300_s", "from 5:00"), ("from_0_s", "from 0")):
        e = r.get("ec57_bxb", {}).get(key)
        if e:
            lines.append(f"\nEC57 gross as WFDB bxb/sumstats, {since}: QRS Se {f(e['qrs_se'])} +P {f(e['qrs_ppv'])}, "
                         f"VEB Se {f(e['veb_se'])} +P {f(e['veb_ppv'])}, SVEB Se {f(e['sveb_se'])} +P {f(e['sveb_ppv'])} %")
    lines += af_episode_lines(r.get("af_episodes") or {}, f)
    lines += ["", f"macro-F1 (N, S, V, F) {f(r['macro_f1'])} %; accuracy over reference beats {f(r['accuracy'])} %", "",
              "Confusion matrix (rows: reference, `-` = no reference beat; columns: predicted, `-` = missed):", "",
              "| | " + " | ".join(CLASSES6) + " |", "|---" * 7 + "|"]
    for i, c in enumerate(CLASSES6):
        lines.append(f"| **{c}** | " + " | ".join(str(v) for v in r["confusion_matrix"][i]) + " |")
    return "\n".join(lines) + "\n"


def af_episode_lines(af: dict, f=format_pct) -> list[str]:
    """AF episodes found by the pipeline against the reference rhythm marks (epicmp -A rules, from 5:00): the gross
    line and one row per record with reference or detected AF (``evaluate --detect``'s ``af_episodes``)."""
    if not af.get("n_records"):
        return []
    g = af["gross"]
    lines = ["", f"AF episodes (epicmp -A, from 5:00, gross over {af['n_records']} records): duration Se "
                 f"{f(g['duration_se'])} +P {f(g['duration_ppv'])} %, episode Se {f(g['episode_se'])} "
                 f"+P {f(g['episode_ppv'])} %", "",
             "| record | reference AF s | detected AF s | duration Se % | duration +P % |", "|---|---:|---:|---:|---:|"]
    for rec, e in af["per_record"].items():
        if e["reference_s"] or e["detected_s"]:
            lines.append(f"| {rec} | {e['reference_s']:.0f} | {e['detected_s']:.0f} | {f(e['duration_se'])} | "
                         f"{f(e['duration_ppv'])} |")
    return lines


def format_cv(s: dict) -> str:
    f = format_pct

    lines = [f"# {s['k']}-fold patient-wise cross-validation on DS1: `{s['model']}`", "",
             "| metric | mean % | std % | folds defined | pooled % |", "|---|---:|---:|---:|---:|"]
    for k in CV_METRICS:
        lines.append(f"| {k} | {f(s['mean'][k])} | {f(s['std'][k])} | {s['defined_folds'][k]}/{s['k']} | {f(s['pooled'][k])} |")
    lines += ["", "| fold | test records | beats | S Se | S +P | V Se | V +P | macro-F1 |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for fo in s["folds"]:
        lines.append(f"| {fo['fold']} | {' '.join(fo['test_records'])} | {fo['n_beats']} | {f(fo['S_se'])} | "
                     f"{f(fo['S_ppv'])} | {f(fo['V_se'])} | {f(fo['V_ppv'])} | {f(fo['macro_f1'])} |")
    return "\n".join(lines) + "\n"


def format_cv_epochs(s: dict) -> str:
    f = format_pct

    lines = [f"# Refit recipe, {s['k']}-fold patient-wise cross-validation on DS1: `{s['model']}`", "",
             "Pooled predictions of the held-out records after each epoch (no validation holdout). "
             + (f"Cosine learning-rate schedule over {s['max_epochs']} epochs: only the last row is the recipe's "
                "result (earlier rows show how steady training is)." if s.get("fixed_epochs") else
                f"Chosen: **{s['epochs']} epochs** (best score averaged over ±{s['smooth']} epochs)."), "",
             "| epochs | S Se | S +P | V Se | V +P | macro-F1 | score | smoothed |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for p in s["per_epoch"]:
        lines.append(f"| {p['epochs']} | {f(p['S_se'])} | {f(p['S_ppv'])} | {f(p['V_se'])} | {f(p['V_ppv'])} | "
                     f"{f(p['macro_f1'])} | {f(p['score'])} | {f(p['smoothed_score'])} |")
    return "\n".join(lines) + "\n"


def format_results(rows: list, meta: dict) -> str:
    f = format_pct

    lines = ["# Benchmark: what each founding design is really worth", "",
             f"Generated by `{meta['command'] or 'arrhythmia benchmark'}` on {meta['date']} ({meta['machine']}, "
             f"torch {meta['torch']}); seed {meta['seed']}. Same budget for every model: at most {meta['epochs']} "
             f"epochs of {meta['epoch_beats'] or 'all'} training beats (a seeded random subset each epoch), "
             f"early stopping patience {meta['patience']} on validation macro-F1 (whole held-out training records)."
             + (f" Quick run on records {' '.join(meta['records'])} only." if meta["quick"] else ""), "",
             "- **intra-patient**: the founding documents' random beat split (80/20) over the 44 non-paced records. "
             "The same patients are in training and test: **LEAKS PATIENTS**.",
             "- **inter-patient**: train on DS1, test on DS2 (de Chazal et al. 2004): no patient on both sides. "
             "This is what a new patient gets.", "",
             "All figures in %. S = supraventricular ectopic, V = ventricular ectopic; Se = sensitivity, +P = positive "
             "predictivity; macro-F1 over N, S, V, F.", "",
             "| model | protocol | accuracy | macro-F1 | S Se | S +P | V Se | V +P | test beats | epochs | time s |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        proto = r["protocol"] + (" (leaks)" if r["leaks_patients"] else "")
        lines.append(f"| {r['model']} | {proto} | {f(r['accuracy'])} | {f(r['macro_f1'])} | {f(r['S_se'])} | "
                     f"{f(r['S_ppv'])} | {f(r['V_se'])} | {f(r['V_ppv'])} | {r['n_test']} | {r['epochs_run']} | "
                     f"{r['seconds']} |")
    done = {(r["model"], r["protocol"]) for r in rows}
    missing = [f"{m} ({p})" for m in meta.get("models", []) for p in PROTOCOLS if (m, p) not in done]
    if missing:
        lines += ["", f"**Incomplete run**: not measured yet: {', '.join(missing)}."]
    lines += ["", "![benchmark](results.png)", ""]
    return "\n".join(lines)
