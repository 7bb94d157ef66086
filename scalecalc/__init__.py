"""scalecalc: compute-budget planning with published neural scaling laws.

The same answers as the command line, as records (dataclasses) with the CLI's field names:

    >>> import scalecalc
    >>> run = scalecalc.optimal(flops=1e24)  # the default preset, besiroglu
    >>> round(run.params / 1e9, 1), round(run.tokens_per_param, 1)
    (95.9, 18.1)

Every function takes a preset name, a path to a preset file, or a loaded Preset, and numbers as
scalars or NumPy arrays (arrays give a record of arrays). Numbers are checked as the command line
checks them, with the same messages naming the argument: N, D and C from 1 to 1e300, a loss above
zero; a bool, a string or NaN is refused with a ScalecalcError, never another exception.
"""

from __future__ import annotations

import os

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

PresetLike = str | os.PathLike[str] | Preset


def _preset(preset: PresetLike) -> Preset:
    if isinstance(preset, os.PathLike):
        preset = os.fspath(preset)
    if not isinstance(preset, str | Preset):
        raise ScalecalcError(f"preset: {preset!r} is not a preset; pass a name such as "
                             f"{DEFAULT_PRESET!r}, a path to a .toml file, or a Preset.")
    return load_preset(preset)


def optimal(
    *,
    flops: solve.Numbers | None = None,
    params: solve.Numbers | None = None,
    tokens: solve.Numbers | None = None,
    loss: solve.Numbers | None = None,
    preset: PresetLike = DEFAULT_PRESET,
) -> Allocation:
    """The compute-optimal run fixed by exactly one of flops, params, tokens or a target loss."""
    return solve.optimal(_preset(preset), flops=flops, params=params, tokens=tokens, loss=loss)


def loss(params: solve.Numbers, tokens: solve.Numbers, *, preset: PresetLike = DEFAULT_PRESET) -> RunReport:
    """The predicted loss of a run and how it compares with the compute-optimal run of its budget."""
    return solve.assess_run(_preset(preset), params, tokens)


def tokens(
    params: solve.Numbers, *, flops: solve.Numbers | None = None, preset: PresetLike = DEFAULT_PRESET
) -> Allocation | RunReport:
    """The compute-optimal token count for N; with flops, what that budget buys at N instead."""
    chosen = _preset(preset)
    if flops is None:
        return solve.optimal(chosen, params=params)
    return solve.tokens_at_budget(chosen, params, flops)


def table(
    *, params: solve.Numbers | None = None, flops: solve.Numbers | None = None,
    preset: PresetLike = DEFAULT_PRESET,
) -> Allocation:
    """Rows by model size (default: Chinchilla Table 3's nine sizes) or by budget."""
    return solve.table(_preset(preset), params=params, flops=flops)
