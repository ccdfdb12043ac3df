"""Training: the fit loop, losses, imbalance handling, augmentation."""

from .trainer import TrainConfig, fit, train

__all__ = ["TrainConfig", "fit", "train"]
