"""Data-constrained scaling (Muennighoff et al. 2023, REFERENCE.md §5)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalecalc
from scalecalc import datalimited
from scalecalc.laws import ChinchillaLaw

MUENNIGHOFF = scalecalc.load_preset("muennighoff")
LAW = MUENNIGHOFF.law


def test_constants_from_the_authors_repository() -> None:
    """REFERENCE §5: a, b, e in log form; alpha = beta; R_D* 15.387756 and R_N* 5.309743."""
    assert np.log([LAW.A, LAW.B, LAW.E]) == pytest.approx([6.255414, 7.3049974, 0.6254804], abs=1e-12)
    assert LAW.alpha == LAW.beta == 0.3526596
    assert (LAW.R_D, LAW.R_N) == (15.387756, 5.309743)
    assert round(LAW.R_D, 1) == 15.4 and round(LAW.R_N, 1) == 5.3  # as the paper rounds them


@given(st.floats(np.log(1e8), np.log(1e11)), st.floats(np.log(1e9), np.log(1e12)), st.floats(0, 3))
def test_with_enough_unique_data_it_is_the_chinchilla_form(log_n: float, log_d: float, spare: float) -> None:
    n, d = float(np.exp(log_n)), float(np.exp(log_d))
    plain = ChinchillaLaw(LAW.E, LAW.A, LAW.B, LAW.alpha, LAW.beta)
    limited = LAW.with_unique_tokens(d * np.exp(spare))  # U >= D
    n_small = min(n, limited.unique_params)  # and no excess parameters
    assert limited.loss(n_small, d) == pytest.approx(float(plain.loss(n_small, d)), rel=1e-14)


@given(st.floats(np.log(1e9), np.log(1e11)), st.floats(0, 8))
def test_effective_data_never_exceeds_d_and_saturates(log_u: float, log_epochs: float) -> None:
    unique = float(np.exp(log_u))
    limited = LAW.with_unique_tokens(unique)
    tokens = unique * np.exp(log_epochs)
    effective = float(limited.effective_tokens(tokens))
    assert effective <= tokens * (1 + 1e-12)
    assert effective <= unique * (1 + LAW.R_D) * (1 + 1e-12)  # reached, to rounding, after ~1000 epochs
    assert float(limited.effective_tokens(unique * 1e6)) == pytest.approx(unique * (1 + LAW.R_D), rel=1e-9)


def test_one_epoch_is_worth_its_tokens_and_repeats_decay() -> None:
    limited = LAW.with_unique_tokens(1e11)
    assert float(limited.effective_tokens(1e11)) == 1e11
    # R_D repetitions: D' = U·(1 + R_D*·(1 − e^(−R_D/R_D*))); at 4 epochs R_D = 3.
    expected = 1e11 * (1 + LAW.R_D * (1 - np.exp(-3 / LAW.R_D)))
    assert float(limited.effective_tokens(4e11)) == pytest.approx(expected, rel=1e-14)


def test_numeric_optimum_is_a_minimum_on_the_iso_flop_line() -> None:
    run = datalimited.optimal(MUENNIGHOFF, 5e10, flops=1e23)
    limited = LAW.with_unique_tokens(5e10)
    for shift in (-0.1, -0.01, 0.01, 0.1):
        n = run.params * np.exp(shift)
        assert limited.loss(n, 1e23 / (6 * n)) > run.loss
    assert run.epochs > 1 and run.loss > run.unlimited_loss


def test_scarce_data_shifts_compute_to_epochs() -> None:
    """Less unique data: a smaller model, more epochs, a higher loss (Muennighoff et al.)."""
    runs = [datalimited.optimal(MUENNIGHOFF, u, flops=1e23) for u in (1e13, 1e11, 2.5e10)]
    assert [r.params for r in runs] == sorted((r.params for r in runs), reverse=True)
    assert [r.epochs for r in runs] == sorted(r.epochs for r in runs)
    assert [r.loss for r in runs] == sorted(r.loss for r in runs)
    assert runs[0].params == pytest.approx(runs[0].unlimited_params, rel=1e-6)  # plenty of data


def test_cli_repetition_warning_and_fields(run_inprocess) -> None:
    result = run_inprocess("loss", "--params", "7B", "--tokens", "2T", "--unique-tokens", "100B",
                           "-p", "muennighoff", "-f", "json")
    (row,) = json.loads(result.stdout)
    assert row["epochs"] == 20 and row["effective_tokens"] < row["tokens"]
    assert row["loss"] > row["fresh_loss"]
    assert "repeats its 100B unique tokens 19.0 times" in result.stderr
    quiet = run_inprocess("loss", "--params", "7B", "--tokens", "200B", "--unique-tokens", "100B",
                          "-p", "muennighoff", "-f", "json")
    assert "repeats" not in quiet.stderr
    optimum = run_inprocess("optimal", "--flops", "1e23", "--unique-tokens", "50B", "-p", "muennighoff",
                            "-f", "csv")
    assert optimum.code == 0 and "epochs" in optimum.stdout.splitlines()[0]


def test_unique_tokens_needs_the_data_constrained_preset(run_inprocess) -> None:
    result = run_inprocess("optimal", "--flops", "1e23", "--unique-tokens", "50B")
    assert result.code == 2 and "--preset muennighoff" in result.stderr and result.stdout == ""
