"""R-peak detection: matching by hand, real records above fixed thresholds, bad signals."""

import numpy as np
import pytest

from arrhythmia import ArrhythmiaError
from arrhythmia.evaluation.detection import match_beats, score_detections
from arrhythmia.experiments.detection_eval import evaluate_detector
from arrhythmia.preprocessing.peaks import QUALITY_MIN, detect_r_peaks, qrs_quality
from conftest import assert_one_line_error, run_cli


def test_match_beats_by_hand():
    ref = [100, 400, 700, 1000]
    det = [110, 395, 460, 1100, 1040]
    r2d, d2r = match_beats(ref, sorted(det), tolerance=54)
    # 100<->110, 400<->395, 700 missed, 1000<->1040; 460 and 1100 extra
    assert r2d.tolist() == [0, 1, -1, 3]
    assert d2r.tolist() == [0, 1, -1, 3, -1]
    # one detection between two beats is matched to the nearer one only
    r2d, d2r = match_beats([100, 150], [140], tolerance=54)
    assert r2d.tolist() == [-1, 0] and d2r.tolist() == [1]
    s = score_detections({"a": np.array(ref)}, {"a": np.array(sorted(det))}, fs=360.0)
    assert (s.tp, s.fn, s.fp) == (3, 1, 2)
    assert s.se == pytest.approx(3 / 4) and s.ppv == pytest.approx(3 / 5)


def test_detector_on_real_records(mitdb):
    # Measured when written (2026-11-22): Se 99.74 %, +P 99.53 % on these five;
    # 100 is clean, 105 noisy, 119 bigeminy, 208 many PVCs and fusions, 232 long pauses.
    s = evaluate_detector(mitdb, ["100", "105", "119", "208", "232"], detector="pan_tompkins")
    assert s.se > 0.995 and s.ppv > 0.993
    assert s.per_record["100"] == {"tp": 2273, "fn": 0, "fp": 0}  # every beat of 100, nothing else


def test_known_r_peak_positions(mitdb):
    from arrhythmia.io import read_wfdb

    rec = read_wfdb(mitdb / "100")
    p = detect_r_peaks(rec.signal[0], rec.fs)
    ref = rec.annotations.beats().sample
    # every detection lands within 30 ms of its reference R peak on this clean record
    r2d, _ = match_beats(ref, p, 54)
    assert np.abs(p[r2d] - ref).max() <= int(0.03 * 360)


def test_resampled_input_still_works(mitdb):
    from arrhythmia.io import read_wfdb
    from arrhythmia.preprocessing import resample

    rec = read_wfdb(mitdb / "100")
    x = resample(rec.signal[0, : 360 * 120], 360, 250)
    p = detect_r_peaks(x, 250)
    ref = rec.annotations.beats().sample
    ref = ref[ref < 360 * 120] * 250 / 360
    r2d, d2r = match_beats(np.round(ref).astype(int), p, int(0.15 * 250))
    assert (r2d < 0).sum() <= 1 and (d2r < 0).sum() <= 1


def test_bad_signals(rng):
    assert detect_r_peaks(np.zeros(3600), 360).size == 0  # flat
    assert detect_r_peaks(rng.standard_normal(100), 360).size == 0  # shorter than 2 s
    with pytest.raises(ArrhythmiaError, match="NaN"):
        detect_r_peaks(np.r_[np.ones(5000), np.nan], 360)
    with pytest.raises(ArrhythmiaError, match="'fs'"):
        detect_r_peaks(np.ones(5000), 50)
    with pytest.raises(ArrhythmiaError, match="one lead"):
        detect_r_peaks(np.ones((2, 5000)), 360)


def test_noise_has_low_qrs_quality(rng, mitdb):
    from arrhythmia.io import read_wfdb

    noise = rng.standard_normal(360 * 60)
    assert qrs_quality(noise, 360, detect_r_peaks(noise, 360)) < QUALITY_MIN
    x = read_wfdb(mitdb / "208").signal[0, : 360 * 60]  # the lowest-scoring record when calibrated
    assert qrs_quality(x, 360, detect_r_peaks(x, 360)) > 2 * QUALITY_MIN


def test_peaks_cli(mitdb, tmp_path):
    out = tmp_path / "p.csv"
    p = run_cli("peaks", mitdb / "100", "--out", out)
    assert p.returncode == 0, p.stderr
    assert "2273 R peaks" in p.stdout
    assert len(out.read_text().splitlines()) == 2273 + 1
    p = run_cli("peaks", "--evaluate", "--records", "100,232", "--data-dir", mitdb)
    assert p.returncode == 0 and "Se" in p.stdout and "+P" in p.stdout
    assert_one_line_error(run_cli("peaks", "--evaluate", "--records", "999", "--data-dir", mitdb),
                          "Invalid value for '--records'")
    assert_one_line_error(run_cli("peaks", tmp_path / "missing.csv", "--fs", "360"), "missing.csv", "file not found")
    assert_one_line_error(run_cli("peaks", mitdb / "100", "--lead", "II"),
                          "Invalid value for 'lead': allowed 'MLII', 'V5', 'other'; got 'II'")
