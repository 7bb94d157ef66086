"""Training compute counted another way than C = 6·N·D: --flops-per-token, and models by name.

The laws were fitted with C = 6·N·D (a preset's flops_per_param_token), so the allocation stays
the law's: every question is solved in the law's own compute, and only the compute reported (and
the hours and dollars that follow from it) is counted the user's way. A budget the user gives is
counted their way too, so it buys the law fewer FLOPs when each token costs more (8N under full
recomputation buys 6/8 of the law's compute). `Counting.scale` is that ratio, counted / law's.

Nothing here imports the models package: a Counting holds models already measured (ModelSizes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.presets import MAX_FLOPS_PER_PARAM_TOKEN, Preset, require_params
from scalecalc.quantities import parse_quantity
from scalecalc.records import Value, extend, record_field
from scalecalc.solve import GOPHER_FLOPS

if TYPE_CHECKING:
    from scalecalc.models.sizing import ModelSizes

LAW_FLOPS_PER_PARAM = 6.0  # what "not 6" means in the output: the laws' own C = 6·N·D
# Conventions that are a multiple of N need no model shape (scalecalc.models.flops has them all).
MULTIPLES = {"6n": 6.0, "recompute": 8.0}
# Record fields that are an amount of compute: counted the user's way.
COMPUTE_FIELDS = ("flops", "flops_low", "flops_high", "gopher_units", "equal_loss_flops")


@dataclass(frozen=True)
class CountingFields:
    """Columns added when --model or --flops-per-token is given."""

    model: str = record_field("text", "the model given by --model: a catalogue name or a config file",
                              optional=True)
    flops_per_param_token: Value = record_field(
        "ratio", "FLOPs per parameter (the law's N) per token: flops / (params · tokens); blank where it is "
        "the laws' 6", optional=True)


def parse_flops_per_token(text: str, model_given: bool) -> float | str:
    """--flops-per-token: a number of FLOPs per parameter per token, or a named convention."""
    raw = text.strip()
    key = raw.lower()
    named = key.startswith("6n") or key[:1].isalpha()  # every convention; no number starts so
    if not named or key in ("nan", "inf", "infinity"):
        value = parse_quantity(raw, "--flops-per-token")
        if value > MAX_FLOPS_PER_PARAM_TOKEN:
            raise ScalecalcError(f"--flops-per-token: {value:g} is above {MAX_FLOPS_PER_PARAM_TOKEN:g}, the "
                                 "largest usable value; give FLOPs per parameter per token, such as 6 or 8.")
        return value
    from scalecalc.models.flops import CONVENTIONS

    names = {name.lower(): name for name in CONVENTIONS}
    if key not in names:
        from scalecalc.tomlfile import describe

        shown = describe(raw)
        raise ScalecalcError(f"--flops-per-token: {shown} is neither a number nor a convention; give FLOPs "
                             f"per parameter per token such as 8, or one of {', '.join(CONVENTIONS)}.")
    if model_given:
        return names[key]
    if key in MULTIPLES:
        return MULTIPLES[key]
    raise ScalecalcError(f"--flops-per-token {names[key]} counts FLOPs from a model's shape; give --model "
                         "NAME (or a config.json), or a number per parameter such as 8.")


@dataclass(frozen=True)
class Counting:
    """How a plan counts its compute: FLOPs per token (None: the law's), and the model, if any."""

    per_token: float | str | None = None
    model: ModelSizes | None = None

    def params(self, preset: Preset) -> float:
        """The model's N as this preset's law counts it (see scalecalc.models.sizing)."""
        assert self.model is not None
        _takes_params(preset)
        return self.model.law_params(preset.params_convention)

    def per_param(self, preset: Preset) -> Any:
        """Counted FLOPs per token per law parameter: flops / (N·D) of the answers."""
        _takes_params(preset)
        if self.model is None:
            return LAW_FLOPS_PER_PARAM if self.per_token is None else self.per_token
        spec = LAW_FLOPS_PER_PARAM if self.per_token is None else self.per_token
        return self.model.flops_per_token(spec) / self.params(preset)

    def scale(self, preset: Preset) -> Any:
        """Counted compute over the law's own c0·N·D."""
        return self.per_param(preset) / preset.flops_per_param_token

    def law_budget(self, preset: Preset, flops: Any) -> Any:
        """A budget counted the user's way, as the law's compute."""
        return np.divide(flops, self.scale(preset))

    def apply(self, record: Any, preset: Preset, given_flops: Any = None) -> Any:
        """The record with its compute counted the user's way and the counting columns added.

        `given_flops`: the budget the user asked about, put back exactly (not divided and multiplied).
        """
        scale = self.scale(preset)
        changes = {item.name: _times(getattr(record, item.name), scale) for item in fields(record)
                   if item.name in COMPUTE_FIELDS and getattr(record, item.name) is not None}
        if given_flops is not None:
            changes["flops"] = given_flops
            if "gopher_units" in changes:
                changes["gopher_units"] = np.divide(given_flops, GOPHER_FLOPS)
        per_param = self.per_param(preset)
        shown = None if math.isclose(per_param, LAW_FLOPS_PER_PARAM, rel_tol=1e-12) else per_param
        return extend(replace(record, **changes),
                      CountingFields(model="" if self.model is None else self.model.name,
                                     flops_per_param_token=shown))


def _takes_params(preset: Preset) -> None:
    """Refuse --model and --flops-per-token for a preset whose size is M, FLOPs per token (DeepSeek
    LLM): its budget C = M·D already counts the FLOPs of a token, and it takes no parameter count."""
    require_params(preset, "--model and --flops-per-token do not apply; ask it with --flops or --tokens "
                   "(scalecalc model NAME shows a model's M as flops_deepseek_m)")


def _times(value: Any, scale: float) -> Any:
    product = np.multiply(value, scale)
    return float(product) if np.ndim(product) == 0 else product
