"""The records the core returns: one dataclass per kind of answer.

Field names are the column names of the CSV and the keys of the JSON, and part of the interface.
Each field's metadata says how a person reads it (`kind`) and what it means (`help`).
A record may hold one answer (floats) or many (equal-length arrays), as the solver was asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
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


def field_names(record_type: type) -> list[str]:
    return [item.name for item in fields(record_type)]


def field_meta(record_type: type) -> dict[str, dict[str, str]]:
    return {item.name: dict(item.metadata) for item in fields(record_type)}
