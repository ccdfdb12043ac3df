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
