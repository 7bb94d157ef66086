"""Questions beyond compute-optimal planning, each answered by a preset's law that declares it:
transfer (Hernandez et al. 2021), densing (Xiao et al. 2024), exchange (Jones 2021)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.presets import Preset, require
from scalecalc.quantities import check_numbers, show
from scalecalc.records import Value, record_field
from scalecalc.solve import Numbers, finite, quiet


@dataclass(frozen=True)
class CriticalBatchSize:
    """The critical batch size at a loss: `batch --loss`."""

    preset: str = record_field("text", "preset (coefficient set) that gave the answer")
    loss: Value = record_field("loss", "the loss reached, nats per token")
    critical_batch: Value = record_field("count", "critical batch size B_crit(L), tokens: training at it "
                                         "takes twice the fewest steps and twice the fewest tokens")
    law: str = record_field("text", "the law that gave it, and its source")


@dataclass(frozen=True)
class TransferEstimate:
    """What pre-training is worth to a fine-tune (Hernandez et al. 2021): `transfer`."""

    preset: str = record_field("text", "preset (coefficient set) that gave the answer")
    params: Value = record_field("count", "model size N, non-embedding parameters")
    finetune_tokens: Value = record_field("count", "fine-tuning data D_F (characters of Python in the fits)")
    transferred_tokens: Value = record_field("count", "effective data transferred D_T = k·D_F^alpha·N^beta")
    effective_tokens: Value = record_field("count", "D_F + D_T: what a model trained from scratch would need")
    fraction_transferred: Value = record_field("ratio", "D_T / (D_F + D_T): the share pre-training supplies")
    data_multiplier: Value = record_field("ratio", "(D_F + D_T) / D_F: how many times the fine-tuning data "
                                          "the pre-trained model is worth")


@dataclass(frozen=True)
class DensingEstimate:
    """Parameters for equal capability some days later (Xiao et al. 2024's densing law): `densing`."""

    preset: str = record_field("text", "preset (coefficient set) that gave the answer")
    params: Value = record_field("count", "model size N today (or at the start date)")
    days: Value = record_field("ratio", "days later")
    equivalent_params: Value = record_field("count", "parameters an equally capable model is expected to "
                                            "need then: N·e^(-A·days)")
    density_gain: Value = record_field("ratio", "e^(A·days): how many times denser the best models get")
    doubling_days: Value = record_field("ratio", "ln 2 / A: days for capability density to double")


@dataclass(frozen=True)
class ExchangeEstimate:
    """Train-time against test-time compute at equal strength (Jones 2021, Hex): `exchange`."""

    preset: str = record_field("text", "preset (coefficient set) that gave the answer")
    train_factor: Value = record_field("ratio", "multiple of train-time compute")
    test_factor: Value = record_field("ratio", "the multiple of test-time compute it replaces at equal Elo")


MAX_DAYS = 3653  # ten years: the densing trend was measured over about a year and a half
MAX_FACTOR = 1e100  # a compute multiple beyond this is no question about any real run


def _at_most(value: Numbers, limit: float, name: str, what: str) -> Numbers:
    if np.any(np.asarray(value) > limit):
        raise ScalecalcError(f"{name}: {np.max(value):g} is more than {limit:g} {what}; give a smaller "
                             "value.")
    return value


def _law(preset: Preset, question: str, lacks: str):
    law = preset.law_for(question)
    if law is None:
        require(preset, question, lacks)
    return law


@quiet
def transfer(preset: Preset, params: Numbers, finetune_tokens: Numbers) -> TransferEstimate:
    """D_T = k·D_F^α·N^β and what follows from it (Hernandez et al. 2021, Eq. 1.1, B.1, C.1, 1.2)."""
    law = _law(preset, "transfer", "has no transfer law")
    params, finetune = check_numbers(params, "params"), check_numbers(finetune_tokens, "finetune_tokens")
    moved = finite(law.transferred(params, finetune), "the effective data transferred")
    total = finite(np.add(finetune, moved), "the effective data")
    return TransferEstimate(preset=preset.name, params=params, finetune_tokens=finetune,
                            transferred_tokens=moved, effective_tokens=total,
                            fraction_transferred=finite(np.divide(moved, total), "the fraction transferred"),
                            data_multiplier=finite(np.divide(total, finetune), "the data multiplier"))


@quiet
def densing(preset: Preset, params: Numbers, days: Numbers) -> DensingEstimate:
    """N·e^(−A·days): the size an equally capable model is expected to need `days` later."""
    law = _law(preset, "densing", "has no densing law")
    params = check_numbers(params, "params")
    days = _at_most(check_numbers(days, "days"), MAX_DAYS, "days", "days (ten years), the longest span "
                    "scalecalc extrapolates a trend measured over about a year and a half")
    gain = finite(law.density_gain(days), "the density gain")
    return DensingEstimate(preset=preset.name, params=params, days=days,
                           equivalent_params=finite(np.divide(params, gain), "the equivalent size"),
                           density_gain=gain, doubling_days=law.doubling_days)


@quiet
def exchange(preset: Preset, *, train_factor: Numbers | None = None,
             test_factor: Numbers | None = None) -> ExchangeEstimate:
    """The test-time compute a train-time multiple replaces at equal Elo, or the reverse."""
    law = _law(preset, "exchange", "has no train/test exchange rate")
    if (train_factor is None) == (test_factor is None):
        raise ScalecalcError("give exactly one of --train-factor and --test-factor.")
    if train_factor is not None:
        train = _at_most(check_numbers(train_factor, "train_factor"), MAX_FACTOR, "train_factor", "times")
        test = finite(law.test_factor(train), "the test-time factor")
    else:
        test = _at_most(check_numbers(test_factor, "test_factor"), MAX_FACTOR, "test_factor", "times")
        train = finite(law.train_factor(test), "the train-time factor")
    return ExchangeEstimate(preset=preset.name, train_factor=train, test_factor=test)


@quiet
def critical_batch(preset: Preset, loss: Numbers) -> CriticalBatchSize:
    """B_crit(L) in tokens (Kaplan's Eq. 1.4)."""
    law = preset.law_for("batch")
    if law is None:
        require(preset, "batch", "has no critical-batch law")
    loss = check_numbers(loss, "loss")
    label = f"B_crit(L) = {show(law.B_star)} tokens / L^(1/{law.alpha_B:g}) (Kaplan et al. 2020, Eq. 1.4)"
    return CriticalBatchSize(preset=preset.name, loss=loss,
                             critical_batch=finite(law.batch(loss), "the critical batch size"), law=label)
