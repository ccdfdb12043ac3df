"""Where the recordings of a batch are annotated: in this process, in worker processes, or on a Dask cluster.

Every executor runs the same task, :func:`annotate_task`, on the same
arguments, so the outputs do not depend on where they were made (the
batch's tests compare them byte for byte). A worker loads the model once
(:func:`worker_runner` keeps it per process) and runs it on one thread: N
workers use N cores, not N times all of them. A task never raises for a bad
recording: it returns a ``failed`` row, and the batch goes on.

On Dask, the workers' numerical libraries are on one thread already (its nanny
sets ``OMP_NUM_THREADS=1`` and the like before a worker starts). None of this
imports :mod:`distributed` unless a Dask client is given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ArrhythmiaError

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_RUNNERS: dict = {}


@dataclass(frozen=True)
class Task:
    """One recording to annotate: ``path`` into ``out`` (both as the worker sees them), with ``options``
    (the keyword arguments of :func:`arrhythmia.inference.annotate.annotate`)."""

    index: int
    path: str
    out: str
    sub: str
    model: str
    backend: str = "auto"
    options: dict = field(default_factory=dict)
    threads: int | None = None


def single_thread() -> None:
    """Keep this process's numerical libraries on one thread (a worker's initializer, before any import of them)."""
    for v in THREAD_VARIABLES:
        os.environ.setdefault(v, "1")


def worker_runner(model: str, backend: str, threads: int | None = None):
    """The model of ``model`` loaded once per process (and per backend and thread count); loaded again when its
    files changed (a long-lived Dask worker may serve many batches)."""
    from .runners import load_runner

    stamp = tuple(p.stat().st_mtime_ns for p in sorted(Path(model).glob("*")) if p.is_file())
    key = (str(model), backend, threads, stamp)
    if key not in _RUNNERS:
        _RUNNERS[key] = load_runner(model, backend, threads=threads)
    return _RUNNERS[key]


def annotate_task(task: Task) -> tuple:
    """Annotate one recording; returns ``(index, status, error, summary)``, never raises for a bad recording.

    ``status`` is ``ok`` (``summary`` is what summary.json holds) or ``failed`` (``error``: one line). An
    unexpected error (not one of the input's) is reported the same way, with its type, so that one recording
    never stops an archive.
    """
    from .annotate import annotate

    try:
        runner = worker_runner(task.model, task.backend, task.threads)
        s = annotate(task.path, Path(task.out) / task.sub, model=task.model, backend=task.backend, force=True,
                     runner=runner, **task.options)
        return task.index, "ok", "", s
    except ArrhythmiaError as exc:
        return task.index, "failed", str(exc), None
    except Exception as exc:  # noqa: BLE001  (a reader's or a library's own error on a damaged file)
        return task.index, "failed", f"{task.path}: could not be annotated ({type(exc).__name__}: {exc})", None


def check_jobs(jobs) -> int:
    """``--jobs`` is a positive number of worker processes."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ArrhythmiaError(f"Invalid value for '--jobs': allowed an integer >= 1; got {jobs!r}.")
    return jobs


def run_tasks(tasks: list, jobs: int = 1, client=None):
    """Run ``tasks``, yielding each result as it is done (in any order).

    Parameters
    ----------
    tasks : list of Task
    jobs : int
        1: in this process; more: that many worker processes (``spawn``, so safe with threads and on every OS).
    client : distributed.Client, optional
        Run them on this Dask cluster instead (its workers must see ``Task.path``, ``out`` and ``model``).
    """
    check_jobs(jobs)
    if client is not None:
        yield from _on_dask(tasks, client)
    elif jobs == 1 or len(tasks) <= 1:
        for t in tasks:
            yield annotate_task(t)
    else:
        yield from _in_processes(tasks, jobs)


def _in_processes(tasks: list, jobs: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx, initializer=single_thread) as pool:
        futures = {pool.submit(annotate_task, t): t for t in tasks}
        try:
            for f in as_completed(futures):
                yield _result(f, futures[f])
        finally:  # Ctrl-C or a stopped generator: nothing more is started
            for f in futures:
                f.cancel()


def _on_dask(tasks: list, client):
    from distributed import as_completed

    futures = client.map(annotate_task, tasks, pure=False, key=[f"arrhythmia-annotate-{t.sub}-{t.index}"
                                                                 for t in tasks])
    by_key = {f.key: t for f, t in zip(futures, tasks)}
    try:
        for f in as_completed(futures):
            yield _result(f, by_key[f.key])
    finally:
        client.cancel(futures)


def _result(future, task: Task) -> tuple:
    """A future's result; a worker that died (killed, out of memory) fails its recording only."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001
        return task.index, "failed", f"{task.path}: the worker annotating it stopped ({type(exc).__name__}: {exc})", None


def connect(scheduler: str):
    """A :class:`distributed.Client` of the running scheduler at ``scheduler`` (``tcp://HOST:PORT``)."""
    try:
        from distributed import Client
    except ImportError:
        raise ArrhythmiaError("--scheduler needs Dask's distributed package: pip install 'arrhythmia[dask]'") from None
    if "://" not in str(scheduler):
        raise ArrhythmiaError(f"Invalid value for '--scheduler': allowed a Dask scheduler address such as "
                              f"tcp://HOST:8786; got {scheduler!r}.")
    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise ArrhythmiaError(f"Invalid value for '--scheduler': no Dask scheduler answers at {scheduler} "
                              f"({type(exc).__name__}); start one with 'dask scheduler'") from None
