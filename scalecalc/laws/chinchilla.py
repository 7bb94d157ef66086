"""The Chinchilla form L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022), with its closed-form optimum."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.laws.allocation import PowerAllocation
from scalecalc.laws.base import ArrayLike, LawForm


@dataclass(frozen=True)
class ChinchillaLaw(LawForm):
    """L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, Eq. 2)."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float

    form: ClassVar[str] = "chinchilla"
    kind: ClassVar[str] = "joint"
    parameters: ClassVar[tuple[str, ...]] = ("E", "A", "B", "alpha", "beta")
    may_be_zero: ClassVar[frozenset[str]] = frozenset({"E"})
    params_convention: ClassVar[str] = "total"  # Hoffmann et al. count every parameter
    questions: ClassVar[tuple[str, ...]] = ("optimal", "loss")

    @property
    def irreducible(self) -> float:
        return self.E

    def loss(self, params: ArrayLike, tokens: ArrayLike) -> np.ndarray:
        return self.E + self.params_term(params) + self.data_term(tokens)

    def params_term(self, params: ArrayLike) -> np.ndarray:
        return self.A * np.power(params, -self.alpha)

    def data_term(self, tokens: ArrayLike) -> np.ndarray:
        return self.B * np.power(tokens, -self.beta)

    def terms(self, params: ArrayLike, tokens: ArrayLike) -> dict[str, np.ndarray | float]:
        return {
            "loss_irreducible": self.E,
            "loss_params_term": self.params_term(params),
            "loss_data_term": self.data_term(tokens),
        }

    def log_partials(self, params: ArrayLike, tokens: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """(∂L/∂ln N, ∂L/∂ln D): what the numeric solver follows."""
        return -self.alpha * self.params_term(params), -self.beta * self.data_term(tokens)

    @property
    def optimum_scale(self) -> ArrayLike:
        """G = (αA/(βB))^(1/(α+β)) of Eq. 4, computed in logs."""
        with np.errstate(over="ignore", divide="ignore"):  # extreme --set values: inf, refused by solve
            return np.exp(np.log(self.alpha * self.A / (self.beta * self.B)) / (self.alpha + self.beta))

    def closed_form_allocation(self, c0: float) -> PowerAllocation:
        """Eq. 4: N_opt = G·(C/c0)^a with a = β/(α+β)."""
        exponent = self.beta / (self.alpha + self.beta)
        # Coefficients may be arrays (one row per bootstrap draw): keep them as NumPy values.
        return PowerAllocation(self.optimum_scale * np.power(c0, -exponent), exponent)

    def least_compute_point(self, loss: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """N, D of the cheapest run reaching `loss` (> E): the reducible part splits β : α."""
        excess = np.subtract(loss, self.E)
        total = self.alpha + self.beta
        params = np.power(self.A * total / (excess * self.beta), 1 / self.alpha)
        tokens = np.power(self.B * total / (excess * self.alpha), 1 / self.beta)
        return params, tokens
