"""Throughput of `table` over 100,001 budgets, 1e18 to 1e26 at 12,500 a decade.

Goal (issue 2): CSV in under 1.5 s, vectorized (no per-row arithmetic in Python). Reported with
the start-up baseline `python -c "import typer, numpy"` measured in the same run, so the ratio
says what the rows cost beyond start-up on this machine today.

    python benchmarks/table_throughput.py [--runs 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from _timing import median_times, scalecalc_command

GOAL_SECONDS = 1.5
ROWS = ["table", "--flops", "1e18:1e26", "--per-decade", "12500"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    script = scalecalc_command()

    produced = subprocess.run([*script, *ROWS, "--format", "csv"], capture_output=True, text=True,
                              check=True).stdout.count("\n") - 1
    commands = {
        "baseline: python -c 'import typer, numpy'": [sys.executable, "-c", "import typer, numpy"],
        "scalecalc optimal --flops 1e24 --format csv": [*script, "optimal", "--flops", "1e24", "-f", "csv"],
        f"table, {produced:,} rows, --format csv": [*script, *ROWS, "--format", "csv"],
        f"table, {produced:,} rows, --format json": [*script, *ROWS, "--format", "json"],
        f"table, {produced:,} rows, human text": [*script, *ROWS],
    }
    times = median_times(commands, runs)
    base = next(iter(times.values()))
    for name, seconds in times.items():
        print(f"{name:48s} {seconds:6.3f} s  {seconds / base:5.1f}x baseline")
    csv_seconds = times[f"table, {produced:,} rows, --format csv"]
    verdict = "met" if csv_seconds < GOAL_SECONDS else "NOT met"
    print(f"CSV of {produced:,} rows: {csv_seconds:.3f} s (goal < {GOAL_SECONDS} s): {verdict}")


if __name__ == "__main__":
    main()
