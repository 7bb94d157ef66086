"""What every law form declares, and the questions a preset can be asked.

A law form is a frozen dataclass with these class variables (see chinchilla.py for one):
`form` (its name in a preset file), `kind` ("joint": an L(N, D) law under [law]; "single": a law
in one variable under [single.VARIABLE]; "rule": a power of the budget under [rules.FIELD]),
`parameters` (required numbers), `optional` (numbers with defaults), `texts` (required strings),
`may_be_zero`, `params_convention` (the parameter count it was fitted on) and `questions`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

ArrayLike = float | np.ndarray

# The questions a preset may answer, and what each means (`scalecalc presets` shows the names).
QUESTIONS: dict[str, str] = {
    "optimal": "compute-optimal N and D for a budget (optimal, table, tokens, plot frontier)",
    "optimal-M": "compute-optimal M (FLOPs per token, not N) and D for a budget (optimal --flops, --tokens)",
    "loss": "the loss of a run of N parameters on D tokens (loss --params --tokens)",
    "L(N)": "the converged loss of N parameters on unlimited data (loss --params)",
    "L(D)": "the loss of a large model stopped early on D tokens (loss --tokens)",
    "L(C)": "the loss along the compute frontier at a budget (frontier_loss of optimal)",
    "L(N,S)": "the loss of N parameters after S steps at the critical batch (loss --params --steps)",
    "batch": "critical batch size B_crit(L), and compute-efficient B and S for a budget",
    "error(C)": "the error rate at a compute in TPUv3 core-days (loss --core-days)",
    "transfer": "the data pre-training is worth to a fine-tune (transfer --params --finetune-tokens)",
    "densing": "the parameters an equally capable model needs some days later (densing)",
    "exchange": "train-time against test-time compute at equal strength (exchange)",
    "moe": "mixture-of-experts laws: N, D and experts or granularity (optimal/loss --experts, --granularity)",
    "reference": "none: exponent ranges for reference only (presets show NAME)",
}

# One-variable laws by the quantity they take, the symbol of their question, and the unit of it.
VARIABLES: dict[str, tuple[str, str]] = {
    "params": ("N", "parameters"),
    "tokens": ("D", "tokens"),
    "flops": ("C", "FLOPs"),
    "core_days": ("C", "TPUv3 core-days"),
}


def single_question(variable: str, quantity: str = "L") -> str:
    """The question a one-variable law answers: "L(N)" for a law of params, say."""
    return f"{quantity}({VARIABLES[variable][0]})"


class LawForm:
    """The declaration every law form makes, with the defaults most forms share (see the module
    docstring); a form sets `form`, `kind`, `parameters` and `questions`, and overrides the rest."""

    form: ClassVar[str]
    kind: ClassVar[str]
    parameters: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[dict[str, float]] = {}
    texts: ClassVar[tuple[str, ...]] = ()
    may_be_zero: ClassVar[frozenset[str]] = frozenset()
    params_convention: ClassVar[str] = "total"
    questions: ClassVar[tuple[str, ...]] = ()
