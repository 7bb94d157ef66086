"""The densing law (Xiao et al. 2024): the capability density of the best open models grows as
ln ρ_max = A·t + B, so the parameters needed for a fixed capability shrink by e^(−A·t)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.laws.base import ArrayLike, LawForm


@dataclass(frozen=True)
class DensingLaw(LawForm):
    """ρ_max grows as e^(A·t), t in days; only the slope A is published (B is not), so the law
    answers ratios: a model of equal capability needs e^(−A·t) times the parameters after t days."""

    A: float  # per day

    form: ClassVar[str] = "densing"
    kind: ClassVar[str] = "aux"
    parameters: ClassVar[tuple[str, ...]] = ("A",)
    questions: ClassVar[tuple[str, ...]] = ("densing",)

    def density_gain(self, days: ArrayLike) -> np.ndarray:
        return np.exp(np.multiply(self.A, days))

    @property
    def doubling_days(self) -> float:
        return float(np.log(2) / self.A)
