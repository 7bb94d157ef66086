"""N_opt(C) as a power of the budget: an allocation rule, or a rule for another quantity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.laws.base import ArrayLike, LawForm


@dataclass(frozen=True)
class PowerAllocation(LawForm):
    """N_opt = coefficient · (C / flops_unit)^exponent, and D = C / (c0 · N).

    Chinchilla's Approaches 1 and 2, Kaplan's Table 6 rule and Henighan et al.'s N_opt(C) are of
    this form, and so is the closed-form optimum of the Chinchilla loss law (docs/references.md).
    Under [rules.FIELD] the same form gives another quantity of the budget (Kaplan's batch size).
    """

    coefficient: float
    exponent: float
    flops_unit: float = 1.0

    form: ClassVar[str] = "power-law"
    kind: ClassVar[str] = "rule"
    parameters: ClassVar[tuple[str, ...]] = ("coefficient", "exponent")
    optional: ClassVar[dict[str, float]] = {"flops_unit": 1.0}
    questions: ClassVar[tuple[str, ...]] = ("optimal",)

    def params(self, flops: ArrayLike) -> np.ndarray:
        log_n = np.log(self.coefficient) + self.exponent * np.log(np.divide(flops, self.flops_unit))
        return np.exp(log_n)

    value = params  # as a rule of some other quantity: value(C)

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
class TokenAllocation(PowerAllocation):
    """D_opt = coefficient · (C / flops_unit)^exponent: a rule for the tokens (Llama 3 §3.2.1).

    Kept as the paper writes it (value(C) is D); presets.py hands the solver the equivalent N_opt
    rule, `as_params_rule`: N = C/(c0·D) = u/(c0·k) · (C/u)^(1 − a), so D = C/(c0·N) gives k·(C/u)^a.
    """

    form: ClassVar[str] = "tokens-power-law"

    def as_params_rule(self, c0: float) -> PowerAllocation:
        if self.exponent >= 1:  # N would shrink as C grows: not an allocation anyone can plan with
            raise ScalecalcError(f"a token rule D = k·C^a needs a below 1 (N = C/({c0:g}·D) must grow "
                                 f"with C), not {self.exponent:g}.")
        return PowerAllocation(self.flops_unit / (c0 * self.coefficient), 1 - self.exponent, self.flops_unit)


@dataclass(frozen=True)
class FlopsPerTokenAllocation(PowerAllocation):
    """M_opt = coefficient · (C / flops_unit)^exponent with C = M·D (DeepSeek LLM Eq. 4).

    M is the model's non-embedding training FLOPs per token, attention included (DeepSeek LLM
    Eq. 2: M = 72·n_layer·d² + 12·n_layer·d·l_seq), not a parameter count: the preset sets
    flops_per_param_token = 1 and params_convention = "flops-per-token", and its answers name M.
    """

    form: ClassVar[str] = "flops-per-token-power-law"
    params_convention: ClassVar[str] = "flops-per-token"
    questions: ClassVar[tuple[str, ...]] = ("optimal-M",)
