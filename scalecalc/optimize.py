"""The one numeric path: vectorized bisection in log space, for laws without a closed form.

Bisection is slow to converge but cannot fail on a bracketed, monotone function, and it runs on
whole arrays at once, so a table of budgets costs the same number of passes as a single budget.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from scalecalc.laws import Law

# 64 halvings shrink a bracket 250 e-folds wide to 1.4e-17, below the spacing of doubles
# near ln C ≈ 60 (about 7e-15): every bit of the answer is settled.
ITERATIONS = 64


def bisect_increasing(
    g: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """x in [lo, hi] where the increasing function g crosses zero (an end if it never does)."""
    lo, hi = np.broadcast_arrays(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float))
    lo, hi = lo.copy(), hi.copy()
    for _ in range(ITERATIONS):
        mid = 0.5 * (lo + hi)
        below = g(mid) < 0
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def isoflop_optimum(law: Law, flops: np.ndarray, c0: float) -> np.ndarray:
    """N minimizing law.loss(N, C/(c0·N)) for each C.

    Along the iso-FLOP line d L / d ln N = ∂L/∂ln N − ∂L/∂ln D, which rises through zero at the
    minimum for any law that falls in both N and D; bisecting on it is well conditioned, unlike
    comparing nearly equal losses near a flat minimum.
    """
    log_budget = np.log(np.divide(flops, c0))  # ln(N·D)

    def slope(log_n: np.ndarray) -> np.ndarray:
        d_params, d_tokens = law.log_partials(np.exp(log_n), np.exp(log_budget - log_n))
        return d_params - d_tokens

    # From N = e^-20 to D = e^-20: wide enough for any law with positive exponents.
    return np.exp(bisect_increasing(slope, -20.0 + 0 * log_budget, log_budget + 20.0))


def solve_log_flops(
    increasing: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """C (not its log) where increasing(ln C) crosses zero, searched over ln C in [lo, hi]."""
    return np.exp(bisect_increasing(increasing, lo, hi))
