"""`fit --method isoflop` bootstrap speed (goal: 1,000 resamples of 200 runs under 2 s), against
baselines measured in the same run: one point fit, and a plain loop of np.polyfit refits of the
same resamples (one parabola per budget per resample, as a straightforward implementation would).

    python benchmarks/isoflop.py [--resamples K]

The runs are 10 budgets from 1e18 to 1e21 with 20 sizes each, over ±0.6 decades around the
optimum of the rounded Chinchilla surface, with 1% loss noise.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from scalecalc import isoflopfit
from scalecalc.runs import Runs

E, A, B, ALPHA, BETA = 1.69, 406.4, 410.7, 0.34, 0.28


def synthetic_runs(budgets: int = 10, sizes: int = 20, seed: int = 0) -> Runs:
    rng = np.random.default_rng(seed)
    flops = np.repeat(np.logspace(18, 21, budgets), sizes)
    a = BETA / (ALPHA + BETA)
    optimum = (ALPHA * A / (BETA * B)) ** (1 / (ALPHA + BETA)) * (flops / 6) ** a
    params = optimum * 10 ** np.tile(np.linspace(-0.6, 0.6, sizes), budgets)
    tokens = flops / (6 * params)
    loss = (E + A / params**ALPHA + B / tokens**BETA) * np.exp(rng.normal(0, 0.01, flops.size))
    return Runs(params, tokens, loss, "synthetic")


def timed(work):
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def polyfit_loop(fit: isoflopfit.IsoflopFit, resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    log_n, loss = np.log10(fit.runs.params), fit.runs.loss
    log_c = np.log10(fit.budgets.flops)
    slopes = []
    for _ in range(resamples):
        minima = []
        for index in range(len(log_c)):
            members = np.flatnonzero(fit.budgets.label == index)
            chosen = rng.choice(members, size=len(members))
            c2, c1, _ = np.polyfit(log_n[chosen], loss[chosen], 2)
            minima.append(-c1 / (2 * c2))
        slopes.append(np.polyfit(log_c, minima, 1)[0])
    return np.array(slopes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=1000)
    resamples = parser.parse_args().resamples
    runs = synthetic_runs()
    groups = isoflopfit.group_by_flops(6 * runs.params * runs.tokens, 0.1)
    single, fit = timed(lambda: isoflopfit.fit_isoflop(runs, groups))
    boot, done = timed(lambda: isoflopfit.bootstrap(fit, resamples, seed=1))
    loop, slopes = timed(lambda: polyfit_loop(fit, resamples, seed=1))
    print(f"{len(runs)} runs in {len(groups.flops)} budgets; a = {fit.a:.4f}")
    print(f"one point fit:                 {single * 1e3:8.1f} ms")
    print(f"{resamples} bootstrap resamples:    {boot:8.3f} s  (goal < 2 s; "
          f"{boot / single:.0f}x one fit)")
    print(f"np.polyfit loop, same count:   {loop:8.3f} s  (vectorized is {loop / boot:.1f}x faster)")
    print(f"95% interval of a: vectorized {np.percentile(done.draws[:, 0], [2.5, 97.5]).round(4)}, "
          f"loop {np.percentile(slopes, [2.5, 97.5]).round(4)}")


if __name__ == "__main__":
    main()
