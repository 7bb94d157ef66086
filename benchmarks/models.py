"""Start-up of `scalecalc model` against `scalecalc optimal`, medians measured in the same run.

Goal (issue 9): `scalecalc model` on a config file answers as fast as `optimal --flops 1e24` does
(ratio about 1), and imports no scipy.

    python benchmarks/models.py [--runs 30]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from _timing import median_times, scalecalc_command

GOAL = 1.10
CONFIG = Path(__file__).resolve().parent.parent / "tests" / "data" / "configs" / "llama-3.1-8b.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    script = scalecalc_command()
    questions = {
        "baseline: scalecalc optimal --flops 1e24":
            [*script, "optimal", "--flops", "1e24", "--format", "csv"],
        "scalecalc model CONFIG": [*script, "model", str(CONFIG), "--format", "csv"],
        "scalecalc model --model llama-3-8b": [*script, "model", "--model", "llama-3-8b", "--format", "csv"],
        "scalecalc models": [*script, "models", "--format", "csv"],
    }
    times = median_times(questions, runs)
    base = next(iter(times.values()))
    for name, measured in times.items():
        print(f"{name:45s} {measured * 1000:7.1f} ms  {measured / base:5.2f}x")
    ratio = times["scalecalc model CONFIG"] / base
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"model on a config: {ratio:.2f}x optimal (goal <= {GOAL}x): {verdict}")
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "scalecalc", "model", str(CONFIG),
                           "--format", "csv"], capture_output=True, text=True, check=True)
    modules = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
               if line.startswith("import time:")}
    scipy = any(module.split(".")[0] == "scipy" for module in modules)
    print(f"scipy imported by scalecalc model: {'yes' if scipy else 'no'}")


if __name__ == "__main__":
    main()
