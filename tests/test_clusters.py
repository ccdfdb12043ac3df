"""Clustering one recording's beats (pipeline/clusters.py): small cases by hand, and a real record whose beats of
one kind must fall in clusters of their own."""

from __future__ import annotations

import numpy as np
import pytest
import wfdb

from arrhythmia.errors import ArrhythmiaError
from arrhythmia.features.rr import RR_FEATURES
from arrhythmia.labels import is_beat, to_aami
from arrhythmia.pipeline.adapt import postprocess
from arrhythmia.pipeline.clusters import beat_descriptors, cluster_smooth, descriptors_for, kmeans, time_blocks


def _blobs(rng, n=300):
    a = rng.normal(0.0, 0.1, (n, 3))
    b = rng.normal(0.0, 0.1, (n // 3, 3)) + 5.0
    return np.vstack([a, b])


def test_kmeans_separates_two_blobs_and_is_deterministic(rng):
    pts = _blobs(rng)
    lab = kmeans(pts, 2)
    assert len(set(lab[:300])) == 1 and len(set(lab[300:])) == 1 and lab[0] != lab[-1]
    assert np.array_equal(lab, kmeans(pts, 2))
    assert kmeans(np.zeros((0, 3)), 4).size == 0
    assert set(kmeans(np.ones((50, 2)), 5)) == {0}  # one distinct point: one cluster


def test_cluster_smooth_by_hand(rng):
    pts = _blobs(rng, 300)
    p = np.tile([0.9, 0.1, 0.0, 0.0, 0.0], (400, 1))
    p[300:] = [0.2, 0.8, 0.0, 0.0, 0.0]
    p[300:310] = [0.6, 0.4, 0.0, 0.0, 0.0]          # ten beats of the second kind the network calls N
    same, changed = cluster_smooth(p, pts, 0.0)
    assert np.array_equal(same, p) and changed == 0
    out, changed = cluster_smooth(p, pts, 0.5, beats_per_cluster=200)   # 2 clusters
    mean_b = (10 * 0.4 + 90 * 0.8) / 100
    assert np.allclose(out[300:310, 1], 0.5 * 0.4 + 0.5 * mean_b)
    assert np.allclose(out[:300], p[:300])                            # a cluster of one opinion is left as it is
    assert changed == 10 and (out.argmax(1)[300:] == 1).all()
    assert np.allclose(out.sum(1), 1.0)


def test_descriptors_need_their_rr_columns():
    x = np.zeros((5, 1, 20), np.float32)
    with pytest.raises(ArrhythmiaError, match="rr_names"):
        beat_descriptors(x, np.ones((5, 2)), ["pre_rr", "post_rr"])
    assert descriptors_for(None, x, np.ones((5, 15)), RR_FEATURES) is None
    assert descriptors_for({"cluster_smooth": None}, x, np.ones((5, 15)), RR_FEATURES) is None


def test_postprocess_cluster_step_and_its_fallbacks(rng):
    pts = _blobs(rng, 300)
    p = np.tile([0.6, 0.4, 0.0, 0.0, 0.0], (400, 1))
    p[310:] = [0.2, 0.8, 0.0, 0.0, 0.0]
    settings = {"cluster_smooth": {"strength": 1.0, "beats_per_cluster": 200}, "min_beats": 300}
    out, info = postprocess(p, settings, descriptors=pts)
    assert info["adapted"] and info["relabelled_by_clusters"] == 10 and (out.argmax(1)[300:] == 1).all()
    short, info = postprocess(p[:200], settings, descriptors=pts[:200])
    assert np.allclose(short, p[:200]) and "too short" in info["why"]
    off, info = postprocess(p, settings, descriptors=pts, adapt=False)
    assert np.allclose(off, p) and info["relabelled_by_clusters"] == 0
    with pytest.raises(ValueError, match="descriptors"):
        postprocess(p, settings)


def test_ventricular_beats_of_a_real_record_cluster_apart(mitdb):
    """Record 119 (DS1: ventricular bigeminy, 444 V beats in 2,000): clustered on shape alone, nearly every
    cluster is one class, so that smoothing within clusters cannot mix V and N."""
    from arrhythmia.io.wfdb_io import read_wfdb
    from arrhythmia.pipeline.segment import BeatConfig, beat_windows

    rec = read_wfdb(mitdb / "119").select_leads(["MLII"])
    ann = wfdb.rdann(str(mitdb / "119"), "atr")
    keep = is_beat(ann.symbol)
    samples = ann.sample[keep]
    y = np.asarray(to_aami(np.asarray(ann.symbol)[keep]))
    x, kept, rr, _ = beat_windows(rec, samples, BeatConfig(leads=("MLII",)))
    y = y[kept]
    assert (y == 2).sum() > 400
    d = beat_descriptors(x, rr, RR_FEATURES, rr_weight=0.0)
    lab = kmeans(d, 20)
    purity = sum(np.unique(y[lab == c], return_counts=True)[1].max() for c in np.unique(lab)) / y.size
    assert purity > 0.99


def test_time_blocks_cut_a_long_recording_into_half_hours():
    fs = 100.0
    s = np.arange(0, int(24 * 3600 * fs), int(fs))          # a beat a second for a day
    b = time_blocks(s, fs)
    assert b.max() == 47 and np.all(np.diff(b) >= 0) and np.bincount(b).min() >= 1790
    assert set(time_blocks(np.arange(0, int(1805 * fs), int(fs)), fs)) == {0}   # a 30-minute record: one block
    assert time_blocks(np.zeros(0, np.int64), fs).size == 0


def test_cluster_smooth_keeps_blocks_apart(rng):
    pts = _blobs(rng, 300)
    p = np.tile([0.6, 0.4, 0.0, 0.0, 0.0], (400, 1))
    p[300:] = [0.2, 0.8, 0.0, 0.0, 0.0]
    blocks = np.r_[np.zeros(200, int), np.ones(200, int)]
    whole, _ = cluster_smooth(p, pts, 1.0, beats_per_cluster=100, max_clusters=1)
    apart, _ = cluster_smooth(p, pts, 1.0, beats_per_cluster=100, max_clusters=1, blocks=blocks)
    assert np.allclose(whole, whole[0])                      # one cluster: every beat its mean
    assert np.allclose(apart[:200], p[:200].mean(0)) and np.allclose(apart[200:], p[200:].mean(0))


def test_annotate_clusters_a_real_record_without_reading_its_labels(mitdb, record_copy):
    """The cluster step inside classify_recording on record 119: it runs on the detected beats (the copy has no
    .atr), says how many beats it moved, and --no-adapt leaves the network's labels."""
    import copy

    from arrhythmia.inference.annotate import default_model_path
    from arrhythmia.inference.runners import load_runner
    from arrhythmia.io.readers import read_input
    from arrhythmia.pipeline.process import classify_recording

    runner = load_runner(default_model_path(), "onnx")
    runner.config = copy.deepcopy(runner.config)
    runner.config["postprocess"]["cluster_smooth"] = {"rr_weight": 2.0, "strength": 1.0, "beats_per_cluster": 100}
    path = record_copy("119", exts=("hea", "dat"))
    rec = read_input(path)
    on = classify_recording(rec, runner)
    off = classify_recording(rec, runner, adapt=False)
    assert on.adaptation["relabelled_by_clusters"] > 0 and off.adaptation["relabelled_by_clusters"] == 0
    changed = (on.proba.argmax(1) != off.proba.argmax(1)).sum()
    assert 0 < changed < 0.2 * len(on.proba)   # strength 1: every beat its cluster's mean, most labels agree
    again = classify_recording(read_input(path), runner)
    assert np.array_equal(again.proba, on.proba)  # seeded: the same clusters every run


def test_a_short_recording_skips_the_clusters_but_not_the_af_relabelling(rng):
    """Under min_beats the cluster step is left out (with a note) and the relabelling in AF still runs, as the
    cross-validation scored it."""
    pts = _blobs(rng, 150)
    p = np.tile([0.3, 0.7, 0.0, 0.0, 0.0], (200, 1))
    samples = np.arange(200) * 100
    settings = {"cluster_smooth": {"strength": 1.0, "beats_per_cluster": 50}, "af_relabel": True, "min_beats": 300}
    out, info = postprocess(p, settings, episodes=np.array([[0, 20_000]]), samples=samples, descriptors=pts, fs=100.0)
    assert "too short" in info["why"] and info["relabelled_by_clusters"] == 0
    assert "clusters left out, the other steps run" in info["why"] and "plain model" not in info["why"]
    assert info["relabelled_in_af"] == 200 and (out.argmax(1) == 0).all()


def test_a_block_too_small_for_two_clusters_is_left_alone(rng):
    """30 distinct V beats among 350: with 200 beats a cluster the block cannot hold two clusters, and one would
    turn every V beat N; it is left as it is."""
    pts = np.vstack([rng.normal(0, 0.1, (320, 3)), rng.normal(5, 0.1, (30, 3))])
    p = np.tile([0.9, 0.0, 0.1, 0.0, 0.0], (350, 1))
    p[320:] = [0.15, 0.0, 0.85, 0.0, 0.0]
    out, changed = cluster_smooth(p, pts, 0.5, beats_per_cluster=200)
    assert changed == 0 and np.array_equal(out, p)
    out, changed = cluster_smooth(p, pts, 0.5, beats_per_cluster=100)   # 3 clusters: the V beats keep theirs
    assert changed == 0 and (out.argmax(1)[320:] == 2).all()


@pytest.mark.parametrize("setting, name", [({"beats_per_cluster": 100}, "strength"),
                                           ({"strength": 1.5}, "strength"),
                                           ({"strength": 0.5, "beats_per_cluster": 0}, "beats_per_cluster"),
                                           ({"strength": 0.5, "rr_weight": -1}, "rr_weight")])
def test_bad_cluster_settings_are_one_line_errors(setting, name):
    p = np.tile([0.9, 0.1, 0.0, 0.0, 0.0], (400, 1))
    with pytest.raises(ArrhythmiaError, match=rf"^Invalid value for 'postprocess.cluster_smooth.{name}': allowed"):
        postprocess(p, {"cluster_smooth": setting}, descriptors=np.zeros((400, 9)))


def test_descriptors_survive_infinite_and_missing_intervals():
    x = np.random.default_rng(0).normal(size=(500, 1, 40)).astype(np.float32)
    rr = np.ones((500, 15))
    rr[3, RR_FEATURES.index("pre_local")] = np.inf
    rr[4, RR_FEATURES.index("post_local")] = np.nan
    d = beat_descriptors(x, rr, RR_FEATURES, 2.0)
    assert np.isfinite(d).all() and d[4, -2] == 0.0
    assert kmeans(d, 5).size == 500
