"""Inference-aware sizing (Sardana et al. 2023, arXiv 2401.00448; REFERENCE.md §4).

For a target loss ℓ and a lifetime inference demand of T tokens, choose N and D to minimize
6·N·D + 2·N·T subject to L(N, D) = ℓ. Along the iso-loss curve D is a function of N, and the
optimum is where d(total)/d(ln N) = 6·N·D·(1 + d ln D/d ln N) + 2·N·T crosses zero; it is found
by the bisection in optimize.py. With T = 0 it is the least-compute point of REFERENCE §1.
The same problem in dollars is this one with T scaled by the price ratio of inference to training
FLOPs, which is how `cost_ratio` enters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalecalc import optimize, solve
from scalecalc.errors import ScalecalcError
from scalecalc.hardware import Hardware
from scalecalc.laws import ChinchillaLaw
from scalecalc.presets import Preset
from scalecalc.quantities import LARGEST, check_numbers, show
from scalecalc.records import Value, extend, record_field


@dataclass(frozen=True)
class InferencePlan:
    """The run that reaches a loss with the least training plus inference compute (Sardana et al.)."""

    preset: str = record_field("text", "preset (coefficient set) that gave the answer")
    loss: Value = record_field("loss", "target loss, nats per token")
    inference_tokens: Value = record_field("count", "lifetime inference demand T, tokens")
    params: Value = record_field("count", "inference-aware model size N")
    tokens: Value = record_field("count", "inference-aware training tokens D")
    tokens_per_param: Value = record_field("ratio", "D / N")
    train_flops: Value = record_field("flops", "training compute 6·N·D")
    inference_flops: Value = record_field("flops", "inference compute 2·N·T")
    total_flops: Value = record_field("flops", "training plus inference compute")
    optimal_params: Value = record_field("count", "compute-optimal N for this loss (T = 0)")
    optimal_tokens: Value = record_field("count", "compute-optimal D for this loss (T = 0)")
    optimal_train_flops: Value = record_field("flops", "training compute of the compute-optimal run")
    optimal_total_flops: Value = record_field("flops", "its training plus inference compute at the same T")
    params_ratio: Value = record_field("ratio", "params / optimal_params")
    tokens_ratio: Value = record_field("ratio", "tokens / optimal_tokens")
    total_flops_ratio: Value = record_field("ratio", "total_flops / optimal_total_flops")


@dataclass(frozen=True)
class InferenceCost:
    """An InferencePlan priced on separate training and inference hardware."""

    train_dollars: Value = record_field("dollars", "training cost")
    inference_dollars: Value = record_field("dollars", "lifetime inference cost")
    total_dollars: Value = record_field("dollars", "training plus inference cost")
    optimal_total_dollars: Value = record_field("dollars", "the same for the compute-optimal (T = 0) run")
    total_dollars_ratio: Value = record_field("ratio", "total_dollars / optimal_total_dollars")


INFERENCE_FLOPS_PER_PARAM_TOKEN = 2.0


def tokens_on_iso_loss(law: ChinchillaLaw, params: np.ndarray, loss: float) -> np.ndarray:
    """D with L(N, D) = loss: B/D^β = loss − E − A/N^α (inf where N alone cannot get there)."""
    data_part = loss - law.E - law.params_term(params)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(data_part > 0, np.power(law.B / data_part, 1 / law.beta), np.inf)


@solve.quiet
def plan(preset: Preset, loss: float, inference_tokens: float, cost_ratio: float = 1.0) -> InferencePlan:
    """The run reaching `loss` with the least training plus inference compute (or cost)."""
    law = preset.law
    if not isinstance(law, ChinchillaLaw):
        raise ScalecalcError(f"--inference-tokens needs a preset with a Chinchilla-form law; {preset.name} "
                             "has none. Use chinchilla, chinchilla-exact or besiroglu.")
    loss = _one(loss, "loss")
    inference_tokens = _one(inference_tokens, "inference_tokens")
    cost_ratio = _one(cost_ratio, "cost_ratio")
    c0 = preset.flops_per_param_token
    # The T = 0 point, checked: loss above E and within what the preset answers.
    base_n, base_d, _ = solve.answer(preset, "loss", np.asarray(loss))
    base_n, base_d = float(base_n), float(base_d)
    weighted = INFERENCE_FLOPS_PER_PARAM_TOKEN * inference_tokens * cost_ratio

    # Smallest N that can reach the loss at all: A/N^α = loss − E; and no model has under one parameter.
    log_n_min = max(np.log(law.A / (loss - law.E)) / law.alpha, 0.0)

    def slope(log_n: np.ndarray) -> np.ndarray:
        # d(total)/d(ln N) divided by N, which keeps it finite for large N and T.
        n = np.exp(log_n)
        d = tokens_on_iso_loss(law, n, loss)
        data_part = law.data_term(d)
        d_log_d = -(law.alpha * law.params_term(n)) / (law.beta * data_part)  # d ln D / d ln N
        return c0 * d * (1 + d_log_d) + weighted

    log_base = np.log(base_n)
    if weighted == 0 or log_n_min >= log_base:
        params = base_n
    else:
        # Inference cost grows with N, so the optimum is a smaller model trained longer: between the
        # smallest N that can reach the loss (where D, and the slope, run to -inf) and the T = 0 point
        # (where the slope is 2·T > 0).
        lowest = np.array(log_n_min + 1e-12 * max(1.0, abs(log_n_min)))
        params = float(np.exp(optimize.bisect_increasing(slope, lowest, np.array(log_base))))
    tokens = float(tokens_on_iso_loss(law, np.array(params), loss))
    base_train = c0 * base_n * base_d
    train = c0 * params * tokens
    serving = INFERENCE_FLOPS_PER_PARAM_TOKEN * inference_tokens
    total, base_total = train + serving * params, base_train + serving * base_n
    if not (train <= LARGEST and total <= LARGEST and base_total <= LARGEST):
        raise ScalecalcError(
            f"serving {show(inference_tokens)} inference tokens takes the total compute beyond "
            f"{show(LARGEST)} FLOPs, the largest scalecalc answers; give fewer inference tokens.")
    return InferencePlan(
        preset=preset.name, loss=loss, inference_tokens=inference_tokens,
        params=params, tokens=tokens, tokens_per_param=tokens / params,
        train_flops=train, inference_flops=serving * params, total_flops=total,
        optimal_params=base_n, optimal_tokens=base_d,
        optimal_train_flops=base_train, optimal_total_flops=base_total,
        params_ratio=params / base_n, tokens_ratio=tokens / base_d,
        total_flops_ratio=total / base_total,
    )


def _one(value: float, name: str) -> float:
    number = check_numbers(value, name)
    if not isinstance(number, float):
        raise ScalecalcError(f"{name}: give one number, not an array.")
    return number


def cost_ratio(training: Hardware, serving: Hardware) -> float:
    """Dollars per inference FLOP over dollars per training FLOP: how much T weighs in dollars."""
    if training.price is None or serving.price is None:
        raise ScalecalcError("pricing inference needs a training --price and an --inference-price.")
    return (serving.price / serving.effective_flops) / (training.price / training.effective_flops)


def priced(plan_: InferencePlan, training: Hardware, serving: Hardware) -> object:
    """The plan with its training, inference and total dollars, and the compute-optimal total."""
    train = training.dollars(plan_.train_flops)
    serve = serving.dollars(plan_.inference_flops)
    base = training.dollars(plan_.optimal_train_flops) + serving.dollars(
        plan_.optimal_total_flops - plan_.optimal_train_flops)
    return extend(plan_, InferenceCost(train, serve, train + serve, base, (train + serve) / base))
