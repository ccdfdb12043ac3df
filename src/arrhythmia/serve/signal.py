"""A recording's signal for the review page: decimated windows and R-peak snapping.

The recording is read once (:func:`arrhythmia.io.readers.read_input`) and kept
as float32 millivolts in a ``.npy`` file of the server's cache, keyed by the
source's path, size and modification time; later opens map that file into
memory instead of decoding the recording again. A pyramid of min/max
envelopes (each level 8 times coarser than the one below) lets a window of
any length come back as at most ``points`` (min, max) pairs per lead without
touching more than ``8 * points`` values per lead; its levels are cached beside
the samples too.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ArrhythmiaError

FACTOR = 8
MAX_POINTS = 20_000
"""Most (min, max) pairs per lead one window request may ask for."""
SNAP_S = 0.15
"""An inserted beat goes to the largest deflection within this many seconds of the click."""


def cache_root() -> Path:
    """``<user cache>/serve`` (``ARRHYTHMIA_CACHE_DIR`` respected)."""
    from ..datasets.location import user_cache_root

    return user_cache_root() / "serve"


@dataclass
class SignalWindow:
    """A decimated window: lead ``k``'s point ``j`` spans samples ``start + j*step`` to ``start + (j+1)*step - 1``."""

    start: int
    step: int
    lo: np.ndarray
    hi: np.ndarray

    def to_json(self, fs: float, leads) -> dict:
        # microvolts as integers: a third of the bytes of floats, far below the recording's own resolution
        lo = np.round(self.lo * 1000).astype(np.int32)
        hi = np.round(self.hi * 1000).astype(np.int32)
        return {"start_sample": int(self.start), "step": int(self.step), "fs": fs, "start_s": self.start / fs,
                "dt_s": self.step / fs, "n": int(lo.shape[1]), "unit": "uV", "leads": list(leads),
                "min": lo.tolist(), "max": hi.tolist() if self.step > 1 else None}


class Signal:
    """The samples of one recording, with its min/max pyramid.

    Parameters
    ----------
    data : ndarray of float32, shape (n_leads, n_samples)
        Millivolts (a memory map is fine).
    fs : float
    leads : tuple of str
    cache : Path, optional
        Path stem under which the pyramid's levels are kept (computed once).
    """

    def __init__(self, data: np.ndarray, fs: float, leads, cache: Path | None = None):
        self.data, self.fs, self.leads = data, float(fs), tuple(leads)
        self.levels = _pyramid(data, cache)

    @property
    def n_samples(self) -> int:
        return int(self.data.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs

    def window(self, start_s: float, end_s: float, points: int) -> SignalWindow:
        """At most ``points`` (min, max) pairs per lead over ``[start_s, end_s)``.

        Raises
        ------
        ArrhythmiaError
            A range outside the record, an empty range, or too many points.
        """
        if not (1 <= points <= MAX_POINTS):
            raise ArrhythmiaError(f"Invalid value for 'points': allowed 1 to {MAX_POINTS}; got {points}.")
        if not (0 <= start_s < end_s <= self.duration_s + 1e-9):
            raise ArrhythmiaError(f"Invalid range {start_s:g}-{end_s:g} s: allowed within 0-{self.duration_s:.3f} s "
                                  "with start < end.")
        a, b = int(np.floor(start_s * self.fs)), min(int(np.ceil(end_s * self.fs)), self.n_samples)
        step = max(1, -(-(b - a) // points))
        level = 0
        while level + 1 < len(self.levels) and FACTOR ** (level + 1) <= step:
            level += 1
        unit = FACTOR ** level
        step = -(-step // unit) * unit  # a whole number of cells of that level
        a = (a // step) * step
        n = -(-(b - a) // step)
        block = step // unit
        if level == 0:
            lo = hi = np.asarray(self.data[:, a:a + n * step], dtype=np.float32)
        else:
            lo, hi = self.levels[level]
            lo, hi = lo[:, a // unit:a // unit + n * block], hi[:, a // unit:a // unit + n * block]
        return SignalWindow(a, step, _reduce(lo, block, np.minimum), _reduce(hi, block, np.maximum))

    def snap_peak(self, sample: int, lead: int = 0) -> int:
        """The largest deflection (from the local median, 0.5-40 Hz) within :data:`SNAP_S` of ``sample``."""
        from ..preprocessing.filters import bandpass

        if not (0 <= sample < self.n_samples):
            raise ArrhythmiaError(f"Invalid value for 'sample': allowed 0 to {self.n_samples - 1}; got {sample}.")
        pad = int(2 * self.fs)  # enough signal around it for the filter to settle
        a, b = max(0, sample - pad), min(self.n_samples, sample + pad)
        x = np.asarray(self.data[lead, a:b], dtype=np.float64)
        f = bandpass(x, self.fs, 0.5, 40.0) if x.size > 3 * int(self.fs) else x
        w = int(round(SNAP_S * self.fs))
        lo, hi = max(0, sample - a - w), min(f.size, sample - a + w + 1)
        seg = f[lo:hi] - np.median(f[lo:hi])
        return int(a + lo + np.abs(seg).argmax())

    def beat_windows(self, samples, before_s: float, after_s: float, n_points: int) -> np.ndarray:
        """``n_points`` evenly spaced samples per lead around each beat, each lead minus its window median.

        Returns
        -------
        ndarray of float32, shape (n_beats, n_leads, n_points)
            Millivolts; windows reaching past an edge repeat the edge sample.
        """
        samples = np.asarray(samples, dtype=np.int64)
        off = np.round(np.linspace(-before_s, after_s, n_points) * self.fs).astype(np.int64)
        idx = np.clip(samples[:, None] + off[None, :], 0, self.n_samples - 1)
        w = np.stack([np.asarray(self.data[k])[idx] for k in range(self.data.shape[0])], axis=1)
        return (w - np.median(w, axis=2, keepdims=True)).astype(np.float32)


def _reduce(x: np.ndarray, block: int, op) -> np.ndarray:
    """Combine ``block`` consecutive columns with ``op`` (the last, partial block too)."""
    if block == 1:
        return np.asarray(x, dtype=np.float32)
    n = x.shape[1]
    full = (n // block) * block
    if block & (block - 1) == 0:  # a power of two: fold pairs (element-wise, far faster than a short-axis reduce)
        out = np.asarray(x[:, :full])
        while out.shape[1] > full // block:
            out = op(out[:, 0::2], out[:, 1::2])
    else:
        out = op.reduce(np.asarray(x[:, :full]).reshape(x.shape[0], -1, block), axis=2)
    if full < n:
        out = np.concatenate([out, op.reduce(np.asarray(x[:, full:]), axis=1, keepdims=True)], axis=1)
    return out.astype(np.float32, copy=False)


def _pyramid(data: np.ndarray, cache: Path | None = None) -> list:
    """Level 0 is the data itself (None here); level L holds min and max over 8**L samples.

    With ``cache`` (a path stem), the levels are saved once as ``<stem>.L<k>.npy`` and mapped afterwards.
    """
    levels = [None]
    lo = hi = data
    k = 1
    while lo.shape[1] > 4 * FACTOR:
        path = None if cache is None else cache.with_name(f"{cache.name}.L{k}.npy")
        if path is not None and path.is_file():
            m = np.load(path, mmap_mode="r")
            lo, hi = m[0], m[1]
        else:
            lo, hi = _reduce(lo, FACTOR, np.minimum), _reduce(hi, FACTOR, np.maximum)
            if path is not None:
                tmp = path.with_name(f".{path.name}.{os.getpid()}.npy")
                np.save(tmp, np.stack([lo, hi]))
                os.replace(tmp, path)
        levels.append((lo, hi))
        k += 1
    return levels


def load_signal(source, fs=None, cache: Path | None = None) -> Signal:
    """Read ``source`` once into the cache (float32 mV), then map the cached copy.

    Parameters
    ----------
    source : str or Path
        Any input :func:`arrhythmia.io.readers.read_input` reads.
    fs : float, optional
        For CSV and NumPy inputs.
    cache : Path, optional
        Cache folder (default :func:`cache_root`).
    """
    import json

    from ..io.readers import read_input

    src = Path(source)
    cache = Path(cache) if cache else cache_root()
    from ..io.wfdb_io import record_file

    hea = src if src.suffix.lower() == ".hea" else record_file(src, "hea")  # a record name may hold dots
    stat_of = hea if hea.is_file() else (src.with_suffix(".hea") if src.with_suffix(".hea").is_file() else src)
    st = stat_of.stat() if stat_of.exists() else None
    key = hashlib.sha256(f"{src.resolve()}|{st and st.st_size}|{st and st.st_mtime_ns}|{fs}".encode()).hexdigest()[:20]
    npy, meta = cache / f"{key}.npy", cache / f"{key}.json"
    if npy.is_file() and meta.is_file():
        m = json.loads(meta.read_text())
        return Signal(np.load(npy, mmap_mode="r"), m["fs"], m["leads"], cache / key)
    rec = read_input(src, fs)
    from ..preprocessing.quality import fill_gaps

    # WFDB gaps (invalid samples, NaN) drawn as straight lines: JSON has no NaN; the beats there are Q
    data = (fill_gaps(rec.signal)[0] if not np.isfinite(rec.signal).all() else rec.signal).astype(np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".{key}.{os.getpid()}.npy"
    np.save(tmp, data)
    os.replace(tmp, npy)
    meta.write_text(json.dumps({"fs": rec.fs, "leads": list(rec.leads), "source": str(src)}))
    return Signal(np.load(npy, mmap_mode="r"), rec.fs, rec.leads, cache / key)
