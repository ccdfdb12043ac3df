"""evaluate --detect: detections matched to reference beats; missed and extra beats counted."""

import json

import numpy as np

from arrhythmia.experiments.pipeline_eval import pipeline_stats
from conftest import run_cli


def test_pipeline_stats_by_hand():
    cm = np.zeros((6, 6), int)
    cm[0, 0] = 90   # N -> N
    cm[1, 1] = 8    # S -> S
    cm[1, 5] = 2    # two S beats missed by the detector
    cm[5, 1] = 4    # four extra detections called S
    st = pipeline_stats(cm)
    assert st["per_class"]["S"]["se"] == 8 / 10
    assert st["per_class"]["S"]["ppv"] == 8 / 12
    assert st["detection"] == {"reference_beats": 100, "matched": 98, "missed": 2, "extra": 4,
                               "se": 0.98, "ppv": 98 / 102}


def test_evaluate_detect(tiny_bundle, mitdb, tmp_path):
    p = run_cli("evaluate", tiny_bundle, "--detect", "--out", tmp_path / "d", "--data-dir", mitdb)
    assert p.returncode == 0, p.stderr
    m = json.loads((tmp_path / "d" / "metrics.json").read_text())
    assert m["records"] == ["100", "105"]
    cm = np.array(m["confusion_matrix"])
    assert cm[:5].sum() == 2273 + 2572  # every reference beat of 100 and 105 is counted
    assert m["detection"]["se"] > 0.99
    rows = (tmp_path / "d" / "predictions.csv").read_text().splitlines()
    assert len(rows) - 1 == cm[:5].sum() + cm[5].sum()
    # the EC57 block is bxb's scoring of the .arr files written (recomputed here from those files)
    from arrhythmia.evaluation.compare import compare_folders

    for key, start in (("from_300_s", 300.0), ("from_0_s", 0.0)):
        g = compare_folders(mitdb, tmp_path / "d" / "annotations", "arr", start_s=start, records="100,105")
        text_gross = g.text.split("\nGross")[1].split()[:6]
        ours = [m["ec57_bxb"][key][k] for k in ("qrs_se", "qrs_ppv", "veb_se", "veb_ppv", "sveb_se", "sveb_ppv")]
        assert ["-" if v is None else f"{100 * v:.2f}" for v in ours] == text_gross
