"""scalecalc: compute-budget planning with published neural scaling laws.

The same answers as the command line, as records (dataclasses) with the CLI's field names:

    >>> import scalecalc
    >>> run = scalecalc.optimal(flops=1e24)  # the default preset, besiroglu
    >>> round(run.params / 1e9, 1), round(run.tokens_per_param, 1)
    (95.9, 18.1)

Every function takes a preset name, a path to a preset file, or a loaded Preset, and numbers as
scalars or NumPy arrays (arrays give a record of arrays).
"""

from __future__ import annotations

from scalecalc import solve
from scalecalc.errors import ScalecalcError
from scalecalc.presets import DEFAULT_PRESET, Preset, builtin_names
from scalecalc.presets import load as load_preset
from scalecalc.records import Allocation, PresetInfo, RunReport

__all__ = [
    "Allocation",
    "Preset",
    "PresetInfo",
    "RunReport",
    "ScalecalcError",
    "builtin_names",
    "load_preset",
    "loss",
    "optimal",
    "table",
    "tokens",
]
__version__ = "0.1.0"

PresetLike = str | Preset


def optimal(
    *,
    flops: solve.Numbers | None = None,
    params: solve.Numbers | None = None,
    tokens: solve.Numbers | None = None,
    loss: solve.Numbers | None = None,
    preset: PresetLike = DEFAULT_PRESET,
) -> Allocation:
    """The compute-optimal run fixed by exactly one of flops, params, tokens or a target loss."""
    return solve.optimal(load_preset(preset), flops=flops, params=params, tokens=tokens, loss=loss)


def loss(params: solve.Numbers, tokens: solve.Numbers, *, preset: PresetLike = DEFAULT_PRESET) -> RunReport:
    """The predicted loss of a run and how it compares with the compute-optimal run of its budget."""
    return solve.assess_run(load_preset(preset), params, tokens)


def tokens(
    params: solve.Numbers, *, flops: solve.Numbers | None = None, preset: PresetLike = DEFAULT_PRESET
) -> Allocation | RunReport:
    """The compute-optimal token count for N; with flops, what that budget buys at N instead."""
    chosen = load_preset(preset)
    if flops is None:
        return solve.optimal(chosen, params=params)
    return solve.tokens_at_budget(chosen, params, flops)


def table(
    *, params: solve.Numbers | None = None, flops: solve.Numbers | None = None,
    preset: PresetLike = DEFAULT_PRESET,
) -> Allocation:
    """Rows by model size (default: Chinchilla Table 3's nine sizes) or by budget."""
    return solve.table(load_preset(preset), params=params, flops=flops)
