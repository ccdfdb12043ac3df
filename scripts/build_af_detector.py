"""Build the AF detector shipped in ``src/arrhythmia/rhythm/af_model.json``, cross-validated over patients.

Protocol (everything chosen inside training records only):

1. The Long Term AF Database's 42 records here (``ltafdb/``: one patient
   each, beats and rhythm marks, no signal) are dealt into ``--folds``
   folds by record: records sorted by AF duration, dealt in turn, each
   block of ``folds`` records shuffled with ``--seed``.
2. In each fold, on the training records only: for every candidate feature
   window, a logistic regression (L2, IRLS) on every ``SUBSAMPLE``-th RR
   interval judged (none that begins or ends at a ventricular beat, V E F,
   by the reference labels), labelled AF when the interval lies in a
   reference ``(AFIB`` episode; then the post-processing (hysteresis thresholds, gap joining,
   minimum duration) that maximises ``duration F1 + EPISODE_WEIGHT x
   episode F1`` on the training records (each from its first rhythm
   mark: the reference gives no rhythm before it); the window with the best
   criterion wins. The held-out records are then scored once with
   ``epicmp``'s rules (episode and duration Se/+P against the reference AF
   episodes), from 0 and from 5:00.
3. The same procedure on all 42 records gives the shipped model, which is
   then scored, never tuned, on the 48 MIT-BIH records from their reference
   beat times, from 0 and from 5:00 (EC57), and its view of atrial flutter
   (``(AFL``) is reported separately.

Usage::

    python scripts/build_af_detector.py                 # writes the model, docs/af_detection.md and .json
    python scripts/build_af_detector.py --no-write      # figures only
    python scripts/build_af_detector.py --all-intervals # ablation: every RR interval, labels ignored (figures only)
    python scripts/build_af_detector.py --render-only   # docs/af_detection.md again from docs/af_detection.json
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from arrhythmia.rhythm.af import (AF_LABEL, AFL_LABEL, MODEL_FILE, AFModel, detect_af,  # noqa: E402
                                  episodes_from_intervals, hysteresis, in_episodes, judged_intervals,
                                  model_inputs)
from arrhythmia.rhythm.af_features import FEATURE_NAMES, rr_features  # noqa: E402
from arrhythmia.rhythm.from_annotations import read_beat_annotations  # noqa: E402

WINDOWS = (32, 64, 128)
LOG_FEATURES = ("masd", "minlag", "spread", "calm", "lowdiff", "match")
SUBSAMPLE = 4
L2 = 1e-3
EPISODE_WEIGHT = 0.25
GRID = dict(on=(0.3, 0.4, 0.5, 0.6, 0.7), delta=(0.0, 0.1, 0.2), gap=(0.0, 5.0, 15.0, 30.0),
            min_dur=(0.0, 10.0, 30.0, 60.0))


@dataclass
class Rec:
    name: str
    fs: float
    n: int
    beats: np.ndarray
    ref: np.ndarray      # reference AF episodes (k, 2)
    afl: np.ndarray      # reference AFL episodes (k, 2)
    first: int           # first rhythm mark: the reference says nothing of the rhythm before it
    ref_af_afl: np.ndarray  # reference episodes of AF or AFL (consecutive marks of either are one episode)
    labels: np.ndarray | None  # beat symbols (None: not used, every interval judged)
    marks: tuple         # reference rhythm marks: (samples, aux)
    starts: np.ndarray   # the RR intervals judged (none at a ventricular beat): start and end samples
    ends: np.ndarray

    @property
    def rr(self) -> np.ndarray:
        return (self.ends - self.starts) / self.fs


def load(folder: Path, records, use_labels: bool = True) -> list[Rec]:
    from arrhythmia.evaluation.episodes import episodes_from_rhythm

    out = []
    for r in records:
        b = read_beat_annotations(folder / r, "atr")
        keep = np.concatenate([[True], np.diff(b.samples) > 0])
        t = b.samples[keep]
        labels = b.symbols[keep] if use_labels else None
        starts, ends = judged_intervals(t, labels)
        ref = episodes_from_rhythm(b.rhythm_samples, b.rhythm_aux, b.n_samples, labels=(AF_LABEL,))
        afl = episodes_from_rhythm(b.rhythm_samples, b.rhythm_aux, b.n_samples, labels=(AFL_LABEL,))
        first = int(b.rhythm_samples.min()) if b.rhythm_samples.size else b.n_samples
        both = episodes_from_rhythm(b.rhythm_samples, b.rhythm_aux, b.n_samples, labels=(AF_LABEL, AFL_LABEL))
        out.append(Rec(r, b.fs, b.n_samples, t, ref, afl, first, both, labels, (b.rhythm_samples, b.rhythm_aux),
                       starts, ends))
    return out


def list_records(folder: Path) -> list[str]:
    f = folder / "RECORDS"
    if f.is_file():
        return f.read_text().split()
    return sorted(p.stem for p in folder.glob("*.hea") if p.with_suffix(".atr").is_file())


def interval_labels(rec: Rec) -> np.ndarray:
    """AF (1) or not (0) for each judged RR interval, by its midpoint."""
    return in_episodes((rec.starts + rec.ends) // 2, rec.ref).astype(float)


def episodes_of(state, r: Rec, gap: float, min_dur: float) -> np.ndarray:
    """Episodes of a per-interval decision on ``r``, as :func:`arrhythmia.rhythm.af.detect_af` makes them."""
    return episodes_from_intervals(state, r.starts, r.ends, r.n, r.fs, gap, min_dur, first=r.beats[0],
                                   last=r.beats[-1])


def annotated(rec: Rec) -> np.ndarray:
    """Which judged intervals lie after the record's first rhythm mark (the others have no reference rhythm)."""
    return rec.ends > rec.first


# ---------------------------------------------------------------- logistic regression (IRLS, NumPy)
def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, n_iter: int = 30):
    """Weights and bias of an L2-penalised logistic regression on standardised ``x``."""
    xb = np.column_stack([x, np.ones(len(x))])
    w = np.zeros(xb.shape[1])
    pen = np.full(xb.shape[1], l2 * len(x))
    pen[-1] = 0.0
    for _ in range(n_iter):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -50, 50)))
        g = xb.T @ (p - y) + pen * w
        h = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(pen)
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


# ---------------------------------------------------------------- scoring
STARTS = {"from_0": 0.0, "from_300": 300.0, "from_first_mark": None}
"""Scoring periods: the whole record, EC57's from 5:00, and from each record's first rhythm mark."""


def score(recs, tests, start_s=0.0, with_afl: bool = False):
    """epicmp-style comparison of each record (reference AF episodes vs ``tests``) from ``start_s``.

    ``start_s=None``: from each record's first rhythm mark. ``with_afl``: the
    reference episodes are those of AF or atrial flutter.
    """
    from arrhythmia.evaluation.episodes import compare_episodes

    return [compare_episodes(r.ref_af_afl if with_afl else r.ref, t, r.fs,
                             start_s=r.first / r.fs if start_s is None else start_s,
                             end_sample=r.n, record=r.name)
            for r, t in zip(recs, tests)]


def pooled(comps) -> dict:
    """Pooled (exact) episode and duration Se/+P over records, and the counts."""
    s = {k: sum(getattr(c, k) for c in comps) for k in ("tps", "fn", "tpp", "fp")}
    ro = sum(c.ref_overlap / c.fs for c in comps)
    rd = sum(c.ref_duration / c.fs for c in comps)
    to = sum(c.test_overlap / c.fs for c in comps)
    td = sum(c.test_duration / c.fs for c in comps)

    def r(a, b):
        return a / b if b > 0 else float("nan")

    return {"episode_se": r(s["tps"], s["tps"] + s["fn"]), "episode_ppv": r(s["tpp"], s["tpp"] + s["fp"]),
            "duration_se": r(ro, rd), "duration_ppv": r(to, td), "ref_hours": rd / 3600, "test_hours": td / 3600,
            **s}


def f1(a, b) -> float:
    return 0.0 if not (a > 0 and b > 0) else 2 * a * b / (a + b)


def criterion(p: dict) -> float:
    return f1(p["duration_se"], p["duration_ppv"]) + EPISODE_WEIGHT * f1(p["episode_se"], p["episode_ppv"])


def interval_level(recs, tests) -> dict:
    """Se and specificity over RR intervals (after each record's first rhythm mark), as RR-based detectors publish.

    An interval is called AF when its midpoint lies in a detected episode.
    """
    tp = fn = tn = fp = 0
    for r, ep in zip(recs, tests):
        known = annotated(r)
        y = interval_labels(r).astype(bool)[known]
        s = in_episodes((r.starts + r.ends) // 2, ep)[known]
        tp += int((s & y).sum())
        fn += int((~s & y).sum())
        tn += int((~s & ~y).sum())
        fp += int((s & ~y).sum())
    return {"interval_se": tp / max(tp + fn, 1), "interval_sp": tn / max(tn + fp, 1), "n_intervals": tp + fn + tn + fp}


def _covered(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Samples of each episode of ``a`` covered by the episodes of ``b`` (both sorted, disjoint)."""
    if a.size == 0 or b.size == 0:
        return np.zeros(len(a))
    cum = np.concatenate([[0], np.cumsum(b[:, 1] - b[:, 0])])

    def upto(x):  # length of b before sample x
        k = np.searchsorted(b[:, 0], x, side="right") - 1
        kk = np.maximum(k, 0)
        return np.where(k >= 0, cum[kk] + np.clip(x - b[kk, 0], 0, b[kk, 1] - b[kk, 0]), 0)

    return upto(a[:, 1]) - upto(a[:, 0])


def clip(episodes: np.ndarray, start: int) -> np.ndarray:
    """Episodes cut to begin no earlier than ``start`` (those ending before it dropped)."""
    ep = episodes[episodes[:, 1] > start].copy()
    ep[:, 0] = np.maximum(ep[:, 0], start)
    return ep


def quick_pooled(refs, tests, starts) -> dict:
    """Fast pooled figures over records from ``starts`` (samples), for the grid search only.

    The rules of ``compare_episodes`` (any overlap matches an episode;
    duration = covered samples), except that the episodes searched for
    overlap are cut at the start too; the reported figures come from
    ``arrhythmia.evaluation.episodes`` itself.
    """
    tps = fn = tpp = fp = 0
    ro = rd = to = td = 0.0
    for ref, test, start in zip(refs, tests, starts):
        ref, test = clip(ref, start), clip(test, start)
        cr, ct = _covered(ref, test), _covered(test, ref)
        tps += int((cr > 0).sum()); fn += int((cr == 0).sum()); tpp += int((ct > 0).sum()); fp += int((ct == 0).sum())
        ro += cr.sum()
        to += ct.sum()
        rd += float((ref[:, 1] - ref[:, 0]).sum())
        td += float((test[:, 1] - test[:, 0]).sum())

    def r(a, b):
        return a / b if b > 0 else float("nan")

    return {"episode_se": r(tps, tps + fn), "episode_ppv": r(tpp, tpp + fp), "duration_se": r(ro, rd),
            "duration_ppv": r(to, td)}


# ---------------------------------------------------------------- training
def fit_window(recs, feats, window: int):
    """Logistic regression on the training records' intervals for one window; returns (mean, scale, w, b)."""
    shape = AFModel(window, FEATURE_NAMES, *([(0.0,) * len(FEATURE_NAMES)] * 3), 0.0, LOG_FEATURES)
    x = np.concatenate([model_inputs(feats[r.name][window][annotated(r)][::SUBSAMPLE], shape) for r in recs])
    y = np.concatenate([interval_labels(r)[annotated(r)][::SUBSAMPLE] for r in recs])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    w, b = fit_logistic((x - mean) / scale, y)
    return mean, scale, w, b


def choose_postprocessing(recs, probs) -> tuple[dict, float]:
    """The grid point maximising the criterion on ``recs`` (their own probabilities)."""
    best, best_c = None, -np.inf
    refs, starts = [r.ref for r in recs], [r.first for r in recs]
    for on, delta in itertools.product(GRID["on"], GRID["delta"]):
        states = [hysteresis(p, on, on - delta) for p in probs]
        for gap, md in itertools.product(GRID["gap"], GRID["min_dur"]):
            tests = [episodes_of(s, r, gap, md) for s, r in zip(states, recs)]
            c = criterion(quick_pooled(refs, tests, starts))
            if c > best_c + 1e-12:
                best, best_c = dict(threshold_on=on, threshold_off=round(on - delta, 3), merge_gap_s=gap,
                                    min_duration_s=md), c
    return best, best_c


def train(recs, feats) -> tuple[AFModel, dict]:
    """The whole in-fold procedure on ``recs``: window, weights, post-processing."""
    best = None
    log = {}
    for window in WINDOWS:
        mean, scale, w, b = fit_window(recs, feats, window)
        m = AFModel(window, FEATURE_NAMES, tuple(mean), tuple(scale), tuple(w), b, LOG_FEATURES)
        probs = [probability_from_features(feats[r.name][window], m) for r in recs]
        post, c = choose_postprocessing(recs, probs)
        log[window] = round(c, 5)
        if best is None or c > best[0]:
            best = (c, AFModel(window, FEATURE_NAMES, tuple(map(float, mean)), tuple(map(float, scale)),
                               tuple(map(float, w)), float(b), LOG_FEATURES, **post))
    return best[1], log


def probability_from_features(f: np.ndarray, m: AFModel) -> np.ndarray:
    """As :func:`arrhythmia.rhythm.af.af_probability`, from features already computed (all columns)."""
    z = ((model_inputs(f, m) - np.asarray(m.mean)) / np.asarray(m.scale)) @ np.asarray(m.weights) + m.bias
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def detect_all(recs, m: AFModel, feats=None) -> list[np.ndarray]:
    """Episodes of each record: from features already computed, or (``feats=None``) by ``detect_af`` itself."""
    out = []
    for r in recs:
        if feats is None:
            out.append(detect_af(r.beats, r.fs, r.n, m, labels=r.labels).episodes)
            continue
        s = hysteresis(probability_from_features(feats[r.name][m.window], m), m.threshold_on, m.threshold_off)
        out.append(episodes_of(s, r, m.merge_gap_s, m.min_duration_s))
    return out


def compute_features(recs, windows=WINDOWS) -> dict:
    return {r.name: {w: rr_features(r.rr, w).astype(np.float32) for w in windows} for r in recs}


def make_folds(recs, k: int, seed: int) -> list[list[str]]:
    """Records dealt into ``k`` folds by AF duration (blocks of ``k`` shuffled with ``seed``)."""
    rng = np.random.default_rng(seed)
    order = sorted(recs, key=lambda r: float((r.ref[:, 1] - r.ref[:, 0]).sum() / r.fs))
    folds = [[] for _ in range(k)]
    for i in range(0, len(order), k):
        block = order[i:i + k]
        for f, r in zip(rng.permutation(k)[:len(block)], block):
            folds[f].append(r.name)
    return folds


# ---------------------------------------------------------------- driver
def cross_validate(recs, feats, k: int, seed: int) -> dict:
    by_name = {r.name: r for r in recs}
    folds = make_folds(recs, k, seed)
    rows, held = [], {k: [] for k in STARTS}
    tests_all, recs_all = [], []
    for i, test_names in enumerate(folds):
        t0 = time.time()
        train_recs = [r for r in recs if r.name not in test_names]
        test_recs = [by_name[n] for n in test_names]
        m, log = train(train_recs, feats)
        det = detect_all(test_recs, m, feats)
        row = {"fold": i + 1, "test_records": test_names, "window": m.window, "threshold_on": m.threshold_on,
               "threshold_off": m.threshold_off, "merge_gap_s": m.merge_gap_s, "min_duration_s": m.min_duration_s,
               "criterion_by_window": log}
        for key, start in STARTS.items():
            comps = score(test_recs, det, start)
            held[key] += comps
            row[key] = pooled(comps)
        tests_all += det
        recs_all += test_recs
        rows.append(row)
        p = row["from_0"]
        print(f"fold {i + 1}: W={m.window} on={m.threshold_on} off={m.threshold_off} gap={m.merge_gap_s} "
              f"min={m.min_duration_s}  dur Se {100 * p['duration_se']:.2f} +P {100 * p['duration_ppv']:.2f}  "
              f"ep Se {100 * p['episode_se']:.1f} +P {100 * p['episode_ppv']:.1f}  ({time.time() - t0:.0f} s)",
              flush=True)
    per_record = {k: {c.record: _record_row(c) for c in comps} for k, comps in held.items()}
    by_rhythm = false_af_by_rhythm(recs_all, tests_all)
    return {"folds": rows, "pooled": {k: pooled(c) for k, c in held.items()},
            "interval": interval_level(recs_all, tests_all), "per_record": per_record,
            "false_af_by_rhythm": by_rhythm}


def _record_row(c) -> dict:
    return {"tps": c.tps, "fn": c.fn, "tpp": c.tpp, "fp": c.fp, "episode_se": c.episode_se,
            "episode_ppv": c.episode_ppv, "duration_se": c.duration_se, "duration_ppv": c.duration_ppv,
            "ref_s": c.ref_duration_s, "test_s": c.test_duration_s}


def false_af_by_rhythm(recs, det, start_s: float = 0.0) -> dict:
    """Seconds of detected AF outside the reference AF, by the reference rhythm there (``none``: before any mark)."""
    out: dict[str, float] = {}
    for r, ep in zip(recs, det):
        ms, aux = r.marks
        bounds = np.concatenate([[0], ms, [r.n]])
        names = ["none", *aux]
        start = int(start_s * r.fs)
        for a, b, name in zip(bounds[:-1], bounds[1:], names):
            a = max(int(a), start)
            if b <= a or name.startswith(AF_LABEL):
                continue
            got = _covered(np.array([[a, b]]), ep).sum() / r.fs
            if got > 0:
                out[name] = out.get(name, 0.0) + float(got)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def afl_view(recs, det) -> dict:
    """How much of the reference atrial flutter the AF detector calls AF (per record with AFL)."""
    out = {}
    for r, d in zip(recs, det):
        if r.afl.size == 0:
            continue
        covered = _covered(r.afl, d).sum()
        out[r.name] = {"afl_s": float((r.afl[:, 1] - r.afl[:, 0]).sum() / r.fs),
                       "called_af_s": float(covered / r.fs)}
    return out


def evaluate_mitdb(recs, m: AFModel) -> dict:
    from arrhythmia.evaluation.episodes import gross_episodes

    det = detect_all(recs, m)
    res = {}
    for key, start, with_afl in (("from_0", 0.0, False), ("from_300", 300.0, False),
                                 ("af_or_afl_from_300", 300.0, True)):
        comps = score(recs, det, start, with_afl)
        g = gross_episodes(comps)
        res[key] = {
            "per_record": {c.record: _record_row(c) for c in comps},
            "pooled": pooled(comps),
            "gross": {"episode_se": g.episode_se, "episode_ppv": g.episode_ppv, "duration_se": g.duration_se,
                      "duration_ppv": g.duration_ppv, "average_episode_se": g.average_episode_se,
                      "average_episode_ppv": g.average_episode_ppv, "average_duration_se": g.average_duration_se,
                      "average_duration_ppv": g.average_duration_ppv}}
    res["interval"] = interval_level(recs, det)
    res["afl"] = afl_view(recs, det)
    res["false_af_by_rhythm_from_300"] = false_af_by_rhythm(recs, det, 300.0)
    return res


def write_outputs(model: AFModel, log: dict, cv: dict, mit: dict, args, elapsed: float) -> None:
    """The model JSON in the package, docs/af_detection.md and docs/af_detection.json."""
    from af_detection_report import render

    from arrhythmia.bundle import write_json
    from arrhythmia.environment import machine

    meta = {"command": "python scripts/build_af_detector.py" + (f" --folds {args.folds}" if args.folds != 7 else "")
            + (f" --seed {args.seed}" if args.seed else ""),
            "date": datetime.date.today().isoformat(), "machine": machine(), "elapsed_s": elapsed,
            "folds": args.folds, "seed": args.seed, "windows": list(WINDOWS), "subsample": SUBSAMPLE,
            "episode_weight": EPISODE_WEIGHT, "grid": GRID, "l2": L2}
    info = {"trained_on": "ltafdb: the 42 records in shared/data/ltafdb (reference beat times, (AFIB episodes)",
            "criterion_by_window": {str(k): v for k, v in log.items()},
            "cross_validation": {k: {m: round(v, 4) if isinstance(v, float) else v for m, v in p.items()}
                                 for k, p in cv["pooled"].items()},
            "mitdb_from_300_gross": {k: round(v, 4) for k, v in mit["from_300"]["gross"].items()},
            **{k: meta[k] for k in ("command", "date", "machine")}}
    model = AFModel.from_dict({**model.to_dict(), "info": info})
    write_json(MODEL_FILE, model.to_dict())
    docs = REPO / "docs"
    (docs / "af_detection.md").write_text(render(model, cv, mit, meta))
    write_json(docs / "af_detection.json",
               {"meta": meta, "cross_validation": cv, "mitdb": mit, "model": model.to_dict()})
    print(f"wrote {MODEL_FILE.relative_to(REPO)}, docs/af_detection.md, docs/af_detection.json")


def render_only() -> int:
    """docs/af_detection.md again from the figures an earlier run wrote to docs/af_detection.json."""
    from af_detection_report import render

    d = json.loads((REPO / "docs" / "af_detection.json").read_text())
    (REPO / "docs" / "af_detection.md").write_text(render(AFModel.from_dict(d["model"]), d["cross_validation"],
                                                          d["mitdb"], d["meta"]))
    print("wrote docs/af_detection.md from docs/af_detection.json")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ltafdb", type=Path, default=REPO.parent / "shared" / "data" / "ltafdb")
    ap.add_argument("--mitdb", type=Path, default=REPO.parent / "shared" / "data" / "mitdb")
    ap.add_argument("--folds", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-write", action="store_true", help="print the figures; write neither model nor docs")
    ap.add_argument("--cv-only", action="store_true", help="cross-validation only (no final model, no MIT-BIH)")
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite docs/af_detection.md from docs/af_detection.json (no computation)")
    ap.add_argument("--all-intervals", action="store_true",
                    help="ablation: judge every RR interval (ignore the beat labels); implies --no-write")
    args = ap.parse_args(argv)
    t0 = time.time()
    if args.render_only:
        return render_only()
    args.no_write |= args.all_intervals
    lt = load(args.ltafdb, list_records(args.ltafdb), use_labels=not args.all_intervals)
    print(f"ltafdb: {len(lt)} records read ({time.time() - t0:.0f} s)", flush=True)
    feats = compute_features(lt)
    print(f"features computed ({time.time() - t0:.0f} s)", flush=True)
    cv = cross_validate(lt, feats, args.folds, args.seed)
    for k, p in cv["pooled"].items():
        print(f"pooled CV {k}: duration Se {100 * p['duration_se']:.2f} +P {100 * p['duration_ppv']:.2f}; "
              f"episode Se {100 * p['episode_se']:.2f} +P {100 * p['episode_ppv']:.2f}")
    print(f"interval Se {100 * cv['interval']['interval_se']:.2f} Sp {100 * cv['interval']['interval_sp']:.2f}")
    if args.cv_only:
        return 0
    final, log = train(lt, feats)
    mit = evaluate_mitdb(load(args.mitdb, list_records(args.mitdb), use_labels=not args.all_intervals), final)
    for k in ("from_0", "from_300"):
        g = mit[k]["gross"]
        print(f"MIT-BIH {k}: gross duration Se {100 * g['duration_se']:.1f} +P {100 * g['duration_ppv']:.1f}; "
              f"episode Se {100 * g['episode_se']:.1f} +P {100 * g['episode_ppv']:.1f}")
    print(f"done in {time.time() - t0:.0f} s")
    if not args.no_write:
        write_outputs(final, log, cv, mit, args, time.time() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
