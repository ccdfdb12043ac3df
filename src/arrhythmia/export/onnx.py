"""``arrhythmia export BUNDLE``: write ``model.onnx`` and check it against PyTorch.

The graph takes ``beats`` (batch, leads, samples) float32 and, for models that
use them, ``rr`` (batch, n_rr) float32 raw RR features (the bundle's ``rr_features``); it returns
``probabilities`` (batch, 5) after softmax. The batch axis is dynamic. The
RR standardisation learned on the training records is inside the graph. 1-D
convolutions and pools are written as 2-D ones of height 1
(:func:`arrhythmia.export.lift.lift_conv1d`): onnxruntime's CPU provider runs
those about twice as fast, with the same weights.
The bundle's ``config.json`` is embedded as metadata (key
``arrhythmia_config``), so ``model.onnx`` alone describes what it expects.
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ArrhythmiaError
from ..features.rr import RR_SETS

MAX_ABS_DIFF = 1e-5
METADATA_KEY = "arrhythmia_config"


@dataclass
class ParityResult:
    """Outcome of the ONNX vs PyTorch comparison."""

    n_beats: int
    max_abs_diff: float
    same_classes: bool
    records: tuple

    @property
    def ok(self) -> bool:
        return self.max_abs_diff <= MAX_ABS_DIFF and self.same_classes


def _wrapper(model):
    import torch

    class Probabilities(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, beats, rr):
            return torch.softmax(self.m(beats, rr), dim=1)

    return Probabilities(model).eval()


def _to_onnx_bytes(model) -> bytes:
    import torch

    w = _wrapper(model)
    x = torch.zeros(2, model.n_leads, model.n_samples)
    # a model without RR features ignores the input; the runners feed it zeros of the base set's width
    rr = torch.ones(2, model.n_rr or len(RR_SETS["base"]))
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:  # the TorchScript exporter: fast, and enough for most models
            torch.onnx.export(w, (x, rr), buf, input_names=["beats", "rr"], output_names=["probabilities"],
                              dynamic_axes={"beats": {0: "batch"}, "rr": {0: "batch"}, "probabilities": {0: "batch"}},
                              opset_version=18, dynamo=False)
        except Exception:  # e.g. adaptive pooling to a size that does not divide the input
            buf = io.BytesIO()
            batch = torch.export.Dim("batch")
            prog = torch.onnx.export(w, (x, rr), dynamo=True, input_names=["beats", "rr"],
                                     output_names=["probabilities"], dynamic_shapes=({0: batch}, {0: batch}),
                                     opset_version=18, verbose=False)
            prog.save(buf)
    w.eval()
    return _lifted(buf.getvalue())


def _lifted(data: bytes) -> bytes:
    """The graph with its 1-D convolutions run as 2-D ones (about twice as fast in onnxruntime)."""
    import onnx

    from .lift import lift_conv1d

    return lift_conv1d(onnx.load_from_string(data)).SerializeToString()


def _with_metadata(data: bytes, config: dict) -> bytes:
    import onnx

    m = onnx.load_from_string(data)
    del m.metadata_props[:]
    p = m.metadata_props.add()
    p.key, p.value = METADATA_KEY, json.dumps(config)
    m.producer_name = "arrhythmia"
    return m.SerializeToString()


def check_parity(model, onnx_path, x: np.ndarray, rr: np.ndarray, records=()) -> ParityResult:
    """Compare probabilities of PyTorch and onnxruntime on the same beats."""
    from ..models.predict import predict_proba
    from ..inference.runners import OnnxRunner

    p_torch = predict_proba(model, x, rr)
    p_onnx = OnnxRunner.from_file(onnx_path).predict_proba(x, rr)
    diff = float(np.abs(p_torch - p_onnx).max()) if len(x) else 0.0
    return ParityResult(len(x), diff, bool((p_torch.argmax(1) == p_onnx.argmax(1)).all()), tuple(records))


def export_onnx(bundle, data_dir, out=None, n_check: int = 2000, force: bool = False) -> tuple[Path, ParityResult]:
    """Export a bundle to ONNX and check parity with PyTorch on real test beats.

    Parameters
    ----------
    bundle : str or Path
    data_dir : str or Path
        MIT-BIH folder; the check uses beats of the bundle's test records.
    out : str or Path, optional
        Where to write (default ``<bundle>/model.onnx``, the bundle's own
        slot, replaced without ``force``). Any other existing file is replaced
        only with ``force``, and never one of the bundle's own files.
    n_check : int
        Beats compared (evenly spaced over the test records).
    force : bool

    Returns
    -------
    (Path, ParityResult)

    Raises
    ------
    ArrhythmiaError
        When parity fails (max |diff| > 1e-5 or a different class); the file
        is not written then.
    """
    from ..bundle import CONFIG, HISTORY, ONNX, WEIGHTS, load_bundle
    from ..datasets import load_beats
    from ..pipeline.segment import BeatConfig
    from ..io.output import OutputFile, mark_file_written

    bundle = Path(bundle)
    own = bundle / ONNX
    out = Path(out) if out else own
    inputs = [bundle / CONFIG, bundle / WEIGHTS, bundle / HISTORY, data_dir]
    replaceable = out.resolve() == own.resolve()
    guard = OutputFile(out, inputs=inputs, force=force, replaceable=replaceable).check()
    model, cfg = load_bundle(bundle)
    records = tuple(cfg.get("training", {}).get("test_records") or ("100", "105", "200", "232"))
    beats = load_beats(records, data_dir, BeatConfig.from_dict(cfg["beats"]))
    idx = np.linspace(0, len(beats) - 1, min(n_check, len(beats))).astype(int)
    data = _with_metadata(_to_onnx_bytes(model), cfg)
    with guard.staging() as tmp:
        tmp.write_bytes(data)
        res = check_parity(model, tmp, beats.x[idx], beats.rr[idx], records)
        if not res.ok:
            raise ArrhythmiaError(f"{out}: ONNX parity check failed (max |diff| {res.max_abs_diff:.2e}, "
                                  f"same classes: {res.same_classes}); not written")
    if replaceable:
        mark_file_written(bundle, ONNX)
    return out, res
