"""R-peak detectors: one per module, a registry, one result type.

>>> from arrhythmia.preprocessing.detectors import detect
>>> d = detect(signal, fs, detector="default")   # doctest: +SKIP
>>> d.peaks, d.energy, d.threshold               # doctest: +SKIP
"""

from .base import Detection
from .registry import DEFAULT_DETECTOR, DETECTOR_NAMES, DETECTORS, DetectorSpec, detect, get_detector

__all__ = ["Detection", "DEFAULT_DETECTOR", "DETECTOR_NAMES", "DETECTORS", "DetectorSpec", "detect", "get_detector"]
