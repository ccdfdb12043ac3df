"""A second, small classifier over a recording's beats: the network's probabilities read in context (pure NumPy).

The network judges one beat at a time, from its window, the recording's median
beat and its RR intervals. What it cannot see is the rest of the recording:
how many of its beats it calls S, whether the rhythm of the beats it calls N
is irregular (atrial fibrillation, where an irregular N beat is not premature),
whether the neighbours are S too (a run of atrial tachycardia), whether the
recording's AF detector fires there. :func:`stack_features` puts those
label-free facts beside each beat's probabilities; :class:`StackModel` (a
two-layer perceptron, a few thousand weights, fitted by
:func:`arrhythmia.training.stack.fit_stack` on held-out patients' predictions
in the cross-validation) turns them into new probabilities. Everything here is
computed from the recording alone, at annotation time, so the same function
scores held-out patients in the cross-validation exactly as ``annotate`` runs
it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ArrhythmiaError
from ..features.rr import RR_SETS

RR_CONTEXT = RR_SETS["context"]
"""The RR columns the second stage reads: the network's own ``context`` set (ratios only)."""
STACK_FEATURES: tuple[str, ...] = (
    "log_pN", "log_pS", "log_pV", "log_pF", "log_pQ",
    "prev_log_pS", "next_log_pS", "prev_log_pV", "next_log_pV",
    *RR_CONTEXT,
    "nn_irregularity", "nn_irregularity_missing", "in_af",
    "record_af_share", "record_share_S", "record_share_V", "record_mean_pS", "rel_log_pS", "record_irregularity",
)
"""Column names of :func:`stack_features`."""
LOG_FLOOR = 1e-6


def stack_features(proba, samples, fs: float, episodes=None) -> np.ndarray:
    """The second stage's input for every beat of one recording.

    Parameters
    ----------
    proba : array_like, shape (n, 5)
        The network's probabilities (N, S, V, F, Q), beats in time order.
    samples : array_like of int, shape (n,)
        The beats' R peaks, strictly ascending.
    fs : float
        Sampling rate of ``samples``, Hz.
    episodes : array_like of int, shape (k, 2), optional
        AF/flutter episodes ([start, end) samples) found in the recording
        (:func:`arrhythmia.rhythm.af.detect_af`); None: none.

    Returns
    -------
    ndarray of float32, shape (n, len(STACK_FEATURES))
    """
    from ..features.rr import RR_FEATURES, rr_features, select_rr
    from .adapt import in_episodes, nn_irregularity

    p = np.asarray(proba, dtype=np.float64)
    s = np.asarray(samples, dtype=np.int64)
    if p.ndim != 2 or p.shape[1] != 5 or len(p) != len(s):
        raise ArrhythmiaError(f"Invalid value for 'proba': expected shape (n_beats, 5) with one row per sample; "
                              f"got {p.shape} for {len(s)} samples.")
    n = len(p)
    if n == 0:
        return np.zeros((0, len(STACK_FEATURES)), np.float32)
    logp = np.log(np.clip(p, LOG_FLOOR, 1.0))
    prev = np.vstack([logp[:1], logp[:-1]])
    nxt = np.vstack([logp[1:], logp[-1:]])
    rr = rr_features(s, fs) if n >= 2 else np.ones((n, len(RR_FEATURES)), np.float32)
    rr = select_rr(rr, RR_CONTEXT).astype(np.float64)
    label = p.argmax(1)
    irr = nn_irregularity(label, s)
    missing = np.isnan(irr)
    in_af = (in_episodes(s, np.asarray(episodes, dtype=np.int64).reshape(-1, 2)) if episodes is not None
             else np.zeros(n, bool)).astype(np.float64)
    record = np.array([in_af.mean(), np.mean(label == 1), np.mean(label == 2), p[:, 1].mean()])
    cols = [logp, prev[:, [1]], nxt[:, [1]], prev[:, [2]], nxt[:, [2]], rr,
            np.where(missing, 0.0, irr)[:, None], missing[:, None].astype(np.float64), in_af[:, None],
            np.broadcast_to(record, (n, 4)), (logp[:, 1] - np.median(logp[:, 1]))[:, None],
            np.full((n, 1), np.median(rr[:, RR_CONTEXT.index("irregularity")]))]
    return np.hstack(cols).astype(np.float32)


@dataclass(frozen=True)
class StackModel:
    """A two-layer perceptron over :func:`stack_features` (ReLU, softmax out).

    Attributes
    ----------
    mean, scale : ndarray, shape (n_features,)
        Standardisation of the inputs (fitted on the training beats).
    weights : tuple of ndarray
        ``(W1, b1, W2, b2, W3, b3)``; ``W`` of shape (in, out).
    features : tuple of str
        The input columns, :data:`STACK_FEATURES` when fitted.
    """

    mean: np.ndarray
    scale: np.ndarray
    weights: tuple
    features: tuple = STACK_FEATURES

    def predict_proba(self, feats: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n, 5), float64."""
        h = (np.asarray(feats, dtype=np.float64) - self.mean) / self.scale
        w = self.weights
        for i in range(0, len(w) - 2, 2):
            h = np.maximum(h @ w[i] + w[i + 1], 0.0)
        z = h @ w[-2] + w[-1]
        z -= z.max(1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(1, keepdims=True)

    def to_dict(self) -> dict:
        """JSON-ready (a bundle's ``postprocess.stack``)."""
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "weights": [np.asarray(w).tolist() for w in self.weights]}

    @classmethod
    def from_dict(cls, d: dict) -> "StackModel":
        feats = tuple(d["features"])
        if feats != STACK_FEATURES:
            raise ArrhythmiaError(f"Invalid value for 'postprocess.stack.features': expected {list(STACK_FEATURES)}; "
                                  f"got {list(feats)}.")
        return cls(np.asarray(d["mean"], float), np.asarray(d["scale"], float),
                   tuple(np.asarray(w, float) for w in d["weights"]), feats)


def apply_stack(model: StackModel, proba, samples, fs: float, episodes=None) -> np.ndarray:
    """``model``'s probabilities for one recording's beats (see :func:`stack_features`)."""
    return model.predict_proba(stack_features(proba, samples, fs, episodes))
