"""Start-up cost of the main job, against importing what it cannot do without.

Goal (issue 2): `scalecalc optimal --flops 1e24 --format csv` within 1.25x of
`python -c "import typer, numpy"`, in CPU time (user + system of the child process, which a busy
machine disturbs less than wall time), the median of the per-pair ratios of runs taken in
alternation; and no closed-form answer imports scipy (checked with python -X importtime).

    python benchmarks/startup.py [--pairs 21]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys

from _timing import scalecalc_command

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


# Both commands run with one BLAS thread, as scalecalc sets by default: OpenBLAS's idle threads spin
# after NumPy loads, so with a pool the CPU time would hang on import order (`import numpy, typer`
# costs a third more than `import typer, numpy`), not on the work being compared.
SAME_BLAS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def cpu_time(command: list[str], blas: dict[str, str] = SAME_BLAS) -> float:
    """User + system seconds the command's process used (its own children included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, **blas, "PYTHONDONTWRITEBYTECODE": ""})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def modules_imported(args: list[str]) -> set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "scalecalc", *args, "--format", "csv"],
                          capture_output=True, text=True, check=True)
    lines = done.stderr.splitlines()
    return {line.split("|")[-1].strip() for line in lines if line.startswith("import time:")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=21)
    pairs = parser.parse_args().pairs

    baseline = [sys.executable, "-c", "import typer, numpy"]
    job = [*scalecalc_command(), "optimal", "--flops", "1e24", "--format", "csv"]
    cpu_time(baseline), cpu_time(job)  # warm-up: file caches, .pyc files
    base_times, job_times = [], []
    for _ in range(pairs):
        base_times.append(cpu_time(baseline))
        job_times.append(cpu_time(job))
    ratio = statistics.median(j / b for j, b in zip(job_times, base_times, strict=True))
    pooled = statistics.median(cpu_time(job, {}) / cpu_time(baseline, {}) for _ in range(5))
    for name, times in (("baseline: python -c 'import typer, numpy'", base_times),
                        ("scalecalc optimal --flops 1e24 --format csv", job_times)):
        print(f"{name:48s} {statistics.median(times) * 1000:7.1f} ms CPU (median of {pairs})")
    print(f"ratio {ratio:.2f}x, median of {pairs} alternating pairs (goal <= {GOAL}x): "
          f"{'met' if ratio <= GOAL else 'NOT met'}")
    print(f"(the baseline with NumPy's default BLAS pool, scalecalc with its one thread: {pooled:.2f}x)")

    print("\nscipy imported by closed-form answers (python -X importtime):")
    for args in CLOSED_FORM_QUESTIONS:
        scipy = sorted(module for module in modules_imported(args) if module.split(".")[0] == "scipy")
        print(f"  scalecalc {' '.join(args):45s} {'yes: ' + scipy[0] if scipy else 'no'}")


if __name__ == "__main__":
    main()
