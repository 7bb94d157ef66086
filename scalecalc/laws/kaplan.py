"""Kaplan et al. 2020's joint fit L(N, D) (Eq. 1.5): no closed-form optimum, solved numerically."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.laws.base import ArrayLike


@dataclass(frozen=True)
class KaplanLaw:
    """L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (Kaplan et al. 2020, Eq. 1.5; N non-embedding)."""

    N_c: float
    D_c: float
    alpha_N: float
    alpha_D: float

    form: ClassVar[str] = "kaplan"
    kind: ClassVar[str] = "joint"
    parameters: ClassVar[tuple[str, ...]] = ("N_c", "D_c", "alpha_N", "alpha_D")
    optional: ClassVar[dict[str, float]] = {}
    texts: ClassVar[tuple[str, ...]] = ()
    may_be_zero: ClassVar[frozenset[str]] = frozenset()
    params_convention: ClassVar[str] = "non-embedding"  # Kaplan et al. 2020 §2.1
    questions: ClassVar[tuple[str, ...]] = ("optimal", "loss")

    @property
    def irreducible(self) -> float:
        return 0.0

    def _inner(self, params: ArrayLike, tokens: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        params_part = np.power(np.divide(self.N_c, params), self.alpha_N / self.alpha_D)
        return params_part, np.divide(self.D_c, tokens)

    def loss(self, params: ArrayLike, tokens: ArrayLike) -> np.ndarray:
        params_part, data_part = self._inner(params, tokens)
        return np.power(params_part + data_part, self.alpha_D)

    def terms(self, params: ArrayLike, tokens: ArrayLike) -> dict[str, np.ndarray | float | None]:
        # The form is not a sum of terms, so there is no additive split to report.
        return {"loss_irreducible": 0.0, "loss_params_term": None, "loss_data_term": None}

    def log_partials(self, params: ArrayLike, tokens: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        params_part, data_part = self._inner(params, tokens)
        outer = self.alpha_D * np.power(params_part + data_part, self.alpha_D - 1)
        return -outer * params_part * self.alpha_N / self.alpha_D, -outer * data_part

    def closed_form_allocation(self, c0: float) -> None:
        return None

    def least_compute_point(self, loss: ArrayLike) -> None:
        return None
