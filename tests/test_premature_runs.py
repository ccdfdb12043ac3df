"""Runs of supraventricular premature beats followed from their first beat (pipeline/runs.py): small cases by hand,
and real records whose S runs are hidden behind N labels."""

from __future__ import annotations

import numpy as np
import pytest
import wfdb

from arrhythmia.labels import is_beat, to_aami
from arrhythmia.pipeline.adapt import postprocess
from arrhythmia.pipeline.runs import TACHYCARDIA_S, check_runs_setting, extend_premature_runs, premature_runs

N, S, V = 0, 1, 2


def _beats(intervals, labels):
    """Samples (fs 100: an interval of 80 is 0.8 s) of beats after a first one at 100."""
    return np.r_[100, 100 + np.cumsum(intervals)].astype(np.int64), np.asarray(labels)


def _sinus_run_sinus(run=10, cycle=45):
    # 12 sinus beats at 0.8 s, an S beat at 0.45 s starting `run` more beats the network calls N, 5 sinus beats
    iv = [80] * 11 + [45] + [cycle] * run + [80] * 5
    lab = [N] * 12 + [S] + [N] * run + [N] * 5
    return _beats(iv, lab)


def test_a_run_is_followed_to_its_end():
    s, lab = _sinus_run_sinus()
    m = premature_runs(lab, s, 0.8)
    assert np.flatnonzero(m).tolist() == list(range(13, 23))  # the 10 beats after the seed, not the sinus beat after


def test_a_ventricular_beat_interrupts_a_run_without_ending_it():
    s, lab = _sinus_run_sinus()
    lab[17] = V                      # its pause (the interval to 18) is not judged, nor the one into it
    s[18:] += 30
    m = premature_runs(lab, s, 0.8)
    assert np.flatnonzero(m).tolist() == [13, 14, 15, 16, 18, 19, 20, 21, 22]  # 18 joins: the next interval is fast


def test_irregular_fast_rhythm_is_no_run():
    """Fast intervals alternating 30 and 45 (AF-like): the run ends at its second interval, which differs from the
    first by half."""
    iv = [80] * 11 + [45] + [30, 45] * 5 + [80] * 5
    s, lab = _beats(iv, [N] * 12 + [S] + [N] * 10 + [N] * 5)
    assert np.flatnonzero(premature_runs(lab, s, 0.8)).tolist() == [13]


def test_a_tachycardias_first_cycles_may_shorten():
    """The seed's coupling interval (0.47 s) is not compared with the run's cycle (0.37 s)."""
    iv = [80] * 11 + [47] + [37] * 8 + [80] * 5
    s, lab = _beats(iv, [N] * 12 + [S] + [N] * 13)
    assert np.flatnonzero(premature_runs(lab, s, 0.8)).tolist() == list(range(13, 21))


@pytest.mark.parametrize("case", ["no reference", "seed not premature", "ratio 0", "slow run"])
def test_no_run(case):
    s, lab = _sinus_run_sinus()
    ratio = 0.8
    if case == "no reference":       # the S beat third in the recording: fewer than 4 N-to-N intervals before it
        s, lab = s[9:], lab[9:]
    elif case == "seed not premature":
        s, lab = _beats([80] * 20, [N] * 12 + [S] + [N] * 8)
    elif case == "ratio 0":
        ratio = 0.0
    elif case == "slow run":         # the seed premature (0.45 s), the beats after it at 0.7 s: not under 0.64 s
        s, lab = _sinus_run_sinus(cycle=70)
    assert not premature_runs(lab, s, ratio).any()


def test_times_in_seconds_give_the_same_runs():
    s, lab = _sinus_run_sinus()
    assert np.array_equal(premature_runs(lab, s / 100.0, 0.8), premature_runs(lab, s, 0.8))


@pytest.mark.parametrize("ratio", [float("nan"), -0.5, float("inf")])
def test_a_ratio_that_is_not_a_finite_non_negative_number_is_an_error(ratio):
    s, lab = _sinus_run_sinus()
    with pytest.raises(ValueError, match="Invalid value for 'ratio'"):
        premature_runs(lab, s, ratio)


def test_labels_and_samples_of_different_lengths_are_an_error():
    s, lab = _sinus_run_sinus()
    with pytest.raises(ValueError, match="Invalid value for 'labels': one per beat"):
        premature_runs(lab[:-1], s, 0.8)


def test_extend_moves_n_probability_to_s_and_postprocess_counts_it():
    s, lab = _sinus_run_sinus()
    p = np.full((lab.size, 5), 0.025)
    p[np.arange(lab.size), lab] = 0.9
    out, n = extend_premature_runs(p, s, 0.8)
    assert n == 10
    np.testing.assert_allclose(out[13:23, 1], 0.925)
    np.testing.assert_allclose(out[13:23, 0], 0.0)
    np.testing.assert_allclose(np.delete(out, np.s_[13:23], 0), np.delete(p, np.s_[13:23], 0))
    np.testing.assert_allclose(out.sum(1), 1.0)
    post, info = postprocess(p, {"premature_runs": 0.8}, samples=s)
    np.testing.assert_allclose(post, out)
    assert info["relabelled_in_runs"] == 10
    assert postprocess(p, {"premature_runs": 0.8}, samples=s, adapt=False)[1]["relabelled_in_runs"] == 0
    assert postprocess(p, {"premature_runs": None}, samples=s)[1]["relabelled_in_runs"] == 0


def _block_then_conduction():
    """2:1 AV block (conducted beats every 1.6 s), a beat called S where 1:1 conduction returns at 0.8 s, 10 more
    conducted beats at 0.8 s: the interval halves and stays regular, like a tachycardia's onset, at a sinus rate."""
    return _beats([160] * 11 + [80] + [80] * 10, [N] * 12 + [S] + [N] * 10)


def test_a_rhythm_slower_than_a_tachycardia_is_no_run_with_max_interval():
    s, lab = _block_then_conduction()
    assert np.flatnonzero(premature_runs(lab, s, 0.7)).tolist() == list(range(13, 23))  # ratio 0.5: a 'run'
    assert not premature_runs(lab, s, 0.7, max_interval=TACHYCARDIA_S * 100).any()      # 0.8 s: not under 0.6 s
    s, lab = _sinus_run_sinus()                                                          # a run at 0.45 s stays
    assert np.array_equal(premature_runs(lab, s, 0.8, TACHYCARDIA_S * 100), premature_runs(lab, s, 0.8))


@pytest.mark.parametrize("max_interval", [0.0, -1.0, float("nan"), float("inf")])
def test_a_max_interval_that_is_not_a_positive_number_is_an_error(max_interval):
    s, lab = _sinus_run_sinus()
    with pytest.raises(ValueError, match="Invalid value for 'max_interval'"):
        premature_runs(lab, s, 0.8, max_interval)


def test_postprocess_reads_a_ratio_and_max_interval_setting_at_the_recordings_rate():
    s, lab = _block_then_conduction()
    p = np.full((lab.size, 5), 0.025)
    p[np.arange(lab.size), lab] = 0.9
    fast = {"premature_runs": {"ratio": 0.7, "max_interval_s": TACHYCARDIA_S}}
    assert postprocess(p, {"premature_runs": 0.7}, samples=s, fs=100.0)[1]["relabelled_in_runs"] == 10
    assert postprocess(p, fast, samples=s, fs=100.0)[1]["relabelled_in_runs"] == 0
    assert postprocess(p, fast, samples=s, fs=250.0)[1]["relabelled_in_runs"] == 10  # 0.32 s at 250 Hz: fast
    with pytest.raises(ValueError, match="'fs' is needed"):
        postprocess(p, fast, samples=s)
    with pytest.raises(ValueError, match="Invalid value for 'postprocess.premature_runs'"):
        postprocess(p, {"premature_runs": {"ratio": 0.7}}, samples=s, fs=100.0)
    assert postprocess(p, fast, samples=s, fs=250.0, adapt=False)[1]["relabelled_in_runs"] == 0  # --no-adapt


@pytest.mark.parametrize("setting, want", [(0.8, (0.8, None)), ({"ratio": 0.75, "max_interval_s": 0.6}, (0.75, 0.6)),
                                           (0, (0.0, None)), ({"ratio": 0.8, "max_interval_s": None}, (0.8, None))])
def test_check_runs_setting_reads_both_forms(setting, want):
    assert check_runs_setting(setting) == want


@pytest.mark.parametrize("setting", [True, "0.8", float("nan"), -1, {"ratio": 0.8, "max_interval_s": 0},
                                     {"ratio": 0.8, "extra": 1, "max_interval_s": 1}])
def test_check_runs_setting_refuses_other_forms(setting):
    from arrhythmia.errors import ArrhythmiaError

    with pytest.raises(ArrhythmiaError, match="Invalid value for 'postprocess.premature_runs"):
        check_runs_setting(setting)


@pytest.mark.parametrize("max_interval_s", [None, TACHYCARDIA_S])
@pytest.mark.parametrize("record, hidden, given_back, false", [
    ("svdb/865", 1761, 1208, 3),   # paroxysms of supraventricular tachycardia at 0.42 s against sinus at 0.8 s
    ("mitdb/209", 252, 126, 0),    # runs of SVTA
    ("mitdb/101", 0, 0, 0),        # sinus rhythm, 3 isolated APCs: no run to follow (DS1, like 209)
])
def test_reference_runs_hidden_behind_n_labels_are_given_back(mitdb, record, hidden, given_back, false,
                                                              max_interval_s):
    """The reference labels with every S beat but each run's first turned N (what the network does inside a long
    run): the beats the runs give back, and the N beats they wrongly take, counted on the whole record; the same
    when runs must be faster than 100 a minute (these runs are tachycardias)."""
    a = wfdb.rdann(str(mitdb.parent / record), "atr")
    sym = np.asarray(a.symbol)
    b = is_beat(sym)
    s, y = a.sample[b], to_aami(sym[b])
    hid = (y == S) & np.r_[False, y[:-1] == S]
    shown = np.where(hid, N, y)
    fs = wfdb.rdheader(str(mitdb.parent / record)).fs
    m = premature_runs(shown, s, 0.8, None if max_interval_s is None else max_interval_s * fs)
    assert (int(hid.sum()), int((m & hid).sum()), int((m & ~hid).sum())) == (hidden, given_back, false)


def test_printed_summary_counts_what_adaptation_changed():
    from arrhythmia.reports.text import format_summary

    base = {"n_beats": 10, "duration_s": 10.0, "beats_per_class": {"N": 10}, "mean_hr_bpm": 60, "ectopic_burden_pct": 0,
            "S_burden_pct": 0, "V_burden_pct": 0, "runs": {}}
    s = {**base, "adaptation": {"relabelled_in_af": 3, "relabelled_in_runs": 12, "relabelled_irregular": 0}}
    assert ("adaptation: 3 S beats in AF/flutter relabelled N; 12 beats in premature runs relabelled S"
            in format_summary(s).splitlines())
    assert not any(line.startswith("adaptation") for line in format_summary(
        {**base, "adaptation": {"relabelled_in_af": 0, "relabelled_in_runs": 0}}).splitlines())
