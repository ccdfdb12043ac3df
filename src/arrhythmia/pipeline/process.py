"""One recording through the pipeline: leads -> R peaks -> beat windows -> class probabilities.

No reference annotation is read: this is what ``arrhythmia annotate`` and the
whole-pipeline evaluation run on every recording. The classifier is any
*runner* (an object with ``config``, the bundle's config dict, and
``predict_proba(x, rr)``; see :mod:`arrhythmia.inference.runners`), so this
stage needs neither torch nor onnxruntime itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import file_error
from ..labels import AAMI_CLASSES

MIN_DURATION_S = 10.0
HR_RANGE_BPM = (20.0, 300.0)


DEFAULT_DETECTOR = "default"
"""The detector ``annotate`` runs unless told otherwise (the registry's best: see docs/benchmarks.md)."""


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
        Class probabilities after the label-free post-processing (:func:`arrhythmia.pipeline.adapt.postprocess`).
    n_detected : int
        Detections, including those too close to an edge to classify and those in unreadable stretches.
    lead : str
        First lead of the model (shown on the strip).
    signal : ndarray
        That lead, in mV (for plotting).
    duration_s : float
    detector : str
        The detector that ran.
    proba_model : ndarray, shape (n, 5), optional
        The network's own probabilities, before post-processing.
    unreadable : ndarray of int64, shape (k, 2)
        Unreadable stretches ([start, stop) samples): no beat is classified there.
    n_unreadable : int
        Detections in an unreadable stretch: they are kept as beats of class Q (unclassifiable, as WFDB marks
        beats in noise), with no other class's probability, and left out of the burden figures.
    readable : ndarray of bool, shape (n,)
        False for those beats.
    noise_marks : tuple
        WFDB ``~`` annotations of those stretches: (samples, subtypes).
    episodes : list of dict
        AF / flutter episodes (``start``, ``end`` samples, ``rhythm``).
    adaptation : dict
        What the post-processing did (see :func:`~arrhythmia.pipeline.adapt.postprocess`).
    af_dropped : list of dict
        Episodes the RR intervals gave but the P-wave check dropped (:mod:`arrhythmia.rhythm.p_waves`):
        ``start``, ``end`` (samples) and ``coherence``.
    """

    name: str
    fs: float
    sample: np.ndarray
    proba: np.ndarray
    n_detected: int
    lead: str
    signal: np.ndarray
    duration_s: float
    detector: str = "pan_tompkins"
    proba_model: np.ndarray | None = None
    unreadable: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))
    n_unreadable: int = 0
    readable: np.ndarray | None = None
    noise_marks: tuple = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    episodes: list = field(default_factory=list)
    adaptation: dict = field(default_factory=dict)
    af_dropped: list = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [AAMI_CLASSES[k] for k in self.proba.argmax(1)]

    @property
    def confidence(self) -> np.ndarray:
        return self.proba.max(1) if len(self.proba) else np.zeros(0)

    @property
    def unreadable_s(self) -> float:
        return float(np.sum(self.unreadable[:, 1] - self.unreadable[:, 0]) / self.fs) if len(self.unreadable) else 0.0


def model_leads(recording, cfg):
    """``recording`` reduced to the model's leads (a one-lead input for a two-lead model repeats its lead, with a note)."""
    import warnings
    from dataclasses import replace

    src = recording.source or recording.name
    if len(recording.leads) < len(cfg.leads):
        warnings.warn(f"{src}: the model uses {len(cfg.leads)} leads, the input has {len(recording.leads)}; "
                      "repeating the lead", stacklevel=3)
        k = len(cfg.leads) - len(recording.leads)
        recording = replace(recording, signal=np.vstack([recording.signal] + [recording.signal[:1]] * k),
                            leads=recording.leads + tuple(f"{recording.leads[0]}(copy)" for _ in range(k)))
    return recording.select_leads(cfg.leads)


def without_gaps(rec):
    """``rec`` with its gaps (NaN samples) filled, and where they were (per sample; None when there is none)."""
    from dataclasses import replace

    from ..preprocessing.quality import fill_gaps

    if np.isfinite(rec.signal).all():
        return rec, None
    filled, gaps = fill_gaps(rec.signal)
    return replace(rec, signal=filled), gaps


def detect_beats(rec, detector: str = DEFAULT_DETECTOR, gaps=None, chunk_s: float | None = None):
    """R peaks of ``rec``, which of them lie in readable stretches, and its signal quality.

    ``chunk_s`` is the detector's (its band-pass in chunks: see :func:`~arrhythmia.preprocessing.filters.bandpass`).

    Returns
    -------
    peaks : ndarray of int64
        Every detection.
    readable : ndarray of bool
        Per detection: outside unreadable stretches.
    detection : Detection
        What the detector computed (all its detections, its energy, its quality).
    quality : Quality
        With ``gaps`` (per sample, True in a gap: :func:`~arrhythmia.preprocessing.quality.fill_gaps`), every
        segment holding one is unreadable.

    Raises
    ------
    ArrhythmiaError
        A flat signal, or nothing readable: noise without QRS complexes, or a wrong sampling rate.
    """
    from ..preprocessing.detectors import detect

    src = rec.source or rec.name
    if np.ptp(rec.signal[0]) == 0:
        raise file_error(src, "flat signal: no heartbeats to detect")
    d = detect(rec.signal, rec.fs, detector, chunk_s=chunk_s)
    peaks = d.peaks
    ok, q = _readable(rec, peaks, gaps, d.quality)
    if ok.sum() < 3 or not q.readable.any():
        raise file_error(src, f"no ECG-like heartbeats found at {rec.fs:g} Hz: the signal looks like noise, "
                              "or the sampling rate (--fs) is wrong")
    hr = 60.0 * rec.fs / np.median(np.diff(peaks[ok]))
    if not (HR_RANGE_BPM[0] <= hr <= HR_RANGE_BPM[1]):
        raise file_error(src, f"implausible heart rate {hr:.0f} bpm at {rec.fs:g} Hz: is the sampling rate (--fs) right?")
    return peaks, ok, d, q


def _readable(rec, peaks, gaps=None, quality=None):
    """(per beat: in a readable stretch, the recording's Quality): ``quality`` (the detector's) or measured, with
    every segment holding a gap unreadable."""
    from ..preprocessing.quality import beats_in_readable, signal_quality, with_gaps

    q = quality if quality is not None else signal_quality(rec.signal, rec.fs, peaks)
    if gaps is not None:
        q = with_gaps(q, gaps)
    return (beats_in_readable(q, peaks) if peaks.size else np.zeros(0, bool)), q


def given_beats(rec, peaks, source: str, gaps=None):
    """Beats taken from an annotation file instead of a detector: the same outputs as :func:`detect_beats`."""
    from types import SimpleNamespace

    peaks = np.unique(np.asarray(peaks, dtype=np.int64))
    peaks = peaks[(peaks >= 0) & (peaks < rec.signal.shape[1])]
    if peaks.size < 3:
        raise file_error(rec.source or rec.name, f"fewer than 3 beats from {source} inside the signal")
    ok, q = _readable(rec, peaks, gaps)
    return peaks, ok, SimpleNamespace(detector=source), q


PREDICT_BATCH = 4096
"""Beats given to the runner at a time (its own batch size: the same batches, the same numbers)."""


def predict_windows(runner, x: np.ndarray, rr: np.ndarray, ref: np.ndarray | None) -> np.ndarray:
    """Class probabilities (float32) of beat windows, the median-beat channels appended a batch at a time.

    Parameters
    ----------
    runner : object
        ``predict_proba(x, rr)``.
    x, rr, ref
        As :func:`arrhythmia.pipeline.segment.beat_windows` returns them (``ref`` None: no median channels).
    """
    from .segment import with_median_channels

    if ref is None:
        return runner.predict_proba(x, rr).astype(np.float32)
    if len(x) == 0:
        return runner.predict_proba(with_median_channels(x, ref), rr).astype(np.float32)
    parts = [runner.predict_proba(with_median_channels(x[i:i + PREDICT_BATCH], ref), rr[i:i + PREDICT_BATCH])
             for i in range(0, len(x), PREDICT_BATCH)]
    return np.concatenate(parts).astype(np.float32)


def classify_recording(recording, runner, detector: str = DEFAULT_DETECTOR, adapt: bool = True,
                       peaks=None, peaks_from: str = "annotation file", chunk_s: float | None = None
                       ) -> AnnotatedRecording:
    """Detect and classify every beat of ``recording`` with a runner.

    Parameters
    ----------
    recording : Recording
    runner : object
        ``config`` (a bundle config) and ``predict_proba(x, rr)``.
    detector : str
        A name of :mod:`arrhythmia.preprocessing.detectors` (run on the model's leads).
    adapt : bool
        Apply the bundle's label-free adaptation to the recording (its ``postprocess`` settings); False keeps only
        the calibration (``annotate --no-adapt``).
    peaks : array_like of int, optional
        Beat times (samples) to classify instead of detecting them (``annotate --beats-from``); ``peaks_from``
        names their source in the summary.
    chunk_s : float or None
        Filter and cut the full-rate signal this many seconds at a time (:mod:`arrhythmia.preprocessing.chunks`);
        None: in 10-minute chunks when the recording is over an hour long, else whole; 0: whole. The beats and
        classes are those of a whole run (``tests/test_chunked.py``).

    Detections in unreadable stretches (:mod:`arrhythmia.preprocessing.quality`) become beats of class Q: no S or
    V is invented in noise, the beat still counts as detected, and no burden figure counts it. AF episodes
    (:func:`arrhythmia.rhythm.af.detect_af`) are found from the readable beats' RR intervals, and an episode
    whose beats called N share one P wave is dropped (:mod:`arrhythmia.rhythm.p_waves`; listed in
    ``af_dropped``); the bundle's
    ``postprocess`` settings say whether S beats inside them are relabelled N (``af_relabel``), or only those
    where AF is also seen on the intervals between beats called N (``af_relabel_nn``,
    :func:`arrhythmia.pipeline.adapt.relabel_in_nn_af`).

    Raises
    ------
    ArrhythmiaError
        Too short, flat, noise without QRS complexes, or an implausible heart
        rate (a wrong ``--fs``), naming the input.
    """
    from ..features.rr import RR_FEATURES
    from ..preprocessing.quality import noise_annotations
    from ..rhythm.af import detect_af
    from ..rhythm.p_waves import drop_episodes_with_p_waves
    from .adapt import postprocess
    from .clusters import descriptors_for
    from .segment import BeatConfig, beat_windows

    src = recording.source or recording.name
    cfg = BeatConfig.from_dict(runner.config["beats"])
    if recording.duration < MIN_DURATION_S:
        raise file_error(src, f"recording too short ({recording.duration:.1f} s); at least {MIN_DURATION_S:g} s "
                              "are needed to detect and classify beats")
    rec, gaps = without_gaps(model_leads(recording, cfg))
    peaks, ok, d, q = (detect_beats(rec, detector, gaps, chunk_s) if peaks is None
                       else given_beats(rec, peaks, peaks_from, gaps))
    detector_name = d.detector
    del d  # the detector's energies: a long recording's largest arrays after its signal
    x, kept, rr, ref = beat_windows(rec, peaks, cfg, chunk_s)
    proba = predict_windows(runner, x, rr, ref)
    samples, readable = peaks[kept], ok[kept]
    settings = runner.config.get("postprocess")
    desc = descriptors_for(settings if adapt else None, x, rr, RR_FEATURES, rows=readable)
    del x
    # AF/flutter episodes from the readable beats' RR intervals, leaving out intervals at beats the network calls V
    labels = np.asarray(AAMI_CLASSES)[proba[readable].argmax(1)]
    af = detect_af(samples[readable], rec.fs, rec.signal.shape[1], labels=labels)
    # an episode with the same P wave before its normal beats is irregular sinus rhythm, not AF
    af, af_dropped = drop_episodes_with_p_waves(af, rec.signal[0], rec.fs, samples[readable], labels == "N")
    post = np.array(proba, dtype=np.float64)
    post[readable], info = postprocess(proba[readable], settings, af.episodes, samples[readable], adapt, fs=rec.fs,
                                       descriptors=desc)
    post[~readable] = np.eye(len(AAMI_CLASSES))[AAMI_CLASSES.index("Q")]
    ns, _, nsub = noise_annotations(q)
    return AnnotatedRecording(rec.name, rec.fs, samples, post.astype(np.float32), int(peaks.size),
                              rec.leads[0], rec.signal[0], recording.duration, detector=detector_name,
                              proba_model=proba, unreadable=q.stretches(), n_unreadable=int((~readable).sum()),
                              readable=readable, noise_marks=(ns, nsub), episodes=af.episode_dicts(), adaptation=info,
                              af_dropped=af_dropped)
