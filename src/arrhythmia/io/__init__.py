"""Reading recordings and writing annotations."""

from .recording import Annotations, Recording
from .wfdb_io import read_wfdb, write_annotations

__all__ = ["Annotations", "Recording", "read_wfdb", "write_annotations"]
