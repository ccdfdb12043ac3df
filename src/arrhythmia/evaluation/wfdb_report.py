"""Report text in the line formats of WFDB's ``epicmp -l``, ``bxb -l``/``-L`` and ``sumstats``.

The text is what those tools print, character for character (WFDB 10.7.0),
so that a table made here can be compared with, or fed to, the reference
tools. Column meanings are in the docstrings of
:class:`arrhythmia.evaluation.ec57.BeatComparison` and
:class:`arrhythmia.evaluation.episodes.EpisodeComparison`.
"""

from __future__ import annotations

from .episodes import EpisodeComparison, gross_episodes
from .wfdb_text import mstimstr, pct_or_dash, rounded_percent, zmstimstr

EPICMP_AF_HEADER = ("(AF detection)\n"
                    "Record  TPs   FN  TPp   FP  ESe E+P DSe D+P  Ref duration  Test duration \n")
"""The two heading lines ``epicmp -A FILE -l`` writes at the top of a new file."""


def _summary_footer(n: int) -> str:
    return f"\nSummary of results from {n} record{'' if n == 1 else 's'}\n"


def epicmp_line(c: EpisodeComparison) -> str:
    """One record as ``epicmp -l`` prints it (with the newline)."""
    return ("%6s %4d %4d %4d %4d " % (c.record, c.tps, c.fn, c.tpp, c.fp)
            + rounded_percent(c.tps, c.tps + c.fn) + rounded_percent(c.tpp, c.tpp + c.fp)
            + rounded_percent(c.ref_overlap, c.ref_duration) + rounded_percent(c.test_overlap, c.test_duration)
            + "  " + zmstimstr(c.ref_duration, c.fs) + " " + "  " + zmstimstr(c.test_duration, c.fs) + "\n")


def epicmp_table(comparisons) -> str:
    """The file ``epicmp -l -A FILE`` builds over records: headings, then one line per record."""
    return EPICMP_AF_HEADER + "".join(epicmp_line(c) for c in comparisons)


def episode_sumstats(comparisons) -> str:
    """What ``sumstats`` prints for an epicmp AF file: the table, then Sum, Gross and Average."""
    comparisons = list(comparisons)
    g = gross_episodes(comparisons)

    def r(num, den):
        return pct_or_dash(num, den, " %3.0f", "   -")

    def avg(k):
        return r(*g.average_sums[k])

    lines = [epicmp_table(comparisons),
             "_" * 72 + "\n",
             "Sum    %4d %4d %4d %4d                   %s" % (g.tps, g.fn, g.tpp, g.fp,
                                                           mstimstr(g.ref_duration_ms, 1000.0)),
             "   %s\n" % mstimstr(g.test_duration_ms, 1000.0),
             "Gross                      " + r(g.tps, g.tps + g.fn) + r(g.tpp, g.tpp + g.fp)
             + r(g.overlap_ms, g.ref_duration_ms) + r(g.overlap_ms, g.test_duration_ms),
             "\nAverage                    " + avg(0) + avg(1) + avg(2) + avg(3) + "\n",
             _summary_footer(len(comparisons))]
    return "".join(lines)


# ---------------------------------------------------------------- bxb -l / -L and their sumstats

BXB_HEADER = {
    True: ("Record Nn' Sn' Vn' Fn' On'  Ns  Ss  Vs  Fs' Os' Nv  Sv   Vv  Fv' Ov' No' So' Vo' Fo'"
           "  Q Se   Q +P   V Se   V +P   S Se   S +P RR err\n"),
    False: "Record Nn' Vn' Fn' On'  Nv   Vv  Fv' Ov' No' Vo' Fo'  Q Se   Q +P   V Se   V +P  V FPR\n",
}
"""The heading line of a new ``bxb -L`` (True: with SVEB) or ``bxb -l`` (False) report file."""


def _p(num, den, fmt=" %6.2f"):
    return pct_or_dash(num, den, fmt, "      -")


def bxb_line(c) -> str:
    """One record as ``bxb -L`` (``c.sveb``) or ``bxb -l`` prints it (with the newline)."""
    k = c.line_counts()
    v = list(k.values())
    if c.sveb:
        text = "%4s %5d %3d %3d %3d %3d %3d %3d %3d %3d %3d" % (c.record, *v[:10])
        text += " %3d %3d %4d %3d %3d %3d %3d %3d %3d" % tuple(v[10:])
    else:
        text = "%4s %5d %3d %3d %3d %3d %4d %3d %3d %3d %3d %3d" % (c.record, *v)
    figs = c.figure_terms()
    text += "".join(_p(*f) for f in figs[:4])
    if c.sveb:
        text += _p(*figs[4]) + _p(*figs[5])
        rr = c.rms_rr_error_ms
        text += "     -" if rr != rr else " %6.2f" % rr
    else:
        text += _p(*figs[4], fmt=" %6.3f")
    return text + "\n"


def bxb_table(comparisons) -> str:
    """The file ``bxb -L FILE`` (or ``-l``) builds over records: the heading, then one line per record."""
    comparisons = list(comparisons)
    return BXB_HEADER[comparisons[0].sveb] + "".join(bxb_line(c) for c in comparisons)


def beat_sumstats(comparisons) -> str:
    """What ``sumstats`` prints for a bxb line table: the table, then Sum, Gross, Average and totals."""
    from .ec57 import gross_beats

    comparisons = list(comparisons)
    g = gross_beats(comparisons)
    s = list(g.sums.values())
    if g.sveb:
        sep = "_" * 132
        total = ("Sum %6d %3d %3d %3d %3d" % tuple(s[:5]) + " %3d %3d %3d %3d %3d" % tuple(s[5:10])
                 + " %3d %3d %4d %3d %3d" % tuple(s[10:15]) + " %3d %3d %3d %3d\n" % tuple(s[15:]))
        gross = "Gross".ljust(83) + "".join(_p(*t) for t in g.gross_terms)
        avg = "Average".ljust(83) + "".join(_p(*t) for t in g.average_terms[:6])
        rr_sum, rr_n = g.average_terms[6]
        avg += _p(rr_sum / 100.0, rr_n)
    else:
        sep = "_" * 86
        total = "Sum  %6d %3d %3d %3d" % tuple(s[:4]) + " %3d %4d %3d %3d" % tuple(s[4:8]) + " %3d %3d %3d\n" % tuple(s[8:])
        gross = "Gross".ljust(54) + "".join(_p(*t) for t in g.gross_terms[:4]) + _p(*g.gross_terms[4], fmt=" %6.3f")
        avg = "Average".ljust(54) + "".join(_p(*t) for t in g.average_terms[:4])
        avg += _p(*g.average_terms[4], fmt=" %6.3f")
    totals = "  ".join(f"Total {k if k == 'QRS' else k + 's'}{' complexes' if k == 'QRS' else ''}: {v}"
                       for k, v in g.totals.items())
    return (bxb_table(comparisons) + sep + "\n" + total + gross + "\n" + avg + "\n" + totals + "\n"
            + _summary_footer(len(comparisons)))
