"""AF detection from the RR sequence: features by hand, episodes, MIT-BIH and ltafdb records, --beats-from."""

from __future__ import annotations

import json

import numpy as np
import pytest
import wfdb

from arrhythmia.errors import ArrhythmiaError
from arrhythmia.evaluation.episodes import compare_episodes, episodes_from_rhythm
from arrhythmia.rhythm import af_features as F
from arrhythmia.rhythm.af import (AF_LABEL, NORMAL_LABEL, AFModel, detect_af, episodes_from_intervals, hysteresis,
                                  judged_intervals, load_model, rhythm_annotations)
from arrhythmia.rhythm.from_annotations import analyse_beats_from, read_beat_annotations

from conftest import assert_one_line_error, run_cli


# ---------------------------------------------------------------- features, recomputed naively
def _naive_features(rr, window):
    """Every feature of af_features.rr_features, one interval at a time, straight from its definition."""
    n, half = len(rr), window // 2

    def sym(j):  # index of a mirrored sequence (numpy's 'symmetric' padding)
        return -j - 1 if j < 0 else (2 * n - 1 - j if j >= n else j)

    def win(a, i):
        return np.array([a[sym(j)] for j in range(i - half, i - half + window)])

    med = np.array([np.median(win(rr, i)) for i in range(n)])
    x = np.clip(rr / med, *F.RATIO_CLIP)

    def back(a, j):  # a[j], mirrored without repeating the first value before the start ('reflect')
        return a[-j] if j < 0 else a[j]

    lag = {k: np.array([abs(x[i] - back(x, i - k)) for i in range(n)]) for k in (1, 2, 3)}
    q = np.clip(np.round((x - F.RATIO_CLIP[0]) / F.SYMBOL_STEP), 0, F.N_SYMBOLS - 1).astype(int)
    words = [(back(q, i - 2), back(q, i - 1), q[i]) for i in range(n)]
    turn = np.zeros(n)
    for i in range(1, n - 1):
        turn[i] = float((x[i] - x[i - 1]) * (x[i + 1] - x[i]) < 0)
    pair = np.array([max(lag[1][i], lag[1][max(i - 1, 0)]) for i in range(n)])
    count = np.zeros(n)
    for i in range(n):
        for off in range(-half, window - half):
            if off:
                d = max(abs(x[sym(i - k)] - x[sym(i + off - k)]) for k in range(3))
                count[i] += d < F.MATCH_TOLERANCE
    count /= window - 1
    rows = []
    for i in range(n):
        w = [words[sym(j)] for j in range(i - half, i - half + window)]
        _, c = np.unique(np.array(w), axis=0, return_counts=True)
        p = c / window
        xs = win(x, i)
        rows.append([np.median(win(lag[1], i)), np.median(win(np.minimum(np.minimum(lag[1], lag[2]), lag[3]), i)),
                     -(p * np.log(p)).sum() / np.log(window), win(turn, i).mean(),
                     np.percentile(xs, 75) - np.percentile(xs, 25), 0.6 / med[i],
                     np.percentile(win(pair, i), 10), np.percentile(win(lag[1], i), 25), win(count, i).mean()])
    return np.array(rows)


def test_features_match_a_naive_computation(rng):
    rr = rng.uniform(0.4, 1.2, 30)
    rr[[7, 19]] = [2.5, 0.25]  # a pause and a premature beat, so the clipping and the mirrored edges matter
    for window in (8, 11):
        assert np.allclose(F.rr_features(rr, window), _naive_features(rr, window))


def test_features_of_a_steady_rhythm():
    f = dict(zip(F.FEATURE_NAMES, F.rr_features(np.full(50, 0.75), 16)[25]))
    # every difference is 0, one word repeats (entropy 0), no turning point, every template matches
    assert f["masd"] == f["minlag"] == f["spread"] == f["calm"] == f["lowdiff"] == f["turning"] == 0
    assert f["entropy"] == pytest.approx(0.0, abs=1e-12)
    assert f["match"] == 1.0
    assert f["rate"] == pytest.approx(0.8)  # 60 / 0.75 s = 80 beats per minute, in units of 100


def test_features_of_bigeminy_repeat_at_lag_two():
    rr = np.tile([0.6, 1.0], 40)
    f = dict(zip(F.FEATURE_NAMES, F.rr_features(rr, 16)[40]))
    # window median 0.8 s: relative intervals 0.75 and 1.25, successive differences 0.5, lag-2 differences 0
    assert f["masd"] == pytest.approx(0.5)
    assert f["minlag"] == pytest.approx(0.0)
    assert f["turning"] == 1.0                                   # every interval is a peak or a trough
    assert f["entropy"] == pytest.approx(np.log(2) / np.log(16))  # two words, half the window each
    assert f["match"] == pytest.approx(7 / 15)                    # the 7 same-phase intervals of the other 15


# ---------------------------------------------------------------- episodes and marks, by hand
def test_hysteresis():
    p = [0.1, 0.6, 0.45, 0.3, 0.7, 0.2]
    assert hysteresis(p, 0.5, 0.4).tolist() == [False, True, True, False, True, False]
    assert hysteresis(p, 0.5, 0.5).tolist() == [False, True, False, False, True, False]


def test_episodes_from_intervals():
    t = np.arange(11) * 100            # beats every 100 samples: 1 s at 100 Hz
    starts, ends = t[:-1], t[1:]
    is_af = np.array([0, 1, 1, 0, 0, 1, 1, 1, 0, 0], bool)
    # intervals 1-2 span beats 1 to 3, intervals 5-7 beats 5 to 8
    assert episodes_from_intervals(is_af, starts, ends, 1100, 100.0).tolist() == [[100, 300], [500, 800]]
    assert episodes_from_intervals(is_af, starts, ends, 1100, 100.0, merge_gap_s=2.5).tolist() == [[100, 800]]
    assert episodes_from_intervals(is_af, starts, ends, 1100, 100.0, min_duration_s=2.5).tolist() == [[500, 800]]
    # a run from the first interval starts at sample 0; one to the last interval ends at the record's end
    edge = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1], bool)
    assert episodes_from_intervals(edge, starts, ends, 1100, 100.0).tolist() == [[0, 100], [900, 1100]]


def test_judged_intervals_leave_out_ventricular_beats():
    t = np.arange(8) * 100
    starts, ends = judged_intervals(t, list("NNVNNFNN"))
    # intervals touching beat 2 (V) and beat 5 (F) are left out: 0-1, 3-4, 6-7 remain
    assert starts.tolist() == [0, 300, 600] and ends.tolist() == [100, 400, 700]
    assert judged_intervals(t)[0].tolist() == t[:-1].tolist()  # no labels: every interval
    # an AF run over judged intervals 0..2 covers the left-out ones between them
    assert episodes_from_intervals(np.ones(3, bool), starts, ends, 800, 100.0, first=0, last=700).tolist() == [
        [0, 800]]


def test_rhythm_annotations_mark_every_change():
    t = np.arange(11) * 100
    s, sym, aux = rhythm_annotations([[100, 300], [500, 800]], [AF_LABEL] * 2, t)
    assert s.tolist() == [0, 100, 300, 500, 800] and sym == ["+"] * 5
    assert aux == [NORMAL_LABEL, AF_LABEL, NORMAL_LABEL, AF_LABEL, NORMAL_LABEL]
    s, _, aux = rhythm_annotations([[0, 300], [900, 1100]], [AF_LABEL] * 2, t)  # from the first beat, to the end
    assert s.tolist() == [0, 300, 900] and aux == [AF_LABEL, NORMAL_LABEL, AF_LABEL]
    s, _, aux = rhythm_annotations(np.zeros((0, 2)), [], t)
    assert s.tolist() == [0] and aux == [NORMAL_LABEL]


def test_shipped_model_reads_and_round_trips():
    m = load_model()
    assert isinstance(m, AFModel) and set(m.features) <= set(F.FEATURE_NAMES)
    assert AFModel.from_dict(m.to_dict()) == m
    assert "ltafdb" in m.info["trained_on"]
    assert detect_af(np.arange(5) * 100, 100.0, 600).episodes.shape == (0, 2)  # under MIN_BEATS: no episode


# ---------------------------------------------------------------- MIT-BIH, from the reference beat times
def _af_on(path):
    b = read_beat_annotations(path, "atr")
    res = detect_af(b.samples, b.fs, b.n_samples, labels=b.symbols)
    ref = episodes_from_rhythm(b.rhythm_samples, b.rhythm_aux, b.n_samples, labels=(AF_LABEL,))
    return res, compare_episodes(ref, res.episodes, b.fs, start_s=300.0, end_sample=b.n_samples)


def test_af_found_on_mitdb_af_records(mitdb):
    # docs/af_detection.md (from 5:00): 219 duration Se 94.5 %, +P 93.4 %, meeting the 90 % target;
    # 203 Se 100 %, +P 77.1 % (its 5 minutes of atrial flutter are called AF)
    res, c = _af_on(mitdb / "219")
    assert res.episodes.shape[0] >= 1
    assert c.duration_se >= 0.9 and c.duration_ppv >= 0.9, c
    res, c = _af_on(mitdb / "203")
    assert c.tps > 0 and c.fn == 0 and c.duration_se >= 0.9, c


def test_no_af_on_mitdb_sinus_records(mitdb):
    for rec in ("100", "112"):  # sinus rhythm throughout (the reference has only '(N' marks)
        res, _ = _af_on(mitdb / rec)
        assert res.episodes.shape == (0, 2), rec
    res, _ = _af_on(mitdb / "219")
    d = res.episode_dicts()
    assert [[e["start"], e["end"]] for e in d] == res.episodes.tolist() and {e["rhythm"] for e in d} == {AF_LABEL}


# ---------------------------------------------------------------- --beats-from (no signal)
def test_rhythm_command_on_ltafdb_30_without_signal(ltafdb, tmp_path):
    out = tmp_path / "r30"
    proc = run_cli("rhythm", ltafdb / "30", "--beats-from", "atr", "--out", out)
    assert proc.returncode == 0, proc.stderr
    s = json.loads((out / "summary.json").read_text())
    # 30.atr: 31,190 annotations, of which 27 rhythm marks and 2 comments are not beats
    assert s["n_beats"] == 31161 and s["fs"] == 128
    # the header says 2,826,240 samples but the last annotation is at sample 4,198,064
    assert s["duration_s"] == pytest.approx(4198065 / 128, abs=1e-3)
    assert any("length taken from the annotations" in n for n in s["notes"])
    assert 0 <= s["af_burden_time_pct"] <= 100 and 0 <= s["af_burden_beats_pct"] <= 100
    a = wfdb.rdann(str(out / "30"), "arr")
    marks = np.array(a.symbol) == "+"
    beats = np.array(a.symbol)[~marks]
    assert beats.size == 31161
    assert a.sample[marks][0] == a.sample[~marks][0]  # the first rhythm mark is at the first beat
    assert set(np.array(a.aux_note)[marks]) <= {AF_LABEL, NORMAL_LABEL}
    assert "AF burden" in proc.stdout


def test_beats_from_on_an_af_record_gives_burden_and_marks(ltafdb, tmp_path):
    res = analyse_beats_from(ltafdb / "12", "atr")
    # ltafdb 12 is in AF from its first rhythm mark (sample 2,652, 21 s) to its end (about 24.1 h)
    assert res.af_burden_time_pct > 95 and res.af_burden_beats_pct > 95
    path = res.write_annotations(tmp_path, "arr", with_beats=False)
    a = wfdb.rdann(str(path.with_suffix("")), "arr")
    assert set(a.symbol) == {"+"} and a.sample[0] == res.beats.samples[0]
    back = episodes_from_rhythm(a.sample, a.aux_note, res.beats.n_samples, labels=(AF_LABEL,))
    expected = res.episodes.copy()
    expected[:, 0] = np.maximum(expected[:, 0], res.beats.samples[0])  # an episode from sample 0 is marked at beat 1
    assert np.array_equal(back, expected)


def test_beats_from_errors(ltafdb, tmp_path):
    assert_one_line_error(run_cli("rhythm", tmp_path / "nothere", "--beats-from", "atr", "--out", tmp_path / "o"),
                          "nothere.atr", "annotation file not found")
    assert_one_line_error(run_cli("rhythm", ltafdb / "30", "--beats-from", "xyz", "--out", tmp_path / "o"),
                          "30.xyz", "annotation file not found")
    assert not (tmp_path / "o").exists()
    (tmp_path / "30.atr").write_bytes((ltafdb / "30.atr").read_bytes())  # no header: no rate
    with pytest.raises(ArrhythmiaError, match="no sampling rate"):
        read_beat_annotations(tmp_path / "30", "atr")
    b = read_beat_annotations(tmp_path / "30", "atr", fs=128)
    assert b.fs == 128 and any("not found" in n for n in b.notes)
    with pytest.raises(ArrhythmiaError, match="'--fs'"):
        read_beat_annotations(ltafdb / "30", "atr", fs=250)


def test_in_episodes():
    from arrhythmia.rhythm.af import in_episodes

    # [start, end): 100 is in, 300 is out
    assert in_episodes([50, 100, 299, 300, 500, 900], [[100, 300], [500, 800]]).tolist() == [
        False, True, True, False, True, False]
    assert in_episodes([1, 2], np.zeros((0, 2))).tolist() == [False, False]


def test_rhythm_annotations_adjacent_episodes_give_one_mark():
    t = np.arange(11) * 100
    # an episode ending where the next one starts: no '(N' between them, and no repeated '(AFIB'
    s, _, aux = rhythm_annotations([[100, 300], [300, 500]], [AF_LABEL] * 2, t)
    assert s.tolist() == [0, 100, 500] and aux == [NORMAL_LABEL, AF_LABEL, NORMAL_LABEL]
    s, _, aux = rhythm_annotations([[100, 300], [300, 500]], [AF_LABEL, "(AFL"], t)
    assert s.tolist() == [0, 100, 300, 500] and aux == [NORMAL_LABEL, AF_LABEL, "(AFL", NORMAL_LABEL]


def test_annotate_beats_from(ltafdb, mitdb, tmp_path):
    """``annotate --beats-from``: an annotation-only record (ltafdb 30, no .dat) gives the rhythm outputs alone; a
    record with its signal (MIT-BIH 100) has the annotation file's beats classified instead of detected ones."""
    proc = run_cli("annotate", ltafdb / "30", "--beats-from", "atr", "--out", tmp_path / "lt")
    assert proc.returncode == 0, proc.stderr
    s = json.loads((tmp_path / "lt" / "summary.json").read_text())
    assert s["n_beats"] == 31161 and "af_burden_time_pct" in s and (tmp_path / "lt" / "30.arr").is_file()
    proc = run_cli("annotate", mitdb / "100", "--beats-from", "atr", "--out", tmp_path / "m")
    assert proc.returncode == 0, proc.stderr
    s = json.loads((tmp_path / "m" / "summary.json").read_text())
    ref = wfdb.rdann(str(mitdb / "100"), "atr")
    beats = np.isin(ref.symbol, list("NLRBAaJSVrFejnE/fQ?"))
    got = np.loadtxt(tmp_path / "m" / "beats.csv", delimiter=",", skiprows=1, usecols=1).astype(int)
    # every classified beat is a reference beat; only beats too near the record's ends for a window are left out
    assert set(got) <= set(ref.sample[beats]) and beats.sum() - got.size <= 2
    assert s["detector"] == "annotation file .atr"
    proc = run_cli("annotate", mitdb / "100", "--beats-from", "nosuch", "--out", tmp_path / "x")
    assert proc.returncode != 0 and "nosuch" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x").exists()
