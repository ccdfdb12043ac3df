"""Rhythm analysis of beats read from an annotation file (``--beats-from``): no signal needed.

A Holter system's exported beats, or a database that ships annotations only
(the Long Term AF Database here), are re-analysed from their beat times: the
header gives the sampling rate and the length (and may be absent, or shorter
than the annotations, as ltafdb record 30's), the annotation file gives the
beats. :func:`analyse_beats_from` runs the AF detector over them;
:class:`RhythmResult` holds the episodes and the AF burden and writes the
rhythm annotation file and a ``summary.json``-style dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ArrhythmiaError, file_error
from ..labels import BEAT_SYMBOLS
from .af import AF_LABEL, AFModel, detect_af, in_episodes, load_model, rhythm_annotations

SUMMARY_FILE = "summary.json"


@dataclass(frozen=True)
class BeatAnnotations:
    """Beats of one record read from an annotation file.

    Attributes
    ----------
    record : str
        Record name.
    annotator : str
    fs : float
        Sampling rate, Hz.
    n_samples : int
        Record length, samples: the header's, or one past the last annotation where that is later.
    samples : ndarray of int64
        Sample of every beat annotation, ascending.
    symbols : ndarray of str
        Its MIT-BIH symbol.
    rhythm_samples : ndarray of int64
        Samples of the rhythm marks (``+``) in the file.
    rhythm_aux : ndarray of str
        Their aux notes (``'(AFIB'``, ``'(N'``, ...), NULs stripped.
    notes : tuple of str
        What was assumed (missing header, length taken from the annotations).
    """

    record: str
    annotator: str
    fs: float
    n_samples: int
    samples: np.ndarray
    symbols: np.ndarray
    rhythm_samples: np.ndarray
    rhythm_aux: np.ndarray
    notes: tuple[str, ...] = ()


def _record_path(path) -> Path:
    p = Path(path)
    return p.with_suffix("") if p.suffix in {".hea", ".dat", ".atr", ".qrs"} else p


def _file(record: Path, ext: str) -> Path:
    """``<record>.<ext>`` (a record name may itself hold dots)."""
    return record.with_name(f"{record.name}.{ext}")


def _read_header(p: Path):
    import wfdb

    if not _file(p, "hea").is_file():
        return None
    try:
        return wfdb.rdheader(str(p))
    except Exception as exc:  # wfdb raises many types on malformed text
        raise file_error(_file(p, "hea"), f"corrupt header ({type(exc).__name__}: {exc})") from None


def read_beat_annotations(path, annotator: str = "atr", fs: float | None = None) -> BeatAnnotations:
    """Read beat times and labels (and rhythm marks) from a WFDB annotation file.

    Parameters
    ----------
    path : str or Path
        Record path without extension (``'.../ltafdb/30'``).
    annotator : str
        Annotation file extension (``'atr'``, ``'qrs'``, ...).
    fs : float, optional
        Sampling rate, Hz, when neither a header nor the annotation file gives one;
        if given it must agree with them.

    Returns
    -------
    BeatAnnotations

    Raises
    ------
    ArrhythmiaError
        Missing or unreadable annotation file, corrupt header, no sampling rate, no beats.
    """
    from ..io.annotation_files import read_annotation_file

    p = _record_path(path)
    ann_path = _file(p, annotator)
    if not ann_path.is_file():  # before the header, so that a wrong record names its annotation file
        raise file_error(ann_path, "annotation file not found")
    hdr = _read_header(p)
    ann = read_annotation_file(p, annotator)
    notes = []
    rate = [r for r in (getattr(hdr, "fs", None), ann.fs) if r]
    if fs is not None and rate and abs(float(fs) - float(rate[0])) > 1e-6:
        raise ArrhythmiaError(f"Invalid value for '--fs': allowed {float(rate[0]):g} (the record's rate); got {fs:g}.")
    rate = float(fs) if fs is not None else (float(rate[0]) if rate else None)
    if not rate or rate <= 0:
        raise file_error(ann_path, "no sampling rate (no header, none in the annotation file): give --fs")
    if hdr is None:
        notes.append(f"{_file(p, 'hea').name} not found: rate {rate:g} Hz from "
                     f"{'--fs' if fs is not None else 'the annotation file'}, length from the last annotation")
    sample, symbol, aux = ann.sample, ann.symbol, ann.aux_note
    beat = np.isin(symbol, list(BEAT_SYMBOLS))
    if not beat.any():
        raise file_error(ann_path, "holds no beat annotations")
    last = int(sample.max()) + 1
    n = int(hdr.sig_len) if hdr is not None and hdr.sig_len else 0
    if hdr is not None and n < last:
        notes.append(f"{_file(p, 'hea').name} gives {n} samples but annotations reach sample {last - 1}: "
                     "length taken from the annotations")
    order = np.argsort(sample[beat], kind="stable")
    rhythm = symbol == "+"
    return BeatAnnotations(p.name, annotator, rate, max(n, last), sample[beat][order],
                           symbol[beat][order].astype(str), sample[rhythm], aux[rhythm].astype(str), tuple(notes))


@dataclass(frozen=True)
class RhythmResult:
    """AF episodes and burden of one record.

    Attributes
    ----------
    beats : BeatAnnotations
        The beats analysed.
    episodes : ndarray of int64, shape (k, 2)
        [start, end) samples of each episode.
    labels : tuple of str
        Each episode's rhythm (``'(AFIB'``).
    af_burden_time_pct : float
        Share of the record's duration inside AF episodes, %.
    af_burden_beats_pct : float
        Share of the beats inside AF episodes, %.
    notes : tuple of str
    """

    beats: BeatAnnotations
    episodes: np.ndarray
    labels: tuple[str, ...]
    af_burden_time_pct: float
    af_burden_beats_pct: float
    notes: tuple[str, ...] = field(default=())

    def rhythm_marks(self):
        """WFDB rhythm marks ``(samples, symbols, aux)`` (see :func:`arrhythmia.rhythm.af.rhythm_annotations`)."""
        return rhythm_annotations(self.episodes, self.labels, self.beats.samples)

    def summary(self) -> dict:
        """The ``summary.json``-style dict: record, beats, AF burden and every episode (seconds)."""
        b = self.beats
        return {
            "record": b.record,
            "beats_from": b.annotator,
            "fs": b.fs,
            "duration_s": round(b.n_samples / b.fs, 3),
            "n_beats": int(b.samples.size),
            "af_burden_time_pct": round(self.af_burden_time_pct, 2),
            "af_burden_beats_pct": round(self.af_burden_beats_pct, 2),
            "n_af_episodes": int(sum(lab == AF_LABEL for lab in self.labels)),
            "af_episodes": [{"rhythm": lab, "start_s": round(a / b.fs, 3), "end_s": round(e / b.fs, 3),
                             "duration_s": round((e - a) / b.fs, 3)}
                            for (a, e), lab in zip(self.episodes.tolist(), self.labels)],
            "notes": list(self.notes),
        }

    def write_annotations(self, out_dir, extension: str = "arr", with_beats: bool = True) -> Path:
        """Write ``<out_dir>/<record>.<extension>``: the beats (their symbols as read) and the rhythm marks.

        A rhythm mark shares its beat's sample; it follows the beat on channel 1,
        the order WFDB's ``putann`` calls canonical (time, then channel).
        """
        from ..io.wfdb_io import write_annotations

        ms, msym, maux = self.rhythm_marks()
        b = self.beats
        if with_beats:
            sample = np.concatenate([b.samples, ms])
            symbol = np.concatenate([b.symbols.astype(object), np.array(msym, dtype=object)])
            aux = [""] * b.samples.size + list(maux)
            chan = np.concatenate([np.zeros(b.samples.size, int), np.ones(ms.size, int)])
            order = np.lexsort((chan, sample))
            return write_annotations(b.record, out_dir, sample[order], list(symbol[order]), fs=b.fs,
                                     extension=extension, aux_note=[aux[i] for i in order], chan=chan[order])
        return write_annotations(b.record, out_dir, ms, msym, fs=b.fs, extension=extension, aux_note=maux)


def af_burden(episodes, beat_samples, n_samples: int) -> tuple[float, float]:
    """Share of time and of beats inside episodes, in %."""
    ep = np.asarray(episodes, dtype=np.int64).reshape(-1, 2)
    t = np.asarray(beat_samples, dtype=np.int64)
    time_pct = 100.0 * float((ep[:, 1] - ep[:, 0]).sum()) / n_samples if n_samples else 0.0
    beats_pct = 100.0 * float(in_episodes(t, ep).mean()) if t.size else 0.0
    return time_pct, beats_pct


def analyse_beats_from(path, annotator: str = "atr", fs: float | None = None,
                       model: AFModel | None = None, use_labels: bool = True) -> RhythmResult:
    """Read a record's beats from ``annotator`` and find its AF episodes (no signal read).

    Parameters
    ----------
    path : str or Path
        Record path without extension.
    annotator : str
        Annotation file to take the beats from.
    fs : float, optional
        Sampling rate when the record gives none.
    model : AFModel, optional
        Default: the shipped detector.
    use_labels : bool
        Leave out the RR intervals at beats the file labels ventricular
        (V, E, F); an unaudited detector's file (all N) has none.

    Returns
    -------
    RhythmResult
    """
    beats = read_beat_annotations(path, annotator, fs)
    t = beats.samples
    keep = np.concatenate([[True], np.diff(t) > 0])  # two beats on one sample: keep the first
    notes = list(beats.notes)
    if not keep.all():
        notes.append(f"{int((~keep).sum())} beats share a sample with the previous one: left out of the RR sequence")
    labels = beats.symbols[keep] if use_labels else None
    res = detect_af(t[keep], beats.fs, beats.n_samples, model or load_model(), labels=labels)
    time_pct, beats_pct = af_burden(res.episodes, t, beats.n_samples)
    return RhythmResult(beats, res.episodes, res.labels, time_pct, beats_pct, tuple(notes))


def write_rhythm_outputs(path, out, annotator: str = "atr", fs: float | None = None,
                         extension: str = "arr", force: bool = False) -> dict:
    """``arrhythmia rhythm REC --beats-from ANNOTATOR --out DIR``: write ``<rec>.<extension>`` and ``summary.json``.

    The folder follows the project's output policy (:class:`arrhythmia.io.output.OutputFolder`):
    never over an input, only over an earlier output of ours with ``force``, whole or not at all.

    Returns
    -------
    dict
        The summary written.
    """
    from ..bundle import write_json
    from ..io.output import OutputFolder

    p = _record_path(path)
    inputs = [q for q in (_file(p, "hea"), _file(p, annotator)) if q.exists()]
    guard = OutputFolder(out, "rhythm", inputs=inputs, force=force).check()
    result = analyse_beats_from(p, annotator, fs)
    with guard.staging() as tmp:
        written = result.write_annotations(tmp, extension)
        summary = result.summary()
        # the WFDB record name the annotation file takes (any file name: io.wfdb_io.wfdb_record_name), and its source
        summary.update(annotation_file=written.name, wfdb_record=written.stem, source=str(p))
        write_json(tmp / SUMMARY_FILE, summary)
    return summary


def format_rhythm_summary(s: dict) -> str:
    """Plain-text summary for the terminal."""
    lines = [f"{s['record']}: {s['n_beats']} beats from '{s['beats_from']}' over {s['duration_s'] / 3600:.2f} h",
             f"AF burden {s['af_burden_time_pct']:.1f} % of the time, {s['af_burden_beats_pct']:.1f} % of the beats; "
             f"{s['n_af_episodes']} AF episodes"]
    for e in s["af_episodes"][:10]:
        lines.append(f"  {e['rhythm']} {e['start_s']:.1f}-{e['end_s']:.1f} s ({e['duration_s']:.0f} s)")
    if len(s["af_episodes"]) > 10:
        lines.append(f"  ... {len(s['af_episodes']) - 10} more in summary.json")
    return "\n".join(lines)
