"""Report lines and allocation presets for the power-law fits of `fit --method isoflop|envelope`.

Both methods end in N* = 10^a0 · C^a and D* = 10^b0 · C^b (log10 throughout), optionally with
bootstrap draws (K, 4) of (a, a0, b, b0). The report uses fitreport's FitValue lines, so the table,
CSV and JSON have the same columns as the parametric `fit`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.fitreport import FitValue, _number, budget_labels

METHOD_SOURCES = {"isoflop": "Approach 2 (isoFLOP profiles) of Hoffmann et al. 2022 §3.2",
                  "envelope": "Approach 1 (envelope of training curves) of Hoffmann et al. 2022 §3.1"}


def _interval(values: np.ndarray | None, ci: float) -> tuple[float | None, float | None]:
    if values is None or len(values) < 2:
        return None, None
    tail = (100 - ci) / 2
    low, high = np.percentile(values, [tail, 100 - tail])
    return _number(low), _number(high)


def law_lines(fit: Any, budgets: np.ndarray, ci: float) -> list[FitValue]:
    """a, log10 k, b, log10 k' and N*, D*, D/N at each reference budget, with intervals."""
    draws = fit.draws
    column = (lambda index: None) if draws is None else (lambda index: draws[:, index])
    lines = [
        FitValue("a", fit.a, *_interval(column(0), ci), "N* = k·C^a, OLS of log10 N* on log10 C"),
        FitValue("log10_k", fit.a_intercept, *_interval(column(1), ci), "intercept of log10 N*"),
        FitValue("b", fit.b, *_interval(column(2), ci), "D* = k'·C^b, OLS of log10 D* on log10 C"),
        FitValue("log10_k_tokens", fit.b_intercept, *_interval(column(3), ci), "intercept of log10 D*"),
    ]
    for budget, label in zip(budgets, budget_labels(budgets), strict=True):
        n = 10 ** (fit.a_intercept + fit.a * np.log10(budget))
        d = 10 ** (fit.b_intercept + fit.b * np.log10(budget))
        drawn: dict[str, np.ndarray | None] = {"n": None, "d": None}
        if draws is not None:
            with np.errstate(over="ignore"):
                drawn = {"n": 10 ** (draws[:, 1] + draws[:, 0] * np.log10(budget)),
                         "d": 10 ** (draws[:, 3] + draws[:, 2] * np.log10(budget))}
        ratio = None if draws is None else drawn["d"] / drawn["n"]
        lines += [
            FitValue(f"params_at_{label}", _number(n), *_interval(drawn["n"], ci), "compute-optimal N"),
            FitValue(f"tokens_at_{label}", _number(d), *_interval(drawn["d"], ci), "compute-optimal D"),
            FitValue(f"tokens_per_param_at_{label}", _number(d / n), *_interval(ratio, ci), "optimal D/N"),
        ]
    return lines


def extrapolation_warnings(log_c: np.ndarray, budgets: np.ndarray) -> list[str]:
    """A prediction further past the top budget than twice the span of the budgets fitted
    (experiments.md §8) rests on the exponent more than on the runs."""
    span = float(np.ptp(log_c))
    found = []
    for budget, label in zip(budgets, budget_labels(budgets), strict=True):
        beyond = np.log10(budget) - float(np.max(log_c))
        if beyond > 2 * span:
            found.append(f"the prediction at {label} lies {beyond:.1f} decades past the top budget, more "
                         f"than twice the {span:.1f} decades the fit spans; the power law may not hold "
                         "that far.")
    return found


def parametric_params(draws: np.ndarray, flops: float, c0: float = 6.0) -> np.ndarray:
    """N* at `flops` for each bootstrap row (E, A, B, α, β) of a Chinchilla-form fit: the closed form
    N* = G·(C/c0)^(β/(α+β)), G = (αA/(βB))^(1/(α+β)) (Hoffmann et al. 2022, Eq. 4)."""
    _, a, b, alpha, beta = draws.T
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_g = (np.log(alpha * a) - np.log(beta * b)) / (alpha + beta)
        return np.exp(log_g + beta / (alpha + beta) * np.log(flops / c0))


def comparison_lines(lines: list[FitValue], parametric: Any, budgets: np.ndarray,
                     draws: np.ndarray | None = None, ci: float = 95.0) -> list[FitValue]:
    """Approach 3 (the parametric fit of the same runs) beside the power law at each budget, and
    whether the two agree (1 yes, 0 no; blank without --bootstrap). With bootstrap `draws` of the
    parametric fit, agreeing is the two intervals overlapping; without, N* inside the interval."""
    allocation = parametric.law.closed_form_allocation(6.0)
    found = {line.name: line for line in lines}
    extra = []
    for budget, label in zip(budgets, budget_labels(budgets), strict=True):
        n = float(allocation.params(budget)) if allocation is not None else float("nan")
        line = found[f"params_at_{label}"]
        low, high = (None, None)
        if draws is not None:
            low, high = _interval(_finite(parametric_params(draws, budget)), ci)
        agree = None
        if line.ci_low is not None and line.ci_high is not None and np.isfinite(n):
            if low is None or high is None:
                agree = int(line.ci_low <= n <= line.ci_high)
            else:
                agree = int(low <= line.ci_high and line.ci_low <= high)
        extra += [FitValue(f"parametric_params_at_{label}", _number(n), low, high,
                           "N* of the Chinchilla-form fit of the same runs (Approach 3)"),
                  FitValue(f"agree_at_{label}", agree, None, None,
                           "1 if Approach 3's bootstrap interval overlaps this one, 0 if not (needs "
                           "--bootstrap)")]
    return extra


def _finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]


def allocation_document(fit: Any, name: str, method: str, ci: float) -> dict[str, Any]:
    """A preset with a power-law [allocation] (scalecalc.laws.allocation) that `optimal` accepts."""
    runs = fit.runs
    notes = f"a = {fit.a:.6g}, b = {fit.b:.6g}; D = C/({fit.c0:g}·N)."
    if fit.draws is not None and len(fit.draws) >= 2:
        low, high = _interval(fit.draws[:, 0], ci)
        notes += f" Bootstrap {ci:g}% interval of a: {low:.4g} to {high:.4g} ({len(fit.draws)} resamples)."
    flops = fit.c0 * runs.params * runs.tokens
    return {
        "name": name,
        "summary": f"{method} allocation fitted by scalecalc to {len(runs)} runs from "
                   f"{Path(runs.source).name}",
        "notes": notes,
        "flops_per_param_token": fit.c0,
        "source": {"citation": f"scalecalc fit --method {method} of {runs.source}",
                   "location": METHOD_SOURCES[method]},
        "allocation": {"form": "power-law", "coefficient": float(10 ** fit.a_intercept), "exponent": fit.a},
        "fitted_range": {"params": [float(runs.params.min()), float(runs.params.max())],
                         "tokens": [float(runs.tokens.min()), float(runs.tokens.max())],
                         "flops": [float(flops.min()), float(flops.max())]},
    }


def save_allocation(fit: Any, path: Path, force: bool, method: str, ci: float) -> None:
    """Write the allocation preset (fitreport.write_preset checks it loads back first)."""
    from scalecalc.fitreport import write_preset

    if not (np.isfinite(fit.a) and np.isfinite(fit.a_intercept) and fit.a > 0):
        raise ScalecalcError("--save: nothing written, because the fitted N* does not grow with compute "
                             f"(a = {fit.a:g}); a preset needs a positive exponent.")
    write_preset(allocation_document(fit, path.stem, method, ci), path, force)
