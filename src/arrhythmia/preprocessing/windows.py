"""Fixed windows around R peaks.

A window is given as samples before and after the R peak *at a reference
rate*; a recording at another rate is resampled to that rate first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..errors import check_option


@dataclass(frozen=True)
class WindowSpec:
    """Samples before and after the R peak at ``fs`` Hz.

    Attributes
    ----------
    before, after : int
        The window is ``[r - before, r + after)``: ``before + after`` samples.
    fs : float
        Rate at which the window is cut.
    name : str
        Preset name, or ``'custom'``.
    """

    before: int
    after: int
    fs: float = 360.0
    name: str = "custom"

    @property
    def length(self) -> int:
        return self.before + self.after

    def to_dict(self) -> dict:
        return asdict(self)


PRESETS: dict[str, WindowSpec] = {
    # 100 samples before and 200 after the R peak at 360 Hz (founding report and blog post).
    "300": WindowSpec(100, 200, 360.0, "300"),
    # 187 samples at 125 Hz like the Kaggle "ECG Heartbeat Categorization" CSV
    # (Kachuee et al. 2018): 0.25 s before the R peak, ~1.25 s after.
    "187": WindowSpec(31, 156, 125.0, "187"),
    # 3 s either side at 360 Hz: rhythm context for the CNN+LSTM.
    "6s": WindowSpec(1080, 1080, 360.0, "6s"),
}


def get_window(preset) -> WindowSpec:
    """Look up a preset by name (``'300'``, ``'187'``, ``'6s'``); a WindowSpec passes through."""
    if isinstance(preset, WindowSpec):
        return preset
    if isinstance(preset, dict):
        return WindowSpec(**preset)
    check_option("preset", str(preset), PRESETS)
    return PRESETS[str(preset)]


def fits(centers, n_samples: int, before: int, after: int) -> np.ndarray:
    """Boolean mask of the R peaks whose window lies inside the record."""
    c = np.asarray(centers, dtype=np.int64)
    return (c - before >= 0) & (c + after <= n_samples)


def cut_windows(signal: np.ndarray, centers, before: int, after: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``[c - before, c + after)`` around each centre, vectorised.

    Parameters
    ----------
    signal : ndarray, shape (n_leads, n_samples)
    centers : array_like of int
        R-peak sample indices (at the rate of ``signal``).
    before, after : int

    Returns
    -------
    windows : ndarray of float32, shape (n_kept, n_leads, before + after)
    kept : ndarray of bool, shape (n_centers,)
        False for centres too close to an edge (dropped).
    """
    c = np.asarray(centers, dtype=np.int64)
    kept = fits(c, signal.shape[-1], before, after)
    idx = c[kept, None] + np.arange(-before, after)[None, :]
    w = signal[:, idx]  # (n_leads, n_kept, length)
    return np.ascontiguousarray(w.transpose(1, 0, 2), dtype=np.float32), kept
