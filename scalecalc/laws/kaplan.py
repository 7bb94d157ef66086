"""Kaplan et al. 2020's joint fit L(N, D) (Eq. 1.5): no closed-form optimum, solved numerically."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.laws.base import ArrayLike, LawForm
from scalecalc.quantities import show


@dataclass(frozen=True)
class KaplanLaw(LawForm):
    """L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (Kaplan et al. 2020, Eq. 1.5; N non-embedding)."""

    N_c: float
    D_c: float
    alpha_N: float
    alpha_D: float

    form: ClassVar[str] = "kaplan"
    kind: ClassVar[str] = "joint"
    parameters: ClassVar[tuple[str, ...]] = ("N_c", "D_c", "alpha_N", "alpha_D")
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


@dataclass(frozen=True)
class KaplanStepLaw(LawForm):
    """L(N, S_min) = (N_c/N)^α_N + (S_c/S_min)^α_S (Kaplan et al. 2020, Eq. 1.6 / 5.6, Table 3):
    the loss of N non-embedding parameters after S_min steps at the critical batch size."""

    N_c: float
    S_c: float
    alpha_N: float
    alpha_S: float

    form: ClassVar[str] = "kaplan-steps"
    kind: ClassVar[str] = "aux"
    parameters: ClassVar[tuple[str, ...]] = ("N_c", "S_c", "alpha_N", "alpha_S")
    questions: ClassVar[tuple[str, ...]] = ("L(N,S)",)

    def loss(self, params: ArrayLike, steps: ArrayLike) -> np.ndarray:
        return (np.power(np.divide(self.N_c, params), self.alpha_N)
                + np.power(np.divide(self.S_c, steps), self.alpha_S))


@dataclass(frozen=True)
class CriticalBatch(LawForm):
    """B_crit(L) = B*/L^(1/α_B) tokens (Kaplan et al. 2020, Eq. 1.4 / 5.3, Table 5): the batch size
    at which training costs twice the fewest steps and twice the fewest examples (Eq. 5.2)."""

    B_star: float
    alpha_B: float

    form: ClassVar[str] = "critical-batch"
    kind: ClassVar[str] = "aux"
    parameters: ClassVar[tuple[str, ...]] = ("B_star", "alpha_B")
    questions: ClassVar[tuple[str, ...]] = ("batch",)

    def batch(self, loss: ArrayLike) -> np.ndarray:
        return self.B_star * np.exp(-np.log(loss) / self.alpha_B)


@dataclass(frozen=True)
class OverfittingRule(LawForm):
    """D ≳ coefficient · N^exponent (Kaplan et al. 2020, Eq. 4.4: 5e3·N^0.74): with fewer tokens a model
    of N parameters overfits by more than the seed-to-seed noise of 0.02 nats."""

    coefficient: float
    exponent: float

    form: ClassVar[str] = "overfitting"
    kind: ClassVar[str] = "aux"
    parameters: ClassVar[tuple[str, ...]] = ("coefficient", "exponent")

    def least_tokens(self, params: ArrayLike) -> np.ndarray:
        return self.coefficient * np.power(params, self.exponent)

    def advise(self, preset: str, params: ArrayLike, tokens: ArrayLike | None) -> str | None:
        """A warning where some run has fewer tokens than the rule asks for its N, else None."""
        if params is None or tokens is None:
            return None
        with np.errstate(all="ignore"):
            short = np.asarray(np.less(tokens, self.least_tokens(params)))
        if not short.any():
            return None
        at = float(np.broadcast_to(np.asarray(params, dtype=float), short.shape)[short].flat[0])
        need = float(self.least_tokens(at))
        which = "this run has" if short.size == 1 else f"{int(short.sum())} of {short.size} rows have"
        return (f"warning: {which} fewer tokens than {preset}'s overfitting bound D ≳ {self.coefficient:g}"
                f"·N^{self.exponent:g} (Kaplan et al. 2020, Eq. 4.4; at N = {show(at)}, D ≳ {show(need)}): "
                "on less data the loss sits more than 0.02 above that of unlimited data.")
