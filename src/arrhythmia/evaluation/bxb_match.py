"""The matching engine of :mod:`arrhythmia.evaluation.ec57`: annotation streams read as bxb reads them.

Private to :mod:`.ec57` (which documents the rules). ``_scan`` turns one annotation file
into bxb's view of it (beats with their labels and RR intervals, VF and shutdown states);
``_merge`` is bxb's main loop over two such streams.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

MATCH_WINDOW_S = 0.15
LABELS: tuple[str, ...] = ("N", "S", "V", "F", "Q", "O", "X")
"""Rows (reference) and columns (test) of :attr:`BeatComparison.counts`; O/X are bxb's pseudo-beats."""
_O, _X, _SKIP = 5, 6, -1
_HUGE = 2 ** 63 - 1  # WFDB_TIME_MAX: "no more annotations"

BXB_CLASS = MappingProxyType({
    "N": "N", "L": "N", "R": "N", "B": "N",
    "A": "S", "a": "S", "J": "S", "S": "S", "j": "S", "e": "S", "n": "S",
    "V": "V", "r": "V", "E": "V", "F": "F",
    "Q": "Q", "/": "Q", "f": "Q", "?": "Q",
    "!": "O",
})
"""Every WFDB QRS annotation symbol -> bxb's AAMI test label (with SVEB statistics)."""
SVEB_SYMBOLS = frozenset("AaJSjen")
"""Symbols that bxb counts as S with SVEB statistics (``-L``, ``-S``) and as N without (``-l``, ``-s``)."""


@dataclass(frozen=True)
class _Stream:
    """One annotation file as bxb's getref()/gettest() read it.

    Index k of ``time``/``label``/``rr``: 0 the initial state (time 0, no
    label), 1..n the beats read, n+1 and n+2 the end of the file. Row L of
    ``vf``/``sd`` is the state once beat L is the look-ahead (n+1: at EOF):
    (on, off, previous on, previous off) of VF and of shutdown, -1 unset.
    """

    time: np.ndarray
    label: np.ndarray
    rr: np.ndarray
    vf: np.ndarray
    sd: np.ndarray
    shutdown: np.ndarray  # (n_before, samples) of each shutdown read (test stream's tally)

    @property
    def n(self) -> int:
        return self.time.size - 3


def _label_codes(symbols, sveb: bool) -> np.ndarray:
    lut = {s: LABELS.index("N" if (not sveb and s in SVEB_SYMBOLS) else c) for s, c in BXB_CLASS.items()}
    return np.fromiter((lut[s] for s in symbols), np.int64, len(symbols))


def _scan_specials(time, symbol, subtype, qrs, w, is_test, end):
    """Walk VF episodes and shutdowns in file order.

    Returns ``(keep, events)``: which annotations are beats bxb reads, and per VF onset or shutdown mark
    (annotation index, VF state, shutdown state, shutdown samples tallied), in file order.
    """
    n_ann = time.size
    noise = symbol == "~"
    sd_mark = noise & ((subtype & 0x30) == 0x30)
    vfoff_at = np.flatnonzero(symbol == "]")
    keep = qrs.copy()
    vf, sd = [-1, -1, -1, -1], [-1, -1, -1, -1]
    events, stop, pos = [], n_ann, 0
    for s in np.flatnonzero(sd_mark | (symbol == "[")):
        if s < pos:
            continue
        shut = 0
        if symbol[s] == "[":
            vf = [int(time[s]), vf[1], vf[0], vf[1]]
            k = np.searchsorted(vfoff_at, s, side="right")
            if k == vfoff_at.size:  # unterminated: the rest of the file is skipped
                stop = s
            else:
                vf[1] = int(time[vfoff_at[k]])
                keep[s:vfoff_at[k] + 1] = False
                pos = vfoff_at[k] + 1
        else:
            sd = [int(time[s]), sd[1], sd[0], sd[1]]
            if s + 1 >= n_ann:  # unterminated at the end of the file
                if is_test:
                    shut = end - sd[0] if end > 0 else 0
                else:
                    sd[1] = _HUGE
                stop = s + 1
            elif noise[s + 1] and not sd_mark[s + 1]:
                sd[1], pos = int(time[s + 1]), s + 2
                shut = sd[1] - sd[0]
            else:  # AHA style: one mark in the middle of the unreadable stretch
                before = np.flatnonzero(keep[:s])
                last = int(time[before[-1]]) if before.size else 0
                sd[0] = (vf[1] if vf[1] > last else last) + w
                sd[1] = int(time[s + 1]) - w
                sd[0] = min(sd[0], sd[1])
                shut, pos = sd[1] - sd[0], s + 1
        events.append((int(s), tuple(vf), tuple(sd), shut))
        if stop < n_ann:
            break
    keep[stop:] = False
    return keep, events


def _scan(time, symbol, subtype, w: int, sveb: bool, is_test: bool, end: int) -> _Stream:
    """Read one annotation file the way bxb does: beats, VF episodes, shutdowns, RR intervals."""
    time = np.asarray(time, dtype=np.int64)
    symbol = np.asarray(symbol, dtype=object)
    subtype = np.zeros(time.size, np.int64) if subtype is None else np.asarray(subtype, dtype=np.int64)
    qrs = np.fromiter((s in BXB_CLASS for s in symbol), bool, symbol.size)
    keep, events = _scan_specials(time, symbol, subtype, qrs, w, is_test, end)
    beats = np.flatnonzero(keep)
    n = beats.size
    t = np.concatenate(([0], time[beats], [_HUGE, _HUGE]))
    label = np.concatenate(([_SKIP], _label_codes(symbol[beats], sveb), [_SKIP, _SKIP]))
    n_before = np.searchsorted(beats, [e[0] for e in events]).astype(np.int64)
    vf = np.array([(-1,) * 4] + [e[1] for e in events], np.int64).reshape(-1, 4)
    sd = np.array([(-1,) * 4] + [e[2] for e in events], np.int64).reshape(-1, 4)
    look = np.arange(n + 3)
    row = np.searchsorted(n_before, np.minimum(look, n + 1) - 1, side="right")
    row[look > n] = len(events)  # at EOF every event has been read
    vf, sd = vf[row], sd[row]
    prev, cur = t[np.maximum(look - 1, 0)], t
    rr = cur - prev
    crossed = np.zeros(n + 3, bool)
    for col in (0, 2):  # a VF or shutdown onset (current or previous) between the two beats
        for st in (vf, sd):
            crossed |= (prev <= st[:, col]) & (st[:, col] < cur)
    rr[(prev == 0) | (cur == _HUGE) | crossed | (look == 0)] = 0
    shutdown = np.array([(nb, e[3]) for nb, e in zip(n_before, events)], np.int64).reshape(-1, 2)
    return _Stream(t, label, rr, vf, sd, shutdown)


def _merge(R: np.ndarray, S: np.ndarray, start: int, end: int, w: int):
    """bxb's main loop over the two streams' times (index 0: initial state, then beats, then EOF).

    Returns ``(kind, i, j, j_last)``: one entry per pair() call of bxb, kind 0 for reference beat
    ``i`` paired with test beat ``j``, 1 for test beat ``j`` unmatched (``i`` current), 2 for reference
    beat ``i`` unmatched (``j`` current); ``j_last`` is the current test index at the end.
    """
    R, S = R.tolist(), S.tolist()
    ev = []
    i = j = 0
    while R[i] < start:  # reference beats before the start are not scored
        i += 1
    while S[j + 1] < start:  # j: the last test beat before the start (0: none)
        j += 1
    T, t, tp = R[i], S[j], S[j + 1]
    if T - t < abs(T - tp) and T - t <= w:  # that beat may match the first reference beat
        if i or j:
            ev.append((0, i, j))
        i, j = i + 1, j + 1
    else:
        j += 1
        if S[j] - start <= w and abs(T - S[j + 1]) < abs(T - S[j]):
            j += 1  # a test beat just after the start, beaten by the next one, is dropped uncounted
    while (end > 0 and (R[i] <= end or S[j] <= end)) or (end < 0 and R[i] != _HUGE):
        T, Tp, t, tp = R[i], R[i + 1], S[j], S[j + 1]
        if t < T:
            if T - t <= w and (T - t < abs(T - tp) or abs(Tp - tp) < abs(T - tp)):
                ev.append((0, i, j))
                i, j = i + 1, j + 1
            else:
                ev.append((1, i, j))
                j += 1
        elif t - T <= w and (t - T < abs(t - Tp) or abs(tp - Tp) < abs(t - Tp)):
            ev.append((0, i, j))
            i, j = i + 1, j + 1
        else:
            ev.append((2, i, j))
            i += 1
    kind, ii, jj = np.array(ev, np.int64).reshape(-1, 3).T
    return kind, ii, jj, j


def _inside(x, state) -> np.ndarray:
    """Is time x in the current (on..off, open while off is unset) or the previous interval of ``state`` rows?"""
    on, off, pon, poff = state.T
    cur = (on != -1) & (on <= x) & ((x <= off) | (off == -1))
    return cur | ((pon != -1) & (pon <= x) & (x <= poff))


def match_indices(ref_samples, test_samples, window: int, start: int = 0, end=None) -> tuple[np.ndarray, np.ndarray]:
    """bxb's pairing of two plain beat sequences (no VF, noise or class), as index arrays.

    Parameters
    ----------
    ref_samples, test_samples : array_like of int
        Beat samples, ascending.
    window : int
        Match window in samples (inclusive, as bxb: 54 at 360 Hz).
    start : int
        Start of the test period in samples (bxb's start rules apply).
    end : int, optional
        End of the test period; default: the last beat of either sequence,
        so that every beat is examined.

    Returns
    -------
    ref_to_test : ndarray of int
        For each reference beat, the index of its test beat, or -1 (missed, or before the start).
    test_to_ref : ndarray of int
        For each test beat, the index of its reference beat, or -1.
    """
    ref = np.asarray(ref_samples, dtype=np.int64).ravel()
    test = np.asarray(test_samples, dtype=np.int64).ravel()
    r2d = np.full(ref.size, -1, np.int64)
    d2r = np.full(test.size, -1, np.int64)
    if end is None:
        end = max(int(ref.max()) if ref.size else 0, int(test.max()) if test.size else 0, 1)
    R = np.concatenate(([0], ref, [_HUGE, _HUGE]))
    S = np.concatenate(([0], test, [_HUGE, _HUGE]))
    kind, i, j, _ = _merge(R, S, int(start), int(end), int(window))
    ok = (kind == 0) & (i >= 1) & (j >= 1) & (i <= ref.size) & (j <= test.size)
    r2d[i[ok] - 1] = j[ok] - 1
    d2r[j[ok] - 1] = i[ok] - 1
    return r2d, d2r
