"""Kaplan et al. 2020 (arXiv 2001.08361) beyond the joint fit: L(N, S_min) (Eq. 1.6, Table 3), the
critical batch size (Eq. 1.4, Table 5), Table 6's compute-efficient B and S_min, and the overfitting
bound (Eq. 4.4). Expected values are recomputed from those equations (laws.md §3)."""

from __future__ import annotations

import json

import pytest

from scalecalc import fieldlaws, presets, solve
from scalecalc.quantities import PF_DAY

KAPLAN = presets.load("kaplan")


@pytest.mark.parametrize(("loss", "tokens"), [(3.0, 1.123e6), (2.5, 2.675e6), (2.0, 7.740e6)])
def test_critical_batch_eq_1_4(loss: float, tokens: float) -> None:
    assert fieldlaws.critical_batch(KAPLAN, loss).critical_batch == pytest.approx(tokens, rel=5e-4)


def test_table6_at_a_thousand_pf_days_of_c_min() -> None:
    # C = 2·C_min (Eq. 5.5, 6.7): 1e3 PF-days of C_min is 2e3 PF-days of training compute.
    answer = solve.optimal(KAPLAN, flops=2e3 * PF_DAY)
    assert answer.params == pytest.approx(2.013e11, rel=5e-4)
    assert answer.batch_size == pytest.approx(1.050e7, rel=5e-4)
    assert answer.min_steps == pytest.approx(6.643e3, rel=5e-4)


def test_table6_at_one_pf_day_of_c_min() -> None:
    answer = solve.optimal(KAPLAN, flops=2 * PF_DAY)
    expected = (1.3e9, 2.0e6, 5.4e3)  # Table 6's coefficients themselves
    assert (answer.params, answer.batch_size, answer.min_steps) == pytest.approx(expected, rel=1e-9)


def test_step_law_eq_1_6_table3() -> None:
    assert solve.step_loss(KAPLAN, 1e9, 1e5).loss == pytest.approx(2.4005, rel=5e-5)


def test_overfitting_bound_eq_4_4() -> None:
    rule = KAPLAN.extra["overfitting"]
    assert rule.least_tokens(1e9) == pytest.approx(2.285e10, rel=5e-4)
    assert KAPLAN.advice(1e9, 2.2e10) and not KAPLAN.advice(1e9, 2.3e10)


def test_the_overfitting_warning_on_a_kaplan_run(run_inprocess) -> None:
    low = run_inprocess("loss", "--params", "1e9", "--tokens", "1e10", "-p", "kaplan", "-f", "csv")
    assert "overfitting bound D ≳ 5000·N^0.74" in low.stderr
    enough = run_inprocess("loss", "--params", "1e9", "--tokens", "3e10", "-p", "kaplan", "-f", "csv")
    assert "overfitting" not in enough.stderr


def test_batch_and_steps_from_the_cli(run_inprocess) -> None:
    result = run_inprocess("batch", "--loss", "2.0", "-f", "json")
    assert json.loads(result.stdout)[0]["critical_batch"] == pytest.approx(7.740e6, rel=5e-4)
    result = run_inprocess("loss", "--params", "1e9", "--steps", "1e5", "-p", "kaplan", "-f", "json")
    assert json.loads(result.stdout)[0]["loss"] == pytest.approx(2.4005, rel=5e-5)
    result = run_inprocess("optimal", "--flops", "2e3pfd", "-p", "kaplan", "-f", "json")
    assert json.loads(result.stdout)[0]["batch_size"] == pytest.approx(1.050e7, rel=5e-4)


def test_batch_fields_are_blank_and_hidden_elsewhere(run_inprocess) -> None:
    result = run_inprocess("optimal", "--flops", "1e23", "-f", "json")
    row = json.loads(result.stdout)[0]
    assert row["batch_size"] is None and row["min_steps"] is None
    assert "batch_size" not in run_inprocess("optimal", "--flops", "1e23").stdout
