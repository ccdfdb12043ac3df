"""Beat-by-beat comparison equivalent to WFDB's ``bxb`` (ANSI/AAMI EC57 / EC38).

Two annotation streams of one record, the reference and the test, are
merged in time and each beat is paired with at most one beat of the other
stream, with exactly the rules of ``bxb`` (WFDB 10.7.0, ``app/bxb.c``;
this is our own code, written from those rules):

* **matching**: at each step the earlier of the current reference beat ``T``
  and test beat ``t`` is examined; they are paired when ``|T - t|`` is within
  the match window (150 ms: ``(int)(0.15 fs + 0.5)`` samples) and the pair is
  better than pairing the earlier one with the other stream's *next* beat
  (or that next pair is itself closer); otherwise the earlier beat is
  unmatched. A tie ``T == t`` is examined as "reference first".
* **start time** (``-f``, EC57: 5 minutes): reference beats before it are
  not scored; the last test beat before it may still match the first
  reference beat after it, and a test beat within one window after the start
  is dropped (not a false positive) when the next test beat matches better.
* **classes**: beat symbols map to the AAMI test labels N, S, V, F, Q as
  bxb's ``amap`` (with SVEB statistics, ``-L``/``-S``: ``A a J S j e n`` are
  S; without, ``-l``/``-s``, they are N); paced ``/`` and ``f``, learning
  ``?`` and ``Q`` are Q; a flutter wave ``!`` outside a flutter episode is O.
* **Q**: a test Q matched to a reference beat counts as detected (QRS TP)
  but is a missed V or S; a reference Q is never a V or S false positive.
* **ventricular flutter/fibrillation** ``[`` ... ``]``: reference
  annotations inside are skipped, and test beats inside (one of the last
  two) reference episodes are not counted at all; test-marked VF is ignored.
* **unreadable stretches**: a noise annotation ``~`` whose subtype has bits
  4 and 5 set starts a shutdown, the next ``~`` with another subtype ends it
  (MIT-BIH convention; a lone one is AHA-style: it covers from 150 ms after
  the previous beat to 150 ms before the next annotation). Unmatched beats of
  the other stream inside (one of the last two) shutdowns are tallied as
  ``X`` (``Nx``, ``On``-like ``Xn``) instead of ``O``.
* **RR error**: at every step of the comparison (a pair, or an unmatched
  beat of either stream), when both current beats have an RR interval (none
  for a first beat, none across a VF episode or a shutdown), their difference
  is one term of the RMS error, reported in ms.

The main loop is sequential because every decision depends on which beats
the previous ones consumed (as in bxb); the maps, RR intervals, VF/noise
states and the tallies are array operations. ``tests/test_ec57.py`` checks
every count and printed figure against bxb and sumstats on the 48 MIT-BIH
records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bxb_match import (_O, _SKIP, _X, BXB_CLASS, LABELS, MATCH_WINDOW_S, SVEB_SYMBOLS, _inside, _merge, _scan,
                        match_indices)
from .wfdb_text import ratio, seconds_to_samples

__all__ = ["BXB_CLASS", "LABELS", "MATCH_WINDOW_S", "SVEB_SYMBOLS", "BeatComparison", "BeatSummary", "compare_beats",
           "gross_beats", "match_indices"]


@dataclass(frozen=True)
class BeatComparison:
    """One record's beat-by-beat comparison (what ``bxb`` tallies).

    Attributes
    ----------
    counts : ndarray of int64, shape (7, 7)
        ``counts[r, c]``: reference label ``LABELS[r]`` paired with test label
        ``LABELS[c]`` (N S V F Q, O = no beat there, X = no beat there because
        that stream is in shutdown); e.g. ``counts[0, 5]`` is bxb's ``No``
        (a reference N beat missed). O/X x O/X are always 0.
    rr_sum_sq : float
        Sum of squared RR interval errors (samples squared) over ``rr_n`` pairs.
    rr_n : int
    shutdown_s : int
        Test annotator's shutdown time, seconds (rounded as bxb).
    fs : float
    start, end, window : int
        Start of the test period, its end (-1: end of the reference
        annotations), match window, all in samples.
    sveb : bool
        Whether S was kept apart from N (bxb ``-L``/``-S``) or merged into N (``-l``/``-s``).
    record : str
    """

    counts: np.ndarray
    rr_sum_sq: float
    rr_n: int
    shutdown_s: int
    fs: float
    start: int
    end: int
    window: int
    sveb: bool
    record: str = ""

    def c(self, ref: str, test: str) -> int:
        """One cell, e.g. ``c('N', 'v')`` = bxb's ``Nv`` (case of ``test`` ignored)."""
        return int(self.counts[LABELS.index(ref.upper()), LABELS.index(test.upper())])

    def _sum(self, rows, cols) -> int:
        return int(self.counts[np.ix_([LABELS.index(r) for r in rows], [LABELS.index(c) for c in cols])].sum())

    @property
    def qrs_tp(self) -> int:
        return self._sum("NSVFQ", "NSVFQ")

    @property
    def qrs_fn(self) -> int:
        return self._sum("NSVFQ", "OX")

    @property
    def qrs_fp(self) -> int:
        return self._sum("OX", "NSVFQ")

    @property
    def qrs_se(self) -> float:
        return ratio(self.qrs_tp, self.qrs_tp + self.qrs_fn)

    @property
    def qrs_ppv(self) -> float:
        return ratio(self.qrs_tp, self.qrs_tp + self.qrs_fp)

    @property
    def veb(self) -> tuple[int, int, int, int]:
        """(TP, FN, FP, TN) for V: reference Q and F rows are no false positive."""
        tp = self.c("V", "V")
        return (tp, self._sum("V", "NSFQOX"), self._sum("NSOX", "V"), self._sum("NSFQOX", "NSFQ"))

    @property
    def sveb_counts(self) -> tuple[int, int, int]:
        """(TP, FN, FP) for S: reference Q is no false positive, reference F is."""
        return self.c("S", "S"), self._sum("S", "NVFQOX"), self._sum("NVFOX", "S")

    @property
    def veb_se(self) -> float:
        tp, fn, _, _ = self.veb
        return ratio(tp, tp + fn)

    @property
    def veb_ppv(self) -> float:
        tp, _, fp, _ = self.veb
        return ratio(tp, tp + fp)

    @property
    def veb_fpr(self) -> float:
        _, _, fp, tn = self.veb
        return ratio(fp, tn + fp)

    @property
    def sveb_se(self) -> float:
        tp, fn, _ = self.sveb_counts
        return ratio(tp, tp + fn)

    @property
    def sveb_ppv(self) -> float:
        tp, _, fp = self.sveb_counts
        return ratio(tp, tp + fp)

    @property
    def rms_rr_error_ms(self) -> float:
        """RMS RR interval error in ms (bxb: ``sqrt(ssrre/nrre)*1000/strtim("1")``); NaN without any pair."""
        if not self.rr_n:
            return float("nan")
        return float(np.sqrt(self.rr_sum_sq / self.rr_n) * 1000.0 / int(self.fs + 0.5))

    def figure_terms(self) -> list[tuple[int, int]]:
        """(numerator, denominator) of the figures bxb prints for this record.

        QRS Se, QRS +P, VEB Se, VEB +P, then SVEB Se, SVEB +P (``sveb``) or VEB FPR.
        """
        q = self.qrs_tp
        vtp, vfn, vfp, vtn = self.veb
        out = [(q, q + self.qrs_fn), (q, q + self.qrs_fp), (vtp, vtp + vfn), (vtp, vtp + vfp)]
        if self.sveb:
            stp, sfn, sfp = self.sveb_counts
            return out + [(stp, stp + sfn), (stp, stp + sfp)]
        return out + [(vfp, vtn + vfp)]

    def line_counts(self) -> dict[str, int]:
        """The counts of bxb's line format: ``-L`` (19, SVEB) or ``-l`` (11) columns, by their heading."""
        s = self._sum
        if self.sveb:
            return {"Nn'": s("N", "NFQ"), "Sn'": s("S", "NFQ"), "Vn'": s("V", "NFQ"), "Fn'": s("FQ", "NFQ"),
                    "On'": s("OX", "NFQ"), "Ns": s("N", "S"), "Ss": s("S", "S"), "Vs": s("V", "S"),
                    "Fs'": s("FQ", "S"), "Os'": s("OX", "S"), "Nv": s("N", "V"), "Sv": s("S", "V"),
                    "Vv": s("V", "V"), "Fv'": s("FQ", "V"), "Ov'": s("OX", "V"), "No'": s("N", "OX"),
                    "So'": s("S", "OX"), "Vo'": s("V", "OX"), "Fo'": s("FQ", "OX")}
        return {"Nn'": s("NS", "NSFQ"), "Vn'": s("V", "NSFQ"), "Fn'": s("FQ", "NSFQ"), "On'": s("OX", "NSFQ"),
                "Nv": s("NS", "V"), "Vv": s("V", "V"), "Fv'": s("FQ", "V"), "Ov'": s("OX", "V"),
                "No'": s("NS", "OX"), "Vo'": s("V", "OX"), "Fo'": s("FQ", "OX")}


def compare_beats(ref_samples, ref_symbols, test_samples, test_symbols, fs: float, start_s: float = 300.0,
                  end_sample=None, ref_subtypes=None, test_subtypes=None, sveb: bool = True,
                  window_s: float = MATCH_WINDOW_S, record: str = "") -> BeatComparison:
    """Compare a test annotation file with the reference, beat by beat, as ``bxb``.

    Parameters
    ----------
    ref_samples, test_samples : array_like of int
        Sample of every annotation (ascending), beats and others (noise ``~``,
        flutter ``[ ]``, rhythm ``+`` ... as read by ``wfdb.rdann``).
    ref_symbols, test_symbols : sequence of str
        WFDB annotation symbols.
    fs : float
        Sampling rate in Hz.
    start_s : float
        Start of the test period in seconds (EC57: 300; bxb ``-f``).
    end_sample : int, optional
        End of the test period (bxb: the record length from the header);
        ``None``: the end of the reference annotations.
    ref_subtypes, test_subtypes : array_like of int, optional
        Annotation subtypes (signed, as ``wfdb.rdann``): they tell shutdown
        noise marks apart. Without them no stretch is unreadable.
    sveb : bool
        Keep S apart from N (bxb ``-L``, default) or count S as N (``-l``).
    window_s : float
        Match window in seconds (EC57: 0.15; bxb ``-w``).
    record : str

    Returns
    -------
    BeatComparison
    """
    w = seconds_to_samples(window_s, fs)
    start = seconds_to_samples(start_s, fs)
    end = -1 if end_sample is None else int(end_sample)
    if end_sample is not None and end <= 0:
        from ..errors import ArrhythmiaError

        raise ArrhythmiaError(f"Invalid value for 'end_sample': allowed a positive sample or None; got {end_sample!r}.")
    if 0 < end < start:
        from ..errors import ArrhythmiaError

        raise ArrhythmiaError(f"Invalid value for 'start_s': allowed a start before the end ({end / fs:g} s); "
                              f"got {start_s!r}.")
    ref = _scan(ref_samples, ref_symbols, ref_subtypes, w, sveb, False, end)
    test = _scan(test_samples, test_symbols, test_subtypes, w, sveb, True, end)
    kind, i, j, j_last = _merge(ref.time, test.time, start, end, w)
    r_lab, t_lab = ref.label[i], test.label[j]
    extra, missed = kind == 1, kind == 2
    # unmatched test beats pair with the reference pseudo-beat of the moment (rpann), and conversely (tpann)
    r_state_vf, r_state_sd = ref.vf[i[extra] + 1], ref.sd[i[extra] + 1]
    t_x = test.time[j[extra]]
    r_lab[extra] = np.where(_inside(t_x, r_state_vf), _SKIP, np.where(_inside(t_x, r_state_sd), _X, _O))
    t_lab[missed] = np.where(_inside(ref.time[i[missed]], test.sd[j[missed] + 1]), _X, _O)
    counted = (r_lab >= 0) & (t_lab >= 0) & ~((r_lab >= _O) & (t_lab >= _O))
    counts = np.bincount(r_lab[counted] * 7 + t_lab[counted], minlength=49).reshape(7, 7)
    rr_ref, rr_test = ref.rr[i], test.rr[j]
    both = (rr_ref > 0) & (rr_test > 0)
    err = (rr_ref[both] - rr_test[both]).astype(np.float64)
    read = test.shutdown[:, 0] <= j_last if j_last + 1 <= test.n else np.ones(len(test.shutdown), bool)
    shut = (seconds_to_samples(0.5, fs) + int(test.shutdown[read, 1].sum())) // seconds_to_samples(1.0, fs)
    return BeatComparison(counts.astype(np.int64), float(np.sum(err * err)), int(both.sum()), int(shut), float(fs),
                          start, end, w, bool(sveb), record)


def _line_figures(k: dict, sveb: bool) -> list[tuple[int, int]]:
    """(numerator, denominator) of each figure of a line-format row (or of column sums), as sumstats reads them.

    With SVEB: QRS Se, QRS +P, VEB Se, VEB +P, SVEB Se, SVEB +P; without: QRS Se, QRS +P, VEB Se, VEB +P, VEB FPR.
    These equal bxb's own figures (:meth:`BeatComparison.figure_terms`) except SVEB +P: bxb counts a
    reference F beat labelled S as a false positive, sumstats (which only sees the column ``Fs'`` =
    Fs + Qs) does not.
    """
    def g(*names):
        return sum(k[n] for n in names)

    if sveb:
        tp = g("Nn'", "Ns", "Nv", "Sn'", "Ss", "Sv", "Vn'", "Vs", "Vv", "Fn'", "Fs'", "Fv'")
        fn, fp = g("No'", "So'", "Vo'", "Fo'"), g("On'", "Os'", "Ov'")
        return [(tp, tp + fn), (tp, tp + fp), (k["Vv"], g("Vn'", "Vs", "Vv", "Vo'")),
                (k["Vv"], g("Nv", "Sv", "Vv", "Ov'")), (k["Ss"], g("Sn'", "Ss", "Sv", "So'")),
                (k["Ss"], g("Ns", "Ss", "Vs", "Os'"))]
    tp = g("Nn'", "Nv", "Vn'", "Vv", "Fn'", "Fv'")
    fn, fp = g("No'", "Vo'", "Fo'"), g("On'", "Ov'")
    return [(tp, tp + fn), (tp, tp + fp), (k["Vv"], g("Vn'", "Vv", "Vo'")), (k["Vv"], g("Nv", "Vv", "Ov'")),
            (g("Nv", "Ov'"), g("Nn'", "Fn'", "On'", "Nv", "Ov'"))]


def printed_rr_error(c: BeatComparison) -> float:
    """The RMS RR error as bxb prints it (``%6.2f``) and sumstats reads it back; NaN when bxb prints ``-``."""
    v = c.rms_rr_error_ms
    return v if v != v else float(f"{v:.2f}")


@dataclass(frozen=True)
class BeatSummary:
    """``sumstats``' Sum, Gross and Average lines over records of one line format.

    Attributes
    ----------
    n_records : int
    sveb : bool
        ``-L`` table (with S) or ``-l`` table.
    sums : dict of str -> int
        Column sums (headings as :meth:`BeatComparison.line_counts`).
    gross_terms : tuple of (int, int)
        (numerator, denominator) of each gross figure: QRS Se, QRS +P, VEB Se, VEB +P, then SVEB Se,
        SVEB +P (``sveb``) or VEB FPR.
    average_terms : tuple of (float, int)
        Per figure: sum of the per-record ratios and number of records where it is defined; with
        ``sveb`` a last entry for the RMS RR error (sum of the printed values, in ms).
    """

    n_records: int
    sveb: bool
    sums: dict
    gross_terms: tuple
    average_terms: tuple

    def _gross(self, k: int) -> float:
        return ratio(*self.gross_terms[k])

    def _avg(self, k: int) -> float:
        return ratio(*self.average_terms[k])

    qrs_se = property(lambda self: self._gross(0))
    qrs_ppv = property(lambda self: self._gross(1))
    veb_se = property(lambda self: self._gross(2))
    veb_ppv = property(lambda self: self._gross(3))
    sveb_se = property(lambda self: self._gross(4) if self.sveb else float("nan"))
    sveb_ppv = property(lambda self: self._gross(5) if self.sveb else float("nan"))
    veb_fpr = property(lambda self: float("nan") if self.sveb else self._gross(4))
    average_qrs_se = property(lambda self: self._avg(0))
    average_qrs_ppv = property(lambda self: self._avg(1))
    average_veb_se = property(lambda self: self._avg(2))
    average_veb_ppv = property(lambda self: self._avg(3))
    average_sveb_se = property(lambda self: self._avg(4) if self.sveb else float("nan"))
    average_sveb_ppv = property(lambda self: self._avg(5) if self.sveb else float("nan"))
    average_rms_rr_error_ms = property(lambda self: self._avg(6) if self.sveb else float("nan"))

    @property
    def totals(self) -> dict[str, int]:
        """sumstats' last line: reference QRS complexes, VEBs (and SVEBs) in the test period."""
        s = self.sums
        out = {"QRS": self.gross_terms[0][1], "VEB": s["Vn'"] + s.get("Vs", 0) + s["Vv"] + s["Vo'"]}
        if self.sveb:
            out["SVEB"] = s["Sn'"] + s["Ss"] + s["Sv"] + s["So'"]
        return out


def gross_beats(comparisons) -> BeatSummary:
    """Gross and average statistics over records, as ``sumstats`` computes them from a bxb line table.

    Parameters
    ----------
    comparisons : sequence of BeatComparison
        All made with the same ``sveb`` setting.

    Returns
    -------
    BeatSummary
        Averages are over the records where each ratio is defined; the RR average is the mean of
        the printed (2-decimal) per-record values, as sumstats reads them.
    """
    comparisons = list(comparisons)
    sveb = {c.sveb for c in comparisons}
    if len(sveb) != 1:
        raise ValueError("gross_beats needs comparisons all made with the same 'sveb' (bxb -L or -l), at least one")
    sveb = sveb.pop()
    rows = [c.line_counts() for c in comparisons]
    sums = {k: sum(r[k] for r in rows) for k in rows[0]}
    n_fig = 6 if sveb else 5
    avg = [[0.0, 0] for _ in range(n_fig + (1 if sveb else 0))]
    for r in rows:
        for k, (num, den) in enumerate(_line_figures(r, sveb)):
            if den:
                avg[k][0] += num / float(den)
                avg[k][1] += 1
    if sveb:
        for c in comparisons:
            v = printed_rr_error(c)
            if v == v:
                avg[-1][0] += v
                avg[-1][1] += 1
    gross = tuple(_line_figures(sums, sveb))
    return BeatSummary(len(comparisons), sveb, sums, gross, tuple(tuple(a) for a in avg))
