"""Name -> R-peak detector. The table below is the single list of detectors.

Each module defines ``NAME`` (its key here), ``SUMMARY``, ``LEADS`` (how many
leads it reads: 1 = the first only) and ``detect(signal, fs, **params) ->
Detection``, taking at least ``chunk_s`` (its filters in overlapping chunks,
the same detections: see :mod:`arrhythmia.preprocessing.chunks`). ``default`` names the best detector as measured in
``docs/benchmarks.md``; the contract tests run every entry.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from ...errors import check_option

_MODULES: dict[str, str] = {
    "pan_tompkins": "pan_tompkins",
    "fusion": "fusion",
}
DETECTOR_NAMES: tuple[str, ...] = tuple(_MODULES)
DEFAULT_DETECTOR = "fusion"
"""What the name ``default`` stands for."""
DETECTORS: tuple[str, ...] = DETECTOR_NAMES + ("default",)
"""Every name :func:`get_detector` accepts."""


@dataclass(frozen=True)
class DetectorSpec:
    """One registered detector.

    Attributes
    ----------
    name : str
    summary : str
    leads : int
        Leads it reads (the first ``leads`` rows of the input).
    detect : callable
        ``detect(signal, fs, **params) -> Detection``.
    """

    name: str
    summary: str
    leads: int
    detect: Callable


def get_detector(name: str = "default") -> DetectorSpec:
    """The detector registered as ``name`` (``'default'``: :data:`DEFAULT_DETECTOR`)."""
    check_option("detector", name, DETECTORS)
    if name == "default":
        name = DEFAULT_DETECTOR
    mod = importlib.import_module(f".{_MODULES[name]}", __package__)
    if mod.NAME != name:  # a wrong table entry is a programming error, caught by the contract tests
        raise RuntimeError(f"module {mod.__name__} registers {mod.NAME!r}, expected {name!r}")
    return DetectorSpec(mod.NAME, mod.SUMMARY, mod.LEADS, mod.detect)


def detect(signal, fs: float, detector: str = "default", **params):
    """Run detector ``detector`` on ``signal`` (shape (n_samples,) or (n_leads, n_samples)); a :class:`Detection`."""
    return get_detector(detector).detect(signal, fs, **params)
