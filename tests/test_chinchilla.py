"""The Chinchilla law and its closed-form optimum (Hoffmann et al. 2022, REFERENCE.md §1)."""

from __future__ import annotations

import numpy as np
import pytest

import scalecalc
from scalecalc.laws import ChinchillaLaw

# REFERENCE.md §1, coefficient sets as published.
ROUNDED = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
UNROUNDED = {"E": 1.69337368, "A": 406.401018, "B": 410.722827, "alpha": 0.33917084, "beta": 0.2849083}
REFIT = {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}
GOPHER = 5.76e23


@pytest.mark.parametrize(("name", "expected"),
                         [("chinchilla", ROUNDED), ("chinchilla-exact", UNROUNDED), ("besiroglu", REFIT)])
def test_presets_carry_the_published_coefficients(name: str, expected: dict[str, float]) -> None:
    law = scalecalc.load_preset(name).law
    assert isinstance(law, ChinchillaLaw)
    assert {key: getattr(law, key) for key in expected} == expected


def test_unrounded_set_matches_the_logs_in_besiroglus_notebook() -> None:
    # REFERENCE §1: `true_params` stores E, A, B as logs 0.5267228, 6.0073404, 6.0179186.
    law = scalecalc.load_preset("chinchilla-exact").law
    assert np.log([law.E, law.A, law.B]) == pytest.approx([0.5267228, 6.0073404, 6.0179186], abs=2e-7)


@pytest.mark.parametrize("name", ["chinchilla", "chinchilla-exact", "besiroglu"])
@pytest.mark.parametrize("flops", [1e18, 1e21, 5.76e23, 1e24, 1e27])
def test_closed_form_of_eq4(name: str, flops: float) -> None:
    """N_opt = G·(C/6)^a, D_opt = (1/G)·(C/6)^b with G = (αA/(βB))^(1/(α+β)) (Eq. 4)."""
    law = scalecalc.load_preset(name).law
    g = (law.alpha * law.A / (law.beta * law.B)) ** (1 / (law.alpha + law.beta))
    a = law.beta / (law.alpha + law.beta)
    b = law.alpha / (law.alpha + law.beta)
    run = scalecalc.optimal(flops=flops, preset=name)
    assert run.params == pytest.approx(g * (flops / 6) ** a, rel=1e-12)
    assert run.tokens == pytest.approx((flops / 6) ** b / g, rel=1e-12)
    assert 6 * run.params * run.tokens == pytest.approx(flops, rel=1e-12)
    assert run.loss == pytest.approx(law.E + law.A / run.params**law.alpha + law.B / run.tokens**law.beta)


def test_rounded_summary_forms() -> None:
    """Chinchilla's summary N_opt ≈ 0.6·C^0.45 and D_opt ≈ 0.3·C^0.55 (Approach 3, rounded set).

    The summary prints the exponents to two decimals and the coefficients to one figure, so the
    exact forms must agree to within half a unit of those places: exponents within 0.005,
    coefficients within 0.05. A wrong α or β (even 0.01 off) breaks the exponent check.
    """
    allocation = scalecalc.load_preset("chinchilla").allocation
    assert allocation.exponent == pytest.approx(0.45, abs=0.005)
    assert allocation.coefficient == pytest.approx(0.6, abs=0.05)
    # D_opt = C/(6·N_opt) = (1/(6k))·C^(1-a)
    assert 1 - allocation.exponent == pytest.approx(0.55, abs=0.005)
    assert 1 / (6 * allocation.coefficient) == pytest.approx(0.3, abs=0.05)
    # And the answers themselves, over the paper's compute range, within what that rounding allows:
    flops = np.logspace(18, 24, 13)
    params = scalecalc.optimal(flops=flops, preset="chinchilla").params
    slack = np.exp(0.005 * np.log(flops)) * (1 + 0.05 / 0.6)
    assert np.all(np.abs(np.log(params / (0.6 * flops**0.45))) <= np.log(slack))


def test_tokens_per_parameter_at_gophers_budget() -> None:
    """REFERENCE §1: about 93 tokens per parameter (rounded set) against about 18 (refit)."""
    assert scalecalc.optimal(flops=GOPHER, preset="chinchilla").tokens_per_param == pytest.approx(93, abs=1)
    assert scalecalc.optimal(flops=GOPHER, preset="besiroglu").tokens_per_param == pytest.approx(18, abs=1)


def test_besiroglu_implied_exponent() -> None:
    """REFERENCE §1: the refit implies a = β/(α+β) = 0.513 ± 0.020."""
    assert scalecalc.load_preset("besiroglu").allocation.exponent == pytest.approx(0.513, abs=0.0005)


@pytest.mark.parametrize("name", ["chinchilla", "besiroglu"])
@pytest.mark.parametrize("excess", [0.01, 0.2, 0.5, 1.3])
def test_least_compute_for_a_loss_splits_the_excess(name: str, excess: float) -> None:
    """At the optimum αA/N^α = βB/D^β, so A/N^α = (L−E)·β/(α+β) and B/D^β = (L−E)·α/(α+β)."""
    law = scalecalc.load_preset(name).law
    target = law.E + excess
    run = scalecalc.optimal(loss=target, preset=name)
    total = law.alpha + law.beta
    assert law.A / run.params**law.alpha == pytest.approx(excess * law.beta / total, rel=1e-12)
    assert law.B / run.tokens**law.beta == pytest.approx(excess * law.alpha / total, rel=1e-12)
    assert run.loss == pytest.approx(target, rel=1e-12)


def test_inverse_from_params_is_eq4_inverted() -> None:
    """C = 6·(N/G)^(1/a) (REFERENCE §1, inverses)."""
    law = scalecalc.load_preset("chinchilla").law
    g = (law.alpha * law.A / (law.beta * law.B)) ** (1 / (law.alpha + law.beta))
    a = law.beta / (law.alpha + law.beta)
    run = scalecalc.optimal(params=70e9, preset="chinchilla")
    assert run.flops == pytest.approx(6 * (70e9 / g) ** (1 / a), rel=1e-12)
    assert run.params == 70e9


def test_loss_report_terms_and_gap() -> None:
    """`loss --params 70B --tokens 1.4T`: terms add up and the gap is against the same budget."""
    law = scalecalc.load_preset("chinchilla").law
    report = scalecalc.loss(70e9, 1.4e12, preset="chinchilla")
    assert report.loss_irreducible == 1.69
    assert report.loss_params_term == pytest.approx(406.4 / 70e9**0.34, rel=1e-12)
    assert report.loss_data_term == pytest.approx(410.7 / 1.4e12**0.28, rel=1e-12)
    assert report.loss == pytest.approx(
        report.loss_irreducible + report.loss_params_term + report.loss_data_term, rel=1e-15)
    assert report.flops == pytest.approx(6 * 70e9 * 1.4e12)
    best = scalecalc.optimal(flops=report.flops, preset="chinchilla")
    assert report.optimal_params == pytest.approx(best.params, rel=1e-12)
    assert report.loss_gap == pytest.approx(report.loss - law.loss(best.params, best.tokens), rel=1e-9)
    assert report.loss_gap > 0
    own = scalecalc.optimal(params=70e9, preset="chinchilla")
    assert report.tokens_for_params == pytest.approx(own.tokens, rel=1e-9)
    assert report.tokens_multiple == pytest.approx(1.4e12 / own.tokens, rel=1e-9)
