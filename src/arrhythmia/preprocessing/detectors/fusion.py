"""``fusion``: both leads, a first Pan-Tompkins pass, then every candidate beat checked.

Everything but the final placement runs at about 120 Hz (the signal
averaged over ``fs // 120`` samples), which is plenty for a 5-15 Hz band.

1. Each lead's QRS energy (:func:`.base.energy_from_band`: 5-15 Hz,
   derivative, square, 150 ms integration, over its running level); their
   mean (leaving out a lead that is flat in that second) is the energy a
   first Pan-Tompkins pass runs on (:func:`.pan_tompkins.adaptive_pass`,
   200 ms refractory period): a beat that one lead barely shows (a PVC of
   record 203 on MLII) is still seen, at the cost of extra detections where
   one lead is noisy.
2. Candidates: the first pass's beats ``B`` and every energy peak in the
   gaps between them (over 200 ms from a beat of ``B``, energy > 0.02).
3. Each candidate is described against the beats of ``B`` around it
   (:func:`.candidates.candidate_features`: waveform correlation with its
   neighbours on both leads, energy on each lead over the local beat level,
   intervals to the neighbouring beats over the local RR, signal quality of
   each lead, candidate density and energy prominence) and kept when a
   logistic model of those features gives it a probability of 0.5 or more;
   of two kept within 200 ms, the likelier stays.
4. Each beat is placed on the largest deflection of lead 0 (smoothed over
   8 ms, about the window's median) within +/-80 ms, at the input's rate.

The logistic weights :data:`WEIGHTS` were fitted on the 22 DS1 records of
MIT-BIH and on copies of 20 of them stressed with muscle-artifact and
baseline-wander noise (never 118 or 119, never the ``em`` noise of the
published noise stress test; ``scripts/fit_fusion_detector.py`` prints them
again); DS2's figures in ``docs/benchmarks.md`` are those of records it never
saw. Given one lead, it is used as both leads.
"""

from __future__ import annotations

import functools

import numpy as np

from .base import (BLOCK, Detection, check_signal, empty_detection, lead_energy_and_slope, slope_at,
                   too_short_or_flat)

NAME = "fusion"
SUMMARY = "both leads: Pan-Tompkins on the mean energy, then each candidate kept by a logistic model (fit on DS1)"
LEADS = 2
REFRACTORY_S = 0.2
KEEP_ABOVE = 0.5
LEAN_ABOVE = 1 << 20
"""Samples at the working rate (about 2.4 hours) above which the first pass's slope row is not made: its values
are computed at the candidates only (:func:`.base.slope_at`, the same values); below, the whole row is quicker."""

WEIGHTS = np.array([1.53356, 1.94745, 1.53464, 1.28973, -1.92624, 0.555233, -1.92449, 2.68075, 6.30798, 0.576458,
                    0.18223, 0.120209, 0.904889, 0.767819, -0.296721, 0.945039, 0.616269, 1.80237])
"""Logistic weights over :func:`.candidates.expand`'s 18 inputs (fitted on DS1; see the module docstring)."""


def prepare(signal, fs: float):
    """Checked input with exactly two leads (one lead is used twice), and a note when one was."""
    x, fs = check_signal(signal, fs)
    notes = ()
    if x.shape[0] == 1:
        x = np.vstack([x, x])
        notes = ("one lead given: used as both leads",)
    return x[:2], fs, notes


def first_pass(x: np.ndarray, fs: float, chunk_s: float | None = None) -> dict:
    """Energies, signal quality and first-pass beats of a two-lead signal, at about 120 Hz.

    ``chunk_s``: the QRS band-pass in chunks (:func:`..filters.bandpass`; None: only over an hour).

    Returns a dict: ``k`` (decimation factor), ``fs_work`` (``fs / k``),
    ``band`` (5-15 Hz), ``lead_energy``, ``energy``, ``beats`` and ``threshold``
    (at ``fs_work``), ``quality`` (at ``fs``).
    """
    from ..filters import bandpass
    from ..quality import SEGMENT_S, flat_segments, signal_quality
    from .base import decimate_mean, decimation_factor
    from .pan_tompkins import adaptive_pass

    k = decimation_factor(fs)
    k = k if int(round(SEGMENT_S * fs)) % k == 0 else 1
    fw = fs / k
    xd = decimate_mean(x, k)
    band = bandpass(xd, fw, 5.0, 15.0, order=3, chunk_s=chunk_s)
    del xd
    # a lead that is off (flat) in a second takes no part in the mean energy there, nor in the slope
    sw = int(round(SEGMENT_S * fs)) // k
    on = np.repeat(~flat_segments(band, sw), sw, axis=1)[:, : band.shape[1]]  # bool: a float copy is 8x larger
    # a long recording's slope row (T-wave test) is not made: read from the band-passed leads at the candidates
    row = band.shape[1] <= LEAN_ABOVE
    lead_energy, slope = lead_energy_and_slope(band, fw, on[0], with_slope=row)
    # the mean over the leads that are on: the same values as (lead_energy * on).sum(0) / max(on.sum(0), 1) with
    # on as floats (the energies are finite and >= 0), without a float row per lead
    energy = lead_energy[0] * on[0]
    for i in range(1, on.shape[0]):
        np.add(energy, lead_energy[i], out=energy, where=on[i])
    count = on.sum(axis=0, dtype=np.uint8)
    np.divide(energy, count, out=energy, where=count > 1)
    del count
    if not row:
        slope = functools.partial(slope_at, band, on[0].copy())
    del on
    beats, thr = adaptive_pass(energy, slope, fw, REFRACTORY_S)
    del slope
    quality = signal_quality(x, fs, beats * k, band=band)
    return {"k": k, "fs_work": fw, "band": band, "lead_energy": lead_energy, "energy": energy, "beats": beats,
            "threshold": thr, "quality": quality}


def candidate_table(x: np.ndarray, fs: float, stage: dict) -> tuple[np.ndarray, np.ndarray]:
    """Candidates (at the working rate) and their features (:data:`.candidates.FEATURE_NAMES`)."""
    from .candidates import candidate_features, gap_candidates

    beats, fw, k = stage["beats"], stage["fs_work"], stage["k"]
    gaps = gap_candidates(stage["energy"], fw, beats)
    cand = np.concatenate([beats, gaps])
    first = np.r_[np.ones(beats.size, bool), np.zeros(gaps.size, bool)]
    order = np.argsort(cand, kind="stable")
    cand, first = cand[order], first[order]
    q = stage["quality"]
    feats = candidate_features(stage["lead_energy"], stage["energy"], stage["band"], q.sqi_db, q.segment // k, fw,
                               beats, cand, first)
    return cand, feats


def place(lead0: np.ndarray, fs: float, at: np.ndarray) -> np.ndarray:
    """Largest absolute deflection of ``lead0`` about the local median, within +/-80 ms of each sample of ``at``.

    The lead is smoothed over about 8 ms first (a moving average) against sample-to-sample noise.
    """
    from scipy.ndimage import uniform_filter1d

    w = int(round(0.08 * fs))
    m = max(1, int(round(0.008 * fs)))
    out = np.empty(len(at), np.int64)
    for a in range(0, len(at), BLOCK):  # a block of beats at a time: row by row, the same values
        idx = np.clip(at[a:a + BLOCK, None] + np.arange(-w, w + 1)[None, :], 0, lead0.size - 1)
        seg = lead0[idx]
        if m > 1:
            seg = uniform_filter1d(seg, size=m, axis=1, mode="nearest")
        seg = seg - np.median(seg, axis=1, keepdims=True)
        out[a:a + BLOCK] = idx[np.arange(idx.shape[0]), np.abs(seg).argmax(axis=1)]
    return out


def keep_likeliest(samples: np.ndarray, prob: np.ndarray, min_gap: int) -> np.ndarray:
    """Indices of ``samples`` (ascending) to keep so that no two are closer than ``min_gap``.

    Of two neighbours too close, the less likely goes; a beat that lost to a
    neighbour which itself loses on its other side stays for the next round.
    """
    idx = np.arange(samples.size)
    while idx.size > 1:
        close = np.diff(samples[idx]) < min_gap
        if not close.any():
            break
        left_loses = close & (prob[idx[:-1]] < prob[idx[1:]])
        right_loses = close & ~left_loses
        loses = np.zeros(idx.size, bool)
        loses[:-1] |= left_loses
        loses[1:] |= right_loses
        # drop a loser only when the neighbour that beat it does not lose itself
        beaten_by_winner = np.zeros(idx.size, bool)
        beaten_by_winner[:-1] |= left_loses & ~loses[1:]
        beaten_by_winner[1:] |= right_loses & ~loses[:-1]
        idx = idx[~beaten_by_winner]
    return idx


def detect(signal, fs: float, weights=None, chunk_s: float | None = None) -> Detection:
    """Locate R peaks on two leads (see the module docstring).

    Parameters
    ----------
    signal : array_like, shape (n_samples,) or (n_leads, n_samples)
        ECG, any unit; the first two leads are read (one is used twice).
    fs : float
        Hz (at least 100).
    weights : array_like of 18 floats, optional
        Logistic weights (default :data:`WEIGHTS`), for refitting.
    chunk_s : float or None
        Band-pass in overlapping chunks of this many seconds (None: a signal over an hour long in 10-minute
        chunks; 0: whole); the detections are the same (``tests/test_chunked.py``).

    Returns
    -------
    Detection
        ``energy`` is the mean of the two leads' energies (``lead_energy``),
        at about 120 Hz (``energy_fs``); ``threshold`` the first pass's
        threshold near each beat; ``quality`` the per-second signal quality.
    """
    from .base import nearest
    from .candidates import expand

    x, fs, notes = prepare(signal, fs)
    if too_short_or_flat(x, fs):
        return empty_detection(NAME, x[: 2 - len(notes)], fs, 2 - len(notes))
    stage = first_pass(x, fs, chunk_s)
    beats = stage["beats"]
    if beats.size < 3:
        peaks, first = np.unique(place(x[0], fs, beats * stage["k"]), return_index=True)
        return _result(stage, peaks, stage["threshold"][first], fs, notes)
    cand, feats = candidate_table(x, fs, stage)
    w = WEIGHTS if weights is None else np.asarray(weights, dtype=np.float64)
    prob = 1.0 / (1.0 + np.exp(-(expand(feats) @ w)))
    ok = np.flatnonzero(prob >= KEEP_ABOVE)
    ok = ok[keep_likeliest(cand[ok], prob[ok], int(round(REFRACTORY_S * stage["fs_work"])))]
    peaks = place(x[0], fs, cand[ok] * stage["k"])
    thr = stage["threshold"][nearest(beats, cand[ok])]
    order = np.argsort(peaks, kind="stable")
    peaks, thr, p = peaks[order], thr[order], prob[ok][order]
    keep = keep_likeliest(peaks, p, max(1, int(round(0.5 * REFRACTORY_S * fs))))  # two placed on one R peak
    return _result(stage, peaks[keep], thr[keep], fs, notes)


def _result(stage: dict, peaks: np.ndarray, thr: np.ndarray, fs: float, notes: tuple) -> Detection:
    n = 1 if notes else 2  # one lead given: report it once
    return Detection(peaks.astype(np.int64), fs, NAME, stage["energy"], stage["lead_energy"][:n], thr, n, notes,
                     stage["fs_work"], stage["quality"])
