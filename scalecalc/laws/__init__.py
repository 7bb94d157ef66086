"""Law forms, one module each; a preset file names its forms and this package finds them.

Each form declares its variables, coefficients, the questions it answers and the parameter count
it was fitted on (laws/base.py). `registry()` finds every form in this package's modules, so a new
form is one new module here and a preset file that names it: nothing else is edited.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any

from scalecalc.laws.allocation import PowerAllocation
from scalecalc.laws.base import QUESTIONS, VARIABLES, ArrayLike, single_question
from scalecalc.laws.chinchilla import ChinchillaLaw
from scalecalc.laws.data_constrained import DataConstrainedLaw, RepeatedDataLaw
from scalecalc.laws.kaplan import KaplanLaw
from scalecalc.laws.powerlaw1d import PowerLaw1D

Law = ChinchillaLaw | KaplanLaw | DataConstrainedLaw | RepeatedDataLaw

__all__ = ["QUESTIONS", "VARIABLES", "ArrayLike", "ChinchillaLaw", "DataConstrainedLaw", "KaplanLaw",
           "Law", "PowerAllocation", "PowerLaw1D", "RepeatedDataLaw", "registry", "single_question"]


@cache
def registry() -> dict[str, dict[str, type[Any]]]:
    """Every law form in this package by kind ("joint", "single", "rule") and then by name."""
    found: dict[str, dict[str, type[Any]]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            kind = getattr(value, "kind", None)
            if isinstance(value, type) and value.__module__ == module.__name__ and isinstance(kind, str):
                found.setdefault(kind, {})[value.form] = value
    return found
