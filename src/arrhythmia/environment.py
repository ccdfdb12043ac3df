"""What machine and software a result was produced with (recorded in bundles and benchmark reports)."""

from __future__ import annotations

import os
import platform


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what :mod:`platform` says."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """One line describing this machine (CPU, cores, memory, Python) for reports."""
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f", {int(f.readline().split()[1]) / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu_model()}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def environment(threads: int | None = None) -> dict:
    """CPU, thread count and library versions: what floating-point training results depend on.

    PyTorch's CPU kernels split their sums by thread and choose kernels by CPU
    type, so the same seed gives the same weights bit for bit only on the same
    CPU model, thread count and library versions.
    """
    import numpy

    out = {"cpu": cpu_model(), "machine": platform.machine(), "cores": os.cpu_count(), "threads": threads,
           "python": platform.python_version(), "numpy": numpy.__version__}
    try:
        import torch

        out["torch"] = torch.__version__
        out["threads"] = threads if threads is not None else torch.get_num_threads()
    except ImportError:
        pass
    return out
