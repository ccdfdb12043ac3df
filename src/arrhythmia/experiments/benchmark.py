"""``arrhythmia benchmark``: every model under both protocols, same seed and budget.

For each registered model, train on the training side of ``intra-patient``
(random beat split: the same patients on both sides) and of
``inter-patient`` (DS1 -> DS2), evaluate on the test side, and tabulate
accuracy, macro-F1 and S/V Se/+P. The gap between the two columns is how
much of a random-split score is patient leakage.
"""

from __future__ import annotations

import datetime
import time
from pathlib import Path

from ..environment import machine
from ..reports.markdown import PROTOCOLS, format_results

# --quick: a few records on each side, one short epoch (CI smoke run). DS1: 101 (N), 119 (V),
# 208 (V, F), 209 (S); DS2: 100 (N, some S), 232 (S).
QUICK_RECORDS = ("101", "119", "208", "209", "100", "232")


def run_benchmark(data_dir, out_dir, models=None, quick: bool = False, epochs: int = 3, seed: int = 0,
                  patience: int = 4, epoch_beats: int | None = 10_000, work_dir=None, progress: bool = False,
                  verbose: bool = False, command: str = "", force: bool = False) -> list[dict]:
    """Train and evaluate ``models`` under both protocols; write results.md, results.json and results.png.

    Trained bundles go to ``work_dir`` (default ``<out_dir>/bundles``), one per model and protocol. Existing
    result files and bundles are replaced only with ``force``.

    Returns
    -------
    list of dict
        One row per (model, protocol).
    """
    import torch

    from ..bundle import load_bundle
    from ..models import ARCHITECTURES
    from .common import bundle_test_side, score_beats
    from ..training import TrainConfig, train

    models = list(models or ARCHITECTURES)
    from ..io.output import OutputFile

    out = Path(out_dir)
    for name in RESULT_FILES:
        OutputFile(out / name, inputs=[data_dir], force=force).check()
    records = QUICK_RECORDS if quick else None
    if quick:
        epochs, epoch_beats = 1, 1_000
    meta = {"date": datetime.date.today().isoformat(), "machine": machine(), "torch": torch.__version__,
            "quick": quick, "epochs": epochs, "patience": patience, "seed": seed, "records": list(records or []),
            "epoch_beats": epoch_beats, "command": command, "models": models}
    rows = []
    for name in models:
        for protocol in PROTOCOLS:
            t0 = time.perf_counter()
            cfg = TrainConfig(model=name, split=protocol, epochs=epochs, seed=seed, patience=patience,
                              records=records, epoch_beats=epoch_beats, device="auto")
            bdir = Path(work_dir or out / "bundles") / f"{name}-{protocol}"
            train(cfg, data_dir, bdir, progress=progress, verbose=verbose, force=force)
            model, bcfg = load_bundle(bdir)
            test, sp = bundle_test_side(bcfg, data_dir)
            _, rep = score_beats(model, test)
            rows.append({"model": name, "protocol": protocol, "leaks_patients": sp.leaks_patients,
                         "n_test": int(len(test)), "epochs_run": bcfg["training"]["epochs_run"],
                         "seconds": round(time.perf_counter() - t0, 1), **rep.headline()})
            _write_results(out, rows, meta)  # after every row: an interrupted run leaves what it measured
            if verbose:
                print(f"{name:<16}{protocol:<15} macro-F1 {rep.macro_f1:.3f}  S Se/+P {rep.per_class['S']['se']:.3f}/"
                      f"{rep.per_class['S']['ppv']:.3f}  V Se/+P {rep.per_class['V']['se']:.3f}/{rep.per_class['V']['ppv']:.3f}")
    return rows


RESULT_FILES = ("results.json", "results.png", "results.md")


def _write_results(out: Path, rows: list, meta: dict) -> None:
    """Write (or rewrite, after each row: files of this run) the three result files, each whole."""
    from ..bundle import write_json
    from ..io.output import OutputFile
    from ..plotting import figures as plots

    for name, write in (("results.json", lambda p: write_json(p, {"meta": meta, "rows": rows})),
                        ("results.png", lambda p: plots.plot_benchmark(rows, p)),
                        ("results.md", lambda p: p.write_text(format_results(rows, meta)))):
        with OutputFile(out / name, replaceable=True).staging() as tmp:
            write(tmp)


