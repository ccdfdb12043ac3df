"""The protocol benchmark, quick: every model, both protocols, a few records, one short epoch."""

import json

from arrhythmia.models import ARCHITECTURES
from conftest import run_cli


def test_benchmark_quick(mitdb, tmp_path):
    out = tmp_path / "res"
    p = run_cli("benchmark", "--quick", "--out", out, "--work", tmp_path / "work", "--data-dir", mitdb)
    assert p.returncode == 0, p.stderr
    res = json.loads((out / "results.json").read_text())
    rows = res["rows"]
    assert {(r["model"], r["protocol"]) for r in rows} == {(m, p) for m in ARCHITECTURES
                                                           for p in ("intra-patient", "inter-patient")}
    assert all(r["leaks_patients"] == (r["protocol"] == "intra-patient") for r in rows)
    md = (out / "results.md").read_text()
    assert "LEAKS PATIENTS" in md and "intra-patient (leaks)" in md
    assert res["meta"]["quick"] and res["meta"]["records"]
    import matplotlib.image as mpimg

    assert mpimg.imread(out / "results.png")[..., :3].std() > 0.01
