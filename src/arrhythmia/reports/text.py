"""Plain-text tables printed by the commands (``train``, ``peaks --evaluate``, ``data summary``, ``annotate``, ``demo``)."""

from __future__ import annotations

import numpy as np

from ..datasets.records import PACED
from ..datasets.splits import LEAK_WARNING
from ..evaluation.calibration import review_text
from ..labels import AAMI_CLASSES


def format_classification(rep) -> str:
    """Plain-text table, S and V first."""
    def pct(x):
        return "   n/a" if np.isnan(x) else f"{100 * x:6.2f}"
    lines = [f"{'class':<6}{'Se %':>8}{'+P %':>8}{'Spec %':>8}{'FPR %':>8}{'F1 %':>8}{'support':>9}"]
    for c in ("S", "V", "N", "F", "Q"):
        s = rep.per_class[c]
        lines.append(f"{c:<6}{pct(s['se']):>8}{pct(s['ppv']):>8}{pct(s['spec']):>8}{pct(s['fpr']):>8}"
                     f"{pct(s['f1']):>8}{s['support']:>9}")
    lines.append(f"macro-F1 (N,S,V,F) {pct(rep.macro_f1)} %   accuracy {pct(rep.accuracy)} %")
    for k in ("SVEB", "VEB"):
        e = rep.ec57[k]
        lines.append(f"EC57 gross {k:<5} Se {pct(e['se'])} %  +P {pct(e['ppv'])} %  FPR {pct(e['fpr'])} %")
    return "\n".join(lines)


def format_detection(score, n_worst: int = 5) -> str:
    """The detector's gross Se/+P and its worst records."""
    since = f" from {score.start_s:g} s" if getattr(score, "start_s", 0) else ""
    lines = [f"{len(score.per_record)} records, {score.tp + score.fn} reference beats{since}: "
             f"Se {100 * score.se:.2f} %  +P {100 * score.ppv:.2f} %  (TP {score.tp}, FN {score.fn}, FP {score.fp})",
             "worst records (missed + extra):"]
    for rec, c in score.worst(n_worst):
        lines.append(f"  {rec}: missed {c['fn']}, extra {c['fp']} of {c['tp'] + c['fn']} beats")
    return "\n".join(lines)


def format_data_summary(summary) -> str:
    """A plain-text table."""
    head = f"{'side':<14}{'records':>8}" + "".join(f"{c:>8}" for c in AAMI_CLASSES) + f"{'total':>9}"
    lines = [f"split: {summary.split}" + (f"  [{LEAK_WARNING}]" if summary.leaks_patients else ""),
             "beats per AAMI class (every annotated beat, windows not cut at the edges):", head]
    for r in summary.rows:
        lines.append(f"{r.side:<14}{len(r.records):>8}" + "".join(f"{c:>8}" for c in r.counts) + f"{r.counts.sum():>9}")
    lines.append(f"window preset {summary.window!r} drops beats whose window crosses a record edge:")
    for r in summary.rows:
        lines.append(f"{r.side:<14}{'':>8}" + "".join(f"{c:>8}" for c in r.dropped) + f"{r.dropped.sum():>9}")
    if summary.split == "inter-patient":
        lines.append(f"paced records excluded: {' '.join(PACED)}")
    return "\n".join(lines)


def format_summary(s: dict) -> str:
    """Plain-text summary for the terminal."""
    c = s["beats_per_class"]
    lines = [f"{s['n_beats']} beats in {s['duration_s']:.0f} s: " + ", ".join(f"{k} {v}" for k, v in c.items()),
             f"mean heart rate {s['mean_hr_bpm']} bpm; ectopic burden {s['ectopic_burden_pct']} % "
             f"(S {s['S_burden_pct']} %, V {s['V_burden_pct']} %)"]
    if s["runs"]:
        lines.append("runs: " + "; ".join(f"{k} x{v}" for k, v in s["runs"].items()))
    else:
        lines.append("runs: none")
    eps = s.get("af_episodes") or []
    if eps:
        lines.append(f"atrial fibrillation/flutter: {len(eps)} episode{'s' if len(eps) > 1 else ''}, burden "
                     f"{s['af_burden_pct']} % of the readable time (longest {max(e['duration_s'] for e in eps):.0f} s)")
    elif "af_episodes" in s:
        lines.append("atrial fibrillation/flutter: none found")
    if s.get("unreadable_s"):
        lines.append(f"unreadable (noise or lead off): {s['unreadable_s']:.0f} s, {s.get('n_unreadable_beats', 0)} "
                     "detections there labelled Q")
    ad = s.get("adaptation") or {}
    if ad.get("why") and ad.get("why") != "the model has no post-processing settings":
        lines.append(f"adaptation: {ad['why']}")
    moved = [f"{ad[k]} {what}" for k, what in (("relabelled_by_clusters", "beats relabelled by their cluster"),
                                               ("relabelled_in_af", "S beats in AF/flutter relabelled N"),
                                               ("relabelled_in_runs", "beats in premature runs relabelled S"),
                                               ("relabelled_irregular", "S beats in irregular rhythm relabelled N"))
             if ad.get(k)]
    if moved:
        lines.append("adaptation: " + "; ".join(moved))
    if s.get("low_confidence"):
        lines.append(f"{s['low_confidence']} beats marked for review (confidence {review_text(s['review_below'])})")
    t = (s.get("model") or {}).get("tested")
    if t:
        lines.append(f"this model on {t['records']}: S Se {100 * t['S_se']:.1f} %, S +P {100 * t['S_ppv']:.1f} %, "
                     f"V Se {100 * t['V_se']:.1f} %, V +P {100 * t['V_ppv']:.1f} %")
    return "\n".join(lines)


def format_demo(r: dict) -> str:
    lines = [f"synthetic ECG, {r['duration_s']:.0f} s at {r['fs']:g} Hz (seed {r['seed']}): "
             f"SNR {r['snr_db']['noisy']:.1f} dB noisy -> {r['snr_db']['cleaned']:.1f} dB cleaned",
             f"true beats {r['true_beats']}; detected {r['detected']}, missed {r['missed']}, extra {r['extra']}",
             "true -> predicted: " + ", ".join(f"{k} {v}" for k, v in r["true_to_predicted"].items()),
             f"model {r['model']['name']} ({r['model']['backend']})"]
    return "\n".join(lines)
