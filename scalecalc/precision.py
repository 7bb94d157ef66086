"""Runs at a training precision under a precision-aware law (Kumar et al. 2024), as records.

The law lives in laws/precision.py; here a preset is set to a run's bits (its cost model becomes
C = (6/16)·N·D·P), and the answers of `loss` and `optimal` gain the precision's columns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from scalecalc import solve
from scalecalc.errors import ScalecalcError
from scalecalc.laws.precision import FULL_BITS, PARTS, PrecisionLaw
from scalecalc.presets import Preset
from scalecalc.records import Value, extend, record_field

LOWEST_BITS, HIGHEST_BITS = 1.0, 32.0  # what a user may ask for; the law may refuse more (f_x ≤ 0)
FITTED_BITS = (3.0, 12.0)  # §2.3: integer precisions 3 to 12, and BF16


@dataclass(frozen=True)
class Precision:
    """The precision of a run: the columns `optimal` gains under a precision law."""

    weight_bits: Value = record_field("ratio", "training precision of the weights, bits")
    activation_bits: Value = record_field("ratio", "training precision of the activations, bits")
    kv_bits: Value = record_field("ratio", "training precision of the KV cache (attention), bits")
    post_bits: Value = record_field("ratio", "precision after post-training quantization, bits (blank: "
                                    "none)", optional=True)
    compute_bits: Value = record_field("ratio", "P of the cost model: flops here are (6/16)·N·D·P, with P "
                                       "the widest of the three training precisions")
    effective_params: Value = record_field("count", "N_eff = N·Π f_x, the parameters the run is worth")
    effective_fraction: Value = record_field("ratio", "N_eff / N")


@dataclass(frozen=True)
class PrecisionCosts(Precision):
    """What each precision costs in loss: the columns `loss` gains under a precision law."""

    loss_at_16_bits: Value = record_field("loss", "predicted loss of the same N and D trained in BF16, "
                                          "not quantized")
    loss_from_weight_bits: Value = record_field("loss", "loss with the weights at their bits (the rest at "
                                                "16) minus loss_at_16_bits")
    loss_from_activation_bits: Value = record_field("loss", "the same for the activations")
    loss_from_kv_bits: Value = record_field("loss", "the same for the KV cache")
    loss_from_training_bits: Value = record_field("loss", "loss of the run before any post-training "
                                                  "quantization minus loss_at_16_bits (the parts together)")
    loss_ptq: Value = record_field("loss", "delta_PTQ, the loss post-training quantization adds (0: none)")


def law_of(preset: Preset, option: str) -> PrecisionLaw:
    """The preset's precision law, or one sentence naming the presets that have one."""
    if not isinstance(preset.law, PrecisionLaw):
        raise ScalecalcError(f"{option} needs a precision-aware law, and preset {preset.name} has none; "
                             "use --preset kumar-precision.")
    return preset.law


def at_bits(preset: Preset, weight: float, activation: float, kv: float, post: float | None = None,
            option: str = "--weight-bits") -> Preset:
    """The preset for a run trained at these bits (and quantized to `post`): its law and its cost
    per parameter-token, (6/16)·P, and the allocation that follows."""
    law = law_of(preset, option).at_bits(weight, activation, kv, post)
    c0 = law.flops_per_param_token
    allocation = law.closed_form_allocation(c0)
    return replace(preset, law=law, flops_per_param_token=c0, allocation=allocation,
                   allocation_kind="numeric" if allocation is None else "closed form",
                   draws=None, covariance=None)


def _precision(law: PrecisionLaw, params: Any) -> dict[str, Any]:
    fraction = float(law.effective_fraction())
    return {"weight_bits": law.weight_bits, "activation_bits": law.activation_bits, "kv_bits": law.kv_bits,
            "post_bits": law.post_bits, "compute_bits": law.compute_bits,
            "effective_params": solve.finite(np.multiply(params, fraction), "N_eff"),
            "effective_fraction": fraction}


def assess(preset: Preset, params: float, tokens: float) -> Any:
    """`loss` at a precision: the run's report, its N_eff, and what each precision costs in loss."""
    report = solve.assess_run(preset, params, tokens)
    law: PrecisionLaw = preset.law  # type: ignore[assignment]  # set by at_bits
    full = law.at_bits(FULL_BITS, FULL_BITS, FULL_BITS)
    base = float(full.loss(params, tokens))
    alone = {part: float(_only(law, part).loss(params, tokens)) - base for part in PARTS}
    trained = float(replace(law, post_bits=None).loss(params, tokens))
    costs = PrecisionCosts(
        **_precision(law, params), loss_at_16_bits=base,
        **{f"loss_from_{part}_bits": value for part, value in alone.items()},
        loss_from_training_bits=trained - base, loss_ptq=float(law.ptq(params, tokens)))
    return extend(report, costs)


def _only(law: PrecisionLaw, part: str) -> PrecisionLaw:
    """The law with `part` at the run's bits, the other parts at 16, and no quantization."""
    bits = {other: FULL_BITS for other in PARTS} | {part: getattr(law, f"{part}_bits")}
    return law.at_bits(bits["weight"], bits["activation"], bits["kv"])


def optimal(preset: Preset, **question: Any) -> Any:
    """`optimal` at a precision: the compute-optimal N and D under C = (6/16)·N·D·P."""
    record = solve.optimal(preset, **question)
    return extend(record, Precision(**_precision(preset.law, record.params)))  # type: ignore[arg-type]


def searched(preset: Preset) -> Preset:
    """The preset at the compute-optimal tied precision P* (`optimal --precision-search`): by Finding 3
    of §4.3 the same for every budget, so one P* serves a whole table."""
    bits = law_of(preset, "--precision-search").optimal_tied_bits(LOWEST_BITS, HIGHEST_BITS)
    return at_bits(preset, bits, bits, bits, option="--precision-search")


def at_search_bound(preset: Preset) -> bool:
    """Whether a searched P* sits at an end of the search (32 bits, or the grid's first step above the
    fewest bits the fit allows): then it is no optimum, only the search's edge."""
    law: PrecisionLaw = preset.law  # type: ignore[assignment]
    lowest = max(LOWEST_BITS, *(law.lowest_bits(part) for part in PARTS))
    return law.weight_bits >= HIGHEST_BITS - 1e-6 or law.weight_bits <= lowest + 2e-3


def bits_outside(preset: Preset) -> str | None:
    """What a run's precisions leave of the fitted 3–12 bits (and 16), as a phrase for one_warning."""
    law: PrecisionLaw = preset.law  # type: ignore[assignment]
    used = [law.weight_bits, law.activation_bits, law.kv_bits]
    if law.post_bits is not None:
        used.append(law.post_bits)
    low, high = FITTED_BITS
    outside = sorted({bits for bits in used if not (low <= bits <= high or bits == FULL_BITS)})
    if not outside:
        return None
    return (f"precisions of {low:g} to {high:g} bits or {FULL_BITS:g} (this answer uses "
            f"{', '.join(f'{bits:g}' for bits in outside)})")
