"""Beat-by-beat comparison against WFDB's own bxb and sumstats (golden reports), and rule by rule by hand.

Golden: ../shared/golden/bxb-{gqrs,arr}-from-{5min,0}.txt were made by WFDB 10.7.0 with
``bxb -r REC -a atr qrs -l FILE /dev/null`` (gqrs: WFDB's gqrs detections, every beat N) and
``bxb -r REC -a atr arr -L FILE FILE2`` (arr: the shipped model's annotations at commit f03b621),
each with the default start (5:00) and with ``-f 0``, then ``sumstats FILE`` (*.sumstats.txt);
see ../shared/golden/README.md. Every figure agrees exactly, RR error included: bxb prints it with
two decimals and our value, computed in the same double-precision steps, prints the same.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import wfdb

from arrhythmia.datasets.records import MITDB_RECORDS
from arrhythmia.evaluation.ec57 import compare_beats, gross_beats, match_indices
from arrhythmia.evaluation.wfdb_report import bxb_line, bxb_table, beat_sumstats
from wfdb_golden import BXB_L_COUNTS, BXB_L_FIGURES, BXB_l_COUNTS, BXB_l_FIGURES, read_gross, read_table

RUNS = {  # golden file stem -> (test folder, annotator, bxb -L (True) or -l, start in s)
    "bxb-gqrs-from-5min": ("gqrs", "qrs", False, 300.0),
    "bxb-gqrs-from-0": ("gqrs", "qrs", False, 0.0),
    "bxb-arr-from-5min": ("arr", "arr", True, 300.0),
    "bxb-arr-from-0": ("arr", "arr", True, 0.0),
}


@pytest.fixture(scope="module")
def annotations(mitdb, golden):
    out = {}
    for r in MITDB_RECORDS:
        h = wfdb.rdheader(str(mitdb / r))
        out[r] = {"fs": h.fs, "n": h.sig_len, "atr": wfdb.rdann(str(mitdb / r), "atr"),
                  "qrs": wfdb.rdann(str(golden / "gqrs" / r), "qrs"), "arr": wfdb.rdann(str(golden / "arr" / r), "arr")}
    return out


@pytest.fixture(scope="module")
def runs(annotations):
    out = {}
    for stem, (_, ext, sveb, start) in RUNS.items():
        out[stem] = []
        for r, a in annotations.items():
            ref, test = a["atr"], a[ext]
            out[stem].append(compare_beats(ref.sample, ref.symbol, test.sample, test.symbol, a["fs"], start_s=start,
                                           end_sample=a["n"], ref_subtypes=ref.subtype, test_subtypes=test.subtype,
                                           sveb=sveb, record=r))
    return out


@pytest.mark.parametrize("stem", RUNS)
def test_every_record_agrees_with_bxb(runs, golden, stem):
    sveb = RUNS[stem][2]
    counts, figures = (BXB_L_COUNTS, BXB_L_FIGURES) if sveb else (BXB_l_COUNTS, BXB_l_FIGURES)
    gold = read_table(golden / f"{stem}.txt", counts, figures, n_header=1)
    assert list(gold) == list(MITDB_RECORDS)
    for c in runs[stem]:
        g = gold[c.record]
        assert list(c.line_counts().values()) == list(g["counts"].values()), c.record
        ours = [c.qrs_se, c.qrs_ppv, c.veb_se, c.veb_ppv] + ([c.sveb_se, c.sveb_ppv] if sveb else [c.veb_fpr])
        for name, v, printed in zip(figures, ours, g["figures"].values()):  # our ratios, to bxb's printed digits
            assert (printed == "-") == math.isnan(v), (c.record, name)
            if printed != "-":
                assert 100 * v == pytest.approx(float(printed), abs=0.0051 if name != "v_fpr" else 0.00051)
        if sveb:
            rr = g["figures"]["rr_err"]
            assert rr == ("-" if math.isnan(c.rms_rr_error_ms) else f"{c.rms_rr_error_ms:.2f}"), c.record
        assert bxb_line(c).split()[1 + len(counts):] == list(g["figures"].values()), c.record
    # and the file itself, character for character
    assert bxb_table(runs[stem]) == (golden / f"{stem}.txt").read_text()


@pytest.mark.parametrize("stem", RUNS)
def test_gross_and_average_agree_with_sumstats(runs, golden, stem):
    assert beat_sumstats(runs[stem]) == (golden / f"{stem}.sumstats.txt").read_text()
    g, gold = gross_beats(runs[stem]), read_gross(golden / f"{stem}.sumstats.txt")
    assert [int(x) for x in gold["Sum"]] == list(g.sums.values())
    ours = [g.qrs_se, g.qrs_ppv, g.veb_se, g.veb_ppv] + ([g.sveb_se, g.sveb_ppv] if g.sveb else [g.veb_fpr])
    assert [("-" if math.isnan(v) else f"{100 * v:.{2 if k < 4 or g.sveb else 3}f}") for k, v in enumerate(ours)] \
        == gold["Gross"]


def test_golden_headline_figures(runs):
    # ../shared/golden/README.md, gross: gqrs from 5:00 QRS Se 99.74 +P 99.72, from 0 99.73 / 99.72;
    # arr from 5:00 QRS 99.65 / 99.86, V 94.43 / 90.92, S 42.73 / 40.08
    def pct(*v):
        return [round(100 * x, 2) for x in v]

    g = gross_beats(runs["bxb-gqrs-from-5min"])
    assert pct(g.qrs_se, g.qrs_ppv) == [99.74, 99.72]
    g = gross_beats(runs["bxb-gqrs-from-0"])
    assert pct(g.qrs_se, g.qrs_ppv) == [99.73, 99.72]
    g = gross_beats(runs["bxb-arr-from-5min"])
    assert pct(g.qrs_se, g.qrs_ppv, g.veb_se, g.veb_ppv, g.sveb_se, g.sveb_ppv) == [99.65, 99.86, 94.43, 90.92, 42.73,
                                                                                   40.08]
    assert g.totals == {"QRS": 91285, "VEB": 6101, "SVEB": 2745}  # sumstats' last line


def test_wfdb_python_compare_annotations_agrees_on_plain_beats(annotations):
    """wfdb-python's compare_annotations is another algorithm: for each reference beat it takes the nearest
    test beat not yet used, giving a contested one to the next reference beat only when strictly nearer;
    its window is exclusive (``< window``), bxb's inclusive, so 55 there is bxb's 54 (150 ms at 360 Hz).
    It has no start time, flutter or noise rules, so it is given beats only, from 0. On these records of
    gqrs detections the counts agree exactly with ours and with match_indices."""
    from wfdb.processing import compare_annotations

    from arrhythmia.evaluation.ec57 import BXB_CLASS

    for r in ("105", "203", "232"):  # noisy; hard (many V, noise, missed beats); long pauses
        ref, test = annotations[r]["atr"], annotations[r]["qrs"]
        beats = ref.sample[np.isin(ref.symbol, [s for s in BXB_CLASS if s != "!"])]
        w = compare_annotations(beats, test.sample, 55)
        c = compare_beats(beats, ["N"] * beats.size, test.sample, ["N"] * test.sample.size, 360.0, start_s=0,
                          end_sample=650_000, sveb=False)
        assert (w.tp, w.fn, w.fp) == (c.qrs_tp, c.qrs_fn, c.qrs_fp), r
        r2d, d2r = match_indices(beats, test.sample, 54)
        assert (int((r2d >= 0).sum()), int((d2r < 0).sum())) == (w.tp, w.fp), r


def test_project_ec57_gross_agrees_with_bxb_at_reference_positions(annotations):
    """Labels given at the reference beats themselves (what ``arrhythmia evaluate`` scores): bxb's VEB and SVEB
    counts are then those of metrics.ec57_gross on the confusion matrix, for a record without the escape beats
    (e, j, n) that bxb calls S and labels.py calls N. Seeded random labels exercise every cell."""
    from arrhythmia.evaluation.metrics import confusion_matrix, ec57_gross
    from arrhythmia.labels import AAMI_CLASSES, is_beat, to_aami

    a = annotations["213"]["atr"]  # N, V, F (362), A, a: no e, j, n, no flutter
    beats = is_beat(a.symbol)
    sample, y = a.sample[beats], to_aami(np.asarray(a.symbol)[beats])
    pred = np.random.default_rng(0).integers(0, 5, y.size)
    g = ec57_gross(confusion_matrix(y, pred))
    c = compare_beats(sample, np.asarray(a.symbol)[beats], sample, [AAMI_CLASSES[k] for k in pred], 360.0, start_s=0,
                      end_sample=650_000)
    assert (g["VEB"]["tp"], g["VEB"]["fn"], g["VEB"]["fp"]) == c.veb[:3]
    assert (g["SVEB"]["tp"], g["SVEB"]["fn"], g["SVEB"]["fp"]) == c.sveb_counts


# ---------------------------------------------------------------- hand-made cases, fs = 100 Hz: window 15 samples

FS = 100.0


def bxb(ref, test, start_s=0.0, end=1000, sveb=True, **kw):
    """ref, test: lists of (sample, symbol) or (sample, symbol, subtype)."""
    def cols(a):
        a = [x if len(x) == 3 else (*x, 0) for x in a]
        return [x[0] for x in a], [x[1] for x in a], [x[2] for x in a]

    rs, ry, rt = cols(ref)
    ts, ty, tt = cols(test)
    return compare_beats(rs, ry, ts, ty, FS, start_s=start_s, end_sample=end, ref_subtypes=rt, test_subtypes=tt,
                         sveb=sveb, **kw)


def nonzero(c):
    from arrhythmia.evaluation.ec57 import LABELS

    return {LABELS[i] + LABELS[j].lower(): int(c.counts[i, j]) for i, j in zip(*np.nonzero(c.counts))}


def N(*samples):
    return [(s, "N") for s in samples]


def test_matching_by_hand():
    # 100<->105, 200<->190, 300 missed (330 is 30 samples away), 330 extra, 400<->400
    c = bxb(N(100, 200, 300, 400), N(105, 190, 330, 400))
    assert nonzero(c) == {"Nn": 3, "No": 1, "On": 1}
    assert (c.qrs_tp, c.qrs_fn, c.qrs_fp) == (3, 1, 1) and c.qrs_se == 0.75 and c.qrs_ppv == 0.75
    # bxb's 2002 example (window 37): ref 96, 160; test 128, 185. 128 is 32 from both references;
    # since 185 matches 160 better (25), 128 goes to 96: two matches, none missed
    c = bxb(N(96, 160), N(128, 185), window_s=0.37)
    assert c.window == 37 and nonzero(c) == {"Nn": 2}


def test_sequential_rule_differs_from_closest_pair_first():
    # a detection 15 samples from two beats: bxb examines the earlier beat first and, the pair being no
    # better than with the next beat, leaves it missed; the detection goes to the second (V) beat
    c = bxb([(100, "N"), (130, "V")], [(115, "V")])
    assert nonzero(c) == {"No": 1, "Vv": 1}
    r2d, d2r = match_indices([100, 130], [115], 15)
    assert r2d.tolist() == [-1, 0] and d2r.tolist() == [1]


def test_start_time():
    # start 1 s = sample 100: the reference beat at 50 is not scored, nor is the test beat at 52
    assert nonzero(bxb(N(50, 120, 300), N(52, 118, 300), start_s=1)) == {"Nn": 2}
    # the last test beat before the start may match the first reference beat after it
    assert nonzero(bxb(N(50, 105, 300), N(95, 300), start_s=1)) == {"Nn": 2}
    # a test beat within 150 ms after the start is dropped, uncounted, when the next one matches better
    assert nonzero(bxb(N(130, 300), N(105, 128, 300), start_s=1)) == {"Nn": 2}
    # ... and counted as extra when the next one is farther
    assert nonzero(bxb(N(300), N(105, 600), start_s=1)) == {"No": 1, "On": 2}
    # EC57's default start is 5 minutes
    assert compare_beats([100], ["N"], [100], ["N"], FS, end_sample=100_000).start == 30_000


def test_q_beats_and_classes():
    ref = [(100, "N"), (200, "V"), (300, "Q"), (400, "N"), (500, "S"), (600, "F")]
    test = [(100, "N"), (200, "Q"), (300, "V"), (400, "Q"), (500, "F"), (600, "S")]
    c = bxb(ref, test)
    assert nonzero(c) == {"Nn": 1, "Vq": 1, "Qv": 1, "Nq": 1, "Sf": 1, "Fs": 1}
    assert c.qrs_se == 1.0 and c.qrs_ppv == 1.0  # a Q label is a detected beat
    assert c.veb == (0, 1, 0, 4)  # V called Q: missed V; reference Q called V: no false positive
    assert c.sveb_counts == (0, 1, 1)  # S called F: missed; reference F called S: bxb's false positive
    assert math.isnan(c.veb_ppv) and c.sveb_ppv == 0.0
    # sumstats sees only the column Fs' (= Fs + Qs) and leaves it out of S +P: undefined there
    assert math.isnan(gross_beats([c]).sveb_ppv)
    # without SVEB statistics (bxb -l), S symbols are N: the S beat called F is Nf, the F beat called S is Fn
    c = bxb(ref, test, sveb=False)
    assert nonzero(c) == {"Nn": 1, "Vq": 1, "Qv": 1, "Nq": 1, "Nf": 1, "Fn": 1}
    # escape beats e, j, n are S for bxb (the project's own labels put e and j in N)
    assert nonzero(bxb([(100, "j"), (200, "e"), (300, "n")], [(100, "S"), (200, "S"), (300, "S")])) == {"Ss": 3}


def test_ventricular_flutter_episode():
    ref = [(100, "N"), (200, "["), (250, "!"), (300, "!"), (400, "]"), (500, "N"), (600, "!"), (700, "N")]
    test = N(100, 260, 310, 500, 600, 700)
    c = bxb(ref, test)
    # detections at 260 and 310, inside the reference flutter episode, are not counted at all; a flutter
    # wave outside an episode (600) is no beat: a detection on it is an extra (On)
    assert nonzero(c) == {"Nn": 3, "On": 1}
    # RR intervals spanning the episode are not compared: only 500->600 and 600->700 pairs (both 100/100)
    assert (c.rr_n, c.rr_sum_sq) == (2, 0.0)
    # without the episode marks those detections would be extras
    plain = [a for a in ref if a[1] == "N"]
    assert nonzero(bxb(plain, test)) == {"Nn": 3, "On": 3}


def test_unreadable_stretches():
    sd, resume = 0x30, 0  # noise subtypes: bits 4 and 5 set = both signals unreadable (MIT-BIH writes -1)
    # reference shutdown 150-300: the detection at 250 is an extra in shutdown (Xn), still a QRS false positive
    c = bxb([(100, "N"), (150, "~", -1), (300, "~", resume), (400, "N")], N(100, 250, 400))
    assert nonzero(c) == {"Nn": 2, "Xn": 1} and c.qrs_fp == 1
    # without subtypes nothing is unreadable
    assert nonzero(compare_beats([100, 150, 300, 400], ["N", "~", "~", "N"], [100, 250, 400], ["N"] * 3, FS,
                                 start_s=0, end_sample=1000)) == {"Nn": 2, "On": 1}
    # test shutdown 150-350: the reference beat at 250 is missed in shutdown (Nx); 2 s of shutdown
    c = bxb(N(100, 250, 400), [(100, "N"), (150, "~", sd), (350, "~", resume), (400, "N")])
    assert nonzero(c) == {"Nn": 2, "Nx": 1} and c.shutdown_s == 2
    # one mark in the middle (AHA style): shutdown from 150 ms after the previous beat (115) to 150 ms
    # before the next annotation (585)
    assert nonzero(bxb([(100, "N"), (300, "~", sd), (600, "N")], N(100, 350, 600))) == {"Nn": 2, "Xn": 1}


def test_rr_error_by_hand():
    # reference RR 100, 100, 100; test RR 105, 95, 100 (the first beat has none): errors 5, 5, 0 samples
    c = bxb(N(100, 200, 300, 400), N(100, 205, 300, 400))
    assert (c.rr_n, c.rr_sum_sq) == (3, 50.0)
    assert c.rms_rr_error_ms == pytest.approx(math.sqrt(50 / 3) * 10)  # 10 ms a sample at 100 Hz
    # the line as bxb -L prints it (record name 'x')
    c = bxb(N(100, 200, 300, 400), N(100, 205, 300, 400), record="x")
    assert bxb_line(c) == ("   x     4   0   0   0   0   0   0   0   0   0   0   0    0   0   0   0   0   0   0"
                           " 100.00 100.00      -      -      -      -  40.82\n")


def test_detector_scoring_uses_the_same_rules():
    from arrhythmia.evaluation.detection import score_detections
    from arrhythmia.io import Annotations

    ann = Annotations(np.array([100, 200, 250, 300, 400, 500]), np.array(["N", "[", "!", "!", "]", "N"], object))
    det = np.array([100, 255, 310, 500, 800])
    # with the flutter episode marked, detections at 255 and 310 are not counted; 800 is an extra
    s = score_detections({"a": ann}, {"a": det}, fs=FS, end_samples={"a": 1000})
    assert (s.tp, s.fn, s.fp) == (2, 0, 1)
    # plain beat samples (the old signature): every detection is examined, to the last one
    s = score_detections({"a": np.array([100, 500])}, {"a": det}, fs=FS)
    assert (s.tp, s.fn, s.fp) == (2, 0, 3)
    # from 3 s on (sample 300): the beat at 100 and the detections before 300 are not scored
    s = score_detections({"a": np.array([100, 500])}, {"a": det}, fs=FS, start_s=3)
    assert (s.tp, s.fn, s.fp) == (1, 0, 1)


def test_bad_interval_is_one_clear_error():
    from arrhythmia.errors import ArrhythmiaError

    with pytest.raises(ArrhythmiaError, match="start_s"):
        bxb(N(100), N(100), start_s=20, end=1000)
    with pytest.raises(ArrhythmiaError, match="end_sample"):
        bxb(N(100), N(100), end=0)
