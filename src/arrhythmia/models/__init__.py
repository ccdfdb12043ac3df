"""Beat classifiers: one architecture per file, found through the registry.

Importing this package imports nothing heavy; :func:`get_model_class` and
:func:`build_model` import torch and the model's module when called.
"""

from .registry import ARCHITECTURES, MODEL_NAMES, DEFAULT_MODEL, build_model, get_model_class, list_models

__all__ = ["ARCHITECTURES", "MODEL_NAMES", "DEFAULT_MODEL", "build_model", "get_model_class", "list_models"]
