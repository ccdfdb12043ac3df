"""Handlers of the sub-commands: turn parsed arguments into one library call each."""

from __future__ import annotations

import sys


def data_fetch(args) -> int:
    from ..datasets.fetch import PHYSIONET_INDEX_URL, fetch_mitdb
    from ..datasets.location import resolve_data_dir

    target = resolve_data_dir(args.data_dir)
    fetch_mitdb(target, index_url=args.index_url or PHYSIONET_INDEX_URL, overwrite=args.overwrite)
    print(f"MIT-BIH Arrhythmia Database ready and verified in {target}")
    return 0


def data_verify(args) -> int:
    from ..datasets.fetch import verify_database
    from ..datasets.location import resolve_data_dir
    from ..errors import file_error

    target = resolve_data_dir(args.data_dir)
    if not target.is_dir():
        raise file_error(target, "data directory not found (set --data-dir or ARRHYTHMIA_DATA_DIR, or run 'arrhythmia data fetch')")
    res = verify_database(target, progress=sys.stderr.isatty())
    for line in res.problems:
        print(f"arrhythmia: error: {line}", file=sys.stderr)
    print(f"{len(res.ok)} records verified, {len(res.problems)} with problems, in {target}")
    return 0 if not res.problems else 1


def data_summary(args) -> int:
    from ..datasets.location import resolve_data_dir
    from ..datasets.summary import summarize

    s = summarize(resolve_data_dir(args.data_dir), split=args.split, window=args.preset,
                  seed=args.seed, n_folds=args.folds)
    print(s.format())
    return 0
