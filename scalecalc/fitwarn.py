"""One extrapolation warning per answer: a preset's [fitted_range] and a law's own limits in one line.

`emit` (cli/app.py) warns from [fitted_range]; a law with limits of its own (bits, experts, granularity)
used to add a second line for the same answer. Where it has one, `merged` gives the single line and
the preset to hand emit without its ranges; where it has none, emit's own line stands alone.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scalecalc.presets import Preset

_FITTED_ON = " was fitted on "


def merged(preset: Preset, own: list[str], **values: Any) -> tuple[Preset, list[str]]:
    """(the preset for emit, the warning lines) for an answer with these params/tokens/flops. `own`
    are phrases such as "up to 32 experts (this answer has 64)"; [fitted_range]'s come first."""
    if not own:
        return preset, []
    found = list(own)
    generic = preset.range_warning(**values)
    if generic:  # "warning: NAME was fitted on RANGES; this answer lies ...": keep RANGES
        start = generic.index(_FITTED_ON) + len(_FITTED_ON)
        found.insert(0, generic[start:generic.rindex("; ")])
    line = f"warning: {preset.name}{_FITTED_ON}{' and '.join(found)}; this answer is an extrapolation."
    return replace(preset, fitted_range={}), [line]
