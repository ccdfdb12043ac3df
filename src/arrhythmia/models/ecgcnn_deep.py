"""``ecgcnn_deep``: the founding project's deeper CNN (187-sample beats).

Four blocks Conv1d (32/64/128/256, k3) + BatchNorm + ReLU + MaxPool 2, then
AdaptiveAvgPool to 8 -> Linear 512 + ReLU -> Dropout 0.5 -> Linear 5.
"""

from __future__ import annotations

from torch import nn

from .base import BeatModel


class ECGCNNDeep(BeatModel):
    name = "ecgcnn_deep"
    summary = "founding project: 4 conv blocks (32-256) + adaptive pool 8 + Linear 512 (187-sample beats)"
    default_window = "187"

    def __init__(self, **kw):
        super().__init__(**kw)
        layers, cin = [], self.n_leads
        for cout in (32, 64, 128, 256):
            layers += [nn.Conv1d(cin, cout, 3, padding=1), nn.BatchNorm1d(cout), nn.ReLU(), nn.MaxPool1d(2)]
            cin = cout
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool1d(8), nn.Flatten())
        self.dense = nn.Sequential(nn.Linear(256 * 8, 512), nn.ReLU(), nn.Dropout(0.5))
        self.head = nn.Linear(512, self.n_classes)

    def features(self, x, rr=None):
        return self.dense(self.body(x))


MODEL = ECGCNNDeep
