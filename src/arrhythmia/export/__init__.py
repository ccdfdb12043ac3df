"""Export of trained bundles to ONNX, with a parity check against PyTorch."""

from .onnx import export_onnx

__all__ = ["export_onnx"]
