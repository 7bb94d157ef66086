"""Invariants that must hold for every answer (hypothesis), including closed form vs numeric."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scalecalc
from scalecalc import optimize, solve

log_flops = st.floats(min_value=np.log(1e15), max_value=np.log(1e30))
law_presets = st.sampled_from(["chinchilla", "chinchilla-exact", "besiroglu", "kaplan"])
all_presets = st.sampled_from([name for name in scalecalc.builtin_names()
                               if "optimal" in scalecalc.load_preset(name).answers])


@given(all_presets, log_flops)
def test_six_n_d_is_c(name: str, log_c: float) -> None:
    flops = float(np.exp(log_c))
    run = scalecalc.optimal(flops=flops, preset=name)
    assert 6 * run.params * run.tokens == pytest.approx(flops, rel=1e-12)
    assert run.tokens_per_param == pytest.approx(run.tokens / run.params, rel=1e-12)


@given(st.sampled_from(["chinchilla", "chinchilla-exact", "besiroglu"]), log_flops,
       st.floats(min_value=-3, max_value=3).filter(lambda x: abs(x) > 1e-3))
def test_optimum_beats_every_other_point_on_its_isoflop_line(name: str, log_c: float, shift: float) -> None:
    flops = float(np.exp(log_c))
    law = scalecalc.load_preset(name).law
    run = scalecalc.optimal(flops=flops, preset=name)
    other_n = run.params * np.exp(shift)
    assert law.loss(other_n, flops / (6 * other_n)) > run.loss


def _numeric(name: str) -> scalecalc.Preset:
    """The same preset with its closed form removed, so the numeric path answers."""
    return replace(scalecalc.load_preset(name), allocation=None, allocation_kind="numeric")


@settings(max_examples=60)
@given(st.sampled_from(["chinchilla", "chinchilla-exact", "besiroglu"]), log_flops)
def test_closed_form_equals_numeric_solver(name: str, log_c: float) -> None:
    flops = float(np.exp(log_c))
    closed = scalecalc.optimal(flops=flops, preset=name)
    numeric = scalecalc.optimal(flops=flops, preset=_numeric(name))
    assert numeric.params == pytest.approx(closed.params, rel=1e-6)
    assert numeric.tokens == pytest.approx(closed.tokens, rel=1e-6)


@settings(max_examples=30)
@given(st.sampled_from(["chinchilla", "besiroglu"]), st.floats(min_value=np.log(1e7), max_value=np.log(1e13)))
def test_numeric_inverses_match_closed_form(name: str, log_n: float) -> None:
    size = float(np.exp(log_n))
    closed = scalecalc.optimal(params=size, preset=name)
    numeric = scalecalc.optimal(params=size, preset=_numeric(name))
    assert numeric.flops == pytest.approx(closed.flops, rel=1e-6)
    by_tokens = scalecalc.optimal(tokens=closed.tokens, preset=_numeric(name))
    assert by_tokens.params == pytest.approx(size, rel=1e-6)
    law = scalecalc.load_preset(name).law
    by_loss = scalecalc.optimal(loss=closed.loss, preset=_numeric(name))
    assert by_loss.params == pytest.approx(size, rel=1e-5)
    assert law.loss(by_loss.params, by_loss.tokens) == pytest.approx(closed.loss, rel=1e-9)


@given(log_flops)
def test_numeric_solver_on_kaplan_joint_law(log_c: float) -> None:
    """Minimizing Kaplan's L(N, D) along C = 6ND: stationarity gives N^(p+1) = p·N_c^p·C/(6·D_c)
    with p = α_N/α_D, derived by hand; the numeric solver must land there."""
    flops = float(np.exp(log_c))
    law = scalecalc.load_preset("kaplan").law
    p = law.alpha_N / law.alpha_D
    expected = (p * law.N_c**p * flops / (6 * law.D_c)) ** (1 / (p + 1))
    assert optimize.isoflop_optimum(law, np.array(flops), 6.0) == pytest.approx(expected, rel=1e-9)


@given(all_presets, st.floats(min_value=np.log(1e7), max_value=np.log(1e13)))
def test_params_then_flops_round_trips(name: str, log_n: float) -> None:
    size = float(np.exp(log_n))
    first = scalecalc.optimal(params=size, preset=name)
    second = scalecalc.optimal(flops=first.flops, preset=name)
    assert second.params == pytest.approx(size, rel=1e-9)
    assert second.tokens == pytest.approx(first.tokens, rel=1e-9)
    third = scalecalc.optimal(tokens=first.tokens, preset=name)
    assert third.params == pytest.approx(size, rel=1e-9)


@given(law_presets, st.floats(min_value=0.02, max_value=2.0))
def test_loss_answer_reaches_the_loss_and_no_cheaper_run_on_its_path_does(name: str, excess: float) -> None:
    preset = scalecalc.load_preset(name)
    target = preset.law.irreducible + excess + (1.5 if name == "kaplan" else 0)
    run = scalecalc.optimal(loss=target, preset=name)
    assert run.loss == pytest.approx(target, rel=1e-9)
    # 1% less compute, spent compute-optimally, falls short of the target.
    cheaper = scalecalc.optimal(flops=run.flops * 0.99, preset=name)
    assert cheaper.loss > target
    # And the answer is on the compute-optimal path for its own budget.
    same = scalecalc.optimal(flops=run.flops, preset=name)
    assert same.params == pytest.approx(run.params, rel=1e-6)


def test_vectorized_equals_scalar() -> None:
    budgets = np.logspace(18, 26, 17)
    table = solve.table(scalecalc.load_preset("besiroglu"), flops=budgets)
    for index, budget in enumerate(budgets):
        single = scalecalc.optimal(flops=float(budget), preset="besiroglu")
        assert table.params[index] == pytest.approx(single.params, rel=1e-14)
        assert table.loss[index] == pytest.approx(single.loss, rel=1e-14)
