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


def classify_recording(recording, runner, review_below: float = REVIEW_BELOW,
                       detector: str | None = None) -> AnnotatedRecording:
    """Detect and classify every beat of ``recording`` with a runner.

    ``detector``: a name of :mod:`arrhythmia.preprocessing.detectors`, run on the
    model's leads; default ``None``, today's detector (``pan_tompkins`` on the first lead).

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
    if detector is None:
        peaks = detect_r_peaks(lead0, rec.fs)
    else:
        from ..preprocessing.detectors import detect

        peaks = detect(rec.signal, rec.fs, detector).peaks
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
                  start_s: float = 0.0, duration_s: float = 60.0, pages: bool = False, source=None) -> dict:
    """Write the annotation file, beats.csv, summary.json and the strip(s) into ``out``.

    ``summary.json`` names the recording (``record``), the WFDB record name of
    the annotation file (``wfdb_record``: any file name made safe for WFDB,
    see :func:`arrhythmia.io.wfdb_io.wfdb_record_name`) and, when given, the
    input it was read from (``source``, an absolute path).
    """
    from ..bundle import write_json
    from ..io.wfdb_io import wfdb_record_name, write_annotations
    from .rhythm import rhythm_summary
    from .strip import plot_strip

    check_strip_range(start_s, duration_s, ann.duration_s)
    out.mkdir(parents=True, exist_ok=True)
    labels, conf = ann.labels, ann.confidence
    wfdb_name = wfdb_record_name(ann.name)
    write_annotations(wfdb_name, out, ann.sample, labels, fs=ann.fs, extension=ANNOTATOR,
                      aux_note=[f"p={c:.2f}" for c in conf])
    with open(out / "beats.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time_s", "sample", "class", "confidence", "review"] + [f"p_{c}" for c in AAMI_CLASSES])
        for s, lab, c, p in zip(ann.sample, labels, conf, ann.proba):
            w.writerow([f"{s / ann.fs:.3f}", int(s), lab, f"{c:.4f}", int(c < review_below)] + [f"{v:.4f}" for v in p])
    summary = rhythm_summary(labels, ann.sample, ann.fs, ann.duration_s)
    summary.update({"record": ann.name, "wfdb_record": wfdb_name, "annotation_file": f"{wfdb_name}.{ANNOTATOR}",
                    "source": str(Path(source).resolve()) if source is not None else None,
                    "fs": ann.fs, "n_detected": ann.n_detected,
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
        plot_strip(ann.signal, ann.fs, ann.sample, labels, conf, out / "strip.png", start_s=start_s,
                   duration_s=min(duration_s, ann.duration_s - start_s), review_below=review_below, title=title,
                   lead=ann.lead)
    return summary


def check_strip_range(start_s: float, duration_s: float, length_s: float | None = None) -> None:
    """``--start`` and ``--duration`` must be finite, ``start >= 0``, ``duration > 0`` (and start inside the record)."""
    if not (np.isfinite(start_s) and start_s >= 0 and (length_s is None or start_s < length_s)):
        allowed = "0 s or more" if length_s is None else f"0 to {length_s:.1f} s"
        raise ArrhythmiaError(f"Invalid value for '--start': allowed {allowed}; got {start_s:g}.")
    if not (np.isfinite(duration_s) and duration_s > 0):
        raise ArrhythmiaError(f"Invalid value for '--duration': allowed a positive number of seconds; got {duration_s:g}.")


def check_review_below(review_below: float) -> float:
    """``--review-below`` is a confidence: a number from 0 to 1."""
    if not (np.isfinite(review_below) and 0.0 <= review_below <= 1.0):
        raise ArrhythmiaError(f"Invalid value for '--review-below': allowed 0 to 1; got {review_below:g}.")
    return float(review_below)


def model_info(model: Path, runner) -> dict:
    """What ``summary.json`` says about the model."""
    return {"bundle": str(model), "name": runner.config["model"]["name"], "backend": runner.backend,
            "validation": runner.config.get("validation", {}).get("macro_f1"),
            "tested": tested_figures(runner.config)}


def annotate(input_path, out, model=None, fs=None, backend: str = "auto", review_below: float = REVIEW_BELOW,
             start_s: float = 0.0, duration_s: float = 60.0, pages: bool = False, force: bool = False,
             runner=None) -> dict:
    """Annotate one recording; see the module docstring for the outputs.

    Parameters
    ----------
    input_path : str or Path
        WFDB record, CSV, EDF or ``.npy`` file.
    out : str or Path
        Output folder: new, empty, or (with ``force``) an earlier output of
        this tool, whose files alone are replaced (see :mod:`arrhythmia.io.output`).
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
    force : bool
        Replace an earlier output in ``out``.
    runner : object, optional
        An already loaded runner of ``model`` (batch annotation loads it once).

    Returns
    -------
    dict
        The summary written to ``summary.json``.
    """
    from ..io.output import OutputFolder
    from ..io.readers import input_files, read_input
    from .runners import load_runner

    check_review_below(review_below)
    check_strip_range(start_s, duration_s)
    model = _model_or_default(model)
    guard = OutputFolder(out, "annotate", inputs=[*input_files(input_path), model], force=force).check()
    runner = runner or load_runner(model, backend)
    rec = read_input(input_path, fs)
    ann = classify_recording(rec, runner, review_below)
    check_strip_range(start_s, duration_s, ann.duration_s)
    with guard.staging() as tmp:
        summary = write_outputs(ann, tmp, model_info(model, runner), review_below, start_s, duration_s, pages,
                                source=input_path)
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
