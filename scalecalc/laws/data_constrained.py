"""Muennighoff et al. 2023's data-constrained law: the Chinchilla form with decaying repeats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.laws.base import ArrayLike, LawForm
from scalecalc.laws.chinchilla import ChinchillaLaw


@dataclass(frozen=True)
class DataConstrainedLaw(ChinchillaLaw):
    """Muennighoff et al. 2023 (arXiv 2305.16264, docs/references.md): the Chinchilla form, in which
    repeated tokens and parameters beyond what the unique data supports are worth less.

    With unlimited unique data it is exactly the Chinchilla law of its E, A, B, α, β;
    `with_unique_tokens(U)` gives the law for a corpus of U unique tokens.
    """

    R_D: float = 15.387756  # decay constant of repeated data, in repetitions
    R_N: float = 5.309743  # decay constant of excess parameters

    form: ClassVar[str] = "data-constrained"
    parameters: ClassVar[tuple[str, ...]] = ("E", "A", "B", "alpha", "beta", "R_D", "R_N")

    def with_unique_tokens(self, unique: float, c0: float = 6.0) -> RepeatedDataLaw:
        return RepeatedDataLaw(self, unique, c0)


def _decayed(amount: ArrayLike, base: ArrayLike, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Effective value of `amount` when only `base` of it is fresh: base·(1 + R*·(1 − e^(−R/R*)))
    with R = amount/base − 1 repetitions; and its derivative with respect to amount."""
    fresh = np.minimum(amount, base)
    repeats = np.maximum(np.divide(amount, fresh) - 1, 0.0)
    decay = np.exp(-repeats / scale)
    effective = fresh + fresh * scale * (1 - decay)
    return effective, np.where(np.asarray(amount) > base, decay, 1.0)


@dataclass(frozen=True)
class RepeatedDataLaw(LawForm):
    """A DataConstrainedLaw for a corpus of `unique` tokens: L = E + A/N'^α + B/D'^β (Eq. 5)."""

    base: DataConstrainedLaw
    unique: float
    c0: float = 6.0

    form: ClassVar[str] = "data-constrained"
    kind: ClassVar[str] = "derived"  # made by with_unique_tokens, never read from a file
    questions: ClassVar[tuple[str, ...]] = ("optimal", "loss")

    @property
    def irreducible(self) -> float:
        return self.base.E

    @property
    def unique_params(self) -> float:
        """U_N: the compute-optimal model size for `unique` tokens; larger models decay."""
        allocation = self.base.closed_form_allocation(self.c0)
        return float(allocation.params(allocation.flops_for_tokens(self.unique, self.c0)))

    def effective_tokens(self, tokens: ArrayLike) -> np.ndarray:
        return _decayed(tokens, self.unique, self.base.R_D)[0]

    def effective_params(self, params: ArrayLike) -> np.ndarray:
        return _decayed(params, self.unique_params, self.base.R_N)[0]

    def loss(self, params: ArrayLike, tokens: ArrayLike) -> np.ndarray:
        return self.base.loss(self.effective_params(params), self.effective_tokens(tokens))

    def terms(self, params: ArrayLike, tokens: ArrayLike) -> dict[str, np.ndarray | float]:
        return self.base.terms(self.effective_params(params), self.effective_tokens(tokens))

    def log_partials(self, params: ArrayLike, tokens: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        n_eff, dn = _decayed(params, self.unique_params, self.base.R_N)
        d_eff, dd = _decayed(tokens, self.unique, self.base.R_D)
        # ∂L/∂ln N = (∂L/∂ln N')·(N/N')·dN'/dN, and likewise for D.
        by_n, by_d = self.base.log_partials(n_eff, d_eff)
        return by_n * np.divide(params, n_eff) * dn, by_d * np.divide(tokens, d_eff) * dd

    def closed_form_allocation(self, c0: float) -> None:
        return None

    def least_compute_point(self, loss: ArrayLike) -> None:
        return None
