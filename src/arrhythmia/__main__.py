"""``python -m arrhythmia``."""

import sys

from .cli.main import main

if __name__ == "__main__":  # not in a worker process that imports it (spawn)
    sys.exit(main())
