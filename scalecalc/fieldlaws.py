"""Questions beyond compute-optimal planning, each answered by a preset's law that declares it:
transfer (Hernandez et al. 2021), densing (Xiao et al. 2024), exchange (Jones 2021)."""

from __future__ import annotations

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.presets import Preset, require
from scalecalc.quantities import check_numbers
from scalecalc.records import DensingEstimate, ExchangeEstimate, TransferEstimate
from scalecalc.solve import Numbers, finite, quiet

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
