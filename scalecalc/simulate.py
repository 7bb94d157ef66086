"""Monte-Carlo precision of an isoFLOP (Approach 2) ladder: draw noisy losses, refit, predict.

Everything is batched over simulations: arrays are shaped (simulations, budgets, points), and one
call fits every profile of every simulated experiment (experiments.md §5, "Simulated check").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalecalc.isoflop import fit_minima, fit_power_law


@dataclass(frozen=True)
class Outcome:
    """What one batch of simulated experiments gave: per simulation, the predicted log10 N* at the
    target, and whether every budget had a minimum and whether every minimum was bracketed."""

    log_params: np.ndarray  # (simulations,), NaN where some budget had no minimum
    has_minimum: np.ndarray  # (simulations,) bool: every budget's profile curved upwards
    bracketed: np.ndarray  # (simulations,) bool: every budget's minimum inside its sizes


def simulate(log_flops: np.ndarray, log_params: np.ndarray, clean_loss: np.ndarray, target_log_flops: float,
             noise: float, simulations: int, degree: int, rng: np.random.Generator) -> Outcome:
    """Refit `simulations` noisy copies of a ladder and predict log10 N* at the target.

    log_flops (budgets,); log_params and clean_loss (budgets, points): each budget's sizes (with
    replicates repeated) and the true loss there. Noise is N(0, noise²) on the loss of every run.
    """
    shape = (simulations, *clean_loss.shape)
    losses = clean_loss + noise * rng.standard_normal(shape)
    minima = fit_minima(np.broadcast_to(log_params, shape), losses, degree)
    has_minimum = minima.has_minimum.all(axis=-1)
    slope, intercept = fit_power_law(log_flops, np.where(minima.has_minimum, minima.log_x_min, 0.0))
    predicted = np.where(has_minimum, slope * target_log_flops + intercept, np.nan)
    return Outcome(predicted, has_minimum, minima.bracketed.all(axis=-1))
