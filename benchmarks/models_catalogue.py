"""`scalecalc models --preset all` over the whole catalogue, against `python -c "import typer, numpy"`.

Goal (issue 9): under 0.5 s. The baseline is the cost of starting Python with the two libraries
every command needs, measured in the same run, so the ratio says what scalecalc itself adds.

    python benchmarks/models_catalogue.py [--runs 20]
"""

from __future__ import annotations

import argparse
import sys

from _timing import median_times, scalecalc_command

GOAL_SECONDS = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    questions = {
        "baseline: python -c 'import typer, numpy'": [sys.executable, "-c", "import typer, numpy"],
        "scalecalc models --preset all --format csv":
            [*scalecalc_command(), "models", "--preset", "all", "--format", "csv"],
    }
    times = median_times(questions, runs)
    base = next(iter(times.values()))
    for name, measured in times.items():
        print(f"{name:45s} {measured * 1000:7.1f} ms  {measured / base:5.2f}x")
    measured = times["scalecalc models --preset all --format csv"]
    verdict = "met" if measured < GOAL_SECONDS else "NOT met"
    print(f"models --preset all: {measured:.3f} s (goal < {GOAL_SECONDS} s): {verdict}")


if __name__ == "__main__":
    main()
