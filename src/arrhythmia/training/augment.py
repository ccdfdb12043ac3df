"""Light augmentation of beat batches, as pure functions of a torch Generator.

All work on (batch, leads, samples) tensors in normalised units and return a
new tensor; the input is not modified.
"""

from __future__ import annotations

import math

import torch


def amplitude_scale(x, g, low=0.85, high=1.15):
    """Multiply each beat by a factor drawn uniformly in [low, high]."""
    s = torch.empty(x.shape[0], 1, 1).uniform_(low, high, generator=g)
    return x * s


def baseline_wander(x, g, max_amp=0.1, fs=360.0, max_freq=0.5):
    """Add a slow sine (up to ``max_freq`` Hz, random phase) of amplitude up to ``max_amp``."""
    b, _, n = x.shape
    t = torch.arange(n, dtype=x.dtype) / fs
    amp = torch.empty(b, 1, 1).uniform_(0, max_amp, generator=g)
    freq = torch.empty(b, 1, 1).uniform_(0.05, max_freq, generator=g)
    phase = torch.empty(b, 1, 1).uniform_(0, 2 * math.pi, generator=g)
    return x + amp * torch.sin(2 * math.pi * freq * t + phase)


def gaussian_noise(x, g, max_std=0.05):
    """Add white noise of a per-beat standard deviation up to ``max_std``."""
    std = torch.empty(x.shape[0], 1, 1).uniform_(0, max_std, generator=g)
    return x + std * torch.randn(x.shape, generator=g)


def time_shift(x, g, max_shift=5):
    """Shift each beat by up to ``max_shift`` samples, repeating the edge sample."""
    b, _, n = x.shape
    shift = torch.randint(-max_shift, max_shift + 1, (b,), generator=g)
    idx = (torch.arange(n)[None, :] - shift[:, None]).clamp(0, n - 1)
    return torch.gather(x, 2, idx[:, None, :].expand(-1, x.shape[1], -1))


def augment(x, g, fs=360.0):
    """The default chain: shift, amplitude, baseline wander, noise."""
    return gaussian_noise(baseline_wander(amplitude_scale(time_shift(x, g), g), g, fs=fs), g)
