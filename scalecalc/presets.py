"""Find, load and validate preset files (TOML, one per published coefficient set)."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.laws import LAW_FORMS, ChinchillaLaw, Law, PowerAllocation
from scalecalc.quantities import format_count, format_flops

_HERE = Path(__file__).resolve().parent
# Inside a wheel the files sit in scalecalc/presets; in a source checkout, at the top of the repo.
BUILTIN_DIRS = (_HERE / "presets", _HERE.parent / "presets")
DEFAULT_PRESET = "besiroglu"
RANGE_KEYS = ("params", "tokens", "flops")

_TOP_KEYS = {"name", "summary", "notes", "flops_per_param_token", "source", "law", "allocation",
             "fitted_range", "uncertainty"}
_SOURCE_KEYS = {"citation", "arxiv", "location", "url"}
_ALLOCATION_KEYS = {"form", "coefficient", "exponent", "flops_unit", "note"}


@dataclass(frozen=True)
class Preset:
    """A coefficient set ready to use: its loss law (if any) and how it allocates compute."""

    name: str
    summary: str
    citation: str
    location: str
    arxiv: str | None
    law: Law | None
    # An explicit rule from the file, or the law's own closed form; None means solve numerically.
    allocation: PowerAllocation | None
    allocation_kind: str
    flops_per_param_token: float
    fitted_range: dict[str, tuple[float, float]]
    path: Path
    notes: str = ""
    standard_errors: dict[str, float] = field(default_factory=dict)
    uncertainty_method: str = ""
    # Bootstrap refits, rows of (E, A, B, alpha, beta); or a covariance over
    # (ln E, ln A, ln B, alpha, beta) around the law's own values. Either lets --ci work.
    draws: np.ndarray | None = None
    covariance: np.ndarray | None = None

    @property
    def has_uncertainty(self) -> bool:
        return self.draws is not None or self.covariance is not None

    @property
    def source(self) -> str:
        arxiv = f", arXiv {self.arxiv}" if self.arxiv else ""
        return f"{self.citation}{arxiv}; {self.location}"

    def range_warning(self, **values: Any) -> str | None:
        """One line naming the ranges an answer (or some rows of a table) leaves, or None."""
        outside: list[str] = []
        rows_outside = np.zeros(1, dtype=bool)
        for key in RANGE_KEYS:
            if key not in self.fitted_range or values.get(key) is None:
                continue
            low, high = self.fitted_range[key]
            array = np.atleast_1d(np.asarray(values[key], dtype=float))
            beyond = (array < low * (1 - 1e-9)) | (array > high * (1 + 1e-9))
            if beyond.any():
                show = format_flops if key == "flops" else format_count
                outside.append(f"{key} from {show(low)} to {show(high)}")
                rows_outside = rows_outside | beyond
        if not outside:
            return None
        count, total = int(rows_outside.sum()), rows_outside.size
        if total == 1:
            which = "this answer lies outside that range, so it is an extrapolation"
        elif count == 1:
            which = f"1 of {total} rows lies outside that range, an extrapolation"
        else:
            which = f"{count} of {total} rows lie outside that range, extrapolations"
        return f"warning: {self.name} was fitted on {' and '.join(outside)}; {which}."


def with_overrides(preset: Preset, assignments: list[str]) -> Preset:
    """The preset with some law coefficients replaced: --set alpha=0.336 --set beta=0.283.

    Its closed-form allocation follows the new coefficients; its name says what was changed.
    """
    if not assignments:
        return preset
    if preset.law is None:
        raise ScalecalcError(f"--set: preset {preset.name} has no loss law whose coefficients could be set.")
    changes: dict[str, float] = {}
    for text in assignments:
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or key not in preset.law.parameters:
            raise ScalecalcError(f"--set: {text!r} should be NAME=VALUE with NAME one of "
                                 f"{', '.join(preset.law.parameters)} for preset {preset.name}.")
        try:
            value = float(raw)
        except ValueError:
            raise ScalecalcError(f"--set: {raw.strip()!r} is not a number (in {text!r}).") from None
        if not math.isfinite(value) or value < 0 or (value == 0 and key not in preset.law.may_be_zero):
            raise ScalecalcError(f"--set: {key} must be a finite number above zero, not {raw.strip()}.")
        changes[key] = value
    law = replace(preset.law, **changes)
    allocation, kind = preset.allocation, preset.allocation_kind
    if kind != "power-law rule":
        allocation = law.closed_form_allocation(preset.flops_per_param_token)
        kind = "numeric" if allocation is None else "closed form"
    label = ", ".join(f"{key}={value:g}" for key, value in changes.items())
    return replace(preset, name=f"{preset.name} ({label})", law=law, allocation=allocation,
                   allocation_kind=kind, draws=None, covariance=None)


def builtin_paths() -> dict[str, Path]:
    """Built-in preset names and their files."""
    for folder in BUILTIN_DIRS:
        if folder.is_dir():
            return {path.stem: path for path in sorted(folder.glob("*.toml"))}
    return {}


def builtin_names() -> list[str]:
    return list(builtin_paths())


def resolve(spec: str) -> Path:
    """A built-in name, or a path to a preset file."""
    if not spec.strip():
        raise ScalecalcError("the preset name is empty; give a built-in name (scalecalc presets lists "
                             "them) or a path to a .toml file.")
    paths = builtin_paths()
    if spec in paths:
        return paths[spec]
    candidate = Path(spec).expanduser()
    if candidate.suffix == ".toml" or candidate.exists() or "/" in spec:
        if not candidate.is_file():
            raise ScalecalcError(f"preset file {spec} does not exist; check the path.")
        return candidate
    known = ", ".join(paths) or "none found"
    raise ScalecalcError(f"unknown preset {spec!r}; choose one of {known}, or give a .toml file.")


_cache: dict[Path, Preset] = {}


def load(spec: str | Preset) -> Preset:
    """Load and validate a preset by name or path (cached per file)."""
    if isinstance(spec, Preset):
        return spec
    path = resolve(spec).resolve()
    if path not in _cache:
        _cache[path] = parse_file(path)
    return _cache[path]


def parse_file(path: Path) -> Preset:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ScalecalcError(f"preset file {path}: not valid TOML ({error}).") from None
    except OSError as error:
        raise ScalecalcError(f"preset file {path}: cannot be read ({error.strerror}).") from None
    return from_mapping(data, path)


class _Reader:
    """Typed access to one TOML table that names the file and key in every error."""

    def __init__(self, data: dict[str, Any], path: Path, prefix: str = "") -> None:
        self.data, self.path, self.prefix = data, path, prefix

    def fail(self, key: str, problem: str) -> ScalecalcError:
        return ScalecalcError(f"preset file {self.path}: key {self.prefix}{key} {problem}.")

    def only(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.fail(key, f"is not recognised; allowed here: {', '.join(sorted(allowed))}")

    def table(self, key: str, required: bool = True) -> _Reader | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is missing")
            return None
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table, such as [" + self.prefix + key + "]")
        return _Reader(value, self.path, f"{self.prefix}{key}.")

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value.strip()

    def number(self, key: str, required: bool = True, zero_ok: bool = False) -> float | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, not {value!r}")
        if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
            raise self.fail(key, f"must be a finite number above zero, not {value!r}")
        return float(value)

    def matrix(self, key: str, columns: int) -> np.ndarray | None:
        value = self.data.get(key)
        if value is None:
            return None
        ok = isinstance(value, list) and value and all(
            isinstance(row, list) and len(row) == columns and all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in row)
            for row in value)
        if not ok:
            raise self.fail(key, f"must be a list of rows of {columns} finite numbers")
        return np.array(value, dtype=float)

    def span(self, key: str) -> tuple[float, float] | None:
        value = self.data.get(key)
        if value is None:
            return None
        ok = isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0
            for v in value)
        if not ok or value[0] > value[1]:
            raise self.fail(key, "must be [low, high]: two positive numbers, the smaller first")
        return float(value[0]), float(value[1])


def from_mapping(data: dict[str, Any], path: Path) -> Preset:
    """Validate a parsed preset file; every error names the file and the key."""
    top = _Reader(data, path)
    top.only(_TOP_KEYS)
    source = top.table("source")
    source.only(_SOURCE_KEYS)
    c0 = top.number("flops_per_param_token", required=False) or 6.0

    law = _read_law(top.table("law", required=False))
    rule = _read_allocation(top.table("allocation", required=False))
    if law is None and rule is None:
        raise top.fail("law", "is missing; a preset needs a [law], an [allocation] or both")
    if rule is not None:
        allocation, kind = rule, "power-law rule"
    else:
        allocation = law.closed_form_allocation(c0)
        kind = "numeric" if allocation is None else "closed form"

    ranges = top.table("fitted_range", required=False)
    fitted: dict[str, tuple[float, float]] = {}
    if ranges is not None:
        ranges.only(set(RANGE_KEYS))
        fitted = {key: span for key in RANGE_KEYS if (span := ranges.span(key)) is not None}

    errors, method, draws, covariance = _read_uncertainty(top.table("uncertainty", required=False), law)
    name = top.text("name", required=False) or path.stem
    return Preset(
        name=name,
        summary=top.text("summary"),
        citation=source.text("citation"),
        location=source.text("location"),
        arxiv=source.text("arxiv", required=False),
        law=law,
        allocation=allocation,
        allocation_kind=kind,
        flops_per_param_token=c0,
        fitted_range=fitted,
        path=path,
        notes=top.text("notes", required=False) or "",
        standard_errors=errors,
        uncertainty_method=method,
        draws=draws,
        covariance=covariance,
    )


UNCERTAIN = ("E", "A", "B", "alpha", "beta")  # order of a draw's row and of the covariance


def _read_uncertainty(table: _Reader | None, law: Law | None
                      ) -> tuple[dict[str, float], str, np.ndarray | None, np.ndarray | None]:
    if table is None:
        return {}, "", None, None
    table.only({"method", "standard_errors", "draws", "covariance"})
    errors: dict[str, float] = {}
    stderr = table.table("standard_errors", required=False)
    if stderr is not None:
        stderr.only(set(law.parameters) if law else set())
        errors = {key: stderr.number(key) for key in stderr.data}
    method = table.text("method", required=False) or ""
    if ("draws" in table.data or "covariance" in table.data) and not isinstance(law, ChinchillaLaw):
        raise table.fail("draws", "needs a chinchilla [law]: draws and covariance describe its coefficients")
    draws = table.matrix("draws", columns=5)
    if draws is not None and (len(draws) < 2 or np.any(draws <= 0)):
        raise table.fail("draws", "needs at least 2 rows of positive (E, A, B, alpha, beta)")
    covariance = table.matrix("covariance", columns=5)
    if covariance is not None:
        symmetric = covariance.shape == (5, 5) and np.allclose(covariance, covariance.T)
        if not symmetric or np.any(np.linalg.eigvalsh((covariance + covariance.T) / 2) < -1e-12):
            raise table.fail("covariance", "must be a symmetric positive semi-definite 5×5 matrix "
                             "over (ln E, ln A, ln B, alpha, beta)")
    return errors, method, draws, covariance


def _read_law(table: _Reader | None) -> Law | None:
    if table is None:
        return None
    form = table.text("form")
    if form not in LAW_FORMS:
        raise table.fail("form", f"must be one of {', '.join(LAW_FORMS)}, not {form!r}")
    cls = LAW_FORMS[form]
    table.only({"form", *cls.parameters})
    values = {key: table.number(key, zero_ok=key in cls.may_be_zero) for key in cls.parameters}
    return cls(**values)


def _read_allocation(table: _Reader | None) -> PowerAllocation | None:
    if table is None:
        return None
    table.only(_ALLOCATION_KEYS)
    if table.text("form") != "power-law":
        raise table.fail("form", "must be \"power-law\" (N_opt = coefficient · (C/flops_unit)^exponent)")
    return PowerAllocation(
        coefficient=table.number("coefficient"),
        exponent=table.number("exponent"),
        flops_unit=table.number("flops_unit", required=False) or 1.0,
    )
