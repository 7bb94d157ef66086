"""Krajewski et al. 2024's fine-grained mixture-of-experts law L(N, D, G) (Eq. 9, Table 1) and its
FLOPs (Eq. 10).

N in Eq. 9 is the total non-embedding count. The paper builds its models with expansion rate E
(64 in the fits), d_model = 64·n_blocks, N_total = d²·(8E + 4)·n_blocks and an active (per-token)
count of 12·d²·n_blocks, so N_total = (8E + 4)/12 · N_act (43·N_act at E = 64). scalecalc asks and
answers in N_act, the N of C = 6·N·D, and hands the law N_total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.laws.base import ArrayLike, LawForm


@dataclass(frozen=True)
class FineGrainedMoeLaw(LawForm):
    """L(N, D, G) = c + (g/G^gamma + a)·N^(−alpha) + b·D^(−beta); g = 0 is the dense row."""

    a: float
    alpha: float
    b: float
    beta: float
    c: float
    g: float = 0.0
    gamma: float = 0.0
    expansion: float = 64.0  # E, the expansion rate the law was fitted at
    c_f: float = 6.0  # Eq. 10: FLOPs per feed-forward parameter per token (forward and backward)
    c_r: float = 14.0  # Eq. 10: FLOPs per router weight per token
    # Fitted range beyond what [fitted_range] holds: N_total and G (the paper's §4 and §5).
    total_low: float = 0.0
    total_high: float = 0.0
    granularity_high: float = 0.0

    form: ClassVar[str] = "fine-grained-moe"
    kind: ClassVar[str] = "aux"
    parameters: ClassVar[tuple[str, ...]] = ("a", "alpha", "b", "beta", "c")
    optional: ClassVar[dict[str, float]] = {"g": 0.0, "gamma": 0.0, "expansion": 64.0, "c_f": 6.0,
                                            "c_r": 14.0, "total_low": 0.0, "total_high": 0.0,
                                            "granularity_high": 0.0}
    may_be_zero: ClassVar[frozenset[str]] = frozenset({"g", "gamma", "total_low", "total_high",
                                                       "granularity_high"})
    params_convention: ClassVar[str] = "non-embedding"
    questions: ClassVar[tuple[str, ...]] = ("moe",)
    variable: ClassVar[str] = "granularity"

    def __post_init__(self) -> None:
        # Coefficients are checked one by one on loading; these are checks between them and of kind.
        if self.expansion != int(self.expansion):
            raise ScalecalcError(f"expansion = {self.expansion:g} is not a whole number of experts; give "
                                 "one such as 64 (Krajewski et al.'s).")
        if self.total_high and self.total_low >= self.total_high:
            raise ScalecalcError(f"total_low = {self.total_low:g} is not below total_high = "
                                 f"{self.total_high:g}; give the fitted range low first.")

    def total_params(self, active: ArrayLike) -> np.ndarray:
        return np.multiply(active, (8 * self.expansion + 4) / 12)

    def loss(self, active: ArrayLike, tokens: ArrayLike, granularity: ArrayLike) -> np.ndarray:
        return self.loss_of_total(self.total_params(active), tokens, granularity)

    def loss_of_total(self, total: ArrayLike, tokens: ArrayLike, granularity: ArrayLike) -> np.ndarray:
        """Eq. 9 itself, in the total non-embedding count N."""
        scale = self.g / np.power(granularity, self.gamma) + self.a
        return self.c + scale * np.power(total, -self.alpha) + self.b * np.power(tokens, -self.beta)

    def shape_counts(self, d_model: float, n_blocks: float, granularity: float) -> tuple[float, float, float]:
        """(N_act, N_total, FLOPs per token) of a model of any shape, by Eq. 10 and its N:
        12·d²·n_blocks active, d²·(8E + 4)·n_blocks in all, (12·d²·c_f + d·E·G·c_r)·n_blocks."""
        square = float(d_model) ** 2
        per_token = (12 * square * self.c_f + d_model * self.expansion * granularity * self.c_r) * n_blocks
        return 12 * square * n_blocks, square * (8 * self.expansion + 4) * n_blocks, per_token

    def flops_per_token(self, active: ArrayLike, granularity: ArrayLike) -> np.ndarray:
        """Eq. 10 per token: c_f·N_act + c_r·d·E·G·n_blocks, with d = 64·n_blocks and
        N_act = 12·d²·n_blocks (so c_f·N_act = 12·d²·c_f·n_blocks and d·n_blocks = d²/64)."""
        width = np.cbrt(np.multiply(active, 64 / 12))
        return self.c_f * np.asarray(active, dtype=float) \
            + self.c_r * self.expansion * np.multiply(granularity, width**2 / 64)
