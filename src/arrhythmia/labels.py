"""MIT-BIH beat symbols to AAMI classes, as immutable tables.

The mapping is the one of de Chazal, O'Dwyer & Reilly (2004), following
ANSI/AAMI EC57:

===== ==========================================  ========================
class meaning                                      MIT-BIH symbols
===== ==========================================  ========================
N     normal and bundle branch block beats         N, L, R, e, j (and B)
S     supraventricular ectopic beats               A, a, J, S
V     ventricular ectopic beats                    V, E (and r)
F     fusion of ventricular and normal             F
Q     paced, fusion of paced and normal, unknown   /, f, Q
===== ==========================================  ========================

``B`` (bundle branch block beat, unspecified) and ``r`` (R-on-T premature
ventricular contraction) never occur in the MIT-BIH Arrhythmia Database; they
do in others (the Supraventricular Arrhythmia Database has one ``B``) and
belong to N and V as WFDB's own EC57 tools map them.

Every other annotation symbol (rhythm changes ``+``, noise ``~``, comments
``"``, isolated QRS-like artefact ``|``, non-conducted P ``x``, ventricular
flutter markers ``[ ] !``, ...) is *not* a beat.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

AAMI_CLASSES: tuple[str, ...] = ("N", "S", "V", "F", "Q")
"""Class names in the order used for integer labels everywhere."""

BINARY_CLASSES: tuple[str, ...] = ("normal", "abnormal")

SYMBOL_TO_AAMI = MappingProxyType(
    {
        "N": "N", "L": "N", "R": "N", "e": "N", "j": "N", "B": "N",
        "A": "S", "a": "S", "J": "S", "S": "S",
        "V": "V", "E": "V", "r": "V",
        "F": "F",
        "/": "Q", "f": "Q", "Q": "Q",
    }
)
"""MIT-BIH beat symbol -> AAMI class letter (read-only)."""

BEAT_SYMBOLS: frozenset[str] = frozenset(SYMBOL_TO_AAMI)

CLASS_INDEX = MappingProxyType({c: i for i, c in enumerate(AAMI_CLASSES)})


def is_beat(symbols) -> np.ndarray:
    """Boolean mask of which annotation symbols are beats.

    Parameters
    ----------
    symbols : array_like of str

    Returns
    -------
    mask : ndarray of bool
    """
    symbols = np.asarray(symbols, dtype=object)
    return np.fromiter((s in BEAT_SYMBOLS for s in symbols), dtype=bool, count=symbols.size)


def to_aami(symbols) -> np.ndarray:
    """Map beat symbols to integer AAMI labels (index into :data:`AAMI_CLASSES`).

    Parameters
    ----------
    symbols : array_like of str
        MIT-BIH beat symbols. Non-beat symbols raise, since they must be
        removed (see :func:`is_beat`) before labelling.

    Returns
    -------
    labels : ndarray of int64
    """
    symbols = np.asarray(symbols, dtype=object)
    bad = [s for s in set(symbols.tolist()) if s not in BEAT_SYMBOLS]
    if bad:
        from .errors import ArrhythmiaError

        raise ArrhythmiaError(f"Not beat symbols: {sorted(bad)!r}; filter them with is_beat() first.")
    lut = {s: CLASS_INDEX[c] for s, c in SYMBOL_TO_AAMI.items()}
    return np.fromiter((lut[s] for s in symbols), dtype=np.int64, count=symbols.size)


def to_binary(labels) -> np.ndarray:
    """AAMI integer labels -> 0 (normal, class N) / 1 (abnormal, anything else)."""
    return (np.asarray(labels) != CLASS_INDEX["N"]).astype(np.int64)
