"""Scoring an R-peak detector against reference beats (150 ms matching window, WFDB ``bxb``'s rules)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MATCH_WINDOW_S = 0.150


def match_beats(reference, detected, tolerance: int) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one matching of detections to reference beats, with WFDB ``bxb``'s rule.

    The two sequences are merged in time; the earlier of the current beat and
    detection is paired with the other when they are within ``tolerance`` and
    no better pair with the next one exists, else it is unmatched (see
    :mod:`arrhythmia.evaluation.ec57`, which this calls; every beat and
    detection is examined, from sample 0 to the last one).

    Parameters
    ----------
    reference, detected : array_like of int
        Sample indices, ascending.
    tolerance : int
        Largest accepted distance in samples, inclusive (150 ms -> 54 at 360 Hz).

    Returns
    -------
    ref_index : ndarray of int
        For each reference beat, the index of its detection, or -1 (missed).
    det_index : ndarray of int
        For each detection, the index of its reference beat, or -1 (extra).
    """
    from .ec57 import match_indices

    return match_indices(reference, detected, tolerance)


@dataclass
class DetectionScore:
    """Counts and gross figures of a detector over records."""

    tp: int
    fn: int
    fp: int
    per_record: dict
    start_s: float = 0.0

    @property
    def se(self) -> float:
        return self.tp / (self.tp + self.fn) if (self.tp + self.fn) else float("nan")

    @property
    def ppv(self) -> float:
        return self.tp / (self.tp + self.fp) if (self.tp + self.fp) else float("nan")

    def worst(self, n: int = 5) -> list[tuple[str, dict]]:
        """Records with the most errors (missed + extra)."""
        return sorted(self.per_record.items(), key=lambda kv: -(kv[1]["fn"] + kv[1]["fp"]))[:n]


def score_detections(reference: dict, detected: dict, fs, window_s: float = MATCH_WINDOW_S, start_s: float = 0.0,
                     end_samples: dict | None = None) -> DetectionScore:
    """Gross sensitivity and positive predictivity over records, as WFDB ``bxb`` counts QRS detections.

    Parameters
    ----------
    reference : dict of str -> array of int, or of Annotations
        Per record, reference beat samples, or the record's whole annotation
        list (:class:`arrhythmia.io.Annotations`, beats and others): then
        ventricular flutter episodes ``[ ... ]`` are scored as bxb does
        (detections inside them are not counted, flutter waves are no beats).
    detected : dict of str -> array of int
        Per record, detected samples.
    fs : float or dict of str -> float
        Sampling rate, of all records or per record.
    window_s : float
        Matching window in seconds (150 ms, as EC57).
    start_s : float
        Start of the scored period (EC57: 300 s; default 0, the whole record).
    end_samples : dict of str -> int, optional
        Per record, the end of the scored period (the record length); default:
        the last beat or detection.
    """
    from .ec57 import compare_beats

    tp = fn = fp = 0
    per = {}
    for rec, ref in reference.items():
        f = fs[rec] if isinstance(fs, dict) else fs
        det = np.asarray(detected[rec], dtype=np.int64)
        r_sample = np.asarray(getattr(ref, "sample", ref), dtype=np.int64)
        r_symbol = getattr(ref, "symbol", None)
        r_symbol = np.full(r_sample.size, "N", object) if r_symbol is None else r_symbol
        end = (end_samples or {}).get(rec) or max(int(r_sample.max(initial=0)), int(det.max(initial=0)), 1)
        c = compare_beats(r_sample, r_symbol, det, np.full(det.size, "N", object), f, start_s=start_s,
                          end_sample=end, sveb=False, window_s=window_s, record=rec)
        per[rec] = {"tp": c.qrs_tp, "fn": c.qrs_fn, "fp": c.qrs_fp}
        tp, fn, fp = tp + c.qrs_tp, fn + c.qrs_fn, fp + c.qrs_fp
    return DetectionScore(tp, fn, fp, per, start_s)
