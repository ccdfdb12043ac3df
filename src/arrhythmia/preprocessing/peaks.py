"""R-peak detection that needs no reference annotations: the original entry points.

:func:`detect_r_peaks` is the ``pan_tompkins`` detector of the registry
(:mod:`arrhythmia.preprocessing.detectors`), kept with its old signature
and results for existing callers; new code picks a detector by name there.
"""

from __future__ import annotations

import numpy as np

from ..errors import ArrhythmiaError
from .detectors.base import qrs_energy
from .filters import _check_fs


def _energy(x: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """QRS energy (divided by its running level) and the derivative of one lead."""
    return qrs_energy(x, fs)


def detect_r_peaks(signal, fs: float, refractory: float = 0.25) -> np.ndarray:
    """Locate R peaks on one lead with the ``pan_tompkins`` detector.

    Parameters
    ----------
    signal : array_like, shape (n_samples,) or (1, n_samples)
        One ECG lead, any unit.
    fs : float
        Sampling rate in Hz (at least 100 Hz).
    refractory : float
        Shortest RR interval accepted, seconds.

    Returns
    -------
    ndarray of int64
        Sample indices of the R peaks, ascending. Empty for a flat or too
        short signal.

    Raises
    ------
    ArrhythmiaError
        NaN or infinite samples, a sampling rate under 100 Hz, or more than one lead.
    """
    from .detectors import pan_tompkins

    x = np.asarray(signal, dtype=np.float64)
    if x.ndim == 2 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 1:
        raise ArrhythmiaError(f"Invalid value for 'signal': allowed one lead, shape (n_samples,); got {x.shape}.")
    return pan_tompkins.detect(x, fs, refractory).peaks


QUALITY_MIN = 5.0
"""Below this :func:`qrs_quality`, a signal is not taken for an ECG. Every
MIT-BIH record scores 14 or more over its first minute; white, pink, brown
and EMG-like noise score about 1.5 (measured when the threshold was set)."""


def qrs_quality(signal, fs: float, peaks) -> float:
    """How far detected QRS complexes stand out: median QRS energy at the
    detections over the median energy of the whole signal (0 if < 3 detections)."""
    peaks = np.asarray(peaks, dtype=np.int64)
    if peaks.size < 3:
        return 0.0
    x = np.asarray(signal, dtype=np.float64)
    e, _ = _energy(x[0] if x.ndim == 2 else x, _check_fs(fs))
    return float(np.median(e[peaks]) / (np.median(e) + 1e-12))
