"""Time the BNSL grid search (scalecalc.bnsl) against a point-by-point evaluation of the same grid,
the way scipy.optimize.brute runs it in Caballero et al.'s script, and print the ratio.

    python benchmarks/bnsl.py

The point-by-point baseline is timed on a sample of the grid and scaled up, so it takes seconds.
Not a test: timings move with the machine; the ratio is what to read.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from scalecalc import bnsl, curves

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = 5_000  # grid points evaluated one at a time for the baseline


def main() -> None:
    path = ROOT / "examples" / "bnsl_4digit_addition.csv"
    points = curves.read_points(path.read_text(encoding="utf-8"), str(path), "dataset_size",
                                "test_cross_entropy")
    x, y = points.x[:14] / points.x[0], points.y[:14]
    start = time.perf_counter()
    bnsl._brute(x, y)
    vectorized = time.perf_counter() - start

    axes = bnsl._grid_axes(x, y)
    total = int(np.prod([len(axis) for axis in axes]))
    rng = np.random.default_rng(0)
    sample = [tuple(float(rng.choice(axis)) for axis in axes) for _ in range(SAMPLE)]
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        for a, pb, c0, c1, pd, f1 in sample:
            b, d = bnsl.reparameterised(pb), bnsl.reparameterised(pd)
            predicted = a + b * x ** -c0 * (1 + (x / d) ** (1 / f1)) ** (-c1 * f1)
            bnsl.objective(predicted, y)
    one_at_a_time = (time.perf_counter() - start) * total / SAMPLE
    print(f"grid of {total:,} points: vectorized {vectorized:.2f} s, one point at a time about "
          f"{one_at_a_time:.1f} s (scaled from {SAMPLE:,}); ratio {one_at_a_time / vectorized:.0f}x")


if __name__ == "__main__":
    main()
