"""``arrhythmia annotate``: any ECG in, every beat located and classified out.

Pipeline: read -> keep the bundle's leads -> detect R peaks on the first of
them (no reference annotations used) -> filter, resample to the model's rate
and cut windows exactly as in training -> classify in batches (onnxruntime,
or torch) -> write the outputs.

Outputs (``out/``, written to a temporary folder and moved into place only
when complete):

``<record>.arr``
    WFDB annotation file (annotator ``arr``), symbols N, S, V, F, Q at the
    detected R peaks, the confidence as each annotation's aux note.
``beats.csv``
    time_s, sample, class, confidence, review (1 when under the review
    threshold), p_N, p_S, p_V, p_F, p_Q.
``summary.json``
    beats per class, mean heart rate, ectopic burden, runs (see
    :func:`arrhythmia.inference.rhythm.rhythm_summary`), model and detector.
``strip.png`` (or ``strip_001.png`` ... with ``pages``)
    the ECG with each beat's class and confidence.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import ArrhythmiaError, file_error
from ..labels import AAMI_CLASSES

ANNOTATOR = "arr"
MIN_DURATION_S = 10.0
HR_RANGE_BPM = (20.0, 300.0)
REVIEW_BELOW = 0.6
OUTPUT_MARK = "summary.json"  # a folder holding this is an earlier annotation and may be replaced


def default_model_path() -> Path:
    """The model shipped inside the package (trained on DS1 only)."""
    return Path(str(resources.files("arrhythmia") / "default_model"))


@dataclass
class AnnotatedRecording:
    """Detected and classified beats of one recording.

    Attributes
    ----------
    name : str
    fs : float
        Rate of ``sample``.
    sample : ndarray of int64
        R peaks of the classified beats (at ``fs``).
    proba : ndarray of float32, shape (n, 5)
    n_detected : int
        Detections, including those too close to an edge to classify.
    lead : str
        Lead used for detection and shown on the strip.
    signal : ndarray
        That lead, in mV (for plotting).
    """

    name: str
    fs: float
    sample: np.ndarray
    proba: np.ndarray
    n_detected: int
    lead: str
    signal: np.ndarray
    duration_s: float

    @property
    def labels(self) -> list[str]:
        return [AAMI_CLASSES[k] for k in self.proba.argmax(1)]

    @property
    def confidence(self) -> np.ndarray:
        return self.proba.max(1) if len(self.proba) else np.zeros(0)


def classify_recording(recording, runner, review_below: float = REVIEW_BELOW) -> AnnotatedRecording:
    """Detect and classify every beat of ``recording`` with a runner.

    Raises
    ------
    ArrhythmiaError
        Too short, flat, noise without QRS complexes, or an implausible heart
        rate (a wrong ``--fs``), naming the input.
    """
    from ..datasets.beats import BeatConfig, segment
    from ..preprocessing.peaks import QUALITY_MIN, detect_r_peaks, qrs_quality

    src = recording.source or recording.name
    cfg = BeatConfig.from_dict(runner.config["beats"])
    if recording.duration < MIN_DURATION_S:
        raise file_error(src, f"recording too short ({recording.duration:.1f} s); at least {MIN_DURATION_S:g} s "
                              "are needed to detect and classify beats")
    if len(recording.leads) < sum(1 for lead in cfg.leads):
        # a one-lead input for a two-lead model: repeat the lead, and say so
        import warnings

        warnings.warn(f"{src}: the model uses {len(cfg.leads)} leads, the input has {len(recording.leads)}; "
                      "repeating the lead", stacklevel=2)
        from dataclasses import replace

        k = len(cfg.leads) - len(recording.leads)
        recording = replace(recording, signal=np.vstack([recording.signal] + [recording.signal[:1]] * k),
                            leads=recording.leads + tuple(f"{recording.leads[0]}(copy)" for _ in range(k)))
    rec = recording.select_leads(cfg.leads)
    lead0 = rec.signal[0]
    if np.ptp(lead0) == 0:
        raise file_error(src, "flat signal: no heartbeats to detect")
    peaks = detect_r_peaks(lead0, rec.fs)
    if peaks.size < 3 or qrs_quality(lead0, rec.fs, peaks) < QUALITY_MIN:
        raise file_error(src, f"no ECG-like heartbeats found at {rec.fs:g} Hz: the signal looks like noise, "
                              "or the sampling rate (--fs) is wrong")
    hr = 60.0 * rec.fs / np.median(np.diff(peaks))
    if not (HR_RANGE_BPM[0] <= hr <= HR_RANGE_BPM[1]):
        raise file_error(src, f"implausible heart rate {hr:.0f} bpm at {rec.fs:g} Hz: is the sampling rate (--fs) right?")
    x, kept, rr = segment(rec, peaks, cfg)
    proba = runner.predict_proba(x, rr)
    return AnnotatedRecording(rec.name, rec.fs, peaks[kept], proba.astype(np.float32), int(peaks.size),
                              rec.leads[0], lead0, recording.duration)


def write_outputs(ann: AnnotatedRecording, out: Path, model_info: dict, review_below: float = REVIEW_BELOW,
                  start_s: float = 0.0, duration_s: float = 60.0, pages: bool = False) -> dict:
    """Write the annotation file, beats.csv, summary.json and the strip(s) into ``out``."""
    from ..bundle import write_json
    from ..io.wfdb_io import write_annotations
    from .rhythm import rhythm_summary
    from .strip import plot_strip

    out.mkdir(parents=True, exist_ok=True)
    labels, conf = ann.labels, ann.confidence
    write_annotations(ann.name, out, ann.sample, labels, fs=ann.fs, extension=ANNOTATOR,
                      aux_note=[f"p={c:.2f}" for c in conf])
    with open(out / "beats.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time_s", "sample", "class", "confidence", "review"] + [f"p_{c}" for c in AAMI_CLASSES])
        for s, lab, c, p in zip(ann.sample, labels, conf, ann.proba):
            w.writerow([f"{s / ann.fs:.3f}", int(s), lab, f"{c:.4f}", int(c < review_below)] + [f"{v:.4f}" for v in p])
    summary = rhythm_summary(labels, ann.sample, ann.fs, ann.duration_s)
    summary.update({"record": ann.name, "fs": ann.fs, "n_detected": ann.n_detected,
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
        if start_s < 0 or start_s >= ann.duration_s:
            raise ArrhythmiaError(f"Invalid value for '--start': allowed 0 to {ann.duration_s:.1f} s; got {start_s:g}.")
        plot_strip(ann.signal, ann.fs, ann.sample, labels, conf, out / "strip.png", start_s=start_s,
                   duration_s=min(duration_s, ann.duration_s - start_s), review_below=review_below, title=title,
                   lead=ann.lead)
    return summary


def annotate(input_path, out, model=None, fs=None, backend: str = "auto", review_below: float = REVIEW_BELOW,
             start_s: float = 0.0, duration_s: float = 60.0, pages: bool = False) -> dict:
    """Annotate one recording; see the module docstring for the outputs.

    Parameters
    ----------
    input_path : str or Path
        WFDB record, CSV, EDF or ``.npy`` file.
    out : str or Path
        Output folder (replaced only if it holds an earlier annotation).
    model : str or Path, optional
        Bundle folder; default: the model shipped in the package.
    fs : float, optional
        Sampling rate, required for CSV and NumPy inputs.
    backend : {'auto', 'onnx', 'torch'}
    review_below : float
        Beats under this confidence are flagged for review.
    start_s, duration_s : float
        Time range of ``strip.png``.
    pages : bool
        Write the whole recording as ``strip_001.png``, ... (60 s a page).

    Returns
    -------
    dict
        The summary written to ``summary.json``.
    """
    from ..io.output import check_output, output_folder
    from ..io.readers import read_input
    from .runners import load_runner

    out = check_output(out, OUTPUT_MARK)
    if (out / "corrections.csv").is_file():  # written by `arrhythmia serve`: replacing the folder would lose them
        raise file_error(out, "holds a reviewer's corrections (corrections.csv); annotating again would lose them: "
                              "choose another --out")
    model = _model_or_default(model)
    runner = load_runner(model, backend)
    rec = read_input(input_path, fs)
    ann = classify_recording(rec, runner, review_below)
    with output_folder(out, OUTPUT_MARK) as tmp:
        info = {"bundle": str(model), "name": runner.config["model"]["name"], "backend": runner.backend,
                "validation": runner.config.get("validation", {}).get("macro_f1"),
                "tested": tested_figures(runner.config)}
        summary = write_outputs(ann, tmp, info, review_below, start_s, duration_s, pages)
    return summary


def tested_figures(config: dict) -> dict | None:
    """S and V figures a bundle records from its test on unseen patients (whole pipeline), or None.

    The shipped model records them (``config["test"]``, written by
    scripts/build_default_model.py); ``annotate`` repeats them so that a
    reader of its output knows how far to trust each class.
    """
    t = (config.get("test") or {}).get("pipeline")
    if not t:
        return None
    return {"records": "DS2 (MIT-BIH, 22 patients not seen in training)",
            **{k: t[k] for k in ("S_se", "S_ppv", "V_se", "V_ppv")}}


def _model_or_default(model) -> Path:
    if model:
        return Path(model)
    path = default_model_path()
    if not (path / "config.json").is_file():
        raise ArrhythmiaError("no default model is shipped in this installation; give --model BUNDLE")
    return path
