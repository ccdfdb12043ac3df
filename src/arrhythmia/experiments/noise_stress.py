"""``arrhythmia evaluate --noise-stress``: the EC57 noise stress test of the whole pipeline.

For each noise-stressed record (the published MIT-BIH Noise Stress Test
records 118e24 ... 119e_6, or copies of any annotated records made here the
way WFDB's ``nst`` makes them, :mod:`arrhythmia.datasets.noise_stress`), each
detector detects and the model classifies exactly as ``annotate`` does
(:func:`arrhythmia.pipeline.process.classify_recording`); the result is
scored beat by beat as WFDB ``bxb`` from 5:00 (:mod:`arrhythmia.evaluation.ec57`:
QRS, VEB and SVEB Se and +P), then scored again after the signal-quality
policy (:mod:`arrhythmia.preprocessing.quality`: detections in unreadable
seconds dropped), which shows how many false beats the policy removes and
how many true beats it costs. Figures are pooled per SNR (gross, as sumstats).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..datasets.noise_stress import NSTDB_SNRS, check_snr, snr_suffix

DETECTORS = ("pan_tompkins", "fusion")
"""Compared by default: annotate's detector today, and the two-lead one."""
START_S = 300.0


@dataclass(frozen=True)
class StressCase:
    """One noise-stressed recording: its name, the Recording, the SNR (dB) and the noise record."""

    name: str
    recording: object
    snr_db: float
    noise: str


def published_cases(nstdb_dir, snrs=NSTDB_SNRS):
    """The published records 118e* and 119e* at ``snrs`` (each a :class:`StressCase`), read lazily."""
    from ..errors import ArrhythmiaError
    from ..io.wfdb_io import read_wfdb

    for snr in snrs:
        if float(snr) not in {float(v) for v in NSTDB_SNRS}:
            raise ArrhythmiaError(f"Invalid value for '--snr': allowed {', '.join(f'{v:g}' for v in NSTDB_SNRS)} for "
                                  f"the published records (or give --records to make copies at any SNR); got {snr:g}.")
        for base in ("118", "119"):
            name = f"{base}e{snr_suffix(snr)}"
            yield StressCase(name, read_wfdb(Path(nstdb_dir) / name), float(snr), "em")


def built_cases(data_dir, nstdb_dir, records, noises=("em",), snrs=NSTDB_SNRS):
    """Noise-stressed copies of ``records`` of ``data_dir`` made here (nst's rule), one per noise and SNR."""
    from ..datasets.noise_stress import read_noise, stress_recording
    from ..io.wfdb_io import read_wfdb

    for noise in noises:
        read_noise(nstdb_dir, noise, 360.0)  # a missing noise record fails before any work
    for r in records:
        rec = read_wfdb(Path(data_dir) / r)
        for noise in noises:
            for snr in snrs:
                st = stress_recording(rec, nstdb_dir, noise, snr)
                yield StressCase(st.recording.name, st.recording, float(snr), noise)


def score_case(case: StressCase, runner, detector: str, start_s: float = START_S, adapt: bool = True) -> dict:
    """bxb comparisons of one case: every detection with the class ``annotate`` gives it (after the bundle's
    label-free post-processing, unless ``adapt`` is False; the network's own class in unreadable seconds, where
    ``annotate`` says Q), and only the detections in readable seconds (what dropping the unreadable ones would
    leave; ``annotate`` labels them Q instead, which changes nothing for S and V)."""
    from ..evaluation.ec57 import compare_beats
    from ..labels import AAMI_CLASSES
    from ..pipeline.process import classify_recording

    rec = case.recording
    ann = classify_recording(rec, runner, detector=detector, adapt=adapt)
    cls = ann.proba_model.argmax(1)
    cls[ann.readable] = ann.proba[ann.readable].argmax(1)
    labels = np.asarray(AAMI_CLASSES, dtype=object)[cls]
    keep = ann.readable
    ref = rec.annotations

    def cmp(s, lab):
        return compare_beats(ref.sample, ref.symbol, s, lab, rec.fs, start_s=start_s, end_sample=rec.n_samples,
                             record=case.name)

    start = int(start_s * rec.fs)
    unread = sum(max(0, b - max(a, start)) for a, b in ann.unreadable.tolist())
    return {"all": cmp(ann.sample, labels), "readable": cmp(ann.sample[keep], labels[keep]),
            "unreadable_s": float(unread / rec.fs), "scored_s": float((rec.n_samples - start) / rec.fs)}


def _row(snr: float, detector: str, scored: list[dict]) -> dict:
    from ..evaluation.ec57 import gross_beats

    g_all = gross_beats([s["all"] for s in scored])
    g_q = gross_beats([s["readable"] for s in scored])
    tp_a, fp_a = sum(s["all"].qrs_tp for s in scored), sum(s["all"].qrs_fp for s in scored)
    tp_q, fp_q = sum(s["readable"].qrs_tp for s in scored), sum(s["readable"].qrs_fp for s in scored)
    v_fp = [sum(s[k].veb[2] for s in scored) for k in ("all", "readable")]
    return {"snr_db": snr, "detector": detector, "records": len(scored),
            "reference_beats": g_all.totals["QRS"], "qrs_se": g_all.qrs_se, "qrs_ppv": g_all.qrs_ppv,
            "veb_se": g_all.veb_se, "veb_ppv": g_all.veb_ppv, "sveb_se": g_all.sveb_se, "sveb_ppv": g_all.sveb_ppv,
            "unreadable_s": sum(s["unreadable_s"] for s in scored), "scored_s": sum(s["scored_s"] for s in scored),
            "false_beats_removed": fp_a - fp_q, "true_beats_lost": tp_a - tp_q,
            "false_veb_removed": v_fp[0] - v_fp[1],
            "readable": {"qrs_se": g_q.qrs_se, "qrs_ppv": g_q.qrs_ppv, "veb_se": g_q.veb_se, "veb_ppv": g_q.veb_ppv,
                         "sveb_se": g_q.sveb_se, "sveb_ppv": g_q.sveb_ppv}}


def run_noise_stress(nstdb_dir, out, bundle=None, data_dir=None, records=None, noises=("em",), snrs=NSTDB_SNRS,
                     detectors=DETECTORS, backend: str = "auto", save_records: bool = False, force: bool = False,
                     progress: bool = False, adapt: bool = True) -> dict:
    """Score the whole pipeline under noise; write ``noise_stress.md`` and ``noise_stress.json`` into ``out``.

    Parameters
    ----------
    nstdb_dir : str or Path
        MIT-BIH Noise Stress Test Database folder (published records and bw, em, ma).
    out : str or Path
        Output folder (the project's output policy: new, empty, or ours with ``force``).
    bundle : str or Path, optional
        Model bundle (default: the shipped model).
    data_dir : str or Path, optional
        Where ``records`` are read (MIT-BIH).
    records : sequence of str, optional
        Make noise-stressed copies of these records (``noises`` x ``snrs``);
        default: the published 118e*/119e* records at ``snrs``.
    detectors : sequence of str
        Registered detector names to compare.
    save_records : bool
        Also write the copies made here as WFDB records into ``out/records``.
    adapt : bool
        Score the classes ``annotate`` gives (the bundle's label-free post-processing); False: the network's own
        (``--no-adapt``, as this command scored before 2026-12-03).

    Returns
    -------
    dict
        What ``noise_stress.json`` holds: one row per SNR and detector.
    """
    from tqdm.auto import tqdm

    from ..bundle import write_json
    from ..errors import check_option
    from ..inference.annotate import default_model_path
    from ..inference.runners import load_runner
    from ..io.output import OutputFolder
    from ..preprocessing.detectors import DETECTORS as NAMES

    for d in detectors:
        check_option("--detector", d, NAMES)
    snrs = tuple(check_snr(s) for s in snrs)
    bundle = bundle or default_model_path()
    guard = OutputFolder(out, "evaluate --noise-stress", inputs=[bundle, nstdb_dir, data_dir], force=force).check()
    cases = list(built_cases(data_dir, nstdb_dir, records, noises, snrs) if records else published_cases(nstdb_dir, snrs))
    runner = load_runner(bundle, backend)
    scored: dict = {}
    for case in tqdm(cases, desc="noise stress", unit="record", disable=not progress):
        for d in detectors:
            scored.setdefault((case.snr_db, d), []).append(score_case(case, runner, d, adapt=adapt))
    rows = [_row(snr, d, scored[(snr, d)]) for snr in snrs for d in detectors]
    result = {"bundle": str(bundle), "nstdb_dir": str(nstdb_dir), "start_s": START_S, "adapt": adapt,
              "records": sorted({c.name for c in cases}), "noises": list(noises) if records else ["em"],
              "rows": rows}
    with guard.staging() as tmp:
        write_json(tmp / "noise_stress.json", result)
        (tmp / "noise_stress.md").write_text(format_noise_stress(result))
        if save_records and records:
            from ..datasets.noise_stress import write_record

            for c in cases:
                write_record(c.recording, tmp / "records")
    return result


def format_noise_stress(result: dict) -> str:
    """The two tables of ``noise_stress.md``: all detections, and the quality policy's effect."""
    def p(v):
        return "n/a" if v is None or v != v else f"{100 * v:.2f}"

    lines = [f"# Noise stress test (bxb from {result['start_s'] / 60:g}:00, gross per SNR)", "",
             f"Records: {' '.join(result['records'])}; model `{result['bundle']}`"
             + ("" if result.get("adapt", True) else ", without adaptation (`--no-adapt`)") + ".", "",
             "| SNR dB | detector | beats | QRS Se | QRS +P | V Se | V +P | S Se | S +P |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in result["rows"]:
        lines.append(f"| {r['snr_db']:g} | {r['detector']} | {r['reference_beats']} | {p(r['qrs_se'])} | "
                     f"{p(r['qrs_ppv'])} | {p(r['veb_se'])} | {p(r['veb_ppv'])} | {p(r['sveb_se'])} | "
                     f"{p(r['sveb_ppv'])} |")
    lines += ["", "Detections in unreadable seconds dropped (signal-quality policy):", "",
              "| SNR dB | detector | unreadable % | false beats removed | true beats lost | false V removed | "
              "QRS Se | QRS +P | V Se | V +P |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in result["rows"]:
        q = r["readable"]
        lines.append(f"| {r['snr_db']:g} | {r['detector']} | {100 * r['unreadable_s'] / max(r['scored_s'], 1):.1f} | "
                     f"{r['false_beats_removed']} | {r['true_beats_lost']} | {r['false_veb_removed']} | "
                     f"{p(q['qrs_se'])} | {p(q['qrs_ppv'])} | {p(q['veb_se'])} | {p(q['veb_ppv'])} |")
    return "\n".join(lines) + "\n"
