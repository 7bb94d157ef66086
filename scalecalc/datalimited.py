"""Planning with a limited corpus: U unique tokens, repeated for as many epochs as D needs
(Muennighoff et al. 2023; docs/references.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from scalecalc import solve
from scalecalc.errors import ScalecalcError
from scalecalc.laws import DataConstrainedLaw
from scalecalc.presets import Preset
from scalecalc.quantities import check_numbers, format_count
from scalecalc.records import Value, record_field


@dataclass(frozen=True)
class RepeatedDataRun:
    """A run on a corpus of limited unique tokens (Muennighoff et al. 2023): `loss` and `optimal`."""

    preset: str = record_field("text", "preset (coefficient set) that gave the answer")
    params: Value = record_field("count", "model size N, parameters")
    tokens: Value = record_field("count", "training tokens D, repeats included")
    flops: Value = record_field("flops", "training compute C = 6·N·D, FLOPs")
    unique_tokens: Value = record_field("count", "unique tokens U in the corpus")
    epochs: Value = record_field("ratio", "D / U: passes over the unique data")
    effective_tokens: Value = record_field("count", "D': what the tokens are worth as fresh data")
    effective_params: Value = record_field("count", "N': what the parameters are worth")
    loss: Value = record_field("loss", "predicted loss with the data repeated, nats per token")
    fresh_loss: Value = record_field("loss", "predicted loss of the same N and D with unlimited unique data")
    loss_penalty: Value = record_field("loss", "loss - fresh_loss: the cost of repeating")
    unlimited_params: Value = record_field("count", "compute-optimal N at the same C with unlimited data")
    unlimited_tokens: Value = record_field("count", "compute-optimal D at the same C with unlimited data")
    unlimited_loss: Value = record_field("loss", "its predicted loss")


def constrained(preset: Preset, unique_tokens: float) -> Preset:
    """The preset's law for a corpus of U unique tokens, solved numerically."""
    if not isinstance(preset.law, DataConstrainedLaw):
        raise ScalecalcError(f"--unique-tokens needs a data-constrained preset with R_D* and R_N*; "
                             f"{preset.name} has none. Add --preset muennighoff.")
    unique = check_numbers(unique_tokens, "unique_tokens")
    if not isinstance(unique, float):
        raise ScalecalcError("unique_tokens: give one number, the size of the corpus, not an array.")
    law = preset.law.with_unique_tokens(unique, preset.flops_per_param_token)
    return replace(preset, law=law, allocation=None, allocation_kind="numeric")


@solve.quiet
def assess(preset: Preset, params: float, tokens: float, unique_tokens: float) -> RepeatedDataRun:
    """A given run (N, D) on U unique tokens."""
    limited = constrained(preset, unique_tokens)
    params, tokens, _ = solve.run_budget(preset, params, tokens)
    return _report(preset, limited, params, tokens)


@solve.quiet
def optimal(preset: Preset, unique_tokens: float, **question: float) -> RepeatedDataRun:
    """The best allocation with U unique tokens: more epochs against a bigger model."""
    limited = constrained(preset, unique_tokens)
    answer = solve.optimal(limited, **question)
    return _report(preset, limited, answer.params, answer.tokens)


def _report(preset: Preset, limited: Preset, params: float, tokens: float) -> RepeatedDataRun:
    law = limited.law
    flops = preset.flops_per_param_token * params * tokens
    unlimited = solve.optimal(preset, flops=flops)
    loss = solve.finite(law.loss(params, tokens), "the predicted loss")
    fresh = solve.finite(preset.law.loss(params, tokens), "the predicted loss with fresh data")
    return RepeatedDataRun(
        preset=preset.name, params=float(params), tokens=float(tokens), flops=float(flops),
        unique_tokens=law.unique, epochs=float(tokens) / law.unique,
        effective_tokens=solve.finite(law.effective_tokens(tokens), "the effective tokens D'"),
        effective_params=solve.finite(law.effective_params(params), "the effective parameters N'"),
        loss=loss, fresh_loss=fresh, loss_penalty=loss - fresh,
        unlimited_params=unlimited.params, unlimited_tokens=unlimited.tokens, unlimited_loss=unlimited.loss,
    )


def repetition_warning(preset: Preset, run: RepeatedDataRun) -> str | None:
    """Past about R_D* repetitions each further pass over the data is worth little."""
    law = preset.law
    repeats = run.epochs - 1
    if isinstance(law, DataConstrainedLaw) and repeats >= law.R_D:
        return (f"warning: this plan repeats its {format_count(run.unique_tokens)} unique tokens "
                f"{format_count(repeats)} times; "
                f"beyond about R_D* = {law.R_D:.1f} repetitions more repetition barely helps (the "
                "effective data approaches U·(1 + R_D*)), so a bigger corpus or a bigger model pays more.")
    return None

