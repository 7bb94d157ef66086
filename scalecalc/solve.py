"""Compute-optimal allocation and its inverses, returned as records.

Each question is answered in closed form where the preset has one (a power-law rule, or the
Chinchilla law's Eq. 4) and by the bisection in optimize.py where it does not. All functions take
scalars or arrays; the arithmetic is done in logs so that large inputs do not overflow silently.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from scalecalc import optimize
from scalecalc.errors import ScalecalcError
from scalecalc.laws import VARIABLES, Law, single_question
from scalecalc.presets import PER_TOKEN, Preset, able, require, require_params
from scalecalc.quantities import LARGEST, check_numbers, show
from scalecalc.records import Allocation, PerTokenAllocation, RunReport, SingleLoss

GOPHER_FLOPS = 5.76e23  # Gopher's training budget (Chinchilla Table 3's unit)
TABLE3_PARAMS = (400e6, 1e9, 10e9, 67e9, 175e9, 280e9, 520e9, 1e12, 10e12)
Numbers = float | np.ndarray


def allocate(preset: Preset, flops: Numbers) -> tuple[np.ndarray, np.ndarray]:
    """The compute-optimal (N, D) for budget C."""
    c0 = preset.flops_per_param_token
    if preset.allocation is not None:
        params = preset.allocation.params(flops)
    else:
        require(preset, "optimal", "has no allocation rule and no loss law L(N, D)")
        params = optimize.isoflop_optimum(_law(preset), np.asarray(flops, dtype=float), c0)
    return params, np.divide(flops, np.multiply(c0, params))


def flops_for_params(preset: Preset, params: Numbers) -> np.ndarray:
    """The budget at which N is compute-optimal."""
    if preset.allocation is not None:
        return preset.allocation.flops_for_params(params)
    return _search(lambda log_c: np.log(allocate(preset, np.exp(log_c))[0]) - np.log(params),
                   np.log(np.multiply(params, preset.flops_per_param_token)))


def flops_for_tokens(preset: Preset, tokens: Numbers) -> np.ndarray:
    """The budget at which D is the compute-optimal token count."""
    c0 = preset.flops_per_param_token
    if preset.allocation is not None:
        return preset.allocation.flops_for_tokens(tokens, c0)
    return _search(lambda log_c: np.log(allocate(preset, np.exp(log_c))[1]) - np.log(tokens),
                   np.log(np.multiply(tokens, c0)))


def least_compute_for_loss(preset: Preset, loss: Numbers) -> tuple[np.ndarray, np.ndarray]:
    """(N, D) of the cheapest run whose predicted loss is `loss` (unchecked: see optimal)."""
    law = _law(preset)
    floor = law.irreducible
    if np.any(np.asarray(loss) <= floor):
        raise ScalecalcError(
            f"a loss of {np.min(loss):g} is at or below {preset.name}'s irreducible loss E = "
            f"{np.min(floor):g}, which no finite compute reaches; ask for a loss above {np.max(floor):g}.")
    if preset.allocation_kind == "closed form":
        return law.least_compute_point(loss)
    # Along the compute-optimal path the loss falls as C grows: find where it meets the target.
    start = np.log(preset.flops_per_param_token) + 0 * np.asarray(loss, dtype=float)
    flops = _search(lambda log_c: loss - law.loss(*allocate(preset, np.exp(log_c))), start)
    return allocate(preset, flops)


def quiet(function: Callable[..., Any]) -> Callable[..., Any]:
    """Run `function` with NumPy's floating-point warnings off: overflow to inf and the like are
    caught by the checks on every answer, and a warning with a file path helps no one."""
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)
    return wrapper


@quiet
def optimal(
    preset: Preset,
    *,
    flops: Numbers | None = None,
    params: Numbers | None = None,
    tokens: Numbers | None = None,
    loss: Numbers | None = None,
) -> Allocation | PerTokenAllocation:
    """The compute-optimal run fixed by exactly one of a budget, a size, a token count or a loss.

    The given quantity comes back exactly as given; the others are checked to answer the question
    (a run of at least one parameter and one token, within LARGEST FLOPs, with the asked-for value).
    """
    given = {"flops": flops, "params": params, "tokens": tokens, "loss": loss}
    named = [key for key, value in given.items() if value is not None]
    if len(named) != 1:
        raise ScalecalcError(
            "give exactly one of flops, params, tokens or loss"
            + (f", not {' and '.join(named)} together." if named else "."))
    (key,) = named
    value = check_numbers(given[key], key)
    n, d, budget = answer(preset, key, value)
    record = _allocation_record(preset, n, d, budget)
    if key == "loss":  # the loss asked for, exactly: answer() checked the run reaches it
        record = replace(record, loss=finite(np.broadcast_to(value, np.shape(n)), "the loss"))
    return record


def answer(preset: Preset, key: str, value: Numbers, subject: str | None = None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, D, C) of the compute-optimal run with `key` ("flops", "params", "tokens" or "loss") equal
    to `value`, verified: an answer off the end of the preset's range is refused, naming the range.

    `subject` names the value in that message when the caller asked about something else.
    """
    value = np.asarray(value, dtype=float)
    c0 = preset.flops_per_param_token
    if key == "params" and preset.params_convention == PER_TOKEN:
        require_params(preset, "it cannot take a model size; ask it with --flops or --tokens, or "
                       + able("optimal"))
    if key == "flops":
        budget = value
        n, d = allocate(preset, budget)
        reached = budget
    elif key in ("params", "tokens"):
        budget = flops_for_params(preset, value) if key == "params" else flops_for_tokens(preset, value)
        n, d = allocate(preset, budget)
        reached = n if key == "params" else d
    else:
        n, d = least_compute_for_loss(preset, value)
        budget = np.multiply(c0, np.multiply(n, d))
        reached = _law(preset).loss(n, d)
    ok = ((n >= 1 - 1e-9) & (d >= 1 - 1e-9) & (budget <= LARGEST * (1 + 1e-9))
          & np.isclose(reached, value, rtol=1e-6, atol=0))
    if not np.all(ok):
        raise _outside(preset, key, value, ok, subject)
    shape = np.shape(n)
    if key == "params":  # exact, not round-tripped
        n = np.broadcast_to(value, shape)
    elif key == "tokens":
        d = np.broadcast_to(value, shape)
    return n, d, budget


def _outside(preset: Preset, key: str, value: np.ndarray, ok: np.ndarray, subject: str | None
             ) -> ScalecalcError:
    """The message for a question whose answer would leave the preset's usable range."""
    bad = float(np.broadcast_to(value, np.shape(ok))[~ok].flat[0])
    lowest = smallest_budget(preset)
    if not np.all(lowest <= LARGEST):
        return ScalecalcError(
            f"preset {preset.name} has no compute-optimal run of at least one parameter and one token "
            f"within {show(LARGEST)} FLOPs; check its coefficients (and any --set values).")
    ends = [(*allocate(preset, budget), budget) for budget in (lowest, np.asarray(LARGEST))]
    if key == "loss":
        law = _law(preset)
        low, high = (law.loss(*ends[1][:2]), law.loss(*ends[0][:2]))
    else:
        column = {"params": 0, "tokens": 1, "flops": 2}[key]
        low, high = ends[0][column], ends[1][column]
    what = subject or f"{key} = {show(bad)}"
    draws = " (in every draw of its uncertainty)" if np.size(lowest) > 1 else ""
    return ScalecalcError(
        f"{what} is outside what preset {preset.name} answers{draws}: its compute-optimal runs with N and D "
        f"of at least 1 and C of at most {show(LARGEST)} FLOPs have {key} from {show(np.max(low))} to "
        f"{show(np.min(high))}; ask for a value in that range.")


def smallest_budget(preset: Preset) -> np.ndarray:
    """The least C whose compute-optimal run has N ≥ 1 and D ≥ 1 (inf where none within LARGEST)."""
    with np.errstate(all="ignore"):
        candidates = [np.asarray(1.0), np.asarray(flops_for_params(preset, 1.0), dtype=float)]
        rule = preset.allocation
        # A rule whose D falls as C grows has no flops_for_tokens: D ≥ 1 is checked below.
        if rule is None or np.all(np.asarray(rule.exponent) < 1):
            candidates.append(np.asarray(flops_for_tokens(preset, 1.0), dtype=float))
        lowest = np.maximum.reduce(np.broadcast_arrays(*candidates))
        n, d = allocate(preset, lowest)
        usable = (n >= 1 - 1e-6) & (d >= 1 - 1e-6) & (lowest <= LARGEST)
        return np.where(usable, lowest, np.inf)


def _allocation_record(preset: Preset, n: Numbers, d: Numbers, budget: Numbers
                       ) -> Allocation | PerTokenAllocation:
    if preset.params_convention == PER_TOKEN:  # n is M, FLOPs per token: named so, never as N
        return PerTokenAllocation(
            preset=preset.name, m_flops_per_token=finite(n, "the FLOPs per token M"),
            tokens=finite(d, "the token count D"), flops=finite(budget, "the compute C"),
            gopher_units=finite(np.divide(budget, GOPHER_FLOPS), "the compute C"),
            tokens_per_m=finite(np.divide(d, n), "D/M"))
    predicted = preset.law.loss(n, d) if preset.law is not None else None
    frontier = preset.single["flops"].loss(budget) if "flops" in preset.single else None
    return Allocation(
        preset=preset.name,
        params=finite(n, "the model size N"),
        tokens=finite(d, "the token count D"),
        flops=finite(budget, "the compute C"),
        gopher_units=finite(np.divide(budget, GOPHER_FLOPS), "the compute C"),
        tokens_per_param=finite(np.divide(d, n), "D/N"),
        loss=None if predicted is None else finite(predicted, "the predicted loss"),
        frontier_loss=None if frontier is None else finite(frontier, "the frontier loss"),
        **{key: finite(value, key) for key, value in preset.rules(budget).items()},
    )


@quiet
def table(preset: Preset, *, params: Numbers | None = None, flops: Numbers | None = None
          ) -> Allocation | PerTokenAllocation:
    """Chinchilla-style rows: by model size (default: Table 3's nine sizes) or by budget."""
    if params is not None and flops is not None:
        raise ScalecalcError("give the table's rows as --params or as --flops, not both.")
    if flops is not None:
        return optimal(preset, flops=np.atleast_1d(check_numbers(flops, "flops")))
    sizes = TABLE3_PARAMS if params is None else check_numbers(params, "params")
    return optimal(preset, params=np.atleast_1d(np.asarray(sizes, dtype=float)))


@quiet
def assess_run(preset: Preset, params: Numbers, tokens: Numbers) -> RunReport:
    """A run's predicted loss and terms, against the compute-optimal run of the same budget."""
    _law(preset)
    params, tokens, budget = run_budget(preset, params, tokens)
    return _run_report(preset, params, tokens, budget)


def run_budget(preset: Preset, params: Numbers, tokens: Numbers
               ) -> tuple[float | np.ndarray, float | np.ndarray, np.ndarray]:
    """N and D checked, and the compute C = c0·N·D they take, refused beyond LARGEST FLOPs."""
    params, tokens = check_numbers(params, "params"), check_numbers(tokens, "tokens")
    c0 = preset.flops_per_param_token
    log_budget = np.log10(c0) + np.log10(params) + np.log10(tokens)
    if np.any(log_budget > np.log10(LARGEST) + 1e-12):
        top = float(np.max(log_budget))
        raise ScalecalcError(
            f"this run's compute C = {c0:g}·N·D would be about {10 ** (top % 1):.3g}e{int(top // 1)} FLOPs, "
            f"beyond {show(LARGEST)}, the largest budget scalecalc answers; give a smaller N or D.")
    return params, tokens, np.multiply(c0, np.multiply(params, tokens))


@quiet
def tokens_at_budget(preset: Preset, params: Numbers, flops: Numbers) -> RunReport:
    """What budget C buys at model size N (D = C/(c0·N)), judged like `loss` judges a run.

    A preset without a loss law still gets the token count and how it compares with the optimum.
    """
    params, flops = check_numbers(params, "params"), check_numbers(flops, "flops")
    c0 = preset.flops_per_param_token
    tokens = np.divide(flops, np.multiply(c0, params))
    if np.any(tokens < 1):
        bought, size, budget = (array.ravel() for array in np.broadcast_arrays(tokens, params, flops))
        first = int(np.flatnonzero(bought < 1)[0])
        raise ScalecalcError(
            f"a budget of {show(budget[first])} FLOPs buys fewer than one token at N = {show(size[first])}; "
            f"give at least {c0:g}·N = {show(c0 * size[first])} FLOPs.")
    return _run_report(preset, params, tokens, np.asarray(flops, dtype=float))


def _run_report(preset: Preset, params: Numbers, tokens: Numbers, budget: np.ndarray) -> RunReport:
    best_n, best_d, _ = answer(preset, "flops", budget,
                               subject=f"this run's compute C = {show(np.min(budget))} FLOPs")
    _, own_d, _ = answer(preset, "params", params, subject=f"this run's N = {show(np.min(params))}")
    tokens_for_params = own_d  # exact N, its optimal D
    fields: dict[str, Any] = {
        "params": finite(params, "N"),
        "tokens": finite(tokens, "D"),
        "flops": finite(budget, "the compute C"),
        "tokens_per_param": finite(np.divide(tokens, params), "D/N"),
        "optimal_params": finite(best_n, "the compute-optimal N"),
        "optimal_tokens": finite(best_d, "the compute-optimal D"),
        "optimal_tokens_per_param": finite(best_d / best_n, "the compute-optimal D/N"),
        "tokens_for_params": finite(tokens_for_params, "the compute-optimal D for this N"),
        "tokens_multiple": finite(np.divide(tokens, tokens_for_params), "tokens_multiple"),
    }
    if preset.law is not None:
        loss = preset.law.loss(params, tokens)
        best_loss = preset.law.loss(best_n, best_d)
        terms = preset.law.terms(params, tokens)
        fields.update(
            loss=finite(loss, "the predicted loss"),
            optimal_loss=finite(best_loss, "the predicted loss"),
            loss_gap=finite(loss - best_loss, "the loss gap"),
            **{key: None if value is None else finite(value, key) for key, value in terms.items()},
        )
        equal = equal_loss_flops(preset, loss)
        if equal is not None:
            fields.update(equal_loss_flops=finite(equal, "the equal-loss compute"),
                          compute_multiplier=finite(np.divide(budget, equal), "the compute multiplier"))
    return RunReport(preset=preset.name, **fields)


def equal_loss_flops(preset: Preset, loss: Numbers) -> np.ndarray | None:
    """The compute C a compute-optimal run needs to reach `loss` (Issue 9's compute multiplier is a
    run's C over this), or None where no compute-optimal run in the preset's range reaches it."""
    try:
        return answer(preset, "loss", loss)[2]
    except ScalecalcError:  # a loss beyond the range (a run of one token, say): the rest still stands
        return None


def single_variable_loss(preset: Preset, **value: Numbers) -> SingleLoss:
    """L(N), L(D) or another one-variable law (Kaplan's Table 5, Henighan's Table 1, Zhai's error(C)):
    give one of params=, tokens=, core_days= (laws.VARIABLES)."""
    ((key, given),) = value.items()
    law = preset.single.get(key)
    if law is None:
        question = single_question(key)
        if key in ("params", "tokens"):
            raise ScalecalcError(
                f"preset {preset.name} has no one-variable law {question}, so it needs both --params and "
                f"--tokens; give both, or {able(question, preset.domain)}.")
        question = _question_for(key)
        require(preset, question, f"has no one-variable law of {VARIABLES[key][1]}")
    given = check_numbers(given, key)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        predicted = finite(law.loss(given), "the predicted loss")
    return SingleLoss(preset=preset.name, loss=predicted, law=law.label, **{key: given})


def _question_for(variable: str) -> str:
    """The question a law of `variable` answers, as the built-in presets declare it (error(C) for
    core-days, say)."""
    from scalecalc.presets import builtin_names, load

    for name in builtin_names():
        law = load(name).single.get(variable)
        if law is not None:
            return single_question(variable, law.quantity)
    return single_question(variable)


def step_loss(preset: Preset, params: Numbers, steps: Numbers) -> SingleLoss:
    """L(N, S_min): the loss of N parameters after S_min steps at the critical batch (Kaplan's Eq. 1.6)."""
    law = preset.law_for("L(N,S)")
    if law is None:
        require(preset, "L(N,S)", "has no law of parameters and steps")
    params, steps = check_numbers(params, "params"), check_numbers(steps, "steps")
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        predicted = finite(law.loss(params, steps), "the predicted loss")
    label = (f"Kaplan L(N, S_min) = ({show(law.N_c)}/N)^{law.alpha_N:g} + ({show(law.S_c)}/S_min)"
             f"^{law.alpha_S:g} (Eq. 1.6, Table 3)")
    return SingleLoss(preset=preset.name, params=params, steps=steps, loss=predicted, law=label)


def check_has_law(preset: Preset) -> None:
    """Refuse loss questions for allocation-only presets, saying which presets can answer."""
    _law(preset)


def _law(preset: Preset) -> Law:
    require(preset, "loss", "has no loss law L(N, D)")
    return preset.law


def _search(increasing: Callable[[np.ndarray], np.ndarray], lowest: Numbers) -> np.ndarray:
    """Bisect over ln C from the smallest sensible budget up to LARGEST. An answer off either end
    comes back as that end, and `answer` refuses it when it checks the result."""
    hi = np.log(LARGEST)
    lo = np.minimum(np.asarray(lowest, dtype=float), hi)
    return optimize.solve_log_flops(increasing, lo, hi)


def finite(value: Numbers, what: str) -> float | np.ndarray:
    """A safety net behind the range checks: no inf or NaN ever reaches a record."""
    array = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(array)):
        raise ScalecalcError(
            f"{what} comes out too large for double precision (or undefined) for this input; keep N, D "
            f"and C from 1 to {show(LARGEST)} and any --set coefficients moderate.")
    return float(array) if array.ndim == 0 else array
