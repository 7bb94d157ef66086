"""`scalecalc design` simulation speed, against a plain loop measured in the same run.

The design of experiments.md §6 (Chinchilla rounded surface, 5 budgets 1e18-1e20, 7 sizes, ±0.75
decades, σ 0.01, target 1e23), simulated 500 times (goal: under 10 s, aim under 1 s):
- batched: scalecalc.simulate.simulate, every profile of every simulation in one set of array calls;
- baseline: one np.polyfit per budget and simulation, then np.polyfit for the power law, in Python.
Also the whole command, `scalecalc design ... --simulations 500`, as a user runs it, and
`--compare` (six designs) and `--from-fit` for scale.

    python benchmarks/design.py [--simulations 500] [--repeats 5]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np
from _timing import median_times, scalecalc_command

from scalecalc import design, presets, simulate


def baseline(log_flops: np.ndarray, log_params: np.ndarray, clean: np.ndarray, target: float, noise: float,
             simulations: int, rng: np.random.Generator) -> np.ndarray:
    predicted = np.empty(simulations)
    for index in range(simulations):
        minima = []
        for budget in range(log_flops.size):
            c2, c1, _ = np.polyfit(log_params[budget], clean[budget] + noise * rng.standard_normal(
                clean.shape[1]), 2)
            minima.append(-c1 / (2 * c2))
        slope, intercept = np.polyfit(log_flops, minima, 1)
        predicted[index] = slope * target + intercept
    return predicted


def best_of(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    law = design.prior_law(presets.load("chinchilla"))
    ladder = design.Ladder(np.logspace(18, 20, 5), 7, 0.75)
    params, tokens = design.plan(law, ladder, 6.0)
    log_flops, log_params, clean = np.log10(ladder.budgets), np.log10(params), law.loss(params, tokens)
    count = args.simulations

    batched = best_of(lambda: simulate.simulate(log_flops, log_params, clean, 23.0, 0.01, count, 2,
                                                np.random.default_rng(0)), args.repeats)
    looped = best_of(lambda: baseline(log_flops, log_params, clean, 23.0, 0.01, count,
                                      np.random.default_rng(0)), args.repeats)
    fast = simulate.simulate(log_flops, log_params, clean, 23.0, 0.01, 20_000, 2, np.random.default_rng(1))
    slow = baseline(log_flops, log_params, clean, 23.0, 0.01, 20_000, np.random.default_rng(2))
    print(f"{count} simulated experiments (5 budgets x 7 sizes), median of {args.repeats}:")
    print(f"  batched  {batched * 1e3:8.2f} ms")
    print(f"  baseline {looped * 1e3:8.2f} ms  (np.polyfit loop)")
    print(f"  ratio    {looped / batched:8.1f}x faster")
    print(f"  same answer: sd of log10 N* {np.nanstd(fast.log_params):.4f} (batched, 20,000) vs "
          f"{np.std(slow):.4f} (baseline, 20,000); mean {np.nanmean(fast.log_params):.4f} vs "
          f"{np.mean(slow):.4f}; the two differ by sampling error only (sd/sqrt(2n) = "
          f"{np.std(slow) / math.sqrt(40_000):.4f})")

    command = scalecalc_command()
    base = [*command, "design", "--target-flops", "1e23", "--min-flops", "1e18", "--max-flops", "1e20",
            "--format", "csv", "--report", "precision", "--simulations", str(count)]
    times = median_times({"design": base, "design --compare": [*base, "--compare"],
                          "hardware (start-up baseline)": [*command, "hardware", "--format", "csv"]},
                         args.repeats)
    start_up = times["hardware (start-up baseline)"]
    print("Whole commands (wall time, median):")
    for name, value in times.items():
        print(f"  {name:30s} {value * 1e3:8.1f} ms  ({value / start_up:.2f}x the start-up baseline)")


if __name__ == "__main__":
    main()
