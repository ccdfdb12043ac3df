"""The P-wave check of AF episodes (arrhythmia.rhythm.p_waves): by hand, on real records, in the pipeline."""

from __future__ import annotations

import json

import numpy as np
import pytest

from arrhythmia.rhythm.af import detect_af
from arrhythmia.rhythm.from_annotations import read_beat_annotations
from arrhythmia.rhythm.p_waves import (MAX_COHERENCE, MIN_BEATS, confirm_af, drop_episodes_with_p_waves,
                                       episode_coherence, p_wave_coherence)

FS = 250.0


def _irregular_beats(rng, n=120):
    return (np.cumsum(rng.uniform(0.5, 1.1, n)) * FS).astype(np.int64) + int(FS)


def _signal_with(beats, rng, p_wave: bool):
    x = 0.01 * rng.standard_normal(int(beats[-1] + FS))
    t = np.arange(-12, 13)
    for b in beats:
        x[b - 2:b + 3] += 1.0  # the QRS, outside the P region (250 to 60 ms before the R peak)
        if p_wave:
            x[b - 40 + t] += 0.15 * np.exp(-(t / 6.0) ** 2)  # the same P wave 160 ms before every beat
    if not p_wave:  # fibrillatory waves: 6 Hz activity unrelated to the beats
        x += 0.1 * np.sin(2 * np.pi * 6.1 * np.arange(x.size) / FS + rng.uniform(0, 6))
        x += 0.05 * np.sin(2 * np.pi * 4.7 * np.arange(x.size) / FS)
    return x


def test_coherence_by_hand():
    # three beats' P regions: [1, -1, ...] patterns whose mean is known
    fs = 100.0  # the region is samples -25 .. -7 before each beat: 19 samples
    seg = np.zeros(19)
    seg[:2] = [1.0, -1.0]
    x = np.zeros(1000)
    beats = np.arange(100, 100 + 60 * MIN_BEATS, 60)
    for b in beats:
        x[b - 25:b - 6] = seg
    assert p_wave_coherence(x, fs, beats) == pytest.approx(1.0)  # identical segments: the mean is each one
    # every other beat's segment negated: the mean is zero
    for b in beats[1::2]:
        x[b - 25:b - 6] = -seg
    assert p_wave_coherence(x, fs, beats) == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(p_wave_coherence(x, fs, beats[: MIN_BEATS - 1]))  # too few beats to judge
    assert np.isnan(p_wave_coherence(np.zeros(1000), fs, beats))  # flat: nothing to judge


def test_sinus_p_waves_against_fibrillatory_waves():
    rng = np.random.default_rng(0)
    beats = _irregular_beats(rng)
    ep = np.array([[beats[0] - 10, beats[-1] + 10]])
    normal = np.ones(beats.size, bool)
    sinus = episode_coherence(_signal_with(beats, rng, True), FS, ep, beats, normal)[0]
    af = episode_coherence(_signal_with(beats, rng, False), FS, ep, beats, normal)[0]
    assert sinus > 0.9 > MAX_COHERENCE > 0.3 > af
    keep, c = confirm_af(_signal_with(beats, rng, True), FS, ep, beats, np.zeros(beats.size, bool))
    assert keep.all() and np.isnan(c).all()  # no normal beat: no judgement, the episode stands


def _rr_episodes(mitdb, record):
    from arrhythmia.io.wfdb_io import read_wfdb

    b = read_beat_annotations(mitdb / record, "atr")
    rec = read_wfdb(mitdb / record, annotator=None).select_leads(("MLII",))
    return b, rec, detect_af(b.samples, b.fs, b.n_samples, labels=b.symbols)


def test_false_af_of_sinus_records_is_dropped_true_af_kept(mitdb):
    # DS1 records: 215 (sinus, frequent ectopy: ten RR episodes, none AF) and 203 (AF and flutter throughout)
    b, rec, af = _rr_episodes(mitdb, "215")
    assert len(af.episodes) >= 5
    kept, dropped = drop_episodes_with_p_waves(af, rec.signal[0], b.fs, b.samples, np.isin(b.symbols, ["N"]))
    assert len(kept.episodes) == 0 and len(dropped) == len(af.episodes)
    assert min(d["coherence"] for d in dropped) >= MAX_COHERENCE
    b, rec, af = _rr_episodes(mitdb, "203")
    kept, dropped = drop_episodes_with_p_waves(af, rec.signal[0], b.fs, b.samples, np.isin(b.symbols, ["N"]))
    assert not dropped and np.array_equal(kept.episodes, af.episodes)
    assert (kept.episodes[:, 1] - kept.episodes[:, 0]).sum() / b.fs > 1500


def test_annotate_reports_the_dropped_episodes(mitdb, tmp_path):
    from arrhythmia.inference.annotate import annotate

    annotate(mitdb / "215", tmp_path / "o")
    s = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert s["af_dropped_for_p_waves"] and all(d["coherence"] >= MAX_COHERENCE for d in s["af_dropped_for_p_waves"])
    assert all(0 <= d["start_s"] < d["end_s"] <= 1806 for d in s["af_dropped_for_p_waves"])
    assert s["af_episodes"] == [] and s["af_burden_pct"] == 0.0
