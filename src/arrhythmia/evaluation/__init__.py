"""Metrics (EC57-style), reports and plots."""

from .metrics import ClassificationReport, confusion_matrix, evaluate_predictions

__all__ = ["ClassificationReport", "confusion_matrix", "evaluate_predictions"]
