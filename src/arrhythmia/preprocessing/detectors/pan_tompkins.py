"""``pan_tompkins``: the project's first detector, on one lead.

A Pan-Tompkins-style detector (Pan & Tompkins 1985; Hamilton & Tompkins
1986) with a vectorised front end:

1. band-pass 5-15 Hz (zero phase), derivative, square, 150 ms moving
   integration, divided by its running level (:func:`.base.qrs_energy`);
2. candidate peaks of the energy at least ``refractory`` apart;
3. one pass over the candidates with adaptive signal/noise levels, a
   search-back for missed beats after 1.66 mean RR, T-wave rejection
   (a candidate within 360 ms of the previous QRS with under half its
   slope);
4. each detection is moved to the largest absolute deflection of the
   0.5-40 Hz signal within +/-80 ms (where MIT-BIH puts its annotations).

Only step 3 is a Python loop, over a few thousand candidates per half hour.
It reads the first lead only (MLII on MIT-BIH): given two, it ignores the
second. Measured on the 48 MIT-BIH records (see ``docs/benchmarks.md``).
"""

from __future__ import annotations

import numpy as np

from .base import Detection, check_signal, empty_detection, nearest, qrs_energy, refine, too_short_or_flat

NAME = "pan_tompkins"
SUMMARY = "Pan-Tompkins-style, first lead only: adaptive thresholds, search-back, T-wave rejection"
LEADS = 1


def adaptive_pass(e: np.ndarray, slope: np.ndarray, fs: float, refractory: float = 0.25,
                  searchback: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Pan-Tompkins decisions over the candidate peaks of an energy signal.

    Parameters
    ----------
    e : ndarray, shape (n_samples,)
        QRS energy (:func:`.base.qrs_energy`).
    slope : ndarray, shape (n_samples,), or callable
        Absolute derivative of the band-passed lead (for T-wave rejection), or a function giving its values at
        an array of sample indices (:func:`.base.slope_at`: a long recording's row is never made).
    fs : float
        Hz.
    refractory : float
        Shortest RR interval accepted, seconds.
    searchback : float
        Fraction of the threshold a candidate needs when searched back.

    Returns
    -------
    peaks : ndarray of int64
        Accepted candidates (energy peaks, not yet placed on the R peak), ascending.
    threshold : ndarray of float64
        The threshold each was accepted under.
    """
    from .base import window_max
    from .maxima import find_peaks_lean

    ref_n = int(round(refractory * fs))
    cand = find_peaks_lean(e, distance=ref_n)
    if cand.size == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    half = int(round(0.075 * fs))
    # plain Python floats and ints in the loop: numpy scalars would make it several times slower
    cand_l, val = cand.tolist(), e[cand].tolist()
    cand_slope = window_max(slope, cand, half, e.size).tolist()
    init = e[: int(2 * fs)]
    spk = 0.25 * float(init.max())
    npk = 0.5 * float(init.mean())
    thr = npk + 0.25 * (spk - npk)
    rr_avg = 0.8 * fs
    qrs: list[int] = []        # indices into cand
    thrs: list[float] = []
    noise: list[int] = []      # indices into cand, since the last QRS
    t_wave = int(round(0.36 * fs))
    for k in range(len(cand_l)):
        p = cand_l[k]
        # search back for a missed beat when the gap has grown too long
        if qrs and p - cand_l[qrs[-1]] > 1.66 * rr_avg and noise:
            last = cand_l[qrs[-1]]
            back = [m for m in noise if val[m] > searchback * thr and cand_l[m] - last > ref_n and p - cand_l[m] > ref_n]
            if back:
                m = max(back, key=val.__getitem__)
                qrs.append(m)
                thrs.append(searchback * thr)
                spk = 0.25 * val[m] + 0.75 * spk
                noise = [j for j in noise if j > m]
        v = val[k]
        is_qrs = v > thr
        if is_qrs and qrs and p - cand_l[qrs[-1]] < t_wave and cand_slope[k] < 0.5 * cand_slope[qrs[-1]]:
            is_qrs = False  # a T wave
        if is_qrs:
            if qrs:
                rr = p - cand_l[qrs[-1]]
                if 0.5 * rr_avg < rr < 1.66 * rr_avg or len(qrs) < 8:
                    rr_avg = 0.875 * rr_avg + 0.125 * rr
            qrs.append(k)
            thrs.append(thr)
            spk = 0.125 * v + 0.875 * spk
            noise = []
        else:
            npk = 0.125 * v + 0.875 * npk
            noise.append(k)
        thr = npk + 0.25 * (spk - npk)
    order = np.argsort(np.asarray(qrs, dtype=np.int64), kind="stable")
    return cand[np.asarray(qrs, dtype=np.int64)[order]], np.asarray(thrs)[order]


def detect(signal, fs: float, refractory: float = 0.25, chunk_s: float | None = None) -> Detection:
    """Locate R peaks on the first lead of ``signal``.

    Parameters
    ----------
    signal : array_like, shape (n_samples,) or (n_leads, n_samples)
        ECG, any unit; only the first lead is read.
    fs : float
        Sampling rate in Hz (at least 100 Hz).
    refractory : float
        Shortest RR interval accepted, seconds.
    chunk_s : float or None
        Band-pass in overlapping chunks of this many seconds (None: a signal over an hour long in 10-minute
        chunks; 0: whole); the detections are the same.

    Returns
    -------
    Detection
        Empty for a flat or too short signal.

    Raises
    ------
    ArrhythmiaError
        NaN or infinite samples, or a sampling rate under 100 Hz.
    """
    x, fs = check_signal(signal, fs)
    x0 = x[0]
    if too_short_or_flat(x0[None], fs):
        return empty_detection(NAME, x, fs)
    e, deriv = qrs_energy(x0, fs, chunk_s=chunk_s)
    cand, thr = adaptive_pass(e, np.abs(deriv), fs, refractory)
    ref_n = int(round(refractory * fs))
    peaks = refine(x0, fs, cand, ref_n, chunk_s=chunk_s)
    thr = thr[nearest(cand, peaks)] if cand.size else thr  # refine may have merged two
    return Detection(peaks, fs, NAME, e, e[None], thr, leads_used=1)
