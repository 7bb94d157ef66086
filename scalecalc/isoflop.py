"""IsoFLOP profiles (Hoffmann et al. 2022, Approach 2), vectorized over any leading axes.

Every logarithm here is log10: sizes enter as log10 N (or log10 D), budgets as log10 C, and the
curvature is the second derivative of the loss per decade squared.

    fit_minima(log_x, y, degree=2, weights=None) -> Minima
        A polynomial of y against log_x for each profile in a batch (arrays (..., k) -> fields of
        shape (...)), and its minimum: the vertex of the parabola, or the local minimum of the cubic.
    fit_power_law(log_c, log_v, weights=None) -> (slope, intercept)
        Ordinary least squares of log10 v on log10 c, batched the same way ((..., m) -> (...)).

Missing points are NaN (in log_x or y) and count for nothing, so profiles of different lengths
share one array; `weights` (counts of a resample, say) multiply each point's squared residual.
A profile that cannot be fitted (fewer distinct points than coefficients) gives NaN fields and
has_minimum False; nothing here raises on data, so a bootstrap never stops half-way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalecalc.errors import ScalecalcError

DEGREES = (2, 3)
SINGULAR = 1e12  # condition number of the scaled normal equations past which a profile has no fit


@dataclass(frozen=True)
class Minima:
    """The minimum of each profile's polynomial; every field has the batch shape (...)."""

    log_x_min: np.ndarray  # log10 of N* (or D*); NaN where there is no minimum
    y_min: np.ndarray  # the polynomial's value there (L*); NaN where there is no minimum
    curvature: np.ndarray  # d²y/d(log10 x)² at the minimum (at the vertex, for a parabola)
    curvature_se: np.ndarray  # its standard error from the residuals (NaN with no spare points)
    bracketed: np.ndarray  # bool: the minimum lies within [min log_x, max log_x] of the profile
    has_minimum: np.ndarray  # bool: a real local minimum (curvature > 0)
    points: np.ndarray  # int: distinct points with weight in each profile


def _masked(log_x: np.ndarray, y: np.ndarray, weights: np.ndarray | None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = np.ones(()) if weights is None else np.asarray(weights, dtype=float)
    log_x, y, w = np.broadcast_arrays(np.asarray(log_x, dtype=float), np.asarray(y, dtype=float), w)
    ok = np.isfinite(log_x) & np.isfinite(y) & np.isfinite(w) & (w > 0)
    w = np.where(ok, w, 0.0)
    return np.where(ok, log_x, 0.0), np.where(ok, y, 0.0), w


def _weighted_fit(u: np.ndarray, y: np.ndarray, w: np.ndarray, degree: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients (..., p) of y = Σ c_j u^j, their covariance (..., p, p) and a bool `bad`."""
    powers = u[..., None] ** np.arange(degree + 1)  # (..., k, p)
    weighted = powers * w[..., None]
    gram = np.einsum("...ki,...kj->...ij", weighted, powers)
    moment = np.einsum("...ki,...k->...i", weighted, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.linalg.cond(gram)
    distinct = np.count_nonzero(w > 0, axis=-1)
    bad = ~np.isfinite(cond) | (cond > SINGULAR) | (distinct < degree + 1)
    gram = np.where(bad[..., None, None], np.eye(degree + 1), gram)
    inverse = np.linalg.inv(gram)
    coef = np.einsum("...ij,...j->...i", inverse, moment)
    residual = y - np.einsum("...kp,...p->...k", powers, coef)
    spare = w.sum(axis=-1) - (degree + 1)  # frequency weights: a repeated point is a point
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = np.where((spare > 0) & (distinct > degree + 1),
                            np.einsum("...k,...k->...", w, residual**2) / spare, np.nan)
    coef = np.where(bad[..., None], np.nan, coef)
    return coef, inverse * variance[..., None, None], bad


def fit_minima(log_x: np.ndarray, y: np.ndarray, degree: int = 2, weights: np.ndarray | None = None
               ) -> Minima:
    """Fit y = poly(log10 x) of `degree` (2 or 3) to each profile along the last axis; its minimum.

    The cubic's local minimum is u* = -c1 / (c2 + sqrt(c2² - 3·c1·c3)) in the centred variable u,
    the stable form of the root where the second derivative, 2·sqrt(c2² - 3·c1·c3), is positive;
    with c3 = 0 it is the parabola's vertex -c1/(2·c2).
    """
    if degree not in DEGREES:
        raise ScalecalcError(f"the polynomial degree is {degree}; use 2 (a parabola) or 3 (a cubic).")
    log_x, y, w = _masked(log_x, y, weights)
    if log_x.ndim == 0 or log_x.shape[-1] < degree + 1:
        raise ScalecalcError(f"a degree-{degree} profile needs at least {degree + 1} points; "
                             f"give at least {degree + 1} sizes per budget.")
    total = w.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = np.einsum("...k,...k->...", w, log_x) / total
        spread = np.sqrt(np.einsum("...k,...k->...", w, (log_x - centre[..., None]) ** 2) / total)
    spread = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
    centre = np.where(np.isfinite(centre), centre, 0.0)
    # Centring and scaling keep the normal equations well conditioned for any size range.
    u = np.where(w > 0, (log_x - centre[..., None]) / spread[..., None], 0.0)
    coef, cov, bad = _weighted_fit(u, y, w, degree)
    c1, c2 = coef[..., 1], coef[..., 2]
    c3 = coef[..., 3] if degree == 3 else np.zeros_like(c1)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(c2**2 - 3 * c1 * c3)
        # A parabola's stationary point is its vertex even when it is a maximum (curvature < 0).
        u_min = -c1 / (2 * c2) if degree == 2 else -c1 / (c2 + root)
        second = 2 * c2 + 6 * c3 * u_min  # d²y/du² at u*
        # A curvature within rounding of zero is a flat profile, not a minimum (Open-Athena's
        # fit_approach2 refuses below 1e-10 likewise); the scale is the size of the losses.
        flat = 1e-9 * np.einsum("...k,...k->...", w, np.abs(y)) / total
        has_minimum = ~bad & np.isfinite(u_min) & (second > flat)
        # Delta method with u* held fixed: the spread of the second derivative's estimate there.
        gradient = np.zeros(coef.shape)
        gradient[..., 2] = 2
        if degree == 3:
            gradient[..., 3] = 6 * u_min
        second_var = np.einsum("...i,...ij,...j->...", gradient, cov, gradient)
        y_min = np.einsum("...p,...p->...", coef, u_min[..., None] ** np.arange(degree + 1))
        log_x_min = centre + spread * u_min
        curvature = second / spread**2
        curvature_se = np.sqrt(second_var) / spread**2
    has_weight = w > 0
    low = np.where(has_weight, log_x, np.inf).min(axis=-1)
    high = np.where(has_weight, log_x, -np.inf).max(axis=-1)
    nan = np.full(has_minimum.shape, np.nan)
    return Minima(
        log_x_min=np.where(has_minimum, log_x_min, nan),
        y_min=np.where(has_minimum, y_min, nan),
        curvature=np.where(bad, nan, curvature),
        curvature_se=np.where(bad, nan, curvature_se),
        bracketed=has_minimum & (log_x_min >= low) & (log_x_min <= high),
        has_minimum=has_minimum,
        points=np.count_nonzero(has_weight, axis=-1),
    )


def fit_power_law(log_c: np.ndarray, log_v: np.ndarray, weights: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """OLS of log10 v = intercept + slope·log10 c along the last axis: v = 10^intercept · c^slope.

    NaN points are left out; fewer than two distinct budgets give NaN.
    """
    log_c, log_v, w = _masked(log_c, log_v, weights)
    total = w.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_c = np.einsum("...k,...k->...", w, log_c) / total
        mean_v = np.einsum("...k,...k->...", w, log_v) / total
        dc = np.where(w > 0, log_c - mean_c[..., None], 0.0)
        dv = np.where(w > 0, log_v - mean_v[..., None], 0.0)
        sxx = np.einsum("...k,...k->...", w, dc * dc)
        slope = np.einsum("...k,...k->...", w, dc * dv) / sxx
        ok = (np.count_nonzero(w > 0, axis=-1) >= 2) & (sxx > 1e-24 * np.maximum(1.0, mean_c**2))
        slope = np.where(ok, slope, np.nan)
        intercept = np.where(ok, mean_v - slope * mean_c, np.nan)
    return slope, intercept


def slope_t(log_c: np.ndarray, values: np.ndarray) -> float:
    """The t statistic of the OLS slope of `values` on log10 C (NaN with fewer than 3 points).

    Czech et al. 2026 (§5) show that sampling centres drifting with C bias the exponent; |t| > 2 for
    log10(N*/geometric mean of the sampled N) against log10 C flags it (experiments.md §8).
    """
    log_c, values = np.asarray(log_c, dtype=float), np.asarray(values, dtype=float)
    ok = np.isfinite(log_c) & np.isfinite(values)
    log_c, values = log_c[ok], values[ok]
    if len(log_c) < 3 or np.ptp(log_c) == 0:
        return float("nan")
    slope, intercept = fit_power_law(log_c, values)
    residual = values - intercept - slope * log_c
    dof = len(log_c) - 2
    se = np.sqrt((residual @ residual) / dof / np.sum((log_c - log_c.mean()) ** 2))
    return float(slope / se) if se > 0 else float("inf") * np.sign(slope) if slope else 0.0
