"""A fit as report lines (FitValue records) and as a preset file that every command accepts."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, make_dataclass
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


# The table view with intervals leaves out `meaning`, so that it fits an 80-column terminal; CSV and
# JSON keep every column.
FitInterval = make_dataclass("FitInterval", [(item.name, item.type, field(default=item.default,
                                              metadata=item.metadata))
                                             for item in fields(FitValue) if item.name != "meaning"],
                             frozen=True)

COEFFICIENTS = (("E", "irreducible loss"), ("A", "parameter-term coefficient"),
                ("B", "data-term coefficient"), ("alpha", "parameter exponent"), ("beta", "data exponent"))
MAX_BUDGETS = 20  # --reference-flops: each budget adds four lines to the report
# What each line at a reference budget means; the budget itself is in the line's name.
AT_BUDGET = {"params": "compute-optimal N", "tokens": "compute-optimal D", "tokens_per_param": "optimal D/N",
             "loss": "predicted loss"}


def budget_labels(budgets: np.ndarray, limit: int | None = MAX_BUDGETS) -> list[str]:
    """1e22 -> "1e22": as few digits as keep the budgets apart, at least three."""
    if limit is not None and len(budgets) > limit:
        raise ScalecalcError(f"--reference-flops: give at most {MAX_BUDGETS} budgets, not {len(budgets)}.")
    for digits in range(3, 18):
        labels = [f"{budget:.{digits}g}".replace("e+", "e") for budget in budgets]
        if len(set(labels)) == len(labels):
            return labels
    raise ScalecalcError("--reference-flops: a budget is given twice; give each budget once.")


def _derived(law: ChinchillaLaw, budgets: np.ndarray, labels: list[str]) -> dict[str, np.ndarray]:
    """Allocation quantities for one law or for arrays of drawn coefficients (one per row)."""
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        total = law.alpha + law.beta
        allocation = law.closed_form_allocation(6.0)
        values = {"a": law.beta / total, "b": law.alpha / total, "G": law.optimum_scale}
        for budget, label in zip(budgets, labels, strict=True):
            n = allocation.params(budget)
            d = budget / (6 * n)
            values[f"params_at_{label}"] = n
            values[f"tokens_at_{label}"] = d
            values[f"tokens_per_param_at_{label}"] = d / n
            values[f"loss_at_{label}"] = law.loss(n, d)
    return values


def usable_draws(draws: np.ndarray) -> np.ndarray:
    """Resamples whose refit is finite and falls with scale (both exponents positive)."""
    return np.all(np.isfinite(draws), axis=1) & (draws[:, 3] > 0) & (draws[:, 4] > 0)


def report(fit: Fit, budgets: np.ndarray, ci: float) -> list[FitValue]:
    """The coefficients, what they imply at the reference budgets, and how well they fit.

    A value that is not a finite number is None (null in JSON), and so is every allocation value
    of a degenerate fit, one whose loss does not fall with scale.
    """
    labels = budget_labels(budgets)
    tail = (100 - ci) / 2
    spread: dict[str, tuple[float, float]] = {}
    draws = None if fit.draws is None else fit.draws[usable_draws(fit.draws)]
    if draws is not None and len(draws) >= 2:
        drawn = ChinchillaLaw(*(draws[:, index] for index in range(5)))
        columns = {name: draws[:, index] for index, (name, _) in enumerate(COEFFICIENTS)}
        columns.update(_derived(drawn, budgets, labels))
        spread = {name: tuple(float(v) for v in np.percentile(values, [tail, 100 - tail]))
                  for name, values in columns.items()}
    law = fit.law
    lines = [(name, getattr(law, name), meaning) for name, meaning in COEFFICIENTS]
    meanings = {"a": "N_opt ∝ C^a; a = β/(α+β)", "b": "D_opt ∝ C^b; b = α/(α+β)",
                "G": "N_opt = G·(C/6)^a (Eq. 4)"}
    gopher = {label for budget, label in zip(budgets, labels, strict=True)
              if abs(budget - GOPHER_FLOPS) < 1e18}
    degenerate = not (law.alpha > 0 and law.beta > 0)
    for name, value in _derived(law, budgets, labels).items():
        kind, _, label = name.partition("_at_")
        meaning = meanings.get(name) or AT_BUDGET[kind] + (" (Gopher's C)" if label in gopher else "")
        lines.append((name, None if degenerate else value, meaning))
    records = [FitValue(name, _number(value), *(_number(v) for v in spread.get(name, (None, None))), meaning)
               for name, value, meaning in lines]
    stats: list[tuple[str, float | int, str]] = [
        ("objective", fit.objective, f"sum of Huber(δ={fit.delta:g}) on ln L"),
        ("rmse_log_loss", fit.rmse_log_loss, "RMS of the ln L residuals"),
        ("runs", len(fit.runs), "runs fitted"),
        ("runs_excluded", sum(fit.runs.excluded.values()), "runs left out"),
        ("starts", fit.starts, f"L-BFGS starts ({fit.grid} grid)"),
        ("starts_at_best", fit.starts_at_best, "starts within 0.01% of the best"),
    ]
    if fit.draws is not None:
        stats.append(("bootstrap_resamples", len(fit.draws), f"resamples behind the {ci:g}% CIs"))
    return records + [FitValue(name, _number(value), None, None, meaning) for name, value, meaning in stats]


def _number(value: Any) -> float | int | None:
    """Counts stay whole numbers; anything not finite becomes None (strict JSON has no NaN)."""
    if value is None or isinstance(value, int):
        return value
    number = float(value)
    return number if np.isfinite(number) else None


def report_warnings(fit: Fit, records: list[FitValue]) -> list[str]:
    """What the report leaves blank or leaves out, beyond the fit's own warnings."""
    warnings = []
    if fit.draws is not None:
        bad = int(np.count_nonzero(~usable_draws(fit.draws)))
        if bad:
            warnings.append(f"{bad} of {len(fit.draws)} bootstrap refits are degenerate (an exponent not "
                            "positive, or not finite) and are left out of the intervals.")
    law = fit.law
    blank = [record.name for record in records if record.value is None]
    if blank and law.alpha > 0 and law.beta > 0:
        warnings.append(f"{', '.join(blank)} cannot be represented as a finite number for this fit, so "
                        "the report leaves them blank (null).")
    return warnings


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
    """Write the fit as a preset (write_preset)."""
    write_preset(preset_document(fit, path.stem), path, force)


def write_preset(document: dict[str, Any], path: Path, force: bool) -> None:
    """Write a preset document, after loading it back as --preset would; never over a file unless
    asked, never half-written (scalecalc.outfiles)."""
    import tomllib

    import tomli_w

    from scalecalc import outfiles
    from scalecalc.presets import from_mapping

    text = tomli_w.dumps(document)
    try:
        from_mapping(tomllib.loads(text), path)
    except (ScalecalcError, tomllib.TOMLDecodeError) as error:
        reason = str(error).removeprefix(f"preset file {path}: ").rstrip(".")
        raise ScalecalcError(f"--save: nothing written, because scalecalc would refuse this fit as a "
                             f"preset ({reason}).") from None
    outfiles.write_text(path, text, force=force)
