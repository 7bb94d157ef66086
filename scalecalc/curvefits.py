"""Fitting the one-variable laws without breaks: power, saturating (Zhai et al.) and sigmoid.

Each form is linear in two of its coefficients once the others are fixed (power: E and A at fixed α;
saturating: c and a at fixed b and d; sigmoid: lo and hi at fixed k and x_mid), so the search runs
over the rest only, as one NumPy array, and solves the linear pair exactly at every point
(experiments.md §4). The power law needs nothing more: its 1-D search over α is refined by nested
grids to 1e-9. The other two finish with scipy's least squares from the grid's best point.

x arrives divided by its smallest value (every grid then suits any unit); callers scale back.
"""

from __future__ import annotations

import numpy as np

REFINE_ROUNDS = 12  # nested grids over α: each narrows the bracket about 25-fold


def linear_pair(u: np.ndarray, v: np.ndarray, y: np.ndarray, w: np.ndarray,
                nonnegative: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row of u and v: the (p, q) minimising Σ w²(p·u + q·v − y)², with p, q ≥ 0 when
    `nonnegative`; and that sum. Rows are candidate shapes, columns points."""
    uu, vv, uv = (np.sum(w**2 * s * t, axis=-1) for s, t in ((u, u), (v, v), (u, v)))
    uy, vy = np.sum(w**2 * u * y, axis=-1), np.sum(w**2 * v * y, axis=-1)
    with np.errstate(all="ignore"):
        det = uu * vv - uv**2
        candidates = [((uy * vv - vy * uv) / det, (vy * uu - uy * uv) / det)]
        if nonnegative:  # the constrained optimum lies on an edge when the free one leaves the quadrant
            candidates += [(np.zeros_like(uy), np.maximum(vy / vv, 0)), (np.maximum(uy / uu, 0),
                                                                         np.zeros_like(vy))]
        best_p, best_q, best_sse = (np.full(np.shape(uy), np.nan) for _ in range(3))
        best_sse[:] = np.inf
        for p, q in candidates:
            feasible = np.isfinite(p) & np.isfinite(q)
            if nonnegative:
                feasible &= (p >= 0) & (q >= 0)
            sse = np.sum((w * (p[..., None] * u + q[..., None] * v - y)) ** 2, axis=-1)
            take = feasible & np.isfinite(sse) & (sse < best_sse)
            best_p, best_q, best_sse = (np.where(take, new, old) for new, old in
                                        ((p, best_p), (q, best_q), (sse, best_sse)))
    return best_p, best_q, best_sse


def power(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(E, A, α) of y = E + A·x^(−α), least squares on relative residuals (ŷ − y)/y (close to the
    residuals of ln y, and linear in E and A), with E, A ≥ 0 and α from 1e-4 to 10."""
    weights = 1 / y
    low, high = np.log(1e-4), np.log(10.0)
    alphas = np.exp(np.linspace(low, high, 400))
    for _ in range(REFINE_ROUNDS):
        u = np.ones((alphas.size, x.size))
        v = np.exp(-alphas[:, None] * np.log(x))
        e, a, sse = linear_pair(u, v, y, weights)
        best = int(np.argmin(sse))
        step = np.log(alphas[1]) - np.log(alphas[0])
        centre = np.log(alphas[best])
        alphas = np.exp(np.linspace(max(low, centre - 2 * step), min(high, centre + 2 * step), 101))
    return float(e[best]), float(a[best]), float(alphas[best])


def saturating(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """(a, b, c, d) of y = c + a·(x + d)^(−b) (Zhai et al. 2022 §2.2), on relative residuals."""
    from scipy.optimize import least_squares

    weights = 1 / y
    bs = np.exp(np.linspace(np.log(1e-3), np.log(5.0), 80))
    ds = np.concatenate([[0.0], np.exp(np.linspace(np.log(1e-3), np.log(x.max()), 40))])
    b, d = (axis.ravel() for axis in np.meshgrid(bs, ds, indexing="ij"))
    u = np.ones((b.size, x.size))
    v = np.exp(-b[:, None] * np.log(x + d[:, None]))
    c, a, sse = linear_pair(u, v, y, weights)
    best = int(np.argmin(sse))
    start = np.nan_to_num(np.array([a[best], b[best], c[best], d[best]]))

    def residuals(p: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            value = weights * (p[2] + p[0] * np.exp(-p[1] * np.log(x + p[3])) - y)
        return np.where(np.isfinite(value), value, 1e3)

    with np.errstate(all="ignore"):  # scipy's trust region divides by zero on flat steps, harmlessly
        found = least_squares(residuals, np.maximum(start, 0), bounds=(0, np.inf), xtol=1e-14, ftol=1e-14,
                              gtol=1e-14, max_nfev=20_000).x
    better = np.sum(residuals(found) ** 2) <= sse[best]
    return tuple(float(value) for value in (found if better else start))  # type: ignore[return-value]


def sigmoid(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """(lo, hi, k, x_mid) of y = lo + (hi − lo)/(1 + (x_mid/x)^k), plain least squares (an accuracy
    is bounded, so its errors need no rescaling), lo and hi at least 0, k above 0."""
    from scipy.optimize import least_squares

    log_x = np.log(x)
    ks = np.exp(np.linspace(np.log(0.05), np.log(50.0), 60))
    span = log_x.max() - log_x.min()
    mids = np.linspace(log_x.min() - span, log_x.max() + span, 61)
    k, m = (axis.ravel() for axis in np.meshgrid(ks, mids, indexing="ij"))
    s = np.exp(-np.logaddexp(0.0, -k[:, None] * (log_x - m[:, None])))
    lo, hi, sse = linear_pair(1 - s, s, y, np.ones_like(y))
    best = int(np.argmin(sse))
    start = np.nan_to_num(np.array([lo[best], hi[best], np.log(k[best]), m[best]]))  # in the bounds

    def residuals(p: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            value = p[0] + (p[1] - p[0]) * np.exp(-np.logaddexp(0.0, -np.exp(p[2]) * (log_x - p[3]))) - y
        return np.where(np.isfinite(value), value, 1e3)

    bounds = ([0, 0, np.log(1e-3), -np.inf], [np.inf, np.inf, np.log(1e3), np.inf])
    with np.errstate(all="ignore"):
        found = least_squares(residuals, start, bounds=bounds, xtol=1e-14, ftol=1e-14, gtol=1e-14,
                              max_nfev=20_000).x
    chosen = found if np.sum(residuals(found) ** 2) <= sse[best] else start
    return float(chosen[0]), float(chosen[1]), float(np.exp(chosen[2])), float(np.exp(chosen[3]))
