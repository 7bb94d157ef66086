"""Clark et al. 2022's unified law for routed language models, L(N, E), and the dense size an MoE
is worth (their effective parameter count N̄). log is base 10 here (the secondary source's reading).

log L = −a·log N − b·log Ê + c·log N·log Ê + d, with Ê the saturated expert count; the file holds
magnitudes of a and b, which the fit has negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.laws.base import ArrayLike, LawForm
from scalecalc.laws.moe_joint import effective_experts


@dataclass(frozen=True)
class RoutedLaw(LawForm):
    """L(N, E) at a fixed token count (Clark et al. 2022, Eq. 3–4 as Ludziejewski et al. 2025 write them)."""

    a: float
    b: float
    c: float
    d: float
    E_start: float
    E_max: float

    form: ClassVar[str] = "routed-moe"
    kind: ClassVar[str] = "aux"
    parameters: ClassVar[tuple[str, ...]] = ("a", "b", "c", "d", "E_start", "E_max")
    params_convention: ClassVar[str] = "total"
    questions: ClassVar[tuple[str, ...]] = ("moe",)
    variable: ClassVar[str] = "experts"

    def _slope(self, log_e: ArrayLike) -> np.ndarray:
        """α(Ê) = ∂log L/∂log N at Ê: −a + c·log Ê."""
        return -self.a + self.c * np.asarray(log_e)

    def loss(self, params: ArrayLike, experts: ArrayLike) -> np.ndarray:
        log_n = np.log10(params)
        log_e = np.log10(effective_experts(experts, self.E_start, self.E_max))
        return np.power(10.0, -self.a * log_n - self.b * log_e + self.c * log_n * log_e + self.d)

    def effective_params(self, params: ArrayLike, experts: ArrayLike) -> np.ndarray:
        """N̄ with L(N̄, 1) = L(N, E): N^(α(Ê)/α(E_start))·(Ê/E_start)^(−b/α(E_start))."""
        log_e = np.log10(effective_experts(experts, self.E_start, self.E_max))
        log_start = np.log10(self.E_start)
        base = self._slope(log_start)
        exponent = np.log10(params) * self._slope(log_e) / base - self.b * (log_e - log_start) / base
        return np.power(10.0, exponent)
