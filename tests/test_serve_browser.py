"""The review page in a real browser: Debian's Chromium, headless, driven by Playwright (no browser download).

Opens record 119, jumps to the next V beat, relabels it, deletes a beat, inserts one, relabels a template,
undoes that, and reads the saved .arrc with wfdb.rdann after each step that matters; then the report button. With
ARRHYTHMIA_UPDATE_SCREENSHOTS=1 it also writes the README's screenshots into docs/img/.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO

TOKEN = "browser-test-token"


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium not found: apt-get install chromium (CI's .ci/run installs it)")
    return path


@pytest.fixture
def server(results_copy, mitdb):
    """``arrhythmia serve`` started from the command line, on a free port of 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "arrhythmia", "serve", str(results_copy), "--port", str(port),
                             "--token", TOKEN, "--recordings", str(mitdb)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in proc.stdout:  # it prints the address once it is ready to listen
            lines.append(line)
            if line.startswith("open "):
                break
        assert lines and lines[-1].strip() == f"open http://127.0.0.1:{port}/?token={TOKEN}", "".join(lines)
        yield f"http://127.0.0.1:{port}", results_copy
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _api(base, method, path):
    import httpx

    r = httpx.request(method, f"{base}/api/{path}", headers={"X-Token": TOKEN}, timeout=60)
    r.raise_for_status()
    return r.json()


def _arrc(folder: Path):
    import wfdb

    a = wfdb.rdann(str(folder / "119" / "119"), "arrc")
    return dict(zip(np.asarray(a.sample).tolist(), a.symbol))


def _state(page, expr):
    return page.evaluate(f"() => {{ const s = window.review, b = s.beats; return {expr}; }}")


def test_review_in_chromium(server, tmp_path):
    from playwright.sync_api import sync_playwright

    base, results = server
    shots = tmp_path / "img"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/?token={TOKEN}")
        page.wait_for_selector("body[data-ready=list]")
        assert page.locator("#recordings tbody tr").count() == 2
        page.click('tr[data-id="119"]')
        page.wait_for_selector("body[data-ready=ecg]")
        page.wait_for_selector("body[data-drawn]")

        # jump to the next V beat and relabel it N
        centre = _state(page, "s.view.t0 + s.view.span / 2")  # 5 s: the first 10 s are shown
        page.keyboard.press("Shift+V")
        v_sample, v_label = _state(page, "[b.sample[s.selected], b.label[s.selected]]")
        assert v_label == "V"
        beats = _api(base, "GET", "recordings/119/beats")
        assert v_sample == next(s for s, c in zip(beats["sample"], beats["label"]) if c == "V" and s > centre * 360)
        page.keyboard.press("n")
        page.wait_for_function(f"() => window.review.beats.label[window.review.beats.lower({v_sample})] === 'N'")
        assert "selected beat" in page.inner_text("#status")
        # the next beat to review: the first later one under its model class's threshold (the summary's rule)
        page.keyboard.press("Shift+L")
        low, rule = _state(page, "[s.selected, s.rec.review_below]")
        assert set(rule) == set("NSVFQ")
        summary = json.loads((results / "119" / "summary.json").read_text())
        from arrhythmia.evaluation.calibration import review_mask
        from arrhythmia.io.results import read_output

        out = read_output(results / "119")
        want = review_mask(out.label, out.confidence, summary["review_below"])
        assert beats["review"] == "".join("1" if f else "0" for f in want)  # the rule on the confidences beats.csv holds
        flagged = [i for i, f in enumerate(beats["review"]) if f == "1" and beats["sample"][i] > v_sample]
        assert flagged and low == flagged[0]

        # select the next beat and delete it
        page.keyboard.press(".")
        gone = _state(page, "b.sample[s.selected]")
        n_before = _state(page, "b.length")
        page.keyboard.press("Delete")
        page.wait_for_function(f"() => window.review.beats.length === {n_before - 1}")

        # double-click 30 ms after where it was: a beat is inserted on the nearest R peak
        box = page.locator("#ecg").bounding_box()
        t0, span = _state(page, "[s.view.t0, s.view.span]")
        x = box["x"] + ((gone / 360 + 0.03) - t0) / span * box["width"]
        page.mouse.dblclick(x, box["y"] + box["height"] / 2)
        page.wait_for_function(f"() => window.review.beats.length === {n_before}")
        inserted = _state(page, "b.sample[s.selected]")
        assert abs(inserted - gone) <= 4, (inserted, gone)  # back on the R peak the detector had found
        page.screenshot(path=str(shots / "review_ecg.png"))

        _api(base, "POST", "recordings/119/flush")
        sym = _arrc(results)
        assert sym[v_sample] == "N" and sym[inserted] == "N"
        assert gone not in sym or gone == inserted

        # templates: relabel a V template F in one step
        page.keyboard.press("g")
        page.wait_for_selector("body[data-ready=templates]")
        page.wait_for_selector(".tpl canvas")
        page.screenshot(path=str(shots / "review_templates.png"), full_page=True)
        tpl = _api(base, "GET", "recordings/119/templates")
        g = min((g for g in tpl["groups"] if g["label"] == "V"), key=lambda g: g["count"])
        members = g["samples"]  # the beats its card overlays (all of them: it is the smallest V template)
        assert len(members) == g["count"] <= 30
        n_corr = _api(base, "GET", "recordings/119")["n_corrections"]
        page.click(f'.tpl[data-group="{g["id"]}"] button[data-k="F"]')
        page.wait_for_function(f"() => window.review.rec.n_corrections === {n_corr + 1}")
        _api(base, "POST", "recordings/119/flush")
        sym = _arrc(results)
        now_f = [s for s in members if sym.get(s) == "F"]
        assert len(now_f) == g["count"], (len(now_f), g["count"])

        # one undo reverts the whole template
        page.keyboard.press("u")
        page.wait_for_function(f"() => window.review.rec.n_corrections === {n_corr}")
        _api(base, "POST", "recordings/119/flush")
        sym = _arrc(results)
        assert not any(sym.get(s) == "F" for s in members) and sym[v_sample] == "N"
        # the report button writes the PDF with the reviewed labels and hands it to the browser
        page.keyboard.press("g")
        page.wait_for_selector("body[data-ready=ecg]")
        with page.expect_download(timeout=60_000) as dl:
            page.click("#btn-report")
        assert Path(dl.value.path()).read_bytes()[:5] == b"%PDF-"
        assert (results / "119" / "report.pdf").is_file()
        browser.close()
    assert not errors, errors
    log = (results / "119" / "corrections.csv").read_text().splitlines()
    assert [r.split(",")[2] for r in log[1:4]] == ["relabel", "delete", "insert"] and log[-1].split(",")[2] == "undo"
    if os.environ.get("ARRHYTHMIA_UPDATE_SCREENSHOTS") == "1":
        for f in shots.iterdir():
            shutil.copy(f, REPO / "docs" / "img" / f.name)
