"""Episode comparison against WFDB's own epicmp and sumstats (golden reports), and by hand.

Golden: ../shared/golden/epicmp-afx-from-{5min,0}.txt were made by WFDB 10.7.0 with
``epicmp -r REC -a atr afx -l -A FILE [-f 0]`` on the 48 MIT-BIH records, and
``*.sumstats.txt`` by ``sumstats FILE`` (see ../shared/golden/README.md). The test
annotator ``afx`` is the reference rhythm marks moved 7 s later, plus a false one-minute
``(AFIB`` episode at 600-660 s in record 100.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import wfdb

from arrhythmia.datasets.records import MITDB_RECORDS
from arrhythmia.evaluation.episodes import compare_episodes, episodes_from_rhythm, gross_episodes
from arrhythmia.evaluation.wfdb_report import epicmp_line, episode_sumstats
from wfdb_golden import EPICMP_COUNTS, EPICMP_FIGURES, read_gross, read_table

STARTS = {"5min": 300.0, "0": 0.0}  # epicmp's default -f 5:0, and -f 0


@pytest.fixture(scope="module")
def afx_comparisons(mitdb, golden):
    out = {}
    for key, start in STARTS.items():
        cs = []
        for r in MITDB_RECORDS:
            h = wfdb.rdheader(str(mitdb / r))
            ref = wfdb.rdann(str(mitdb / r), "atr")
            test = wfdb.rdann(str(golden / "afx" / r), "afx")
            cs.append(compare_episodes(
                episodes_from_rhythm(ref.sample, ref.aux_note, h.sig_len, symbols=ref.symbol),
                episodes_from_rhythm(test.sample, test.aux_note, h.sig_len, symbols=test.symbol),
                h.fs, start_s=start, end_sample=h.sig_len, record=r))
        out[key] = cs
    return out


@pytest.mark.parametrize("key", STARTS)
def test_every_record_agrees_with_epicmp(afx_comparisons, golden, key):
    gold = read_table(golden / f"epicmp-afx-from-{key}.txt", EPICMP_COUNTS, EPICMP_FIGURES, n_header=2)
    assert list(gold) == list(MITDB_RECORDS)
    for c in afx_comparisons[key]:
        g = gold[c.record]
        assert (c.tps, c.fn, c.tpp, c.fp) == tuple(g["counts"].values()), c.record
        ours = epicmp_line(c).split()[5:]
        assert dict(zip(EPICMP_FIGURES, ours)) == g["figures"], c.record
    # and the whole file, character for character (headings, widths, the trailing space of the heading)
    from arrhythmia.evaluation.wfdb_report import epicmp_table

    assert epicmp_table(afx_comparisons[key]) == (golden / f"epicmp-afx-from-{key}.txt").read_text()


@pytest.mark.parametrize("key", STARTS)
def test_gross_and_average_agree_with_sumstats(afx_comparisons, golden, key):
    text = (golden / f"epicmp-afx-from-{key}.sumstats.txt").read_text()
    assert episode_sumstats(afx_comparisons[key]) == text
    g = gross_episodes(afx_comparisons[key])
    gold = read_gross(golden / f"epicmp-afx-from-{key}.sumstats.txt")
    assert [int(x) for x in gold["Sum"][:4]] == [g.tps, g.fn, g.tpp, g.fp]
    printed = [f"{100 * v:.0f}" for v in (g.episode_se, g.episode_ppv, g.duration_se, g.duration_ppv)]
    assert printed == gold["Gross"]


def test_golden_headline_figures(afx_comparisons):
    # ../shared/golden/README.md: afx from 5:00, episode Se 74, +P 74; duration Se 94, +P 93
    g = gross_episodes(afx_comparisons["5min"])
    assert [round(100 * v) for v in (g.episode_se, g.episode_ppv, g.duration_se, g.duration_ppv)] == [74, 74, 94, 93]
    # the exact pooled overlap (no rounding per record) stays within a point of sumstats' figures
    assert abs(g.pooled_duration_se - g.duration_se) < 0.01 and abs(g.pooled_duration_ppv - g.duration_ppv) < 0.01


def test_record_100_false_episode(afx_comparisons):
    # afx adds one false (AFIB episode at 600-660 s to record 100, which has no AF: one FP of 60 s
    c = afx_comparisons["5min"][0]
    assert c.record == "100" and (c.tps, c.fn, c.tpp, c.fp) == (0, 0, 0, 1)
    assert c.test_duration_s == 60.0 and c.test_overlap == 0
    assert math.isnan(c.episode_se) and c.episode_ppv == 0.0 and math.isnan(c.duration_se)


# ---------------------------------------------------------------- hand-made cases (fs = 1 Hz: samples = s)

def test_episodes_from_rhythm_marks():
    samples = [100, 200, 300, 400, 450, 500]
    aux = ["(N", "(AFIB", "(AFIB\x00", "(N", "p=0.91", "(AFIB"]
    symbols = ["+", "+", "+", "+", "N", "+"]
    # consecutive (AFIB marks make one episode; the last one runs to the record's end (1000)
    np.testing.assert_array_equal(episodes_from_rhythm(samples, aux, 1000, symbols=symbols), [[200, 400], [500, 1000]])
    # without symbols, an aux note that does not start with '(' is not a rhythm mark
    np.testing.assert_array_equal(episodes_from_rhythm(samples, aux, 1000), [[200, 400], [500, 1000]])
    # an annotation after the record's end extends the open episode to it (epicmp: the last annotation read)
    np.testing.assert_array_equal(episodes_from_rhythm(samples + [1200], aux + [""], 1000, symbols=symbols + ["~"]),
                                  [[200, 400], [500, 1200]])
    # (AFL is its own rhythm: it ends an (AFIB episode, and is an episode only when asked for
    aux2 = ["(N", "(AFIB", "(AFL", "(N", "p", "(N"]
    np.testing.assert_array_equal(episodes_from_rhythm(samples, aux2, 1000, symbols=symbols), [[200, 300]])
    np.testing.assert_array_equal(episodes_from_rhythm(samples, aux2, 1000, labels=("(AFIB", "(AFL"), symbols=symbols),
                                  [[200, 400]])
    assert episodes_from_rhythm([], [], 1000).shape == (0, 2)


def test_one_reference_episode_overlapping_two_test_episodes():
    c = compare_episodes([[1000, 2000]], [[900, 1200], [1500, 2500]], fs=1.0, start_s=0, end_sample=3000, record="x")
    # the reference episode is detected once; both test episodes overlap it, so both are true positives
    assert (c.tps, c.fn, c.tpp, c.fp) == (1, 0, 2, 0)
    # covered: 1000-1200 and 1500-2000 = 700 of 1000 s; test: 300 + 1000 s, of which 200 + 500 covered
    assert (c.ref_duration, c.ref_overlap, c.test_duration, c.test_overlap) == (1000, 700, 1300, 700)
    assert c.duration_se == pytest.approx(0.7) and c.duration_ppv == pytest.approx(700 / 1300)
    # epicmp -l prints durations with mstimstr: 1000 s = 16:40.000, 1300 s = 21:40.000; 700/1300 = 53.8 -> 54
    assert epicmp_line(c) == "     x    1    0    2    0  100 100  70  54     16:40.000      21:40.000\n"


def test_start_time_cuts_and_drops_episodes():
    # reference: one episode ends before the start (left out), one straddles it (cut at 100 s)
    # test: one before the start (not a false positive), one straddling it (cut at 100 s)
    c = compare_episodes([[10, 50], [80, 200]], [[20, 40], [60, 150]], fs=1.0, start_s=100, end_sample=1000)
    assert (c.tps, c.fn, c.tpp, c.fp) == (1, 0, 1, 0)
    assert (c.ref_duration, c.ref_overlap, c.test_duration, c.test_overlap) == (100, 50, 50, 50)
    # from 0 the early episodes count: the reference one at 10-50 s overlaps the test one at 20-40 s
    c0 = compare_episodes([[10, 50], [80, 200]], [[20, 40], [60, 150]], fs=1.0, start_s=0, end_sample=1000)
    assert (c0.tps, c0.fn, c0.tpp, c0.fp) == (2, 0, 2, 0)
    assert (c0.ref_duration, c0.ref_overlap, c0.test_duration, c0.test_overlap) == (160, 90, 110, 90)


def test_touching_is_not_overlapping_and_end_cuts():
    # the test episode starts where the reference one ends: no sample in common -> FN and FP
    c = compare_episodes([[100, 200]], [[200, 300]], fs=1.0, start_s=0, end_sample=1000)
    assert (c.tps, c.fn, c.tpp, c.fp) == (0, 1, 0, 1) and c.ref_overlap == c.test_overlap == 0
    # an episode past the end of the test period is cut there; one starting after it is not scored
    c = compare_episodes([[100, 5000], [6000, 7000]], [[500, 600]], fs=1.0, start_s=0, end_sample=1000)
    assert (c.tps, c.fn, c.tpp, c.fp, c.ref_duration, c.ref_overlap) == (1, 0, 1, 0, 900, 100)


def test_gross_uses_sumstats_arithmetic():
    # fs = 1000 Hz so samples are ms. Record a: reference 3000 ms of which 2500 covered (printed 83 %),
    # test 2500 ms all covered (100 %). Record b: reference 1000 ms all covered (100 %),
    # test 4000 ms of which 1000 covered (25 %).
    a = compare_episodes([[0, 3000]], [[500, 3000]], fs=1000.0, start_s=0, end_sample=10_000, record="a")
    b = compare_episodes([[5000, 6000]], [[4000, 8000]], fs=1000.0, start_s=0, end_sample=10_000, record="b")
    assert (a.ref_overlap, a.test_duration, b.ref_overlap, b.test_duration) == (2500, 2500, 1000, 4000)
    g = gross_episodes([a, b])
    # sumstats rebuilds each record's overlap from the longer duration times its printed percentage:
    # a: reference 3000 ms > test 2500 ms -> 3000 * 0.83 (2500/3000 printed 83) = 2490; b: test longer -> 4000 * 0.25
    assert g.overlap_ms == int(int(3000 * 0.83) + 4000 * 0.25) == 3490
    assert g.duration_se == pytest.approx(3490 / 4000) and g.duration_ppv == pytest.approx(3490 / 6500)
    assert g.pooled_duration_se == pytest.approx(3500 / 4000)  # the exact overlap, for comparison
    assert (g.tps, g.fn, g.tpp, g.fp) == (2, 0, 2, 0) and g.episode_se == 1.0
    assert g.average_duration_se == pytest.approx((0.83 + 1.0) / 2)  # the mean of the printed percentages
    assert g.average_duration_ppv == pytest.approx((1.0 + 0.25) / 2)
    text = episode_sumstats([a, b])
    # sumstats: "Gross" padded to 27 characters, then " %3.0f" per figure; 3490/4000 = 87.25, 3490/6500 = 53.7
    assert "\nGross" + " " * 22 + " 100 100  87  54\n" in text
    assert text.endswith("\nSummary of results from 2 records\n")


def test_bad_interval_is_one_clear_error():
    from arrhythmia.errors import ArrhythmiaError

    with pytest.raises(ArrhythmiaError, match="start_s"):
        compare_episodes([[0, 10]], [[0, 10]], fs=1.0, start_s=50, end_sample=20)
