"""The nst-style noise-stress builder against the published MIT-BIH Noise Stress Test records."""

import numpy as np
import pytest

from arrhythmia import ArrhythmiaError
from arrhythmia.datasets import noise_stress as ns


def _digital(path):
    import wfdb

    r = wfdb.rdrecord(str(path), physical=False)
    return r.d_signal.T.astype(np.float64), r


def test_trimmed_mean_and_protocol_by_hand():
    # 40 values 1..40: 40 // 20 = 2 dropped at each end -> mean of 3..38 = 20.5
    assert ns.trimmed_mean(np.arange(1, 41)) == pytest.approx(20.5)
    # 5 min clean, then 2-min noisy / clean segments at 360 Hz: 108000, 151200, 194400, ...
    seg = ns.noisy_segments(650000, 360.0)
    assert seg[:2].tolist() == [[108000, 151200], [194400, 237600]]
    assert seg[-1].tolist() == [626400, 650000]  # the last noisy segment is cut at the end
    assert ns.noisy_segments(100000, 360.0).shape == (0, 2)  # under 5 minutes: no noise at all
    # SNR 0 dB, ptp 8, rms 1: S = 64/8 = 8, N = a**2 -> a = sqrt(8)
    assert ns.nst_gain(0, 8.0, 1.0) == pytest.approx(np.sqrt(8.0))
    assert [ns.snr_suffix(v) for v in (24, 6, 0, -6)] == ["24", "06", "00", "_6"]


def test_offsets_keep_the_output_continuous():
    x = np.zeros((1, 10))
    noise = np.arange(10.0)[None] + 5
    out = ns.add_noise(x, noise, [2.0], np.array([[3, 6]]))
    # from sample 3: 2 * (noise - noise[2]) = 2 * (t - 2); after 6 the offset of sample 5 stays
    assert out[0].tolist() == [0, 0, 0, 2, 4, 6, 6, 6, 6, 6]


@pytest.mark.parametrize("record", ["118e12", "119e06"])
def test_reproduces_published_records(mitdb, nstdb, record):
    """nst -i mitdb/118 nstdb/em -o 118e12 -s 12 (nstdbgen), in ADC units with nst's integer arithmetic.

    Tolerance: exact at every sample but the last. At the record's last
    sample nst rewinds the noise record (its length equals the ECG's) and
    recomputes the offset from the raw input sample, before it removed the
    input's ADC zero (1024), so its last output sample is the one before it
    minus 1023-1025: an artefact of nst's loop, not of the gain rule.
    """
    import wfdb

    clean, hdr = _digital(mitdb / record[:3])
    clean -= np.asarray(hdr.adc_zero, float)[:, None]  # nst removes the ADC zero (1024)
    ann = wfdb.rdann(str(mitdb / record[:3]), "atr")
    noise, _ = _digital(nstdb / "em")
    published, _ = _digital(nstdb / record)
    snr = float(record[4:].replace("_", "-"))
    gains = ns.nst_gain(snr, ns.qrs_peak_to_peak(clean, 360.0, ann.sample, ann.symbol),
                        ns.noise_rms(noise, 360.0, integer=True))
    out = ns.add_noise(clean, noise, gains, ns.noisy_segments(clean.shape[1], 360.0), integer=True)
    assert np.array_equal(out[:, :-1], published[:, :-1])
    assert np.abs(published[:, -1] - published[:, -2]).min() >= 1023


def test_stress_recording_in_millivolts(mitdb, nstdb):
    """The library path (mV, no integer rounding) against 118e12 read in mV.

    Tolerance: nst truncates to integers (1 ADC unit = 0.005 mV) and sigamp
    truncates each deviation of the noise from its mean before squaring, which
    lowers its RMS by up to 2 % on em's second lead (21 ADC units RMS); so the
    gains agree within 2.5 % and the samples within 0.05 mV (RMS 0.02 mV),
    against noise of 0.5-3 mV peak to peak.
    """
    from arrhythmia.io import read_wfdb

    rec = read_wfdb(mitdb / "118")
    st = ns.stress_recording(rec, nstdb, "em", 12)
    pub = read_wfdb(nstdb / "118e12")
    assert st.recording.name == "118e12" and st.recording.fs == 360.0
    # published physical values carry a -1024/200 = -5.12 mV offset (ADC zero removed, baseline kept at 1024)
    d = (pub.signal + 5.12 - st.recording.signal)[:, :-1]
    assert np.abs(d).max() < 0.05 and np.sqrt((d ** 2).mean()) < 0.02
    assert np.array_equal(st.recording.signal[:, :108000], rec.signal[:, :108000])  # first 5 minutes untouched
    nst_gains = np.array([0.74409, 1.92096])  # printed by the integer path of test_reproduces_published_records
    assert np.allclose(st.gains, nst_gains, rtol=0.025)
    assert np.array_equal(st.recording.annotations.sample, rec.annotations.sample)


def test_shifted_noise_holds_none_of_the_published_records_noise_samples(mitdb, nstdb):
    """noise_shift_s=120: the noise added in each 2-minute noisy segment is the em record's noise 2 minutes later
    (the samples of the published copies' clean segments, or before 5:00), so no sample of the noise that 118e12
    holds is in it."""
    from arrhythmia.io import read_wfdb

    rec = read_wfdb(mitdb / "118")
    st = ns.stress_recording(rec, nstdb, "em", 12, noise_shift_s=120)
    assert st.recording.name == "118e12s120" and "noise taken 120 s later" in st.recording.notes[-1]
    fs, em = 360, ns.read_noise(nstdb, "em", 360.0)
    added = st.recording.signal - rec.signal
    for a, b in st.segments[:3]:  # noisy [a, b): the gain times the noise from a + 120 s, less the continuity offset
        want = st.gains[:, None] * em[:, a + 120 * fs:b + 120 * fs]
        np.testing.assert_allclose(added[:, a:b] - (added[:, a:b] - want).mean(1, keepdims=True), want, atol=1e-9)
    n = em.shape[1]
    noisy = np.zeros(n, bool)                        # em's samples in the published copies: those of their noisy time
    for a, b in ns.noisy_segments(n, fs):
        noisy[a:b] = True
    used = np.concatenate([np.arange(a, b) for a, b in st.segments]) + 120 * fs  # the shifted copy's (circularly)
    assert not noisy[used % n].any()
    with pytest.raises(ArrhythmiaError, match="Invalid value for 'noise_shift_s'"):
        ns.stress_recording(rec, nstdb, "em", 12, noise_shift_s=-1)


def test_bad_input_is_one_line(mitdb, nstdb, tmp_path):
    from arrhythmia.io import read_wfdb

    rec = read_wfdb(mitdb / "100")
    for bad in ("loud", float("nan"), 100):
        with pytest.raises(ArrhythmiaError, match="Invalid value for 'snr'"):
            ns.stress_recording(rec, nstdb, "em", bad)
    with pytest.raises(ArrhythmiaError, match="Invalid value for 'noise': allowed 'bw', 'em', 'ma'; got 'pink'"):
        ns.stress_recording(rec, nstdb, "pink", 12)
    with pytest.raises(ArrhythmiaError, match="noise record 'ma' not found"):
        ns.stress_recording(rec, tmp_path, "ma", 12)


def test_write_record_round_trip(mitdb, nstdb, tmp_path):
    from arrhythmia.io import read_wfdb

    rec = read_wfdb(mitdb / "100")
    st = ns.stress_recording(rec, nstdb, "ma", 6)
    path = ns.write_record(st.recording, tmp_path)
    back = read_wfdb(path)
    assert back.name == "100m06" and back.leads == rec.leads
    assert np.abs(back.signal - st.recording.signal).max() <= 0.5 / 200 + 1e-9  # format 16, 200 units per mV
    assert np.array_equal(back.annotations.sample, rec.annotations.sample)
