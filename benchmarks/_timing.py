"""Wall-clock timing of whole commands, for the benchmark scripts (not for tests)."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def scalecalc_command() -> list[str]:
    """The installed console script beside this Python, as a user would run it."""
    found = shutil.which("scalecalc", path=str(Path(sys.executable).parent)) or shutil.which("scalecalc")
    if found is None:
        sys.exit("benchmarks: install the project first (pip install .), so `scalecalc` exists.")
    return [found]


def wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_times(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall time of each command; runs are interleaved so that load hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # one warm-up each: file caches, .pyc files
        wall_time(command)
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(wall_time(command))
    return {name: statistics.median(values) for name, values in samples.items()}
