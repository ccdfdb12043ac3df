"""``ecgcnn``: the founding project's CNN for the 187-sample Kaggle beats.

Conv1d 32 k5 + BatchNorm + ReLU + MaxPool 2; Conv1d 64 k3 + BatchNorm + ReLU
+ MaxPool 2; Conv1d 128 k3 + ReLU + Dropout 0.3 + MaxPool 2 -> Linear 128 +
ReLU + Dropout 0.5 -> Linear 5.
"""

from __future__ import annotations

from torch import nn

from .base import BeatModel


class ECGCNN(BeatModel):
    name = "ecgcnn"
    summary = "founding project: 3 conv blocks (32/64/128) + Linear 128 (187-sample beats)"
    default_window = "187"

    def __init__(self, **kw):
        super().__init__(**kw)
        self.body = nn.Sequential(
            nn.Conv1d(self.n_leads, 32, 5, padding=2), nn.BatchNorm1d(32), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(32, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(64, 128, 3, padding=1), nn.ReLU(), nn.Dropout(0.3), nn.MaxPool1d(2),
            nn.Flatten(),
        )
        n = self._flat_size(self.body, self.n_leads, self.n_samples)
        self.dense = nn.Sequential(nn.Linear(n, 128), nn.ReLU(), nn.Dropout(0.5))
        self.head = nn.Linear(128, self.n_classes)

    def features(self, x, rr=None):
        return self.dense(self.body(x))


MODEL = ECGCNN
