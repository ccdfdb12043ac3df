"""Run a bundle's model on beats: with onnxruntime (no torch needed) or torch.

Both runners take raw beats (n, leads, samples) and raw RR features (n, k),
of which the model reads the columns named in ``config["rr_features"]``, and
return probabilities (n, 5), in batches.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import ArrhythmiaError, check_option, file_error
from ..features.rr import RR_SETS, select_rr

BACKENDS = ("auto", "onnx", "torch")


def _fill_rr(rr, config):
    if rr is None:
        return None
    rr = select_rr(np.asarray(rr, dtype=np.float32), config.get("rr_features") or RR_SETS["base"])
    if np.isnan(rr).any():
        fill = np.asarray(config.get("normalization", {}).get("rr_mean", [0.0] * rr.shape[1]), np.float32)
        rr = np.where(np.isnan(rr), fill[None, : rr.shape[1]], rr)
    return rr


class OnnxRunner:
    """onnxruntime on the CPU."""

    backend = "onnx"

    def __init__(self, session, config: dict):
        self.session = session
        self.config = config
        self.inputs = [i.name for i in session.get_inputs()]

    @classmethod
    def from_file(cls, path, config: dict | None = None, threads: int | None = None) -> "OnnxRunner":
        import onnxruntime as ort

        path = Path(path)
        if not path.is_file():
            raise file_error(path, "ONNX model not found")
        so = ort.SessionOptions()
        so.log_severity_level = 3
        if threads:
            so.intra_op_num_threads = so.inter_op_num_threads = int(threads)
        try:
            sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise file_error(path, f"not a valid ONNX model ({type(exc).__name__})") from None
        if config is None:
            meta = sess.get_modelmeta().custom_metadata_map
            config = json.loads(meta.get("arrhythmia_config", "{}"))
        return cls(sess, config)

    def predict_proba(self, x: np.ndarray, rr: np.ndarray | None = None, batch_size: int = 4096) -> np.ndarray:
        rr = _fill_rr(rr, self.config)
        out = []
        for i in range(0, len(x), batch_size):
            feed = {"beats": np.ascontiguousarray(x[i:i + batch_size], dtype=np.float32)}
            if "rr" in self.inputs:
                # a model without RR features may still list the input (dynamo exporter): feed zeros
                rb = rr[i:i + batch_size] if rr is not None else np.zeros(
                    (len(feed["beats"]), len(self.config.get("rr_features") or RR_SETS["base"])), np.float32)
                feed["rr"] = np.ascontiguousarray(rb, dtype=np.float32)
            out.append(self.session.run(["probabilities"], feed)[0])
        n_classes = len(self.config.get("classes", [])) or 5
        return np.concatenate(out) if out else np.zeros((0, n_classes), np.float32)


class TorchRunner:
    """The PyTorch model of a bundle."""

    backend = "torch"

    def __init__(self, model, config: dict, device="cpu", threads: int | None = None):
        self.model, self.config, self.device, self.threads = model, config, device, threads

    def predict_proba(self, x, rr=None, batch_size: int = 4096) -> np.ndarray:
        """Class probabilities; with ``threads``, torch uses that many threads for this call only (its setting is
        process-wide: it is put back afterwards, so a caller's own thread count is left as it was)."""
        from ..models.predict import predict_proba

        if not self.threads:
            return predict_proba(self.model, x, rr, batch_size=batch_size, device=self.device)
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(int(self.threads))
        try:
            return predict_proba(self.model, x, rr, batch_size=batch_size, device=self.device)
        finally:
            torch.set_num_threads(before)


def load_runner(bundle, backend: str = "auto", threads: int | None = None):
    """A runner for a bundle folder.

    ``auto`` uses ``model.onnx`` with onnxruntime when the bundle has one,
    else torch. ``onnx`` needs neither torch nor the weights file. ``threads``:
    the threads the model may use (a batch's worker process: 1); None leaves
    the library's default (every core).
    """
    import warnings

    from ..bundle import CONFIG, ONNX, check_config_schema, load_bundle, onnx_matches, read_bundle_config

    check_option("backend", backend, BACKENDS)
    bundle = Path(bundle)
    cfg = read_bundle_config(bundle)
    check_config_schema(cfg, bundle / CONFIG)  # with its beats section: what a recording is cut into
    stale = False
    if backend in ("auto", "onnx") and (bundle / ONNX).is_file():
        runner = OnnxRunner.from_file(bundle / ONNX, threads=threads)
        if onnx_matches(cfg, runner.config):
            runner.config = cfg
            return runner
        stale = True
        if backend == "onnx":
            raise file_error(bundle / ONNX, "was exported from other weights than this bundle's (stale); "
                                            f"run 'arrhythmia export {bundle}' again")
        warnings.warn(f"{bundle / ONNX} was exported from other weights than this bundle's (stale): not used; "
                      f"run 'arrhythmia export {bundle}' again", stacklevel=2)
    if backend == "onnx":
        raise file_error(bundle / ONNX, "no ONNX model in this bundle; run 'arrhythmia export' first")
    try:
        import torch  # noqa: F401
    except ImportError:
        what = "a stale model.onnx" if stale else "no model.onnx"
        raise ArrhythmiaError(f"{bundle}: has {what} and torch is not installed; "
                              "export it with 'arrhythmia export' on a machine with torch") from None
    model, cfg = load_bundle(bundle)
    return TorchRunner(model, cfg, threads=threads)
