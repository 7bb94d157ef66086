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


def record_field(kind: str, help: str, optional: bool = False) -> Any:
    """A field's metadata. Numbers default to None (blank in CSV, null in JSON) where a preset
    cannot give them; an `optional` field is left out of a person's table when it is blank
    throughout (CSV and JSON keep every column)."""
    default = "" if kind == "text" else None
    return field(default=default, metadata={"kind": kind, "help": help, "optional": optional})


@dataclass(frozen=True)
class Allocation:
    """A compute-optimal run: answered by `optimal`, `tokens` and `table`."""

    preset: str = record_field("text", "preset (coefficient set) that gave the answer")
    params: Value = record_field("count", "model size N, parameters")
    tokens: Value = record_field("count", "training tokens D")
    flops: Value = record_field("flops", "training compute C = 6·N·D, FLOPs")
    gopher_units: Value = record_field("gopher", "C in units of Gopher's budget, 5.76e23 FLOPs")
    tokens_per_param: Value = record_field("ratio", "D / N")
    loss: Value = record_field("loss", "predicted loss, nats per token (blank: no loss law)")
    frontier_loss: Value = record_field("loss", "loss along the compute frontier L(C), where the preset "
                                        "has that law (Kaplan's L(C_min))", optional=True)
    batch_size: Value = record_field("count", "compute-efficient batch size B in tokens, where the preset "
                                     "has that rule (Kaplan's Table 6, 2.0e6·C_min^0.24)", optional=True)
    min_steps: Value = record_field("count", "fewest optimizer steps S_min at that batch, a lower bound, "
                                    "where the preset has that rule (Kaplan's Table 6)", optional=True)


@dataclass(frozen=True)
class PerTokenAllocation:
    """A compute-optimal run of a preset that sizes models by FLOPs per token M, not by N (DeepSeek
    LLM): `optimal` and `table`. M is not a parameter count, so no field here is called params."""

    preset: str = record_field("text", "preset (coefficient set) that gave the answer")
    m_flops_per_token: Value = record_field(
        "flops", "model scale M: non-embedding training FLOPs per token, attention included (DeepSeek LLM "
        "Eq. 2, M = 72·n_layer·d² + 12·n_layer·d·l_seq); not parameters: N1 = M / (6 + l_seq/d)")
    tokens: Value = record_field("count", "training tokens D")
    flops: Value = record_field("flops", "training compute C = M·D, FLOPs")
    gopher_units: Value = record_field("gopher", "C in units of Gopher's budget, 5.76e23 FLOPs")
    tokens_per_m: Value = record_field("ratio", "D / M, tokens per FLOP-per-token (DeepSeek's data-to-scale "
                                       "ratio; not D / N)")


@dataclass(frozen=True)
class SingleLoss:
    """A loss from a one-variable law, L(N) or L(D): `loss` with only --params or --tokens."""

    preset: str = record_field("text", "preset (coefficient set) that gave the answer")
    params: Value = record_field("count", "model size N, parameters (blank: not a variable of the law)",
                                 optional=True)
    tokens: Value = record_field("count", "training tokens D (blank: not a variable of the law)",
                                 optional=True)
    steps: Value = record_field("count", "optimizer steps S_min at the critical batch (blank: not a "
                                "variable of the law)", optional=True)
    flops: Value = record_field("flops", "training compute C, FLOPs (blank: not a variable of the law)",
                                optional=True)
    core_days: Value = record_field("ratio", "compute in TPUv3 core-days (blank: not a variable of the law)",
                                    optional=True)
    loss: Value = record_field("loss", "predicted loss, nats per token (an error rate from 0 to 1 for a "
                               "law of core-days)")
    law: str = record_field("text", "the one-variable law that gave the loss, and its source")


@dataclass(frozen=True)
class RunReport:
    """A given run (N, D) held against the compute-optimal run of the same budget: `loss`."""

    preset: str = record_field("text", "preset (coefficient set) that gave the answer")
    params: Value = record_field("count", "model size N, parameters")
    tokens: Value = record_field("count", "training tokens D")
    flops: Value = record_field("flops", "training compute C = 6·N·D, FLOPs")
    tokens_per_param: Value = record_field("ratio", "D / N of this run")
    loss: Value = record_field("loss", "predicted loss of this run, nats per token")
    loss_irreducible: Value = record_field("loss", "E, the loss no run can go below")
    loss_params_term: Value = record_field("loss", "A / N^alpha, the part more parameters remove")
    loss_data_term: Value = record_field("loss", "B / D^beta, the part more data removes")
    optimal_params: Value = record_field("count", "compute-optimal N at the same C")
    optimal_tokens: Value = record_field("count", "compute-optimal D at the same C")
    optimal_tokens_per_param: Value = record_field("ratio", "compute-optimal D / N at the same C")
    optimal_loss: Value = record_field("loss", "predicted loss of the compute-optimal run at the same C")
    loss_gap: Value = record_field("loss", "loss - optimal_loss: what this split of C gives away")
    tokens_for_params: Value = record_field("count", "compute-optimal D for this N (at its own budget)")
    tokens_multiple: Value = record_field("ratio", "tokens / tokens_for_params: the over-training factor")
    equal_loss_flops: Value = record_field("flops", "compute of the compute-optimal run with this run's "
                                           "predicted loss (blank: no loss law, or no such run in range)")
    compute_multiplier: Value = record_field("ratio", "flops / equal_loss_flops: the compute this run "
                                             "spends per FLOP a compute-optimal run needs for its loss "
                                             "(below 1 only where the allocation is a rule, as kaplan's)")


@dataclass(frozen=True)
class PresetInfo:
    """One line of `scalecalc presets`."""

    name: str = record_field("text", "name to pass to --preset")
    domain: str = record_field("text", "what it models: language, image, video, math, multimodal, ...")
    answers: str = record_field("text", "the questions it answers (docs/laws.md): optimal, loss, L(N), ...")
    law: str = record_field("text", "loss law form, or 'none' for an allocation rule only")
    allocation: str = record_field("text", "how N_opt(C) is found: closed form, power-law rule or numeric")
    source: str = record_field("text", "paper, arXiv id and where in it")
    summary: str = record_field("text", "one-line description")


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

