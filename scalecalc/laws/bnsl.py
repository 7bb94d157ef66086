"""The broken neural scaling law (BNSL) of Caballero et al. 2022: a smoothly broken power law in one
variable, y = a + b·x^(−c0)·∏_i (1 + (x/d_i)^(1/f_i))^(−c_i·f_i), with up to three breaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalecalc.laws.base import ArrayLike, LawForm

MAX_BREAKS = 3


def break_factors(log_x: np.ndarray, c: ArrayLike, log_d: ArrayLike, f: ArrayLike) -> np.ndarray:
    """ln of (1 + (x/d)^(1/f))^(−c·f), as −c·f·softplus((ln x − ln d)/f): no overflow for a sharp
    break (small f) far past d, where the power form gives inf (simple-scaling-laws' identity)."""
    return -c * f * np.logaddexp(0.0, (log_x - log_d) / f)


@dataclass(frozen=True)
class BrokenPowerLaw(LawForm):
    """y = a + b·x^(−c0)·∏_i (1 + (x/d_i)^(1/f_i))^(−c_i·f_i) (Caballero et al. 2022, arXiv 2210.14891,
    Eq. 1): a the limit, b the offset, c0 the first log-log slope, c_i the change of slope at break i,
    d_i where it happens (in units of x), f_i how sharp it is (smaller: sharper). A break with c_i = 0
    is no break; the second and third are optional for that reason."""

    a: float
    b: float
    c0: float
    c1: float
    d1: float
    f1: float
    c2: float = 0.0
    d2: float = 1.0
    f2: float = 1.0
    c3: float = 0.0
    d3: float = 1.0
    f3: float = 1.0
    label: str = ""

    form: ClassVar[str] = "bnsl"
    kind: ClassVar[str] = "single"
    parameters: ClassVar[tuple[str, ...]] = ("a", "b", "c0", "c1", "d1", "f1")
    optional: ClassVar[dict[str, float]] = {"c2": 0.0, "d2": 1.0, "f2": 1.0, "c3": 0.0, "d3": 1.0, "f3": 1.0}
    texts: ClassVar[tuple[str, ...]] = ("label",)
    may_be_zero: ClassVar[frozenset[str]] = frozenset({"a", "c0", "c1", "c2", "c3"})
    quantity: ClassVar[str] = "L"  # a loss, or whatever falls with scale (an error rate)

    @property
    def breaks(self) -> list[tuple[float, float, float]]:
        """(c_i, d_i, f_i) of the breaks that change the slope."""
        triples = [(self.c1, self.d1, self.f1), (self.c2, self.d2, self.f2), (self.c3, self.d3, self.f3)]
        return [triple for index, triple in enumerate(triples) if index == 0 or triple[0] != 0]

    def loss(self, value: ArrayLike) -> np.ndarray:
        """y at x = value (named loss, as every one-variable law is asked)."""
        log_x = np.log(np.asarray(value, dtype=float))
        log_term = np.log(self.b) - self.c0 * log_x
        for c, d, f in self.breaks:
            log_term = log_term + break_factors(log_x, c, np.log(d), f)
        return self.a + np.exp(log_term)
