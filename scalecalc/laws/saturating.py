"""The double-saturating power law E(C) = c + a·(C + d)^(−b) of Zhai et al. 2022 (vision transformers):
an error rate that saturates at c for large compute and flattens for compute below d."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.laws.base import ArrayLike, LawForm


@dataclass(frozen=True)
class SaturatingPowerLaw(LawForm):
    """E(x) = c + a·(x/unit + d)^(−b); Zhai et al. 2022 §2.2 with x in TPUv3 core-days."""

    a: float
    b: float
    c: float
    d: float
    unit: float = 1.0
    label: str = ""

    form: ClassVar[str] = "saturating"
    kind: ClassVar[str] = "single"
    parameters: ClassVar[tuple[str, ...]] = ("a", "b", "c", "d")
    optional: ClassVar[dict[str, float]] = {"unit": 1.0}
    texts: ClassVar[tuple[str, ...]] = ("label",)
    may_be_zero: ClassVar[frozenset[str]] = frozenset({"c", "d"})
    quantity: ClassVar[str] = "error"  # what it predicts: an error rate, 1 − accuracy

    def loss(self, value: ArrayLike) -> np.ndarray:
        """The error at `value` (named loss so that every one-variable law is asked the same way)."""
        shifted = np.add(np.divide(value, self.unit), self.d)
        return self.c + self.a * np.exp(-self.b * np.log(shifted))
