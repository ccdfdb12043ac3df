"""Readers of the golden WFDB reports in ../shared/golden (made by WFDB 10.7.0's bxb, epicmp and sumstats;
see that folder's README for the exact commands). Small, independent parsers: whitespace-separated fields."""

from __future__ import annotations

from pathlib import Path

# bxb -L line: record, then 19 counts, then Q Se, Q +P, V Se, V +P, S Se, S +P, RR err (as printed)
BXB_L_COUNTS = ("Nn", "Sn", "Vn", "Fn", "On", "Ns", "Ss", "Vs", "Fs", "Os",
                "Nv", "Sv", "Vv", "Fv", "Ov", "No", "So", "Vo", "Fo")
BXB_L_FIGURES = ("q_se", "q_ppv", "v_se", "v_ppv", "s_se", "s_ppv", "rr_err")
# bxb -l line: record, then 11 counts, then Q Se, Q +P, V Se, V +P, V FPR
BXB_l_COUNTS = ("Nn", "Vn", "Fn", "On", "Nv", "Vv", "Fv", "Ov", "No", "Vo", "Fo")
BXB_l_FIGURES = ("q_se", "q_ppv", "v_se", "v_ppv", "v_fpr")
# epicmp -l line: record, TPs FN TPp FP, ESe E+P DSe D+P (integers or -), reference and test durations
EPICMP_COUNTS = ("tps", "fn", "tpp", "fp")
EPICMP_FIGURES = ("ese", "epp", "dse", "dpp", "ref_duration", "test_duration")


def read_table(path: Path, counts, figures, n_header: int) -> dict[str, dict]:
    """Per record: ``{'counts': {name: int}, 'figures': {name: printed text}}``, in file order."""
    out = {}
    for line in Path(path).read_text().splitlines()[n_header:]:
        f = line.split()
        if not f or not f[0][0].isdigit():  # the sumstats separator, Sum, Gross, Average lines
            continue
        assert len(f) == 1 + len(counts) + len(figures), line
        out[f[0]] = {"counts": dict(zip(counts, map(int, f[1:1 + len(counts)]))),
                     "figures": dict(zip(figures, f[1 + len(counts):]))}
    return out


def read_gross(path: Path) -> dict[str, list[str]]:
    """sumstats' ``Gross`` and ``Average`` lines: the printed fields after the label."""
    out = {}
    for line in Path(path).read_text().splitlines():
        f = line.split()
        if f and f[0] in ("Sum", "Gross", "Average"):
            out[f[0]] = f[1:]
    return out
