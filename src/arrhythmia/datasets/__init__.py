"""Where data lives, downloading and verifying it, record lists, beats, splits."""

from .beats import BeatConfig, BeatSet, extract_beats, load_beats
from .location import resolve_data_dir
from .records import DS1, DS2, MITDB_RECORDS, NON_PACED, PACED
from .splits import SPLITS, Split, make_split, split_records

__all__ = [
    "BeatConfig", "BeatSet", "extract_beats", "load_beats", "resolve_data_dir",
    "DS1", "DS2", "MITDB_RECORDS", "NON_PACED", "PACED", "SPLITS", "Split", "make_split", "split_records",
]
