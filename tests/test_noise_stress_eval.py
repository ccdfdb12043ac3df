"""evaluate --noise-stress: the whole pipeline on the noise stress records, and its one-line errors."""

import json

import numpy as np

from arrhythmia.experiments.noise_stress import run_noise_stress
from conftest import assert_one_line_error, run_cli


def test_published_records_at_24_db(nstdb, tmp_path):
    res = run_noise_stress(nstdb, tmp_path / "ns", snrs=(24,), detectors=("pan_tompkins", "fusion"))
    assert res["records"] == ["118e24", "119e24"]
    rows = {r["detector"]: r for r in res["rows"]}
    # reference beats of 118 and 119 from 5:00: 1,916 + 1,661 (their .atr beats at or after sample 108,000;
    # WFDB bxb's rows for 118 and 119 in ../shared/golden/bxb-gqrs-from-5min.txt count the same)
    assert {r["reference_beats"] for r in rows.values()} == {3577}
    f = rows["fusion"]
    # measured: 100, 100 % and V +P 97.2 % with the DS1 + svdb default model of 2026-12-02 (100 % with the previous one)
    assert f["qrs_se"] >= 0.999 and f["qrs_ppv"] >= 0.999 and f["veb_ppv"] >= 0.97
    for r in rows.values():  # what the policy removes is what it removes: the two scorings differ by exactly that
        assert r["false_beats_removed"] >= 0 and r["true_beats_lost"] >= 0
        assert 0 <= r["unreadable_s"] <= r["scored_s"]
    assert json.loads((tmp_path / "ns" / "noise_stress.json").read_text())["rows"][0]["snr_db"] == 24
    assert "| 24 | fusion |" in (tmp_path / "ns" / "noise_stress.md").read_text()


def test_copies_of_any_record(mitdb, nstdb, tmp_path):
    res = run_noise_stress(nstdb, tmp_path / "ns", data_dir=mitdb, records=("100",), noises=("ma",), snrs=(6,),
                           detectors=("fusion",), save_records=True)
    assert res["records"] == ["100m06"] and res["noises"] == ["ma"]
    assert (tmp_path / "ns" / "records" / "100m06.hea").is_file()
    # 100 holds 2,273 beats, 1,902 of them from 5:00 (its .atr; bxb's row for 100 in
    # ../shared/golden/bxb-gqrs-from-5min.txt: Nn 1901 + Vn 1)
    assert res["rows"][0]["reference_beats"] == 1902


def test_scores_the_classes_annotate_gives(nstdb):
    """The noise stress rows score the post-processed classes annotate writes for readable beats (the network's own
    in unreadable seconds, where annotate writes Q), or the network's own throughout with adapt=False: on 119e12 (ventricular bigeminy under 12 dB of motion noise) the shipped model's
    clusters change some classes, and each scoring counts exactly its own labels."""
    from arrhythmia.evaluation.ec57 import compare_beats
    from arrhythmia.experiments.noise_stress import published_cases, score_case
    from arrhythmia.inference.annotate import default_model_path
    from arrhythmia.inference.runners import load_runner
    from arrhythmia.labels import AAMI_CLASSES
    from arrhythmia.pipeline.process import classify_recording

    case = next(c for c in published_cases(nstdb, (12,)) if c.name == "119e12")
    runner = load_runner(default_model_path(), "onnx")
    on, off = score_case(case, runner, "fusion"), score_case(case, runner, "fusion", adapt=False)
    ann = classify_recording(case.recording, runner, detector="fusion")
    lab = ann.proba_model.argmax(1)
    lab[ann.readable] = ann.proba[ann.readable].argmax(1)
    ref = case.recording.annotations
    want = compare_beats(ref.sample, ref.symbol, ann.sample, list(map(str, np.asarray(AAMI_CLASSES)[lab])),
                         case.recording.fs, start_s=300, end_sample=case.recording.n_samples, record=case.name)
    assert on["all"].veb == want.veb and on["all"].qrs_tp == off["all"].qrs_tp  # same beats, other classes
    assert on["all"].veb != off["all"].veb


def test_one_line_errors(mitdb, nstdb, tmp_path):
    base = ("evaluate", "--noise-stress", "--data-dir", mitdb, "--nstdb", nstdb)
    assert_one_line_error(run_cli(*base, "--snr", "loud", "--out", tmp_path / "a"), "Invalid value for 'snr'")
    assert_one_line_error(run_cli(*base, "--snr", "7", "--out", tmp_path / "b"),
                          "Invalid value for '--snr': allowed 24, 18, 12, 6, 0, -6")
    assert_one_line_error(run_cli(*base, "--records", "100", "--noise", "pink", "--out", tmp_path / "c"),
                          "Invalid value for 'noise': allowed 'bw', 'em', 'ma'; got 'pink'")
    assert_one_line_error(run_cli(*base, "--detector", "hamilton", "--out", tmp_path / "d"),
                          "Invalid value for '--detector'")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(run_cli("evaluate", "--noise-stress", "--data-dir", mitdb, "--nstdb", empty, "--records",
                                  "100", "--noise", "ma", "--out", tmp_path / "e"), "noise record 'ma' not found")
    assert_one_line_error(run_cli("evaluate", "--noise-stress", "--data-dir", mitdb, "--nstdb", empty,
                                  "--out", tmp_path / "f"), "118e24")
    assert not any((tmp_path / n).exists() for n in "abcdef")  # no half-written output
