"""The training-precision options of `loss` and `optimal` (Kumar et al. 2024's law, kumar-precision).

Not --precision, which picks which peak of an accelerator (bf16 or fp8) prices hardware time: these
say in how many bits a run's numbers are trained and stored, and change the loss the law predicts.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import typer

from scalecalc.errors import ScalecalcError
from scalecalc.presets import Preset
from scalecalc.quantities import parse_quantity
from scalecalc.tomlfile import describe

PANEL = "Training precision (kumar-precision)"
_NOT_HARDWARE = "Not --precision (the accelerator's peak)."

WeightBitsOption = Annotated[str | None, typer.Option(
    "--weight-bits", metavar="NUMBER", help="Bits the weights are trained in, 1 to 32 (default 16), under "
    f"a precision law such as kumar-precision. {_NOT_HARDWARE}", rich_help_panel=PANEL)]
ActivationBitsOption = Annotated[str | None, typer.Option(
    "--activation-bits", metavar="NUMBER", help="Bits the activations are trained in, 1 to 32 (default 16).",
    rich_help_panel=PANEL)]
KvBitsOption = Annotated[str | None, typer.Option(
    "--kv-bits", metavar="NUMBER", help="Bits of the attention keys and values (KV cache) in training, 1 to "
    "32 (default 16).", rich_help_panel=PANEL)]
PostBitsOption = Annotated[str | None, typer.Option(
    "--post-bits", metavar="NUMBER", help="Bits the weights are quantized to after training, 1 to 32: adds "
    "the post-training quantization penalty (default: none, no quantization).", rich_help_panel=PANEL)]
PrecisionSearchOption = Annotated[bool, typer.Option(
    "--precision-search", help="Find the compute-optimal training precision P* (one P for weights, "
    f"activations and KV cache) and the N and D it implies under C = (6/16)·N·D·P. {_NOT_HARDWARE}",
    rich_help_panel=PANEL)]


def asked(weight: str | None, activation: str | None, kv: str | None, post: str | None) -> dict[str, Any]:
    """The bit options by name, for a law that takes none of them to refuse those given."""
    return {"--weight-bits": weight, "--activation-bits": activation, "--kv-bits": kv, "--post-bits": post}


def _bits(text: str | None, option: str) -> float | None:
    """A precision in bits: a plain number from LOWEST_BITS to HIGHEST_BITS."""
    from scalecalc.precision import HIGHEST_BITS, LOWEST_BITS

    if text is None:
        return None
    refusal = ScalecalcError(f"{option}: {describe(text.strip())} is not a usable precision; give a number "
                             f"of bits from {LOWEST_BITS:g} to {HIGHEST_BITS:g}, such as 4, 8 or 16.")
    try:
        bits = parse_quantity(text, option)
    except ScalecalcError:  # NaN, inf, zero, garbled: one message that names the bounds
        raise refusal from None
    if not LOWEST_BITS <= bits <= HIGHEST_BITS:
        raise refusal
    return bits


class Bits:
    """The precision options as given on the command line (a plain class: a dataclass costs start-up
    time on every `optimal`)."""

    def __init__(self, weight: str | None, activation: str | None, kv: str | None, post: str | None,
                 search: bool) -> None:
        self.weight, self.activation, self.kv, self.post, self.search = weight, activation, kv, post, search

    @property
    def given(self) -> dict[str, Any]:
        named = {"--weight-bits": self.weight, "--activation-bits": self.activation, "--kv-bits": self.kv,
                 "--post-bits": self.post, "--precision-search": self.search or None}
        return {option: value for option, value in named.items() if value is not None}

    def refuse(self, others: dict[str, Any]) -> None:
        """One sentence when an option that does not work with a precision law is given too."""
        clash = [option for option, value in others.items() if value is not None]
        if clash:
            raise ScalecalcError(f"{next(iter(self.given))} does not go with {clash[0]} yet; drop one of "
                                 "them.")

    def presets(self, chosen: list[Preset]) -> list[Preset]:
        """The presets set to these bits (the search leaves them at 16 until it has P*)."""
        from scalecalc import precision

        option = next(iter(self.given))
        if self.search:
            bits_given = [name for name in self.given if name != "--precision-search"]
            if bits_given:
                raise ScalecalcError(f"--precision-search finds one precision for weights, activations and "
                                     f"KV cache, so it does not go with {bits_given[0]}; drop one of them.")
            for item in chosen:
                precision.law_of(item, option)
            return chosen
        full = precision.FULL_BITS
        weight, activation, kv = (full if (value := _bits(text, name)) is None else value
                                  for text, name in ((self.weight, "--weight-bits"),
                                                     (self.activation, "--activation-bits"),
                                                     (self.kv, "--kv-bits")))
        post = _bits(self.post, "--post-bits")
        return [precision.at_bits(item, weight, activation, kv, post, option) for item in chosen]


def warnings(chosen: list[Preset], records: list[Any]) -> tuple[list[Preset], list[str]]:
    """(the presets to hand emit, the warnings): bits outside the fit go in one line with the
    [fitted_range] one, and emit is handed that preset without its ranges."""
    from scalecalc import precision
    from scalecalc.fitwarn import merged

    shown: list[Preset] = []
    lines: list[str] = []
    for item, record in zip(chosen, records, strict=True):
        bits = precision.bits_outside(item)
        preset, found = merged(item, [bits] if bits else [], params=record.params, tokens=record.tokens,
                               flops=record.flops)
        shown.append(preset)
        lines.extend(found)
    return shown, lines


def loss(bits: Bits, params: str | None, tokens: str | None, model: str | None, preset: list[str] | None,
         set_: list[str] | None, hardware: Any, fmt: Any, others: dict[str, Any]) -> None:
    """`loss --params N --tokens D` (or --model) at these bits: the loss, N_eff and what each precision
    costs. A catalogue model brings the count each law was fitted on, and its tokens unless given."""
    from scalecalc import precision
    from scalecalc.cli.app import emit, load_presets, priced

    bits.refuse(others)
    notes: list[str] = []
    sizes = None
    if model is not None:
        if params is not None:
            raise ScalecalcError("give --model or --params, not both: --model sets the model size N.")
        from scalecalc.models.sizing import resolve, run_tokens

        sizes = resolve(model)
        tokens = repr(run_tokens(sizes, tokens, notes))
    elif params is None or tokens is None:
        raise ScalecalcError(f"{next(iter(bits.given))} needs a whole run: give --params and --tokens (or "
                             "--model), such as --params 110M --tokens 6B.")
    d = parse_quantity(tokens, "--tokens")
    chosen = load_presets(preset, need_law=True, overrides=set_)
    tuned = bits.presets(chosen)
    records = []
    for item in tuned:
        n = parse_quantity(params, "--params") if sizes is None else sizes.law_params(item.params_convention)
        records.append(precision.assess(item, n, d))
    shown, lines = warnings(tuned, records)
    emit([replace(item, fitted_range=used.fitted_range) for item, used in zip(chosen, shown, strict=True)],
         priced(records, hardware), fmt, title="Predicted loss at a training precision", transpose=True,
         warnings=lines + notes)


def optimal(bits: Bits, chosen: list[Preset], key: str, value: Any, hardware: Any, fmt: Any,
            others: dict[str, Any]) -> None:
    """`optimal` at these bits, or at the compute-optimal precision with --precision-search."""
    from scalecalc import precision
    from scalecalc.cli.app import emit, priced

    bits.refuse(others)
    tuned = bits.presets(chosen)
    notes: list[str] = []
    if bits.search:
        tuned = [precision.searched(item) for item in tuned]
        notes = [f"warning: {item.name}'s compute-optimal precision lies at the end of the search, "
                 f"{precision.HIGHEST_BITS:g} bits or the fewest its fit allows: no optimum inside."
                 for item in tuned if precision.at_search_bound(item)]
    records = [precision.optimal(item, **{key: value}) for item in tuned]
    title = "Compute-optimal precision and run" if bits.search else \
        "Compute-optimal run at a training precision"
    shown, lines = warnings(tuned, records)
    emit([replace(item, fitted_range=used.fitted_range) for item, used in zip(chosen, shown, strict=True)],
         priced(records, hardware), fmt, title=title, transpose=True, warnings=lines + notes)
