"""The preprocessing chain applied to a whole recording, as plain settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..errors import ArrhythmiaError, check_option
from . import filters


@dataclass(frozen=True)
class Preprocessing:
    """Settings of the filter chain; :meth:`apply` runs it.

    Steps run in this order, each skipped when disabled: notch, band-pass,
    baseline removal, wavelet denoising.

    Parameters
    ----------
    bandpass : (float, float) or None
        Pass band in Hz (default 0.5-40 Hz).
    notch : float or None
        Mains frequency to remove (50 or 60 Hz), or None.
    baseline : bool
        Cascaded median-filter baseline removal.
    wavelet : bool
        Daubechies-5 soft-threshold wavelet denoising.
    """

    bandpass: tuple[float, float] | None = (0.5, 40.0)
    notch: float | None = None
    baseline: bool = False
    wavelet: bool = False

    def __post_init__(self):
        if self.notch is not None:
            check_option("notch", self.notch, [50.0, 60.0, 50, 60])
        if self.bandpass is not None:
            lo, hi = self.bandpass
            if not (0 <= lo < hi):
                raise ArrhythmiaError(
                    f"Invalid value for 'bandpass': allowed (low, high) with 0 <= low < high; got {self.bandpass!r}."
                )
            object.__setattr__(self, "bandpass", (float(lo), float(hi)))

    def apply(self, signal: np.ndarray, fs: float) -> np.ndarray:
        """Run the chain on ``signal`` (..., n_samples) sampled at ``fs`` Hz."""
        y = np.asarray(signal, dtype=np.float64)
        if self.notch is not None:
            y = filters.notch(y, fs, float(self.notch))
        if self.bandpass is not None:
            y = filters.bandpass(y, fs, *self.bandpass)
        if self.baseline:
            y = filters.remove_baseline(y, fs)
        if self.wavelet:
            y = filters.wavelet_denoise(y)
        return y

    def to_dict(self) -> dict:
        d = asdict(self)
        d["bandpass"] = list(self.bandpass) if self.bandpass else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Preprocessing":
        d = dict(d)
        if d.get("bandpass") is not None:
            d["bandpass"] = tuple(d["bandpass"])
        return cls(**d)
