"""Rhythm summary on hand-made beat sequences."""

import numpy as np

from arrhythmia.rhythm.runs import find_runs, rhythm_summary


def kinds(labels):
    return [(e.kind, e.first_beat, e.n_beats) for e in find_runs(list(labels), np.arange(len(labels)))]


def test_runs_by_hand():
    assert kinds("NNVVNN") == [("ventricular couplet", 2, 2)]
    assert kinds("NVVVVN") == [("ventricular run (>=3 V)", 1, 4)]
    assert kinds("NVNVNVNN") == [("ventricular bigeminy", 0, 6)]
    assert kinds("NNVNNVNNVN") == [("ventricular trigeminy", 0, 9)]
    assert kinds("NSSSN") == [("supraventricular run (>=3 S)", 1, 3)]
    assert kinds("NSSN") == [("supraventricular couplet", 1, 2)]
    assert kinds("NNNNVNNNN") == []  # an isolated PVC is no run


def test_summary_by_hand():
    labels = list("NNVNNSNNNN")
    samples = np.arange(10) * 360  # one beat a second at 360 Hz
    s = rhythm_summary(labels, samples, 360.0, duration_s=10.0)
    assert s["n_beats"] == 10 and s["beats_per_class"] == {"N": 8, "S": 1, "V": 1, "F": 0, "Q": 0}
    assert s["mean_hr_bpm"] == 60.0
    assert s["ectopic_burden_pct"] == 20.0 and s["V_burden_pct"] == 10.0
    assert s["runs"] == {}
    empty = rhythm_summary([], np.zeros(0, int), 360.0, 5.0)
    assert empty["n_beats"] == 0 and empty["mean_hr_bpm"] is None and empty["ectopic_burden_pct"] is None
