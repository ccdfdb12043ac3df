"""Model bundles: a folder with ``model.safetensors`` and ``config.json``.

``config.json`` holds everything needed to use the model on a new recording
without the training code: the architecture and its hyper-parameters, the
beat extraction settings (leads, window, filters, normalisation), the class
names, the RR standardisation learned on the training records, and the
provenance (training records and split, seed, package version, validation
metrics). ``history.json`` holds the per-epoch training curves.

Loading never unpickles: weights are safetensors, the rest is JSON.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from .errors import ArrhythmiaError, file_error

FORMAT = "arrhythmia-bundle"
FORMAT_VERSION = 1
CONFIG = "config.json"
WEIGHTS = "model.safetensors"
HISTORY = "history.json"
ONNX = "model.onnx"


def _json_default(o):
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _clean_nan(o):
    if isinstance(o, dict):
        return {k: _clean_nan(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean_nan(v) for v in o]
    if isinstance(o, float) and o != o:
        return None
    return o


def write_json(path, obj) -> None:
    """Write JSON atomically (temp file + rename); NaN becomes null."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(_clean_nan(obj), indent=2, default=_json_default) + "\n")
    os.replace(tmp, path)


def file_sha256(path) -> str:
    """SHA-256 of a file's bytes, hex."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def onnx_matches(config: dict, onnx_config: dict) -> bool:
    """True when an ONNX model was exported from the weights ``config`` describes.

    The export embeds the bundle's config; it matches when both name the same
    weights (``weights_sha256``) or, for bundles written before that key
    existed, when both were created by the same training run (``created``).
    """
    a, b = config.get("weights_sha256"), onnx_config.get("weights_sha256")
    if a or b:
        return a == b
    return bool(config.get("created")) and config.get("created") == onnx_config.get("created")


def read_bundle_config(path) -> dict:
    """Read and check a bundle's ``config.json`` (no torch needed).

    Raises
    ------
    ArrhythmiaError
        Missing folder or file, invalid JSON, another format, or a format
        version newer than this package understands.
    """
    path = Path(path)
    cfg_path = path / CONFIG
    if not path.is_dir():
        raise file_error(path, "model bundle folder not found")
    if not cfg_path.is_file():
        raise file_error(cfg_path, "not a model bundle (config.json missing)")
    try:
        cfg = json.loads(cfg_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise file_error(cfg_path, f"invalid JSON ({exc})") from None
    if not isinstance(cfg, dict) or cfg.get("format") != FORMAT:
        raise file_error(cfg_path, f"not an {FORMAT} config")
    ver = cfg.get("format_version")
    if not isinstance(ver, int) or ver < 1:
        raise file_error(cfg_path, f"invalid format_version {ver!r}")
    if ver > FORMAT_VERSION:
        raise file_error(cfg_path, f"bundle format version {ver} is newer than this arrhythmia supports "
                                   f"({FORMAT_VERSION}); upgrade the package")
    check_config_schema(cfg, cfg_path, ("model", "classes"))
    return cfg


_NUMBER = (int, float)
CONFIG_SCHEMA = {
    "model": dict, "model.name": str, "model.n_samples": int, "model.n_leads": int, "model.n_classes": int,
    "model.fs": _NUMBER, "classes": list,
    "beats": dict, "beats.leads": list, "beats.window": dict, "beats.window.before": int, "beats.window.after": int,
    "beats.window.fs": _NUMBER, "beats.preprocessing": dict, "beats.normalize": str,
}
"""What every bundle's ``config.json`` holds: dotted key -> type (the other keys are optional)."""
_POSITIVE = ("model.n_samples", "model.n_leads", "model.n_classes", "model.fs", "beats.window.fs")


def check_config_schema(cfg: dict, cfg_path, sections=("model", "classes", "beats")) -> None:
    """Refuse a config without a section or key of :data:`CONFIG_SCHEMA` in ``sections``, or with one of the
    wrong type. Every bundle has ``model`` and ``classes``; ``beats`` (the windows the model reads) is needed to
    run it on a recording (:func:`arrhythmia.inference.runners.load_runner`)."""
    for key, kind in CONFIG_SCHEMA.items():
        if key.split(".")[0] not in sections:
            continue
        node = cfg
        for part in key.split("."):
            node = node.get(part, _MISSING) if isinstance(node, dict) else _MISSING
        what = "section" if kind is dict else "key"
        if node is _MISSING:
            raise file_error(cfg_path, f"not a valid bundle config: the {what} {key!r} is missing")
        if not isinstance(node, kind) or isinstance(node, bool) and kind is not bool:
            names = "number" if kind is _NUMBER else {dict: "an object", list: "a list"}.get(kind, kind.__name__)
            raise file_error(cfg_path, f"not a valid bundle config: {key!r} must be {names}; got {node!r:.40}")
        if key in _POSITIVE and not (math.isfinite(node) and node > 0):
            raise file_error(cfg_path, f"not a valid bundle config: {key!r} must be a positive number; got {node!r}")
    leads = cfg["beats"]["leads"] if "beats" in sections else ["-"]
    if not leads or not all(isinstance(x, str) for x in leads):
        raise file_error(cfg_path, "not a valid bundle config: 'beats.leads' must be a non-empty list of lead names")


_MISSING = object()


def save_bundle(model, out_dir, *, beats: dict, training: dict, validation: dict, history: list,
                postprocess: dict | None = None) -> Path:
    """Write ``model`` and its description to ``out_dir``.

    Parameters
    ----------
    model : BeatModel
    out_dir : str or Path
    beats : dict
        :meth:`arrhythmia.datasets.BeatConfig.to_dict`.
    training : dict
        Provenance: split, records, seed, imbalance, epochs, ...
    validation : dict
        Validation metrics of the selected checkpoint.
    history : list of dict
        Per-epoch metrics.
    postprocess : dict, optional
        Label-free post-processing settings (see :mod:`arrhythmia.pipeline.adapt`); None: the network's own
        probabilities.

    Returns
    -------
    Path
        ``out_dir``.
    """
    import datetime

    from safetensors.torch import save_file

    from . import __version__
    from .labels import AAMI_CLASSES

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    tmp = out / f".{WEIGHTS}.tmp"
    save_file(state, str(tmp))
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "weights_sha256": file_sha256(tmp),
        "model": model.config(),
        "classes": list(AAMI_CLASSES),
        "beats": beats,
        "rr_features": list(model.rr_features),
        "normalization": {"rr_mean": model.rr_mean.tolist(), "rr_std": model.rr_std.tolist()},
        "training": training,
        "validation": validation,
    }
    if postprocess is not None:
        config["postprocess"] = postprocess
    write_json(out / HISTORY, history)
    write_json(out / CONFIG, config)
    os.replace(tmp, out / WEIGHTS)
    return out


def build_from_config(cfg: dict):
    """An untrained model with the architecture described by a bundle config."""
    from .models import build_model

    m = cfg["model"]
    # the RR columns the model reads, by name: every bundle lists them at the top level
    return build_model(m["name"], n_samples=m["n_samples"], n_leads=m["n_leads"], n_classes=m["n_classes"],
                       fs=m["fs"], rr_features=cfg.get("rr_features") or None, **m.get("params", {}))


def load_bundle(path):
    """Load a bundle: returns ``(model, config)``, the model in eval mode.

    Raises
    ------
    ArrhythmiaError
        As :func:`read_bundle_config`, or weights that are missing or do not
        match the architecture.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    cfg = read_bundle_config(path)
    model = build_from_config(cfg)
    w = Path(path) / WEIGHTS
    if not w.is_file():
        raise file_error(w, "weights file not found")
    if cfg.get("weights_sha256") and file_sha256(w) != cfg["weights_sha256"]:
        raise file_error(w, "these weights are not the ones config.json describes (SHA-256 differs); "
                            "retrain, or restore the bundle's own weights")
    try:
        state = load_file(str(w))
    except (SafetensorError, OSError) as exc:
        raise file_error(w, f"unreadable weights ({exc})") from None
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise file_error(w, f"weights do not match the architecture in config.json ({first})") from None
    model.eval()
    return model, cfg


def read_history(path) -> list:
    p = Path(path) / HISTORY
    if not p.is_file():
        raise ArrhythmiaError(f"{p}: no training history in this bundle")
    return json.loads(p.read_text())
