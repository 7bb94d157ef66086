"""Fitting a broken neural scaling law (scalecalc.laws.bnsl) the way Caballero et al. 2022 do.

Their script for 4-digit addition (ethancaballero/broken_neural_scaling_laws,
fit_bnsl_and_extrapolate__4_digit_addition__dataset_size_x-axis.py) searches a brute-force grid for
the least mean of (ln(ŷ+1) − ln(y+1))², with b and d reparameterised as 1.25^p − 1 + 1e-8, then runs
least squares on ln(y+1) from the grid's best point. Here the grid is evaluated as one NumPy array
(chunked), on x/x_min so that the same grid serves x in any unit, with a's range scaled to the data
(the authors' [0, 1) suits their losses) and d's range widened to cover the data's span. A second or
third break is added one at a time: a grid over the new break with the others held, then least
squares over all (a full product grid grows 256-fold per break).
"""

from __future__ import annotations

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.laws.bnsl import MAX_BREAKS, BrokenPowerLaw, break_factors

# The authors' grid (4-digit addition): steps of 0.1 in a, 2.5 in p_b and p_d, 0.25 in c0, c1, f1.
A_STEPS = 10
P_STEP = 2.5
P_TOP = 40.0  # 1.25^40 − 1 ≈ 7,500
SLOPES = np.arange(0.0, 1.0, 0.25)
# f = 0 in the authors' grid makes (x/d)^(1/f) infinite, which NumPy turns into "no break"; a sharp
# break (f = 0.05) stands in for it here.
SHARPNESS = np.array([0.05, 0.25, 0.5, 0.75])
CHUNK = 1 << 18  # grid points evaluated at once: bounds the memory to tens of MB


def reparameterised(p: np.ndarray) -> np.ndarray:
    """b or d from its grid coordinate: 1.25^p − 1 + 1e-8 (the authors' spacing, dense near 0)."""
    return 1.25 ** p - 1 + 1e-8


def objective(predicted: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean squared error of ln(ŷ + 1) along the last axis; inf where a prediction is unusable."""
    with np.errstate(all="ignore"):
        value = np.mean((np.log(predicted + 1) - np.log(y + 1)) ** 2, axis=-1)
    return np.where(np.isfinite(value), value, np.inf)


def _grid_axes(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """(a, p_b, c0, c1, p_d, f1) for x already divided by its smallest value."""
    top = max(P_TOP, np.log(2 * x.max() + 1) / np.log(1.25))  # d up to twice the span, at least 7,500
    return [np.linspace(0.0, y.min(), A_STEPS, endpoint=False), np.arange(0.0, P_TOP, P_STEP), SLOPES,
            SLOPES, np.arange(0.0, top, P_STEP), SHARPNESS]


def _brute(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The grid point (a, b, c0, c1, d1, f1) with the least objective, searched in chunks."""
    axes = _grid_axes(x, y)
    shape = tuple(len(axis) for axis in axes)
    total = int(np.prod(shape))
    log_x = np.log(x)
    best, best_value = 0, np.inf
    for start in range(0, total, CHUNK):
        index = np.unravel_index(np.arange(start, min(start + CHUNK, total)), shape)
        a, pb, c0, c1, pd, f1 = (axis[i][:, None] for axis, i in zip(axes, index, strict=True))
        with np.errstate(all="ignore"):
            log_term = (np.log(reparameterised(pb)) - c0 * log_x
                        + break_factors(log_x, c1, np.log(reparameterised(pd)), f1))
            values = objective(a + np.exp(log_term), y)
        where = int(np.argmin(values))
        if values[where] < best_value:
            best, best_value = start + where, float(values[where])
    index = np.unravel_index(best, shape)
    a, pb, c0, c1, pd, f1 = (float(axis[i]) for axis, i in zip(axes, index, strict=True))
    return np.array([a, reparameterised(pb), c0, c1, reparameterised(pd), f1])


def _predict(params: np.ndarray, log_x: np.ndarray) -> np.ndarray:
    """ŷ for packed parameters (a, ln b, c0, then c_i, ln d_i, ln f_i per break) at ln x."""
    a, log_b, c0 = params[:3]
    log_term = log_b - c0 * log_x
    for c, log_d, log_f in params[3:].reshape(-1, 3):
        log_term = log_term + break_factors(log_x, c, log_d, np.exp(log_f))
    return a + np.exp(log_term)


def _pack(values: np.ndarray) -> np.ndarray:
    """(a, b, c0, c, d, f, ...) -> the least-squares coordinates (b, d and f in logs: they stay
    positive, which the form needs)."""
    packed = np.array(values, dtype=float)
    packed[1] = np.log(packed[1])
    packed[4::3] = np.log(packed[4::3])
    packed[5::3] = np.log(packed[5::3])
    return packed


def _unpack(packed: np.ndarray) -> np.ndarray:
    values = np.array(packed, dtype=float)
    values[1] = np.exp(values[1])
    values[4::3] = np.exp(values[4::3])
    values[5::3] = np.exp(values[5::3])
    return values


def _refine(values: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares on ln(y + 1) from `values` (scipy's Levenberg–Marquardt, as the authors'
    curve_fit); the start itself if that fails or does worse."""
    from scipy.optimize import least_squares

    log_x, target = np.log(x), np.log(y + 1)

    def residuals(packed: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            value = np.log(_predict(packed, log_x) + 1) - target
        return np.where(np.isfinite(value), value, 1e3)

    start = _pack(values)
    method = "lm" if len(x) >= len(start) else "trf"  # LM needs at least as many points as unknowns
    try:
        with np.errstate(all="ignore"):
            result = least_squares(residuals, start, method=method, max_nfev=20_000 * len(start),
                                   xtol=1e-15, ftol=1e-15, gtol=1e-15)
    except (ValueError, np.linalg.LinAlgError):
        return values
    if not np.all(np.isfinite(result.x)):
        return values
    found = _unpack(result.x)
    better = _score(found, x, y) <= _score(values, x, y)
    return found if better else values


def _score(values: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    with np.errstate(all="ignore"):  # a b or d of 0 is a log of −inf: an unusable point, scored inf
        return float(objective(_predict(_pack(values), np.log(x)), y))


def _add_break(values: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """values with one more break, from a grid over (c, d, f) of the new break, the rest held."""
    log_x = np.log(x)
    base = _predict(_pack(values), log_x) - values[0]  # b·x^−c0·∏ of the breaks so far
    slopes = np.concatenate([-SLOPES[::-1][:-1], SLOPES, 2 * SLOPES + 1])  # new breaks may bend back
    # Inside the data only: a break beyond the last point changes no residual (simple-scaling-laws).
    inside = np.linspace(np.log(2) / np.log(1.25), np.log(x.max() + 1) / np.log(1.25), 16)
    c, pd, f = (axis.ravel()[:, None] for axis in np.meshgrid(slopes, inside, SHARPNESS, indexing="ij"))
    with np.errstate(all="ignore"):
        predicted = values[0] + base * np.exp(break_factors(log_x, c, np.log(reparameterised(pd)), f))
    best = int(np.argmin(objective(predicted, y)))
    return np.concatenate([values, [c[best, 0], reparameterised(pd[best, 0]), f[best, 0]]])


def fit(x: np.ndarray, y: np.ndarray, breaks: int = 1) -> BrokenPowerLaw:
    """The BNSL with `breaks` breaks (1 to MAX_BREAKS) that best fits ln(y + 1) on points (x > 0,
    y > 0), in x's own units."""
    if not 1 <= breaks <= MAX_BREAKS:
        raise ScalecalcError(f"--breaks: give 1 to {MAX_BREAKS} breaks, not {breaks}.")
    scale = float(x.min())
    scaled = x / scale
    values = _refine(_brute(scaled, y), scaled, y)
    for _ in range(breaks - 1):
        values = _refine(_add_break(values, scaled, y), scaled, y)
    # A slope change this close to zero is no break: on a plain power law c1 is unidentified and least
    # squares leaves it at ±1e-15 to ±1e-7 (by SciPy release); negative, it would read as a bend back,
    # which a preset refuses.
    values[3::3] = np.where(np.abs(values[3::3]) < 1e-6, 0.0, values[3::3])
    # Back to x's units: b·(x/s)^−c0 = (b·s^c0)·x^−c0, and (x/s)/d = x/(d·s).
    values[1] = values[1] * scale ** values[2]
    values[4::3] = values[4::3] * scale
    names = ("a", "b", "c0", *(f"{name}{i}" for i in range(1, breaks + 1) for name in "cdf"))
    return BrokenPowerLaw(**dict(zip(names, (float(v) for v in values), strict=True)))
