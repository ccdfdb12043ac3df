"""Training: settings, the fit loop, losses, imbalance handling, augmentation."""

from .config import TrainConfig
from .run import train
from .trainer import fit

__all__ = ["TrainConfig", "fit", "train"]
