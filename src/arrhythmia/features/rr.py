"""RR-interval features, the strongest cue for S beats across patients."""

from __future__ import annotations

import numpy as np

from ..errors import ArrhythmiaError

RR_FEATURES: tuple[str, ...] = (
    "pre_rr", "post_rr", "local_rr", "record_rr",
    "pre_local", "post_local", "pre_record", "post_record", "pre_post",
    "pre_median", "irregularity",
    "pre_upper", "post_upper", "pre_prev", "irregularity_wide",
)
"""Column names of :func:`rr_features`."""

RR_SETS: dict[str, tuple[str, ...]] = {
    "base": RR_FEATURES[:9],
    "robust": RR_FEATURES[:11],
    # ratios only: the same beat looks the same at 50 and at 120 beats per minute
    "relative": ("pre_local", "post_local", "pre_record", "post_record", "pre_post", "pre_median", "irregularity"),
    # + prematurity against the upper quartile of the surrounding intervals (the sinus cycle, even where most beats
    # are premature), the change from the previous interval and irregularity over a wider window
    "context": RR_FEATURES[4:15],
    # + the intervals in seconds before and after the beat and their local mean
    "context-abs": RR_FEATURES[:3] + RR_FEATURES[4:15],
}
"""Named feature sets (``train --rr-features``): the columns a model reads. A
model stores their names (``rr_features``), so bundles trained before a set
or a column was added keep working. ``relative`` leaves out the four
intervals in seconds (``pre_rr``, ``post_rr``, ``local_rr``, ``record_rr``):
with them a network can learn the training patients' heart rates instead of
prematurity relative to the patient's own rhythm."""

LOCAL_BEATS = 10
CENTRED_BEATS = 10  # the running medians span this many beats either side
WIDE_BEATS = 30  # the upper quartile and the wide irregularity span this many beats either side


def select_rr_names(names) -> tuple[str, ...]:
    """``names`` as a tuple, checked against :data:`RR_FEATURES`."""
    names = tuple(names)
    unknown = [n for n in names if n not in RR_FEATURES]
    if unknown:
        raise ArrhythmiaError(f"Invalid value for 'rr_features': allowed names from {list(RR_FEATURES)}; "
                              f"got {unknown}.")
    return names


def select_rr(rr, names):
    """The columns ``names`` of RR features (what a model reading ``names`` is fed).

    Parameters
    ----------
    rr : ndarray, shape (n_beats, 15) or (n_beats, len(names)), or None
        All :data:`RR_FEATURES` columns (as :func:`rr_features` returns them),
        or already the model's columns.
    names : sequence of str
        Column names, a subset of :data:`RR_FEATURES`.

    Returns
    -------
    ndarray, shape (n_beats, len(names)), or None when ``rr`` is None
    """
    if rr is None:
        return None
    names = select_rr_names(names)
    if rr.shape[1] == len(RR_FEATURES):
        idx = [RR_FEATURES.index(n) for n in names]
        if idx == list(range(idx[0], idx[0] + len(idx))):
            # a run of adjacent columns (every named set) as a view: the training set's RR mean and std are then
            # summed in the same float32 order as before sets had names, so trained weights stay bit for bit
            return rr[:, idx[0]: idx[0] + len(idx)]
        return rr[:, idx]
    if rr.shape[1] == len(names):
        return rr
    raise ArrhythmiaError(f"Invalid value for 'rr': allowed {len(RR_FEATURES)} or {len(names)} columns; "
                          f"got {rr.shape[1]}.")


def centred_median(v: np.ndarray, half: int) -> np.ndarray:
    """Median of ``v[i - half : i + half + 1]`` for every ``i`` (the window is cut at the ends; NaNs are left out,
    and a window of NaNs alone gives NaN)."""
    return _centred_quantile(v, half, 0.5)


def _centred_quantile(v: np.ndarray, half: int, q: float) -> np.ndarray:
    """Quantile ``q`` of ``v[i - half : i + half + 1]`` for every ``i`` (the window is cut at the ends)."""
    from numpy.lib.stride_tricks import sliding_window_view

    padded = np.concatenate([np.full(half, np.nan), v, np.full(half, np.nan)])
    win = sliding_window_view(padded, 2 * half + 1)
    if q == 0.5:
        return np.nanmedian(win, axis=1)
    # nanquantile loops in Python over rows; only the rows of windows holding a NaN (cut at the ends) need it.
    # The others, whole windows, go through np.quantile at once: the same linear interpolation between the same
    # two order statistics, so the same values bit for bit (tests/test_features_rr.py checks it on every record).
    cut = np.isnan(win).any(axis=1)
    out = np.empty(len(v), dtype=np.float64)
    if (~cut).any():
        out[~cut] = np.quantile(win[~cut], q, axis=1)
    if cut.any():
        out[cut] = np.nanquantile(win[cut], q, axis=1)
    return out


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
    ndarray of float32, shape (n_beats, 15)
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
        - ``pre_median``: ``pre_rr`` over the median ``pre_rr`` of the 21 beats
          centred on this one: prematurity against the surrounding rhythm,
          which a few ectopic beats around it do not shift (a mean does);
        - ``irregularity``: median of ``|pre_rr - previous pre_rr|`` over the
          same 21 beats, over their median ``pre_rr``: small in a regular
          rhythm with isolated ectopic beats, large in atrial fibrillation,
          whose normal beats are irregular without being premature.
        - ``pre_upper``, ``post_upper``: ``pre_rr`` and ``post_rr`` over the
          upper quartile (75th percentile) of ``pre_rr`` over the 61 beats
          centred on this one: against the sinus cycle even where most beats
          are premature (a run of atrial bigeminy, MIT-BIH 232's frequent
          premature beats), where a median or a mean is itself premature;
        - ``pre_prev``: ``pre_rr`` over the previous beat's ``pre_rr`` (a
          sudden shortening of the cycle);
        - ``irregularity_wide``: ``irregularity`` over the 61 centred beats.

        The last two need the beats after this one, which a whole recording
        has. A model reads one of the :data:`RR_SETS`.

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
    med = centred_median(pre, CENTRED_BEATS)
    out[:, 9] = pre / med
    jumps = np.abs(np.diff(pre, prepend=pre[0]))
    out[:, 10] = centred_median(jumps, CENTRED_BEATS) / med
    upper = _centred_quantile(pre, WIDE_BEATS, 0.75)
    out[:, 11], out[:, 12] = pre / upper, post / upper
    out[:, 13] = pre / np.concatenate([[pre[0]], pre[:-1]])
    out[:, 14] = centred_median(jumps, WIDE_BEATS) / centred_median(pre, WIDE_BEATS)
    return out.astype(np.float32)
