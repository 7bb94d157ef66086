"""The records the core returns: one dataclass per kind of answer.

Field names are the column names of the CSV and the keys of the JSON, and part of the interface.
Each field's metadata says how a person reads it (`kind`) and what it means (`help`).
A record may hold one answer (floats) or many (equal-length arrays), as the solver was asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, make_dataclass
from functools import cache
from typing import Any

import numpy as np

Value = float | np.ndarray | None


def _field(kind: str, help: str) -> Any:
    # Numbers default to None (blank in CSV, null in JSON) where a preset cannot give them.
    default = "" if kind == "text" else None
    return field(default=default, metadata={"kind": kind, "help": help})


@dataclass(frozen=True)
class Allocation:
    """A compute-optimal run: answered by `optimal`, `tokens` and `table`."""

    preset: str = _field("text", "preset (coefficient set) that gave the answer")
    params: Value = _field("count", "model size N, parameters")
    tokens: Value = _field("count", "training tokens D")
    flops: Value = _field("flops", "training compute C = 6·N·D, FLOPs")
    gopher_units: Value = _field("gopher", "C in units of Gopher's budget, 5.76e23 FLOPs")
    tokens_per_param: Value = _field("ratio", "D / N")
    loss: Value = _field("loss", "predicted loss, nats per token (blank: no loss law)")


@dataclass(frozen=True)
class RunReport:
    """A given run (N, D) held against the compute-optimal run of the same budget: `loss`."""

    preset: str = _field("text", "preset (coefficient set) that gave the answer")
    params: Value = _field("count", "model size N, parameters")
    tokens: Value = _field("count", "training tokens D")
    flops: Value = _field("flops", "training compute C = 6·N·D, FLOPs")
    tokens_per_param: Value = _field("ratio", "D / N of this run")
    loss: Value = _field("loss", "predicted loss of this run, nats per token")
    loss_irreducible: Value = _field("loss", "E, the loss no run can go below")
    loss_params_term: Value = _field("loss", "A / N^alpha, the part more parameters remove")
    loss_data_term: Value = _field("loss", "B / D^beta, the part more data removes")
    optimal_params: Value = _field("count", "compute-optimal N at the same C")
    optimal_tokens: Value = _field("count", "compute-optimal D at the same C")
    optimal_tokens_per_param: Value = _field("ratio", "compute-optimal D / N at the same C")
    optimal_loss: Value = _field("loss", "predicted loss of the compute-optimal run at the same C")
    loss_gap: Value = _field("loss", "loss - optimal_loss: what this split of C gives away")
    tokens_for_params: Value = _field("count", "compute-optimal D for this N (at its own budget)")
    tokens_multiple: Value = _field("ratio", "tokens / tokens_for_params")


@dataclass(frozen=True)
class AllocationInterval:
    """An Allocation with percentile intervals over a preset's uncertainty draws (--ci)."""

    preset: str = _field("text", "preset (coefficient set) that gave the answer")
    params: Value = _field("count", "model size N, parameters (central estimate)")
    params_low: Value = _field("count", "lower end of N's interval")
    params_high: Value = _field("count", "upper end of N's interval")
    tokens: Value = _field("count", "training tokens D (central estimate)")
    tokens_low: Value = _field("count", "lower end of D's interval")
    tokens_high: Value = _field("count", "upper end of D's interval")
    flops: Value = _field("flops", "training compute C = 6·N·D, FLOPs")
    flops_low: Value = _field("flops", "lower end of C's interval")
    flops_high: Value = _field("flops", "upper end of C's interval")
    tokens_per_param: Value = _field("ratio", "D / N (central estimate)")
    tokens_per_param_low: Value = _field("ratio", "lower end of D/N's interval")
    tokens_per_param_high: Value = _field("ratio", "upper end of D/N's interval")
    loss: Value = _field("loss", "predicted loss, nats per token")
    loss_low: Value = _field("loss", "lower end of the loss interval")
    loss_high: Value = _field("loss", "upper end of the loss interval")
    ci: Value = _field("ratio", "interval width in percent (central percentiles of the draws)")


@dataclass(frozen=True)
class FitValue:
    """One line of a fit report: a coefficient, a derived quantity, or a statistic of the fit."""

    name: str = _field("text", "coefficient or quantity")
    value: Value = _field("number", "best-fit value")
    ci_low: Value = _field("number", "lower end of the bootstrap percentile interval")
    ci_high: Value = _field("number", "upper end of the bootstrap percentile interval")
    meaning: str = _field("text", "what it is")


@dataclass(frozen=True)
class PresetInfo:
    """One line of `scalecalc presets`."""

    name: str = _field("text", "name to pass to --preset")
    law: str = _field("text", "loss law form, or 'none' for an allocation rule only")
    allocation: str = _field("text", "how N_opt(C) is found: closed form, power-law rule or numeric")
    source: str = _field("text", "paper, arXiv id and where in it")
    summary: str = _field("text", "one-line description")


@dataclass(frozen=True)
class InferencePlan:
    """The run that reaches a loss with the least training plus inference compute (Sardana et al.)."""

    preset: str = _field("text", "preset (coefficient set) that gave the answer")
    loss: Value = _field("loss", "target loss, nats per token")
    inference_tokens: Value = _field("count", "lifetime inference demand T, tokens")
    params: Value = _field("count", "inference-aware model size N")
    tokens: Value = _field("count", "inference-aware training tokens D")
    tokens_per_param: Value = _field("ratio", "D / N")
    train_flops: Value = _field("flops", "training compute 6·N·D")
    inference_flops: Value = _field("flops", "inference compute 2·N·T")
    total_flops: Value = _field("flops", "training plus inference compute")
    optimal_params: Value = _field("count", "compute-optimal N for this loss (T = 0)")
    optimal_tokens: Value = _field("count", "compute-optimal D for this loss (T = 0)")
    optimal_train_flops: Value = _field("flops", "training compute of the compute-optimal run")
    optimal_total_flops: Value = _field("flops", "its training plus inference compute at the same T")
    params_ratio: Value = _field("ratio", "params / optimal_params")
    tokens_ratio: Value = _field("ratio", "tokens / optimal_tokens")
    total_flops_ratio: Value = _field("ratio", "total_flops / optimal_total_flops")


@dataclass(frozen=True)
class RepeatedDataRun:
    """A run on a corpus of limited unique tokens (Muennighoff et al. 2023): `loss` and `optimal`."""

    preset: str = _field("text", "preset (coefficient set) that gave the answer")
    params: Value = _field("count", "model size N, parameters")
    tokens: Value = _field("count", "training tokens D, repeats included")
    flops: Value = _field("flops", "training compute C = 6·N·D, FLOPs")
    unique_tokens: Value = _field("count", "unique tokens U in the corpus")
    epochs: Value = _field("ratio", "D / U: passes over the unique data")
    effective_tokens: Value = _field("count", "D': what the tokens are worth as fresh data")
    effective_params: Value = _field("count", "N': what the parameters are worth")
    loss: Value = _field("loss", "predicted loss with the data repeated, nats per token")
    fresh_loss: Value = _field("loss", "predicted loss of the same N and D with unlimited unique data")
    loss_penalty: Value = _field("loss", "loss - fresh_loss: the cost of repeating")
    unlimited_params: Value = _field("count", "compute-optimal N at the same C with unlimited data")
    unlimited_tokens: Value = _field("count", "compute-optimal D at the same C with unlimited data")
    unlimited_loss: Value = _field("loss", "its predicted loss")


@dataclass(frozen=True)
class InferenceCost:
    """An InferencePlan priced on separate training and inference hardware."""

    train_dollars: Value = _field("dollars", "training cost")
    inference_dollars: Value = _field("dollars", "lifetime inference cost")
    total_dollars: Value = _field("dollars", "training plus inference cost")
    optimal_total_dollars: Value = _field("dollars", "the same for the compute-optimal (T = 0) run")
    total_dollars_ratio: Value = _field("ratio", "total_dollars / optimal_total_dollars")


@dataclass(frozen=True)
class AcceleratorInfo:
    """One line of `scalecalc hardware`."""

    name: str = _field("text", "name to pass to --gpu")
    accelerator: str = _field("text", "what it is")
    peak_flops: Value = _field("flops", "peak dense 16-bit FLOP/s")
    source: str = _field("text", "where the figure comes from")


@dataclass(frozen=True)
class CheckResult:
    """One limit of one planned run: `scalecalc check`."""

    run: str = _field("text", "planned run")
    check: str = _field("text", "limit checked")
    limit: Value = _field("number", "the limit")
    planned: Value = _field("number", "the plan's value")
    verdict: str = _field("text", "PASS or FAIL")


@dataclass(frozen=True)
class HardwareFields:
    """Time and money for a record's compute, added when --gpu is given."""

    accelerator: str = _field("text", "accelerator (--gpu)")
    accelerators: Value = _field("number", "accelerators running at once (--gpus)")
    mfu: Value = _field("ratio", "model FLOPs utilization assumed (--mfu, default 0.40)")
    gpu_hours: Value = _field("count", "accelerator-hours: C / (peak FLOP/s · MFU) / 3600")
    days: Value = _field("number", "wall-clock days on --gpus accelerators")
    dollars: Value = _field("dollars", "cost at --price dollars per accelerator-hour")


@cache
def with_fields(base: type, extra: type) -> type:
    """A record type with base's fields followed by extra's: CSV and JSON gain the columns."""
    spec = [(item.name, item.type, field(default=item.default, metadata=item.metadata))
            for item in (*fields(base), *fields(extra))]
    return make_dataclass(f"{base.__name__}With{extra.__name__}", spec, frozen=True)


def extend(record: Any, extra: Any) -> Any:
    """record and extra (both dataclasses) merged into one record of the combined type."""
    combined = with_fields(type(record), type(extra))
    values = {item.name: getattr(record, item.name) for item in fields(record)}
    values.update({item.name: getattr(extra, item.name) for item in fields(extra)})
    return combined(**values)


def field_names(record_type: type) -> list[str]:
    return [item.name for item in fields(record_type)]

