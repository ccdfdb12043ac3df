"""``resnet1d``: ResNet-18 with 1D convolutions.

Stem (conv 7/2, max-pool 3/2), four stages of two basic blocks (64, 128,
256, 512 channels; stride 2 from the second stage), global average pooling,
linear head. The founding project adapted an ImageNet ResNet-18; ImageNet
weights do not transfer to 1D signals, so transfer learning here means
``arrhythmia train --init-from BUNDLE [--freeze-backbone]``.
"""

from __future__ import annotations

from torch import nn

from .base import BeatModel


class BasicBlock1d(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv1d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm1d(cout)
        self.conv2 = nn.Conv1d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm1d(cout)
        self.relu = nn.ReLU()
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv1d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm1d(cout))

    def forward(self, x):
        idt = x if self.down is None else self.down(x)
        y = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(y)) + idt)


class ResNet1d(BeatModel):
    name = "resnet1d"
    summary = "ResNet-18 with 1D convolutions (4 stages x 2 basic blocks, 64-512 channels)"
    default_window = "300"

    def __init__(self, base_width: int = 64, layers: tuple = (2, 2, 2, 2), **kw):
        super().__init__(base_width=base_width, layers=list(layers), **kw)
        w = base_width
        self.stem = nn.Sequential(
            nn.Conv1d(self.n_leads, w, 7, stride=2, padding=3, bias=False), nn.BatchNorm1d(w), nn.ReLU(),
            nn.MaxPool1d(3, stride=2, padding=1),
        )
        blocks, cin = [], w
        for i, n in enumerate(layers):
            cout = w * 2**i
            for j in range(n):
                blocks.append(BasicBlock1d(cin, cout, stride=2 if (i > 0 and j == 0) else 1))
                cin = cout
        self.stages = nn.Sequential(*blocks)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Flatten())
        self.head = nn.Linear(cin, self.n_classes)

    def features(self, x, rr=None):
        return self.pool(self.stages(self.stem(x)))


MODEL = ResNet1d
