"""Hand-made beat features."""

from .rr import RR_FEATURES, rr_features

__all__ = ["RR_FEATURES", "rr_features"]
