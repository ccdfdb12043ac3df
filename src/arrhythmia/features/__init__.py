"""Hand-made beat features."""

from .rr import RR_FEATURES, RR_SETS, rr_features, select_rr

__all__ = ["RR_FEATURES", "RR_SETS", "rr_features", "select_rr"]
