"""Corrections log, replay and the reviewed WFDB annotation file (.arrc), on hand-made cases and a real record."""

from __future__ import annotations

import numpy as np
import pytest

from arrhythmia.errors import ArrhythmiaError
from arrhythmia.io.review import COLUMNS, Correction, Mark, last_active_batch, read_corrections, replay
from arrhythmia.io.reviewed import list_reviewed, read_reviewed, reviewed_beats, write_reviewed
from arrhythmia.io.results import find_outputs, read_output, safe_name

SAMPLES = np.array([100, 400, 700, 1000, 1300])
LABELS = np.array(list("NNVNN"))
CONF = np.array([0.9, 0.8, 0.99, 0.7, 0.95], np.float32)


def test_replay_applies_each_action_by_hand():
    cs = [Correction("relabel", 400, "N", "S", batch=1),
          Correction("delete", 1000, "N", batch=2),
          Correction("insert", 850, "", "V", batch=3),
          Correction("relabel", 850, "V", "F", batch=4),  # an inserted beat relabelled stays inserted
          Correction("noise", 1100, "", "noise", end_sample=1250, batch=5),
          Correction("episode", 50, "", "AF", end_sample=720, batch=6)]
    b = replay(SAMPLES, LABELS, CONF, cs)
    assert b.sample.tolist() == [100, 400, 700, 850, 1300]
    assert "".join(b.label) == "NSVFN"
    assert b.model_label.tolist() == ["N", "N", "V", "", "N"]
    assert np.isnan(b.confidence[3]) and b.confidence[1] == pytest.approx(0.8)
    assert b.changed.tolist() == [False, True, False, True, False]
    assert b.noise == [Mark(1100, 1250, "noise")] and b.episodes == [Mark(50, 720, "AF")]
    assert b.n_corrections == 6


def test_undo_is_a_stack_of_batches():
    cs = [Correction("relabel", 100, "N", "V", batch=1), Correction("relabel", 400, "N", "V", batch=1),
          Correction("delete", 700, "V", batch=2)]
    assert last_active_batch(cs) == 2
    cs.append(Correction("undo", None, "", "2", batch=3))
    assert last_active_batch(cs) == 1
    b = replay(SAMPLES, LABELS, CONF, cs)
    assert b.sample.tolist() == SAMPLES.tolist() and "".join(b.label) == "VVVNN"  # batch 1 (two beats) stays
    cs.append(Correction("undo", None, "", "1", batch=4))
    assert last_active_batch(cs) is None
    b = replay(SAMPLES, LABELS, CONF, cs)
    assert "".join(b.label) == "NNVNN" and b.n_corrections == 0


def test_corrections_csv_round_trip_and_a_torn_last_line(tmp_path):
    p = tmp_path / "corrections.csv"
    rows = [Correction("relabel", 400, "N", "S", "2026-01-01T00:00:00+00:00", None, 1),
            Correction("noise", 10, "", "unreadable", "2026-01-01T00:00:01+00:00", 90, 2)]
    p.write_text(",".join(COLUMNS) + "\n" + "".join(",".join(map(str, r.row(360.0))) + "\n" for r in rows))
    assert read_corrections(p) == rows
    with open(p, "a") as f:
        f.write("3.0,1080,rel")  # a crash while appending: the row was never confirmed
    assert read_corrections(p) == rows
    p.write_text(",".join(COLUMNS) + "\n1,2,bogus,,,,,1\n1,360,relabel,N,S,now,,2\n")  # a bad row before the last
    with pytest.raises(ArrhythmiaError, match="line 2"):
        read_corrections(p)
    (tmp_path / "bad.csv").write_text("a,b\n")
    with pytest.raises(ArrhythmiaError, match="not a corrections log"):
        read_corrections(tmp_path / "bad.csv")


def test_arrc_is_wfdb_and_reads_back(results_copy):
    import wfdb

    folder = results_copy / "119"
    out = read_output(folder)
    s0, s1 = int(out.sample[0]), int(out.sample[1])
    cs = [Correction("relabel", s0, str(out.label[0]), "V", batch=1), Correction("delete", s1, str(out.label[1]), batch=2),
          Correction("insert", s1 + 3, "", "N", batch=3),
          Correction("noise", 50_000, "", "noise", end_sample=52_000, batch=4),
          Correction("noise", 60_000, "", "unreadable", end_sample=61_000, batch=5),
          Correction("episode", 100_000, "", "VT", end_sample=101_000, batch=6)]
    b = replay(out.sample, out.label, out.confidence, cs)
    write_reviewed(b, folder, out.record_name, out.fs)
    a = wfdb.rdann(str(folder / "119"), "arrc")
    beats = np.isin(a.symbol, list("NSVFQ"))
    assert np.array_equal(np.asarray(a.sample)[beats], b.sample)
    assert "".join(np.asarray(a.symbol)[beats]) == "".join(b.label)
    aux = dict(zip(a.sample, a.aux_note))
    assert aux[s0] == f"rev was={out.label[0]}" and aux[s1 + 3] == "rev added"
    assert aux[int(out.sample[2])] == f"p={out.confidence[2]:.2f}"
    noise = [(s, t) for s, y, t in zip(a.sample, a.symbol, a.subtype) if y == "~"]
    assert noise == [(50_000, 3), (52_000, 0), (60_000, -1), (61_000, 0)]  # 3: both leads noisy; -1: unreadable
    rhythm = [(s, x) for s, y, x in zip(a.sample, a.symbol, a.aux_note) if y == "+"]
    assert rhythm == [(100_000, "(VT"), (101_000, "(N")]
    r = read_reviewed(folder)
    assert np.array_equal(r.sample, b.sample) and r.noise == b.noise and r.episodes == b.episodes
    assert (folder / "119.arr").read_bytes() == (read_output(folder).folder / "119.arr").read_bytes()


def test_listing_reviewed_folders(results_copy):
    assert [p.name for p in find_outputs(results_copy)] == ["100", "119"]
    assert list_reviewed(results_copy) == []
    out = read_output(results_copy / "100")
    (results_copy / "100" / "corrections.csv").write_text(
        ",".join(COLUMNS) + "\n" + ",".join(map(str, Correction("delete", int(out.sample[5]), "N", "t", None, 1)
                                                  .row(out.fs))) + "\n")
    b = reviewed_beats(results_copy / "100")
    write_reviewed(b, results_copy / "100", "100", out.fs)
    rows = list_reviewed(results_copy)
    assert [r["record"] for r in rows] == ["100"] and rows[0]["n_corrections"] == 1
    assert read_reviewed(results_copy / "100").sample.size == out.sample.size - 1
    with pytest.raises(ArrhythmiaError, match="not been reviewed"):
        read_reviewed(results_copy / "119")


def test_safe_name():
    assert safe_name("ecg 01.csv") == "ecg_01_csv" and safe_name("a-b_c") == "a-b_c"
