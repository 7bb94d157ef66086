"""Intervals for compute-optimal answers from a preset's uncertainty (`--ci`).

A preset carries bootstrap draws of its coefficients, or a covariance over (ln E, ln A, ln B, α, β)
from which draws are sampled as a multivariate normal around its own values (Besiroglu et al.
sample their policies the same way). The solver runs once on a law whose coefficients are arrays,
one row per draw, and the interval is the central percentiles across rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from scalecalc import solve
from scalecalc.errors import ScalecalcError
from scalecalc.laws import ChinchillaLaw
from scalecalc.presets import Preset
from scalecalc.records import Value, record_field


@dataclass(frozen=True)
class AllocationInterval:
    """An Allocation with percentile intervals over a preset's uncertainty draws (--ci)."""

    preset: str = record_field("text", "preset (coefficient set) that gave the answer")
    params: Value = record_field("count", "model size N, parameters (central estimate)")
    params_low: Value = record_field("count", "lower end of N's interval")
    params_high: Value = record_field("count", "upper end of N's interval")
    tokens: Value = record_field("count", "training tokens D (central estimate)")
    tokens_low: Value = record_field("count", "lower end of D's interval")
    tokens_high: Value = record_field("count", "upper end of D's interval")
    flops: Value = record_field("flops", "training compute C = 6·N·D, FLOPs")
    flops_low: Value = record_field("flops", "lower end of C's interval")
    flops_high: Value = record_field("flops", "upper end of C's interval")
    tokens_per_param: Value = record_field("ratio", "D / N (central estimate)")
    tokens_per_param_low: Value = record_field("ratio", "lower end of D/N's interval")
    tokens_per_param_high: Value = record_field("ratio", "upper end of D/N's interval")
    loss: Value = record_field("loss", "predicted loss, nats per token")
    loss_low: Value = record_field("loss", "lower end of the loss interval")
    loss_high: Value = record_field("loss", "upper end of the loss interval")
    ci: Value = record_field("ratio", "interval width in percent (central percentiles of the draws)")


SAMPLES = 4000  # draws sampled from a covariance
SEED = 0  # fixed, so the same question always gets the same interval


def coefficient_draws(preset: Preset) -> np.ndarray:
    """Rows of (E, A, B, alpha, beta)."""
    if preset.draws is not None:
        return preset.draws
    if preset.covariance is None or not isinstance(preset.law, ChinchillaLaw):
        raise ScalecalcError(f"preset {preset.name} carries no uncertainty, so --ci cannot give an "
                             "interval; use a preset with draws or a covariance, such as besiroglu or "
                             "one saved by scalecalc fit --bootstrap.")
    law = preset.law
    centre = np.array([np.log(law.E), np.log(law.A), np.log(law.B), law.alpha, law.beta])
    sample = np.random.default_rng(SEED).multivariate_normal(centre, preset.covariance, SAMPLES)
    return np.column_stack([np.exp(sample[:, :3]), sample[:, 3:]])


def optimal_interval(preset: Preset, ci: float, **question: solve.Numbers) -> AllocationInterval:
    """solve.optimal's answer with the central `ci` percent interval of each quantity."""
    if not 0 < ci < 100:
        raise ScalecalcError(f"--ci: {ci:g} is not a percentage between 0 and 100; use 90 or 95.")
    central = solve.optimal(preset, **question)
    draws = coefficient_draws(preset)
    E, A, B, alpha, beta = (column[:, None] for column in draws.T)  # (draws, 1): broadcast over rows
    law = ChinchillaLaw(E=E, A=A, B=B, alpha=alpha, beta=beta)
    varied = replace(preset, law=law, allocation=law.closed_form_allocation(preset.flops_per_param_token))
    key, value = next((k, v) for k, v in question.items() if v is not None)
    if key == "loss" and np.any(np.asarray(value) <= E):
        share = float(np.mean(np.any(np.atleast_1d(value)[None, :] <= E, axis=1)))
        raise ScalecalcError(f"a loss of {np.min(value):g} is at or below E in {share:.1%} of "
                             f"{preset.name}'s draws, so no finite budget reaches it in all of them; "
                             "ask for a higher loss.")
    spread = solve.optimal(varied, **{key: np.atleast_1d(np.asarray(value, dtype=float))[None, :]})
    tail = (100 - ci) / 2
    bounds = {}
    for name in ("params", "tokens", "flops", "tokens_per_param", "loss"):
        low, high = np.percentile(getattr(spread, name), [tail, 100 - tail], axis=0)
        shape = np.shape(getattr(central, name))
        bounds[f"{name}_low"] = _like(low, shape)
        bounds[f"{name}_high"] = _like(high, shape)
    return AllocationInterval(preset=central.preset, params=central.params, tokens=central.tokens,
                              flops=central.flops, tokens_per_param=central.tokens_per_param,
                              loss=central.loss, ci=float(ci), **bounds)


def _like(values: np.ndarray, shape: tuple[int, ...]) -> float | np.ndarray:
    return float(values[0]) if shape == () else values.reshape(shape)
