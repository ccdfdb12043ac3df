"""Contract tests over every registered R-peak detector (like test_models_contract.py for models)."""

import numpy as np
import pytest

from arrhythmia import ArrhythmiaError
from arrhythmia.evaluation.detection import match_beats
from arrhythmia.preprocessing.detectors import DEFAULT_DETECTOR, DETECTOR_NAMES, DETECTORS, Detection, detect, get_detector

# Written out by hand on purpose: registering a detector without adding it
# here fails test_every_registered_detector_is_tested.
TESTED = ["pan_tompkins", "fusion"]


def test_every_registered_detector_is_tested():
    assert sorted(TESTED) == sorted(DETECTOR_NAMES)
    assert DEFAULT_DETECTOR in DETECTOR_NAMES and set(DETECTORS) == set(DETECTOR_NAMES) | {"default"}
    assert get_detector("default").name == DEFAULT_DETECTOR


@pytest.fixture(scope="module")
def minute_100(mitdb):
    from arrhythmia.io import read_wfdb

    rec = read_wfdb(mitdb / "100")
    n = int(60 * rec.fs)
    ref = rec.annotations.beats().sample
    return rec.signal[:, :n], rec.fs, ref[ref < n]


@pytest.mark.parametrize("name", TESTED)
def test_contract(name, minute_100):
    sig, fs, ref = minute_100
    spec = get_detector(name)
    assert spec.name == name and spec.leads in (1, 2) and spec.summary
    d = spec.detect(sig, fs)
    assert isinstance(d, Detection) and d.detector == name and d.fs == fs
    assert d.peaks.dtype == np.int64 and np.all(np.diff(d.peaks) > 0)
    assert d.peaks.min() >= 0 and d.peaks.max() < sig.shape[1]
    efs = d.energy_fs or fs  # a detector may work at a lower rate inside
    assert d.energy.ndim == 1 and abs(d.energy.size - sig.shape[1] * efs / fs) <= 1 and np.isfinite(d.energy).all()
    assert d.lead_energy.shape == (spec.leads, d.energy.size)
    at = np.minimum((d.peaks * efs / fs).astype(int), d.energy.size - 1)
    assert d.threshold.shape == d.peaks.shape and (d.threshold > 0).all() and (d.energy[at] >= 0).all()
    assert d.leads_used == spec.leads
    # the first minute of record 100 is clean: every reference beat found within 150 ms, nothing else
    r2d, d2r = match_beats(ref, d.peaks, int(0.15 * fs))
    assert (r2d >= 0).all() and (d2r >= 0).all()
    # R peaks placed within 30 ms of MIT-BIH's marks on this record
    assert np.abs(d.peaks[r2d] - ref).max() <= int(0.03 * fs)
    # gain does not matter (the energy is divided by its running level)
    assert np.array_equal(spec.detect(sig * 1000.0, fs).peaks, d.peaks)
    # one lead is always accepted, by every detector
    one = spec.detect(sig[0], fs)
    assert one.leads_used == 1 and one.lead_energy.shape[0] == 1
    if spec.leads == 1:  # a one-lead detector ignores the second lead
        assert np.array_equal(one.peaks, d.peaks)


@pytest.mark.parametrize("name", TESTED)
def test_contract_bad_input(name, rng):
    spec = get_detector(name)
    assert spec.detect(np.zeros((2, 3600)), 360).peaks.size == 0  # flat
    assert spec.detect(rng.standard_normal(100), 360).peaks.size == 0  # shorter than 2 s
    with pytest.raises(ArrhythmiaError, match="NaN"):
        spec.detect(np.r_[np.ones(5000), np.nan], 360)
    with pytest.raises(ArrhythmiaError, match="'fs'"):
        spec.detect(np.ones(5000), 50)
    with pytest.raises(ArrhythmiaError, match="'signal'"):
        spec.detect(np.ones((2, 2, 5000)), 360)


def test_unknown_detector_is_one_line_error():
    with pytest.raises(ArrhythmiaError, match="Invalid value for 'detector': allowed 'pan_tompkins', 'fusion', 'default'"):
        detect(np.ones(5000), 360, detector="hamilton")
