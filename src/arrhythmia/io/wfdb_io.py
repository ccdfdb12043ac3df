"""WFDB records: reading with checksum verification, writing annotations."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import file_error
from .recording import Annotations, Recording


def _record_path(path) -> Path:
    p = Path(path)
    if p.suffix in {".hea", ".dat", ".atr"}:
        p = p.with_suffix("")
    return p


def record_file(record, ext: str) -> Path:
    """``<record>.<ext>``: the extension added, never replacing a dot of the name (``ecg.v2`` -> ``ecg.v2.hea``)."""
    record = Path(record)
    return record.parent / f"{record.name}.{ext.lstrip('.')}"


def has_signal(path) -> bool:
    """True for a WFDB record whose header names at least one signal file that exists beside it (False for an
    annotation-only record such as ltafdb's, or no header). A header that cannot be parsed counts as having one:
    reading the record then names the problem."""
    import wfdb

    p = _record_path(path)
    hea = record_file(p, "hea")
    if not hea.is_file():
        return False
    try:
        h = wfdb.rdheader(str(p))
    except Exception:  # any parse failure: left to the reader, which names the file and the problem
        return True
    return bool(h.n_sig) and all((hea.parent / f).is_file() for f in set(h.file_name or []))


def read_header(path):
    """Read a WFDB header, checked (:func:`check_header`), raising a one-line error naming the file."""
    import wfdb

    p = _record_path(path)
    hea = record_file(p, "hea")
    if not hea.is_file():
        raise file_error(hea, "header file not found")
    try:
        text = hea.read_bytes().decode("utf-8", "replace")
    except OSError as exc:
        raise file_error(hea, f"unreadable header ({exc.strerror or exc})") from None
    _check_record_line(hea, text)
    try:
        header = wfdb.rdheader(str(p))
    except Exception as exc:  # wfdb raises many types on malformed text
        raise file_error(hea, f"corrupt header ({type(exc).__name__}: {exc})") from None
    return check_header(header, hea)


MIN_FS, MAX_FS = 50.0, 20_000.0
"""Sampling rates a recording may have (Hz), as for ``--fs``."""


def _check_record_line(hea: Path, text: str) -> None:
    """The record line (``name[/segments] n_signals [fs[/counter][(base)] [length ...]]``), parsed here.

    wfdb-python reads a sampling rate it cannot parse (``-360``, ``abc``) as
    the WFDB default 250 Hz without a word: a wrong rate, silently.
    """
    import re

    line = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), None)
    if line is None:
        raise file_error(hea, "corrupt header: empty, no record line")
    tokens = line.split()
    if len(tokens) < 2 or not tokens[1].isdigit():
        raise file_error(hea, f"corrupt header: record line {line.strip()[:60]!r}: the number of signals "
                              "must follow the record name")
    if int(tokens[1]) == 0:
        raise file_error(hea, "corrupt header: 0 signals: the header describes no signal to read")
    if len(tokens) > 2:
        fs_text = re.split(r"[/(]", tokens[2], maxsplit=1)[0]
        try:
            fs = float(fs_text)
        except ValueError:
            raise file_error(hea, f"corrupt header: sampling rate {fs_text!r} is not a number") from None
        if not (np.isfinite(fs) and MIN_FS <= fs <= MAX_FS):
            raise file_error(hea, f"corrupt header: sampling rate {fs_text} Hz: allowed {MIN_FS:g}-{MAX_FS:g} Hz")


def _supported_formats() -> set[str]:
    from wfdb.io import _signal

    # every format wfdb-python reads, but 0 (a null signal, no samples) and the FLAC ones (optional codec)
    return {f for f in getattr(_signal, "INVALID_SAMPLE_VALUE", {"16": -32768, "212": -2048})
            if f != "0" and not f.startswith("5")}


def check_header(header, hea: Path):
    """Refuse a header that describes no readable signal: a multi-segment record, no signals, no samples, a
    gain that is not a positive number. Returns ``header``."""
    if getattr(header, "seg_name", None) is not None:
        raise file_error(hea, "multi-segment records are not supported; give one of its segments")
    if not header.n_sig or not header.fmt:
        raise file_error(hea, "0 signals: the header describes no signal to read")
    if header.sig_len == 0:
        raise file_error(hea, "signal length 0: the header describes no samples")
    for i, (gain, base) in enumerate(zip(header.adc_gain or [], header.baseline or [])):
        if gain is None or not np.isfinite(gain) or gain <= 0 or base is None:
            name = (header.sig_name or [""] * (i + 1))[i]
            raise file_error(hea, f"corrupt header: signal {i} ({name}) has gain {gain!r} and baseline {base!r}: "
                                  "the gain must be a positive number")
    return header


def check_signal_files(header, hea: Path) -> None:
    """Before the samples are read: every format one we read, every signal file beside the header and present.

    (Not part of :func:`read_header`: scoring and summaries read headers of records whose signals are elsewhere.)
    """
    bad = sorted(set(header.fmt) - _supported_formats())
    if bad:
        raise file_error(hea, f"signal format {bad[0]} is not supported; allowed "
                              f"{', '.join(sorted(_supported_formats(), key=int))}")
    for fname in dict.fromkeys(header.file_name or []):
        if fname == "-" or "/" in fname or "\\" in fname:
            raise file_error(hea, f"signal file {fname!r}: only files beside the header are read")
        if not (hea.parent / fname).is_file():
            raise file_error(hea.parent / fname, f"signal file not found (named in {hea.name})")


def _gaps_to_nan(d: np.ndarray, fmt) -> np.ndarray:
    """Digital samples -> float64, WFDB's invalid-sample value of each signal's format as NaN (a gap)."""
    from wfdb.io import _signal

    table = getattr(_signal, "INVALID_SAMPLE_VALUE", {"16": -32768, "212": -2048})
    out = d.astype(np.float64)
    for i, f in enumerate(fmt):
        nan_value = table.get(f)
        if nan_value is not None:
            out[d[:, i] == nan_value, i] = np.nan
    return out


def read_wfdb(path, annotator: str | None = "atr", verify: bool = True, gaps: bool = False) -> Recording:
    """Read a WFDB record, verifying its samples against the header.

    Parameters
    ----------
    path : str or Path
        Record path without extension (``'.../mitdb/100'``); a path ending in
        ``.hea``/``.dat``/``.atr`` is accepted too.
    annotator : str or None
        Annotation file extension to read (``'atr'``), or ``None`` for none.
        When given, the file must exist.
    verify : bool
        Check signal length and the 16-bit checksum of every signal against
        the header (the same check as WFDB's ``wfdbcheck``).
    gaps : bool
        Samples holding WFDB's invalid-sample value (-32768 in format 16,
        -2048 in format 212: a gap, a lead off) become NaN, which the
        pipeline treats as unreadable (:func:`arrhythmia.preprocessing.quality.fill_gaps`);
        False: they are read as numbers, as before.

    Returns
    -------
    Recording
        Signal in mV, shape (n_leads, n_samples).

    Raises
    ------
    ArrhythmiaError
        Missing, truncated or corrupt files, naming the file.
    """
    import wfdb

    p = _record_path(path)
    header = read_header(p)
    check_signal_files(header, record_file(p, "hea"))
    for fname in sorted(set(header.file_name or [])):
        dat = p.parent / fname
        if verify and header.fmt and header.fmt[0] == "212" and header.sig_len:
            expected = header.sig_len * header.n_sig * 3 // 2
            size = dat.stat().st_size
            if size < expected:
                raise file_error(dat, f"truncated signal file ({size} bytes, header implies {expected})")
    try:
        rec = wfdb.rdrecord(str(p), physical=False, return_res=16)
    except Exception as exc:
        raise file_error(p.parent / (header.file_name or [p.name])[0], f"unreadable signal ({exc})") from None
    d = rec.d_signal
    if verify:
        if rec.sig_len and d.shape[0] != rec.sig_len:
            raise file_error(p.parent / rec.file_name[0], f"truncated: {d.shape[0]} samples, header says {rec.sig_len}")
        if rec.checksum is not None:
            # 16-bit checksum; headers write it signed (MIT-BIH) or unsigned (wfdb.wrsamp): compare mod 2**16
            got = (d.sum(axis=0, dtype=np.int64) & 0xFFFF).tolist()  # exact: no int64 copy of the record needed
            for i, (g, want) in enumerate(zip(got, rec.checksum)):
                if want is not None and (g - int(want)) % 65536:
                    signed = g - 65536 if g > 32767 else g
                    raise file_error(
                        p.parent / rec.file_name[i],
                        f"checksum mismatch in signal {i} ({rec.sig_name[i]}): header {want}, data {signed}",
                    )
    gain = np.asarray(rec.adc_gain, dtype=np.float64)
    base = np.asarray(rec.baseline, dtype=np.float64)
    digital = _gaps_to_nan(d, rec.fmt) if gaps else d
    # lead by lead on a contiguous (n_leads, n_samples) copy: the same float64 operations, one copy fewer
    signal = (digital.T.astype(np.float64, order="C") - base[:, None]) / gain[:, None]
    annotations = read_annotations(p, annotator) if annotator is not None else None
    return Recording(
        name=p.name,
        signal=signal,
        fs=float(rec.fs),
        leads=tuple(n if n else f"lead{i}" for i, n in enumerate(rec.sig_name or [None] * d.shape[1])),
        annotations=annotations,
        source=str(p),
    )


def read_annotations(path, annotator: str = "atr") -> Annotations:
    """Read a WFDB annotation file, raising a one-line error naming the file.

    Parameters
    ----------
    path : str or Path
        Record path without extension.
    annotator : str
        File extension (``'atr'`` for the MIT-BIH reference).

    Returns
    -------
    Annotations
    """
    import wfdb

    p = _record_path(path)
    ann_path = record_file(p, annotator)
    if not ann_path.is_file():
        raise file_error(ann_path, "annotation file not found")
    if ann_path.stat().st_size == 0:
        raise file_error(ann_path, "empty annotation file (0 bytes)")
    try:
        ann = wfdb.rdann(str(p), annotator)
    except Exception as exc:
        raise file_error(ann_path, f"corrupt annotation file ({type(exc).__name__}: {exc})") from None
    aux = np.asarray([a or "" for a in (ann.aux_note or [""] * len(ann.sample))], dtype=object)
    return Annotations(np.asarray(ann.sample, dtype=np.int64), np.asarray(ann.symbol, dtype=object), aux)


def check_reference(path, annotator: str = "atr") -> Annotations:
    """The reference beats of a record, checked before any scoring: readable, some beats, all inside the signal.

    Returns
    -------
    Annotations
        Its beat annotations.

    Raises
    ------
    ArrhythmiaError
        A missing, empty or unreadable annotation file, one without a beat
        (only rhythm or other marks), or beats past the end of the signal,
        naming the file.
    """
    p = _record_path(path)
    header = read_header(p)
    check_signal_files(header, record_file(p, "hea"))
    ann_path = record_file(p, annotator)
    ann = read_annotations(p, annotator)
    if ann.sample.size == 0:
        raise file_error(ann_path, "no annotations: nothing to score against")
    beats = ann.beats()
    if beats.sample.size == 0:
        marks = ", ".join(sorted(set(map(str, ann.symbol))))[:40]
        raise file_error(ann_path, f"no beat annotations (only {marks} marks): nothing to score against")
    n = header.sig_len
    outside = (beats.sample < 0) | (beats.sample >= n) if n else beats.sample < 0
    if outside.any():
        first = int(beats.sample[outside][0])
        raise file_error(ann_path, f"{int(outside.sum())} beat(s) outside the signal (first at sample {first}; "
                                   f"the signal has {n} samples): is it this record's annotation file?")
    return beats


MAX_RECORD_NAME = 64


def wfdb_record_name(name: str) -> str:
    """A record name WFDB accepts (letters, digits, ``_`` and ``-``), derived from any file name.

    Accents are dropped (``'ékg'`` -> ``'ekg'``), every other character
    outside ``[A-Za-z0-9_-]`` becomes ``_`` (``'my ecg'`` -> ``'my_ecg'``,
    ``'ecg.2024-01-01'`` -> ``'ecg_2024-01-01'``), and the result is cut to
    :data:`MAX_RECORD_NAME` characters; an empty result is ``'record'``.
    """
    import re
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", ascii_name)[:MAX_RECORD_NAME]
    return safe if safe.strip("_") else "record"


def write_annotations(record_name: str, out_dir, sample, symbol, fs: float, extension: str = "arr", aux_note=None,
                      subtype=None, chan=None) -> Path:
    """Write a WFDB annotation file ``<out_dir>/<record_name>.<extension>``.

    Parameters
    ----------
    record_name : str
        Any name; the file is named after :func:`wfdb_record_name` of it.
    out_dir : str or Path
    sample : array_like of int
        Sample indices, sorted ascending.
    symbol : sequence of str
        One WFDB symbol per annotation (N, S, V, F, Q).
    fs : float
        Sampling rate stored in the file.
    extension : str
        Annotator name (file extension).
    aux_note : sequence of str, optional
        Free text per annotation (e.g. the confidence, a rhythm ``(AFIB``).
    subtype : sequence of int, optional
        WFDB subtype per annotation (for ``~`` noise marks: which leads are noisy).
    chan : array_like of int, optional
        Channel per annotation (WFDB orders annotations on one sample by channel).

    Returns
    -------
    Path of the file written: the bytes ``wfdb.wrann`` writes (:mod:`.annotation_file`).
    """
    from .annotation_file import encode_annotations

    out_dir = Path(out_dir)
    record_name = wfdb_record_name(record_name)
    data = encode_annotations(sample, list(symbol), fs=fs, aux_note=aux_note, subtype=subtype, chan=chan)
    (out_dir / f"{record_name}.{extension}").write_bytes(data)
    return out_dir / f"{record_name}.{extension}"
