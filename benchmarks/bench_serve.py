"""The review server on a 24-hour recording: time to open it, to fetch a 10-second tile, to correct a beat.

    ARRHYTHMIA_DATA_DIR=../shared/data/mitdb python benchmarks/bench_serve.py [--work /tmp/bench-serve]

The 24-hour recording is all 48 MIT-BIH records (both channels, 650,000
samples each at 360 Hz) joined end to end: 31,200,000 samples per lead,
24 h 4 min, written once as a WFDB record (format 16) in ``--work`` and
annotated with the shipped model (the annotate time is printed too).

"Open" is what the page requests when it opens a recording, over real HTTP
to a uvicorn server on 127.0.0.1: the recording's description, all its beats,
its runs and episodes, the overview strip (350 bins) and the three tiles
that draw the first 10 s on a 1,400-pixel canvas (1,024 min/max pairs each).
Cold: the first open after the server starts with an empty signal cache (it
decodes the WFDB record once and keeps float32 samples in the cache);
warm: a new server over the same cache (each later start). With Chromium
present, the open is also timed in the browser on a new server over the
warm cache, from navigation to the first 10 s drawn. A 10-second tile: 20 windows at seeded random times, 1,400
points per lead, median. Median of 3 for the opens.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import threading
import time
import warnings
from pathlib import Path

import numpy as np
from _common import data_dir, machine, today

TOKEN = "bench"


def build_day(work: Path) -> Path:
    """Join the 48 MIT-BIH records into one WFDB record ``work/day`` (once)."""
    import wfdb

    from arrhythmia.datasets.records import MITDB_RECORDS

    rec = work / "day"
    if (work / "day.hea").is_file():
        return rec
    d = data_dir()
    parts = [wfdb.rdrecord(str(d / r), physical=False).d_signal[:, :2] for r in MITDB_RECORDS]
    sig = np.concatenate(parts).astype(np.int16)
    hdr = wfdb.rdheader(str(d / "100"))
    # channels 0 and 1 of every record; named as in the 46 records whose channel 0 is MLII
    wfdb.wrsamp("day", fs=360, units=["mV", "mV"], sig_name=["MLII", "V1"], d_signal=sig, fmt=["16", "16"],
                adc_gain=list(hdr.adc_gain[:2]), baseline=list(hdr.baseline[:2]), write_dir=str(work))
    return rec


def _server(results: Path, cache: Path, recordings: Path):
    import uvicorn

    from arrhythmia.serve import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(results, TOKEN, recordings=recordings, cache=cache)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    while not srv.started:
        time.sleep(0.01)
    return srv, th, f"http://127.0.0.1:{port}"


def _open(client, base, rec: str, fs: float) -> float:
    t = time.perf_counter()
    client.get(f"{base}/api/recordings/{rec}").raise_for_status()
    for p in ("beats", "events", "overview?bins=350"):
        client.get(f"{base}/api/recordings/{rec}/{p}").raise_for_status()
    tile = 1024 * 2  # samples per point at 10 s on 1,400 px: 2 (the page's rule, a power of two)
    for i in range(3):
        a, b = i * tile * 1024, (i + 1) * tile * 1024
        client.get(f"{base}/api/recordings/{rec}/signal", params={"start": a / fs, "end": b / fs, "points": 1024}
                   ).raise_for_status()
    return time.perf_counter() - t


def _browser_open(base: str, rec: str) -> float | None:
    chromium = shutil.which("chromium")
    if not chromium:
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = b.new_page(viewport={"width": 1400, "height": 860})
        page.goto(f"{base}/?token={TOKEN}")
        page.wait_for_selector("body[data-ready=list]")
        t = time.perf_counter()
        page.evaluate(f"location.hash = 'rec={rec}'")
        page.wait_for_selector("body[data-ready=ecg][data-drawn]", timeout=60_000)
        dt = time.perf_counter() - t
        b.close()
    return dt


def main():
    import httpx

    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/bench-serve", help="folder for the 24-hour record and its outputs")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    rec = build_day(work)
    results = work / "results"
    if not (results / "day" / "summary.json").is_file():
        from arrhythmia.inference.annotate import annotate

        t = time.perf_counter()
        s = annotate(rec, results / "day")
        print(f"annotate 24 h: {time.perf_counter() - t:.0f} s, {s['n_beats']} beats")
    for f in ("corrections.csv", "day.arrc", "review_progress.json"):
        (results / "day" / f).unlink(missing_ok=True)
    print(f"# {today()} on {machine()}")
    rows = []
    opens = {"cold": [], "warm": []}
    for i in range(3):
        cache = work / f"cache{i}"
        shutil.rmtree(cache, ignore_errors=True)
        for kind in ("cold", "warm"):
            srv, th, base = _server(results, cache, work)
            with httpx.Client(headers={"X-Token": TOKEN}, timeout=120) as c:
                opens[kind].append(_open(c, base, "day", 360.0))
            srv.should_exit = True
            th.join()
    rows.append(("open, cold (first open: decode the WFDB record, cache it)", statistics.median(opens["cold"])))
    rows.append(("open, warm (a server started over the same cache)", statistics.median(opens["warm"])))
    srv, th, base = _server(results, work / "cache0", work)
    with httpx.Client(headers={"X-Token": TOKEN}, timeout=120) as c:
        meta = c.get(f"{base}/api/recordings/day").json()
        dur, n_beats = meta["duration_s"], meta["n_beats"]
        rng = np.random.default_rng(0)
        times = []
        for t0 in rng.uniform(0, dur - 10, 20):
            t = time.perf_counter()
            c.get(f"{base}/api/recordings/day/signal", params={"start": t0, "end": t0 + 10, "points": 1400}).raise_for_status()
            times.append(time.perf_counter() - t)
        rows.append(("10-s tile, 1,400 points per lead (median of 20)", statistics.median(times)))
        t = time.perf_counter()
        c.get(f"{base}/api/recordings/day/signal", params={"start": 0, "end": dur, "points": 1400}).raise_for_status()
        rows.append(("the whole 24 h, 1,400 points per lead", time.perf_counter() - t))
        beats = c.get(f"{base}/api/recordings/day/beats").json()
        t = time.perf_counter()
        c.post(f"{base}/api/recordings/day/corrections", json={"action": "relabel", "sample": beats["sample"][100],
                                                               "label": "S"}).raise_for_status()
        rows.append(("one relabel, saved to corrections.csv (reply)", time.perf_counter() - t))
        c.post(f"{base}/api/recordings/day/flush").raise_for_status()
        rows.append(("... and the .arrc rewritten (reply + background write)", time.perf_counter() - t))
        t = time.perf_counter()
        tpl = c.get(f"{base}/api/recordings/day/templates").json()
        rows.append((f"templates of all beats ({len(tpl['groups'])} groups)", time.perf_counter() - t))
        c.post(f"{base}/api/recordings/day/undo").raise_for_status()
        c.post(f"{base}/api/recordings/day/flush").raise_for_status()
    srv.should_exit = True
    th.join()
    srv, th, base = _server(results, work / "cache0", work)  # a new server: nothing open yet
    browser = _browser_open(base, "day")
    srv.should_exit = True
    th.join()
    if browser is not None:
        rows.append(("open in Chromium (new server, warm cache): navigation to the first 10 s drawn", browser))
    print(f"24-hour recording: {dur / 3600:.2f} h, 2 leads at 360 Hz, {n_beats:,} beats")
    print("| step | time |\n|---|---:|")
    for name, dt in rows:
        print(f"| {name} | {dt:.2f} s |" if dt >= 0.1 else f"| {name} | {1000 * dt:.0f} ms |")


if __name__ == "__main__":
    main()
