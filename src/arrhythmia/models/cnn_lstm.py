"""``cnn_lstm``: the founding article's CNN + LSTM over a 6-second context.

The 6 s window (``6s`` preset, 2,160 samples at 360 Hz) is cut into
``n_chunks`` consecutive sub-sequences (12 of 0.5 s); one small CNN, shared
across chunks, turns each into a feature vector, and an LSTM reads the
sequence of chunk features. The beat to classify sits at the window's centre.
"""

from __future__ import annotations

from torch import nn

from ..errors import ArrhythmiaError
from .base import BeatModel


class CNNLSTM(BeatModel):
    name = "cnn_lstm"
    summary = "founding article: shared CNN over 12 sub-sequences of a 6 s window + LSTM 64"
    default_window = "6s"

    def __init__(self, n_chunks: int = 12, hidden: int = 64, **kw):
        super().__init__(n_chunks=n_chunks, hidden=hidden, **kw)
        if self.n_samples % n_chunks:
            raise ArrhythmiaError(
                f"Invalid value for 'n_chunks': must divide the window length {self.n_samples}; got {n_chunks}."
            )
        self.n_chunks = n_chunks
        self.cnn = nn.Sequential(
            nn.Conv1d(self.n_leads, 16, 7, padding=3), nn.BatchNorm1d(16), nn.ReLU(), nn.MaxPool1d(4),
            nn.Conv1d(16, 32, 5, padding=2), nn.BatchNorm1d(32), nn.ReLU(), nn.MaxPool1d(4),
            nn.Conv1d(32, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1), nn.Flatten(),
        )
        self.lstm = nn.LSTM(64, hidden, batch_first=True)
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(hidden, self.n_classes)

    def features(self, x, rr=None):
        b = x.shape[0]
        chunk = self.n_samples // self.n_chunks
        # (B, L, C*chunk) -> (B*C, L, chunk)
        sub = x.reshape(b, self.n_leads, self.n_chunks, chunk).transpose(1, 2).reshape(b * self.n_chunks, self.n_leads, chunk)
        f = self.cnn(sub).reshape(b, self.n_chunks, -1)
        _, (h, _) = self.lstm(f)
        return self.drop(h[-1])


MODEL = CNNLSTM
