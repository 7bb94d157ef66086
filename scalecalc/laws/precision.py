"""Kumar et al. 2024's precision-aware law: the Chinchilla form with effective parameters N_eff.

L = A·N_eff^(−α) + B·D^(−β) + E + δ_PTQ (arXiv 2411.04330, Eq. 1/11), where training in low precision
shrinks N to N_eff = N·Π_x f_x over weights, activations and KV cache (Eq. 4, App. K Table 2), and
quantizing after training adds δ_PTQ (Eq. 2; Eq. 9 in part, see `ptq`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.laws.allocation import PowerAllocation
from scalecalc.laws.base import ArrayLike
from scalecalc.laws.chinchilla import ChinchillaLaw

FULL_BITS = 16.0  # the paper's BF16 baseline: the cost model's unit and the "no loss" precision
HIGHEST_BITS = 32.0  # the widest precision a run may ask for (--weight-bits and the others)
PARTS = {"weight": ("gamma_w", "n_w"), "activation": ("gamma_a", "n_a"), "kv": ("gamma_kv", "n_kv")}


@dataclass(frozen=True)
class PrecisionLaw(ChinchillaLaw):
    """Kumar et al. 2024 (docs/references.md). The coefficients come from the preset; the precisions
    of one run are set by `at_bits` (16 bits everywhere and no post-training quantization by default,
    where it is the Chinchilla law with A·(Π_x f_x(16))^(−α))."""

    gamma_w: float
    n_w: float
    gamma_a: float
    n_a: float
    gamma_kv: float
    n_kv: float
    C_T: float
    gamma_D: float
    gamma_N: float
    gamma_post: float
    # The run, not the fit: set by at_bits, never read from a preset file.
    weight_bits: float = FULL_BITS
    activation_bits: float = FULL_BITS
    kv_bits: float = FULL_BITS
    post_bits: float | None = None

    form: ClassVar[str] = "precision"
    parameters: ClassVar[tuple[str, ...]] = (
        "E", "A", "B", "alpha", "beta", "gamma_w", "n_w", "gamma_a", "n_a", "gamma_kv", "n_kv",
        "C_T", "gamma_D", "gamma_N", "gamma_post")
    # The offsets n_x may be zero (Eq. 4 as printed has none).
    may_be_zero: ClassVar[frozenset[str]] = frozenset({"E", "n_w", "n_a", "n_kv"})
    params_convention: ClassVar[str] = "non-embedding"  # §2.3: 30M to 220M non-embedding parameters
    # Its constants are not meant to transfer (App. K): `--preset all` leaves it out of comparisons.
    compared_in_all: ClassVar[bool] = False

    def __post_init__(self) -> None:
        # An offset so large that f_x = 1 − e^(n_x − P/γ_x) stays at or below 0 up to 32 bits leaves no
        # precision a run may use (and overflows e^n): refused here, not as "more than inf bits" later.
        for part, (gamma_key, offset_key) in PARTS.items():
            threshold = self.lowest_bits(part)
            if not threshold < HIGHEST_BITS:
                raise ScalecalcError(
                    f"{offset_key} = {getattr(self, offset_key):g} with {gamma_key} = "
                    f"{getattr(self, gamma_key):g} leaves no effective parameters at any {part} precision up "
                    f"to {HIGHEST_BITS:g} bits ({offset_key}·{gamma_key} must stay below {HIGHEST_BITS:g}); "
                    f"give a smaller {offset_key} or {gamma_key}, such as Table 2's.")

    def at_bits(self, weight: float, activation: float, kv: float, post: float | None = None
                ) -> PrecisionLaw:
        """This law for a run trained with these precisions (bits), optionally quantized to `post`."""
        law = replace(self, weight_bits=weight, activation_bits=activation, kv_bits=kv, post_bits=post)
        for part in PARTS:
            law.check_bits(part)
        return law

    def lowest_bits(self, part: str) -> float:
        """The precision at which f_x reaches 0: n_x·γ_x (3.11 bits for activations in Table 2)."""
        gamma, offset = (getattr(self, key) for key in PARTS[part])
        return offset * gamma

    def check_bits(self, part: str) -> None:
        bits = getattr(self, f"{part}_bits")
        if bits <= self.lowest_bits(part):
            raise ScalecalcError(
                f"{bits:g} {part} bits leave no effective parameters under this fit (f = 1 − e^(n − P/γ) "
                f"is 0 at {self.lowest_bits(part):.3g} bits); give more than {self.lowest_bits(part):.3g} "
                f"{part} bits.")

    def fraction(self, part: str, bits: ArrayLike | None = None) -> np.ndarray:
        """f_x = 1 − e^(n_x − P_x/γ_x): the offset enters inside the exponent (reference §15, the
        reading that reproduces the paper's 7–8 bit optimum; the paper writes e^(P/γ + n))."""
        gamma, offset = (getattr(self, key) for key in PARTS[part])
        bits = getattr(self, f"{part}_bits") if bits is None else bits
        return 1 - np.exp(offset - np.divide(bits, gamma))

    def effective_fraction(self, tied_bits: ArrayLike | None = None) -> np.ndarray:
        """N_eff / N = Π_x f_x at this run's bits, or at one precision for all three parts."""
        return np.prod([self.fraction(part, tied_bits) for part in PARTS], axis=0)

    @property
    def compute_bits(self) -> float:
        """P of the cost model: a matmul runs at the wider of its operands' precisions."""
        return max(self.weight_bits, self.activation_bits, self.kv_bits)

    @property
    def flops_per_param_token(self) -> float:
        """§4.3's cost C = (6/16)·N·D·P: 6 at BF16."""
        return 6.0 * self.compute_bits / FULL_BITS

    @property
    def quantized(self) -> bool:
        """Whether post-training quantization takes the weights below their training precision."""
        return self.post_bits is not None and self.post_bits < self.weight_bits

    def params_term(self, params: ArrayLike) -> np.ndarray:
        for part in PARTS:  # --set may move a threshold above the bits in use (16 by default)
            self.check_bits(part)
        return self.A * np.power(np.multiply(params, self.effective_fraction()), -self.alpha)

    def ptq(self, params: ArrayLike, tokens: ArrayLike) -> np.ndarray:
        """δ_PTQ = C_T·(D^γ_D / N^γ_N)·e^(−P_post/γ_post) (Eq. 2, BF16 training). For training below
        16 bits Eq. 9 puts N_eff for N and multiplies by Π_x [1 − e^(−C_x(P_x − P_post))]; the C_x are
        not published, so that product is taken as 1: an upper bound on the penalty. Quantization acts on
        the weights: to no fewer bits than they were trained in, it costs nothing (Eq. 9: δ = 0 when
        P_post = P_w)."""
        zero = np.zeros(np.broadcast(params, tokens).shape)
        if not self.quantized:
            return zero
        size = params if min(self.weight_bits, self.activation_bits, self.kv_bits) >= FULL_BITS else \
            np.multiply(params, self.effective_fraction())
        return zero + self.C_T * np.exp(self.gamma_D * np.log(tokens) - self.gamma_N * np.log(size)
                                        - self.post_bits / self.gamma_post)

    def loss(self, params: ArrayLike, tokens: ArrayLike) -> np.ndarray:
        return super().loss(params, tokens) + self.ptq(params, tokens)

    def log_partials(self, params: ArrayLike, tokens: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        by_n, by_d = super().log_partials(params, tokens)
        delta = self.ptq(params, tokens)  # ∝ D^γ_D·N^(−γ_N)
        return by_n - self.gamma_N * delta, by_d + self.gamma_D * delta

    def _chinchilla(self) -> ChinchillaLaw | None:
        """The same law as a plain Chinchilla one with A·(N_eff/N)^(−α), where there is no δ_PTQ."""
        if self.quantized or self.effective_fraction() <= 0:
            return None  # δ_PTQ grows with D, or no effective parameters: numeric, which says so
        scaled = self.A * np.power(self.effective_fraction(), -self.alpha)
        return ChinchillaLaw(self.E, float(scaled), self.B, self.alpha, self.beta)

    @property
    def optimum_scale(self) -> ArrayLike:
        plain = self._chinchilla()
        return np.nan if plain is None else plain.optimum_scale

    def closed_form_allocation(self, c0: float) -> PowerAllocation | None:
        plain = self._chinchilla()
        return None if plain is None else plain.closed_form_allocation(c0)

    def least_compute_point(self, loss: ArrayLike) -> tuple[np.ndarray, np.ndarray] | None:
        plain = self._chinchilla()
        return None if plain is None else plain.least_compute_point(loss)

    def optimal_tied_bits(self, low: float = 1.0, high: float = 32.0) -> float:
        """P* for one precision P of weights, activations and KV cache under C = (6/16)·N·D·P.

        At a fixed budget the compute-optimal loss is E + k·(P/f(P))^(αβ/(α+β))·C^(−αβ/(α+β)) with f the
        effective fraction, so P* minimizes P/f(P) whatever C, A and B (Finding 3). A grid of 0.001
        bits finds the basin and golden-section search settles it.
        """
        floor = max(self.lowest_bits(part) for part in PARTS)
        grid = np.arange(max(low, floor + 1e-3), high + 1e-9, 1e-3)
        if grid.size == 0:
            raise ScalecalcError(f"no precision from {low:g} to {high:g} bits leaves effective parameters "
                                 "under this fit.")

        def cost(bits: ArrayLike) -> np.ndarray:
            return np.divide(bits, self.effective_fraction(bits))

        best = int(np.argmin(cost(grid)))
        a, b = grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)]
        ratio = (np.sqrt(5) - 1) / 2
        for _ in range(60):  # the bracket shrinks by 0.618 each pass: 60 passes reach 1e-15 bits
            c, d = b - ratio * (b - a), a + ratio * (b - a)
            if cost(c) < cost(d):
                b = d
            else:
                a = c
        return float(np.clip((a + b) / 2, grid[0], high))  # the grid's float steps may overshoot
