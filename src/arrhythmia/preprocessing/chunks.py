"""Overlapping chunks of a long recording, and the per-lead statistics gathered over them.

A long recording's full-rate signal is filtered, resampled and cut into beat
windows a chunk at a time (:func:`arrhythmia.pipeline.segment.beat_windows`)
so that no full-length filtered copy of it is ever held, and the detectors'
QRS band-pass runs a chunk at a time too (:func:`.filters.bandpass` with
``chunk_s``: one zero-phase filter over 10 million samples is several times
slower than over 145 pieces of them). Each chunk is read
with :data:`MARGIN_S` of signal either side of its *core*; only the core is
kept. The zero-phase band-pass's response to the chunk's edges has decayed
to about 1e-13 of the signal after 30 s (0.5-40 Hz, order 4, measured on
MIT-BIH 208 and svdb 804 resampled to 360 Hz), so a chunk's core equals the
same stretch filtered as part of the whole record to within floating-point
rounding. What depends on the whole record (the z-score's mean and standard
deviation, the median beat, the RR references) is computed once over every
core and passed to every chunk, and the detectors' decisions run over the
whole record's energy, so that chunked and whole runs give the same beats
and the same classes (``tests/test_chunked.py``).

Pure functions; samples at the recording's rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import lcm

import numpy as np

from ..errors import ArrhythmiaError

CHUNK_S = 600.0
"""Core length of a chunk, seconds (10 minutes)."""
MARGIN_S = 30.0
"""Signal read either side of a core, seconds (see the module docstring)."""
WHOLE_UP_TO_S = 3600.0
"""Automatic choice (``chunk_s=None``): recordings up to this long are processed whole, longer ones in chunks."""


@dataclass(frozen=True)
class Chunk:
    """One chunk: read ``[lo, hi)``, keep ``[core_lo, core_hi)`` (samples, ``lo <= core_lo < core_hi <= hi``)."""

    lo: int
    hi: int
    core_lo: int
    core_hi: int


def chunk_plan(n_samples: int, fs: float, chunk_s: float | None = None, margin_s: float = MARGIN_S,
               align: int = 1) -> list[Chunk]:
    """Cores that tile ``[0, n_samples)`` and the stretch read for each.

    Parameters
    ----------
    n_samples : int
    fs : float
        Hz.
    chunk_s : float or None
        Core length in seconds; None: :data:`CHUNK_S` above :data:`WHOLE_UP_TO_S`, else one chunk; 0: one chunk
        (the whole record, no margin).
    margin_s : float
        Read this much either side of a core (clipped at the record's edges).
    align : int
        Every core and read boundary inside the record is a multiple of this many samples (e.g. the
        denominator of a resampling ratio, so that each boundary falls on an output sample).

    Returns
    -------
    list of Chunk

    Raises
    ------
    ArrhythmiaError
        A negative or non-finite ``chunk_s`` or ``margin_s``.
    """
    for name, v in (("chunk_s", chunk_s), ("margin_s", margin_s)):
        if v is not None and not (np.isfinite(v) and v >= 0):
            raise ArrhythmiaError(f"Invalid value for {name!r}: allowed a finite number of seconds >= 0; got {v!r}.")
    n = int(n_samples)
    if chunk_s is None:
        chunk_s = CHUNK_S if n / fs > WHOLE_UP_TO_S else 0.0
    align = max(1, int(align))
    size = int(round(chunk_s * fs)) // align * align
    if size <= 0 or size >= n:
        return [Chunk(0, n, 0, n)]
    margin = -(-int(round(margin_s * fs)) // align) * align
    bounds = list(range(0, n, size)) + [n]
    if bounds[-1] - bounds[-2] < size // 4 and len(bounds) > 2:  # no sliver of a last chunk
        del bounds[-2]
    return [Chunk(max(0, a - margin), min(n, b + margin), a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def boundary_step(*steps: int) -> int:
    """Least common multiple of the given alignment steps (each at least 1)."""
    return lcm(*(max(1, int(s)) for s in steps))


@dataclass
class LeadMoments:
    """Count, mean and sum of squared deviations per lead, merged over chunks (Chan et al.'s update).

    Merging the cores of a record gives its mean and standard deviation to within rounding of the one-pass
    ``x.mean()`` / ``x.std()``, without holding the record.
    """

    n: int = 0
    mean: np.ndarray | None = None
    m2: np.ndarray | None = None

    def add(self, x: np.ndarray) -> None:
        """Merge the samples ``x`` (n_leads, n) into the moments."""
        nb = x.shape[-1]
        if nb == 0:
            return
        mb = x.mean(axis=-1)
        m2b = ((x - mb[:, None]) ** 2).sum(axis=-1)
        if self.n == 0:
            self.n, self.mean, self.m2 = nb, mb, m2b
            return
        n = self.n + nb
        delta = mb - self.mean
        self.mean = self.mean + delta * (nb / n)
        self.m2 = self.m2 + m2b + delta ** 2 * (self.n * nb / n)
        self.n = n

    @property
    def std(self) -> np.ndarray:
        """Population standard deviation per lead (``ddof=0``, as ``numpy.std``)."""
        return np.sqrt(self.m2 / self.n)
