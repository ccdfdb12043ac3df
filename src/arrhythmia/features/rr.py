"""RR-interval features, the strongest cue for S beats across patients."""

from __future__ import annotations

import numpy as np

RR_FEATURES: tuple[str, ...] = (
    "pre_rr", "post_rr", "local_rr", "record_rr",
    "pre_local", "post_local", "pre_record", "post_record", "pre_post",
)
"""Column names of :func:`rr_features`."""

LOCAL_BEATS = 10


def rr_features(samples, fs: float) -> np.ndarray:
    """RR features of every beat of one record.

    Parameters
    ----------
    samples : array_like of int, shape (n_beats,)
        R-peak positions of *all* beats of the record, ascending.
    fs : float
        Sampling rate of ``samples`` in Hz.

    Returns
    -------
    ndarray of float32, shape (n_beats, 9)
        Columns (:data:`RR_FEATURES`), intervals in seconds:

        - ``pre_rr``: interval from the previous beat (the first beat uses its
          ``post_rr``);
        - ``post_rr``: interval to the next beat (the last beat uses its ``pre_rr``);
        - ``local_rr``: mean ``pre_rr`` of the last 10 beats, this one included
          (fewer at the start of the record);
        - ``record_rr``: mean RR interval of the whole record;
        - ``pre_local``, ``post_local``: ``pre_rr`` and ``post_rr`` over ``local_rr``;
        - ``pre_record``, ``post_record``: over ``record_rr`` (the patient's own rhythm);
        - ``pre_post``: ``pre_rr / post_rr`` (prematurity followed by a
          compensatory pause gives a small value).

        A record with fewer than two beats has no interval: every column is NaN.
    """
    s = np.asarray(samples, dtype=np.float64)
    n = s.size
    out = np.full((n, len(RR_FEATURES)), np.nan, dtype=np.float64)
    if n < 2:
        return out.astype(np.float32)
    d = np.diff(s) / float(fs)
    pre = np.concatenate([[d[0]], d])
    post = np.concatenate([d, [d[-1]]])
    csum = np.concatenate([[0.0], np.cumsum(pre)])
    i = np.arange(n)
    lo = np.maximum(0, i - LOCAL_BEATS + 1)
    local = (csum[i + 1] - csum[lo]) / (i + 1 - lo)
    record = np.full(n, d.mean())
    out[:, 0], out[:, 1], out[:, 2], out[:, 3] = pre, post, local, record
    out[:, 4], out[:, 5] = pre / local, post / local
    out[:, 6], out[:, 7] = pre / record, post / record
    out[:, 8] = pre / post
    return out.astype(np.float32)
