"""Compute-optimal allocation and its inverses, returned as records.

Each question is answered in closed form where the preset has one (a power-law rule, or the
Chinchilla law's Eq. 4) and by the bisection in optimize.py where it does not. All functions take
scalars or arrays; the arithmetic is done in logs so that large inputs do not overflow silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from scalecalc import optimize
from scalecalc.errors import ScalecalcError
from scalecalc.laws import Law
from scalecalc.presets import Preset
from scalecalc.records import Allocation, RunReport, SingleLoss

GOPHER_FLOPS = 5.76e23  # Gopher's training budget (Chinchilla Table 3's unit)
TABLE3_PARAMS = (400e6, 1e9, 10e9, 67e9, 175e9, 280e9, 520e9, 1e12, 10e12)
Numbers = float | np.ndarray
_SEARCH_SPAN = 250.0  # how many e-folds above the smallest possible budget the searches look


def allocate(preset: Preset, flops: Numbers) -> tuple[np.ndarray, np.ndarray]:
    """The compute-optimal (N, D) for budget C."""
    c0 = preset.flops_per_param_token
    if preset.allocation is not None:
        params = preset.allocation.params(flops)
    else:
        params = optimize.isoflop_optimum(_law(preset), np.asarray(flops, dtype=float), c0)
    return params, np.divide(flops, np.multiply(c0, params))


def flops_for_params(preset: Preset, params: Numbers) -> np.ndarray:
    """The budget at which N is compute-optimal."""
    if preset.allocation is not None:
        return preset.allocation.flops_for_params(params)
    return _search(preset, lambda log_c: np.log(allocate(preset, np.exp(log_c))[0]) - np.log(params),
                   np.log(np.multiply(params, preset.flops_per_param_token)))


def flops_for_tokens(preset: Preset, tokens: Numbers) -> np.ndarray:
    """The budget at which D is the compute-optimal token count."""
    c0 = preset.flops_per_param_token
    if preset.allocation is not None:
        return preset.allocation.flops_for_tokens(tokens, c0)
    return _search(preset, lambda log_c: np.log(allocate(preset, np.exp(log_c))[1]) - np.log(tokens),
                   np.log(np.multiply(tokens, c0)))


def least_compute_for_loss(preset: Preset, loss: Numbers) -> tuple[np.ndarray, np.ndarray]:
    """(N, D) of the cheapest run whose predicted loss is `loss`."""
    law = _law(preset)
    floor = law.irreducible
    if np.any(np.asarray(loss) <= floor):
        raise ScalecalcError(
            f"a loss of {np.min(loss):g} is at or below {preset.name}'s irreducible loss "
            f"E = {floor:g}, which no finite compute reaches; ask for a loss above {floor:g}.")
    if preset.allocation_kind == "closed form":
        return law.least_compute_point(loss)
    # Along the compute-optimal path the loss falls as C grows: find where it meets the target.
    start = np.log(preset.flops_per_param_token) + 0 * np.asarray(loss, dtype=float)
    flops = _search(preset, lambda log_c: loss - law.loss(*allocate(preset, np.exp(log_c))), start)
    return allocate(preset, flops)


def optimal(
    preset: Preset,
    *,
    flops: Numbers | None = None,
    params: Numbers | None = None,
    tokens: Numbers | None = None,
    loss: Numbers | None = None,
) -> Allocation:
    """The compute-optimal run fixed by exactly one of a budget, a size, a token count or a loss."""
    given = {"flops": flops, "params": params, "tokens": tokens, "loss": loss}
    named = [key for key, value in given.items() if value is not None]
    if len(named) != 1:
        raise ScalecalcError(
            "give exactly one of --flops, --params, --tokens or --loss"
            + (f" (got {', '.join('--' + key for key in named)})." if named else "."))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if flops is not None:
            budget = np.asarray(flops, dtype=float)
            n, d = allocate(preset, budget)
        elif params is not None:
            budget = flops_for_params(preset, params)
            n, d = allocate(preset, budget)
            n = np.broadcast_to(np.asarray(params, dtype=float), np.shape(n))  # exact, not round-tripped
        elif tokens is not None:
            budget = flops_for_tokens(preset, tokens)
            n, d = allocate(preset, budget)
        else:
            n, d = least_compute_for_loss(preset, loss)
            budget = preset.flops_per_param_token * n * d
        return _allocation_record(preset, n, d, budget)


def _allocation_record(preset: Preset, n: Numbers, d: Numbers, budget: Numbers) -> Allocation:
    predicted = preset.law.loss(n, d) if preset.law is not None else None
    frontier = preset.single["flops"].loss(budget) if "flops" in preset.single else None
    return Allocation(
        preset=preset.name,
        params=_finite(n, "N"),
        tokens=_finite(d, "D"),
        flops=_finite(budget, "C"),
        gopher_units=_finite(np.divide(budget, GOPHER_FLOPS), "C"),
        tokens_per_param=_finite(np.divide(d, n), "D/N"),
        loss=None if predicted is None else _finite(predicted, "the loss"),
        frontier_loss=None if frontier is None else _finite(frontier, "the loss"),
    )


def table(preset: Preset, *, params: Numbers | None = None, flops: Numbers | None = None) -> Allocation:
    """Chinchilla-style rows: by model size (default: Table 3's nine sizes) or by budget."""
    if params is not None and flops is not None:
        raise ScalecalcError("give the table's rows as --params or as --flops, not both.")
    if flops is not None:
        return optimal(preset, flops=np.atleast_1d(np.asarray(flops, dtype=float)))
    sizes = TABLE3_PARAMS if params is None else params
    return optimal(preset, params=np.atleast_1d(np.asarray(sizes, dtype=float)))


def assess_run(preset: Preset, params: Numbers, tokens: Numbers) -> RunReport:
    """A run's predicted loss and terms, against the compute-optimal run of the same budget."""
    _law(preset)
    budget = np.multiply(preset.flops_per_param_token, np.multiply(params, tokens))
    return _run_report(preset, params, tokens, budget)


def tokens_at_budget(preset: Preset, params: Numbers, flops: Numbers) -> RunReport:
    """What budget C buys at model size N (D = C/(c0·N)), judged like `loss` judges a run.

    A preset without a loss law still gets the token count and how it compares with the optimum.
    """
    tokens = np.divide(flops, np.multiply(preset.flops_per_param_token, params))
    return _run_report(preset, params, tokens, np.asarray(flops, dtype=float))


def _run_report(preset: Preset, params: Numbers, tokens: Numbers, budget: np.ndarray) -> RunReport:
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        best_n, best_d = allocate(preset, budget)
        own_n, own_d = allocate(preset, flops_for_params(preset, params))
        tokens_for_params = own_d * np.divide(params, own_n)  # exact N, its optimal D/N
        fields: dict[str, Any] = {
            "params": _finite(params, "N"),
            "tokens": _finite(tokens, "D"),
            "flops": _finite(budget, "C"),
            "tokens_per_param": _finite(np.divide(tokens, params), "D/N"),
            "optimal_params": _finite(best_n, "N"),
            "optimal_tokens": _finite(best_d, "D"),
            "optimal_tokens_per_param": _finite(best_d / best_n, "D/N"),
            "tokens_for_params": _finite(tokens_for_params, "D"),
            "tokens_multiple": _finite(np.divide(tokens, tokens_for_params), "D"),
        }
        if preset.law is not None:
            loss = preset.law.loss(params, tokens)
            best_loss = preset.law.loss(best_n, best_d)
            terms = preset.law.terms(params, tokens)
            fields.update(
                loss=_finite(loss, "the loss"),
                optimal_loss=_finite(best_loss, "the loss"),
                loss_gap=_finite(loss - best_loss, "the loss"),
                **{key: None if value is None else _finite(value, "a loss term")
                   for key, value in terms.items()},
            )
        return RunReport(preset=preset.name, **fields)


def single_variable_loss(preset: Preset, *, params: Numbers | None = None,
                         tokens: Numbers | None = None) -> SingleLoss:
    """L(N) or L(D) from a preset's one-variable law (Kaplan's Table 5, say)."""
    key, option, value = ("params", "--params", params) if tokens is None else ("tokens", "--tokens", tokens)
    law = preset.single.get(key)
    if law is None:
        symbol = "N" if key == "params" else "D"
        raise ScalecalcError(
            f"preset {preset.name} has no one-variable law L({symbol}), so it needs both --params and "
            f"--tokens; give both, or use a preset with L({symbol}) such as kaplan.")
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        predicted = _finite(law.loss(value), "the loss")
    return SingleLoss(preset=preset.name, loss=predicted, law=law.label, **{key: _finite(value, option)})


def check_has_law(preset: Preset) -> None:
    """Refuse loss questions for allocation-only presets, saying which presets can answer."""
    _law(preset)


def _law(preset: Preset) -> Law:
    if preset.law is None:
        raise ScalecalcError(
            f"preset {preset.name} is an allocation rule with no loss law, so it cannot predict "
            "a loss; use a preset with one, such as chinchilla or besiroglu.")
    return preset.law


def _search(preset: Preset, increasing: Callable[[np.ndarray], np.ndarray], lowest: Numbers) -> np.ndarray:
    """Bisect over ln C from the smallest sensible budget upward; refuse answers off the end."""
    lo = np.asarray(lowest, dtype=float)
    hi = np.minimum(lo + _SEARCH_SPAN, np.log(1e300))
    flops = optimize.solve_log_flops(increasing, lo, hi)
    if np.any(increasing(np.log(flops)) < -1e-9) or np.any(np.log(flops) >= np.log(1e300) - 1e-6):
        raise ScalecalcError(
            f"no budget below 1e300 FLOPs answers this with preset {preset.name}; ask for less.")
    return flops


def _finite(value: Numbers, what: str) -> float | np.ndarray:
    array = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(array)):
        raise ScalecalcError(
            f"the answer's {what} is beyond double precision (about 1.8e308) for this input; "
            "ask for a smaller value.")
    return float(array) if array.ndim == 0 else array
