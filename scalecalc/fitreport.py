"""A fit as report lines (FitValue records) and as a preset file that every command accepts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.fit import Fit
from scalecalc.laws import ChinchillaLaw
from scalecalc.records import Value, record_field
from scalecalc.solve import GOPHER_FLOPS


@dataclass(frozen=True)
class FitValue:
    """One line of a fit report: a coefficient, a derived quantity, or a statistic of the fit."""

    name: str = record_field("text", "coefficient or quantity")
    value: Value = record_field("number", "best-fit value")
    ci_low: Value = record_field("number", "lower end of the bootstrap percentile interval")
    ci_high: Value = record_field("number", "upper end of the bootstrap percentile interval")
    meaning: str = record_field("text", "what it is")


COEFFICIENTS = (("E", "irreducible loss"), ("A", "parameter-term coefficient"),
                ("B", "data-term coefficient"), ("alpha", "parameter exponent"), ("beta", "data exponent"))


def _derived(law: ChinchillaLaw, budgets: np.ndarray) -> dict[str, np.ndarray]:
    """Allocation quantities for one law or for arrays of drawn coefficients (one per row)."""
    total = law.alpha + law.beta
    allocation = law.closed_form_allocation(6.0)
    values = {"a": law.beta / total, "b": law.alpha / total,
              "G": law.optimum_scale}
    for budget in budgets:
        n = allocation.params(budget)
        d = budget / (6 * n)
        label = f"{budget:.3g}".replace("e+", "e")
        values[f"params_at_{label}"] = n
        values[f"tokens_at_{label}"] = d
        values[f"tokens_per_param_at_{label}"] = d / n
        values[f"loss_at_{label}"] = law.loss(n, d)
    return values


def report(fit: Fit, budgets: np.ndarray, ci: float) -> list[FitValue]:
    """The coefficients, what they imply at the reference budgets, and how well they fit."""
    draws = fit.draws
    tail = (100 - ci) / 2
    spread: dict[str, tuple[float, float]] = {}
    if draws is not None:
        drawn = ChinchillaLaw(*(draws[:, index] for index in range(5)))
        columns = {name: draws[:, index] for index, (name, _) in enumerate(COEFFICIENTS)}
        columns.update(_derived(drawn, budgets))
        spread = {name: tuple(float(v) for v in np.percentile(values, [tail, 100 - tail]))
                  for name, values in columns.items()}
    law = fit.law
    lines = [(name, getattr(law, name), meaning) for name, meaning in COEFFICIENTS]
    meanings = {"a": "N_opt ∝ C^a, a = beta/(alpha+beta)", "b": "D_opt ∝ C^b, b = alpha/(alpha+beta)",
                "G": "N_opt = G·(C/6)^a (Hoffmann et al. Eq. 4)"}
    for name, value in _derived(law, budgets).items():
        kind, _, budget = name.rpartition("_at_")
        meaning = meanings.get(name) or {
            "params": "compute-optimal N", "tokens": "compute-optimal D", "tokens_per_param": "D/N",
            "loss": "predicted loss"}[kind] + f" at C = {budget} FLOPs"
        if kind and abs(float(budget) - GOPHER_FLOPS) < 1e18:
            meaning += " (Gopher's budget)"
        lines.append((name, float(value), meaning))
    records = [FitValue(name, float(value), *spread.get(name, (None, None)), meaning)
               for name, value, meaning in lines]
    stats = [
        ("objective", fit.objective, f"sum of Huber(delta={fit.delta:g}) on ln L over the runs"),
        ("rmse_log_loss", fit.rmse_log_loss, "root mean square of ln L_predicted - ln L"),
        ("runs", float(len(fit.runs)), "runs fitted"),
        ("runs_excluded", float(sum(fit.runs.excluded.values())), "runs left out by the options"),
        ("starts", float(fit.starts), f"L-BFGS starts ({fit.grid} grid)"),
        ("starts_at_best", float(fit.starts_at_best), "starts that ended within 0.01% of the best objective"),
    ]
    if draws is not None:
        stats.append(("bootstrap_resamples", float(len(draws)), f"resamples behind the {ci:g}% intervals"))
    return records + [FitValue(name, value, None, None, meaning) for name, value, meaning in stats]


def preset_document(fit: Fit, name: str) -> dict[str, Any]:
    """The preset file for this fit, as the mapping tomli-w writes."""
    runs = fit.runs
    excluded = "; ".join(f"{count} excluded: {reason}" for reason, count in runs.excluded.items())
    document: dict[str, Any] = {
        "name": name,
        "summary": f"Chinchilla law fitted by scalecalc to {len(runs)} runs from {Path(runs.source).name}",
        "notes": (f"Objective {fit.objective:.6g} (sum of Huber, delta {fit.delta:g}, on ln L); RMSE of "
                  f"ln L {fit.rmse_log_loss:.4g}; {fit.starts_at_best} of {fit.starts} starts reached the "
                  f"best. {excluded}").strip(),
        "flops_per_param_token": 6,
        "source": {
            "citation": f"scalecalc fit of {runs.source}",
            "location": (f"Huber loss on ln L, L-BFGS from the {fit.grid} grid of starts, the method of "
                         "Hoffmann et al. 2022 App. D.2 as run by Besiroglu et al. 2024"),
        },
        "law": {"form": "chinchilla", "E": fit.law.E, "A": fit.law.A, "B": fit.law.B,
                "alpha": fit.law.alpha, "beta": fit.law.beta},
        "fitted_range": {
            "params": [float(runs.params.min()), float(runs.params.max())],
            "tokens": [float(runs.tokens.min()), float(runs.tokens.max())],
            "flops": [float(runs.flops.min()), float(runs.flops.max())],
        },
    }
    if fit.draws is not None:
        document["uncertainty"] = {
            "method": f"bootstrap, {len(fit.draws)} resamples of the runs; rows are (E, A, B, alpha, beta)",
            "draws": [[float(value) for value in row] for row in fit.draws],
        }
    return document


def save_preset(fit: Fit, path: Path, force: bool) -> None:
    """Write the preset; never over an existing file unless asked."""
    import tomli_w

    if path.exists() and not force:
        raise ScalecalcError(f"--save: {path} exists; choose another name or add --force to replace it.")
    text = tomli_w.dumps(preset_document(fit, path.stem))
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ScalecalcError(f"--save: cannot write {path} ({error.strerror}).") from None
