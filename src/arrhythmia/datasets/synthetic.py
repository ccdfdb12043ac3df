"""A seeded synthetic two-lead ECG with ectopic beats and realistic noise (for the demo and tests).

Each beat is a sum of Gaussian waves (P, Q, R, S, T) placed relative to its
R peak (McSharry et al. 2003, simplified to fixed shapes):

* normal beat (N): P, narrow QRS, upright T;
* premature atrial beat (S): early by ~30 %, a different (inverted) P wave,
  the same narrow QRS, no compensatory pause;
* premature ventricular beat (V): early by ~35 %, no P wave, wide tall QRS,
  inverted T, followed by a full compensatory pause.

Noise: baseline wander (0.15 and 0.33 Hz), muscle (EMG-like) noise and
50 Hz mains, each with a seeded random phase.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# (amplitude mV, centre s relative to R, width s) per wave; lead II-like, then V1-like
_SHAPES = {
    "N": ([(0.15, -0.20, 0.025), (-0.10, -0.035, 0.010), (1.20, 0.0, 0.011), (-0.25, 0.035, 0.011), (0.30, 0.28, 0.06)],
          [(0.08, -0.20, 0.025), (0.25, -0.01, 0.010), (-0.80, 0.03, 0.014), (0.15, 0.28, 0.06)]),
    "S": ([(-0.12, -0.16, 0.022), (-0.10, -0.035, 0.010), (1.15, 0.0, 0.011), (-0.25, 0.035, 0.011), (0.28, 0.26, 0.06)],
          [(-0.06, -0.16, 0.022), (0.25, -0.01, 0.010), (-0.80, 0.03, 0.014), (0.15, 0.26, 0.06)]),
    "V": ([(1.60, 0.0, 0.035), (-0.70, 0.09, 0.040), (-0.45, 0.36, 0.080)],
          [(-0.30, -0.02, 0.030), (1.30, 0.06, 0.040), (-0.35, 0.36, 0.080)]),
}


@dataclass(frozen=True)
class SyntheticECG:
    """Output of :func:`synthetic_ecg`.

    Attributes
    ----------
    clean, noisy : ndarray, shape (2, n_samples)
        The ECG in mV without and with noise.
    fs : float
    r_peaks : ndarray of int
        R-peak sample of every beat.
    labels : list of str
        'N', 'S' or 'V' per beat.
    leads : tuple of str
    """

    clean: np.ndarray
    noisy: np.ndarray
    fs: float
    r_peaks: np.ndarray
    labels: list
    leads: tuple = ("MLII", "V1")


def _beat_times(duration, hr, p_pvc, p_pac, rng):
    rr0 = 60.0 / hr
    t, times, labels = 0.6, [], []
    while t < duration - 0.6:
        times.append(t)
        u = rng.random()
        prev_ectopic = labels and labels[-1] != "N"
        if not prev_ectopic and u < p_pvc:
            labels.append("V")
        elif not prev_ectopic and u < p_pvc + p_pac:
            labels.append("S")
        else:
            labels.append("N")
        rr = rr0 * (1 + 0.04 * np.sin(2 * np.pi * t / 4.0)) + rng.normal(0, 0.01)
        t += rr
    # make ectopic beats premature (after the fact, so the sinus rhythm stays regular)
    times = np.array(times)
    for i, lab in enumerate(labels):
        if lab == "V" and 0 < i:
            times[i] -= 0.35 * rr0  # next beat keeps its time: full compensatory pause
        elif lab == "S" and 0 < i:
            shift = 0.30 * rr0
            times[i:] -= shift      # the rhythm resets: no compensatory pause
    keep = times < duration - 0.6
    return times[keep], [lab for lab, k in zip(labels, keep) if k]


def synthetic_ecg(duration: float = 60.0, fs: float = 360.0, hr: float = 72.0, p_pvc: float = 0.08,
                  p_pac: float = 0.06, noise: float = 1.0, mains: float = 50.0, seed: int = 0) -> SyntheticECG:
    """Generate a noisy two-lead ECG with known beats.

    Parameters
    ----------
    duration : float
        Seconds.
    fs : float
        Sampling rate in Hz.
    hr : float
        Mean heart rate in beats per minute.
    p_pvc, p_pac : float
        Probability of a beat being a premature ventricular / atrial beat.
    noise : float
        Scale of all noise (0: clean).
    mains : float
        Mains frequency (50 or 60 Hz).
    seed : int

    Returns
    -------
    SyntheticECG
    """
    rng = np.random.default_rng(seed)
    n = int(round(duration * fs))
    t = np.arange(n) / fs
    times, labels = _beat_times(duration, hr, p_pvc, p_pac, rng)
    clean = np.zeros((2, n))
    for tr, lab in zip(times, labels):
        for lead, waves in enumerate(_SHAPES[lab]):
            for a, mu, sd in waves:
                c = tr + mu
                lo, hi = max(0, int((c - 5 * sd) * fs)), min(n, int((c + 5 * sd) * fs) + 1)
                clean[lead, lo:hi] += a * np.exp(-0.5 * ((t[lo:hi] - c) / sd) ** 2)
    ph = rng.uniform(0, 2 * np.pi, size=(2, 4))
    wander = 0.25 * np.sin(2 * np.pi * 0.15 * t + ph[:, :1]) + 0.12 * np.sin(2 * np.pi * 0.33 * t + ph[:, 1:2])
    from scipy.signal import butter, sosfiltfilt

    emg = sosfiltfilt(butter(4, [20, min(150, fs / 2 - 1)], btype="bandpass", fs=fs, output="sos"),
                      rng.standard_normal((2, n)), axis=-1)
    emg *= 0.04 / emg.std()
    hum = 0.12 * np.sin(2 * np.pi * mains * t + ph[:, 2:3])
    noisy = clean + noise * (wander + emg + hum)
    r_peaks = np.round(np.asarray(times) * fs).astype(np.int64)
    return SyntheticECG(clean, noisy, float(fs), r_peaks, list(labels))
