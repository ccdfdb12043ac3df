"""One recording through the pipeline: leads -> R peaks -> beat windows -> class probabilities.

No reference annotation is read: this is what ``arrhythmia annotate`` and the
whole-pipeline evaluation run on every recording. The classifier is any
*runner* (an object with ``config``, the bundle's config dict, and
``predict_proba(x, rr)``; see :mod:`arrhythmia.inference.runners`), so this
stage needs neither torch nor onnxruntime itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import file_error
from ..labels import AAMI_CLASSES

MIN_DURATION_S = 10.0
HR_RANGE_BPM = (20.0, 300.0)


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


def classify_recording(recording, runner, detector: str | None = None) -> AnnotatedRecording:
    """Detect and classify every beat of ``recording`` with a runner.

    ``detector``: a name of :mod:`arrhythmia.preprocessing.detectors`, run on the
    model's leads; default ``None``, ``pan_tompkins`` on the first lead.

    Raises
    ------
    ArrhythmiaError
        Too short, flat, noise without QRS complexes, or an implausible heart
        rate (a wrong ``--fs``), naming the input.
    """
    from .segment import BeatConfig, segment
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
