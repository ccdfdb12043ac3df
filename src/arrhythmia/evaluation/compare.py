"""``arrhythmia compare``: score a folder of test annotation files against reference annotations, as WFDB does.

For every record: ``bxb -r REC -a REFERENCE ANNOTATOR -L`` (beat by beat, with
SVEB; ``-l`` without) from the start time, then ``sumstats``' Gross and Average
lines; with episodes also ``epicmp -A -l`` (AF). The text is exactly what those
tools print (see ``tests/test_ec57.py`` and ``tests/test_episodes.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ArrhythmiaError, file_error


@dataclass(frozen=True)
class FolderComparison:
    """What :func:`compare_folders` computed.

    Attributes
    ----------
    records : tuple of str
    beats : list of BeatComparison
    episodes : list of EpisodeComparison or None
    text : str
        The report: the bxb table with sumstats' lines, then (episodes) epicmp's.
    """

    records: tuple
    beats: list
    episodes: list | None
    text: str


def _records(spec: str, ref_dir: Path, reference: str) -> tuple[str, ...]:
    from ..datasets.databases import read_records_file, resolve_records

    if spec.strip().lower() != "all":
        return resolve_records(spec, ref_dir)
    if not ref_dir.is_dir():
        raise file_error(ref_dir, "reference folder not found")
    if (ref_dir / "RECORDS").is_file():
        names = read_records_file(ref_dir / "RECORDS")
    else:
        names = tuple(sorted(p.stem for p in ref_dir.glob("*.hea") if p.with_suffix(f".{reference}").is_file()))
    if not names:
        raise file_error(ref_dir, f"no record with a header (.hea) and reference annotations (.{reference})")
    return names


def compare_record(ref_dir, test_dir, record: str, annotator: str, reference: str = "atr", start_s: float = 300.0,
                   episodes: bool = False, sveb: bool = True):
    """One record's comparisons: ``(BeatComparison, EpisodeComparison or None)``.

    The header in ``ref_dir`` gives the sampling rate and the end of the test period (its length).
    """
    from ..io.annotation_files import read_annotation_file
    from ..io.wfdb_io import read_header
    from .ec57 import compare_beats
    from .episodes import compare_episodes, episodes_from_rhythm
    from .wfdb_text import seconds_to_samples

    h = read_header(Path(ref_dir) / record)
    ref = read_annotation_file(Path(ref_dir) / record, reference)
    test = read_annotation_file(Path(test_dir) / record, annotator)
    end = int(h.sig_len) if h.sig_len else None
    if end is not None and seconds_to_samples(start_s, float(h.fs)) > end:
        raise ArrhythmiaError(f"Invalid value for '--from': allowed a time within record {record} "
                              f"({end / float(h.fs):g} s long); got {start_s:g}.")
    beats = compare_beats(ref.sample, ref.symbol, test.sample, test.symbol, float(h.fs), start_s=start_s,
                          end_sample=end, ref_subtypes=ref.subtype, test_subtypes=test.subtype, sveb=sveb,
                          record=record)
    if not episodes:
        return beats, None
    n = end or int(max(ref.sample.max(initial=0), test.sample.max(initial=0)))
    ep = compare_episodes(episodes_from_rhythm(ref.sample, ref.aux_note, n, symbols=ref.symbol),
                          episodes_from_rhythm(test.sample, test.aux_note, n, symbols=test.symbol),
                          float(h.fs), start_s=start_s, end_sample=end, record=record)
    return beats, ep


def compare_folders(ref_dir, test_dir, annotator: str, reference: str = "atr", start_s: float = 300.0,
                    records: str = "all", episodes: bool = False, sveb: bool = True, out=None,
                    force: bool = False) -> FolderComparison:
    """Compare the test annotations of every record with the reference, as bxb/sumstats (and epicmp).

    Parameters
    ----------
    ref_dir : str or Path
        Folder of WFDB records: headers and reference annotation files.
    test_dir : str or Path
        Folder holding ``<record>.<annotator>`` for every record.
    annotator : str
        Test annotator (file extension), e.g. ``arr`` as ``arrhythmia annotate`` writes.
    reference : str
        Reference annotator (``atr``).
    start_s : float
        Start of the test period in seconds (EC57: 300; 0: the whole record).
    records : str
        ``all`` (the folder's RECORDS file, else every header with reference
        annotations), ``DS1``, ``DS2`` or comma-separated names.
    episodes : bool
        Also compare AF episodes (epicmp ``-A``).
    sveb : bool
        bxb ``-L`` (S kept apart) or ``-l`` (S counted as N).
    out : str or Path, optional
        Also write the report there, whole or not at all; nothing is written
        otherwise. Never one of the files read; an existing file only with
        ``force`` (:class:`arrhythmia.io.output.OutputFile`).
    force : bool

    Returns
    -------
    FolderComparison
    """
    from .wfdb_report import beat_sumstats, episode_sumstats

    if not start_s >= 0:
        raise ArrhythmiaError(f"Invalid value for '--from': allowed a time in seconds >= 0; got {start_s!r}.")
    ref_dir, test_dir = Path(ref_dir), Path(test_dir)
    if not test_dir.is_dir():
        raise file_error(test_dir, "test annotation folder not found")
    names = _records(records, ref_dir, reference)
    guard = None
    if out is not None:
        from ..io.output import OutputFile

        read = [d / f"{r}.{e}" for r in names for d, e in ((ref_dir, "hea"), (ref_dir, reference), (test_dir, annotator))]
        guard = OutputFile(out, inputs=read, force=force).check()
    pairs = [compare_record(ref_dir, test_dir, r, annotator, reference, start_s, episodes, sveb) for r in names]
    beats = [b for b, _ in pairs]
    eps = [e for _, e in pairs] if episodes else None
    text = beat_sumstats(beats) + ("\n" + episode_sumstats(eps) if episodes else "")
    if guard is not None:
        with guard.staging() as tmp:
            tmp.write_text(text)
    return FolderComparison(tuple(names), beats, eps, text)
