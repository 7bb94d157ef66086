"""Law forms, one module each; a preset file names its forms and this package finds them.

Each form declares its variables, coefficients, the questions it answers and the parameter count
it was fitted on (laws/base.py). `registry()` finds every form in this package's modules, so a new
form is one new module here and a preset file that names it: nothing else is edited.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache
from typing import TYPE_CHECKING, Any

from scalecalc.laws.allocation import PowerAllocation
from scalecalc.laws.base import QUESTIONS, VARIABLES, ArrayLike, LawForm, single_question
from scalecalc.laws.chinchilla import ChinchillaLaw

if TYPE_CHECKING:
    from scalecalc.laws.data_constrained import DataConstrainedLaw, RepeatedDataLaw
    from scalecalc.laws.kaplan import KaplanLaw
    from scalecalc.laws.powerlaw1d import PowerLaw1D

Law = LawForm  # every law form is one: a preset's law is any of them

# Forms most answers never need load on first use (PEP 562): start-up time.
_LAZY = {"DataConstrainedLaw": "data_constrained", "RepeatedDataLaw": "data_constrained",
         "KaplanLaw": "kaplan", "PowerLaw1D": "powerlaw1d"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value

__all__ = ["QUESTIONS", "VARIABLES", "ArrayLike", "ChinchillaLaw", "DataConstrainedLaw", "KaplanLaw",
           "Law", "PowerAllocation", "PowerLaw1D", "RepeatedDataLaw", "forms", "registry",
           "single_question"]


def forms(kind: str, wanted: str | None = None) -> dict[str, type[Any]]:
    """The law forms of `kind` ("joint", "single", "rule", "aux") by name. The module named after
    the wanted form (data-constrained: data_constrained.py) is looked at first; the rest of the
    package is read only when the form is not there (start-up time)."""
    stem = None if wanted is None else wanted.replace("-", "_")
    if stem is not None and stem.isidentifier():  # "0.4" or "a.b" would name no module (or a package's)
        module = f"{__name__}.{stem}"
        if importlib.util.find_spec(module) is not None:
            found = _forms((module,)).get(kind, {})
            if wanted in found:
                return found
    return registry().get(kind, {})


@cache
def registry() -> dict[str, dict[str, type[Any]]]:
    """Every law form in this package by kind and then by name."""
    import pkgutil

    names = tuple(f"{__name__}.{info.name}" for info in pkgutil.iter_modules(__path__))
    return _forms(names)


@cache
def _forms(modules: tuple[str, ...]) -> dict[str, dict[str, type[Any]]]:
    found: dict[str, dict[str, type[Any]]] = {}
    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            kind = getattr(value, "kind", None)
            if isinstance(value, type) and value.__module__ == module.__name__ and isinstance(kind, str):
                found.setdefault(kind, {})[value.form] = value
    return found
