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
    rule's threshold for its class), p_N, p_S, p_V, p_F, p_Q.
``summary.json``
    beats per class, mean heart rate, ectopic burden, runs (see
    :func:`arrhythmia.rhythm.runs.rhythm_summary`), model and detector.
``strip.png`` (or ``strip_001.png`` ... with ``pages``)
    the ECG with each beat's class and confidence.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import ArrhythmiaError, file_error

from ..pipeline.process import classify_recording
from .outputs import REVIEW_BELOW, write_outputs


def default_model_path() -> Path:
    """The model shipped inside the package (see docs/default_model.md for what it was trained on)."""
    return Path(str(resources.files("arrhythmia") / "default_model"))


def check_strip_range(start_s: float, duration_s: float, length_s: float | None = None) -> None:
    """``--start`` and ``--duration`` must be finite, ``start >= 0``, ``duration > 0`` (and start inside the record)."""
    if not (np.isfinite(start_s) and start_s >= 0 and (length_s is None or start_s < length_s)):
        allowed = "0 s or more" if length_s is None else f"0 to {length_s:.1f} s"
        raise ArrhythmiaError(f"Invalid value for '--start': allowed {allowed}; got {start_s:g}.")
    if not (np.isfinite(duration_s) and duration_s > 0):
        raise ArrhythmiaError(f"Invalid value for '--duration': allowed a positive number of seconds; got {duration_s:g}.")


def check_review_below(review_below: float | None) -> float | None:
    """``--review-below`` is a confidence: a number from 0 to 1 (None: the model's own default)."""
    if review_below is None:
        return None
    if not (np.isfinite(review_below) and 0.0 <= review_below <= 1.0):
        raise ArrhythmiaError(f"Invalid value for '--review-below': allowed 0 to 1; got {review_below:g}.")
    return float(review_below)


def review_threshold(review_below: float | None, config: dict) -> float | dict:
    """The review rule: the threshold given (the same for every class), else the bundle's
    (``postprocess.review_below``, chosen in cross-validation by scripts/select_default_model.py: one number, or
    one per class), else 0.6."""
    if review_below is not None:
        return float(review_below)
    from ..evaluation.calibration import review_thresholds

    rule = (config.get("postprocess") or {}).get("review_below", REVIEW_BELOW)
    per_class = review_thresholds(rule, "postprocess.review_below")  # a one-line error for a malformed rule
    return {c: per_class[c] for c in rule} if isinstance(rule, dict) else float(rule)  # the classes it names


def model_info(model: Path, runner) -> dict:
    """What ``summary.json`` says about the model."""
    return {"bundle": str(model), "name": runner.config["model"]["name"], "backend": runner.backend,
            "validation": runner.config.get("validation", {}).get("macro_f1"),
            "tested": tested_figures(runner.config)}


def annotate(input_path, out, model=None, fs=None, backend: str = "auto", review_below: float | None = None,
             start_s: float = 0.0, duration_s: float = 60.0, pages: bool = False, force: bool = False,
             runner=None, detector: str = "default", adapt: bool = True, beats_from: str | None = None) -> dict:
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
    review_below : float, optional
        Beats under this confidence are flagged for review (one threshold for
        every class); default: the rule the model's cross-validation chose,
        one threshold or one per class (:func:`review_threshold`).
    start_s, duration_s : float
        Time range of ``strip.png``.
    pages : bool
        Write the whole recording as ``strip_001.png``, ... (60 s a page).
    force : bool
        Replace an earlier output in ``out``.
    runner : object, optional
        An already loaded runner of ``model`` (batch annotation loads it once).
    detector : str
        R-peak detector (:mod:`arrhythmia.preprocessing.detectors`).
    adapt : bool
        Adapt the model's probabilities to the recording (no label is read; see
        :mod:`arrhythmia.pipeline.adapt`); False: the plain, calibrated model.
    beats_from : str, optional
        Annotator (file extension) of a WFDB record whose beat times are
        classified instead of detected ones; their labels are not read.

    Returns
    -------
    dict
        The summary written to ``summary.json``.
    """
    from ..io.output import OutputFolder
    from ..io.readers import input_files, read_input
    from ..pipeline.adapt import check_settings
    from .runners import load_runner

    check_review_below(review_below)
    check_strip_range(start_s, duration_s)
    if (Path(out) / "corrections.csv").is_file():  # written by `arrhythmia serve`: annotating again would orphan them
        raise file_error(out, "holds a reviewer's corrections (corrections.csv); annotating again would lose them: "
                              "choose another --out")
    from ..errors import check_option
    from ..preprocessing.detectors import DETECTORS

    check_option("--detector", detector, DETECTORS)
    model = _model_or_default(model)
    guard = OutputFolder(out, "annotate", inputs=[*input_files(input_path), model], force=force).check()
    # the recording checked before the model is loaded; no reference annotation is read (none is used)
    rec = read_input(input_path, fs, annotations=False)
    runner = runner or load_runner(model, backend)
    review = review_threshold(review_below, runner.config)  # a malformed rule in the bundle: an error before any work
    try:                                                         # and malformed post-processing settings
        check_settings(runner.config.get("postprocess"))
    except ArrhythmiaError as e:
        raise file_error(Path(model) / "config.json", str(e)) from None
    peaks = None
    if beats_from:
        from ..rhythm.from_annotations import read_beat_annotations

        peaks = read_beat_annotations(input_path, beats_from, rec.fs).samples
    ann = classify_recording(rec, runner, detector=detector, adapt=adapt, peaks=peaks,
                             peaks_from=f"annotation file .{beats_from}")
    check_strip_range(start_s, duration_s, ann.duration_s)
    with guard.staging() as tmp:
        summary = write_outputs(ann, tmp, model_info(model, runner), review,
                                start_s, duration_s, pages,
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
