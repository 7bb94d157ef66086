"""Jones 2021, Scaling Scaling Laws with Board Games: the exchange rate between train-time and
test-time compute at equal Elo, log10(test) = −slope·log10(train) + elo·Elo + intercept (Fig. 9)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.laws.base import ArrayLike, LawForm


@dataclass(frozen=True)
class ExchangeRate(LawForm):
    """At equal Elo, multiplying train-time compute by f divides test-time compute by f^slope."""

    slope: float
    elo: float = 0.0
    intercept: float = 0.0

    form: ClassVar[str] = "exchange-rate"
    kind: ClassVar[str] = "aux"
    parameters: ClassVar[tuple[str, ...]] = ("slope",)
    optional: ClassVar[dict[str, float]] = {"elo": 0.0, "intercept": 0.0}
    may_be_zero: ClassVar[frozenset[str]] = frozenset({"elo", "intercept"})
    questions: ClassVar[tuple[str, ...]] = ("exchange",)

    def test_factor(self, train_factor: ArrayLike) -> np.ndarray:
        """How many times less test-time compute a train-time multiple buys at equal Elo."""
        return np.exp(self.slope * np.log(train_factor))

    def train_factor(self, test_factor: ArrayLike) -> np.ndarray:
        return np.exp(np.log(test_factor) / self.slope)
