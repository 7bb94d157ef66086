"""`scalecalc fit` speed and reach, against a plain SciPy loop measured in the same run.

1. The paper's 4,500-start grid on the 240 reference runs (goal: under 2 s), against a loop of
   scipy.optimize.minimize(method="L-BFGS-B") with analytic gradients over the same starts.
2. The fast default grid (243 starts) against the paper grid: the same optimum, on the reference
   data and on synthetic runs drawn from known coefficients.
3. 1,000 bootstrap refits (goal: under 15 s), against SciPy refits of the same resamples.
4. How fit time grows with the number of runs, 240 to 24,000 (goal: no faster than linearly).

    python benchmarks/fit.py [--baseline-every K]   # K > 1 times every K-th start, scaled up

The reference data is read from examples/chinchilla_runs.csv.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from scalecalc import fit, runs

DATA = Path(__file__).resolve().parents[1] / "examples" / "chinchilla_runs.csv"


def timed(work):
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def scipy_fit(data: runs.Runs, starts: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The baseline: one scipy.optimize.minimize(L-BFGS-B) per start, analytic gradient."""
    from scipy.optimize import minimize

    log_n, log_d, log_l = np.log(data.params), np.log(data.tokens), np.log(data.loss)
    w = np.ones(len(data)) if weights is None else weights

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        a, b, e, alpha, beta = x
        with np.errstate(all="ignore"):
            u1, u2, u3 = np.exp(a - alpha * log_n), np.exp(b - beta * log_d), np.exp(e)
            total = u1 + u2 + u3
            r = np.log(total) - log_l
            slope = w * np.clip(r, -1e-3, 1e-3)
            q = slope / total
            value = float(np.dot(slope, r - 0.5 * np.clip(r, -1e-3, 1e-3)))
            grad = np.array([q @ u1, q @ u2, q.sum() * u3, -(q * u1) @ log_n, -(q * u2) @ log_d])
        return (value, grad) if np.isfinite(value) and np.isfinite(grad).all() else (np.inf, np.zeros(5))

    return min(minimize(objective, x0, jac=True, method="L-BFGS-B").fun for x0 in starts)


def synthetic(count: int, seed: int) -> runs.Runs:
    """Runs drawn from the besiroglu coefficients with 0.5% log-normal noise, N 5e7 to 2e10."""
    rng = np.random.default_rng(seed)
    truth = fit.law_from(np.array([np.log(482.01), np.log(2085.43), np.log(1.8172), 0.3478, 0.3658]))
    params = np.exp(rng.uniform(np.log(5e7), np.log(2e10), count))
    tokens = np.exp(rng.uniform(np.log(1e9), np.log(5e11), count))
    loss = truth.loss(params, tokens) * np.exp(rng.normal(0, 0.005, count))
    return runs.Runs(params, tokens, loss, f"synthetic {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-every", type=int, default=1,
                        help="time the SciPy baseline on every K-th start and scale up (default: all)")
    every = parser.parse_args().baseline_every
    if not DATA.exists():
        raise SystemExit(f"benchmarks/fit.py: reference data not found at {DATA}")
    reference = runs.exclude(runs.read_runs(DATA.read_text(), str(DATA)), drop_highest_loss=5)
    grid = fit.grid_points("paper")

    print("1. Paper grid (4,500 starts) on the 240 reference runs")
    fit.fit_runs(reference, grid="fast")  # warm-up: imports, caches
    paper, ours = timed(lambda: fit.fit_runs(reference, grid="paper"))
    best, baseline = timed(lambda: scipy_fit(reference, grid[::every]))
    baseline *= every
    label = "SciPy L-BFGS-B loop" + (f" (every {every}th start, x{every})" if every > 1 else "")
    print(f"   scalecalc: {ours:6.2f} s, objective {paper.objective:.10g} (goal < 2 s: "
          f"{'met' if ours < 2 else 'NOT met'})")
    print(f"   {label}: {baseline:6.2f} s, objective {best:.10g}")
    print(f"   ratio: scalecalc takes {ours / baseline:.3f} of the baseline's time "
          f"({baseline / ours:.1f}x faster)")

    print("2. Fast grid (243 starts) against the paper grid: the same optimum?")
    cases = [("reference, 240 runs", reference)] + [(f"synthetic seed {s}, 300 runs", synthetic(300, s))
                                                    for s in (1, 2, 3, 4, 5)]
    for name, data in cases:
        (quick, quick_time), (full, full_time) = timed(lambda d=data: fit.fit_runs(d, grid="fast")), \
            timed(lambda d=data: fit.fit_runs(d, grid="paper"))
        gap = (quick.objective - full.objective) / full.objective
        print(f"   {name:28s} fast {quick_time:5.2f} s, paper {full_time:5.2f} s, objective gap {gap:+.1e}, "
              f"max coefficient gap {np.max(np.abs(quick.x - full.x)):.1e}")

    print("3. 1,000 bootstrap refits of the reference fit")
    _, boot = timed(lambda: fit.bootstrap(paper, 1000, seed=0))
    rng = np.random.default_rng(0)
    sample = 20
    weights = [np.bincount(rng.integers(0, len(reference), len(reference)), minlength=len(reference))
               for _ in range(sample)]
    _, scipy_boot = timed(lambda: [scipy_fit(reference, paper.x[None, :], w) for w in weights])
    scipy_boot *= 1000 / sample
    print(f"   scalecalc: {boot:6.2f} s (goal < 15 s: {'met' if boot < 15 else 'NOT met'})")
    print(f"   SciPy L-BFGS-B from the fit, one resample at a time ({sample} timed, x{1000 // sample}): "
          f"{scipy_boot:6.2f} s; ratio {boot / scipy_boot:.2f}")

    print("4. Fit time against the number of runs (fast grid)")
    sizes = (240, 2400, 24000)
    times = []
    for count in sizes:
        data = synthetic(count, 7)
        _, seconds = timed(lambda d=data: fit.fit_runs(d, grid="fast"))
        times.append(seconds)
        print(f"   {count:6d} runs: {seconds:6.2f} s, {seconds / count * 1e6:7.1f} µs per run")
    slope = np.polyfit(np.log(sizes), np.log(times), 1)[0]
    verdict = "met" if slope <= 1.05 else "NOT met"
    print(f"   growth exponent (time ∝ runs^k): k = {slope:.2f} (goal: k <= 1: {verdict})")


if __name__ == "__main__":
    main()
