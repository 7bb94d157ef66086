"""`scalecalc fit --method isoflop`: Approach 2 of Hoffmann et al. 2022 (§3.2) on a user's runs.

Runs are grouped into budgets, a polynomial of loss against log10 N (or log10 D) per budget gives
N*, D*, L* (scalecalc.isoflop), and lines in log10 C give N* = k·C^a and D* = k'·C^b. The bootstrap
resamples runs within each budget (multinomial counts used as weights, so every resample is one
batched fit), refits the profiles and then the lines: both stages, as experiments.md §2 asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scalecalc import isoflop
from scalecalc.errors import ScalecalcError
from scalecalc.runs import Runs

MIN_SIZES = 3  # a parabola needs three sizes (a cubic four); fewer is a hard stop
MIN_BUDGETS = 2  # a line needs two budgets
MAX_RESAMPLES = 100_000
TOLERANCE_RANGE = (0.001, 0.5)  # --group-tolerance: 0.1% to 50% of a budget
DRIFT_T = 2.0  # |t| of the centre-drift slope past which the exponent is suspect (Czech et al. §5)
DRIFT_DECADES = 0.1  # ...when the centre also moves this far across the budgets (rounding has |t| > 2)
BUDGET_FACTOR = 2.0  # a numeric budget cell within this factor of its run's C = c0·N·D
OFF_CENTRE = 0.5  # |N* - centre of the sampled sizes| beyond this share of the half-range


@dataclass(frozen=True)
class Budgets:
    """Which budget each run belongs to (-1: none) and each budget's FLOPs (geometric mean)."""

    label: np.ndarray
    flops: np.ndarray
    left_out: int  # runs in no budget with enough sizes


def group_by_flops(flops: np.ndarray, tolerance: float, nominal: np.ndarray | None = None,
                   min_sizes: int = MIN_SIZES, sizes: np.ndarray | None = None) -> Budgets:
    """Budgets of runs whose FLOPs agree within `tolerance` (a fraction).

    With `nominal` budgets each run joins the nearest within the tolerance. Otherwise the densest
    cluster goes first: the run with most others within ±tolerance becomes a centre and takes them,
    and so on, so a scatter of runs between budgets does not chain two budgets into one. A budget
    with fewer than `min_sizes` distinct `sizes` (runs, without sizes) is left out.
    """
    log_c = np.log10(flops)
    width = np.log10(1 + tolerance)
    label = np.full(len(flops), -1)
    centres: list[float] = []
    if nominal is not None:
        log_b = np.log10(nominal)
        distance = np.abs(log_c[:, None] - log_b[None, :])
        nearest = np.argmin(distance, axis=1)
        label = np.where(distance[np.arange(len(flops)), nearest] <= width, nearest, -1)
        centres = list(log_b)
    else:
        # Each run's neighbours within ±width are a slice of the runs sorted by C: memory stays
        # linear in the runs (an all-pairs matrix of 20,000 runs took 6 GB).
        order = np.argsort(log_c, kind="stable")
        ranked = log_c[order]
        low = np.empty(len(flops), dtype=np.intp)
        high = np.empty(len(flops), dtype=np.intp)
        low[order] = np.searchsorted(ranked, ranked - width, side="left")
        high[order] = np.searchsorted(ranked, ranked + width, side="right")
        position = np.empty(len(flops), dtype=np.intp)
        position[order] = np.arange(len(flops))
        free = np.ones(len(flops), dtype=bool)
        while free.any():
            taken = np.concatenate([[0], np.cumsum(free[order])])
            counts = (taken[high] - taken[low]) * free
            centre = int(np.argmax(counts))  # ties: the first run in the file
            members = free & (position >= low[centre]) & (position < high[centre])
            label[members] = len(centres)
            centres.append(float(log_c[members].mean()))
            free &= ~members
    return _kept(label, np.array(centres), min_sizes, sizes, nominal)


def _kept(label: np.ndarray, log_centres: np.ndarray, min_sizes: int, sizes: np.ndarray | None,
          exact: np.ndarray | None = None) -> Budgets:
    """Budgets with at least `min_sizes` distinct sizes, numbered in order of their FLOPs."""
    kept: list[int] = []
    for index in range(len(log_centres)):
        members = label == index
        if (len(np.unique(sizes[members])) if sizes is not None else np.count_nonzero(members)) >= min_sizes:
            kept.append(index)
    relabel = np.full(len(log_centres) + 1, -1)
    order = sorted(kept, key=lambda index: log_centres[index])
    relabel[order] = np.arange(len(order))
    label = relabel[label]
    # Budgets the user named keep their exact values (10**log10 would add rounding noise).
    budgets = np.array([10 ** log_centres[index] if exact is None else exact[index] for index in order])
    return Budgets(label, budgets, int(np.count_nonzero(label < 0)))


def group_by_column(names: np.ndarray, flops: np.ndarray, min_sizes: int = MIN_SIZES,
                    sizes: np.ndarray | None = None, source: str = "the runs") -> Budgets:
    """Budgets from a budget/group column. Where every cell is a number it is the budget's FLOPs;
    otherwise the cells are group names and a budget's C is the geometric mean of its runs' C."""
    numbers = [_number_or_none(str(name)) for name in names]
    numeric = all(number is not None for number in numbers)
    if numeric:
        bad = [number for number in numbers if not (number > 0 and np.isfinite(number))]
        if bad:
            raise ScalecalcError(f"{source}: the budget column holds {bad[0]:g}, and a budget is a positive "
                                 "number of FLOPs; fix it, or give text names to group runs by.")
        values = np.array(numbers, dtype=float)
        # A numeric column is each run's budget in FLOPs, so it must be near the run's own C;
        # group ids such as 1, 2, 3 are not FLOPs (BUDGET_FACTOR: 2×, far wider than a sweep's spread).
        far = np.abs(np.log10(values) - np.log10(flops)) > np.log10(BUDGET_FACTOR)
        if far.any():
            index = int(np.argmax(far))
            raise ScalecalcError(f"{source}: a run with C = {flops[index]:.3g} FLOPs has budget "
                                 f"{values[index]:g}, more than {BUDGET_FACTOR:g}× away; a numeric budget "
                                 "column holds each run's budget in FLOPs: fix it, or name groups with text "
                                 "(g1, g2, ...).")
        keys, label = np.unique(values, return_inverse=True)
        log_centres = np.log10(keys)
    else:
        keys, label = np.unique(np.array([str(name) for name in names]), return_inverse=True)
        log_c = np.log10(flops)
        log_centres = np.array([log_c[label == index].mean() for index in range(len(keys))])
    return _kept(label.reshape(-1), log_centres, min_sizes, sizes, keys if numeric else None)


def _number_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def assign_budgets(runs: Runs, c0: float, *, tolerance: float | None = None,
                   nominal: np.ndarray | None = None, min_sizes: int = MIN_SIZES,
                   sizes: np.ndarray | None = None) -> Budgets:
    """The budgets of `fit --method isoflop` and `design --from-fit`: from the runs' budget/group
    column where they have one, else by clustering C = c0·N·D within `tolerance` (a fraction, 10%
    by default) around the nominal budgets or the densest clusters."""
    if runs.budget is not None:
        given = "--budgets" if nominal is not None else "--group-tolerance" if tolerance is not None else None
        if given:
            raise ScalecalcError(f"{runs.source}: the runs carry a budget/group column, so {given} has "
                                 "nothing to do; drop it, or drop the column (or its --columns budget=...).")
        return group_by_column(runs.budget, c0 * runs.params * runs.tokens, min_sizes, sizes, runs.source)
    return group_by_flops(c0 * runs.params * runs.tokens, 0.1 if tolerance is None else tolerance, nominal,
                          min_sizes, sizes)


@dataclass(frozen=True)
class IsoflopFit:
    """Approach 2 on runs: per-budget minima, the two power laws, and bootstrap draws of them."""

    runs: Runs
    budgets: Budgets
    axis: str  # "params" or "tokens": the variable of the profiles
    degree: int
    minima: isoflop.Minima  # per budget, against the profile's axis
    log_params_opt: np.ndarray  # per budget, log10 N*
    log_tokens_opt: np.ndarray  # per budget, log10 D*
    a: float
    a_intercept: float
    b: float
    b_intercept: float
    drift_t: float
    drift_decades: float  # how far N*/centre moves across the budgets, by the drift line
    off_centre: np.ndarray  # per budget, bool
    c0: float  # FLOPs per parameter per token: C = c0·N·D
    draws: np.ndarray | None = None  # (K, 4): a, log10 k, b, log10 k' per resample
    failed_draws: int = 0

    def flags(self, index: int) -> list[str]:
        minima = self.minima
        found = []
        if not minima.has_minimum[index]:
            found.append("no curvature (no minimum; left out of the line)")
        elif not minima.bracketed[index]:
            found.append("minimum not bracketed (left out of the line)")
        elif minima.curvature[index] - 2 * minima.curvature_se[index] <= 0:
            found.append("weak curvature (within 2 SE of zero)")
        if self.off_centre[index]:
            found.append("sampling off-centre")
        return found


def _padded(runs: Runs, budgets: Budgets, values: np.ndarray) -> np.ndarray:
    """(budgets, most runs in a budget) array of `values`, NaN where a budget has fewer runs."""
    count = len(budgets.flops)
    width = max(int(np.count_nonzero(budgets.label == index)) for index in range(count))
    table = np.full((count, width), np.nan)
    for index in range(count):
        members = values[budgets.label == index]
        table[index, :len(members)] = members
    return table


def fit_isoflop(runs: Runs, budgets: Budgets, *, axis: str = "params", degree: int = 2,
                c0: float = 6.0) -> IsoflopFit:
    """The point fit: profiles per budget, then OLS lines of log10 N* and log10 D* on log10 C."""
    if len(budgets.flops) < MIN_BUDGETS:
        raise ScalecalcError(f"{runs.source}: {len(budgets.flops)} budget(s) with at least "
                             f"{max(MIN_SIZES, degree + 1)} distinct sizes were found, and a power law needs "
                             f"at least {MIN_BUDGETS}; add runs, or widen --group-tolerance.")
    sizes = runs.params if axis == "params" else runs.tokens
    log_x = _padded(runs, budgets, np.log10(sizes))
    loss = _padded(runs, budgets, runs.loss)
    minima = isoflop.fit_minima(log_x, loss, degree)
    used = np.count_nonzero(minima.bracketed)
    if used < MIN_BUDGETS:
        raise ScalecalcError(f"{runs.source}: {used} of {len(budgets.flops)} budgets have a loss profile "
                             f"with a minimum inside the sizes run, and a power law needs at least "
                             f"{MIN_BUDGETS}; add sizes on both sides of each budget's best run.")
    log_c = np.log10(budgets.flops)
    log_n, log_d = _both_axes(axis, minima.log_x_min, log_c, c0)
    line_n, line_d = _both_axes(axis, _in_line(minima), log_c, c0)
    a, a0 = (float(v) for v in isoflop.fit_power_law(log_c, line_n))
    b, b0 = (float(v) for v in isoflop.fit_power_law(log_c, line_d))
    centre = np.nanmean(log_x, axis=1)
    half = (np.nanmax(log_x, axis=1) - np.nanmin(log_x, axis=1)) / 2
    offset = minima.log_x_min - centre
    off_centre = np.abs(offset) > OFF_CENTRE * half
    drift, _ = isoflop.fit_power_law(log_c[minima.has_minimum], offset[minima.has_minimum])
    return IsoflopFit(runs, budgets, axis, degree, minima, log_n, log_d, a, a0, b, b0,
                      isoflop.slope_t(log_c, offset), float(drift * np.ptp(log_c)), off_centre, c0)


def _in_line(minima: isoflop.Minima) -> np.ndarray:
    """The minima the power law goes through: bracketed ones. A minimum beyond the sizes run is
    the polynomial's extrapolation, not a measurement (Open-Athena's QC drops such budgets too)."""
    return np.where(minima.bracketed, minima.log_x_min, np.nan)


def _both_axes(axis: str, log_x_min: np.ndarray, log_c: np.ndarray, c0: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """log10 N* and log10 D* from the profile's minimum: the other one is C/(c0·x*)."""
    other = log_c - np.log10(c0) - log_x_min
    return (log_x_min, other) if axis == "params" else (other, log_x_min)


def check_bootstrap(resamples: int, seed: int | None) -> None:
    if not 1 <= resamples <= MAX_RESAMPLES:
        raise ScalecalcError(f"--bootstrap {resamples}: give 1 to {MAX_RESAMPLES:,} resamples.")
    if seed is not None and not 0 <= seed < 2**64:
        raise ScalecalcError(f"--seed {seed}: give a whole number from 0 to 2^64 - 1.")


def bootstrap(fit: IsoflopFit, resamples: int, seed: int | None = None, chunk: int = 2000) -> IsoflopFit:
    """Resample runs within each budget `resamples` times; refit profiles and lines for each.

    A resample whose budget has no bracketed minimum loses that budget; with fewer than two budgets
    left the resample fails, is counted, and is left out of the intervals.
    """
    from dataclasses import replace

    rng = np.random.default_rng(seed)
    sizes = fit.runs.params if fit.axis == "params" else fit.runs.tokens
    log_x = _padded(fit.runs, fit.budgets, np.log10(sizes))
    loss = _padded(fit.runs, fit.budgets, fit.runs.loss)
    counts = np.count_nonzero(np.isfinite(log_x), axis=1)
    log_c = np.log10(fit.budgets.flops)
    rows = []
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        # Counts of each run in a resample of its budget: multinomial(n_b, 1/n_b) over its n_b runs.
        weights = np.zeros((size, *log_x.shape))
        for index, count in enumerate(counts):
            weights[:, index, :count] = rng.multinomial(count, np.full(count, 1 / count), size=size)
        minima = isoflop.fit_minima(log_x, loss, fit.degree, weights=weights)
        log_n, log_d = _both_axes(fit.axis, _in_line(minima), log_c, fit.c0)
        a, a0 = isoflop.fit_power_law(log_c, log_n)
        b, b0 = isoflop.fit_power_law(log_c, log_d)
        rows.append(np.stack([a, a0, b, b0], axis=1))
    draws = np.concatenate(rows)
    usable = np.all(np.isfinite(draws), axis=1)
    return replace(fit, draws=draws[usable], failed_draws=int(np.count_nonzero(~usable)))


def predict(slope: np.ndarray | float, intercept: np.ndarray | float, flops: np.ndarray) -> np.ndarray:
    """10^intercept · C^slope, for each C (last axis) and each row of slopes."""
    slope, intercept = np.asarray(slope)[..., None], np.asarray(intercept)[..., None]
    with np.errstate(over="ignore"):
        return 10 ** (intercept + slope * np.log10(flops))


def budget_lines(fit: IsoflopFit) -> list[Any]:
    """N*, D*, L*, curvature ± SE and runs for each budget, its flags in the meaning column."""
    from scalecalc.fitreport import FitValue, _number, budget_labels

    minima = fit.minima
    lines = []
    for index, label in enumerate(budget_labels(fit.budgets.flops, limit=None)):
        flags = fit.flags(index)
        note = f" [{'; '.join(flags)}]" if flags else ""
        other = f"{fit.c0:g}·" + ("N*" if fit.axis == "params" else "D*")
        lines += [
            FitValue(f"budget_{label}_params_opt", _number(10 ** fit.log_params_opt[index]), None, None,
                     f"N* of the profile{note}" if fit.axis == "params" else f"N* = C/({other}){note}"),
            FitValue(f"budget_{label}_tokens_opt", _number(10 ** fit.log_tokens_opt[index]), None, None,
                     f"D* = C/({other})" if fit.axis == "params" else "D* of the profile"),
            FitValue(f"budget_{label}_loss_opt", _number(minima.y_min[index]), None, None,
                     "L* at the profile's minimum"),
            FitValue(f"budget_{label}_curvature", _number(minima.curvature[index]), None, None,
                     f"d²L/d(log10 {'N' if fit.axis == 'params' else 'D'})² at the minimum"),
            FitValue(f"budget_{label}_curvature_se", _number(minima.curvature_se[index]), None, None,
                     "its standard error from the residuals"),
            FitValue(f"budget_{label}_runs", int(minima.points[index]), None, None, "runs in this budget"),
        ]
    lines.append(FitValue("drift_t", _number(fit.drift_t), None, None,
                          "t of log10(N*/centre of sampled sizes) on log10 C; |t| > 2: drifting centre"))
    lines.append(FitValue("drift_decades", _number(fit.drift_decades), None, None,
                          f"how far N*/centre moves across the budgets (warned past {DRIFT_DECADES:g})"))
    return lines


def warnings(fit: IsoflopFit) -> list[str]:
    """Flags worth a line on stderr."""
    from scalecalc.fitreport import budget_labels

    found = []
    for index, label in enumerate(budget_labels(fit.budgets.flops, limit=None)):
        flags = fit.flags(index)
        if flags:
            found.append(f"budget {label}: {'; '.join(flags)}.")
    if np.isfinite(fit.drift_t) and abs(fit.drift_t) > DRIFT_T and abs(fit.drift_decades) > DRIFT_DECADES:
        found.append(f"the sampled sizes drift off the minima as C grows ({fit.drift_decades:+.2f} decades "
                     f"across the budgets, t = {fit.drift_t:.2g}), which "
                     "biases the exponent (Czech et al. 2026 §5); centre each budget's sizes on its N*.")
    if fit.failed_draws:
        found.append(f"{fit.failed_draws} bootstrap resample(s) left fewer than {MIN_BUDGETS} budgets with a "
                     "minimum and are left out of the intervals.")
    return found
