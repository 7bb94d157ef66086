"""A model named on the command line (--model NAME or config.json) measured for a scaling law.

A law was fitted on one parameter count (a preset's params_convention): Chinchilla's on every
parameter, Kaplan's on the non-embedding ones (Kaplan et al. 2020 §2.1). `ModelSizes.law_params`
hands each law its own count, and `convention_note` says so in one line for stderr.

Mixture-of-experts models: the laws here were fitted on dense models, where the N of the loss and
the N of C = 6·N·D are one number. For an MoE model scalecalc gives the law the active count (the
parameters a token passes through, the N of 6·N·D) so that compute, tokens per parameter and the
compute multiplier stay in one accounting; a dense law has no term for the idle experts, so its
loss for an MoE model is an estimate of a dense model of the active size, and the note says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from scalecalc.errors import ScalecalcError
from scalecalc.models.architecture import Architecture
from scalecalc.models.counting import count
from scalecalc.quantities import format_count

if TYPE_CHECKING:
    from scalecalc.models.catalogue import CatalogueModel


@dataclass(frozen=True)
class ModelSizes:
    """The parameter counts of one model, its training tokens (where published) and its shape."""

    name: str
    total: float
    active: float  # = total for a dense model
    embedding: float  # token and position embeddings and an untied head (Kaplan leaves these out)
    architecture: Architecture
    tokens: float | None = None  # training tokens, from the catalogue
    tokens_source: str = ""

    @property
    def is_moe(self) -> bool:
        return self.active < self.total

    def law_params(self, convention: str) -> float:
        """The N a law fitted on `convention` ("total" or "non-embedding") takes: active for MoE."""
        if convention == "non-embedding":
            return self.active - self.embedding
        return self.active

    @cached_property
    def _per_token(self) -> dict[str, float]:
        from scalecalc.models.flops import all_conventions

        return all_conventions(self.architecture)

    def flops_per_token(self, spec: float | str) -> float:
        """Training FLOPs per token: a number per active parameter, or a named convention."""
        if isinstance(spec, str):
            return self._per_token[spec]
        return spec * self.active


def from_catalogue(entry: CatalogueModel) -> ModelSizes:
    """A catalogue model: its stated totals, and the embedding counted from its shape."""
    embedding = count(entry.architecture).embedding
    return ModelSizes(entry.name, entry.params, entry.active_params, float(embedding), entry.architecture,
                      entry.tokens, entry.citation)


def from_architecture(arch: Architecture, name: str) -> ModelSizes:
    counted = count(arch)
    return ModelSizes(name, float(counted.total), float(counted.active), float(counted.embedding), arch)


def is_config_path(spec: str) -> bool:
    """A config.json (a path, or - for standard input) rather than a catalogue name."""
    return spec == "-" or spec.lower().endswith(".json") or "/" in spec or "\\" in spec


def resolve(spec: str, folder: Path | None = None) -> ModelSizes:
    """--model's value: a catalogue name, or a config.json path (read from `folder` if relative)."""
    if not spec.strip():
        raise ScalecalcError("--model is empty; give a catalogue name (scalecalc models lists them) or a "
                             "config.json file.")
    if is_config_path(spec):
        from scalecalc.models import config

        if spec == "-":
            import sys

            data = sys.stdin.buffer.read(config.MAX_CONFIG_BYTES + 1)
            return from_architecture(config.parse_config(data, "standard input"), "standard input")
        path = Path(spec).expanduser()
        if folder is not None and not path.is_absolute():
            path = folder / path
        return from_architecture(config.read_config(path), spec)
    from scalecalc.models import catalogue

    return from_catalogue(catalogue.find(spec))


def convention_notes(sizes: ModelSizes, conventions: dict[str, str]) -> list[str]:
    """Lines saying which count each law takes, where it is not simply the model's total.

    `conventions` maps preset names to their params_convention.
    """
    notes = []
    if sizes.is_moe:
        active = format_count(sizes.active)
        notes.append(f"note: {sizes.name} is a mixture of experts: the laws take its {active} "
                     f"active parameters (of {format_count(sizes.total)}), the N of C = 6·N·D; a law fitted "
                     "on dense models has no term for the idle experts.")
    partial = [name for name, convention in conventions.items() if convention == "non-embedding"]
    if partial:
        used = format_count(sizes.law_params("non-embedding"))
        of = "active " if sizes.is_moe else ""
        verb = "counts" if len(partial) == 1 else "count"
        notes.append(f"note: {' and '.join(partial)} {verb} non-embedding parameters (Kaplan et al. 2020 "
                     f"§2.1): {sizes.name} has {used} of its {format_count(sizes.active)} {of}parameters.")
    return notes


def tokens_note(sizes: ModelSizes) -> str:
    return (f"note: --tokens defaults to {sizes.name}'s {format_count(sizes.tokens)} training tokens "
            f"({sizes.tokens_source}); give --tokens to ask about another count.")


def run_tokens(sizes: ModelSizes, tokens: str | None, notes: list[str]) -> float:
    """D of a run of this model: --tokens where given, else the catalogue's count (with a note on
    `notes`); a model without a published count needs --tokens."""
    if tokens is not None:
        from scalecalc.quantities import parse_quantity

        return parse_quantity(tokens, "--tokens")
    if sizes.tokens is None:
        raise ScalecalcError(f"{sizes.name} has no published training token count in the catalogue; "
                             "give --tokens, such as --tokens 2T.")
    notes.append(tokens_note(sizes))
    return float(sizes.tokens)
