"""Batch size, learning rate and steps for a run, from the published laws side by side.

Three sources answer, each in its own row so that none hides another's disagreement:

- DeepSeek LLM (Bi et al. 2024, arXiv 2401.02954) Eq. 1: B_opt = 0.2920·C^0.3271 tokens and
  η_opt = 0.3118·C^(−0.1250), fitted on budgets from 1e17 to 2e19 FLOPs (validated at 1e20).
- Porian et al. 2024 (arXiv 2406.19146): BS = 0.00037·N^0.703 sequences of 2,048 tokens and
  LR = 3.7·N^(−0.36), fitted on models of 5M to 901.7M parameters.
- Kaplan et al. 2020 (arXiv 2001.08361), through the `kaplan` preset: Table 6's compute-efficient
  batch and S_min (C_min = C/2, as the preset's allocation takes it), and the critical batch
  B_crit(L) of Eq. 1.4 at the loss the preset's L(N, D) predicts for the run.

Every row gives the batch in tokens, in whole sequences of the run's sequence length, and the
steps D / batch rounded up; the learning rate where the law has one. A row's note says why a
field is blank and how far outside its fit the run lies.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import numpy as np

from scalecalc import presets as preset_files
from scalecalc.errors import ScalecalcError
from scalecalc.laws import PowerAllocation
from scalecalc.presets import Preset
from scalecalc.quantities import check_number, format_count, format_flops, parse_quantity, show
from scalecalc.records import Value, record_field
from scalecalc.solve import finite
from scalecalc.tomlfile import describe

DEFAULT_SEQ_LEN = 4096  # DeepSeek LLM's context (Table 2); Porian et al. trained at 2048
MAX_SEQ_LEN = 2**20  # a million tokens a sequence is beyond any published training context
PORIAN_SEQ_LEN = 2048  # the sequences Porian et al.'s batch law counts

# DeepSeek LLM Eq. 1, C in FLOPs (their C = M·D, M the non-embedding FLOPs per token with attention).
DEEPSEEK_BATCH = PowerAllocation(coefficient=0.2920, exponent=0.3271)
DEEPSEEK_LR = PowerAllocation(coefficient=0.3118, exponent=-0.1250)
DEEPSEEK_FLOPS = (1e17, 2e19)
# Porian et al. 2024 (their make_paper notebook): N the linear layers' parameters, head included.
PORIAN_BATCH = PowerAllocation(coefficient=0.00037, exponent=0.703)  # sequences of 2,048 tokens
PORIAN_LR = PowerAllocation(coefficient=3.7, exponent=-0.36)
PORIAN_PARAMS = (5e6, 901_726_208)  # their smallest and largest models (5M to 901.7M)
KAPLAN = "kaplan"  # the preset that holds Kaplan's Table 6 rules and the critical-batch law

# The laws a plan file may hold a run's batch and learning rate to (scalecalc check), and the bounds
# on what a plan may give: no published run comes near either.
CHECK_LAWS = ("deepseek", "porian", "kaplan")
MAX_BATCH_TOKENS = 1e12
MAX_LEARNING_RATE = 10.0


@dataclass(frozen=True)
class HparamsRow:
    """One law's batch size, steps and learning rate for a run: `scalecalc hparams`."""

    law: str = record_field("text", "the law that answers: DeepSeek LLM (arXiv 2401.02954) Eq. 1, Porian "
                            "et al. 2024 (arXiv 2406.19146), Kaplan et al. 2020 (arXiv 2001.08361) Table 6 "
                            "or Eq. 1.4, B_crit(L)")
    params: Value = record_field("count", "model size N the law was given (Kaplan's rows: non-embedding)")
    tokens: Value = record_field("count", "training tokens D")
    flops: Value = record_field("flops", "training compute C the law was given, FLOPs")
    seq_len: Value = record_field("number", "tokens per sequence (--seq-len), for batch_sequences")
    loss: Value = record_field("loss", "the loss Kaplan's L(N, D) predicts for the run, at which B_crit is "
                               "taken (B_crit row only)", optional=True)
    batch_tokens: Value = record_field("count", "batch size the law gives, tokens per optimizer step")
    batch_sequences: Value = record_field("count", "that batch in whole sequences of seq_len (at least 1)")
    steps: Value = record_field("count", "optimizer steps to train on D tokens at batch_sequences · seq_len, "
                                "rounded up")
    min_steps: Value = record_field("count", "Kaplan's S_min, the fewest steps at that batch, a lower bound "
                                    "(Table 6 row only)", optional=True)
    learning_rate: Value = record_field("number", "peak learning rate the law gives (blank: the law has "
                                        "none; see note)")
    formula: str = record_field("text", "the law as used here")
    fitted: str = record_field("text", "the range the law was fitted on")
    note: str = record_field("text", "what a reader must know: blanks, extrapolation, conventions")


@dataclass(frozen=True)
class Run:
    """The run the laws are asked about: N, D and C (and for Kaplan, N without embeddings)."""

    params: float
    tokens: float
    flops: float
    kaplan_params: float  # non-embedding N, the count Kaplan's laws were fitted on
    porian_params: float  # linear layers with the head, embeddings left out (Porian et al.)
    deepseek_flops: float | None = None  # M·D, DeepSeek LLM's own C, where the model's shape gives M


def check_seq_len(value: float | str, name: str = "--seq-len") -> int:
    """A whole number of tokens per sequence, from 1 to MAX_SEQ_LEN (text as the command line gives it)."""
    number: float | None = None
    if isinstance(value, str) and value.strip()[-1:] in ("K", "k", "M"):
        # "2K" context means 2048 to many and 2000 to scalecalc's SIZE: ask for the number itself.
        raise ScalecalcError(f"{name}: {describe(value)} is ambiguous (is 2K 2000 or 2048?); write the "
                             f"tokens per sequence in full, such as {DEFAULT_SEQ_LEN}.")
    if isinstance(value, str):
        with contextlib.suppress(ScalecalcError):
            number = parse_quantity(value, name, allow_zero=True)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    if number is None or not math.isfinite(number) or number != int(number) or not 1 <= number <= MAX_SEQ_LEN:
        shown = describe(value) if isinstance(value, str) else repr(value)
        raise ScalecalcError(f"{name}: {shown} is not a whole number of tokens from 1 to {MAX_SEQ_LEN:,}; "
                             f"give a sequence length such as {DEFAULT_SEQ_LEN}.")
    return int(number)


def run_for_budget(preset: Preset, flops: float) -> Run:
    """The compute-optimal run of budget C under the preset's allocation."""
    from scalecalc import solve

    if preset.params_convention == preset_files.PER_TOKEN:
        # Its size is M, FLOPs per token (C = M·D), not N: taken as N it would feed Porian and Kaplan
        # a count about six times too large.
        raise ScalecalcError(f"preset {preset.name} answers in M, FLOPs per token, not in parameters N, so "
                             "it cannot give the N these laws take; use another --preset, such as "
                             f"{preset_files.DEFAULT_PRESET}, or give the run as --params and --tokens.")
    if "moe" in preset.answers:
        raise ScalecalcError(f"preset {preset.name} is a mixture-of-experts law, whose optimum hparams does "
                             f"not take; use a dense --preset such as {preset_files.DEFAULT_PRESET}, or give "
                             "the run's active parameters as --params and --tokens.")
    n, d, _ = solve.answer(preset, "flops", check_number(flops, "flops"))
    n, d = float(n), float(d)
    return Run(n, d, float(flops), n, n)


def given_run(params: float, tokens: float, *, kaplan_params: float | None = None,
              porian_params: float | None = None, deepseek_m: float | None = None) -> Run:
    """A run of N parameters on D tokens, C = 6·N·D; Kaplan's and Porian's counts default to N.
    With the model's M (DeepSeek LLM Eq. 2), DeepSeek's row takes its own C = M·D."""
    n, d = check_number(params, "params"), check_number(tokens, "tokens")
    flops = finite(6.0 * n * d, "the compute 6·N·D")
    own = None if deepseek_m is None else finite(deepseek_m * d, "the compute M·D")
    return Run(n, d, flops, kaplan_params or n, porian_params or n, own)


def deepseek(flops: float) -> tuple[float, float]:
    """(B_opt tokens, η_opt) of DeepSeek LLM Eq. 1 at C FLOPs."""
    return float(DEEPSEEK_BATCH.value(flops)), float(DEEPSEEK_LR.value(flops))


def porian(params: float) -> tuple[float, float]:
    """(BS in sequences of 2,048 tokens, LR) of Porian et al. 2024 for N parameters."""
    return float(PORIAN_BATCH.value(params)), float(PORIAN_LR.value(params))


def kaplan_table6(preset: Preset, flops: float) -> tuple[float, float]:
    """(B tokens, S_min steps) of Kaplan's Table 6 from the preset's rules (C_min = C/2 inside them)."""
    rules = preset.rules(flops)
    return float(rules["batch_size"]), float(rules["min_steps"])


def kaplan_critical(preset: Preset, params: float, tokens: float) -> tuple[float, float]:
    """(L, B_crit(L) tokens): Kaplan's Eq. 1.4 at the loss the preset's L(N, D) predicts for the run."""
    from scalecalc.fieldlaws import critical_batch

    loss = float(finite(preset.law.loss(params, tokens), "Kaplan's predicted loss"))
    return loss, float(critical_batch(preset, loss).critical_batch)


def law_values(law: str, run: Run) -> tuple[float, float | None]:
    """(batch tokens, learning rate or None) of one of CHECK_LAWS for a run: what `check` compares."""
    with np.errstate(all="ignore"):
        if law == "deepseek":
            return deepseek(run.flops if run.deepseek_flops is None else run.deepseek_flops)
        if law == "porian":
            sequences, rate = porian(run.porian_params)
            return sequences * PORIAN_SEQ_LEN, rate
        if law == "kaplan":
            return kaplan_table6(preset_files.load(KAPLAN), run.flops)[0], None
    raise ScalecalcError(f"unknown hparams law {law!r}; choose one of {', '.join(CHECK_LAWS)}.")


def _outside(value: float, span: tuple[float, float], what: str, show_value=show) -> str:
    low, high = span
    if value < low * (1 - 1e-9):
        return f"{what} {show_value(value)} is {_times(low / value)} below the fit"
    if value > high * (1 + 1e-9):
        return f"{what} {show_value(value)} is {_times(value / high)} above the fit"
    return ""


def _times(factor: float) -> str:
    """1.85x, 50x, 4,150x: a factor a reader takes in at a glance."""
    return f"{factor:.3g}x" if factor < 1000 else f"{factor:,.0f}x" if factor < 1e15 else f"{factor:.2e}x"


def _kaplan_outside(preset: Preset, params: float, tokens: float) -> str:
    parts = [_outside(value, preset.fitted_range[key], key, format_count)
             for key, value in (("params", params), ("tokens", tokens)) if key in preset.fitted_range]
    return "; ".join(part for part in parts if part)


def _row(law: str, run: Run, seq_len: int, batch: float, *, params: float, rate: float | None,
         formula: str, fitted: str, notes: list[str], loss: float | None = None,
         min_steps: float | None = None, flops: float | None = None) -> HparamsRow:
    batch = float(finite(batch, f"the batch size of {law}"))
    # Whole numbers print as integers in CSV and JSON (a count, not a measurement).
    sequences = max(1, round(batch / seq_len))
    steps = math.ceil(run.tokens / (sequences * seq_len))
    if run.tokens < sequences * seq_len:
        notes = [*notes, "D is less than one batch: one step"]
    return HparamsRow(law=law, params=params, tokens=run.tokens, flops=run.flops if flops is None else flops,
                      seq_len=seq_len,
                      loss=loss, batch_tokens=batch, batch_sequences=sequences, steps=steps,
                      min_steps=min_steps,
                      learning_rate=None if rate is None else finite(rate, f"the learning rate of {law}"),
                      formula=formula, fitted=fitted, note=_sentence(notes))


def _sentence(notes: list[str]) -> str:
    text = "; ".join(note for note in notes if note)
    return text[:1].upper() + text[1:] + "." if text else "Within the fitted range."


def hyperparameters(run: Run, seq_len: int = DEFAULT_SEQ_LEN) -> list[HparamsRow]:
    """The four rows: DeepSeek LLM Eq. 1, Porian et al. 2024, Kaplan Table 6, Kaplan B_crit(L)."""
    seq_len = check_seq_len(seq_len)
    kaplan = preset_files.load(KAPLAN)
    with np.errstate(all="ignore"):
        own = run.deepseek_flops  # C = M·D, as DeepSeek LLM fitted Eq. 1, where the model's shape gives M
        batch, rate = deepseek(run.flops if own is None else own)
        rows = [_row("DeepSeek Eq. 1", run, seq_len, batch, params=run.params, rate=rate, flops=own,
                     formula="B_opt = 0.2920·C^0.3271 tokens, η_opt = 0.3118·C^-0.1250",
                     fitted=f"C {format_flops(DEEPSEEK_FLOPS[0])} to {format_flops(DEEPSEEK_FLOPS[1])} FLOPs",
                     notes=[_outside(run.flops if own is None else own, DEEPSEEK_FLOPS, "C", format_flops),
                            "C here is 6·N·D or the budget; DeepSeek counted M·D (non-embedding, with "
                            "attention)" if own is None else "C here is M·D, M = 72·n_layer·d² + "
                            "12·n_layer·d·l_seq at the model's context (DeepSeek LLM Eq. 2)"])]
        sequences, rate = porian(run.porian_params)
        rows.append(_row("Porian 2024", run, seq_len, sequences * PORIAN_SEQ_LEN,
                         params=run.porian_params, rate=rate,
                         formula="BS = 0.00037·N^0.703 sequences of 2,048 tokens, LR = 3.7·N^-0.36",
                         fitted="N 5M to 901.7M",
                         notes=[_outside(run.porian_params, PORIAN_PARAMS, "N", format_count),
                                "their N counts the linear layers and head, not embeddings"]))
        batch, least = kaplan_table6(kaplan, run.flops)
        range_note = _kaplan_outside(kaplan, run.kaplan_params, run.tokens)
        rows.append(_row("Kaplan Table 6", run, seq_len, batch, params=run.kaplan_params,
                         rate=None, min_steps=least,
                         formula="B = 2.0e6·C_min^0.24 tokens, S_min = 5.4e3·C_min^0.03, C_min = C/2 in "
                         "PF-days",
                         fitted=_kaplan_fit(kaplan),
                         notes=["no learning rate: Table 6 gives none", range_note]))
        loss, critical = kaplan_critical(kaplan, run.kaplan_params, run.tokens)
        rows.append(_row("Kaplan Eq. 1.4", run, seq_len, critical,
                         params=run.kaplan_params, rate=None, loss=loss,
                         formula=f"B_crit = 2.1e8 tokens / L^(1/0.21) at L = {loss:.4f} from L(N, D) "
                         "(Table 2)",
                         fitted=_kaplan_fit(kaplan),
                         notes=["no learning rate: Eq. 1.4 gives none", range_note,
                                "B_crit at the final loss, its largest in the run"]))
    return rows


def _kaplan_fit(preset: Preset) -> str:
    spans = [f"{key} {format_count(low)} to {format_count(high)}"
             for key, (low, high) in preset.fitted_range.items() if key in ("params", "tokens")]
    return ", ".join(spans)


def extrapolation_warning(rows: list[HparamsRow]) -> str | None:
    """One stderr line naming the laws the run lies outside of, or None."""
    outside = [row.law for row in rows if "above the fit" in row.note or "below the fit" in row.note]
    if not outside:
        return None
    rows_are = "that row is an extrapolation" if len(outside) == 1 else "those rows are extrapolations"
    return (f"warning: this run lies outside the fitted range of {', '.join(outside)}; {rows_are} (the "
            "note field says how far).")
