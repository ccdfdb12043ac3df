"""``lstm_attention``: the founding report's LSTM with soft attention.

LSTM(64, return_sequences) -> Dense(64, softmax) multiplied element-wise with
the LSTM output (soft attention) -> LSTM(32) -> Dense(5). The report's Keras
summary counts 33,637 trainable parameters (16,896 + 4,160 + 12,416 + 165).
PyTorch's LSTM keeps two bias vectors per gate (``b_ih`` and ``b_hh``) where
Keras keeps one, adding 4*64 + 4*32 = 384: 34,021 here. The function is the
same (the two biases only ever appear summed).
"""

from __future__ import annotations

import torch
from torch import nn

from .base import BeatModel

KERAS_PARAMETERS = 33_637


class LSTMAttention(BeatModel):
    name = "lstm_attention"
    summary = ("founding report: LSTM 64 + soft attention + LSTM 32 (300-sample beats); Keras counts 33,637 "
               "parameters, PyTorch's second LSTM bias vector adds 384")
    default_window = "300"

    def __init__(self, units1: int = 64, units2: int = 32, **kw):
        super().__init__(units1=units1, units2=units2, **kw)
        self.lstm1 = nn.LSTM(self.n_leads, units1, batch_first=True)
        self.attention = nn.Linear(units1, units1)
        self.lstm2 = nn.LSTM(units1, units2, batch_first=True)
        self.head = nn.Linear(units2, self.n_classes)

    def features(self, x, rr=None):
        seq, _ = self.lstm1(x.transpose(1, 2))          # (B, T, 64)
        weights = torch.softmax(self.attention(seq), dim=-1)
        _, (h, _) = self.lstm2(seq * weights)           # h: (1, B, 32)
        return h[-1]


MODEL = LSTMAttention
