"""``morph_rr``: our default, built for patients the model has never seen.

Two leads of beat morphology (MLII and the record's other lead, each
z-scored over its own record) through a small CNN, and RR features (one of
:data:`arrhythmia.features.RR_SETS`: 9 by default, including RR over the
record's own mean RR) through a small MLP; the two are concatenated and
classified.
Across patients, prematurity relative to the patient's own rhythm is the
main cue for S beats, and QRS width/shape for V beats; a small network with
few parameters over-fits the 17 or so training patients less.
"""

from __future__ import annotations

import torch
from torch import nn

from .base import BeatModel


def _block(cin, cout, k, stride=1, pool=True):
    layers = [nn.Conv1d(cin, cout, k, stride=stride, padding=k // 2, bias=False), nn.BatchNorm1d(cout), nn.ReLU()]
    if pool:
        layers.append(nn.MaxPool1d(2))
    return layers


class MorphRR(BeatModel):
    """Morphology CNN + RR-feature MLP.

    Parameters
    ----------
    width : int
        Channels of the first convolution (doubled once, then kept).
    dropout : float
        Dropout before the last layer.
    """

    name = "morph_rr"
    summary = "ours: 2-lead morphology CNN + RR features (incl. RR / record mean RR)"
    default_window = "300"
    default_leads = ("MLII", "other")
    uses_rr = True

    def __init__(self, width: int = 16, dropout: float = 0.3, **kw):
        super().__init__(width=width, dropout=dropout, **kw)
        w = width
        self.cnn = nn.Sequential(
            *_block(self.n_leads, w, 7, stride=2),
            *_block(w, 2 * w, 5),
            *_block(2 * w, 4 * w, 5),
            *_block(4 * w, 4 * w, 3, pool=False),
        )
        self.rr_net = nn.Sequential(nn.Linear(self.n_rr, 32), nn.ReLU())
        self.mix = nn.Sequential(nn.Linear(8 * w + 32, 64), nn.ReLU(), nn.Dropout(dropout))
        self.head = nn.Linear(64, self.n_classes)

    def features(self, x, rr=None):
        h = self.cnn(x)
        morph = torch.cat([h.mean(dim=-1), h.amax(dim=-1)], dim=1)
        return self.mix(torch.cat([morph, self.rr_net(rr)], dim=1))


MODEL = MorphRR
