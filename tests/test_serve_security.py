"""The review server refuses what it should: no or a wrong token, paths out of its folder, oversized or
malformed requests, and it never writes next to the recordings."""

from __future__ import annotations

import pytest

TOKEN = "s3cret-token"


@pytest.fixture
def app(results_copy, mitdb):
    from arrhythmia.serve import create_app

    return create_app(results_copy, TOKEN, recordings=mitdb)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, headers={"X-Token": TOKEN}) as c:
        yield c


def _one_line(r, status):
    assert r.status_code == status, (r.status_code, r.text)
    detail = r.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and detail
    return detail


@pytest.mark.parametrize("path", ["/", "/api/recordings", "/api/recordings/119/beats", "/docs", "/openapi.json",
                                  "/static/app.js"])
def test_no_token_no_entry(app, path):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        assert "token" in _one_line(c.get(path), 401)
        assert "token" in _one_line(c.get(path, headers={"X-Token": "wrong"}), 401)
        assert "token" in _one_line(c.get(path, headers={"Authorization": "Bearer " + TOKEN[:-1]}), 401)
        assert c.get(path, headers={"Authorization": "Bearer " + TOKEN}).status_code == 200
    with TestClient(app) as c:  # the page's address sets a cookie and drops the token from the address bar
        r = c.get(f"/?token={TOKEN}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/" and "httponly" in r.headers["set-cookie"].lower()
        assert c.get(path).status_code == 200  # the cookie from now on


def test_posts_need_the_token_too(app, results_copy):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        _one_line(c.post("/api/recordings/119/undo"), 401)
        _one_line(c.post("/api/recordings/119/corrections", json={"action": "delete", "sample": 1}), 401)
    assert not (results_copy / "119" / "corrections.csv").exists()


@pytest.mark.parametrize("raw", [
    "/api/recordings/../../etc/passwd", "/api/recordings/..%2F..%2Fetc%2Fpasswd", "/api/recordings/%2e%2e",
    "/api/recordings/..", "/static/../app.py", "/static/..%2Fapp.py", "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static//etc/passwd", "/api/recordings/119%2F..%2F100/beats", "/api/recordings/119/../../../etc/passwd"])
def test_no_path_leaves_the_folder(client, raw):
    import httpx

    # send the path byte for byte (the test client would normalise '..' away)
    r = client.send(httpx.Request("GET", "http://testserver" + raw, headers={"X-Token": TOKEN}))
    assert r.status_code in (400, 404, 422), (raw, r.status_code)
    assert "root:" not in r.text and "def create_app" not in r.text and "[project]" not in r.text


def test_unknown_recording_and_out_of_range(client):
    assert "Unknown recording" in _one_line(client.get("/api/recordings/999"), 404)
    assert "Unknown recording" in _one_line(client.get("/api/recordings/999/signal?start=0&end=1"), 404)
    # 119 lasts 650000 / 360 = 1805.56 s
    assert "within 0-1805.556 s" in _one_line(client.get("/api/recordings/119/signal?start=1800&end=1900"), 400)
    assert "start < end" in _one_line(client.get("/api/recordings/119/signal?start=20&end=10"), 400)
    _one_line(client.get("/api/recordings/119/signal?start=-5&end=10"), 422)
    _one_line(client.get("/api/recordings/119/beats?start=0&end=99999"), 400)
    _one_line(client.get("/api/recordings/119/events?start=2000"), 400)
    assert "sample" in _one_line(client.post("/api/recordings/119/corrections",
                                             json={"action": "insert", "sample": 650000, "label": "N"}), 400)
    assert "no beat at sample" in _one_line(client.post("/api/recordings/119/corrections",
                                                         json={"action": "delete", "sample": 1}), 400)


def test_oversized_requests(client):
    assert "points" in _one_line(client.get("/api/recordings/119/signal?start=0&end=10&points=20001"), 422)
    _one_line(client.get("/api/recordings/119/overview?bins=100000"), 422)
    big = b'{"action": "relabel", "label": "N", "samples": [' + b",".join([b"1000000"] * 400_000) + b"]}"
    r = client.post("/api/recordings/119/corrections", content=big, headers={"Content-Type": "application/json"})
    assert "over" in _one_line(r, 413)


@pytest.mark.parametrize("body, needle", [
    ({"action": "relabel", "sample": 1, "label": "X"}, "label"),        # an unknown class
    ({"action": "relabel", "sample": 1, "label": "n"}, "label"),
    ({"action": "explode", "sample": 1}, "action"),
    ({"action": "delete", "sample": "one"}, "sample"),
    ({"action": "delete"}, "needs 'sample'"),
    ({"action": "noise", "start": 10, "end": 5, "kind": "noise"}, "end"),
    ({"action": "noise", "start": 10, "end": 500, "kind": "static"}, "kind"),
    ({"action": "episode", "start": 10, "end": 500, "kind": "AVNRT"}, "kind"),
    ({"action": "delete", "sample": 1, "path": "../../x"}, "path"),     # no field beyond the schema
])
def test_malformed_bodies(client, body, needle, results_copy):
    r = client.post("/api/recordings/119/corrections", json=body)
    assert needle in _one_line(r, 422 if r.status_code == 422 else 400)
    assert not (results_copy / "119" / "corrections.csv").exists()


def test_not_json_at_all(client):
    r = client.post("/api/recordings/119/corrections", content=b"{not json", headers={"Content-Type": "application/json"})
    _one_line(r, 422)
    r = client.post("/api/recordings/119/templates/0/label", json={"label": "V"})
    assert "templates_id" in _one_line(r, 422)
    r = client.post("/api/recordings/119/templates/999/label", json={"label": "V", "templates_id": "x"})
    _one_line(r, 400)


def test_recordings_folder_is_never_written(tmp_path, mitdb):
    """Serving a folder of recordings: outputs go to --out, which may not be inside it."""
    import os

    from fastapi.testclient import TestClient

    from arrhythmia.errors import ArrhythmiaError
    from arrhythmia.serve import create_app

    recs = tmp_path / "recs"
    recs.mkdir()
    for e in ("hea", "dat", "atr"):
        (recs / f"100.{e}").write_bytes((mitdb / f"100.{e}").read_bytes())
    with pytest.raises(ArrhythmiaError, match="inside"):
        create_app(recs, TOKEN, out=recs / "review")
    before = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in recs.iterdir()}
    out = tmp_path / "review"
    with TestClient(create_app(recs, TOKEN, out=out), headers={"X-Token": TOKEN}) as c:
        assert c.get("/api/recordings").json()["recordings"][0]["annotated"] is False
        beats = c.get("/api/recordings/100/beats").json()  # annotated on first use, into --out
        c.post("/api/recordings/100/corrections", json={"action": "relabel", "sample": beats["sample"][0], "label": "V"})
        c.post("/api/recordings/100/flush")
    assert {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in recs.iterdir()} == before
    assert sorted(os.listdir(out / "100")) == [".arrhythmia.json", "100.arr", "100.arrc", "beats.csv",
                                               "corrections.csv", "strip.png", "summary.json"]


def test_a_folder_with_nothing_to_review(tmp_path):
    from arrhythmia.errors import ArrhythmiaError
    from arrhythmia.serve import create_app

    with pytest.raises(ArrhythmiaError, match="holds neither"):
        create_app(tmp_path, TOKEN)
    with pytest.raises(ArrhythmiaError, match="not a folder"):
        create_app(tmp_path / "missing", TOKEN)
