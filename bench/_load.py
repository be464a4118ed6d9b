"""Shared by the bench scripts: say when other work on the machine inflates the figures."""

from __future__ import annotations

import os


def warn_if_loaded(label_width: int = 15) -> None:
    """Print a note when the load average exceeds the CPU count."""
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    if load > cpus:
        print(f"{'note':<{label_width}}: load average {load:.1f} on {cpus} CPUs: "
              "wall times are inflated by other work")
