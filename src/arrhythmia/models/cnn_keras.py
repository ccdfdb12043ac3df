"""``cnn_keras``: the founding blog post's 1D CNN (300-sample beats).

Conv1D 4x21 tanh -> MaxPool 3/2 -> Conv1D 16x23 relu -> MaxPool 3/2 ->
Conv1D 32x25 tanh -> AvgPool 3/2 -> Conv1D 64x27 relu -> Flatten ->
Dense 128 relu -> Dropout 0.2 -> Dense 5, all with Keras 'same' padding
(pools: output length ceil(n/2); average pooling ignores the padding).
"""

from __future__ import annotations

from torch import nn

from .base import BeatModel


class CNNKeras(BeatModel):
    name = "cnn_keras"
    summary = "founding blog post: 4 Conv1D (4/16/32/64 filters, widths 21-27) + Dense 128"
    default_window = "300"

    def __init__(self, dropout: float = 0.2, **kw):
        super().__init__(dropout=dropout, **kw)
        self.body = nn.Sequential(
            nn.Conv1d(self.n_leads, 4, 21, padding="same"), nn.Tanh(),
            nn.MaxPool1d(3, stride=2, padding=1),
            nn.Conv1d(4, 16, 23, padding="same"), nn.ReLU(),
            nn.MaxPool1d(3, stride=2, padding=1),
            nn.Conv1d(16, 32, 25, padding="same"), nn.Tanh(),
            nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False),
            nn.Conv1d(32, 64, 27, padding="same"), nn.ReLU(),
            nn.Flatten(),
        )
        n = self._flat_size(self.body, self.n_leads, self.n_samples)
        self.dense = nn.Sequential(nn.Linear(n, 128), nn.ReLU(), nn.Dropout(dropout))
        self.head = nn.Linear(128, self.n_classes)

    def features(self, x, rr=None):
        return self.dense(self.body(x))


MODEL = CNNKeras
