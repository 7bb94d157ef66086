"""L(x) = irreducible + (scale / x)^exponent: the one-variable power law (Kaplan's Table 5,
Henighan et al.'s Table 1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.laws.base import ArrayLike, LawForm


@dataclass(frozen=True)
class PowerLaw1D(LawForm):
    """L(x) = irreducible + (scale / (x / unit))^exponent: a loss law in one variable.

    Kaplan et al. 2020 (Table 5) give three: L(N) for models trained to convergence on unlimited
    data, L(D) for large models stopped early on D tokens, and L(C_min) along the compute frontier.
    Henighan et al. 2020 (Table 1) add an irreducible loss per domain. `unit` converts the user's
    quantity into the law's own (FLOPs into PF-days, say).
    """

    scale: float
    exponent: float
    unit: float = 1.0
    irreducible: float = 0.0
    label: str = ""  # what the law describes, with its source: shown beside its answers

    form: ClassVar[str] = "power-law"
    kind: ClassVar[str] = "single"
    parameters: ClassVar[tuple[str, ...]] = ("scale", "exponent")
    optional: ClassVar[dict[str, float]] = {"unit": 1.0, "irreducible": 0.0}
    texts: ClassVar[tuple[str, ...]] = ("label",)
    may_be_zero: ClassVar[frozenset[str]] = frozenset({"irreducible"})
    quantity: ClassVar[str] = "L"  # what it predicts: a loss

    def loss(self, value: ArrayLike) -> np.ndarray:
        log_ratio = np.log(self.scale) - np.log(np.divide(value, self.unit))
        return self.irreducible + np.exp(self.exponent * log_ratio)
