"""Kumar et al. 2024, Scaling Laws for Precision (arXiv 2411.04330): the kumar-precision preset.

The numbers checked come from the paper's unified fit (App. K Table 2) through Eq. 2, Eq. 4 and the
cost model of §4.3, with the offsets placed as 1 − e^(n_x − P/γ_x) (reference §15).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalecalc import precision, presets, solve
from scalecalc.laws import ChinchillaLaw
from scalecalc.laws.precision import PrecisionLaw


@pytest.fixture(scope="module")
def kumar() -> presets.Preset:
    return presets.load("kumar-precision")


def tied(preset: presets.Preset, bits: float, post: float | None = None) -> presets.Preset:
    return precision.at_bits(preset, bits, bits, bits, post)


@pytest.mark.parametrize(("bits", "fraction"), [(4, 0.191), (8, 0.828), (16, 0.994)])
def test_effective_fraction_matches_eq4_with_table2(kumar, bits, fraction) -> None:
    # Eq. 4, App. K Table 2: N_eff/N = Π_x (1 − e^(n_x − P/γ_x)) at one P for w, a, kv; 3 figures.
    assert float(kumar.law.effective_fraction(bits)) == pytest.approx(fraction, rel=2e-3)
    assert float(tied(kumar, bits).law.effective_fraction()) == pytest.approx(fraction, rel=2e-3)


def test_compute_optimal_precision_is_seven_bits(kumar) -> None:
    # §4.3.2 Finding 3 ("around 7-8 bits"), with Table 2's constants: P* = 7.00 bits.
    assert kumar.law.optimal_tied_bits() == pytest.approx(7.00, abs=0.01)
    assert precision.searched(kumar).law.weight_bits == pytest.approx(7.00, abs=0.01)


@pytest.mark.parametrize("flops", [1e19, 1e21, 1e23, 1e25])
def test_optimal_precision_does_not_depend_on_budget(kumar, flops) -> None:
    # Finding 3: at every budget the precision with the lowest compute-optimal loss is the same P*.
    # Searched here by brute force over the loss of whole runs, not through optimal_tied_bits.
    grid = np.round(np.arange(5.0, 10.0, 0.01), 2)
    losses = [solve.optimal(tied(kumar, bits), flops=flops).loss for bits in grid]
    assert grid[int(np.argmin(losses))] == pytest.approx(7.00, abs=0.01)


@pytest.mark.parametrize(("tokens", "delta"), [(1e10, 0.0142), (1e11, 0.0456)])
def test_ptq_penalty_matches_eq2(kumar, tokens, delta) -> None:
    # Eq. 2 (BF16 training), Table 2's C_T, γ_D, γ_N, γ_post: N = 1e8, P_post = 4 bits.
    law = kumar.law.at_bits(16, 16, 16, post=4)
    assert float(law.ptq(1e8, tokens)) == pytest.approx(delta, rel=2e-3)


def test_cost_model_is_six_sixteenths_n_d_p(kumar) -> None:
    # §4.3: C = (6/16)·N·D·P, P the training precision in bits.
    for bits in (4.0, 7.0, 16.0):
        record = precision.optimal(tied(kumar, bits), flops=1e21)
        assert record.flops == pytest.approx(6 / 16 * record.params * record.tokens * bits, rel=1e-9)
        assert record.compute_bits == bits


def test_mixed_bits_cost_the_widest(kumar) -> None:
    preset = precision.at_bits(kumar, 4, 8, 6)
    assert preset.flops_per_param_token == pytest.approx(6 / 16 * 8, rel=1e-12)


def test_at_sixteen_bits_it_is_chinchilla_with_a_scaled(kumar) -> None:
    law = kumar.law
    g = float(law.effective_fraction(16))
    plain = ChinchillaLaw(law.E, law.A * g ** -law.alpha, law.B, law.alpha, law.beta)
    n, d = np.array([3e7, 1e9, 7e10]), np.array([1e9, 2e10, 1.4e12])
    assert law.loss(n, d) == pytest.approx(plain.loss(n, d), rel=1e-12)
    assert solve.optimal(kumar, flops=1e22).params == pytest.approx(
        plain.closed_form_allocation(6.0).params(1e22), rel=1e-9)


def test_quantizing_no_lower_than_training_costs_nothing(kumar) -> None:
    # Eq. 9: δ_PTQ = 0 when the weights are quantized to the precision they were trained in.
    assert float(kumar.law.at_bits(8, 8, 8, post=8).ptq(1e8, 1e10)) == 0
    assert float(kumar.law.at_bits(8, 8, 8, post=12).ptq(1e8, 1e10)) == 0
    assert float(kumar.law.at_bits(16, 16, 16).ptq(1e8, 1e10)) == 0


def test_ptq_after_low_precision_training_uses_n_eff(kumar) -> None:
    # Eq. 9's N_eff in place of N; its C_x product (unpublished) taken as 1.
    law = kumar.law.at_bits(8, 8, 8, post=4)
    bf16 = kumar.law.at_bits(16, 16, 16, post=4)
    n_eff = 1e8 * float(law.effective_fraction())
    assert float(law.ptq(1e8, 1e10)) == pytest.approx(float(bf16.ptq(n_eff, 1e10)), rel=1e-12)


def test_numeric_optimum_with_ptq_is_a_minimum_on_its_isoflop_line(kumar) -> None:
    preset = tied(kumar, 16, post=4)
    assert preset.allocation_kind == "numeric"
    record = solve.optimal(preset, flops=1e21)
    c0 = preset.flops_per_param_token
    for factor in (0.9, 1.1):
        n = record.params * factor
        assert preset.law.loss(n, 1e21 / (c0 * n)) > record.loss


def test_too_few_bits_for_the_fit_are_refused(kumar) -> None:
    from scalecalc.errors import ScalecalcError

    # Activations: f_a = 1 − e^(1.4072 − P/2.2102) is zero at 3.11 bits.
    with pytest.raises(ScalecalcError, match=r"3\.11"):
        precision.at_bits(kumar, 8, 3, 8)


def test_loss_reports_what_each_precision_costs(run_inprocess) -> None:
    result = run_inprocess("loss", "--params", "110M", "--tokens", "6B", "-p", "kumar-precision",
                           "--weight-bits", "4", "--activation-bits", "8", "--kv-bits", "8",
                           "--format", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    law = presets.load("kumar-precision").law
    full = float(law.loss(110e6, 6e9))
    assert row["loss_at_16_bits"] == pytest.approx(full, rel=1e-9)
    assert row["loss"] == pytest.approx(float(law.at_bits(4, 8, 8).loss(110e6, 6e9)), rel=1e-9)
    assert row["loss_from_training_bits"] == pytest.approx(row["loss"] - full, rel=1e-9)
    weights_only = float(law.at_bits(4, 16, 16).loss(110e6, 6e9))
    assert row["loss_from_weight_bits"] == pytest.approx(weights_only - full, rel=1e-9)
    assert row["loss_from_weight_bits"] > row["loss_from_activation_bits"] > row["loss_from_kv_bits"] > 0
    assert row["loss_ptq"] == 0
    assert row["effective_params"] == pytest.approx(110e6 * float(law.at_bits(4, 8, 8).effective_fraction()))
    assert row["flops"] == pytest.approx(6 / 16 * 8 * 110e6 * 6e9, rel=1e-9)
    assert "note: kumar-precision's constants" in result.stderr


def test_loss_with_post_bits_adds_eq2(run_inprocess) -> None:
    result = run_inprocess("loss", "--params", "1e8", "--tokens", "1e10", "-p", "kumar-precision",
                           "--post-bits", "4", "--format", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["loss_ptq"] == pytest.approx(0.0142, rel=2e-3)  # Eq. 2, as above
    assert row["loss"] == pytest.approx(row["loss_at_16_bits"] + row["loss_ptq"], rel=1e-9)


@pytest.mark.parametrize("flops", ["1e19", "1e25"])
def test_precision_search_through_the_cli(run_inprocess, flops) -> None:
    result = run_inprocess("optimal", "--flops", flops, "-p", "kumar-precision", "--precision-search",
                           "--format", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["weight_bits"] == row["activation_bits"] == row["kv_bits"] == pytest.approx(7.00, abs=0.01)
    cost = 6 / 16 * row["params"] * row["tokens"] * row["compute_bits"]
    assert row["flops"] == pytest.approx(cost, rel=1e-9)
    assert "extrapolation" in result.stderr  # 1e19 and 1e25 both size models beyond 220M


def test_bits_outside_the_fitted_range_warn(run_inprocess) -> None:
    result = run_inprocess("loss", "--params", "110M", "--tokens", "6B", "-p", "kumar-precision",
                           "--weight-bits", "2", "--format", "csv")
    assert result.code == 0, result.stderr
    assert "precisions of 3 to 12 bits or 16 (this answer uses 2)" in result.stderr
    inside = run_inprocess("loss", "--params", "110M", "--tokens", "6B", "-p", "kumar-precision",
                           "--weight-bits", "4", "--format", "csv")
    assert "bits" not in inside.stderr.replace("kumar-precision's constants", "")
    assert "extrapolation" not in inside.stderr


def test_optimal_at_given_bits_sizes_the_run(run_inprocess) -> None:
    result = run_inprocess("optimal", "--flops", "1e20", "-p", "kumar-precision", "--weight-bits", "4",
                           "--activation-bits", "8", "--kv-bits", "8", "--format", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    law = presets.load("kumar-precision").law.at_bits(4, 8, 8)
    assert isinstance(law, PrecisionLaw)
    c0 = 6 / 16 * 8
    # The closed form of the Chinchilla law with A·g^(−α) at c0 = (6/16)·8 (Eq. 6's shift of N*).
    expected = law._chinchilla().closed_form_allocation(c0).params(1e20)
    assert row["params"] == pytest.approx(expected, rel=1e-9)
    assert row["tokens"] == pytest.approx(1e20 / (c0 * expected), rel=1e-9)
    assert math.isclose(row["effective_fraction"], float(law.effective_fraction()), rel_tol=1e-9)


def test_preset_all_leaves_the_precision_law_out(run_inprocess) -> None:
    result = run_inprocess("optimal", "--flops", "1e22", "--preset", "all", "--format", "json")
    assert result.code == 0
    assert "kumar-precision" not in [row["preset"] for row in json.loads(result.stdout)]


def test_search_at_its_bound_says_so(run_inprocess) -> None:
    # With γ_a = 20 (--set), P/f(P) falls all the way to 32 bits: P* is the search's end, not an optimum.
    result = run_inprocess("optimal", "--flops", "1e20", "-p", "kumar-precision", "--set", "gamma_a=20",
                           "--precision-search", "--format", "json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)[0]["weight_bits"] == 32
    assert "at the end of the search" in result.stderr


@settings(max_examples=40)
@given(bits=st.floats(3.2, 32.0), log_flops=st.floats(18.0, 26.0))
def test_eq6_size_shift_by_the_numeric_solver(bits, log_flops) -> None:
    # Eq. 6 (§4.3): at a fixed budget N*(P)/N*(16) = (g(P)/g(16))^(−α/(α+β))·(P/16)^(−β/(α+β)), g = N_eff/N
    # (the paper's tied form, with α = β). Found here by the bisection on the iso-FLOP line, not the
    # closed form the preset uses, so the two are checked against each other.
    from scalecalc import optimize

    law = presets.load("kumar-precision").law
    flops = 10.0 ** log_flops
    at = {p: law.at_bits(p, p, p) for p in (bits, 16.0)}
    found = {p: float(optimize.isoflop_optimum(item, np.asarray(flops), item.flops_per_param_token))
             for p, item in at.items()}
    share = law.alpha + law.beta
    expected = (float(law.effective_fraction(bits) / law.effective_fraction(16.0)) ** (-law.alpha / share)
                * (bits / 16.0) ** (-law.beta / share))
    assert found[bits] / found[16.0] == pytest.approx(expected, rel=1e-9)
    closed = at[bits].closed_form_allocation(at[bits].flops_per_param_token).params(flops)
    assert found[bits] == pytest.approx(float(closed), rel=1e-9)


def test_a_catalogue_model_brings_its_non_embedding_count_and_tokens(run_inprocess) -> None:
    # Kumar et al. count non-embedding parameters (§2.3); the catalogue gives llama-3-8b 15T tokens.
    bits = ("-p", "kumar-precision", "--weight-bits", "8", "--activation-bits", "8", "--kv-bits", "8")
    from_model = run_inprocess("loss", "--model", "llama-3-8b", *bits, "-f", "json")
    assert from_model.code == 0, from_model.stderr
    row = json.loads(from_model.stdout)[0]
    from scalecalc.models.sizing import resolve

    sizes = resolve("llama-3-8b")
    assert row["params"] == pytest.approx(sizes.law_params("non-embedding"), rel=1e-12)
    assert row["tokens"] == pytest.approx(15e12, rel=1e-12)
    by_hand = run_inprocess("loss", "--params", repr(row["params"]), "--tokens", "15T", *bits, "-f", "json")
    assert json.loads(by_hand.stdout)[0]["loss"] == pytest.approx(row["loss"], rel=1e-12)
    assert "--tokens defaults to" in from_model.stderr
