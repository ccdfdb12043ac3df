"""Pure signal-processing functions: filters, denoising, resampling, beat windows."""

from .filters import bandpass, notch, remove_baseline, resample, wavelet_denoise, zscore
from .pipeline import Preprocessing
from .windows import PRESETS, WindowSpec, cut_windows, get_window

__all__ = [
    "bandpass", "notch", "remove_baseline", "resample", "wavelet_denoise", "zscore",
    "Preprocessing", "PRESETS", "WindowSpec", "cut_windows", "get_window",
]
