"""Loss laws L(N, D) and allocation rules N_opt(C); every function takes scalars or arrays.

Sources are in docs/references.md; the preset files cite them for each coefficient set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.errors import ScalecalcError

ArrayLike = float | np.ndarray


@dataclass(frozen=True)
class PowerAllocation:
    """N_opt = coefficient · (C / flops_unit)^exponent, and D = C / (c0 · N).

    Chinchilla's Approaches 1 and 2 and Kaplan's Table 6 rule are of this form, and so is the
    closed-form optimum of the Chinchilla loss law (docs/references.md).
    """

    coefficient: float
    exponent: float
    flops_unit: float = 1.0

    def params(self, flops: ArrayLike) -> np.ndarray:
        log_n = np.log(self.coefficient) + self.exponent * np.log(np.divide(flops, self.flops_unit))
        return np.exp(log_n)

    def flops_for_params(self, params: ArrayLike) -> np.ndarray:
        log_c = np.log(np.divide(params, self.coefficient)) / self.exponent
        return self.flops_unit * np.exp(log_c)

    def flops_for_tokens(self, tokens: ArrayLike, c0: float) -> np.ndarray:
        # D = C/(c0·k·(C/u)^a)  =>  C/u = (c0·k·D/u)^(1/(1-a))
        if np.any(np.asarray(self.exponent) >= 1):  # an array of exponents under --ci: any row
            raise ScalecalcError("This allocation rule gives fewer tokens as compute grows, "
                                 "so a token count does not determine a budget.")
        log_cu = np.log(c0 * self.coefficient * np.divide(tokens, self.flops_unit))
        return self.flops_unit * np.exp(log_cu / (1 - self.exponent))


@dataclass(frozen=True)
class PowerLaw1D:
    """L(x) = irreducible + (scale / (x / unit))^exponent: a loss law in one variable.

    Kaplan et al. 2020 (Table 5) give three: L(N) for models trained to convergence on unlimited
    data, L(D) for large models stopped early on D tokens, and L(C_min) along the compute frontier.
    `unit` converts the user's quantity into the law's own (FLOPs into PF-days of C_min, say).
    """

    scale: float
    exponent: float
    unit: float = 1.0
    irreducible: float = 0.0
    label: str = ""  # what the law describes, with its source: shown beside its answers

    def loss(self, value: ArrayLike) -> np.ndarray:
        log_ratio = np.log(self.scale) - np.log(np.divide(value, self.unit))
        return self.irreducible + np.exp(self.exponent * log_ratio)


@dataclass(frozen=True)
class ChinchillaLaw:
    """L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, Eq. 2)."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float

    form: ClassVar[str] = "chinchilla"
    parameters: ClassVar[tuple[str, ...]] = ("E", "A", "B", "alpha", "beta")
    may_be_zero: ClassVar[frozenset[str]] = frozenset({"E"})

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


@dataclass(frozen=True)
class KaplanLaw:
    """L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (Kaplan et al. 2020, Eq. 1.5; N non-embedding)."""

    N_c: float
    D_c: float
    alpha_N: float
    alpha_D: float

    form: ClassVar[str] = "kaplan"
    parameters: ClassVar[tuple[str, ...]] = ("N_c", "D_c", "alpha_N", "alpha_D")
    may_be_zero: ClassVar[frozenset[str]] = frozenset()

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
class RepeatedDataLaw:
    """A DataConstrainedLaw for a corpus of `unique` tokens: L = E + A/N'^α + B/D'^β (Eq. 5)."""

    base: DataConstrainedLaw
    unique: float
    c0: float = 6.0

    form: ClassVar[str] = "data-constrained"

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


Law = ChinchillaLaw | KaplanLaw | DataConstrainedLaw | RepeatedDataLaw
LAW_FORMS: dict[str, type[ChinchillaLaw] | type[KaplanLaw]] = {
    ChinchillaLaw.form: ChinchillaLaw,
    KaplanLaw.form: KaplanLaw,
    DataConstrainedLaw.form: DataConstrainedLaw,
}
