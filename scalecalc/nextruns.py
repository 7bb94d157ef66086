"""The next runs to train after an isoFLOP ladder: repairs first, then the runs that buy most precision.

Repairs follow experiments.md §5: a budget whose minimum is not bracketed gets two sizes past the
edge on the side of its minimum; one whose curvature is weak (its 95% interval holds zero) is widened
to ±0.6 decades; fewer than 3 budgets gets a new one at 10^0.5 ≈ 3.2× the top (inside §5's 3-10×).
Then, greedily, the single run (or new budget) that shrinks the simulated sd of log10 N* at the
target most per FLOP. The simulated truth is each budget's fitted profile (a parabola in log10 N at
the fitted minimum and curvature); a budget without one takes the power law through the others'
minima and their median curvature (or, with fewer than 2, the prior law's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from scalecalc import isoflop
from scalecalc.design import DEFAULT_WIDTH, MAX_BUDGETS, optimum
from scalecalc.errors import ScalecalcError
from scalecalc.laws import ChinchillaLaw
from scalecalc.records import Value, record_field
from scalecalc.runs import Runs

REPAIR_WIDTH = 0.6  # decades either side of a weakly curved budget's minimum (§5)
NEW_BUDGET_STEP = 0.5  # decades above the top budget for a new one: 3.2×
OFFSETS = (-0.6, -0.3, 0.0, 0.3, 0.6)  # candidate sizes, decades from a budget's fitted minimum
MAX_NEXT = 50


@dataclass(frozen=True)
class NextRun:
    """One run to train next, in the order to train them."""

    step: Value = record_field("number", "order to train them in")
    reason: str = record_field("text", "why: a repair of the ladder, or the precision it buys")
    budget: Value = record_field("flops", "isoFLOP budget the run belongs to, FLOPs")
    params: Value = record_field("count", "model size N, parameters")
    tokens: Value = record_field("count", "training tokens D = C / (6·N)")
    flops: Value = record_field("flops", "training compute 6·N·D, FLOPs")
    params_sd: Value = record_field("loss", "simulated sd of log10 N* at the target once this run and "
                                    "those above are trained, decades")


@dataclass
class Profile:
    """One budget: its runs' log10 sizes (existing, then planned), their losses, and the truth the
    simulation draws from (a parabola in log10 N)."""

    log_flops: float
    log_params: list[float]
    loss: list[float]
    vertex: float | None = None  # fitted minimum, log10 N
    curvature: float | None = None  # d²L/d(log10 N)² at the fitted minimum


def group(runs: Runs, tolerance: float | None = None, nominal: np.ndarray | None = None
          ) -> tuple[list[Profile], int]:
    """Runs grouped into budgets as `fit --method isoflop` groups them: by their budget/group column,
    or by C = 6·N·D within `tolerance` (10% by default) of the `nominal` budgets or of each other.
    A budget with few sizes is kept here (it is repaired); runs near no nominal budget are left out."""
    from scalecalc.isoflopfit import assign_budgets

    budgets = assign_budgets(runs, 6.0, tolerance=tolerance, nominal=nominal, min_sizes=1)
    return _profiles(runs, budgets), budgets.left_out


def _profiles(runs: Runs, budgets: Any) -> list[Profile]:
    log_n = np.log10(runs.params)
    return [Profile(float(np.log10(flops)), log_n[budgets.label == index].tolist(),
                    runs.loss[budgets.label == index].tolist())
            for index, flops in enumerate(budgets.flops)]


def suggest(runs: Runs, law: ChinchillaLaw, c0: float, target: float, noise: float, degree: int,
            sizes: int, count: int, seed: int, simulations: int = 500, *, tolerance: float | None = None,
            nominal: np.ndarray | None = None) -> tuple[list[NextRun], float | None, int]:
    """The repairs, then `count` runs chosen for precision; the simulated sd of log10 N* at the
    target from the runs already trained (None where they cannot be fitted as they stand); and how
    many runs fall in no budget."""
    if not 0 <= count <= MAX_NEXT:
        raise ScalecalcError(f"--next: {count} is outside 0 to {MAX_NEXT} runs.")
    profiles, left_out = group(runs, tolerance, nominal)
    if not profiles:
        raise ScalecalcError(f"{runs.source}: no run lies within the tolerance of a budget given with "
                             "--budgets; check the list against the runs' FLOPs (6·N·D), or widen "
                             "--group-tolerance.")
    if len(profiles) > MAX_BUDGETS:
        how = "by their budget column" if runs.budget is not None else "by C = 6·N·D"
        raise ScalecalcError(f"{runs.source}: the runs fall into {len(profiles)} budgets ({how}), more than "
                             f"the {MAX_BUDGETS} --from-fit handles; name the ladder's budgets with "
                             "--budgets LIST (as for fit --method isoflop), or give the runs of one ladder.")
    planned: list[tuple[str, int, float]] = []  # (reason, budget index, log10 N)
    for index, profile in enumerate(profiles):
        planned += [(reason, index, size) for reason, size in _repairs(profile, degree)]
    _fill_truth(profiles, law, c0)
    log_target = math.log10(target)
    before = _spread(profiles, log_target, noise, degree, seed, simulations)
    if len(profiles) < 3:
        new = _new_profile(profiles, max(profile.log_flops for profile in profiles) + NEW_BUDGET_STEP,
                           law, c0)
        profiles.append(new)
        planned += [("repair: fewer than 3 budgets", len(profiles) - 1, new.vertex + offset)
                    for offset in np.linspace(-DEFAULT_WIDTH, DEFAULT_WIDTH, sizes).tolist()]
    for _, index, size in planned:
        profiles[index].log_params.append(size)
    sd = _spread(profiles, log_target, noise, degree, seed, simulations)
    records = [_record(step, reason, profiles[index].log_flops, size, c0, sd)
               for step, (reason, index, size) in enumerate(planned, start=1)]
    for _ in range(count):
        best = _best_candidate(profiles, log_target, noise, degree, seed, simulations, sd)
        if best is None:
            break
        index, size, sd = best
        profiles[index].log_params.append(size)
        records.append(_record(len(records) + 1, "precision: shrinks the spread at the target most per FLOP",
                               profiles[index].log_flops, size, c0, sd))
    return records, before if math.isfinite(before) else None, left_out


def _repairs(profile: Profile, degree: int) -> list[tuple[str, float]]:
    """The sizes a budget needs before its minimum can be trusted (experiments.md §5)."""
    sizes, loss = np.array(profile.log_params), np.array(profile.loss)
    distinct = np.unique(np.round(sizes, 3))
    step = float(np.median(np.diff(distinct))) if distinct.size > 1 else 0.15
    if distinct.size < degree + 2:  # not enough sizes to fit: fill in around the lowest loss
        centre = float(sizes[np.argmin(loss)])
        tries = [centre + step * k * sign for k in range(1, 2 * degree + 4) for sign in (-1, 1)]
        fresh = [size for size in tries if not np.any(np.abs(distinct - size) < 1e-3)]
        return [("repair: too few sizes to fit this budget", size)
                for size in fresh[:degree + 2 - distinct.size]]
    fit = isoflop.fit_minima(sizes, loss, degree)
    low, high = float(sizes.min()), float(sizes.max())
    if bool(fit.has_minimum):
        profile.vertex, profile.curvature = float(fit.log_x_min), float(fit.curvature)
    if not bool(fit.bracketed):
        lowest = float(sizes[np.argmin(loss)])
        beyond_top = (profile.vertex > high) if profile.vertex is not None else lowest >= (low + high) / 2
        edge, sign = (high, 1) if beyond_top else (low, -1)
        profile.vertex = None  # an extrapolated minimum is not a truth to simulate from
        return [("repair: minimum not bracketed", edge + sign * step * k) for k in (1, 2)]
    if float(fit.curvature) - 1.96 * float(fit.curvature_se) <= 0:
        vertex = float(fit.log_x_min)
        found = []
        for sign, edge in ((-1, low), (1, high)):
            wanted = vertex + sign * max(REPAIR_WIDTH, abs(edge - vertex) + step)
            found.append(("repair: weak curvature, widened", wanted))
        return found
    return []


def _fill_truth(profiles: list[Profile], law: ChinchillaLaw, c0: float) -> None:
    """Budgets without a usable fit take the power law through the others, or the prior law."""
    fitted = [profile for profile in profiles if profile.vertex is not None]
    for profile in profiles:
        if profile.vertex is None:
            truth = _new_profile(fitted, profile.log_flops, law, c0)
            profile.vertex, profile.curvature = truth.vertex, truth.curvature


def _new_profile(fitted: list[Profile], log_flops: float, law: ChinchillaLaw, c0: float) -> Profile:
    usable = [profile for profile in fitted if profile.vertex is not None and profile.curvature is not None]
    if len(usable) >= 2 and len({profile.log_flops for profile in usable}) >= 2:
        slope, intercept = isoflop.fit_power_law(np.array([p.log_flops for p in usable]),
                                                  np.array([p.vertex for p in usable]))
        vertex = float(slope * log_flops + intercept)
        curvature = float(np.median([p.curvature for p in usable]))
    else:
        vertex, curvature = _prior_profile(law, log_flops, c0)
    return Profile(log_flops, [], [], vertex, curvature)


def _prior_profile(law: ChinchillaLaw, log_flops: float, c0: float) -> tuple[float, float]:
    """The prior law's minimum at a budget and its curvature in loss per decade² there."""
    flops = 10 ** log_flops
    centre = math.log10(float(optimum(law, flops, c0)[0]))
    sizes = centre + np.linspace(-DEFAULT_WIDTH, DEFAULT_WIDTH, 7)
    params = np.power(10.0, sizes)
    fit = isoflop.fit_minima(sizes, law.loss(params, flops / (c0 * params)))
    return centre, float(fit.curvature)


def _spread(profiles: list[Profile], log_target: float, noise: float, degree: int, seed: int,
            simulations: int, extra: tuple[int, float] | None = None) -> float:
    """Simulated sd of log10 N* at the target, with common random numbers for every design tried."""
    vertices, usable = [], None
    for index, profile in enumerate(profiles):
        sizes = np.array(profile.log_params + ([extra[1]] if extra and extra[0] == index else []))
        if np.unique(np.round(sizes, 3)).size < degree + 2:
            return math.inf  # a budget that cannot be fitted yet
        clean = profile.curvature / 2 * (sizes - profile.vertex) ** 2
        draws = np.random.default_rng([seed, index]).standard_normal((simulations, sizes.size + MAX_NEXT))
        fit = isoflop.fit_minima(sizes, clean + noise * draws[:, :sizes.size], degree)
        vertices.append(np.where(fit.has_minimum, fit.log_x_min, 0.0))
        usable = fit.has_minimum if usable is None else usable & fit.has_minimum
    slope, intercept = isoflop.fit_power_law([p.log_flops for p in profiles], np.stack(vertices, axis=-1))
    predicted = (slope * log_target + intercept)[usable]
    return float(predicted.std(ddof=1)) if predicted.size > 1 else math.inf


def _best_candidate(profiles: list[Profile], log_target: float, noise: float, degree: int, seed: int,
                    simulations: int, now: float) -> tuple[int, float, float] | None:
    """The (budget, log10 N, sd after) that cuts the variance most per FLOP, or None if none does."""
    best, best_gain = None, 0.0
    for index, profile in enumerate(profiles):
        for offset in OFFSETS:
            size = profile.vertex + offset
            after = _spread(profiles, log_target, noise, degree, seed, simulations, (index, size))
            gain = (now ** 2 - after ** 2) / 10 ** profile.log_flops if math.isfinite(now) else -after
            if math.isfinite(after) and (best is None or gain > best_gain):
                best, best_gain = (index, size, after), gain
    return best


def _record(step: int, reason: str, log_flops: float, log_params: float, c0: float, sd: float) -> NextRun:
    flops, params = float(f"{10 ** log_flops:.12g}"), 10 ** log_params  # 3e21, not 3.000000000000001e21
    tokens = flops / (c0 * params)
    shown = sd if math.isfinite(sd) else None  # inf: some budget still cannot be fitted
    return NextRun(step, reason, flops, params, tokens, c0 * params * tokens, shown)
