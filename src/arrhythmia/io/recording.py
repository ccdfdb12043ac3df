"""The :class:`Recording`: one ECG, its leads, its sampling rate, its beats."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import ArrhythmiaError, check_option

DEFAULT_LEAD = "MLII"
OTHER_LEAD = "other"
"""Pseudo lead name: the first lead of the record not already chosen."""
LEAD_II_NAMES = ("II", "LEAD II", "ECG II")
"""Names (upper-cased) taken for limb lead II when a record has no MLII."""


@dataclass(frozen=True)
class Annotations:
    """Reference annotations of a record.

    Attributes
    ----------
    sample : ndarray of int64, shape (n,)
        Sample index of each annotation.
    symbol : ndarray of object (str), shape (n,)
        Its MIT-BIH symbol (beats and non-beats alike).
    aux : ndarray of object (str), shape (n,), optional
        Its aux note (``''`` where there is none): the rhythm of a ``+`` mark
        (``'(AFIB'``), this tool's confidence of a beat (``'p=0.93'``).
    """

    sample: np.ndarray
    symbol: np.ndarray
    aux: np.ndarray | None = None

    def beats(self) -> "Annotations":
        """Only the beat annotations (see :func:`arrhythmia.labels.is_beat`)."""
        from ..labels import is_beat

        m = is_beat(self.symbol)
        return Annotations(self.sample[m], self.symbol[m], None if self.aux is None else self.aux[m])


@dataclass(frozen=True)
class Recording:
    """An ECG recording.

    Attributes
    ----------
    name : str
        Record name (``'100'``) or file stem.
    signal : ndarray of float64, shape (n_leads, n_samples)
        Signal in millivolts; NaN only where a WFDB record holds its
        invalid-sample value (a gap: see :func:`arrhythmia.preprocessing.quality.fill_gaps`).
    fs : float
        Sampling rate in Hz.
    leads : tuple of str
        Lead names, one per row of ``signal``.
    annotations : Annotations or None
        Reference annotations when the source has them.
    source : str
        Where it was read from (used in error messages).
    notes : tuple of str
        Human-readable remarks made while reading (e.g. a lead substitution).
    """

    name: str
    signal: np.ndarray
    fs: float
    leads: tuple[str, ...]
    annotations: Annotations | None = None
    source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_samples(self) -> int:
        return int(self.signal.shape[1])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.n_samples / self.fs

    def select_leads(self, leads=(DEFAULT_LEAD,)) -> "Recording":
        """Keep the given leads, in that order.

        Parameters
        ----------
        leads : sequence of str
            Lead names. ``'other'`` stands for the first lead not already
            chosen. The default lead ``'MLII'`` falls back to limb lead II
            when a record has one (12-lead records), else to the first lead
            (MIT-BIH 102 and 104); the substitution is warned about and
            recorded in :attr:`notes`, never silent. Any
            other missing name is an error.

        Returns
        -------
        Recording
        """
        chosen: list[int] = []
        notes = list(self.notes)
        for lead in leads:
            if lead == OTHER_LEAD:
                rest = [i for i in range(len(self.leads)) if i not in chosen]
                if not rest:
                    raise ArrhythmiaError(f"{self.source or self.name}: no lead left for 'other'")
                chosen.append(rest[0])
            elif lead in self.leads:
                chosen.append(self.leads.index(lead))
            elif lead == DEFAULT_LEAD:
                rest = [i for i in range(len(self.leads)) if i not in chosen]
                # limb lead II is MLII's standard counterpart (12-lead records such as INCART's)
                idx = next((i for i in rest if self.leads[i].strip().upper() in LEAD_II_NAMES), rest[0])
                msg = (
                    f"record {self.name} has no lead MLII; using lead "
                    f"{self.leads[idx]} instead"
                )
                warnings.warn(msg, stacklevel=2)
                notes.append(msg)
                chosen.append(idx)
            else:
                check_option("lead", lead, list(self.leads) + [OTHER_LEAD])
        prefix = chosen == list(range(len(chosen)))  # the first leads in order: a view, no copy of the signal
        return replace(
            self,
            signal=self.signal[: len(chosen)] if prefix else self.signal[chosen],
            leads=tuple(self.leads[i] for i in chosen),
            notes=tuple(notes),
        )
