"""How fast ``aisci --help`` answers: the median wall time of N runs of the installed command.

    python bench/help_time.py            # 10 runs
    python bench/help_time.py -n 30

The CLI imports its heavy dependencies (litellm, langgraph, docker) inside commands, so the help
text should come back in well under a second. ``--runs-dir`` is accepted like the other bench
scripts; ``--help`` writes nothing there.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _load import warn_if_loaded


def aisci() -> list[str]:
    script = Path(sys.executable).with_name("aisci")
    return [str(script)] if script.exists() else [sys.executable, "-m", "agents.cli"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="number of timed runs")
    parser.add_argument("--runs-dir", type=Path, default=None, help="unused: --help writes nothing")
    opts = parser.parse_args()

    command = [*aisci(), "--help"]
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache once
    times = []
    for _ in range(opts.n):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    print(f"command        : {' '.join(command)}")
    print(f"aisci --help   : median {statistics.median(times):.3f} s over {opts.n} runs "
          f"(min {min(times):.3f}, max {max(times):.3f}); {os.cpu_count()} CPUs")
    warn_if_loaded(15)


if __name__ == "__main__":
    main()
