"""``arrhythmia demo``: clean and annotate a synthetic noisy ECG whose beats are known.

Needs no data and no training: a seeded synthetic two-lead ECG (see
:mod:`arrhythmia.datasets.synthetic`) with baseline wander, muscle noise,
50 Hz mains and some ectopic beats is cleaned (notch, band-pass, baseline
removal), annotated with the shipped default model (or ``--model``), and
compared with the known truth.

Outputs in ``out/``: ``noisy_vs_cleaned.png`` (with SNR before and after),
``strip.png`` and the other annotate outputs, ``synthetic.csv`` (the noisy
signal, to try ``arrhythmia annotate synthetic.csv --fs 360``) and
``demo.json``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..labels import AAMI_CLASSES


def snr_db(clean: np.ndarray, x: np.ndarray) -> float:
    """10 log10(power of the clean signal / power of what differs from it), both mean-removed."""
    c = clean - clean.mean()
    e = (x - x.mean()) - c
    return float(10 * np.log10(np.sum(c**2) / max(np.sum(e**2), 1e-20)))


def plot_cleaning(syn, cleaned, path, snr_before: float, snr_after: float, seconds: float = 10.0) -> Path:
    from ..plotting.figures import _plt

    plt = _plt()
    n = int(seconds * syn.fs)
    t = np.arange(n) / syn.fs
    fig, axes = plt.subplots(3, 1, figsize=(14, 7), sharex=True)
    for ax, y, title in ((axes[0], syn.noisy[0, :n], f"noisy: SNR {snr_before:.1f} dB"),
                         (axes[1], cleaned[0, :n], f"cleaned (50 Hz notch, 0.5-40 Hz band-pass, baseline removal): SNR {snr_after:.1f} dB"),
                         (axes[2], syn.clean[0, :n], "ground truth (noise-free)")):
        ax.plot(t, y, lw=0.8, color="0.15")
        ax.set_title(title, fontsize=10, loc="left")
        ax.set_ylabel("mV")
    axes[-1].set_xlabel("s")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def run_demo(out, model=None, seed: int = 0, duration: float = 60.0, backend: str = "auto", force: bool = False) -> dict:
    """Generate, clean, annotate and score a synthetic ECG; returns what ``demo.json`` holds."""
    from ..bundle import write_json
    from ..evaluation.detection import match_beats
    from ..errors import ArrhythmiaError
    from ..io.output import OutputFolder
    from ..io.recording import Recording
    from ..preprocessing.pipeline import Preprocessing
    from ..datasets.synthetic import synthetic_ecg
    from ..inference.annotate import _model_or_default
    from ..inference.outputs import write_outputs
    from ..pipeline.process import classify_recording
    from ..inference.runners import load_runner

    if not (np.isfinite(duration) and 10.0 <= duration <= 3600.0):
        raise ArrhythmiaError(f"Invalid value for '--duration': allowed 10 to 3600 s; got {duration:g}.")
    model = _model_or_default(model)
    guard = OutputFolder(out, "demo", inputs=[model], force=force).check()
    runner = load_runner(model, backend)
    syn = synthetic_ecg(duration=duration, seed=seed)
    cleaned = Preprocessing(bandpass=(0.5, 40.0), notch=50.0, baseline=True).apply(syn.noisy, syn.fs)
    before, after = snr_db(syn.clean[0], syn.noisy[0]), snr_db(syn.clean[0], cleaned[0])
    rec = Recording("synthetic", cleaned, syn.fs, syn.leads, source="synthetic ECG")
    ann = classify_recording(rec, runner)
    pred = [AAMI_CLASSES[k] for k in ann.proba.argmax(1)]
    r2d, d2r = match_beats(syn.r_peaks, ann.sample, int(0.15 * syn.fs))
    agree = {f"{a}->{b}": 0 for a in "NSV" for b in AAMI_CLASSES + ("-",)}
    for i, lab in enumerate(syn.labels):
        agree[f"{lab}->{pred[r2d[i]] if r2d[i] >= 0 else '-'}"] += 1
    result = {
        "seed": seed, "duration_s": duration, "fs": syn.fs,
        "snr_db": {"noisy": round(before, 2), "cleaned": round(after, 2)},
        "true_beats": {k: syn.labels.count(k) for k in "NSV"},
        "detected": int(len(ann.sample)), "missed": int((r2d < 0).sum()), "extra": int((d2r < 0).sum()),
        "true_to_predicted": {k: v for k, v in agree.items() if v},
        "model": {"bundle": str(model), "name": runner.config["model"]["name"], "backend": runner.backend},
    }
    with guard.staging() as tmp:
        summary = write_outputs(ann, tmp, result["model"], duration_s=duration)
        plot_cleaning(syn, cleaned, tmp / "noisy_vs_cleaned.png", before, after)
        np.savetxt(tmp / "synthetic.csv", syn.noisy.T, delimiter=",", header="MLII,V1", comments="", fmt="%.5f")
        result["summary"] = {k: summary[k] for k in ("n_beats", "beats_per_class", "mean_hr_bpm", "ectopic_burden_pct", "runs")}
        write_json(tmp / "demo.json", result)
    return result


