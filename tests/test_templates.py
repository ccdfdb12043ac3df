"""Beat templates: k-means + merging recovers known shapes; on record 119 they follow the reference V beats."""

from __future__ import annotations

import numpy as np
import pytest

from arrhythmia.errors import ArrhythmiaError
from arrhythmia.features.templates import cluster_shapes


def _shapes(rng, counts, noise=0.03):
    t = np.linspace(-1, 1, 48)
    protos = [np.exp(-(t / 0.08) ** 2),                   # narrow upright (a normal QRS)
              -1.6 * np.exp(-(t / 0.25) ** 2),            # wide, inverted, larger (a ventricular beat)
              0.5 * np.exp(-((t - 0.3) / 0.1) ** 2)]      # small and late
    x = np.concatenate([p + rng.normal(0, noise, (n, t.size)) for p, n in zip(protos, counts)])
    return x.astype(np.float32), np.repeat(np.arange(len(counts)), counts)


def test_known_shapes_come_back_as_groups_by_size(rng):
    x, truth = _shapes(rng, (3000, 400, 120))
    order = rng.permutation(len(x))
    t = cluster_shapes(x[order], seed=0)
    g = np.empty_like(t.group)
    g[order] = t.group
    # k-means splits the big group, merging joins the pieces: one group per shape, numbered by size
    assert t.counts.tolist() == [3000, 400, 120]
    assert all(np.unique(g[truth == k]).size == 1 for k in range(3))
    assert np.array_equal(cluster_shapes(x[order], seed=0).group, t.group)  # seeded


def test_bad_input():
    with pytest.raises(ArrhythmiaError, match="n_beats"):
        cluster_shapes(np.zeros((0, 10)))
    assert cluster_shapes(np.ones((3, 4))).counts.tolist() == [3]


def test_templates_of_record_119_follow_its_reference_v_beats(annotated_results, mitdb):
    """Record 119's reference (.atr) has 444 V beats; every V beat should sit in templates that are mostly V."""
    import wfdb

    from arrhythmia.io.results import read_output
    from arrhythmia.serve.signal import load_signal

    out = read_output(annotated_results / "119")
    sig = load_signal(mitdb / "119")
    w = sig.beat_windows(out.sample, 0.25, 0.45, 48)
    t = cluster_shapes(w.reshape(len(w), -1), seed=0)
    ref = wfdb.rdann(str(mitdb / "119"), "atr")
    rs, rsym = np.asarray(ref.sample), np.asarray(ref.symbol)
    j = np.clip(np.searchsorted(rs, out.sample), 1, rs.size - 1)
    j = np.where(np.abs(rs[j - 1] - out.sample) < np.abs(rs[j] - out.sample), j - 1, j)
    matched = np.abs(rs[j] - out.sample) <= 54  # 150 ms at 360 Hz, the EC57 matching window
    is_v = matched & (rsym[j] == "V")
    share_v = np.array([is_v[t.group == k].mean() for k in range(len(t.counts))])
    v_groups = share_v >= 0.5
    # nearly every reference V beat is in a V template, and V templates hold nearly only V beats
    assert is_v[v_groups[t.group]].sum() / is_v.sum() >= 0.98
    assert is_v[v_groups[t.group]].sum() / v_groups[t.group].sum() >= 0.98
