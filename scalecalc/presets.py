"""Find, load and validate preset files (TOML, one per published coefficient set)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from scalecalc import laws as law_forms
from scalecalc import tomlfile
from scalecalc.errors import ScalecalcError
from scalecalc.laws import ChinchillaLaw, Law, PowerAllocation
from scalecalc.quantities import format_count, format_flops
from scalecalc.tomlfile import Table, describe

_HERE = Path(__file__).resolve().parent
# Inside a wheel the files sit in scalecalc/presets; in a source checkout, at the top of the repo.
BUILTIN_DIRS = (_HERE / "presets", _HERE.parent / "presets")
DEFAULT_PRESET = "besiroglu"
RANGE_KEYS = ("params", "tokens", "flops", "core_days")
# One-variable laws a preset may carry, by the quantity they take: L(N), L(D), L(C), error(C).
SINGLE_KEYS = tuple(law_forms.VARIABLES)
# What a preset models, for `scalecalc presets` (a user's own file defaults to language).
DOMAINS = ("language", "image", "video", "math", "multimodal", "vision classification", "transfer",
           "games")
MAX_FLOPS_PER_PARAM_TOKEN = 1000.0  # 6 for training, 2 for inference; more is a typo
# Which parameter count a law was fitted on: every parameter (Chinchilla), or all but the embeddings
# (Kaplan et al. 2020 §2.1). A model given by name or config.json is measured the same way.
# "flops-per-token": the law's size is not a parameter count but M, FLOPs per token (DeepSeek LLM
# Eq. 2), with C = M·D; such a preset answers in M and takes no N (solve.answer refuses one).
PARAMS_CONVENTIONS = ("total", "non-embedding", "flops-per-token")
PER_TOKEN = "flops-per-token"
# [laws.NAME] power rules of the budget fill these fields of an optimal answer; the question they answer.
RULE_FIELDS = {"batch_size": "batch", "min_steps": "batch"}

_TOP_KEYS = {"name", "summary", "notes", "caution", "flops_per_param_token", "params_convention", "source",
             "law", "allocation", "single", "laws", "fitted_range", "uncertainty", "domain"}
_SOURCE_KEYS = {"citation", "arxiv", "location", "url"}


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
    # One-variable laws by the quantity they take ("params", "tokens", "flops"), e.g. Kaplan's.
    single: dict[str, Any] = field(default_factory=dict)
    # A line for stderr whenever this preset answers: what a user must know to read its numbers.
    caution: str = ""
    # The parameter count the law was fitted on (PARAMS_CONVENTIONS): what --model hands it.
    params_convention: str = "total"
    domain: str = "language"
    # Further laws by name ([laws.NAME]): a power rule of the budget gives the optimal answer's field
    # NAME (Kaplan's batch_size); other forms answer the questions they declare.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def answers(self) -> tuple[str, ...]:
        """The questions (laws.QUESTIONS) this preset can answer, from its laws' declarations."""
        found: list[str] = []
        for part in (self.law, self.allocation):
            found.extend(getattr(part, "questions", ()))
        for key, part in self.extra.items():
            found.extend([RULE_FIELDS[key]] if part.kind == "rule" else part.questions)
        found.extend(law_forms.single_question(key, law.quantity) for key, law in self.single.items())
        return tuple(name for name in law_forms.QUESTIONS if name in found)

    def rules(self, flops: Any) -> dict[str, Any]:
        """The optimal answer's fields from the [laws.NAME] power rules of the budget (batch_size, ...)."""
        return {key: law.value(flops) for key, law in self.extra.items() if law.kind == "rule"}

    def advice(self, params: Any, tokens: Any) -> list[str]:
        """Warnings from the preset's laws about a run (Kaplan's overfitting rule, say)."""
        found = [law.advise(self.name, params, tokens)
                 for law in self.extra.values() if hasattr(law, "advise")]
        return [line for line in found if line]

    def law_for(self, question: str) -> Any:
        """The first of the preset's further laws ([laws.NAME]) that answers `question`, or None."""
        return next((law for law in self.extra.values() if question in getattr(law, "questions", ())),
                    None)

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
                # A lower bound of 0 means the source reports only the upper one.
                span = f"from {show(low)} to {show(high)}" if low > 0 else f"up to {show(high)}"
                outside.append(f"{key} {span}")
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


def require(preset: Preset, question: str, why: str) -> None:
    """Refuse a question the preset cannot answer, naming the built-in presets that can.

    `why` says what the preset lacks, such as "has no loss law L(N, D)".
    """
    if question in preset.answers:
        return
    if "moe" in preset.answers:  # its own questions go through optimal and loss (cli/moe_opts.py)
        # Not "cannot answer optimal": table and hparams ask for that question too, in their own words.
        raise ScalecalcError(f"preset {preset.name} is a mixture-of-experts law, which only the optimal and "
                             f"loss commands take (docs/moe.md); for this question, "
                             f"{able(question, preset.domain)}.")
    raise ScalecalcError(f"preset {preset.name} {why}, so it cannot answer {question}; "
                         f"{able(question, preset.domain)}.")


def require_params(preset: Preset, instead: str) -> None:
    """Refuse a question that needs a parameter count N of a preset that sizes models by M, FLOPs per
    token (DeepSeek LLM); `instead` says what to do, as the end of the sentence."""
    if preset.params_convention == PER_TOKEN:
        raise ScalecalcError(f"preset {preset.name} sizes a model by M, its FLOPs per token (C = M·D), not "
                             f"by a parameter count N, so {instead}.")


def able(question: str, domain: str = "language", limit: int = 4) -> str:
    """"use a preset that can, such as a, b, c" (those of `domain` first; the first few, and how many
    more), for a refusal."""
    found = [load(name) for name in builtin_names()]
    names = [item.name for item in sorted(found, key=lambda item: item.domain != domain)
             if question in item.answers]
    if not names:
        return "no built-in preset can"
    shown = ", ".join(names[:limit])
    more = f" and {len(names) - limit} more (scalecalc presets lists them)" if len(names) > limit else ""
    return f"use a preset that can, such as {shown}{more}"


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
    data, _ = tomlfile.read(path, "preset")
    return from_mapping(data, path)


def from_mapping(data: dict[str, Any], path: Path) -> Preset:
    """Validate a parsed preset file; every error names the file and the key."""
    top = Table(data, f"preset file {path}")
    top.only(_TOP_KEYS)
    source = top.table("source")
    source.only(_SOURCE_KEYS)
    source.text("url", required=False)  # not used here, but `presets show` prints it
    given_c0 = top.number("flops_per_param_token", required=False, high=MAX_FLOPS_PER_PARAM_TOKEN)
    c0 = given_c0 or 6.0
    domain = top.text("domain", required=False) or "language"
    if domain not in DOMAINS:
        raise top.fail("domain", f"must be one of {', '.join(DOMAINS)}, not {describe(domain)}")
    law = _read_law(top.table("law", required=False))
    rule = _read_allocation(top.table("allocation", required=False))
    # The parameter count the law was fitted on: the file's word, else what its form declares.
    declared = getattr(law if law is not None else rule, "params_convention", "total")
    convention = top.text("params_convention", required=False) or declared
    if convention not in PARAMS_CONVENTIONS:
        raise top.fail("params_convention", f"must be {' or '.join(map(repr, PARAMS_CONVENTIONS))}, "
                       f"not {describe(convention)}")
    if law is None and rule is None and "single" not in top.data and "laws" not in top.data:
        raise top.fail("law", "is missing; a preset needs a [law], an [allocation], a [single.VARIABLE] "
                       "law or [laws.NAME]")
    if (convention == PER_TOKEN) != (declared == PER_TOKEN):  # C = M·D needs a rule of M, and back
        raise top.fail("params_convention", f"must be {PER_TOKEN!r} exactly when the [allocation] form is "
                       "'flops-per-token-power-law'")
    if convention == PER_TOKEN:  # C = M·D: M already counts a token's FLOPs
        if given_c0 not in (None, 1):
            raise top.fail("flops_per_param_token",
                           f"must be 1 (or left out) for {PER_TOKEN}, whose C is M·D")
        c0 = 1.0
    if hasattr(rule, "as_params_rule"):  # a rule for D (Llama 3): solved as the N rule it implies
        if rule.exponent >= 1:
            raise top.fail("allocation", f"is a token rule D = k·C^a with a = {rule.exponent:g}; a must be "
                           "below 1, or N = C/(c0·D) would shrink as C grows")
        rule = rule.as_params_rule(c0)
    if rule is not None:
        allocation, kind = rule, "power-law rule"
    elif law is None:
        allocation, kind = None, "none"
    else:
        allocation = law.closed_form_allocation(c0)
        kind = "numeric" if allocation is None else "closed form"

    ranges = top.table("fitted_range", required=False)
    fitted: dict[str, tuple[float, float]] = {}
    if ranges is not None:
        ranges.only(set(RANGE_KEYS))
        fitted = {key: span for key in RANGE_KEYS if (span := ranges.span(key)) is not None}

    errors, method, draws, covariance = _read_uncertainty(top.table("uncertainty", required=False), law)
    single = _read_single(top.table("single", required=False))
    extra = _read_extra(top.table("laws", required=False))
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
        single=single,
        caution=top.text("caution", required=False) or "",
        params_convention=convention,
        domain=domain,
        extra=extra,
    )


def _build(table: Table, kind: str, default_form: str | None = None) -> Any:
    """One law of `kind` from its table: the form names the class (laws.registry()), whose
    declaration says which numbers and texts the table holds."""
    form = table.text("form", required=default_form is None) or default_form
    forms = law_forms.forms(kind, form)
    if form not in forms:
        raise table.fail("form", f"must be one of {', '.join(sorted(forms))}, not {describe(form)}")
    cls = forms[form]
    table.only({"form", "note", *cls.parameters, *cls.optional, *cls.texts})
    table.text("note", required=False)
    values: dict[str, Any] = {key: table.number(key, zero_ok=key in cls.may_be_zero)
                              for key in cls.parameters}
    for key, default in cls.optional.items():
        number = table.number(key, required=False, zero_ok=key in cls.may_be_zero)
        values[key] = default if number is None else number
    values.update({key: table.text(key) for key in cls.texts})
    return cls(**values)


def _read_single(table: Table | None) -> dict[str, Any]:
    """[single.params], [single.tokens], [single.flops], [single.core_days]: a law in one variable,
    by default the power law L(x) = irreducible + (scale/(x/unit))^exponent."""
    if table is None:
        return {}
    table.only(set(SINGLE_KEYS))
    return {key: _build(entry, "single", default_form="power-law")
            for key in SINGLE_KEYS if (entry := table.table(key, required=False)) is not None}


def _read_extra(table: Table | None) -> dict[str, Any]:
    """[laws.NAME]: further laws, each of any form a module declares as "aux" or "rule"."""
    if table is None:
        return {}
    extra: dict[str, Any] = {}
    for key in table.data:
        entry = table.table(key)
        form = entry.text("form")
        kind = next((kind for kind in ("aux", "rule") if form in law_forms.forms(kind, form)), "aux")
        if kind == "rule" and key not in RULE_FIELDS:
            raise table.fail(key, "is a rule of the budget, so its name must be one of "
                             f"{', '.join(RULE_FIELDS)}")
        extra[key] = _build(entry, kind)
    return extra


UNCERTAIN = ("E", "A", "B", "alpha", "beta")  # order of a draw's row and of the covariance


def _read_uncertainty(table: Table | None, law: Law | None
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


def _read_law(table: Table | None) -> Law | None:
    return None if table is None else _build(table, "joint")


def _read_allocation(table: Table | None) -> PowerAllocation | None:
    """[allocation]: N_opt = coefficient · (C/flops_unit)^exponent, or another rule form."""
    return None if table is None else _build(table, "rule")
