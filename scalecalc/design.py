"""Experiment ladders for Approach 2 (isoFLOP profiles) and their simulated precision.

A ladder is a few log-spaced budgets; at each, `sizes` model sizes evenly spaced in log N within
±`width` decades of the prior law's N*, each trained `replicates` times (tokens D = C / (c0·N)).
Its precision is found by simulation (experiments.md §5-§6): the prior law is taken as the truth,
every run's loss gets N(0, σ²) noise, each budget's profile is refitted with a polynomial in log N,
a power law through the minima predicts N* at the target budget, and the error of log10 N* is
collected over many simulated experiments. D* = C / (c0·N*), so its log error mirrors N*'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from scalecalc import simulate
from scalecalc.errors import ScalecalcError
from scalecalc.laws import ChinchillaLaw
from scalecalc.presets import Preset
from scalecalc.quantities import show
from scalecalc.records import Value, record_field

# Defaults, each with its reason (experiments.md §5-§6).
DEFAULT_BUDGETS = 5  # §6: 5 budgets over at least 2 decades
DEFAULT_SPAN = 2.0  # decades from the smallest budget to the largest, when only one end is given
DEFAULT_SIZES = 7  # §6 design; 5 -> 9 sizes changes the sd only ×0.85
DEFAULT_WIDTH = 0.75  # decades either side of N*: §6 suggests ±0.6-0.9 (±0.3 fails, wider adds bias)
DEFAULT_NOISE = 0.01  # nats between seeds: the middle of §6's σ grid (0.005-0.02), see docs/design.md
DEFAULT_SIMULATIONS = 1000
DEFAULT_SEED = 0
# Bounds on what a user may ask for; each message names its bound.
MAX_BUDGETS = 30
MAX_SIZES = 51
MIN_WIDTH, MAX_WIDTH = 0.05, 3.0
MAX_REPLICATES = 20
MIN_SIMULATIONS, MAX_SIMULATIONS = 100, 100_000
MAX_NOISE = 1.0  # nats: far beyond seed noise; a loss that noisy cannot locate a minimum
MAX_CELLS = 2_000_000  # simulations × runs per experiment: bounds memory (a few hundred MB at most)
DEGREES = (2, 3)
MIN_SPAN = 0.1  # decades from the smallest budget to the largest: below it the exponent is noise


@dataclass(frozen=True)
class Ladder:
    """The choices that make a ladder: budgets (FLOPs), sizes per budget, width in decades either
    side of the prior's N*, seeds per run, and the degree of the polynomial fitted per budget."""

    budgets: np.ndarray
    sizes: int = DEFAULT_SIZES
    width: float = DEFAULT_WIDTH
    replicates: int = 1
    degree: int = 2

    @property
    def runs(self) -> int:
        return int(self.budgets.size) * self.sizes * self.replicates

    @property
    def cost(self) -> float:
        """Training compute of the whole ladder: every run at budget C costs C."""
        return float(self.budgets.sum()) * self.sizes * self.replicates


@dataclass(frozen=True)
class PlannedRun:
    """One run of the ladder (trained `seeds` times), ready to launch."""

    budget: Value = record_field("flops", "isoFLOP budget the run belongs to, FLOPs")
    params: Value = record_field("count", "model size N, parameters")
    tokens: Value = record_field("count", "training tokens D = C / (6·N)")
    flops: Value = record_field("flops", "training compute of one run, 6·N·D FLOPs")
    tokens_per_param: Value = record_field("ratio", "D / N")
    seeds: Value = record_field("number", "times to train it, each with its own seed (--replicates)")


@dataclass(frozen=True)
class Precision:
    """A ladder's cost and how well, by simulation, it predicts N* and D* at the target budget."""

    design: str = record_field("text", "which design: base, or the variation --compare tried")
    budgets: Value = record_field("number", "isoFLOP budgets in the ladder")
    min_flops: Value = record_field("flops", "smallest budget, FLOPs")
    max_flops: Value = record_field("flops", "largest budget, FLOPs")
    sizes: Value = record_field("number", "model sizes per budget")
    width: Value = record_field("number", "decades either side of the prior's N* the sizes span")
    replicates: Value = record_field("number", "seeds per run")
    runs: Value = record_field("number", "training runs in all (budgets × sizes × seeds)")
    cost_flops: Value = record_field("flops", "compute of every run together, FLOPs")
    budget_share: Value = record_field("ratio", "cost_flops / the experiment budget (blank: none given)",
                                       optional=True)
    target_flops: Value = record_field("flops", "budget the ladder extrapolates to, FLOPs")
    prior_params: Value = record_field("count", "the prior law's N* at the target (the simulated truth)")
    params_q05: Value = record_field("count", "5th percentile of the predicted N* over the simulations")
    params_q95: Value = record_field("count", "95th percentile of the predicted N*")
    params_sd: Value = record_field("loss", "sd of the predicted log10 N*, decades")
    params_bias: Value = record_field("loss", "mean error of the predicted log10 N*, decades")
    prior_tokens: Value = record_field("count", "the prior law's D* at the target")
    tokens_q05: Value = record_field("count", "5th percentile of the predicted D*")
    tokens_q95: Value = record_field("count", "95th percentile of the predicted D*")
    tokens_sd: Value = record_field("loss", "sd of the predicted log10 D*, decades (equal to N*'s)")
    tokens_bias: Value = record_field("loss", "mean error of the predicted log10 D*, decades")
    no_minimum_share: Value = record_field("ratio", "share of simulations where some budget's profile "
                                           "had no minimum (left out of the figures above)")
    unbracketed_share: Value = record_field("ratio", "share of simulations where some budget's minimum "
                                            "fell outside its sizes, or had none")
    simulations: Value = record_field("number", "simulated experiments")
    noise: Value = record_field("number", "sd of the loss between seeds assumed, nats")


def prior_law(preset: Preset) -> ChinchillaLaw:
    """The law to simulate from: a Chinchilla-form loss surface."""
    if not isinstance(preset.law, ChinchillaLaw):
        raise ScalecalcError(f"preset {preset.name} has no Chinchilla-form loss law E + A/N^alpha + "
                             "B/D^beta to simulate from; use besiroglu, chinchilla, chinchilla-exact or a "
                             "fit saved by scalecalc fit --save.")
    return preset.law


def optimum(law: ChinchillaLaw, flops: np.ndarray | float, c0: float) -> tuple[np.ndarray, np.ndarray]:
    """The law's compute-optimal (N*, D*) at `flops` (Hoffmann et al. Eq. 4)."""
    params = law.closed_form_allocation(c0).params(flops)
    return params, np.divide(flops, np.multiply(c0, params))


def budgets_for(count: int, low: float | None, high: float | None, experiment: float | None,
                runs_per_budget: int) -> np.ndarray:
    """`count` log-spaced budgets from low to high; an end not given is DEFAULT_SPAN decades from
    the other, and with neither the largest is what makes the ladder cost the whole experiment."""
    steps = np.linspace(-DEFAULT_SPAN, 0.0, count)
    if low is not None and high is not None:
        if not math.log10(high) - math.log10(low) >= MIN_SPAN:
            raise ScalecalcError(f"--max-flops ({show(high)}) must be above --min-flops ({show(low)}) by at "
                                 f"least {MIN_SPAN:g} decades to show how N* grows with C; widen the span "
                                 "(2 decades is usual).")
        return np.logspace(math.log10(low), math.log10(high), count)
    if high is not None:
        return high * np.power(10.0, steps)
    if low is not None:
        return low * np.power(10.0, steps + DEFAULT_SPAN)
    if experiment is None:
        raise ScalecalcError("give the experiment budget (--budget FLOPS, or --gpu-hours or --dollars with "
                             "--gpu) or the ladder's budgets (--min-flops and --max-flops).")
    top = experiment / (runs_per_budget * float(np.power(10.0, steps).sum()))
    return top * np.power(10.0, steps)


def check_choices(sizes: int, width: float, replicates: int, degree: int, simulations: int) -> None:
    """Refuse choices too small to fit or too large to simulate, naming the bound."""
    if degree not in DEGREES:
        raise ScalecalcError(f"--degree: {degree} is not 2 (parabola) or 3 (cubic).")
    if not degree + 2 <= sizes <= MAX_SIZES:
        raise ScalecalcError(f"--sizes: {sizes} sizes per budget is outside {degree + 2} to {MAX_SIZES}; a "
                             f"degree-{degree} fit needs at least {degree + 2}.")
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ScalecalcError(f"--width: {show(width)} decades is outside {MIN_WIDTH} to {MAX_WIDTH}; 0.6 to "
                             "0.9 is usual.")
    if not 1 <= replicates <= MAX_REPLICATES:
        raise ScalecalcError(f"--replicates: {replicates} is outside 1 to {MAX_REPLICATES} seeds per run.")
    if not MIN_SIMULATIONS <= simulations <= MAX_SIMULATIONS:
        raise ScalecalcError(f"--simulations: {simulations:,} is outside {MIN_SIMULATIONS} to "
                             f"{MAX_SIMULATIONS:,}; 1000 gives an sd good to about 2%.")


def check_count(count: int) -> None:
    if not 2 <= count <= MAX_BUDGETS:
        raise ScalecalcError(f"--budgets: {count} budgets is outside 2 to {MAX_BUDGETS}; a power law needs "
                             "at least 2 (5 is usual).")


def check_ladder(ladder: Ladder, simulations: int) -> None:
    """Refuse a ladder that is too small to fit or too large to simulate, naming the bound."""
    check_count(ladder.budgets.size)
    check_choices(ladder.sizes, ladder.width, ladder.replicates, ladder.degree, simulations)
    if simulations * ladder.runs > MAX_CELLS:
        raise ScalecalcError(f"{simulations:,} simulations of {ladder.runs:,} runs is more than the "
                             f"{MAX_CELLS:,} simulated runs allowed; lower --simulations or the ladder's "
                             "size.")


def check_noise(noise: float) -> float:
    if not 0 <= noise <= MAX_NOISE:
        raise ScalecalcError(f"--noise: {show(noise)} nats is outside 0 to {MAX_NOISE:g}; seed-to-seed "
                             "loss sd is usually 0.005 to 0.02.")
    return noise


def check_target(law: ChinchillaLaw, target: float, c0: float) -> None:
    """Refuse a target budget at which the prior's optimum is below one parameter or one token."""
    params, tokens = (float(value) for value in optimum(law, target, c0))
    if not (params >= 1 and tokens >= 1):
        raise ScalecalcError(f"--target-flops: at {show(target)} FLOPs the prior's compute-optimal model has "
                             f"{params:.3g} parameters and {tokens:.3g} tokens, below one; give a larger "
                             "target.")


def _power10(value: float) -> float | None:
    """10^value, or None where a wild extrapolation takes it beyond a float (the report shows a blank)."""
    with np.errstate(over="ignore"):
        power = float(np.power(10.0, value))
    return power if math.isfinite(power) and power > 0 else None


def plan(law: ChinchillaLaw, ladder: Ladder, c0: float) -> tuple[np.ndarray, np.ndarray]:
    """The ladder's sizes and tokens, each (budgets, sizes)."""
    centre, _ = optimum(law, ladder.budgets, c0)
    offsets = np.linspace(-ladder.width, ladder.width, ladder.sizes)
    params = np.power(10.0, np.log10(centre)[:, None] + offsets)
    tokens = ladder.budgets[:, None] / (c0 * params)
    if params.min() < 1 or tokens.min() < 1:
        raise ScalecalcError(f"the smallest budget ({show(float(ladder.budgets.min()))} FLOPs) is too small "
                             "for a model of at least 1 parameter trained on at least 1 token; raise it.")
    return params, tokens


def runs(law: ChinchillaLaw, ladder: Ladder, c0: float) -> PlannedRun:
    """The run list: one row per budget and size."""
    params, tokens = plan(law, ladder, c0)
    budget = np.repeat(ladder.budgets, ladder.sizes)
    return PlannedRun(budget, params.ravel(), tokens.ravel(), c0 * params.ravel() * tokens.ravel(),
                      tokens.ravel() / params.ravel(), np.full(budget.size, float(ladder.replicates)))


def precision(law: ChinchillaLaw, ladder: Ladder, c0: float, target: float, noise: float,
              simulations: int, seed: int, experiment: float | None = None, name: str = "base"
              ) -> tuple[Precision, list[str]]:
    """Simulate the ladder; the record, and warnings (every simulation failed, say)."""
    check_ladder(ladder, simulations)
    params, tokens = plan(law, ladder, c0)
    clean = law.loss(params, tokens)
    log_params = np.repeat(np.log10(params), ladder.replicates, axis=-1)
    clean = np.repeat(clean, ladder.replicates, axis=-1)
    outcome = simulate.simulate(np.log10(ladder.budgets), log_params, clean, math.log10(target), noise,
                                simulations, ladder.degree, np.random.default_rng(seed))
    true_params, true_tokens = (float(value) for value in optimum(law, target, c0))
    usable = outcome.log_params[outcome.has_minimum]
    warnings: list[str] = []
    figures: dict[str, float | None] = dict.fromkeys(
        ("params_q05", "params_q95", "params_sd", "params_bias", "tokens_q05", "tokens_q95", "tokens_sd",
         "tokens_bias"))
    if usable.size >= 2:
        error = usable - math.log10(true_params)
        low, high = (float(value) for value in np.quantile(usable, [0.05, 0.95]))
        sd, bias = float(error.std(ddof=1)), float(error.mean())
        log_tokens = math.log10(target / c0)
        figures.update(params_q05=_power10(low), params_q95=_power10(high), params_sd=sd, params_bias=bias,
                       tokens_q05=_power10(log_tokens - high), tokens_q95=_power10(log_tokens - low),
                       tokens_sd=sd, tokens_bias=-bias)
        if not all(math.isfinite(value) for value in (sd, bias)) or None in figures.values():
            warnings.append(f"design {name}: the predicted N* spreads beyond what a float holds, so the "
                            "ladder cannot pin it at this target; the report leaves those figures blank. "
                            "Spread the budgets wider or bring the target closer.")
            figures = {key: value if value is None or math.isfinite(value) else None
                       for key, value in figures.items()}
        if outcome.has_minimum.mean() < 0.5:
            warnings.append(f"design {name}: only {usable.size} of {simulations} simulations had a minimum "
                            "at every budget, and the figures rest on those; widen --width or add --sizes "
                            "or --replicates.")
    else:
        warnings.append(f"design {name}: in almost every simulation some budget had no minimum, so there is "
                        "no spread to report; widen --width or add --sizes or --replicates.")
    share = None if experiment is None else ladder.cost / experiment
    record = Precision(
        name, ladder.budgets.size, float(ladder.budgets.min()), float(ladder.budgets.max()), ladder.sizes,
        ladder.width, ladder.replicates, ladder.runs, ladder.cost, share, target, true_params,
        prior_tokens=true_tokens, **figures, no_minimum_share=float(1 - outcome.has_minimum.mean()),
        unbracketed_share=float(1 - outcome.bracketed.mean()), simulations=simulations, noise=noise)
    return record, warnings


def variations(ladder: Ladder) -> list[tuple[str, Ladder]]:
    """The base design and a few alternatives for --compare: narrower, wider, more budgets over the
    same span, more sizes, and (for a parabola) a cubic fit."""
    narrower = max(MIN_WIDTH, round(ladder.width - 0.3, 6) if ladder.width > 0.45 else ladder.width / 2)
    low, high = float(ladder.budgets.min()), float(ladder.budgets.max())
    wider = min(MAX_WIDTH, ladder.width + 0.3)
    more = min(MAX_BUDGETS, ladder.budgets.size + 2)
    spread = np.logspace(math.log10(low), math.log10(high), more)
    denser = min(MAX_SIZES, ladder.sizes + 4)
    found = [("base", ladder), (f"narrower (±{narrower:g})", replace(ladder, width=narrower)),
             (f"wider (±{wider:g})", replace(ladder, width=wider)),
             (f"{more} budgets", replace(ladder, budgets=spread)),
             (f"{denser} sizes", replace(ladder, sizes=denser))]
    if ladder.degree == 2:
        found.append(("cubic fit", replace(ladder, degree=3)))
    # At a bound (width 3, 30 budgets, 51 sizes) a variation is the base again: not shown twice.
    return [found[0], *((name, each) for name, each in found[1:] if not _same(each, ladder))]


def _same(one: Ladder, other: Ladder) -> bool:
    return (one.sizes, one.width, one.replicates, one.degree) == (other.sizes, other.width, other.replicates,
                                                                  other.degree) \
        and np.array_equal(one.budgets, other.budgets)
