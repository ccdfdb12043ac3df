"""``arrhythmia peaks``: R peaks of one recording, optionally written as CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PeaksResult:
    """R peaks found in one recording.

    Attributes
    ----------
    name : str
        Record name or file stem.
    fs : float
        Sampling rate of ``samples``, Hz.
    samples : ndarray of int64
        R-peak sample indices.
    lead : str
        Lead detected on.
    duration_s : float
    """

    name: str
    fs: float
    samples: np.ndarray
    lead: str
    duration_s: float

    @property
    def median_hr_bpm(self) -> float:
        """Median heart rate (nan with fewer than two peaks)."""
        return 60.0 * self.fs / float(np.median(np.diff(self.samples))) if self.samples.size > 1 else float("nan")


def find_peaks(input_path, fs=None, lead: str = "MLII", out=None, force: bool = False,
               detector: str = "default") -> PeaksResult:
    """Detect the R peaks of a recording with ``detector``; with ``out``, write ``time_s,sample`` rows to that CSV file.

    ``out`` never replaces the recording's own files, and replaces another
    existing file only with ``force`` (see :mod:`arrhythmia.io.output`); it is
    checked before any work.
    """
    from ..io.output import OutputFile
    from ..io.readers import input_files, read_input
    from ..pipeline.process import without_gaps
    from ..preprocessing.detectors import detect, get_detector

    spec = get_detector(detector)
    guard = OutputFile(out, inputs=input_files(input_path), force=force).check() if out else None
    rec = read_input(input_path, fs)
    # a lead substitution is a warning (the CLI prints it as a note); a two-lead detector also reads the other lead
    sel, gaps = without_gaps(rec.select_leads((lead, "other") if spec.leads > 1 and len(rec.leads) > 1 else (lead,)))
    peaks = detect(sel.signal, rec.fs, spec.name).peaks
    if gaps is not None:  # no R peak is vouched for in a gap (WFDB's invalid samples)
        peaks = peaks[~gaps[peaks]]
    result = PeaksResult(rec.name, rec.fs, peaks, sel.leads[0], rec.duration)
    if guard is not None:
        with guard.staging() as tmp, open(tmp, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["time_s", "sample"])
            w.writerows([[f"{s / rec.fs:.4f}", int(s)] for s in peaks])
    return result
