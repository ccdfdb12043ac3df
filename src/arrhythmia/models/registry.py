"""Name -> architecture. The table below is the single list of models.

Each module registers exactly one subclass of :class:`~arrhythmia.models.base.BeatModel`
whose ``name`` equals its key here. The contract tests run every entry.
"""

from __future__ import annotations

import importlib

from ..errors import check_option

_MODULES: dict[str, str] = {
    "morph_rr": "morph_rr",
    "lstm_attention": "lstm_attention",
    "cnn_keras": "cnn_keras",
    "ecgcnn": "ecgcnn",
    "ecgcnn_deep": "ecgcnn_deep",
    "cnn_lstm": "cnn_lstm",
    "resnet1d": "resnet1d",
    "ensemble": "ensemble",
}
MODEL_NAMES: tuple[str, ...] = tuple(_MODULES)
ARCHITECTURES: tuple[str, ...] = tuple(n for n in MODEL_NAMES if n != "ensemble")
"""The models ``train --model`` trains on their own (``ensemble`` combines trained copies of one of them)."""
DEFAULT_MODEL = "morph_rr"


def get_model_class(name: str):
    """The class registered as ``name``."""
    check_option("model", name, MODEL_NAMES)
    mod = importlib.import_module(f".{_MODULES[name]}", __package__)
    cls = mod.MODEL
    if cls.name != name:  # a wrong table entry is a programming error, caught by the contract tests
        raise RuntimeError(f"module {mod.__name__} registers {cls.name!r}, expected {name!r}")
    return cls


def build_model(name: str, **params):
    """Instantiate model ``name`` with its default input settings overridden by ``params``."""
    return get_model_class(name)(**params)


def list_models() -> list[dict]:
    """One row per model: name, summary, parameter count, input shape."""
    rows = []
    for name in MODEL_NAMES:
        cls = get_model_class(name)
        m = cls()
        rows.append({
            "name": name,
            "summary": cls.summary,
            "parameters": m.n_parameters(),
            "input": f"({'B'}, {m.n_leads}, {m.n_samples}) @ {m.fs:g} Hz" + (f" + RR({m.n_rr})" if m.uses_rr else ""),
            "window": cls.default_window,
            "leads": "+".join(cls.default_leads),
        })
    return rows
