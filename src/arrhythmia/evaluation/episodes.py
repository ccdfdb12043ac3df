"""Episode-by-episode comparison of rhythm annotations, equivalent to WFDB's ``epicmp -A`` (AF).

ANSI/AAMI EC57 scores an atrial fibrillation detector by episodes and by
duration. An **episode** runs from a rhythm mark (``+`` with aux ``(AFIB``)
to the next rhythm mark with another rhythm (``(N``, ``(AFL``, ...), or to
the end of the record; consecutive ``(AFIB`` marks continue one episode.
Following ``epicmp`` exactly (WFDB 10.7.0, ``app/epicmp.c``):

* **episode sensitivity** ``TPs / (TPs + FN)``: a reference episode is
  detected (TPs) when any test episode overlaps it by at least one sample,
  else it is missed (FN);
* **episode positive predictivity** ``TPp / (TPp + FP)``: the same with the
  roles swapped (a test episode overlapping any reference episode is a TPp);
* **duration sensitivity**: the part of the reference episodes' duration
  covered by test episodes; **duration positive predictivity**: the part of
  the test episodes' duration covered by reference episodes;
* only the test period counts: from ``start`` (EC57: 5 minutes; the learning
  period before it is not scored) to the record's end. An episode that ends
  before ``start`` is left out, one that straddles it is cut at ``start``,
  one that runs past the end is cut at the end. The episodes searched for
  overlap are not cut: only the part inside the episode scored counts.
* no exclusions (reference atrial flutter is not excluded from AF +P: that
  is EC38:1998's ``-x``; EC57 and EC38:2007 have none).

:func:`gross_episodes` adds ``sumstats``' Gross and Average lines over
records, with the same arithmetic as ``sumstats`` (which rebuilds the
overlap of each record from its *printed*, rounded duration percentages).
``tests/test_episodes.py`` checks every figure against ``epicmp``/``sumstats``
on the 48 MIT-BIH records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .wfdb_text import ratio, seconds_to_samples, strtim, zmstimstr

AF_LABELS: tuple[str, ...] = ("(AFIB",)
"""Rhythm aux prefixes of an AF episode, as ``epicmp -A`` (which compares the first 5 characters)."""


def _clean(note) -> str:
    return "" if note is None else str(note).replace("\x00", "")


def episodes_from_rhythm(samples, aux_notes, n_samples: int, labels=AF_LABELS, symbols=None) -> np.ndarray:
    """Episodes of the rhythms ``labels`` from rhythm annotations.

    Parameters
    ----------
    samples : array_like of int
        Sample of every annotation (ascending), rhythm marks among them.
    aux_notes : sequence of str
        Aux note of every annotation (``'(AFIB'``, ``'(N'``; trailing NULs as
        ``wfdb.rdann`` leaves them are ignored).
    n_samples : int
        Record length in samples: an episode still open at the last rhythm
        mark ends at the later of this and the last annotation (as epicmp).
    labels : tuple of str
        Aux prefixes that belong to the episode (``('(AFIB',)``; several
        prefixes make one episode of consecutive marks of any of them).
    symbols : sequence of str, optional
        Annotation symbols: when given, only ``+`` annotations are rhythm
        marks (as epicmp); without them, every annotation whose aux note
        starts with ``(``. A ``+`` without an aux note ends an episode.

    Returns
    -------
    ndarray of int64, shape (k, 2)
        ``[start, end)`` samples of each episode, in time order.
    """
    samples = np.asarray(samples, dtype=np.int64)
    notes = np.array([_clean(a) for a in aux_notes], dtype=object)
    if samples.shape != notes.shape:
        raise ValueError(f"samples and aux_notes differ in length: {samples.size} vs {notes.size}")
    if symbols is not None:
        rhythm = np.asarray(symbols, dtype=object) == "+"
    else:
        rhythm = np.fromiter((a.startswith("(") for a in notes), bool, notes.size)
    t, aux = samples[rhythm], notes[rhythm]
    inside = np.fromiter((a.startswith(tuple(labels)) for a in aux), bool, aux.size)
    prev = np.concatenate(([False], inside[:-1]))
    first = np.flatnonzero(inside & ~prev)
    stops = np.flatnonzero(~inside)
    k = np.searchsorted(stops, first, side="right")
    ends = np.full(first.size, max(int(n_samples), int(samples.max()) if samples.size else 0), np.int64)
    closed = k < stops.size
    ends[closed] = t[stops[k[closed]]]
    return np.column_stack((t[first], ends)).astype(np.int64).reshape(-1, 2)


class _Cursor:
    """Episodes read one at a time, ``(0, 0)`` when exhausted (epicmp's ``find_episode``)."""

    def __init__(self, episodes):
        self._eps = [(int(a), int(b)) for a, b in np.asarray(episodes, dtype=np.int64).reshape(-1, 2)]
        self._k = 0
        self.start = self.end = 0

    def next(self) -> None:
        if self._k < len(self._eps):
            self.start, self.end = self._eps[self._k]
            self._k += 1
        else:
            self.start = self.end = 0


def _overlap(b: _Cursor, w_start: int, w_end: int) -> int:
    """Samples of ``b``'s episodes inside the window ``[w_start, w_end]``; ``b`` is left on the last one seen."""
    if b.end == 0:
        return 0
    while b.end < w_start:
        b.next()
        if b.start == 0:
            return 0
    if b.start > w_end:
        return 0
    total = 0
    while True:
        total += min(b.end, w_end) - max(b.start, w_start)
        if b.end >= w_end:
            break
        b.next()
        if not 0 < b.start < w_end:
            break
    return total


def _one_side(a_eps, b_eps, start: int, end: int) -> tuple[int, int, int, int]:
    """One epicmp pass: ``a``'s episodes are scored against ``b``'s. Returns (matched, unmatched, duration, overlap)."""
    a, b = _Cursor(a_eps), _Cursor(b_eps)
    a.next()
    while 0 < a.end < start:
        a.next()
    if a.end == 0:
        return 0, 0, 0, 0
    a.start = max(a.start, start)
    b.next()
    match = miss = duration = overlap = 0
    while a.end and (end == 0 or a.start < end):
        a_end = min(a.end, end) if end > 0 else a.end
        duration += a_end - a.start
        o = _overlap(b, a.start, a_end)
        if o > 0:
            match += 1
            overlap += o
        else:
            miss += 1
        a.next()
    return match, miss, duration, overlap


@dataclass(frozen=True)
class EpisodeComparison:
    """One record's episode comparison (``epicmp -l`` line).

    Attributes
    ----------
    tps, fn : int
        Reference episodes detected / missed (episode sensitivity).
    tpp, fp : int
        Test episodes confirmed / false (episode positive predictivity).
    ref_duration, ref_overlap : int
        Samples of reference episodes in the test period, and of those covered by test episodes.
    test_duration, test_overlap : int
        The same for test episodes.
    fs : float
        Sampling rate in Hz.
    record : str
    """

    tps: int
    fn: int
    tpp: int
    fp: int
    ref_duration: int
    ref_overlap: int
    test_duration: int
    test_overlap: int
    fs: float
    record: str = ""

    @property
    def episode_se(self) -> float:
        """TPs / (TPs + FN); NaN when there is no reference episode."""
        return ratio(self.tps, self.tps + self.fn)

    @property
    def episode_ppv(self) -> float:
        """TPp / (TPp + FP); NaN when there is no test episode."""
        return ratio(self.tpp, self.tpp + self.fp)

    @property
    def duration_se(self) -> float:
        """Share of the reference episodes' duration covered by test episodes."""
        return ratio(self.ref_overlap, self.ref_duration)

    @property
    def duration_ppv(self) -> float:
        """Share of the test episodes' duration covered by reference episodes."""
        return ratio(self.test_overlap, self.test_duration)

    @property
    def ref_duration_s(self) -> float:
        return self.ref_duration / self.fs

    @property
    def test_duration_s(self) -> float:
        return self.test_duration / self.fs


def compare_episodes(reference, test, fs: float, start_s: float = 300.0, end_sample=None,
                     record: str = "") -> EpisodeComparison:
    """Compare test episodes with reference episodes, as ``epicmp``.

    Parameters
    ----------
    reference, test : array_like of int, shape (k, 2)
        ``[start, end)`` samples of episodes (:func:`episodes_from_rhythm`).
    fs : float
        Sampling rate in Hz.
    start_s : float
        Start of the test period in seconds (EC57: 300, after a 5-minute
        learning period; ``epicmp -f``). Turned into samples as WFDB does,
        ``(long)(start_s*fs + 0.5)``.
    end_sample : int, optional
        End of the test period (the record length, as epicmp reads it from
        the header); ``None``: no end (epicmp ``-t 0``).
    record : str
        Name carried into reports.

    Returns
    -------
    EpisodeComparison
    """
    start = seconds_to_samples(start_s, fs)
    end = 0 if end_sample is None else int(end_sample)
    if 0 < end < start:
        from ..errors import ArrhythmiaError

        raise ArrhythmiaError(f"Invalid value for 'start_s': allowed a start before the end ({end / fs:g} s); "
                              f"got {start_s!r}.")
    tps, fn, ref_dur, ref_ov = _one_side(reference, test, start, end)
    tpp, fp, test_dur, test_ov = _one_side(test, reference, start, end)
    return EpisodeComparison(tps, fn, tpp, fp, ref_dur, ref_ov, test_dur, test_ov, float(fs), record)


@dataclass(frozen=True)
class EpisodeSummary:
    """``sumstats``' Sum, Gross and Average lines over records.

    Gross duration figures use ``sumstats``' overlap, rebuilt per record
    from the printed duration (ms) times the printed, rounded percentage;
    ``pooled_duration_se``/``_ppv`` are the exact pooled overlaps instead.
    """

    n_records: int
    tps: int
    fn: int
    tpp: int
    fp: int
    ref_duration_ms: int
    test_duration_ms: int
    overlap_ms: int
    average_sums: tuple
    """Per ratio (episode Se, episode +P, duration Se, duration +P): (sum over records, records where defined)."""
    pooled_duration_se: float
    pooled_duration_ppv: float

    def _average(self, k: int) -> float:
        total, n = self.average_sums[k]
        return total / n if n else float("nan")

    @property
    def average_episode_se(self) -> float:
        return self._average(0)

    @property
    def average_episode_ppv(self) -> float:
        return self._average(1)

    @property
    def average_duration_se(self) -> float:
        """Mean of the records' printed (rounded) duration Se, as sumstats averages them."""
        return self._average(2)

    @property
    def average_duration_ppv(self) -> float:
        return self._average(3)

    @property
    def episode_se(self) -> float:
        return ratio(self.tps, self.tps + self.fn)

    @property
    def episode_ppv(self) -> float:
        return ratio(self.tpp, self.tpp + self.fp)

    @property
    def duration_se(self) -> float:
        return ratio(self.overlap_ms, self.ref_duration_ms)

    @property
    def duration_ppv(self) -> float:
        return ratio(self.overlap_ms, self.test_duration_ms)


def _printed_ms(samples: int, fs: float) -> int:
    """A duration as sumstats reads it back: epicmp's printed time string parsed at 1000 Hz."""
    return strtim(zmstimstr(samples, fs), 1000.0)


def _printed_fraction(num: int, den: int) -> float:
    """epicmp's rounded integer percentage as sumstats reads it (``atof(field)/100``; ``-`` reads 0)."""
    return int(100.0 * num / den + 0.5) / 100.0 if den > 0 else 0.0


def gross_episodes(comparisons) -> EpisodeSummary:
    """Gross and average episode statistics over records, as ``sumstats`` prints them.

    Parameters
    ----------
    comparisons : sequence of EpisodeComparison

    Returns
    -------
    EpisodeSummary
        Averages are over the records where each ratio is defined (NaN if none).
    """
    comparisons = list(comparisons)
    sums = dict(tps=0, fn=0, tpp=0, fp=0, ref=0, test=0, overlap=0)
    acc = {k: [0.0, 0] for k in ("es", "ep", "ds", "dp")}
    exact = [0.0, 0.0, 0.0, 0.0]  # seconds: ref overlap, ref duration, test overlap, test duration
    for c in comparisons:
        for k, v in (("tps", c.tps), ("fn", c.fn), ("tpp", c.tpp), ("fp", c.fp)):
            sums[k] += v
        if c.tps + c.fn:
            acc["es"][0] += c.tps / (c.tps + c.fn)
            acc["es"][1] += 1
        if c.tpp + c.fp:
            acc["ep"][0] += c.tpp / (c.tpp + c.fp)
            acc["ep"][1] += 1
        rt, tt = _printed_ms(c.ref_duration, c.fs), _printed_ms(c.test_duration, c.fs)
        sums["ref"] += rt
        sums["test"] += tt
        ds = _printed_fraction(c.ref_overlap, c.ref_duration)
        dp = _printed_fraction(c.test_overlap, c.test_duration)
        if rt > 0:
            acc["ds"][0] += ds
            acc["ds"][1] += 1
        if tt > 0:
            acc["dp"][0] += dp
            acc["dp"][1] += 1
        if rt > tt:  # sumstats keeps a whole number of ms after each record (C's `long += double`)
            sums["overlap"] = int(sums["overlap"] + rt * ds)
        elif tt > 0:
            sums["overlap"] = int(sums["overlap"] + tt * dp)
        for i, v in enumerate((c.ref_overlap, c.ref_duration, c.test_overlap, c.test_duration)):
            exact[i] += v / c.fs
    return EpisodeSummary(len(comparisons), sums["tps"], sums["fn"], sums["tpp"], sums["fp"], sums["ref"],
                          sums["test"], sums["overlap"], tuple(tuple(acc[k]) for k in ("es", "ep", "ds", "dp")),
                          ratio(exact[0], exact[1]), ratio(exact[2], exact[3]))
