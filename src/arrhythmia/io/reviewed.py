"""The reviewed annotation file ``<record>.arrc`` beside the model's ``<record>.arr``.

Written from the model's beats with the reviewer's corrections applied
(:mod:`arrhythmia.io.review`), in WFDB's format, annotator ``arrc``:

* beats: symbols N, S, V, F, Q at their R peaks; aux note ``p=0.93`` (the
  model's confidence) for a beat the reviewer left alone, ``rev was=S`` for
  one relabelled, ``rev added`` for one inserted;
* noise: ``~`` at the start of a marked stretch with WFDB's signal-quality
  sub-type (bits 0-3: leads 0-3 noisy; -1: unreadable), and ``~`` with
  sub-type 0 (clean again) at its end;
* rhythm: ``+`` with aux note ``(AFIB``, ``(AFL`` or ``(VT`` at the start of an
  episode, ``+`` with ``(N`` (sinus rhythm, as in the MIT-BIH files) at its end.

``wfdb.rdann(folder/record, 'arrc')`` reads it; so does WFDB's ``bxb -a arrc``.
The model's ``.arr`` and the input recording are never written to.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import file_error
from .review import CORRECTIONS, Mark, ReviewedBeats, read_corrections, replay
from .results import find_outputs, find_source, read_output, record_name

ANNOTATOR = "arrc"
RHYTHM_AUX = {"AF": "(AFIB", "AFL": "(AFL", "VT": "(VT"}
RHYTHM_END = "(N"
UNREADABLE = -1


@dataclass(frozen=True)
class ReviewedAnnotations:
    """What a ``.arrc`` file holds, read back.

    Attributes
    ----------
    sample : ndarray of int64
        Beats after review.
    symbol : ndarray of object (str)
        Their classes (N, S, V, F, Q).
    noise, episodes : list of Mark
    fs : float
    """

    sample: np.ndarray
    symbol: np.ndarray
    noise: list
    episodes: list
    fs: float


def write_reviewed(beats: ReviewedBeats, folder, record: str, fs: float, n_leads: int = 2) -> Path:
    """Write ``<folder>/<record>.arrc`` atomically (a temporary file moved into place).

    Returns
    -------
    Path of the file written.
    """
    from .wfdb_io import write_annotations

    folder = Path(folder)
    n = beats.sample.size
    aux = np.where(beats.model_label == "", "rev added",
                   np.where(beats.changed, np.char.add("rev was=", beats.model_label),
                            np.char.add("p=", np.char.mod("%.2f", np.nan_to_num(beats.confidence)))))
    rows = [(int(s), str(c), 0, str(a)) for s, c, a in zip(beats.sample, beats.label, aux)] if n else []
    noisy = (1 << min(n_leads, 4)) - 1
    for m in beats.noise:
        rows.append((m.start, "~", UNREADABLE if m.kind == "unreadable" else noisy, ""))
        rows.append((m.end, "~", 0, ""))
    for m in beats.episodes:
        rows.append((m.start, "+", 0, RHYTHM_AUX[m.kind]))
        rows.append((m.end, "+", 0, RHYTHM_END))
    rows.sort(key=lambda r: r[0])
    tmp = Path(tempfile.mkdtemp(prefix=".arrc-", dir=folder))
    try:
        if rows:
            s, sym, sub, aux_note = zip(*rows)
            written = write_annotations(record, tmp, s, sym, fs=fs, extension=ANNOTATOR, aux_note=aux_note,
                                        subtype=np.asarray(sub, np.int64) if any(sub) else None)
            os.replace(written, folder / f"{record}.{ANNOTATOR}")
        else:  # every beat deleted: no file (wfdb.wrann, whose bytes write_annotations gives, refuses an empty one)
            (folder / f"{record}.{ANNOTATOR}").unlink(missing_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder / f"{record}.{ANNOTATOR}"


def read_reviewed(folder) -> ReviewedAnnotations:
    """Read the ``.arrc`` file of an output folder.

    Raises
    ------
    ArrhythmiaError
        The folder has no reviewed annotation file, or it is unreadable.
    """
    import wfdb

    folder = Path(folder)
    out = read_output(folder)
    rec = out.record_name
    path = folder / f"{rec}.{ANNOTATOR}"
    if not path.is_file():
        raise file_error(path, "not found: this recording has not been reviewed")
    try:
        a = wfdb.rdann(str(folder / rec), ANNOTATOR)
    except Exception as exc:  # wfdb raises many types on a damaged file
        raise file_error(path, f"corrupt annotation file ({type(exc).__name__}: {exc})") from None
    sample = np.asarray(a.sample, dtype=np.int64)
    sym = np.asarray(a.symbol, dtype=object)
    sub = np.asarray(a.subtype if a.subtype is not None else np.zeros(sample.size), dtype=np.int64)
    aux = list(a.aux_note or [""] * sample.size)
    beat = np.isin(sym, list("NSVFQ"))
    noise, episodes, open_noise, open_ep = [], [], None, None
    for s, y, t, x in zip(sample[~beat], sym[~beat], sub[~beat], np.asarray(aux, dtype=object)[~beat]):
        if y == "~":
            if t != 0:
                open_noise = (int(s), "unreadable" if t == UNREADABLE else "noise")
            elif open_noise:
                noise.append(Mark(open_noise[0], int(s), open_noise[1]))
                open_noise = None
        elif y == "+":
            x = str(x).rstrip("\x00")
            if open_ep:
                episodes.append(Mark(open_ep[0], int(s), open_ep[1]))
                open_ep = None
            kind = {v: k for k, v in RHYTHM_AUX.items()}.get(x)
            if kind:
                open_ep = (int(s), kind)
    return ReviewedAnnotations(sample[beat], sym[beat], noise, episodes, float(a.fs or out.fs))


def reviewed_beats(folder) -> ReviewedBeats:
    """The beats of an output folder after its ``corrections.csv`` (the model's beats when there is none)."""
    out = read_output(folder)
    return replay(out.sample, out.label, out.confidence, read_corrections(Path(folder) / CORRECTIONS))


def reviewed_recording(folder, source=None, fs=None, recordings=None):
    """The recording an output folder annotates, with its reviewed beats as reference annotations.

    This is how reviewed recordings become labels: ``arrhythmia evaluate
    --reviewed`` scores a model against them, ``arrhythmia train --reviewed``
    trains on them.

    Parameters
    ----------
    folder : str or Path
        A reviewed annotate output folder (holding ``<record>.arrc``).
    source : str or Path, optional
        The recording; default: the one ``summary.json`` names.
    fs : float, optional
        For CSV / NumPy recordings.
    recordings : str or Path, optional
        Folder of the recordings, for a summary that names none.

    Returns
    -------
    Recording
        ``annotations`` are the reviewed beats (N, S, V, F, Q); ``name`` is
        the output folder's record name.
    """
    from dataclasses import replace

    from .readers import read_input
    from .recording import Annotations

    folder = Path(folder)
    r = read_reviewed(folder)
    src = source or find_source(folder, recordings)
    if not src:
        raise file_error(folder / "summary.json", "names no source recording: give the folder of the recordings")
    rec = read_input(src, fs)
    if abs(rec.fs - r.fs) > 1e-6:
        raise file_error(src, f"sampled at {rec.fs:g} Hz; its reviewed annotations are at {r.fs:g} Hz")
    return replace(rec, name=read_output(folder).record_name, annotations=Annotations(r.sample, r.symbol))


def list_reviewed(root, recordings=None) -> list[dict]:
    """Output folders under ``root`` (or ``root`` itself) that a reviewer has corrected.

    Returns
    -------
    list of dict
        ``folder``, ``record`` (WFDB name), ``annotation`` (the ``.arrc``
        path), ``source`` (the annotated recording: the one its summary
        names, else the one of that name in ``recordings``; else None),
        ``n_corrections``.
    """
    out = []
    for folder in find_outputs(root):
        o = read_output(folder)
        rec = record_name(folder, o.summary)
        arrc = folder / f"{rec}.{ANNOTATOR}"
        if arrc.is_file():
            b = replay(o.sample, o.label, o.confidence, read_corrections(folder / CORRECTIONS))
            out.append({"folder": folder, "record": rec, "annotation": arrc, "source": find_source(folder, recordings),
                        "n_corrections": b.n_corrections})
    return out


def reviewed_references(root, recordings=None) -> dict:
    """Record name -> a function loading that reviewed recording (reference: its ``.arrc``), for every
    reviewed recording under ``root``: what ``arrhythmia evaluate --reviewed`` scores a model against.

    Raises
    ------
    ArrhythmiaError
        No reviewed recording under ``root``.
    """
    from ..errors import ArrhythmiaError

    rows = list_reviewed(root, recordings)
    if not rows:
        raise ArrhythmiaError(f"{root}: no reviewed recording (no .arrc file written by 'arrhythmia serve')")
    return {r["record"]: (lambda r=r: reviewed_recording(r["folder"], r["source"], recordings=recordings)) for r in rows}
