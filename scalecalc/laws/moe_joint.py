"""Ludziejewski et al. 2025's joint law of loss in active parameters, tokens and experts (Eq. 6),
and their per-expert-count fits (Table 4), which give the paper's Table 1 through Eq. 7.

At a fixed expert count E either is the Chinchilla form in (N_act, D), so the compute-optimal
split has Chinchilla's closed form (Eq. 7 is that form). Coefficient files hold magnitudes (a
preset number is never negative); the signs are fixed here, as the paper prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.laws.base import ArrayLike, LawForm
from scalecalc.laws.chinchilla import ChinchillaLaw


def effective_experts(experts: ArrayLike, start: float, limit: float) -> np.ndarray:
    """Ê (Clark et al. 2022; Ludziejewski Eq. 4): E saturated below `start` and above `limit`.
    1/Ê = 1/(E − 1 + (1/start − 1/limit)^(−1)) + 1/limit; Ê(1) = start."""
    shifted = np.subtract(experts, 1.0) + 1.0 / (1.0 / start - 1.0 / limit)
    return 1.0 / (1.0 / shifted + 1.0 / limit)


@dataclass(frozen=True)
class JointMoeLaw(LawForm):
    """L = a·Ê^(−delta)·N_act^(−alpha + gamma·ln Ê) + b·Ê^omega·D^(−beta − zeta·ln Ê) + c
    (Ludziejewski et al. 2025, Eq. 6; Table 3 prints α, δ, β, ζ negative, γ and ω positive)."""

    a: float
    alpha: float
    delta: float
    gamma: float
    b: float
    beta: float
    omega: float
    zeta: float
    E_start: float
    E_max: float
    c: float

    form: ClassVar[str] = "joint-moe"
    kind: ClassVar[str] = "aux"
    parameters: ClassVar[tuple[str, ...]] = ("a", "alpha", "delta", "gamma", "b", "beta", "omega", "zeta",
                                             "E_start", "E_max", "c")
    params_convention: ClassVar[str] = "total"  # active parameters with embeddings (App. A)
    questions: ClassVar[tuple[str, ...]] = ("moe",)
    variable: ClassVar[str] = "experts"

    def __post_init__(self) -> None:
        # Ê's saturation needs 1 ≤ E_start < E_max: else 1/E_start − 1/E_max ≤ 0 and Ê is no count.
        if not 1 <= self.E_start < self.E_max:
            raise ScalecalcError(f"E_start = {self.E_start:g} and E_max = {self.E_max:g} must satisfy "
                                 "1 ≤ E_start < E_max (Table 3: 2.0732 and 290.4521).")

    def at(self, experts: float) -> ChinchillaLaw:
        """The law at a fixed expert count: the Chinchilla form in (N_act, D)."""
        log_e = float(np.log(effective_experts(experts, self.E_start, self.E_max)))
        return ChinchillaLaw(E=self.c, A=self.a * np.exp(-self.delta * log_e),
                             B=self.b * np.exp(self.omega * log_e),
                             alpha=self.alpha - self.gamma * log_e, beta=self.beta + self.zeta * log_e)

    def loss(self, params: ArrayLike, tokens: ArrayLike, experts: float) -> np.ndarray:
        return self.at(experts).loss(params, tokens)


@dataclass(frozen=True)
class ExpertsFit(LawForm):
    """m·N_act^(−mu) + n·D^(−nu) (+ a constant) at one expert count (Ludziejewski et al. 2025,
    Table 4, which prints mu and nu negative). Used for the compute-optimal split only (Eq. 7, which
    the constant does not change); the loss comes from the joint law."""

    experts: float
    m: float
    mu: float
    n: float
    nu: float

    form: ClassVar[str] = "experts-fit"
    kind: ClassVar[str] = "aux"
    parameters: ClassVar[tuple[str, ...]] = ("experts", "m", "mu", "n", "nu")
    questions: ClassVar[tuple[str, ...]] = ("moe",)

    def __post_init__(self) -> None:
        if self.experts != int(self.experts):
            raise ScalecalcError(f"experts = {self.experts:g} is not a whole number of experts; give one "
                                 "such as 8.")

    def allocation_law(self) -> ChinchillaLaw:
        """The fit as a Chinchilla law for its closed-form split (its constant set to 0: unused)."""
        return ChinchillaLaw(E=0.0, A=self.m, B=self.n, alpha=self.mu, beta=self.nu)
