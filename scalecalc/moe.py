"""Mixture-of-experts planning: the compute-optimal run and the loss of a run under the MoE laws
(Krajewski et al. 2024, Ludziejewski et al. 2025, Clark et al. 2022; docs/moe.md).

Every answer is in active parameters N_act, the parameters a token passes through, so that N
means what it means everywhere else in scalecalc; each law is handed the count it was fitted on.
Compute is C = 6·N_act·D except under Krajewski's law, whose FLOPs are its Eq. 10 (router included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from scalecalc import optimize
from scalecalc.errors import ScalecalcError
from scalecalc.fitwarn import merged
from scalecalc.laws.chinchilla import ChinchillaLaw
from scalecalc.presets import Preset
from scalecalc.quantities import LARGEST, check_numbers, format_count, show
from scalecalc.records import Value, record_field
from scalecalc.solve import finite

# The choices searched when the user does not fix them: powers of 2, as the papers' tables use.
GRANULARITIES = (1, 2, 4, 8, 16, 32, 64)  # Krajewski et al. Table 2 reports G from 8 to 64
EXPERT_COUNTS = (1, 2, 4, 8, 16, 32)  # Ludziejewski et al.'s fitted range (App. E: E up to 32)
MAX_EXPERTS = 4096
MAX_GRANULARITY = 1024
FIT_EXPERTS_HIGH = {"joint-moe": 32, "routed-moe": 512}  # the largest E each law was fitted on


@dataclass(frozen=True)
class MoeAnswer:
    """A run under a mixture-of-experts law: `optimal` and `loss` with an MoE preset."""

    preset: str = record_field("text", "preset (coefficient set) that gave the answer")
    experts: int | None = record_field("number", "expert count E (Krajewski: the expansion rate, 64)")
    granularity: int | None = record_field("number", "granularity G: experts G times smaller, G of them per "
                                      "token (Krajewski's law only)", optional=True)
    params: Value = record_field("count", "active parameters N_act, the N of C = 6·N·D")
    total_params: Value = record_field("count", "total non-embedding parameters N the law takes "
                                       "(Krajewski: (8E + 4)/12 · N_act)", optional=True)
    effective_params: Value = record_field("count", "dense size with the same loss, N-bar (Clark et al.'s "
                                           "L(N-bar, 1) = L(N, E))", optional=True)
    tokens: Value = record_field("count", "training tokens D (blank: not a variable of the law)",
                                 optional=True)
    flops: Value = record_field("flops", "training compute C, FLOPs: 6·N_act·D, or Krajewski's Eq. 10",
                                optional=True)
    tokens_per_param: Value = record_field("ratio", "D / N_act", optional=True)
    loss: Value = record_field("loss", "predicted loss, nats per token")
    dense_loss: Value = record_field("loss", "the dense law's loss at the same budget (optimal) or the "
                                     "same N_act and D (loss): Krajewski's Table 1 dense row", optional=True)
    law: str = record_field("text", "the law and table that gave the answer")


def main_law(preset: Preset) -> Any:
    """The preset's MoE law (the first that takes experts or granularity), or a clear refusal."""
    counts = [item.experts for item in preset.extra.values() if item.form == "experts-fit"]
    repeated = sorted({count for count in counts if counts.count(count) > 1})
    if repeated:  # _joint_split would take the first fit for that E and drop the other unseen
        raise ScalecalcError(f"preset {preset.name} has more than one per-E fit (experts-fit) for E = "
                             f"{repeated[0]:g}; keep one table for each expert count.")
    for law in preset.extra.values():
        if getattr(law, "variable", None) is not None:
            return law
    raise ScalecalcError(f"preset {preset.name} is not a mixture-of-experts law, so it does not take "
                         "--experts or --granularity; use krajewski-moe, ludziejewski-moe or clark-sbase.")


def _check_choice(preset: Preset, law: Any, experts: int | None, granularity: int | None) -> None:
    if law.variable == "granularity" and experts is not None:
        raise ScalecalcError(f"preset {preset.name} was fitted at {law.expansion:g} experts (its expansion "
                             "rate) and varies granularity: give --granularity, not --experts.")
    if law.variable == "experts" and granularity is not None:
        raise ScalecalcError(f"preset {preset.name} has no granularity: give --experts, not --granularity "
                             "(--granularity goes with krajewski-moe).")


def optimal(preset: Preset, *, flops: float | None = None, params: float | None = None,
            experts: int | None = None, granularity: int | None = None) -> MoeAnswer:
    """The compute-optimal run for a budget, or for a model size (N_act), under an MoE law."""
    law = main_law(preset)
    _check_choice(preset, law, experts, granularity)
    if (flops is None) == (params is None):
        raise ScalecalcError("give exactly one of a budget (--flops) or a model size (--params).")
    if flops is not None:
        flops = float(check_numbers(flops, "flops"))
    if params is not None:
        params = float(check_numbers(params, "params"))
    with np.errstate(all="ignore"):
        if law.form == "fine-grained-moe":
            return _fine_grained_optimal(preset, law, flops, params, granularity)
        if law.form == "joint-moe":
            return _joint_optimal(preset, law, flops, params, experts)
    raise ScalecalcError(f"preset {preset.name}'s law L(N, E) has no token count, so it has no "
                         "compute-optimal run; ask scalecalc loss --params N --experts E.")


def assess(preset: Preset, params: float | None, tokens: float | None, *, experts: int | None = None,
           granularity: int | None = None, shape: tuple[int, int] | None = None) -> MoeAnswer:
    """The predicted loss of a run (N_act, D) at E experts or granularity G; under Krajewski's law
    the model may be given by its shape (d_model, n_blocks) in place of N_act."""
    law = main_law(preset)
    _check_choice(preset, law, experts, granularity)
    if shape is not None:
        if law.form != "fine-grained-moe":
            raise ScalecalcError(f"--d-model and --n-blocks go with krajewski-moe (Eq. 10), not with preset "
                                 f"{preset.name}; give --params instead.")
        return _shaped(preset, law, shape, tokens, _required(granularity, "--granularity", preset))
    params = float(check_numbers(params, "params"))
    with np.errstate(all="ignore"):
        if law.form == "routed-moe":
            if tokens is not None:
                raise ScalecalcError(f"preset {preset.name}'s law has no token count (it was fitted at "
                                     "about 130B tokens); leave out --tokens.")
            e = _required(experts, "--experts", preset)
            return MoeAnswer(preset=preset.name, experts=e, params=params,
                             effective_params=finite(law.effective_params(params, e), "N-bar"),
                             loss=finite(law.loss(params, e), "the predicted loss"),
                             law="Clark et al. 2022 S-BASE L(N, E), secondary coefficients")
        tokens = _tokens(preset, tokens)
        if law.form == "fine-grained-moe":
            g = _required(granularity, "--granularity", preset)
            flops = float(law.flops_per_token(params, g)) * tokens
            dense = _dense(preset)
            return _fine_grained_record(preset, law, params, tokens, g, flops,
                                        None if dense is None else dense.loss(params, tokens))
        e = _required(experts, "--experts", preset)
        return _record(preset, e, None, params, tokens, 6.0 * params * tokens, law.loss(params, tokens, e),
                       f"Ludziejewski et al. 2025 Eq. 6 (Table 3) at E = {e}")


def _shaped(preset: Preset, law: Any, shape: tuple[int, int], tokens: float | None, granularity: int
            ) -> MoeAnswer:
    """Krajewski's law for a model given by d_model and n_blocks: Eq. 10's counts and FLOPs."""
    tokens = _tokens(preset, tokens)
    active, total, per_token = law.shape_counts(*shape, granularity)
    dense = _dense(preset)
    with np.errstate(all="ignore"):
        return _fine_grained_record(preset, law, active, tokens, granularity, per_token * tokens,
                                    None if dense is None else dense.loss(active, tokens), total=total,
                                    note=f"; shape d_model {shape[0]}, {shape[1]} blocks")


def warnings(preset: Preset, answer: MoeAnswer) -> tuple[Preset, list[str]]:
    """(the preset to hand emit, the lines for stderr) where an answer leaves what the law was fitted
    on: Krajewski's total N and G and the expert counts, in one line with [fitted_range]'s."""
    law = main_law(preset)
    found: list[str] = []
    if law.form == "fine-grained-moe":
        total = answer.total_params
        if law.total_high and total is not None and not law.total_low <= total <= law.total_high:
            found.append(f"{format_count(law.total_low)} to {format_count(law.total_high)} total "
                         f"parameters (this answer has {format_count(total)})")
        grain = answer.granularity
        if law.granularity_high and grain is not None and grain > law.granularity_high:
            found.append(f"granularity up to {law.granularity_high:g} (this answer has {grain:g})")
    high = FIT_EXPERTS_HIGH.get(law.form)
    if high is not None and answer.experts is not None and answer.experts > high:
        found.append(f"up to {high} experts (this answer has {answer.experts:g})")
    return merged(preset, found, params=answer.params, tokens=answer.tokens, flops=answer.flops)


def _tokens(preset: Preset, tokens: float | None) -> float:
    if tokens is None:
        raise ScalecalcError(f"preset {preset.name} needs a token count: give --tokens, such as 100B.")
    return float(check_numbers(tokens, "tokens"))


def _required(value: int | None, option: str, preset: Preset) -> int:
    if value is None:
        raise ScalecalcError(f"preset {preset.name} needs {option} for this question (the best one is "
                             "chosen only for a budget: --flops, --days or --dollars): give it, such as "
                             f"{option} 8.")
    return value


def _record(preset: Preset, experts: float, granularity: float | None, params: float, tokens: float,
            flops: float, loss: Any, label: str, **extra: Any) -> MoeAnswer:
    if not (flops <= LARGEST and np.isfinite(tokens)):  # NaN and inf fail too
        raise ScalecalcError(f"this run needs more than {show(LARGEST)} FLOPs, the largest budget scalecalc "
                             f"answers, under {preset.name}; give a smaller --params or --tokens.")
    if not (params >= 1 and tokens >= 1):
        raise ScalecalcError(f"this run (N_act = {show(params)}, D = {show(tokens)}) is outside what "
                             f"{preset.name} answers: keep N_act and D at least 1; give a larger budget.")
    # Counts stay integers, so that CSV and JSON write 32, not 32.0.
    return MoeAnswer(preset=preset.name, experts=int(experts),
                     granularity=None if granularity is None else int(granularity),
                     params=finite(params, "N_act"), tokens=finite(tokens, "D"), flops=finite(flops, "C"),
                     tokens_per_param=finite(tokens / params, "D/N"),
                     loss=finite(loss, "the predicted loss"), law=label, **extra)


# Ludziejewski et al. 2025: a closed form at each E.

def _joint_split(preset: Preset, law: Any, experts: int, flops: float | None, params: float | None
                 ) -> tuple[float, float, str]:
    """(N_act, D) for a budget or a size at E: Table 4's fit for that E through Eq. 7, else Eq. 6."""
    fit = next((item for item in preset.extra.values()
                if item.form == "experts-fit" and item.experts == experts), None)
    allocation = (fit.allocation_law() if fit is not None else law.at(experts)).closed_form_allocation(6.0)
    if flops is None:
        flops = float(allocation.flops_for_params(params))
    else:
        params = float(allocation.params(flops))
    where = f"Table 4 fit for E = {experts}, Eq. 7" if fit is not None else f"Eq. 6 at E = {experts}"
    return params, flops / (6.0 * params), where


def _joint_optimal(preset: Preset, law: Any, flops: float | None, params: float | None,
                   experts: int | None) -> MoeAnswer:
    if experts is None and params is not None:
        raise ScalecalcError(f"preset {preset.name} needs --experts with --params: the best expert "
                             "count is chosen for a budget (--flops), not for a size.")
    choices = EXPERT_COUNTS if experts is None else (experts,)
    best: MoeAnswer | None = None
    for e in choices:
        n, d, where = _joint_split(preset, law, e, flops, params)
        note = "" if experts is not None else f"; best E of {choices[0]} to {choices[-1]} (memory free)"
        record = _record(preset, e, None, n, d, 6.0 * n * d, law.loss(n, d, e),
                         f"Ludziejewski et al. 2025: split {where}; loss Eq. 6{note}")
        if best is None or record.loss < best.loss:
            best = record
    assert best is not None
    return best


# Krajewski et al. 2024: no closed form (Eq. 10's router term), so a 1-D search in ln N_act at each G.

def _dense(preset: Preset) -> ChinchillaLaw | None:
    """Table 1's dense row as a Chinchilla law in (N, D), where the preset carries it."""
    dense = next((item for item in preset.extra.values() if item.form == "fine-grained-moe" and item.g == 0),
                 None)
    if dense is None:
        return None
    return ChinchillaLaw(E=dense.c, A=dense.a, B=dense.b, alpha=dense.alpha, beta=dense.beta)


def _best_params(law: Any, flops: float, granularity: float) -> float:
    """N_act minimizing L(N, C/F_token(N, G), G): a grid in ln N, then bisection on the slope.

    The loss is flat at its minimum, so comparing losses (golden section) pins ln N only to about
    1e-8, which differs between machines; the slope's sign change is sharp, so bisect on that.
    """
    def loss_at(log_n: np.ndarray) -> np.ndarray:
        n = np.exp(log_n)
        tokens = flops / law.flops_per_token(n, granularity)
        return np.where(tokens >= 1, law.loss(n, tokens, granularity), np.inf)

    grid = np.linspace(0.0, np.log(flops / law.c_f), 801)
    index = int(np.argmin(loss_at(grid)))
    lo, hi = grid[max(index - 1, 0)], grid[min(index + 1, grid.size - 1)]
    step = 1e-4  # central difference in ln N: rounding noise ~1e-16/step, far below the bracket's end

    def slope(log_n: np.ndarray) -> np.ndarray:
        return loss_at(log_n + step) - loss_at(log_n - step)

    return float(np.exp(optimize.bisect_increasing(slope, lo, hi)))


def _fine_grained_optimal(preset: Preset, law: Any, flops: float | None, params: float | None,
                          granularity: int | None) -> MoeAnswer:
    if params is not None:
        g = _required(granularity, "--granularity", preset)
        # The budget at which N_act is optimal at this G: N_opt grows with C, so bisect on ln C.
        log_c = optimize.bisect_increasing(
            lambda log_c: np.log(_best_params(law, float(np.exp(log_c)), g)) - np.log(params),
            np.log(law.c_f * params), np.log(LARGEST))
        flops = float(np.exp(log_c))
        if not math.isclose(_best_params(law, flops, g), params, rel_tol=1e-6):
            raise ScalecalcError(f"no budget up to {show(LARGEST)} FLOPs makes N_act = {show(params)} "
                                 f"compute-optimal under {preset.name} at G = {g}; give a smaller --params.")
    assert flops is not None
    if flops < 100 * law.c_f:
        raise ScalecalcError(f"a budget of {show(flops)} FLOPs is too small for {preset.name}; give at least "
                             f"{show(100 * law.c_f)} FLOPs.")
    choices = GRANULARITIES if granularity is None else (granularity,)
    dense = _dense(preset)
    dense_loss = None
    if dense is not None:
        n_dense = dense.closed_form_allocation(6.0).params(flops)
        dense_loss = dense.loss(n_dense, flops / (6.0 * n_dense))
    best: MoeAnswer | None = None
    for g in choices:
        n = _best_params(law, flops, g)
        tokens = flops / float(law.flops_per_token(n, g))
        record = _fine_grained_record(preset, law, n, tokens, g, flops, dense_loss,
                                      "" if granularity is not None else "; best G of 1, 2, 4, ..., 64")
        if best is None or record.loss < best.loss:
            best = record
    assert best is not None
    if params is not None:  # exact, not round-tripped
        best = _fine_grained_record(preset, law, params, best.tokens, best.granularity, flops, dense_loss)
    return best


def _fine_grained_record(preset: Preset, law: Any, params: float, tokens: float, granularity: float,
                         flops: float, dense_loss: Any, note: str = "", total: float | None = None
                         ) -> MoeAnswer:
    """`total`: N of a model given by its shape; else the paper's (8E + 4)/12 · N_act."""
    total = float(law.total_params(params)) if total is None else total
    return _record(preset, law.expansion, granularity, params, tokens, flops,
                   law.loss_of_total(total, tokens, granularity),
                   f"Krajewski et al. 2024 Eq. 9 (Table 1), FLOPs Eq. 10{note}",
                   total_params=finite(total, "the total N"),
                   dense_loss=None if dense_loss is None else finite(dense_loss, "the dense loss"))
