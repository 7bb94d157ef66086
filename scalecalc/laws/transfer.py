"""Hernandez et al. 2021, Scaling Laws for Transfer: the data a pre-trained model is worth,
D_T = k·D_F^α·N^β (Eq. 1.1), in the low-data regime of fine-tuning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.laws.base import ArrayLike, LawForm


@dataclass(frozen=True)
class TransferLaw(LawForm):
    """Effective data transferred D_T = k·D_F^α·N^β, with D_F the fine-tuning data and N the
    non-embedding parameters; D_E = D_F + D_T is what a model trained from scratch would need."""

    k: float
    alpha: float
    beta: float

    form: ClassVar[str] = "transfer"
    kind: ClassVar[str] = "aux"
    parameters: ClassVar[tuple[str, ...]] = ("k", "alpha", "beta")
    params_convention: ClassVar[str] = "non-embedding"
    questions: ClassVar[tuple[str, ...]] = ("transfer",)

    def transferred(self, params: ArrayLike, finetune: ArrayLike) -> np.ndarray:
        """D_T, in logs so that large N and D_F do not overflow on the way."""
        return np.exp(np.log(self.k) + self.alpha * np.log(finetune) + self.beta * np.log(params))
