"""Monte-Carlo precision of an isoFLOP (Approach 2) ladder: draw noisy losses, refit, predict.

Everything is batched over simulations: arrays are shaped (simulations, budgets, points), and one
call fits every profile of every simulated experiment (experiments.md §5, "Simulated check").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# --- to be replaced by scalecalc.isoflop at merge -----------------------------------------------
# The `isoflop` helper writes scalecalc/isoflop.py with fit_minima and fit_power_law under these
# names and shapes; until it lands these private copies stand in, so the lead swaps one import.


@dataclass(frozen=True)
class Minima:
    """Per profile: the fitted minimum (log_x_min, y_min), its curvature (half the second derivative
    of the polynomial there, so a parabola's leading coefficient) with a standard error, whether a
    minimum exists, and whether it lies within the sampled sizes. Shapes (...) from inputs (..., k)."""

    log_x_min: np.ndarray
    y_min: np.ndarray
    curvature: np.ndarray
    curvature_se: np.ndarray
    bracketed: np.ndarray
    has_minimum: np.ndarray


def fit_minima(log_x: np.ndarray, y: np.ndarray, degree: int = 2) -> Minima:
    """Least-squares polynomial of `degree` (2 or 3) in log_x through y, per row, and its minimum.

    x is centred and scaled per row before the fit, so the normal equations stay well conditioned.
    A cubic's minimum is the stable root -c1 / (c2 + sqrt(c2² - 3·c1·c3)), which tends to the
    parabola's vertex as c3 -> 0.
    """
    log_x, y = np.broadcast_arrays(np.asarray(log_x, dtype=float), np.asarray(y, dtype=float))
    centre = log_x.mean(axis=-1, keepdims=True)
    scale = np.maximum(np.ptp(log_x, axis=-1, keepdims=True) / 2, 1e-12)
    u = (log_x - centre) / scale
    powers = u[..., None] ** np.arange(degree + 1)  # (..., k, p)
    gram = np.swapaxes(powers, -1, -2) @ powers
    inverse = np.linalg.inv(gram)
    coef = (inverse @ (np.swapaxes(powers, -1, -2) @ y[..., None]))[..., 0]
    residual = y - (powers @ coef[..., None])[..., 0]
    dof = max(log_x.shape[-1] - degree - 1, 1)
    variance = (residual ** 2).sum(axis=-1) / dof
    c1, c2 = coef[..., 1], coef[..., 2]
    if degree == 2:
        with np.errstate(divide="ignore", invalid="ignore"):
            u_min = -c1 / (2 * c2)
        half_second = c2
        gradient = np.zeros(coef.shape)
        gradient[..., 2] = 1.0
        exists = c2 > 0
    else:
        c3 = coef[..., 3]
        discriminant = c2 ** 2 - 3 * c1 * c3
        root = np.sqrt(np.maximum(discriminant, 0.0))
        denominator = c2 + root
        exists = (discriminant > 0) & (denominator > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            u_min = np.where(exists, -c1 / np.where(denominator > 0, denominator, 1.0), np.nan)
        half_second = c2 + 3 * c3 * np.where(exists, u_min, 0.0)
        gradient = np.zeros(coef.shape)
        gradient[..., 2] = 1.0
        gradient[..., 3] = 3 * np.where(exists, u_min, 0.0)
    se = np.sqrt(np.maximum(np.einsum("...i,...ij,...j->...", gradient, inverse, gradient) * variance, 0))
    u_at = np.where(np.isfinite(u_min), u_min, 0.0)
    y_min = (u_at[..., None] ** np.arange(degree + 1) * coef).sum(axis=-1)
    squared = scale[..., 0] ** 2  # back to log_x units: d²y/dx² = d²y/du² / scale²
    x_min = centre[..., 0] + scale[..., 0] * u_min
    bracketed = exists & (x_min >= log_x.min(axis=-1)) & (x_min <= log_x.max(axis=-1))
    return Minima(np.where(exists, x_min, np.nan), np.where(exists, y_min, np.nan), half_second / squared,
                  se / squared, bracketed, exists)


def fit_power_law(log_c: np.ndarray, log_v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS line log_v = slope·log_c + intercept per row (log10 in, log10 out): (..., m) -> (...)."""
    log_c, log_v = np.broadcast_arrays(np.asarray(log_c, dtype=float), np.asarray(log_v, dtype=float))
    c_mean, v_mean = log_c.mean(axis=-1), log_v.mean(axis=-1)
    dc = log_c - c_mean[..., None]
    slope = (dc * (log_v - v_mean[..., None])).sum(axis=-1) / (dc ** 2).sum(axis=-1)
    return slope, v_mean - slope * c_mean

# --- end of the stand-ins -----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one batch of simulated experiments gave: per simulation, the predicted log10 N* at the
    target, and whether every budget had a minimum and whether every minimum was bracketed."""

    log_params: np.ndarray  # (simulations,), NaN where some budget had no minimum
    has_minimum: np.ndarray  # (simulations,) bool: every budget's profile curved upwards
    bracketed: np.ndarray  # (simulations,) bool: every budget's minimum inside its sizes


def simulate(log_flops: np.ndarray, log_params: np.ndarray, clean_loss: np.ndarray, target_log_flops: float,
             noise: float, simulations: int, degree: int, rng: np.random.Generator) -> Outcome:
    """Refit `simulations` noisy copies of a ladder and predict log10 N* at the target.

    log_flops (budgets,); log_params and clean_loss (budgets, points): each budget's sizes (with
    replicates repeated) and the true loss there. Noise is N(0, noise²) on the loss of every run.
    """
    shape = (simulations, *clean_loss.shape)
    losses = clean_loss + noise * rng.standard_normal(shape)
    minima = fit_minima(np.broadcast_to(log_params, shape), losses, degree)
    has_minimum = minima.has_minimum.all(axis=-1)
    slope, intercept = fit_power_law(log_flops, np.where(minima.has_minimum, minima.log_x_min, 0.0))
    predicted = np.where(has_minimum, slope * target_log_flops + intercept, np.nan)
    return Outcome(predicted, has_minimum, minima.bracketed.all(axis=-1))
