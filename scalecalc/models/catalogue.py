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

Loading checks every key and names the file and key that is wrong, as preset files do.
"""

from __future__ import annotations

import datetime
import math
import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from scalecalc.errors import ScalecalcError
from scalecalc.models.architecture import Architecture

MAX_FILE_BYTES = 10_000_000
MAX_MODELS = 10_000
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
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        raise ScalecalcError(f"models file {path} is a directory; give a .toml file.") from None
    except OSError as error:
        raise ScalecalcError(f"models file {path}: cannot be read ({error.strerror}).") from None
    if len(data) > MAX_FILE_BYTES:
        raise ScalecalcError(f"models file {path} is larger than {MAX_FILE_BYTES:,} bytes; split it.")
    try:
        table = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScalecalcError(f"models file {path} is not UTF-8 text; give a TOML file.") from None
    except tomllib.TOMLDecodeError as error:
        raise ScalecalcError(f"models file {path}: not valid TOML ({error}).") from None
    if not table:
        raise ScalecalcError(f"models file {path} holds no models; add a [name] table for each.")
    if len(table) > MAX_MODELS:
        raise ScalecalcError(f"models file {path} holds {len(table):,} models; the most is {MAX_MODELS:,}.")
    return {name.lower(): _model(name, entry, path) for name, entry in table.items()}


def _model(name: str, entry: Any, path: Path) -> CatalogueModel:
    def fail(key: str, problem: str) -> ScalecalcError:
        return ScalecalcError(f"models file {path}: key {name}{'.' + key if key else ''} {problem}.")

    if not _NAME.match(name.lower()):
        raise fail("", "is not a usable name; use letters, digits, '.', '-' and '_' (at most 64)")
    if not isinstance(entry, dict):
        raise fail("", f"must be a table, such as [{name}]")
    for key in entry:
        if key not in _MODEL_KEYS:
            raise fail(key, f"is not recognised; allowed here: {', '.join(sorted(_MODEL_KEYS))}")
    source = _table(entry, "source", fail)
    for key in source:
        if key not in _SOURCE_KEYS:
            raise fail(f"source.{key}", f"is not recognised; allowed here: {', '.join(sorted(_SOURCE_KEYS))}")
    shape = _table(entry, "architecture", fail)
    for key in shape:
        if key not in _ARCH_KEYS:
            raise fail(f"architecture.{key}", "is not a field of a model shape; allowed here: "
                       + ", ".join(sorted(_ARCH_KEYS)))
    try:
        architecture = Architecture(**shape)
    except TypeError:  # a required field of the shape is absent
        missing = [key for key in ("layers", "d_model", "heads", "ffn", "vocab") if key not in shape]
        raise fail("architecture", f"lacks {', '.join(missing)}") from None
    except ScalecalcError as error:
        raise ScalecalcError(f"models file {path}: [{name}.architecture] {error}") from None
    params = _number(entry, "params", fail)
    active = _number(entry, "active_params", fail, required=False)
    if active is not None and active > params:
        raise fail("active_params", f"({active:g}) exceeds params ({params:g})")
    return CatalogueModel(
        name=name.lower(), title=_text(entry, "title", fail), architecture=architecture, params=params,
        active_params=params if active is None else active,
        tokens=_number(entry, "tokens", fail, required=False),
        flops=_number(entry, "flops", fail, required=False),
        released=_date(entry, fail), citation=_text(source, "citation", fail, "source."),
        location=_text(source, "location", fail, "source."),
        arxiv=_text(source, "arxiv", fail, "source.", required=False),
        url=_text(source, "url", fail, "source.", required=False),
        notes=_text(entry, "notes", fail, required=False) or "", path=path)


def _table(entry: dict[str, Any], key: str, fail: Any) -> dict[str, Any]:
    value = entry.get(key)
    if not isinstance(value, dict):
        raise fail(key, "is missing" if value is None else "must be a table")
    return value


def _number(entry: dict[str, Any], key: str, fail: Any, required: bool = True) -> float | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise fail(key, "is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(key, f"must be a number, not {value!r}")
    if not math.isfinite(value) or value <= 0 or value > 1e30:
        raise fail(key, f"must be a finite number above zero and at most 1e30, not {value!r}")
    return float(value)


def _text(entry: dict[str, Any], key: str, fail: Any, prefix: str = "", required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise fail(prefix + key, "is missing")
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail(prefix + key, "must be a non-empty string")
    return value.strip()


def _date(entry: dict[str, Any], fail: Any) -> str:
    value = entry.get("released")
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str) and _MONTH.match(value):
        return value
    raise fail("released", "must be a date such as 2024-04-18, or \"2024-04\" where only the month is known")
