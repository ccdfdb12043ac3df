"""Scoring an R-peak detector against reference beats (150 ms matching window)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MATCH_WINDOW_S = 0.150


def match_beats(reference, detected, tolerance: int) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one matching of detections to reference beats, closest pairs first.

    Every (reference, detection) pair closer than ``tolerance`` samples is a
    candidate; candidates are accepted from the closest to the farthest,
    each beat and each detection being used at most once.

    Parameters
    ----------
    reference, detected : array_like of int
        Sample indices, ascending.
    tolerance : int
        Largest accepted distance in samples (150 ms -> 54 at 360 Hz).

    Returns
    -------
    ref_index : ndarray of int
        For each reference beat, the index of its detection, or -1 (missed).
    det_index : ndarray of int
        For each detection, the index of its reference beat, or -1 (extra).
    """
    ref = np.asarray(reference, dtype=np.int64)
    det = np.asarray(detected, dtype=np.int64)
    r2d = np.full(ref.size, -1, np.int64)
    d2r = np.full(det.size, -1, np.int64)
    if not ref.size or not det.size:
        return r2d, d2r
    lo = np.searchsorted(det, ref - tolerance, side="left")
    hi = np.searchsorted(det, ref + tolerance, side="right")
    width = int((hi - lo).max())
    if width == 0:
        return r2d, d2r
    i = np.repeat(np.arange(ref.size), width)
    j = (lo[:, None] + np.arange(width)[None, :]).ravel()
    ok = j < np.repeat(hi, width)
    i, j = i[ok], j[ok]
    dist = np.abs(det[j] - ref[i])
    for a, b in zip(*(x[np.argsort(dist, kind="stable")] for x in (i, j))):
        if r2d[a] < 0 and d2r[b] < 0:
            r2d[a], d2r[b] = b, a
    return r2d, d2r


@dataclass
class DetectionScore:
    """Counts and gross figures of a detector over records."""

    tp: int
    fn: int
    fp: int
    per_record: dict

    @property
    def se(self) -> float:
        return self.tp / (self.tp + self.fn) if (self.tp + self.fn) else float("nan")

    @property
    def ppv(self) -> float:
        return self.tp / (self.tp + self.fp) if (self.tp + self.fp) else float("nan")

    def worst(self, n: int = 5) -> list[tuple[str, dict]]:
        """Records with the most errors (missed + extra)."""
        return sorted(self.per_record.items(), key=lambda kv: -(kv[1]["fn"] + kv[1]["fp"]))[:n]


def score_detections(reference: dict, detected: dict, fs, window_s: float = MATCH_WINDOW_S) -> DetectionScore:
    """Gross sensitivity and positive predictivity over records.

    Parameters
    ----------
    reference, detected : dict of str -> array of int
        Per record, reference beat samples and detected samples.
    fs : float or dict of str -> float
        Sampling rate, of all records or per record.
    window_s : float
        Matching window in seconds (150 ms, as EC57).
    """
    tp = fn = fp = 0
    per = {}
    for rec, ref in reference.items():
        tol = int(round(window_s * (fs[rec] if isinstance(fs, dict) else fs)))
        r2d, d2r = match_beats(ref, detected[rec], tol)
        c = {"tp": int((r2d >= 0).sum()), "fn": int((r2d < 0).sum()), "fp": int((d2r < 0).sum())}
        per[rec] = c
        tp, fn, fp = tp + c["tp"], fn + c["fn"], fp + c["fp"]
    return DetectionScore(tp, fn, fp, per)


def evaluate_detector(data_dir, records=None, lead: str = "MLII", progress: bool = False) -> DetectionScore:
    """Run :func:`arrhythmia.preprocessing.peaks.detect_r_peaks` on annotated WFDB records and score it.

    Parameters
    ----------
    data_dir : str or Path
    records : sequence of str, optional
        Default: the 48 MIT-BIH records.
    lead : str
        Lead detected on (MLII; without it lead II, else the first lead:
        MIT-BIH 102 and 104, other databases).
    """
    import warnings
    from pathlib import Path

    from tqdm.auto import tqdm

    from ..datasets.records import MITDB_RECORDS
    from ..io.wfdb_io import read_wfdb
    from ..preprocessing.peaks import detect_r_peaks

    records = tuple(records or MITDB_RECORDS)
    ref, det, fs = {}, {}, {}
    for r in tqdm(records, desc="detect", unit="record", disable=not progress):
        rec = read_wfdb(Path(data_dir) / r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 102/104: no MLII, the substitute is expected here
            sel = rec.select_leads((lead,))
        ref[r] = rec.annotations.beats().sample
        det[r] = detect_r_peaks(sel.signal[0], rec.fs)
        fs[r] = rec.fs
    return score_detections(ref, det, fs)
