"""Reading any supported ECG input into a :class:`Recording`.

=========  ==========================================  =====================
input      layout                                      sampling rate
=========  ==========================================  =====================
WFDB       ``rec.hea`` + signal files (``rec`` or       from the header
           ``rec.hea`` given); ``rec.atr`` read if      (checked: 50-20000
           present; invalid samples are gaps (NaN)      Hz)
CSV        one column per lead, optional header row     ``fs`` required
           with lead names; values in mV; a time or     (checked against a
           sample column (rising at every sample) is    time column)
           left out, with a note; layout checks in
           :mod:`.csv_reader`
EDF/EDF+   one signal per lead (pyEDFlib); physical     from the file (all
           units converted to mV when uV/V              leads at one rate)
NumPy      ``.npy`` of shape (n_samples,) or            ``fs`` required
           (n_samples, n_leads); values in mV; a
           (n_leads, n_samples) array (more columns
           than rows) is read as such, with a note
=========  ==========================================  =====================
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..errors import ArrhythmiaError, file_error
from .recording import Recording

from .wfdb_io import MAX_FS, MIN_FS, record_file

EXTENSIONS = (".hea", ".csv", ".edf", ".npy")


def _check_user_fs(path, fs, required: bool):
    if fs is None:
        if required:
            raise file_error(path, "sampling rate unknown for this format: give --fs")
        return None
    fs = float(fs)
    if not (MIN_FS <= fs <= MAX_FS):
        raise ArrhythmiaError(f"Invalid value for '--fs': allowed {MIN_FS:g}-{MAX_FS:g} Hz; got {fs:g}.")
    return fs


def _finish(path, name, signal, fs, leads, annotations=None, gaps_ok=False) -> Recording:
    """The Recording, once its samples are checked: NaN only where the format marks gaps (``gaps_ok``)."""
    signal = np.asarray(signal, dtype=np.float64)
    if signal.ndim != 2 or signal.size == 0:
        raise file_error(path, "no samples")
    if gaps_ok:
        if np.isinf(signal).any():
            raise file_error(path, "infinite samples")
        if np.isnan(signal).all():
            raise file_error(path, "no valid sample: every sample holds WFDB's invalid-sample value")
        bad = np.zeros(signal.shape, bool)
    else:
        bad = ~np.isfinite(signal)
    if bad.any():
        lead, i = np.argwhere(bad)[0]
        raise file_error(path, f"{int(bad.sum())} NaN or infinite samples (first in lead {leads[lead]} at sample {i})")
    return Recording(name=name, signal=signal, fs=float(fs), leads=tuple(leads), annotations=annotations,
                     source=str(path))


def read_csv(path, fs) -> Recording:
    """CSV: one column per lead, optional header row of lead names (layout checks: :mod:`.csv_reader`)."""
    from .csv_reader import read_csv_columns

    path = Path(path)
    fs = _check_user_fs(path, fs, required=True)
    signal, leads = read_csv_columns(path, fs)
    return _finish(path, path.stem, signal, fs, leads)


def _check_npy_size(path: Path) -> None:
    """The array the header declares must fit in the file: a damaged header never makes us allocate terabytes."""
    from numpy.lib import format as npformat

    try:
        with path.open("rb") as f:
            major, _ = npformat.read_magic(f)
            read = npformat.read_array_header_1_0 if major == 1 else npformat.read_array_header_2_0
            shape, _, dtype = read(f)
            room = path.stat().st_size - f.tell()
    except (ValueError, OSError, EOFError, SyntaxError) as exc:
        raise file_error(path, f"not a readable NumPy array file ({str(exc).splitlines()[0] or 'bad header'})") from None
    need = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if not dtype.hasobject and need > room:
        raise file_error(path, f"truncated NumPy array file: shape {shape} of {dtype} needs {need} bytes, "
                               f"the file holds {room}")


def read_npy(path, fs) -> Recording:
    """NumPy ``.npy``: (n_samples,) or (n_samples, n_leads), never pickled objects.

    A 2-D array with more columns than rows is (n_leads, n_samples), the layout
    of MNE and NeuroKit2: read as such, with a note (as (n_samples, n_leads) it
    would be shorter than a second of signal with more leads than samples).
    """
    path = Path(path)
    fs = _check_user_fs(path, fs, required=True)
    with path.open("rb") as f:
        magic = f.read(6)
    if magic[:4] == b"PK\x03\x04":
        raise file_error(path, "a zip archive (an .npz renamed .npy?), not a NumPy array file: save one array "
                               "with numpy.save")
    if magic != b"\x93NUMPY":
        raise file_error(path, "not a NumPy array file (no .npy signature)")
    _check_npy_size(path)
    try:
        a = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else "truncated"
        raise file_error(path, f"not a readable NumPy array file ({why})") from None
    if a.dtype.kind not in "iuf":
        raise file_error(path, f"array of {a.dtype} is not numeric")
    if a.size == 0:
        raise file_error(path, f"no samples (an empty array of shape {a.shape})")
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise file_error(path, f"array of shape {a.shape}: expected (n_samples,) or (n_samples, n_leads)")
    if a.shape[1] > a.shape[0]:
        leads = f"{a.shape[0]} lead{'s' if a.shape[0] > 1 else ''}"
        warnings.warn(f"{path}: array of shape {a.shape} read as {leads} x {a.shape[1]} samples", stacklevel=2)
        a = a.T
    return _finish(path, path.stem, a.T, fs, [f"lead{i}" for i in range(a.shape[1])])


def read_edf(path, fs=None) -> Recording:
    """EDF/EDF+ with pyEDFlib; every signal must share one sampling rate."""
    import pyedflib

    path = Path(path)
    try:
        f = pyedflib.EdfReader(str(path))
    except OSError as exc:
        raise file_error(path, f"not a readable EDF file ({exc})") from None
    try:
        n = f.signals_in_file
        rates = {float(f.getSampleFrequency(i)) for i in range(n)}
        if len(rates) != 1:
            raise file_error(path, f"leads have different sampling rates {sorted(rates)}")
        file_fs = rates.pop()
        labels = [f.getLabel(i).strip() or f"lead{i}" for i in range(n)]
        scale = []
        for i in range(n):
            unit = f.getPhysicalDimension(i).strip().lower()
            scale.append({"uv": 1e-3, "µv": 1e-3, "v": 1e3}.get(unit, 1.0))
        sig = np.vstack([f.readSignal(i) * s for i, s in enumerate(scale)])
    finally:
        f.close()
    if fs is not None and abs(float(fs) - file_fs) > 1e-6:
        raise ArrhythmiaError(f"Invalid value for '--fs': {path} records its own rate {file_fs:g} Hz; got {float(fs):g}.")
    return _finish(path, path.stem, sig, file_fs, labels)


def read_wfdb_input(path, fs=None, annotations: bool = True) -> Recording:
    """A WFDB record; reference annotations (``.atr``) are read when present (and ``annotations``)."""
    from .wfdb_io import read_wfdb, read_header

    p = Path(path)
    p = p.with_suffix("") if p.suffix == ".hea" else p
    header = read_header(p)
    if fs is not None and abs(float(fs) - float(header.fs)) > 1e-6:
        raise ArrhythmiaError(f"Invalid value for '--fs': {p}.hea records its own rate {header.fs:g} Hz; got {float(fs):g}.")
    has_atr = annotations and record_file(p, "atr").is_file()
    rec = read_wfdb(p, annotator="atr" if has_atr else None, gaps=True)
    return _finish(rec.source, rec.name, rec.signal, rec.fs, rec.leads, rec.annotations, gaps_ok=True)


def read_input(path, fs=None, annotations: bool = True) -> Recording:
    """Read any supported input (see the module's table).

    Parameters
    ----------
    path : str or Path
    fs : float, optional
        Sampling rate in Hz; required for CSV and NumPy, checked against the
        file for WFDB and EDF.
    annotations : bool
        Read a WFDB record's reference annotations (``.atr``) too; ``annotate``, which never uses them, does not.

    Raises
    ------
    ArrhythmiaError
        Missing file, unknown format, unreadable content, NaN samples, or a
        missing / inconsistent sampling rate, naming the file.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix != ".hea" and record_file(p, "hea").is_file():  # a record named without extension (``ecg.v2``)
        return read_wfdb_input(p, fs, annotations)
    if suffix in (".dat", ".atr") and p.with_suffix(".hea").is_file():
        return read_wfdb_input(p.with_suffix(""), fs, annotations)
    if not p.exists():
        raise file_error(p, "file not found")
    if p.is_dir():
        raise file_error(p, "is a directory; give a file or a WFDB record")
    readers = {".hea": read_wfdb_input, ".csv": read_csv, ".edf": read_edf, ".npy": read_npy}
    if suffix not in readers:
        raise file_error(p, f"unknown format {suffix or '(no extension)'!r}; allowed WFDB (.hea), .csv, .edf, .npy")
    if suffix == ".hea":
        return read_wfdb_input(p, fs, annotations)
    return readers[suffix](p, fs)


def input_files(path) -> list[Path]:
    """The files a recording is read from (what outputs must never replace).

    A WFDB record: its header, the signal files the header names and its
    ``.atr`` when present; any other input: the file itself.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    rec = None
    if suffix != ".hea" and record_file(p, "hea").is_file():
        rec = p
    elif suffix in (".hea", ".dat", ".atr") and p.with_suffix(".hea").is_file():
        rec = p.with_suffix("")
    if rec is not None:
        files = [record_file(rec, "hea"), record_file(rec, "atr")]
        try:
            from .wfdb_io import read_header

            files += [rec.parent / f for f in (read_header(rec).file_name or [])]
        except ArrhythmiaError:
            files.append(record_file(rec, "dat"))
        return list(dict.fromkeys(files))
    return [p]


def list_inputs(folder) -> list[Path]:
    """Every readable input in a folder: WFDB records (by header), CSV, EDF, NumPy files, sorted."""
    folder = Path(folder)
    out = []
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() in EXTENSIONS and p.is_file():
            out.append(p)
    return out
