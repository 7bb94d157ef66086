"""Inference-aware sizing (Sardana et al. 2023, arXiv 2401.00448; docs/references.md).

For a target loss ℓ and a lifetime inference demand of T tokens, choose N and D to minimize
6·N·D + 2·N·T subject to L(N, D) = ℓ. Along the iso-loss curve D is a function of N, and the
optimum is where d(total)/d(ln N) = 6·N·D·(1 + d ln D/d ln N) + 2·N·T crosses zero; it is found
by the bisection in optimize.py. With T = 0 it is the least-compute point of docs/references.md.
The same problem in dollars is this one with T scaled by the price ratio of inference to training
FLOPs, which is how `cost_ratio` enters.

Sardana et al.'s cost model splits inference into prefill (a request's input tokens) and decode
(its output tokens), each 2·N FLOPs per token but at its own MFU (their cost_calculator.py defaults,
laws.md §13: training 0.5, prefill 0.5, decode 0.01; requests of 70 input and 215 output tokens,
the LMSys averages). Their objective, cost_tr·6·N·D/U_tr + cost_inf·2·N·(T_in/U_in + T_out/U_out),
is this module's with cost_ratio = (T_in·c_in + T_out·c_out) / ((T_in + T_out)·c_tr), where c is the
price of one FLOP actually delivered in each phase: `served` does that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalecalc import optimize, solve
from scalecalc.errors import ScalecalcError
from scalecalc.hardware import Hardware, Serving
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


@dataclass(frozen=True)
class ServedCost:
    """An InferencePlan costed with prefill and decode apart (Sardana et al.'s cost model)."""

    input_tokens: Value = record_field("count", "lifetime input (prefill) tokens")
    output_tokens: Value = record_field("count", "lifetime output (decode) tokens")
    prefill_mfu: Value = record_field("ratio", "MFU of prefill (--prefill-mfu, default 0.5)")
    decode_mfu: Value = record_field("ratio", "MFU of decode (--decode-mfu, default 0.01)")
    train_gpu_hours: Value = record_field("count", "accelerator-hours of training")
    prefill_gpu_hours: Value = record_field("count", "accelerator-hours of prefill, 2·N·input_tokens")
    decode_gpu_hours: Value = record_field("count", "accelerator-hours of decode, 2·N·output_tokens")
    train_dollars: Value = record_field("dollars", "training cost")
    prefill_dollars: Value = record_field("dollars", "lifetime prefill cost")
    decode_dollars: Value = record_field("dollars", "lifetime decode cost")
    total_dollars: Value = record_field("dollars", "training plus inference cost")
    optimal_total_dollars: Value = record_field("dollars", "the same for the compute-optimal (T = 0) run")
    total_dollars_ratio: Value = record_field("ratio", "total_dollars / optimal_total_dollars")


INFERENCE_FLOPS_PER_PARAM_TOKEN = 2.0
# Sardana et al.'s request shape: the LMSys averages in their cost_calculator.py (laws.md §13).
DEFAULT_INPUT_TOKENS = 70.0
DEFAULT_OUTPUT_TOKENS = 215.0
MAX_REQUEST_TOKENS = 1e9  # tokens in one request: far beyond any context window


@dataclass(frozen=True)
class RequestShape:
    """Tokens of an average inference request: input (prefill) and output (decode)."""

    input_tokens: float = DEFAULT_INPUT_TOKENS
    output_tokens: float = DEFAULT_OUTPUT_TOKENS

    def split(self, tokens: float) -> tuple[float, float]:
        """A lifetime demand of `tokens` as (input, output) tokens in this shape's proportion."""
        share = self.input_tokens / (self.input_tokens + self.output_tokens)
        return tokens * share, tokens * (1.0 - share)

    def lifetime(self, requests: float) -> tuple[float, float]:
        """(input, output) tokens of `requests` requests."""
        return requests * self.input_tokens, requests * self.output_tokens


def request_shape(input_tokens: str | float | None = None,
                  output_tokens: str | float | None = None) -> RequestShape:
    """The request shape from --input-tokens and --output-tokens (Sardana et al.'s 70 and 215 when
    not given). Either may be 0 (a request that only scores, or only generates), not both."""
    from scalecalc.quantities import parse_quantity

    values = []
    for text, default, name in ((input_tokens, DEFAULT_INPUT_TOKENS, "--input-tokens"),
                                (output_tokens, DEFAULT_OUTPUT_TOKENS, "--output-tokens")):
        value = default if text is None else parse_quantity(text, name, allow_zero=True)
        if value > MAX_REQUEST_TOKENS:
            raise ScalecalcError(f"{name}: {text} is above the bound of {MAX_REQUEST_TOKENS:g} tokens per "
                                 "request; give the average tokens of one request, such as 500.")
        values.append(value)
    if values[0] + values[1] == 0:
        raise ScalecalcError("--input-tokens and --output-tokens are both 0; a request has tokens.")
    return RequestShape(*values)


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


def served_weight(training: Hardware, serving: Serving, input_tokens: float, output_tokens: float) -> float:
    """Cost of an average inference FLOP over that of a training FLOP, prefill and decode weighed by
    their tokens: in dollars when both set-ups have a price, else in accelerator-hours."""
    by_price = training.price is not None and serving.price is not None
    if not by_price and (training.price is not None or serving.price is not None):
        raise ScalecalcError("pricing inference needs a price for both training (--price) and serving "
                             "(--inference-price), or neither (to weigh accelerator-hours).")
    tokens = input_tokens + output_tokens
    if tokens == 0:
        return 1.0  # no inference: the weight multiplies nothing

    def per_flop(setup: Hardware) -> float:  # dollars (or hours) per delivered FLOP, up to a constant
        return (setup.price if by_price else 1.0) / setup.effective_flops

    train = per_flop(training)
    return (input_tokens * per_flop(serving.prefill) + output_tokens * per_flop(serving.decode)) \
        / (tokens * train)


def served(preset: Preset, loss: float, training: Hardware, serving: Serving, input_tokens: float,
           output_tokens: float) -> object:
    """The run reaching `loss` with the least training plus inference cost, prefill and decode
    costed apart (Sardana et al.'s cost model), with its hours and dollars beside the T = 0 run's."""
    for name, value in (("input tokens", input_tokens), ("output tokens", output_tokens)):
        if not value >= 0:
            raise ScalecalcError(f"lifetime {name}: give a token count of 0 or more.")
    weight = served_weight(training, serving, input_tokens, output_tokens)
    plan_ = plan(preset, loss, input_tokens + output_tokens, weight)
    return extend(plan_, served_costs(plan_, training, serving, input_tokens, output_tokens))


def served_costs(plan_: InferencePlan, training: Hardware, serving: Serving, input_tokens: float,
                 output_tokens: float) -> ServedCost:
    """Hours and dollars of a plan's training, prefill and decode, and the compute-optimal total."""
    per_token = INFERENCE_FLOPS_PER_PARAM_TOKEN

    def phases(params: float, train_flops: float) -> tuple[float, float, float]:
        hours = (training.costs(train_flops)[0], serving.prefill.costs(per_token * params * input_tokens)[0],
                 serving.decode.costs(per_token * params * output_tokens)[0])
        return tuple(float(value) for value in hours)

    hours = phases(plan_.params, plan_.train_flops)
    priced = training.price is not None and serving.price is not None
    dollars = (hours[0] * training.price, hours[1] * serving.price, hours[2] * serving.price) if priced \
        else (None, None, None)
    total = sum(dollars) if priced else None
    if priced:
        base = phases(plan_.optimal_params, plan_.optimal_train_flops)
        base_total = base[0] * training.price + (base[1] + base[2]) * serving.price
    return ServedCost(
        input_tokens=input_tokens, output_tokens=output_tokens, prefill_mfu=serving.prefill_mfu,
        decode_mfu=serving.decode_mfu, train_gpu_hours=hours[0], prefill_gpu_hours=hours[1],
        decode_gpu_hours=hours[2], train_dollars=dollars[0], prefill_dollars=dollars[1],
        decode_dollars=dollars[2], total_dollars=total,
        optimal_total_dollars=base_total if priced else None,
        total_dollars_ratio=total / base_total if priced else None)
