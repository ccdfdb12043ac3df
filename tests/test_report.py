"""arrhythmia report: the PDF of a reviewed recording, checked by rendering its first page to PNG."""

from __future__ import annotations


import numpy as np
import pytest

from conftest import assert_one_line_error, run_cli


def _corrections(folder, rows):
    from arrhythmia.io.review import COLUMNS

    (folder / "corrections.csv").write_text(",".join(COLUMNS) + "\n" + "".join(r + "\n" for r in rows))


def test_report_uses_reviewed_labels_and_renders(results_copy, mitdb, tmp_path):
    import pypdfium2 as pdfium

    from arrhythmia.io.results import read_output
    from arrhythmia.reports.holter import report_data, write_report

    folder = results_copy / "119"
    out = read_output(folder)
    n_v = int(np.sum(out.label == "V"))
    s = int(out.sample[np.flatnonzero(out.label == "V")[0]])
    # one V beat relabelled N, and an AF episode from 600 s to 690 s (216000-248400 at 360 Hz) marked by hand
    _corrections(folder, [f"{s / 360:.3f},{s},relabel,V,N,t,,1", "600.000,216000,episode,,AF,t,248400,2"])
    d = report_data(folder)
    assert d.reviewed and d.n_corrections == 2 and d.counts["V"] == n_v - 1
    assert d.af_burden_pct == pytest.approx(100 * 90 / (650000 / 360), abs=0.01)  # 90 s of 1805.56 s
    pdf = write_report(folder, source=mitdb / "119")
    assert pdf == folder / "report.pdf"
    doc = pdfium.PdfDocument(str(pdf))
    assert len(doc) >= 2  # the summary, then strips
    page = doc[0]
    w, h = page.get_size()
    assert (round(w / 72 * 25.4), round(h / 72 * 25.4)) == (297, 210)  # A4 landscape, mm
    text = page.get_textpage().get_text_range()
    assert "reviewed labels (2 corrections)" in text and f"V {n_v - 1} " in text and "AF burden 4.98 %" in text
    png = tmp_path / "report_p1.png"
    img = page.render(scale=1).to_pil()
    img.save(png)
    a = np.asarray(img.convert("L"), dtype=float)
    assert a.shape[1] == 842 and abs(a.shape[0] - 595) <= 1 and a.std() > 5  # 841.9 x 595.3 pt; not blank
    strips = np.asarray(doc[1].render(scale=1).to_pil().convert("RGB"), dtype=int)
    pink = (strips[..., 0] > 230) & (strips[..., 1] < 225) & (strips[..., 2] < 225) & (strips[..., 1] > 150)
    assert pink.mean() > 0.02  # the ECG paper's grid


def test_report_cli_errors(tmp_path, results_copy):
    assert_one_line_error(run_cli("report", tmp_path), "summary.json", "not found")
    import json

    s = json.loads((results_copy / "100" / "summary.json").read_text())
    s.pop("source", None)  # an output written before summaries named their recording
    (results_copy / "100" / "summary.json").write_text(json.dumps(s))
    assert_one_line_error(run_cli("report", results_copy / "100"), "names no source recording")
