"""A learning-curve exponent, for reference: generalization error ε(m) ∝ m^(−exponent) in the
training set size m (Hestness et al. 2017). It carries no coefficient to plan with, so it answers
no planning question: `scalecalc presets` lists it to show where the field's exponents lie."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from scalecalc.laws.base import LawForm


@dataclass(frozen=True)
class LearningCurveExponent(LawForm):
    """ε(m) ∝ m^(−exponent); a range gives its smallest and largest exponent."""

    exponent: float  # the magnitude of Hestness et al.'s β_g (their β_g is negative)
    task: str
    metric: str
    exponent_high: float = 0.0  # 0: a single exponent, not a range

    form: ClassVar[str] = "learning-curve"
    kind: ClassVar[str] = "aux"
    parameters: ClassVar[tuple[str, ...]] = ("exponent",)
    optional: ClassVar[dict[str, float]] = {"exponent_high": 0.0}
    may_be_zero: ClassVar[frozenset[str]] = frozenset({"exponent_high"})
    texts: ClassVar[tuple[str, ...]] = ("task", "metric")
    questions: ClassVar[tuple[str, ...]] = ("reference",)
