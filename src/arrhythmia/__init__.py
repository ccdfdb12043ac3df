"""arrhythmia: heartbeat classification into the AAMI classes N, S, V, F, Q.

Importing the package is cheap: no torch, matplotlib or onnxruntime is
imported until a function that needs one is called.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "AAMI_CLASSES", "ArrhythmiaError"]

from .labels import AAMI_CLASSES  # noqa: E402  (tiny, pure Python)
from .errors import ArrhythmiaError  # noqa: E402
