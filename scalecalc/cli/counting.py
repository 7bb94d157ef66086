"""--model and --flops-per-token for the planning commands: options, reading them, and the notes.

The models package is imported only when --model (or a named convention) is given, so that
`scalecalc optimal --flops 1e24` does not pay for it at start-up.
"""

from typing import Annotated, Any

import typer

from scalecalc.errors import ScalecalcError
from scalecalc.presets import Preset

MODEL_PANEL = "Model"

ModelOption = Annotated[str | None, typer.Option(
    "--model", metavar="NAME", help="A catalogue model (scalecalc models lists them) or a config.json, in "
    "place of --params: each preset gets the parameter count its law was fitted on.",
    rich_help_panel=MODEL_PANEL)]
FlopsPerTokenOption = Annotated[str | None, typer.Option(
    "--flops-per-token", metavar="NUMBER|NAME", help="FLOPs per parameter per token in place of the 6 of "
    "C = 6·N·D, e.g. 8 (full recomputation); with --model also 6N+attn, chinchilla and the other "
    "conventions of scalecalc model. The laws were fitted with 6·N·D, so N and D stay the law's: only "
    "compute, hours and dollars change.", rich_help_panel=MODEL_PANEL)]


def read_counting(model: str | None, flops_per_token: str | None, params: Any = None,
                  params_option: str = "--params") -> Any:
    """The Counting the options ask for, or None for the laws' own C = 6·N·D and a plain N."""
    if model is not None and params is not None:
        raise ScalecalcError(f"give --model or {params_option}, not both: --model sets the model size N.")
    if model is None and flops_per_token is None:
        return None
    from scalecalc.compute import Counting, parse_flops_per_token

    per_token = None if flops_per_token is None else parse_flops_per_token(flops_per_token, model is not None)
    if model is None:
        return Counting(per_token)
    from scalecalc.models.sizing import resolve

    return Counting(per_token, resolve(model))


def counting_notes(counting: Any, chosen: list[Preset]) -> list[str]:
    """A line for an MoE model, and one for presets that count the model's parameters other than as
    its total."""
    if counting is None or counting.model is None:
        return []
    from scalecalc.models.sizing import convention_notes

    return convention_notes(counting.model, {item.name: item.params_convention for item in chosen})


def refuse_counting(counting: Any, what: str) -> None:
    if counting is not None:
        raise ScalecalcError(f"--model and --flops-per-token do not go with {what} yet; drop one of them.")
