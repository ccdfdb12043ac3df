"""A reviewer's corrected recordings as labelled beats: the user's own records become training data."""

from __future__ import annotations

from ..errors import ArrhythmiaError
from .beats import BeatConfig, BeatSet, extract_beats

REVIEWED = "reviewed"
"""The database name of reviewed recordings' beats (record keys ``'reviewed:<record>'``)."""


def load_reviewed_beats(root, config: BeatConfig, recordings=None) -> BeatSet:
    """Beats of every reviewed recording under ``root``, labelled with the reviewer's classes.

    Parameters
    ----------
    root : str or Path
        An annotate output folder, or a folder of them (what ``arrhythmia
        serve`` reviews); only those holding a ``.arrc`` file count.
    config : BeatConfig
        Windows, leads and filters, as for MIT-BIH beats.
    recordings : str or Path, optional
        Folder of the recordings, for summaries that name none.

    Returns
    -------
    BeatSet
        One record per reviewed recording (its WFDB record name), of the
        database ``'reviewed'``: each recording is its own patient.

    Raises
    ------
    ArrhythmiaError
        No reviewed recording under ``root``, or one whose recording cannot be found.
    """
    from ..io.reviewed import list_reviewed, reviewed_recording

    rows = list_reviewed(root, recordings)
    if not rows:
        raise ArrhythmiaError(f"{root}: no reviewed recording (no .arrc file written by 'arrhythmia serve')")
    return BeatSet.concat(extract_beats(reviewed_recording(r["folder"], r["source"], recordings=recordings), config,
                                        database=REVIEWED)
                          for r in rows)
