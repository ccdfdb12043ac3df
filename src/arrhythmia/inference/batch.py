"""Annotating many recordings: one output folder each, an ``index.csv`` over all of them.

One bad recording does not stop the others: it is reported (one line, and a
row of ``index.csv`` with its error) and the batch goes on; the caller's exit
code says that something failed. The model is loaded once per process. The
recordings are annotated in this process, in ``jobs`` worker processes or on
a Dask cluster (:mod:`arrhythmia.inference.workers`), with the same outputs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from ..labels import AAMI_CLASSES

INDEX = "index.csv"
INDEX_COLUMNS = ("input", "output", "status", "error", "duration_s", "n_beats", *AAMI_CLASSES,
                 "S_burden_pct", "V_burden_pct")
"""Columns of ``index.csv``: the input path, its output folder (relative to the batch folder), ``ok``,
``skipped`` (complete output already there) or ``failed`` with the one-line ``error``, the recording's
duration in seconds, beats in all and per class, and the S and V burden in %."""


@dataclass
class BatchResult:
    """What :func:`annotate_many` did.

    Attributes
    ----------
    rows : list of dict
        One per input, with the :data:`INDEX_COLUMNS`.
    out : Path
    """

    rows: list = field(default_factory=list)
    out: Path = Path(".")

    @property
    def failed(self) -> list:
        return [r for r in self.rows if r["status"] == "failed"]


def output_name(path: Path, taken: set) -> str:
    """The output folder name of an input: a WFDB record by its name, a file by name and format
    (``rec.csv`` -> ``rec_csv``), made unique among ``taken`` (case-insensitively)."""
    path = Path(path)
    base = path.stem if path.suffix.lower() == ".hea" else f"{path.stem}_{path.suffix.lstrip('.').lower()}"
    name, i = base, 2
    while name.lower() in taken:
        name, i = f"{base}-{i}", i + 1
    taken.add(name.lower())
    return name


def _row(path: Path, sub: str, status: str, error: str = "", summary: dict | None = None) -> dict:
    s = summary or {}
    counts = s.get("beats_per_class", {})
    return {"input": str(path), "output": sub, "status": status, "error": error,
            "duration_s": s.get("duration_s", ""), "n_beats": s.get("n_beats", ""),
            **{c: counts.get(c, "") for c in AAMI_CLASSES},
            "S_burden_pct": s.get("S_burden_pct", ""), "V_burden_pct": s.get("V_burden_pct", "")}


def is_complete(folder: Path, source: Path, model: Path) -> bool:
    """True when ``folder`` holds a finished annotation of ``source`` by ``model`` (a re-run may skip it)."""
    import json

    from ..io.output import read_marker

    m = read_marker(folder)
    if not m or m.get("command") != "annotate" or not m.get("complete"):
        return False
    if not all((folder / f).is_file() for f in m.get("files", [])):
        return False
    try:
        s = json.loads((folder / "summary.json").read_text())
    except (OSError, ValueError):
        return False
    return s.get("source") == str(Path(source).resolve()) and s.get("model", {}).get("bundle") == str(model)


def annotate_many(inputs, out, model=None, fs=None, backend: str = "auto", force: bool = False,
                  progress: bool = False, report=None, jobs: int = 1, client=None, **kwargs) -> BatchResult:
    """Annotate every recording of ``inputs`` into ``out/<name>/`` and write ``out/index.csv``.

    Parameters
    ----------
    inputs : sequence of Path
        Recordings (see :func:`arrhythmia.io.readers.list_inputs`).
    out : str or Path
        Batch folder: new, empty, or an earlier batch of ours. Recordings whose
        output there is complete are skipped unless ``force``.
    model, fs, backend
        As :func:`arrhythmia.inference.annotate.annotate`.
    force : bool
        Annotate again recordings whose output is complete.
    progress : bool
        A progress bar (one, whatever ``jobs``).
    report : callable(str), optional
        Called with one line per recording (ok, skipped or the error), as each is done.
    jobs : int
        Worker processes (each loads the model once and runs it on one thread); 1: in this process. They are
        spawned, so a script that calls this with ``jobs > 1`` does it under ``if __name__ == "__main__":``.
    client : distributed.Client, optional
        Annotate on this Dask cluster instead of ``jobs`` (see :mod:`arrhythmia.inference.workers`): its workers
        must read the inputs, the model and ``out`` at the same paths as this process.
    **kwargs
        Passed to :func:`~arrhythmia.inference.annotate.annotate` (review_below, start_s, duration_s, pages,
        detector, adapt).

    Returns
    -------
    BatchResult
        Its rows are in the order of ``inputs``, wherever and in whichever order the recordings were done, so
        ``index.csv`` and every output are the same for any ``jobs`` or cluster.
    """
    from tqdm.auto import tqdm

    from ..errors import check_option
    from ..io.output import OutputFile, working_folder
    from ..preprocessing.detectors import DETECTORS
    from .annotate import _model_or_default, check_review_below, check_strip_range
    from .workers import Task, check_jobs, run_tasks

    out = Path(out)
    inputs = [Path(p) for p in inputs]
    check_review_below(kwargs.get("review_below"))
    check_strip_range(kwargs.get("start_s", 0.0), kwargs.get("duration_s", 60.0))
    check_jobs(jobs)
    check_option("--detector", kwargs.get("detector", "default"), DETECTORS)
    model = _model_or_default(model)
    folders = sorted({p.parent for p in inputs})
    result = BatchResult(out=out)
    with working_folder(out, "annotate-batch", inputs=[*folders, model], force=force, resume=True):
        threads = 1 if (jobs > 1 or client is not None) else None  # a worker's model: one thread
        rows, tasks = _plan(inputs, out, model, force,
                            lambda i, p, sub: Task(i, str(p), str(out), sub, str(model), backend,
                                                   dict(fs=fs, **kwargs), threads=threads))
        bar = tqdm(total=len(inputs), desc="annotate", unit="recording", disable=not progress)
        for i, row in enumerate(rows):
            if row is not None:
                _done(bar, report, inputs[i], row)
        subs = {t.index: t.sub for t in tasks}
        for i, status, error, summary in run_tasks(tasks, jobs, client):
            rows[i] = _row(inputs[i], subs[i], status, error=error, summary=summary)
            _done(bar, report, inputs[i], rows[i])
        bar.close()
        result.rows = rows
        with OutputFile(out / INDEX, replaceable=True).staging() as tmp, open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=INDEX_COLUMNS)
            w.writeheader()
            w.writerows(result.rows)
    return result


def _plan(inputs: list, out: Path, model: Path, force: bool, task) -> tuple[list, list]:
    """Each input's output folder name; a ``skipped`` row for those complete already (unless ``force``), else a
    task (``task(index, path, sub)``). Returns the rows (None where a task will fill it) and the tasks."""
    rows, tasks, taken = [None] * len(inputs), [], set()
    for i, p in enumerate(inputs):
        sub = output_name(p, taken)
        if not force and is_complete(out / sub, p, model):
            rows[i] = _row(p, sub, "skipped", summary=_read_summary(out / sub))
        else:
            tasks.append(task(i, p, sub))
    return rows, tasks


def _done(bar, report, path: Path, row: dict) -> None:
    bar.update(1)
    if report is not None:
        report(_line(path, row))


def _read_summary(folder: Path) -> dict:
    import json

    try:
        return json.loads((folder / "summary.json").read_text())
    except (OSError, ValueError):
        return {}


def _line(p: Path, row: dict) -> str:
    if row["status"] == "failed":
        return f"arrhythmia: error: {row['error']}"
    counts = ", ".join(f"{c} {row[c]}" for c in AAMI_CLASSES)
    tag = " (already annotated: skipped)" if row["status"] == "skipped" else ""
    return f"{p.name}: {row['n_beats']} beats, {counts}{tag}"
