"""Start-up cost of the main job, against importing what it cannot do without.

Goal (issue 2): `scalecalc optimal --flops 1e24 --format csv` within 1.25x of
`python -c "import typer, numpy"`, medians measured in the same run; and no closed-form
answer imports scipy (checked with python -X importtime).

    python benchmarks/startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from _timing import median_times, scalecalc_command

GOAL = 1.25
CLOSED_FORM_QUESTIONS = [
    ["optimal", "--flops", "1e24"],
    ["optimal", "--params", "70B"],
    ["optimal", "--tokens", "1.4T"],
    ["optimal", "--loss", "2.0"],
    ["loss", "--params", "70B", "--tokens", "1.4T"],
    ["tokens", "--params", "7B", "--flops", "1e23"],
    ["table", "--preset", "all"],
]


def modules_imported(args: list[str]) -> set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "scalecalc", *args, "--format", "csv"],
                          capture_output=True, text=True, check=True)
    lines = done.stderr.splitlines()
    return {line.split("|")[-1].strip() for line in lines if line.startswith("import time:")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs

    times = median_times({
        "baseline: python -c 'import typer, numpy'": [sys.executable, "-c", "import typer, numpy"],
        "scalecalc optimal --flops 1e24 --format csv":
            [*scalecalc_command(), "optimal", "--flops", "1e24", "--format", "csv"],
    }, runs)
    (base_name, base), (name, measured) = times.items()
    ratio = measured / base
    print(f"{base_name:48s} {base * 1000:7.1f} ms (median of {runs})")
    print(f"{name:48s} {measured * 1000:7.1f} ms")
    print(f"ratio {ratio:.2f}x (goal <= {GOAL}x): {'met' if ratio <= GOAL else 'NOT met'}")

    print("\nscipy imported by closed-form answers (python -X importtime):")
    for args in CLOSED_FORM_QUESTIONS:
        scipy = sorted(module for module in modules_imported(args) if module.split(".")[0] == "scipy")
        print(f"  scalecalc {' '.join(args):45s} {'yes: ' + scipy[0] if scipy else 'no'}")


if __name__ == "__main__":
    main()
