"""A sigmoid in ln x, for a metric that saturates at both ends (downstream accuracy against compute,
as Llama 3 §3.2.1 and OLMo's ladder map task loss to accuracy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.laws.base import ArrayLike, LawForm


@dataclass(frozen=True)
class SigmoidLaw(LawForm):
    """y = lo + (hi − lo)/(1 + exp(−k·(ln x − ln x_mid))) = lo + (hi − lo)/(1 + (x_mid/x)^k).

    lo is y far below x_mid, hi far above it; y is halfway at x = x_mid, and k (above zero) is the
    steepness in ln x. A metric that falls with scale has hi below lo.
    """

    lo: float
    hi: float
    k: float
    x_mid: float
    label: str = ""

    form: ClassVar[str] = "sigmoid"
    kind: ClassVar[str] = "single"
    parameters: ClassVar[tuple[str, ...]] = ("lo", "hi", "k", "x_mid")
    texts: ClassVar[tuple[str, ...]] = ("label",)
    may_be_zero: ClassVar[frozenset[str]] = frozenset({"lo", "hi"})
    quantity: ClassVar[str] = "L"  # whatever the fitted column holds; the label names it

    def loss(self, value: ArrayLike) -> np.ndarray:
        """y at x = value (named loss, as every one-variable law is asked)."""
        z = self.k * (np.log(np.asarray(value, dtype=float)) - np.log(self.x_mid))
        return self.lo + (self.hi - self.lo) * np.exp(-np.logaddexp(0.0, -z))
