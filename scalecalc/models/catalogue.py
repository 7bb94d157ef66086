"""The catalogue of trained models: cited TOML files under presets/models/, and a user's own file.

Each table is one model, keyed by the name --model takes:

    [llama-3-8b]
    title = "Llama 3 8B"
    released = 2024-04-18          # a TOML date, or "2024-04" where only the month is known
    params = 8_030_261_248         # total parameters
    active_params = ...            # per token, mixture-of-experts models only
    tokens = 15e12                 # training tokens, where published
    flops = ...                    # training compute as the source states it, where it does
    notes = "..."
    [llama-3-8b.source]            # citation, location (table or section), arxiv, url
    [llama-3-8b.architecture]      # the fields of scalecalc.models.Architecture

Loading checks every key and names the file and key that is wrong, with the reader every user TOML file
goes through (scalecalc.tomlfile), as preset, plan and accelerator files do.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from scalecalc import tomlfile
from scalecalc.errors import ScalecalcError
from scalecalc.models.architecture import Architecture
from scalecalc.tomlfile import Table, describe

MAX_MODELS = 10_000
MAX_COUNT = 1e30  # params, tokens and FLOPs: far above any model, and finite products
_MODEL_KEYS = {"title", "released", "params", "active_params", "tokens", "flops", "notes", "source",
               "architecture"}
_SOURCE_KEYS = {"citation", "arxiv", "location", "url"}
_ARCH_KEYS = {item.name for item in fields(Architecture)}
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_MONTH = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


@dataclass(frozen=True)
class CatalogueModel:
    name: str
    title: str
    architecture: Architecture
    params: float
    active_params: float
    tokens: float | None
    flops: float | None  # as stated by the source; None where it states none
    released: str
    citation: str
    location: str
    arxiv: str | None
    url: str | None
    notes: str
    path: Path

    @property
    def source(self) -> str:
        arxiv = f", arXiv {self.arxiv}" if self.arxiv else ""
        return f"{self.citation}{arxiv}; {self.location}"


def builtin_dir() -> Path | None:
    """presets/models beside the preset files (in the wheel, or at the top of a checkout)."""
    from scalecalc.presets import BUILTIN_DIRS

    for folder in BUILTIN_DIRS:
        if (folder / "models").is_dir():
            return folder / "models"
    return None


def load(extra: str | Path | None = None) -> dict[str, CatalogueModel]:
    """Every built-in model, then a user's file adding or replacing entries by name."""
    entries: dict[str, CatalogueModel] = {}
    folder = builtin_dir()
    for path in sorted(folder.glob("*.toml")) if folder else []:
        entries.update(read_file(path))
    if extra is not None:
        entries.update(read_file(Path(extra)))
    return entries


def find(name: str, extra: str | Path | None = None) -> CatalogueModel:
    entries = load(extra)
    key = name.strip().lower()
    if key not in entries:
        close = [known for known in entries if key and (key in known or known in key)]
        hint = f"did you mean {', '.join(close[:5])}? " if close else ""
        raise ScalecalcError(f"unknown model {name!r}; {hint}scalecalc models lists the "
                             "catalogue, or give a config.json file.")
    return entries[key]


def read_file(path: Path) -> dict[str, CatalogueModel]:
    """The models of one file, each validated; errors name the file and the key (tomlfile's reader)."""
    data, _ = tomlfile.read(path, "models")
    if not data:
        raise ScalecalcError(f"models file {path} holds no models; add a [name] table for each.")
    if len(data) > MAX_MODELS:
        raise ScalecalcError(f"models file {path} holds {len(data):,} models; the most is {MAX_MODELS:,}.")
    label = f"models file {path}"
    return {name.lower(): _model(name, entry, Table(data, label), path) for name, entry in data.items()}


def _model(name: str, entry: Any, top: Table, path: Path) -> CatalogueModel:
    if not _NAME.match(name.lower()):
        raise top.fail(describe(name), "is not a usable name; use letters, digits, '.', '-' and '_' "
                       "(at most 64)")
    if not isinstance(entry, dict):
        raise top.fail(name, f"must be a table, such as [{name}], not {describe(entry)}")
    model = Table(entry, top.where, f"{name}.")
    model.only(_MODEL_KEYS)
    source = model.table("source")
    source.only(_SOURCE_KEYS)
    shape = model.table("architecture")
    for key in shape.data:
        if key not in _ARCH_KEYS:
            raise shape.fail(key, "is not a field of a model shape; allowed here: "
                             + ", ".join(sorted(_ARCH_KEYS)))
    try:
        architecture = Architecture(**shape.data)
    except TypeError:  # a required field of the shape is absent
        missing = [key for key in ("layers", "d_model", "heads", "ffn", "vocab") if key not in shape.data]
        raise model.fail("architecture", f"lacks {', '.join(missing)}") from None
    except ScalecalcError as error:
        raise ScalecalcError(f"models file {path}: [{name}.architecture] {error}") from None
    params = model.number("params", high=MAX_COUNT)
    active = model.number("active_params", required=False, high=MAX_COUNT)
    if active is not None and active > params:
        raise model.fail("active_params", f"({active:g}) exceeds params ({params:g})")
    return CatalogueModel(
        name=name.lower(), title=model.text("title"), architecture=architecture, params=params,
        active_params=params if active is None else active,
        tokens=model.number("tokens", required=False, high=MAX_COUNT),
        flops=model.number("flops", required=False, high=MAX_COUNT),
        released=_date(entry, model), citation=source.text("citation"), location=source.text("location"),
        arxiv=source.text("arxiv", required=False), url=source.text("url", required=False),
        notes=model.text("notes", required=False) or "", path=path)


def _date(entry: dict[str, Any], model: Table) -> str:
    value = entry.get("released")
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str) and _MONTH.match(value):
        return value
    raise model.fail("released", "must be a date such as 2024-04-18, or \"2024-04\" where only the month is "
                     "known")
