"""The review app's REST API with FastAPI's test client, on records 100 and 119 annotated by the shipped model."""

from __future__ import annotations

import numpy as np
import pytest

TOKEN = "test-token"
H = {"X-Token": TOKEN}


@pytest.fixture
def client(results_copy, mitdb):
    from fastapi.testclient import TestClient

    from arrhythmia.serve import create_app

    app = create_app(results_copy, TOKEN, recordings=mitdb)
    with TestClient(app, headers=H) as c:
        c.results = results_copy
        yield c


def _beats(c, rec="119", **q):
    r = c.get(f"/api/recordings/{rec}/beats", params=q)
    assert r.status_code == 200, r.text
    return r.json()


def test_list_and_meta(client):
    from arrhythmia.io.results import read_output

    rows = {r["id"]: r for r in client.get("/api/recordings").json()["recordings"]}
    assert sorted(rows) == ["100", "119"]
    out = read_output(client.results / "119")
    assert rows["119"]["n_beats"] == out.sample.size and rows["119"]["n_corrections"] == 0
    assert rows["119"]["V_burden_pct"] == pytest.approx(100 * np.mean(out.label == "V"), abs=0.01)
    m = client.get("/api/recordings/119").json()
    # MIT-BIH 119: 650,000 samples per signal at 360 Hz, leads MLII and V1 (its header)
    assert (m["n_samples"], m["fs"], m["leads"]) == (650000, 360.0, ["MLII", "V1"])
    assert m["beats_per_class"]["V"] == int(np.sum(out.label == "V"))


def test_signal_window_is_the_min_max_of_the_record(client, mitdb):
    import wfdb

    rec = wfdb.rdrecord(str(mitdb / "119"), sampfrom=3600, sampto=7200)  # 10 s to 20 s
    x = rec.p_signal.T
    j = client.get("/api/recordings/119/signal", params={"start": 10, "end": 20, "points": 400}).json()
    step = j["step"]
    assert step >= 3600 // 400 and j["start_sample"] == (3600 // step) * step and j["n"] <= 401
    # each point: the min and max of its samples, in microvolts
    a = j["start_sample"]
    full = wfdb.rdrecord(str(mitdb / "119"), sampfrom=a, sampto=a + step * 100).p_signal.T
    blocks = full[:, : step * 100].reshape(2, 100, step)
    assert np.abs(np.asarray(j["min"])[:, :100] - np.round(blocks.min(2) * 1000)).max() <= 1
    assert np.abs(np.asarray(j["max"])[:, :100] - np.round(blocks.max(2) * 1000)).max() <= 1
    raw = client.get("/api/recordings/119/signal", params={"start": 10, "end": 11, "points": 2000}).json()
    assert raw["step"] == 1 and raw["max"] is None
    assert np.abs(np.asarray(raw["min"])[:, :360] - np.round(x[:, :360] * 1000)).max() <= 1
    whole = client.get("/api/recordings/119/signal", params={"start": 0, "end": 650000 / 360, "points": 1000}).json()
    assert whole["n"] <= 1000 and whole["n"] * whole["step"] >= 650000


def test_relabel_delete_insert_undo_saved_at_once(client):
    import wfdb

    b = _beats(client)
    v = b["label"].index("V")
    s_v, s_del = b["sample"][v], b["sample"][v + 3]
    r = client.post("/api/recordings/119/corrections", json={"action": "relabel", "sample": s_v, "label": "N"})
    assert r.status_code == 200 and r.json()["n_corrections"] == 1
    assert client.post("/api/recordings/119/corrections", json={"action": "delete", "sample": s_del}).status_code == 200
    # a click 20 samples (56 ms) after the deleted beat's R peak: the beat goes back onto that peak
    r = client.post("/api/recordings/119/corrections", json={"action": "insert", "sample": s_del + 20, "label": "S"})
    assert r.status_code == 200 and abs(r.json()["sample"] - s_del) <= 3, r.json()
    ins = r.json()["sample"]
    csv = (client.results / "119" / "corrections.csv").read_text().splitlines()
    assert csv[0] == "time_s,sample,action,old,new,when,end_sample,batch" and len(csv) == 4
    assert csv[1].startswith(f"{s_v / 360:.3f},{s_v},relabel,V,N,")
    client.post("/api/recordings/119/flush")
    a = wfdb.rdann(str(client.results / "119" / "119"), "arrc")
    sym = dict(zip(a.sample, a.symbol))
    assert sym[s_v] == "N" and sym[ins] == "S" and (s_del not in sym or s_del == ins)
    assert len(a.sample) == len(b["sample"])  # one deleted, one inserted
    after = _beats(client)
    assert after["model_label"][after["sample"].index(ins)] == "-"
    # undo reaches back through every correction, one at a time
    for n in (2, 1, 0):
        assert client.post("/api/recordings/119/undo").json()["n_corrections"] == n
    assert _beats(client) == b
    r = client.post("/api/recordings/119/undo")
    assert r.status_code == 400 and "Nothing to undo" in r.json()["detail"]
    client.post("/api/recordings/119/flush")
    a = wfdb.rdann(str(client.results / "119" / "119"), "arrc")
    assert list(a.sample) == b["sample"] and "".join(a.symbol) == b["label"]


def test_a_reopened_server_replays_the_log(results_copy, mitdb):
    from fastapi.testclient import TestClient

    from arrhythmia.serve import create_app

    with TestClient(create_app(results_copy, TOKEN, recordings=mitdb), headers=H) as c:
        s = _beats(c, "100")["sample"][10]
        c.post("/api/recordings/100/corrections", json={"action": "relabel", "sample": s, "label": "Q"})
    (results_copy / "100" / "100.arrc").unlink()  # as if the server died before writing it
    with TestClient(create_app(results_copy, TOKEN, recordings=mitdb), headers=H) as c:
        b = _beats(c, "100")
        assert b["label"][10] == "Q" and c.get("/api/recordings/100").json()["n_corrections"] == 1
        c.post("/api/recordings/100/flush")
    assert (results_copy / "100" / "100.arrc").is_file()


def test_marks_events_and_overview(client):
    fs = 360
    r = client.post("/api/recordings/119/corrections",
                    json={"action": "episode", "start": 100 * fs, "end": 130 * fs, "kind": "VT"})
    assert r.status_code == 200
    r = client.post("/api/recordings/119/corrections",
                    json={"action": "episode", "start": 120 * fs, "end": 140 * fs, "kind": "AF"})
    assert r.status_code == 400 and "overlaps" in r.json()["detail"]
    assert client.post("/api/recordings/119/corrections",
                       json={"action": "noise", "start": 200 * fs, "end": 210 * fs, "kind": "unreadable"}).status_code == 200
    ev = client.get("/api/recordings/119/events", params={"start": 90, "end": 220}).json()
    assert [(e["kind"], e["start_s"], e["end_s"]) for e in ev["episodes"]] == [("VT", 100.0, 130.0)]
    assert [(e["kind"], e["start_s"]) for e in ev["noise"]] == [("unreadable", 200.0)]
    assert all(e["end_s"] >= 90 and e["start_s"] <= 220 for e in ev["runs"]) and ev["runs"]
    ov = client.get("/api/recordings/119/overview", params={"bins": 30}).json()
    b = _beats(client)
    assert sum(ov["V"]) == b["label"].count("V") and len(ov["hr_bpm"]) == 30
    # heart rate of the first minute by hand: 60 / mean RR of the beats in it (RR <= 3 s)
    t = np.asarray(b["sample"]) / fs
    rr = np.diff(t)[t[1:] < 60.18518518]
    assert ov["hr_bpm"][0] == pytest.approx(60 / rr[rr <= 3].mean(), abs=0.1)
    r = client.post("/api/recordings/119/corrections",
                    json={"action": "unmark", "what": "episode", "start": 100 * fs, "end": 130 * fs, "kind": "VT"})
    assert r.status_code == 200
    assert client.get("/api/recordings/119/events").json()["episodes"] == []


def test_template_relabel_is_one_correction_and_one_undo(client):
    tpl = client.get("/api/recordings/119/templates").json()
    groups = tpl["groups"]
    assert sum(g["count"] for g in groups) == len(_beats(client)["sample"])
    assert [g["count"] for g in groups] == sorted((g["count"] for g in groups), reverse=True)
    g = next(g for g in groups if g["label"] == "V" and g["count"] >= 20)
    assert len(g["overlay_uV"]) == min(30, g["count"]) and len(g["mean_uV"]) == 2 and len(g["mean_uV"][0]) == 48
    before = _beats(client)
    r = client.post(f"/api/recordings/119/templates/{g['id']}/label", json={"label": "F", "templates_id": tpl["templates_id"]})
    assert r.status_code == 200 and r.json()["changed"] == g["label_counts"]["V"] + sum(
        v for k, v in g["label_counts"].items() if k not in ("V", "F")) and r.json()["n_corrections"] == 1
    after = _beats(client)
    changed = [i for i, (x, y) in enumerate(zip(before["label"], after["label"])) if x != y]
    assert len(changed) == r.json()["changed"] and all(after["label"][i] == "F" for i in changed)
    assert client.post("/api/recordings/119/undo").json()["changed"] == len(changed)
    assert _beats(client) == before
    # the grouping is kept while the beats stay; an insert makes it stale
    s = before["sample"][5]
    client.post("/api/recordings/119/corrections", json={"action": "delete", "sample": s})
    r = client.post(f"/api/recordings/119/templates/{g['id']}/label", json={"label": "F", "templates_id": tpl["templates_id"]})
    assert r.status_code == 400 and "reload" in r.json()["detail"]


def test_corrections_listing_progress_and_report(client):
    s = _beats(client, "100")["sample"][3]
    client.post("/api/recordings/100/corrections", json={"action": "relabel", "samples": [s], "label": "V"})
    cs = client.get("/api/recordings/100/corrections").json()["corrections"]
    assert [(c["action"], c["sample"], c["old"], c["new"], c["batch"]) for c in cs] == [("relabel", s, "N", "V", 1)]
    assert client.post("/api/recordings/100/progress", json={"start_s": 0, "end_s": 10}).json()["seen_s"] == 10
    assert client.post("/api/recordings/100/progress", json={"start_s": 5, "end_s": 20}).json()["seen_s"] == 20
    rows = {r["id"]: r for r in client.get("/api/recordings").json()["recordings"]}
    assert rows["100"]["progress"]["seen_s"] == 20 and rows["100"]["n_corrections"] == 1
    r = client.post("/api/recordings/100/report")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content[:5] == b"%PDF-"
    assert (client.results / "100" / "report.pdf").is_file()


def test_docs_and_openapi(client):
    spec = client.get("/openapi.json").json()
    for p in ("/api/recordings", "/api/recordings/{rec_id}/signal", "/api/recordings/{rec_id}/beats",
              "/api/recordings/{rec_id}/events", "/api/recordings/{rec_id}/templates",
              "/api/recordings/{rec_id}/corrections", "/api/recordings/{rec_id}/undo"):
        assert p in spec["paths"]
    page = client.get("/docs")
    assert page.status_code == 200 and "/static/docs.js" in page.text and "cdn" not in page.text.lower()
    for f in ("index.html", "app.js", "ecg.js", "templates.js", "style.css", "docs.js"):
        body = client.get(f"/static/{f}").text
        assert "http://" not in body and "https://" not in body  # nothing fetched from elsewhere
