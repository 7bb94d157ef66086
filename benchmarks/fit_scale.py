"""`scalecalc fit --grid paper` on 200,000 runs: the screened fit against today's exhaustive one.

Goal (issue 12, "Speed and scale"): the paper's 4,500 starts on 200,000 runs in under 30 s and
under 1 GB peak memory, reaching the exhaustive fit's objective to 1e-9 relative.

The exhaustive path (every start searched on every run, today's algorithm, `screen=len(runs)`)
takes about 15 minutes on 200,000 runs, so by default it runs on --old-runs (10,000) runs drawn the
same way, beside the screened path on the same runs, and its time at 200,000 is an ESTIMATE, scaled
linearly in the runs (benchmarks/fit.py, part 4, finds the time grows as runs^1). Give
--old-runs 200000 to measure it instead (measured once: 915 s CPU against 5.2 s, ratio 0.0057,
objective gap 1.7e-14). Each measurement runs in a child process of its own, so its peak resident
memory (getrusage ru_maxrss) is its own; times are medians of --repeats runs taken in alternation,
and the ratio (of CPU time, which a busy machine disturbs less than wall time) is the median of the
per-pair ratios.

    python benchmarks/fit_scale.py [--runs 200000] [--old-runs 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

GOAL_SECONDS, GOAL_MB = 30.0, 1024.0


def synthetic(count: int, seed: int = 12):
    """Runs from the besiroglu surface: N log-uniform over 5e7 to 2e10, D/N log-uniform over 2 to
    400 (a sweep around Chinchilla's 20), 0.75% noise on ln L (Besiroglu et al.'s residual RMS) and
    one run in 200 with a loss spike of +5% (a bad checkpoint), which the Huber loss shrugs off."""
    from scalecalc import presets, runs

    law = presets.load("besiroglu").law
    rng = np.random.default_rng(seed)
    params = np.exp(rng.uniform(np.log(5e7), np.log(2e10), count))
    tokens = params * np.exp(rng.uniform(np.log(2), np.log(400), count))
    noise = rng.normal(0, 0.0075, count) + np.where(rng.random(count) < 0.005, 0.05, 0.0)
    return runs.Runs(params, tokens, law.loss(params, tokens) * np.exp(noise), f"synthetic {count}")


def child(path: str, count: int) -> None:
    """One measured fit, printed as JSON: wall and CPU seconds, objective, x, peak RSS in MB."""
    from scalecalc import fit

    data = synthetic(count)
    screen = count if path == "old" else fit.SCREEN_RUNS
    start, cpu = time.perf_counter(), time.process_time()
    result = fit.fit_runs(data, grid="paper", screen=screen)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(json.dumps({"seconds": seconds, "cpu": cpu, "objective": result.objective, "x": result.x.tolist(),
                      "peak_mb": peak}))


def measure(path: str, count: int) -> dict:
    # One BLAS thread, as the `scalecalc` entry point sets, so CPU time is the work done.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, __file__, "--child", path, str(count)], check=True,
                          capture_output=True, text=True, env=env)
    return json.loads(done.stdout)


def compare(count: int, repeats: int) -> tuple[list[dict], list[dict]]:
    """Old and new on the same runs, in alternation."""
    old, new = [], []
    for _ in range(repeats):
        old.append(measure("old", count))
        new.append(measure("new", count))
    return old, new


def summary(label: str, results: list[dict]) -> str:
    seconds = statistics.median(r["seconds"] for r in results)
    cpu = statistics.median(r["cpu"] for r in results)
    peak = max(r["peak_mb"] for r in results)
    return (f"{label}: {seconds:7.2f} s wall, {cpu:7.2f} s CPU (medians of {len(results)}), "
            f"peak RSS {peak:6.0f} MB")


def gap(old: dict, new: dict) -> float:
    return (new["objective"] - old["objective"]) / old["objective"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200_000)
    parser.add_argument("--old-runs", type=int, default=10_000,
                        help="runs for the exhaustive path (default 10,000; its time is scaled up)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return

    print(f"1. Old (exhaustive) and new (screened) paper-grid fits of the same {args.old_runs:,} runs")
    old, new = compare(args.old_runs, args.repeats)
    print("   " + summary("old", old))
    print("   " + summary("new", new))
    ratios = [n["cpu"] / o["cpu"] for o, n in zip(old, new, strict=True)]
    print(f"   ratio new/old in CPU time: {statistics.median(ratios):.4f} (median of per-pair ratios); "
          f"objective gap (new - old)/old: {gap(old[0], new[0]):+.1e} "
          f"(goal |gap| <= 1e-9: {'met' if abs(gap(old[0], new[0])) <= 1e-9 else 'NOT met'})")

    print(f"2. The new path on {args.runs:,} runs")
    big = [measure("new", args.runs) for _ in range(args.repeats)]
    seconds = statistics.median(r["seconds"] for r in big)
    cpu = statistics.median(r["cpu"] for r in big)
    peak = max(r["peak_mb"] for r in big)
    print("   " + summary("new", big))
    print(f"   goals: under {GOAL_SECONDS:g} s: {'met' if seconds < GOAL_SECONDS else 'NOT met'}; "
          f"under {GOAL_MB:g} MB: {'met' if peak < GOAL_MB else 'NOT met'}")
    if args.old_runs == args.runs:
        old_cpu = statistics.median(r["cpu"] for r in old)
        print(f"   old, measured above: {old_cpu:.1f} s CPU; ratio new/old {cpu / old_cpu:.4f}")
    else:
        scale = args.runs / args.old_runs
        estimate = statistics.median(r["cpu"] for r in old) * scale
        print(f"   old, ESTIMATED from part 1 scaled x{scale:g} in runs: {estimate:.0f} s CPU; "
              f"ratio new/old about {cpu / estimate:.4f} ({estimate / cpu:.0f}x faster)")
        print("   (objective gap at this size: run with --old-runs equal to --runs, about 15 minutes)")


if __name__ == "__main__":
    main()
