"""MIT-BIH Arrhythmia Database record lists and the de Chazal (2004) partition."""

from __future__ import annotations

MITDB_RECORDS: tuple[str, ...] = (
    "100", "101", "102", "103", "104", "105", "106", "107", "108", "109",
    "111", "112", "113", "114", "115", "116", "117", "118", "119", "121",
    "122", "123", "124", "200", "201", "202", "203", "205", "207", "208",
    "209", "210", "212", "213", "214", "215", "217", "219", "220", "221",
    "222", "223", "228", "230", "231", "232", "233", "234",
)
"""All 48 records of the MIT-BIH Arrhythmia Database."""

PACED: tuple[str, ...] = ("102", "104", "107", "217")
"""Records with paced beats, excluded from the AAMI protocols."""

DS1: tuple[str, ...] = (
    "101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122",
    "124", "201", "203", "205", "207", "208", "209", "215", "220", "223", "230",
)
"""de Chazal et al. (2004) training records."""

DS2: tuple[str, ...] = (
    "100", "103", "105", "111", "113", "117", "121", "123", "200", "202", "210",
    "212", "213", "214", "219", "221", "222", "228", "231", "232", "233", "234",
)
"""de Chazal et al. (2004) test records."""

NON_PACED: tuple[str, ...] = tuple(r for r in MITDB_RECORDS if r not in PACED)

MITDB_SLUG = "mitdb"
MITDB_VERSION = "1.0.0"

assert set(DS1).isdisjoint(DS2) and len(DS1) == len(DS2) == 22  # table sanity at import
