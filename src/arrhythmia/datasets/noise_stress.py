"""Noise-stressed copies of a record, made the way WFDB's ``nst`` makes them.

The MIT-BIH Noise Stress Test Database (Moody, Muldrow & Mark, *Computers in
Cardiology* 11:381-384, 1984) adds electrode-motion noise (record ``em``) to
MIT-BIH records 118 and 119 with ``nst -i mitdb/118 nstdb/em -o 118e12 -s 12``
(its ``nstdbgen`` script). This module does the same for any record, any of
the noise records ``bw``, ``em``, ``ma`` and any SNR, so that noise
robustness can be measured beyond 118 and 119. Our own code, written from
the behaviour that ``nst(1)``, ``sigamp(1)`` and their sources describe:

Gain rule (per lead ``i``, paired with noise signal ``i % n_noise_leads``)
    * **S**, the signal: the peak-to-peak amplitude of the ECG lead within
      +/-50 ms of each of the first 300 *normal* reference beats (WFDB's
      ``map1`` NORMAL class: every beat except V, E, F, ``!`` and ``r``);
      the largest 5 % and smallest 5 % are dropped and the rest averaged
      (``sigamp -a atr``). ``S = ptp**2 / 8`` (the power of a sine of
      that peak-to-peak amplitude).
    * **N**, the noise: the RMS about its own mean of each of the first 300
      one-second chunks of the noise lead, trimmed the same way
      (``sigamp -r em``). ``N = a**2 * rms**2`` for noise scaled by ``a``.
    * ``SNR = 10 log10(S / N)`` solved for ``a``:
      ``a = 10**(-SNR/20) * sqrt(2)/4 * ptp / rms``.
Protocol
    No noise for the first 5 minutes (a detector's learning period), then
    noise at gain ``a`` and no noise in alternating 2-minute segments, to
    the end of the record (noise first). At each gain change an offset
    keeps the output continuous: it is the noise sample just before the
    change times the change of gain, so the output never jumps (and keeps
    the offset a noisy segment ended on until the next change).
    A noise record shorter than the ECG is repeated from its start.
Units
    The rule is scale-free: ECG and noise may be in any units as long as
    each is consistent (``nst`` works in ADC units of each record; here
    millivolts). ``nst`` rounds towards zero to integers on the way; this
    module does not (see ``tests/test_noise_stress.py`` for what that
    changes against the published records).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ArrhythmiaError, check_option, file_error

NOISE_RECORDS = ("bw", "em", "ma")
"""Noise records of the MIT-BIH Noise Stress Test Database: baseline wander, electrode motion, muscle artifact."""
NSTDB_SNRS = (24, 18, 12, 6, 0, -6)
"""SNRs (dB) of the published 118e*/119e* records; ``-6`` is written ``_6`` in their names."""
START_S = 300.0
SEGMENT_S = 120.0
N_MEASURE = 300
QRS_HALF_WINDOW_S = 0.05
NOISE_CHUNK_S = 1.0
SNR_RANGE_DB = (-30.0, 60.0)
NORMAL_SYMBOLS = frozenset("N L R a J A S j / Q B e n f".split())
"""Beats WFDB's ``map1`` maps to NORMAL (``sigamp -a`` measures only those)."""


def trimmed_mean(values) -> float:
    """Mean after dropping the ``n // 20`` smallest and largest values (``sigamp``'s 5 % trim)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    lo = v.size // 20
    if v.size - 2 * lo <= 0:
        raise ArrhythmiaError("no measurements to average")
    return float(v[lo:v.size - lo].mean())


def qrs_peak_to_peak(signal, fs: float, beats, symbols=None, n_max: int = N_MEASURE,
                     half_window_s: float = QRS_HALF_WINDOW_S) -> np.ndarray:
    """Peak-to-peak QRS amplitude per lead, as ``sigamp -a`` measures it.

    Parameters
    ----------
    signal : ndarray, shape (n_leads, n_samples)
        ECG, any unit.
    fs : float
        Hz.
    beats : array_like of int
        Reference beat samples, ascending.
    symbols : sequence of str, optional
        Their MIT-BIH symbols; only normal ones (:data:`NORMAL_SYMBOLS`) count.
        Default: every beat counts.
    n_max : int
        The first ``n_max`` normal beats whose window lies inside the signal are measured.

    Returns
    -------
    ndarray, shape (n_leads,)
        Trimmed mean of the peak-to-peak amplitudes within ``+/- half_window_s``, in the signal's unit.
    """
    x = np.atleast_2d(np.asarray(signal, dtype=np.float64))
    b = np.asarray(beats, dtype=np.int64)
    if symbols is not None:
        b = b[np.isin(np.asarray(symbols, dtype=object), list(NORMAL_SYMBOLS))]
    h = int(round(half_window_s * fs))
    b = b[(b - h >= 0) & (b + h < x.shape[1])][:n_max]
    if b.size == 0:
        raise ArrhythmiaError("no normal reference beats to measure the QRS amplitude on")
    seg = x[:, b[:, None] + np.arange(-h, h + 1)[None, :]]  # (leads, beats, window)
    ptp = seg.max(axis=2) - seg.min(axis=2)
    return np.array([trimmed_mean(p) for p in ptp])


def noise_rms(noise, fs: float, n_max: int = N_MEASURE, chunk_s: float = NOISE_CHUNK_S,
              integer: bool = False) -> np.ndarray:
    """RMS noise amplitude per lead, as ``sigamp -r`` measures it.

    The first ``n_max`` whole chunks of ``chunk_s`` seconds; in each, the RMS
    difference from the chunk's mean; then the 5 % trimmed mean.

    Parameters
    ----------
    integer : bool
        ``noise`` is in ADC units and each difference from the mean is
        truncated towards zero before squaring, as ``sigamp`` does in C
        (only to reproduce WFDB's figures exactly).

    Returns
    -------
    ndarray, shape (n_leads,), in the noise's unit.
    """
    x = np.atleast_2d(np.asarray(noise, dtype=np.float64))
    w = int(round(chunk_s * fs))
    k = min(n_max, x.shape[1] // w)
    if k == 0:
        raise ArrhythmiaError(f"noise shorter than one {chunk_s:g}-s chunk")
    c = x[:, : k * w].reshape(x.shape[0], k, w)
    dev = c - c.mean(axis=2, keepdims=True)
    if integer:
        dev = np.trunc(dev)
    rms = np.sqrt((dev ** 2).mean(axis=2))
    return np.array([trimmed_mean(r) for r in rms])


def nst_gain(snr_db: float, qrs_ptp, rms) -> np.ndarray:
    """Noise gain giving ``snr_db`` with ``S = ptp**2/8`` and ``N = (gain*rms)**2``."""
    return 10.0 ** (-float(snr_db) / 20.0) * np.sqrt(2.0) / 4.0 * np.asarray(qrs_ptp, float) / np.asarray(rms, float)


def noisy_segments(n_samples: int, fs: float, start_s: float = START_S, segment_s: float = SEGMENT_S) -> np.ndarray:
    """``(start, stop)`` sample pairs of the noisy stretches of the standard protocol."""
    t0, dt = int(round(start_s * fs)), int(round(segment_s * fs))
    starts = np.arange(t0, n_samples, 2 * dt, dtype=np.int64)
    return np.stack([starts, np.minimum(starts + dt, n_samples)], axis=1) if starts.size else np.zeros((0, 2), np.int64)


def add_noise(signal, noise, gains, segments, integer: bool = False) -> np.ndarray:
    """``signal + gain * noise`` inside ``segments``, with ``nst``'s continuity offsets.

    Parameters
    ----------
    signal : ndarray, shape (n_leads, n_samples)
    noise : ndarray, shape (n_noise_leads, m)
        Repeated from its start when shorter than the signal; lead ``i`` of
        the signal gets noise lead ``i % n_noise_leads``.
    gains : array_like, shape (n_leads,)
    segments : ndarray, shape (k, 2)
        Noisy ``[start, stop)`` sample ranges, ascending, not overlapping.
    integer : bool
        Inputs in ADC units; round the offsets and the output towards zero
        to integers as ``nst`` does in C (only to reproduce its records).

    Returns
    -------
    ndarray of float64, shape (n_leads, n_samples)
        A new array; ``signal`` is not modified.

    Notes
    -----
    From each gain change at sample ``t`` on, an offset ``z`` is subtracted,
    chosen so that the output at ``t - 1`` recomputed with the new gain would
    equal the output actually written there:
    ``z_new = x[t-1] + g_new * noise[t-1] - out[t-1]``.
    """
    x = np.atleast_2d(np.asarray(signal, dtype=np.float64))
    nz = np.atleast_2d(np.asarray(noise, dtype=np.float64))
    n = x.shape[1]
    nz = nz[np.arange(x.shape[0]) % nz.shape[0]][:, np.arange(n) % nz.shape[1]]
    rnd = np.trunc if integer else (lambda v: v)
    seg = np.asarray(segments, dtype=np.int64).reshape(-1, 2)
    # pieces of constant gain: (start, stop, noisy?)
    edges = np.unique(np.concatenate([[0, n], seg.ravel()]).clip(0, n))
    noisy = np.zeros(edges.size - 1, bool)
    for a, b in seg:
        noisy |= (edges[:-1] >= a) & (edges[1:] <= b)
    out = np.empty_like(x)
    for lead in range(x.shape[0]):
        g_lead = float(np.asarray(gains, dtype=np.float64)[lead])
        z = 0.0
        for (a, b), on in zip(zip(edges[:-1], edges[1:]), noisy):
            g = g_lead if on else 0.0
            if a > 0:
                z = float(rnd(x[lead, a - 1] + g * nz[lead, a - 1] - out[lead, a - 1]))
            out[lead, a:b] = rnd(x[lead, a:b] + g * nz[lead, a:b] - z)
    return out


def check_snr(snr_db) -> float:
    """An SNR in dB within :data:`SNR_RANGE_DB`, else a one-line error."""
    try:
        v = float(snr_db)
    except (TypeError, ValueError):
        v = float("nan")
    if not (np.isfinite(v) and SNR_RANGE_DB[0] <= v <= SNR_RANGE_DB[1]):
        raise ArrhythmiaError(f"Invalid value for 'snr': allowed a number of dB from {SNR_RANGE_DB[0]:g} to "
                              f"{SNR_RANGE_DB[1]:g}; got {snr_db!r}.")
    return v


def snr_suffix(snr_db: float) -> str:
    """``nstdb``'s name suffix: 12 -> ``'12'``, 6 -> ``'06'``, -6 -> ``'_6'``."""
    v = float(snr_db)
    if not v.is_integer():
        return f"{v:g}".replace("-", "_")
    return f"_{-int(v)}" if v < 0 else f"{int(v):02d}"


@dataclass(frozen=True)
class StressedRecord:
    """A noise-stressed copy of a recording and how it was made.

    Attributes
    ----------
    recording : Recording
        Same leads, rate and reference annotations as the clean record; signal in mV.
    noise : str
        Noise record name.
    snr_db : float
    gains : ndarray, shape (n_leads,)
        Noise gain per lead.
    qrs_ptp_mv, noise_rms_mv : ndarray, shape (n_leads,)
        The S and N measurements the gains came from.
    segments : ndarray, shape (k, 2)
        Noisy sample ranges.
    """

    recording: object
    noise: str
    snr_db: float
    gains: np.ndarray
    qrs_ptp_mv: np.ndarray
    noise_rms_mv: np.ndarray
    segments: np.ndarray


def read_noise(nstdb_dir, noise: str, fs: float):
    """Noise record ``noise`` of ``nstdb_dir`` in mV, resampled to ``fs`` when its rate differs by 10 % or more (as ``nst``)."""
    from ..io.wfdb_io import read_wfdb
    from ..preprocessing.filters import resample

    check_option("noise", noise, NOISE_RECORDS)
    path = Path(nstdb_dir) / noise
    if not path.with_suffix(".hea").is_file():
        raise file_error(path.with_suffix(".hea"), f"noise record '{noise}' not found (MIT-BIH Noise Stress Test "
                                                   "Database folder expected)")
    rec = read_wfdb(path, annotator=None)
    x = rec.signal
    if not 0.9 * fs <= rec.fs <= 1.1 * fs:
        x = resample(x, rec.fs, fs)
    return x


def stress_recording(recording, nstdb_dir, noise: str = "em", snr_db: float = 12.0,
                     start_s: float = START_S, segment_s: float = SEGMENT_S,
                     noise_shift_s: float = 0.0) -> StressedRecord:
    """A noise-stressed copy of ``recording`` (``nst -i REC NOISE -s SNR``).

    Parameters
    ----------
    recording : Recording
        With reference beat annotations (the QRS amplitude is measured on its normal beats).
    nstdb_dir : str or Path
        Folder holding the noise records ``bw``, ``em``, ``ma``.
    noise : {'bw', 'em', 'ma'}
    snr_db : float
        dB, during the noisy segments.
    noise_shift_s : float
        Take the noise from this many seconds later in the noise record (circularly) than ``nst`` does (it adds
        the noise sample of the same time). With 120 and the default segments, a copy holds only noise samples
        that the published 118e*/119e* records do not (theirs are those of 5:00-7:00, 9:00-11:00, ...): a
        development set with the test's kind of noise but none of its samples.

    Raises
    ------
    ArrhythmiaError
        An SNR out of range, an unknown or missing noise record, a recording without reference beats, a
        negative or non-finite ``noise_shift_s``.
    """
    from dataclasses import replace

    snr_db = check_snr(snr_db)
    check_option("noise", noise, NOISE_RECORDS)
    if recording.annotations is None or recording.annotations.beats().sample.size == 0:
        raise file_error(recording.source or recording.name, "no reference beat annotations: the noise gain is "
                                                             "set from the QRS amplitude of its normal beats")
    if not (np.isfinite(noise_shift_s) and noise_shift_s >= 0):
        raise ArrhythmiaError(f"Invalid value for 'noise_shift_s': allowed seconds >= 0; got {noise_shift_s!r}.")
    nz = read_noise(nstdb_dir, noise, recording.fs)
    if noise_shift_s:
        nz = np.roll(nz, -int(round(noise_shift_s * recording.fs)), axis=1)
    beats = recording.annotations.beats()
    ptp = qrs_peak_to_peak(recording.signal, recording.fs, beats.sample, beats.symbol)
    rms = noise_rms(nz, recording.fs)
    rms = rms[np.arange(recording.signal.shape[0]) % rms.size]
    gains = nst_gain(snr_db, ptp, rms)
    seg = noisy_segments(recording.n_samples, recording.fs, start_s, segment_s)
    sig = add_noise(recording.signal, nz, gains, seg)
    name = f"{recording.name}{noise[0]}{snr_suffix(snr_db)}" + (f"s{noise_shift_s:g}" if noise_shift_s else "")
    out = replace(recording, name=name, signal=sig, source=f"{recording.source or recording.name} + {noise} "
                                                              f"at {snr_db:g} dB",
                  notes=recording.notes + (f"noise-stressed: {noise} at {snr_db:g} dB from {start_s:g} s in "
                                           f"{segment_s:g}-s segments (nst's rule), gains "
                                           + ", ".join(f"{g:.4g}" for g in gains)
                                           + (f"; noise taken {noise_shift_s:g} s later" if noise_shift_s else ""),))
    return StressedRecord(out, noise, snr_db, gains, ptp, rms, seg)



def write_record(recording, out_dir) -> Path:
    """Write ``recording`` as a WFDB record (format 16, 200 ADC units per mV) with a copy of its reference annotations.

    Returns the record path (without extension). Nothing else in ``out_dir`` is touched.
    """
    import wfdb

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_leads = recording.signal.shape[0]
    wfdb.wrsamp(recording.name, fs=recording.fs, units=["mV"] * n_leads, sig_name=list(recording.leads),
                p_signal=recording.signal.T, fmt=["16"] * n_leads, adc_gain=[200.0] * n_leads,
                baseline=[0] * n_leads, comments=list(recording.notes), write_dir=str(out_dir))
    if recording.annotations is not None and recording.annotations.sample.size:
        a = recording.annotations
        wfdb.wrann(recording.name, "atr", np.asarray(a.sample, np.int64), [str(s) for s in a.symbol],
                   fs=recording.fs, write_dir=str(out_dir))
    return out_dir / recording.name
