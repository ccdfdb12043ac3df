"""Batched prediction with a torch model."""

from __future__ import annotations

import numpy as np


def resolve_device(device: str = "auto"):
    """``'auto'`` -> CUDA when available, else CPU."""
    import torch

    from ..errors import check_option

    check_option("device", device, ("auto", "cpu", "cuda"))
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        from ..errors import ArrhythmiaError

        raise ArrhythmiaError("Invalid value for 'device': 'cuda' requested but no CUDA device is available.")
    return torch.device(device)


def clean_rr(rr: np.ndarray, fill: np.ndarray | None = None) -> np.ndarray:
    """Replace undefined RR features (records with < 2 beats) by ``fill`` (default 0)."""
    rr = np.asarray(rr, dtype=np.float32)
    if not np.isnan(rr).any():
        return rr
    fill = np.zeros(rr.shape[1], np.float32) if fill is None else np.asarray(fill, np.float32)
    return np.where(np.isnan(rr), fill[None, :], rr)


def predict_proba(model, x: np.ndarray, rr: np.ndarray | None = None, batch_size: int = 2048,
                  device="cpu", return_features: bool = False):
    """Class probabilities of beats ``x`` (n, leads, samples), in batches, eval mode.

    Returns
    -------
    proba : ndarray of float32, shape (n, n_classes)
    features : ndarray of float32, shape (n, n_features)
        Only with ``return_features``: the penultimate layer (for t-SNE).
    """
    import torch

    from ..features.rr import select_rr

    model.eval()
    dev = torch.device(device) if not isinstance(device, torch.device) else device
    model.to(dev)
    fill = model.rr_mean.detach().cpu().numpy() if model.uses_rr else None
    rr = clean_rr(select_rr(rr, model.rr_features), fill) if (rr is not None and model.uses_rr) else None
    probs, feats = [], []
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            xb = torch.from_numpy(np.ascontiguousarray(x[i:i + batch_size], dtype=np.float32)).to(dev)
            rb = torch.from_numpy(rr[i:i + batch_size]).to(dev) if rr is not None else None
            if return_features:
                model.check_input(xb, rb)
                rbn = (rb - model.rr_mean) / model.rr_std if model.uses_rr else None
                f = model.features(xb, rbn)
                logits = model.head(f)
                feats.append(f.cpu().numpy())
            else:
                logits = model(xb, rb)
            probs.append(torch.softmax(logits, dim=1).cpu().numpy())
    p = np.concatenate(probs) if probs else np.zeros((0, model.n_classes), np.float32)
    if return_features:
        return p, (np.concatenate(feats) if feats else np.zeros((0, 0), np.float32))
    return p
