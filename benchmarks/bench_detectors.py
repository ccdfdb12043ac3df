"""R-peak detectors side by side: ours, WFDB's gqrs (as wfdb-python ships it) and NeuroKit2.

    OMP_NUM_THREADS=1 taskset -c 0 .venv/bin/python benchmarks/bench_detectors.py --write docs/benchmarks.md
    .venv/bin/python benchmarks/bench_detectors.py --select-neurokit      # pick NeuroKit2's method on DS1
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_detectors.py --timing   # ours on 100 and 203, 7 runs

Needs the ``bench`` extra (``pip install -e .[bench]``: NeuroKit2). On the 48
MIT-BIH records and on the 12 MIT-BIH Noise Stress Test records (118e*,
119e*), each detector runs on the signal in mV (ours: ``pan_tompkins`` on
MLII, ``fusion`` on MLII and the other lead; gqrs and NeuroKit2 on MLII, as
they are one-lead detectors) and is scored as WFDB ``bxb`` with the 150 ms
EC57 window (:func:`arrhythmia.evaluation.detection.score_detections`), from
0 and from 5:00. Seconds per record: detection only (the record already in
memory), mean over the records, one thread. ``--write FILE`` replaces the
part of FILE between ``<!-- SECTION:start -->`` and ``<!-- SECTION:end -->``
(``--section``, default ``bench_detectors``) with the tables.
"""

from __future__ import annotations

import argparse
import re
import time
import warnings
from pathlib import Path

import numpy as np
from _common import data_dir, machine, today

from arrhythmia.datasets.noise_stress import NSTDB_SNRS, snr_suffix
from arrhythmia.datasets.records import DS1, DS2, MITDB_RECORDS, PACED
from arrhythmia.evaluation.detection import score_detections
from arrhythmia.io import read_wfdb
from arrhythmia.preprocessing.detectors import detect

NEUROKIT_METHOD = "pantompkins1985"
"""Chosen with --select-neurokit on DS1 (see docs/benchmarks.md)."""
NEUROKIT_CANDIDATES = ("neurokit", "pantompkins1985", "hamilton2002", "elgendi2010", "engzeemod2012", "kalidas2017",
                       "nabian2018", "rodrigues2021", "christov2004", "manikandan2012")
HARD = ("201", "203", "210", "116", "207", "105", "208", "200")
SECTION = "bench_detectors"


def _neurokit(method):
    import neurokit2 as nk

    def run(x, fs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clean = nk.ecg_clean(x[0], sampling_rate=fs, method="neurokit")
            _, info = nk.ecg_peaks(clean, sampling_rate=fs, method=method, correct_artifacts=False)
        return np.asarray(info["ECG_R_Peaks"], dtype=np.int64)
    return run


def _gqrs(x, fs):
    import wfdb.processing

    return np.asarray(wfdb.processing.gqrs_detect(sig=x[0], fs=fs), dtype=np.int64)


def detectors(nk_method=NEUROKIT_METHOD) -> dict:
    return {"pan_tompkins": lambda x, fs: detect(x[0], fs, "pan_tompkins").peaks,
            "fusion": lambda x, fs: detect(x[:2], fs, "fusion").peaks,
            "gqrs (wfdb-python)": _gqrs,
            f"NeuroKit2 {nk_method}": _neurokit(nk_method)}


def load(folder: Path, names) -> dict:
    out = {}
    for r in names:
        rec = read_wfdb(folder / r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 102/104 have no MLII: V5 stands in
            sel = rec.select_leads(("MLII", "other"))
        out[r] = (sel.signal, rec.fs, rec.annotations, rec.n_samples)
    return out


def run(dets: dict, recs: dict) -> dict:
    res = {}
    for name, fn in dets.items():
        peaks, secs = {}, []
        for r, (x, fs, _, _) in recs.items():
            t = time.perf_counter()
            peaks[r] = fn(x, fs)
            secs.append(time.perf_counter() - t)
        ref = {r: v[2] for r, v in recs.items()}
        fs = {r: v[1] for r, v in recs.items()}
        end = {r: v[3] for r, v in recs.items()}
        res[name] = {"s": float(np.mean(secs)), "s_max": float(np.max(secs)),
                     "from0": score_detections(ref, peaks, fs, start_s=0.0, end_samples=end),
                     "from5": score_detections(ref, peaks, fs, start_s=300.0, end_samples=end)}
    return res


def _pct(v):
    return f"{100 * v:.2f}"


def tables(mit: dict, nst: dict, recs48: dict) -> str:
    lines = ["### 48 MIT-BIH records (bxb, 150 ms)", "",
             "| detector | Se from 0 | +P from 0 | Se from 5:00 | +P from 5:00 | FN / FP from 5:00 | s per record (max) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in mit.items():
        a, b = r["from0"], r["from5"]
        lines.append(f"| {name} | {_pct(a.se)} | {_pct(a.ppv)} | {_pct(b.se)} | {_pct(b.ppv)} | {b.fn} / {b.fp} | "
                     f"{r['s']:.3f} ({r['s_max']:.3f}) |")
    lines += ["", "By side (DS1: the records `fusion` was fitted on; DS2: never seen; the 4 paced records in neither), "
              "Se / +P from 5:00:", "", "| detector | DS1 | DS2 | paced |", "|---|---:|---:|---:|"]
    for name, r in mit.items():
        cells = []
        for side in (DS1, DS2, PACED):
            c = [r["from5"].per_record[x] for x in side if x in r["from5"].per_record]
            tp, fn, fp = (sum(v[k] for v in c) for k in ("tp", "fn", "fp"))
            cells.append(f"{_pct(tp / (tp + fn))} / {_pct(tp / (tp + fp))}" if c and tp else "-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "### Hardest records, from 5:00 (missed / extra of the reference beats)", "",
              "| record | beats | " + " | ".join(mit) + " |", "|---|---:|" + "---:|" * len(mit)]
    for h in HARD:
        if h not in recs48:
            continue
        per = {n: r["from5"].per_record[h] for n, r in mit.items()}
        beats = next(iter(per.values()))
        lines.append(f"| {h} | {beats['tp'] + beats['fn']} | "
                     + " | ".join(f"{c['fn']} / {c['fp']}" for c in per.values()) + " |")
    if nst:
        lines += ["", "### MIT-BIH Noise Stress Test, 118e* and 119e* (em noise), detection from 5:00", "",
                  "| SNR dB | " + " | ".join(f"{n} Se / +P" for n in nst) + " |", "|---:|" + "---:|" * len(nst)]
        for snr in NSTDB_SNRS:
            cells = []
            for n, per_snr in nst.items():
                s = per_snr[snr]["from5"]
                cells.append(f"{_pct(s.se)} / {_pct(s.ppv)}")
            lines.append(f"| {snr:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def select_neurokit(d: Path) -> None:
    recs = load(d, DS1)
    print(f"# NeuroKit2 methods on the 22 DS1 records, bxb from 5:00 ({today()}, {machine()})")
    for m in NEUROKIT_CANDIDATES:
        try:
            r = run({m: _neurokit(m)}, recs)[m]["from5"]
        except Exception as e:  # a method that fails on some record is out
            print(f"{m}: failed ({type(e).__name__}: {e})")
            continue
        print(f"{m}: Se {_pct(r.se)} +P {_pct(r.ppv)} (FN {r.fn}, FP {r.fp}); sum of errors {r.fn + r.fp}")


def timing(d: Path) -> None:
    """Min and median of 7 runs of our detectors on two 30-minute two-lead records (one thread)."""
    print(f"# {today()} on {machine()}")
    print("| detector | record | leads | min s | median s |\n|---|---|---:|---:|---:|")
    for r, (x, fs, _, _) in load(d, ("100", "203")).items():
        for name, leads in (("pan_tompkins", 1), ("fusion", 2)):
            ts = []
            for _ in range(7):
                t = time.perf_counter()
                detect(x[:leads], fs, name)
                ts.append(time.perf_counter() - t)
            print(f"| {name} | {r} | {leads} | {min(ts):.3f} | {float(np.median(ts)):.3f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", default=None, help="markdown file whose bench_detectors section is replaced")
    ap.add_argument("--nstdb", default=None, help="noise stress folder (default: beside the MIT-BIH folder)")
    ap.add_argument("--records", default=None, help="comma-separated MIT-BIH records (default: all 48)")
    ap.add_argument("--select-neurokit", action="store_true")
    ap.add_argument("--timing", action="store_true", help="only: our detectors on records 100 and 203, 7 runs each")
    ap.add_argument("--neurokit-method", default=NEUROKIT_METHOD)
    ap.add_argument("--detectors", default=None, help="comma-separated subset of the detectors' names")
    ap.add_argument("--no-nstdb", action="store_true", help="leave out the noise stress records")
    ap.add_argument("--section", default=SECTION, help="name of the marked section of --write to replace")
    a = ap.parse_args()
    d = data_dir()
    if a.select_neurokit:
        select_neurokit(d)
        return
    if a.timing:
        timing(d)
        return
    dets = detectors(a.neurokit_method)
    if a.detectors:
        dets = {k: v for k, v in dets.items() if k in a.detectors.split(",")}
    recs48 = load(d, a.records.split(",") if a.records else MITDB_RECORDS)
    mit = run(dets, recs48)
    nst_dir = Path(a.nstdb) if a.nstdb else d.parent / "nstdb"
    nst = {}
    if not a.no_nstdb and (nst_dir / "118e12.hea").is_file():
        for snr in NSTDB_SNRS:
            recs = load(nst_dir, [f"{b}e{snr_suffix(snr)}" for b in ("118", "119")])
            for name, r in run(dets, recs).items():
                nst.setdefault(name, {})[snr] = r
    text = (f"Measured {today()} on {machine()}, one thread, with `benchmarks/bench_detectors.py`.\n\n"
            + tables(mit, nst, recs48))
    print(text)
    if a.write:
        p = Path(a.write)
        doc = p.read_text()
        mark = (f"<!-- {a.section}:start -->", f"<!-- {a.section}:end -->")
        new = f"{mark[0]}\n{text}{mark[1]}"
        if mark[0] in doc:
            doc = re.sub(re.escape(mark[0]) + ".*?" + re.escape(mark[1]), lambda _: new, doc, flags=re.S)
        else:
            doc = doc.rstrip("\n") + "\n\n" + new + "\n"
        p.write_text(doc)


if __name__ == "__main__":
    main()
