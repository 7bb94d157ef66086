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

# These names load on first use (PEP 562): the `scalecalc` command imports a submodule of this
# package first thing, and must be able to catch a Ctrl-C during the slow imports that follow.
# Not even typing is imported here (TYPE_CHECKING = False is the idiom type checkers know).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from typing import Any

    from scalecalc import solve
    from scalecalc.errors import ScalecalcError
    from scalecalc.presets import DEFAULT_PRESET, Preset, builtin_names
    from scalecalc.presets import load as load_preset
    from scalecalc.records import Allocation, PerTokenAllocation, PresetInfo, RunReport

    PresetLike = str | os.PathLike[str] | Preset

_LAZY = {
    "ScalecalcError": ("scalecalc.errors", "ScalecalcError"),
    "DEFAULT_PRESET": ("scalecalc.presets", "DEFAULT_PRESET"),
    "Preset": ("scalecalc.presets", "Preset"),
    "builtin_names": ("scalecalc.presets", "builtin_names"),
    "load_preset": ("scalecalc.presets", "load"),
    "Allocation": ("scalecalc.records", "Allocation"),
    "PresetInfo": ("scalecalc.records", "PresetInfo"),
    "RunReport": ("scalecalc.records", "RunReport"),
}

__all__ = [
    "DEFAULT_PRESET",
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


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'scalecalc' has no attribute {name!r}")
    import importlib

    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def _load(preset: PresetLike | None) -> Preset:
    """The preset asked for (None: the default), refusing what is not a name, path or Preset."""
    import os

    from scalecalc import presets
    from scalecalc.errors import ScalecalcError

    if preset is None:
        preset = presets.DEFAULT_PRESET
    if isinstance(preset, os.PathLike):
        preset = os.fspath(preset)
    if not isinstance(preset, str | presets.Preset):
        raise ScalecalcError(f"preset: {preset!r} is not a preset; pass a name such as "
                             f"{presets.DEFAULT_PRESET!r}, a path to a .toml file, or a Preset.")
    return presets.load(preset)


def optimal(
    *,
    flops: solve.Numbers | None = None,
    params: solve.Numbers | None = None,
    tokens: solve.Numbers | None = None,
    loss: solve.Numbers | None = None,
    preset: PresetLike | None = None,
) -> Allocation | PerTokenAllocation:
    """The compute-optimal run fixed by exactly one of flops, params, tokens or a target loss
    (preset None: the default preset). A preset that sizes models by FLOPs per token (deepseek-llm)
    answers with a PerTokenAllocation, whose m_flops_per_token stands where params would."""
    from scalecalc import solve

    return solve.optimal(_load(preset), flops=flops, params=params, tokens=tokens, loss=loss)


def loss(params: solve.Numbers, tokens: solve.Numbers, *, preset: PresetLike | None = None) -> RunReport:
    """The predicted loss of a run and how it compares with the compute-optimal run of its budget."""
    from scalecalc import solve

    return solve.assess_run(_load(preset), params, tokens)


def tokens(
    params: solve.Numbers, *, flops: solve.Numbers | None = None, preset: PresetLike | None = None
) -> Allocation | RunReport:
    """The compute-optimal token count for N; with flops, what that budget buys at N instead."""
    from scalecalc import solve

    chosen = _load(preset)
    if flops is None:
        return solve.optimal(chosen, params=params)
    return solve.tokens_at_budget(chosen, params, flops)


def table(
    *, params: solve.Numbers | None = None, flops: solve.Numbers | None = None,
    preset: PresetLike | None = None,
) -> Allocation | PerTokenAllocation:
    """Rows by model size (default: Chinchilla Table 3's nine sizes) or by budget."""
    from scalecalc import solve

    return solve.table(_load(preset), params=params, flops=flops)
