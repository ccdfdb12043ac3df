"""Beats on real records: positions, labels, RR features, windows, cache."""

import statistics

import numpy as np
import pytest
import wfdb

from arrhythmia import ArrhythmiaError
from arrhythmia.datasets import BeatConfig, extract_beats, load_beats
from arrhythmia.features import RR_FEATURES, rr_features
from arrhythmia.io import read_wfdb
from arrhythmia.labels import is_beat
from arrhythmia.preprocessing import WindowSpec


def test_beats_match_rdann(mitdb):
    b = load_beats(["100", "208"], mitdb)
    for rec in ("100", "208"):
        ann = wfdb.rdann(str(mitdb / rec), "atr")
        m = is_beat(ann.symbol)
        s, sym = np.asarray(ann.sample)[m], np.asarray(ann.symbol)[m]
        inside = (s - 100 >= 0) & (s + 200 <= 650000)  # the '300' window fits
        sub = b.record == rec
        np.testing.assert_array_equal(b.sample[sub], s[inside])
        np.testing.assert_array_equal(b.symbol[sub], sym[inside])
    # A handful of beats read off wfdb.rdann by hand:
    # record 100: beats N at 77 and 370, first A at 2044; record 208: F at 46 and 697, N at 649704.
    def lookup(rec, s):
        i = np.flatnonzero((b.record == rec) & (b.sample == s))
        assert i.size == 1, (rec, s)
        return b.symbol[i[0]], b.y[i[0]]

    assert lookup("100", 370) == ("N", 0)
    # the first beat of 100 at sample 77 is too close to the start for the 100-sample pre-window
    # (and its last beat is within 200 samples of the end): two N beats dropped
    assert not ((b.record == "100") & (b.sample == 77)).any()
    assert b.dropped["mitdb:100"].tolist() == [2, 0, 0, 0, 0]
    assert lookup("100", 2044) == ("A", 1)
    assert lookup("208", 697) == ("F", 3)
    assert lookup("208", 649704) == ("N", 0)
    # the first F of 208 at sample 46 is too close to the start for the '300' window (100 before)
    assert not ((b.record == "208") & (b.sample == 46)).any()
    assert b.dropped["mitdb:208"][3] >= 1


def test_window_content_is_the_filtered_signal(mitdb):
    cfg = BeatConfig(normalize="none")
    r = read_wfdb(mitdb / "100")
    b = extract_beats(r, cfg)
    filt = cfg.preprocessing.apply(r.signal[:1], r.fs)
    i = 10
    s = b.sample[i]
    np.testing.assert_allclose(b.x[i, 0], filt[0, s - 100: s + 200], rtol=1e-6)
    assert b.x.shape[1:] == (1, 300)


def test_presets_shapes_and_rates(mitdb):
    for preset, shape in (("300", (1, 300)), ("187", (1, 187)), ("6s", (1, 2160))):
        b = load_beats(["100"], mitdb, BeatConfig(window=preset))
        assert b.x.shape[1:] == shape
    two = load_beats(["100"], mitdb, BeatConfig(leads=("MLII", "other")))
    assert two.x.shape[1] == 2


def test_rr_features_by_hand(mitdb):
    ann = wfdb.rdann(str(mitdb / "100"), "atr")
    s = [int(x) for x, y in zip(ann.sample, ann.symbol) if is_beat([y])[0]]
    f = rr_features(s, 360.0)
    n = len(s)
    diffs = [(s[i + 1] - s[i]) / 360.0 for i in range(n - 1)]
    mean_rr = sum(diffs) / len(diffs)
    for i in (0, 1, 5, 9, 10, 500, n - 1):
        pre = diffs[i - 1] if i > 0 else diffs[0]
        post = diffs[i] if i < n - 1 else diffs[-1]
        prevs = [(diffs[j - 1] if j > 0 else diffs[0]) for j in range(max(0, i - 9), i + 1)]
        local = sum(prevs) / len(prevs)
        # the centred window: beats i-10 .. i+10, cut at the record's ends
        pres = [(diffs[j - 1] if j > 0 else diffs[0]) for j in range(n)]
        win = pres[max(0, i - 10): i + 11]
        steps = [abs(pres[j] - pres[j - 1]) if j > 0 else 0.0 for j in range(max(0, i - 10), min(n, i + 11))]
        med = statistics.median(win)
        # the wide window: beats i-30 .. i+30; numpy's default (linear) quantile
        wide = pres[max(0, i - 30): i + 31]
        wide_steps = [abs(pres[j] - pres[j - 1]) if j > 0 else 0.0 for j in range(max(0, i - 30), min(n, i + 31))]
        upper = float(np.quantile(wide, 0.75))
        prev = pres[i - 1] if i > 0 else pres[0]
        want = [pre, post, local, mean_rr, pre / local, post / local, pre / mean_rr, post / mean_rr, pre / post,
                pre / med, statistics.median(steps) / med,
                pre / upper, post / upper, pre / prev, statistics.median(wide_steps) / statistics.median(wide)]
        np.testing.assert_allclose(f[i], want, rtol=1e-5, atol=1e-7, err_msg=f"beat {i}")
    assert f.shape == (n, len(RR_FEATURES))
    assert np.isnan(rr_features([5], 360.0)).all()


def test_rr_features_in_beatset_follow_the_beats(mitdb):
    b = load_beats(["100"], mitdb)
    ann = wfdb.rdann(str(mitdb / "100"), "atr")
    s = np.asarray(ann.sample)[is_beat(ann.symbol)]
    full = rr_features(s, 360.0)
    idx = np.searchsorted(s, b.sample)
    np.testing.assert_array_equal(b.rr, full[idx])


def test_cache_is_used_and_identical(mitdb, tmp_path):
    a = load_beats(["100", "101"], mitdb, cache_dir=tmp_path)
    files = sorted(tmp_path.rglob("*.npz"))
    assert len(files) == 2
    stamp = [f.stat().st_mtime_ns for f in files]
    b = load_beats(["100", "101"], mitdb, cache_dir=tmp_path)
    assert [f.stat().st_mtime_ns for f in files] == stamp  # loaded, not rewritten
    for attr in ("x", "y", "symbol", "record", "sample", "rr"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
    # another configuration is another key
    load_beats(["100"], mitdb, BeatConfig(normalize="beat"), cache_dir=tmp_path)
    assert len(list(tmp_path.rglob("*.npz"))) == 3


def test_record_too_short_for_a_window(mitdb):
    r = read_wfdb(mitdb / "100")
    huge = BeatConfig(window=WindowSpec(400000, 400000, 360.0))
    with pytest.raises(ArrhythmiaError, match="too short for one 800000-sample window"):
        extract_beats(r, huge)


def test_missing_data_dir(tmp_path):
    with pytest.raises(ArrhythmiaError, match="data directory not found"):
        load_beats(["100"], tmp_path / "none")


def test_median_channels_are_the_beat_minus_the_record_median(mitdb):
    plain = load_beats(["119"], mitdb, BeatConfig(leads=("MLII", "other")))
    cfg = BeatConfig(leads=("MLII", "other"), median_channels=True)
    assert cfg.n_channels == 4 and BeatConfig.from_dict(cfg.to_dict()) == cfg
    # a bundle written before the option existed reads as without it
    old = cfg.to_dict()
    del old["median_channels"]
    assert BeatConfig.from_dict(old).median_channels is False
    b = load_beats(["119"], mitdb, cfg)
    assert b.x.shape == (len(plain), 4, 300)
    np.testing.assert_array_equal(b.x[:, :2], plain.x)
    # by hand, sample by sample, for one beat and one lead
    i, j = 17, 150
    assert b.x[i, 2, j] == pytest.approx(plain.x[i, 0, j] - np.median(plain.x[:, 0, j]), abs=1e-6)
    # 119 is mostly N with many V beats: the median beat is a normal beat, so V beats depart from it more
    dev = np.abs(b.x[:, 2]).mean(axis=1)
    assert np.median(dev[b.y == 2]) > 2 * np.median(dev[b.y == 0])


def test_robust_rr_features_separate_isolated_ectopy_from_an_irregular_rhythm():
    """An isolated premature beat in a regular rhythm: premature against the running median, rhythm regular.
    Every beat of an irregular rhythm (alternating 0.6 / 0.9 s): irregular, and not premature against its median."""
    regular = np.cumsum([0.8] * 30 + [0.5, 1.1] + [0.8] * 30) * 360
    f = rr_features(regular.astype(int), 360.0)
    i = 30  # pre_rr 0.5 s (then 1.1 s: a compensatory pause)
    assert f[i, RR_FEATURES.index("pre_median")] == pytest.approx(0.5 / 0.8, rel=1e-3)
    assert f[i, RR_FEATURES.index("irregularity")] == pytest.approx(0.0, abs=1e-3)
    irregular = np.cumsum([0.6, 0.9] * 30) * 360
    g = rr_features(irregular.astype(int), 360.0)
    # every step is 0.3 s; the median interval of the 21 beats is 0.6 or 0.9 s, whichever holds 11 of them
    assert g[30, RR_FEATURES.index("irregularity")] in (pytest.approx(0.3 / 0.9, rel=1e-3),
                                                       pytest.approx(0.3 / 0.6, rel=1e-3))


def test_upper_quartile_prematurity_holds_where_most_beats_are_premature():
    """Atrial bigeminy (sinus 1.0 s, premature 0.6 s, alternating): the median interval is itself premature, so
    against it neither beat looks early; against the upper quartile of the 61 surrounding intervals (the sinus
    cycle) the premature beats are at 0.6 and the sinus beats at 1.0."""
    times = np.cumsum([1.0, 0.6] * 40) * 360
    f = rr_features(times.astype(int), 360.0)
    col = RR_FEATURES.index("pre_upper")
    premature = f[41::2, col]  # beat k has pre_rr 0.6 s for odd k (after the first)
    sinus = f[40::2, col]
    np.testing.assert_allclose(premature[:10], 0.6, atol=0.01)
    np.testing.assert_allclose(sinus[:10], 1.0, atol=0.01)
    assert f[41, RR_FEATURES.index("pre_prev")] == pytest.approx(0.6 / 1.0, rel=1e-3)
