"""Mixture-of-experts laws against their papers' tables (docs/moe.md, shared reference §7).

Krajewski et al. 2024 (arXiv 2402.07871): Eq. 9, Table 1, Eq. 10, Table 2.
Ludziejewski et al. 2025 (arXiv 2502.05172): Eq. 6, Tables 3-4, Eq. 7, Table 1.
Clark et al. 2022 (arXiv 2202.01169): S-BASE effective parameter count, coefficients secondary.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalecalc import moe
from scalecalc.presets import load

REL = 1e-9

# Krajewski et al. 2024, Table 2: E×N_act, tokens D, granularity G, FLOPs, loss (E = 64).
KRAJEWSKI_TABLE2 = [
    (100e6, 4.37e9, 8, 2.95e18, 3.133),
    (1e9, 28.94e9, 16, 1.93e20, 2.491),
    (3e9, 72.90e9, 16, 1.41e21, 2.245),
    (7e9, 137.60e9, 32, 6.46e21, 2.076),
    (70e9, 941.07e9, 32, 4.16e23, 1.694),
    (300e9, 2.96e12, 64, 5.69e24, 1.503),
    (1e12, 7.94e12, 64, 4.97e25, 1.367),
]

# Ludziejewski et al. 2025, Table 1, recomputed to 4 figures from Table 4 with Eq. 7 (it rounds them).
LUDZIEJEWSKI_TABLE1 = [(1, 1e20, 1.723e9, 9.672e9), (8, 1e21, 3.761e9, 4.431e10),
                       (32, 1e22, 1.217e10, 1.370e11)]


@pytest.fixture(scope="module")
def krajewski():
    return load("krajewski-moe")


@pytest.fixture(scope="module")
def ludziejewski():
    return load("ludziejewski-moe")


@pytest.fixture(scope="module")
def clark():
    return load("clark-sbase")


@pytest.mark.parametrize(("active", "tokens", "granularity", "flops", "loss"), KRAJEWSKI_TABLE2)
def test_krajewski_table2_flops_and_loss(krajewski, active, tokens, granularity, flops, loss):
    """Eq. 10's FLOPs (c_f = 6, c_r = 14, d = 64·n_blocks) give Table 2's within 0.5%, and Eq. 9 with
    N = 43·N_act its loss within 0.03 (Table 2's N is shorthand E×N_act: reference §15)."""
    answer = moe.assess(krajewski, active, tokens, granularity=granularity)
    assert answer.flops == pytest.approx(flops, rel=5e-3)
    assert abs(answer.loss - loss) < 0.03
    assert answer.total_params == pytest.approx(43 * active, rel=REL)


@pytest.mark.parametrize(("active", "tokens", "granularity", "flops", "loss"), KRAJEWSKI_TABLE2)
def test_krajewski_table2_optimum(krajewski, active, tokens, granularity, flops, loss):
    """At Table 2's budget the optimum over N_act and G of 1, 2, ..., 64 is Table 2's row: the same G,
    N_act and D within 4% (the table's sizes are rounded: 7B, 70B)."""
    answer = moe.optimal(krajewski, flops=flops)
    assert answer.granularity == granularity
    assert answer.params == pytest.approx(active, rel=0.04)
    assert answer.tokens == pytest.approx(tokens, rel=0.04)
    assert abs(answer.loss - loss) < 0.03
    assert answer.flops == pytest.approx(flops, rel=REL)


def test_krajewski_64x7b_row(krajewski):
    """Table 2, 64×7B: 137.6B tokens, G = 32, 6.46e21 FLOPs, loss 2.076."""
    answer = moe.optimal(krajewski, params=7e9, granularity=32)
    assert answer.params == pytest.approx(7e9, rel=REL)
    assert answer.tokens == pytest.approx(137.6e9, rel=0.04)
    assert answer.flops == pytest.approx(6.46e21, rel=0.04)
    assert abs(answer.loss - 2.076) < 0.03


def test_krajewski_optimum_is_a_minimum(krajewski):
    """Along the iso-FLOP line at fixed G the answer's loss is below its neighbours'."""
    law = moe.main_law(krajewski)
    answer = moe.optimal(krajewski, flops=1e21, granularity=8)
    for factor in (0.9, 1.1):
        n = answer.params * factor
        d = answer.flops / law.flops_per_token(n, 8)
        assert law.loss(n, d, 8) > answer.loss


def test_krajewski_dense_row_is_worse_at_equal_compute(krajewski):
    """Table 1's dense row: c + 16.3·N^-0.126 + 26.7·D^-0.127, optimal at 6·N·D = C; fine-grained MoE
    beats it at every budget of Table 2 (the paper's conclusion)."""
    for _, _, _, flops, _ in KRAJEWSKI_TABLE2:
        answer = moe.optimal(krajewski, flops=flops)
        assert answer.dense_loss > answer.loss
    n, d = 1e9, 20e9
    dense = moe.assess(krajewski, n, d, granularity=1).dense_loss
    assert dense == pytest.approx(0.47 + 16.3 * n**-0.126 + 26.7 * d**-0.127, rel=REL)


@pytest.mark.parametrize(("experts", "flops", "active", "tokens"), LUDZIEJEWSKI_TABLE1)
def test_ludziejewski_table1(ludziejewski, experts, flops, active, tokens):
    """Table 4's fit for E with Eq. 7 gives Table 1 (1.7B/9.7B, 3.8B/44.3B, 12.2B/136.9B)."""
    answer = moe.optimal(ludziejewski, flops=flops, experts=experts)
    assert answer.params == pytest.approx(active, rel=1e-3)
    assert answer.tokens == pytest.approx(tokens, rel=1e-3)
    assert 6 * answer.params * answer.tokens == pytest.approx(flops, rel=REL)


def test_ludziejewski_joint_law_at_e1_is_table4_e1(ludziejewski):
    """Table 3 at Ê(1) = E_start = 2.0732 gives m = 30.399, µ = -0.18175 (Table 4's E1: 30.364, -0.1817)."""
    law = moe.main_law(ludziejewski).at(1)
    assert law.A == pytest.approx(30.399, rel=1e-4)
    assert law.alpha == pytest.approx(0.18175, rel=1e-3)


def test_ludziejewski_joint_law_form(ludziejewski):
    """Eq. 6 written out at E = 8 from Table 3's coefficients."""
    law = moe.main_law(ludziejewski)
    e_hat = 1 / (1 / (8 - 1 + 1 / (1 / 2.0732 - 1 / 290.4521)) + 1 / 290.4521)
    n, d = 1e9, 2e10
    expected = (35.91 * e_hat**-0.2285 * n ** (-0.1889 + 0.0098 * math.log(e_hat))
                + 35.98 * e_hat**0.5529 * d ** (-0.1775 - 0.0259 * math.log(e_hat)) + 1.3637)
    assert law.loss(n, d, 8) == pytest.approx(expected, rel=REL)


def test_ludziejewski_best_experts_is_largest_fitted(ludziejewski):
    """Memory free, the joint law's loss falls with E at a fixed budget: the best E of 1 to 32 is 32."""
    answers = [moe.optimal(ludziejewski, flops=1e21, experts=e) for e in moe.EXPERT_COUNTS]
    losses = [answer.loss for answer in answers]
    assert losses == sorted(losses, reverse=True)
    assert moe.optimal(ludziejewski, flops=1e21).experts == 32


def test_ludziejewski_params_round_trip(ludziejewski):
    answer = moe.optimal(ludziejewski, params=3.761e9, experts=8)
    assert answer.params == 3.761e9
    assert answer.flops == pytest.approx(1e21, rel=1e-3)


@pytest.mark.parametrize(("experts", "effective"), [(8, 1.686e9), (64, 3.138e9), (128, 3.756e9)])
def test_clark_effective_params(clark, experts, effective):
    """S-BASE N̄ at N = 1e9 (secondary: 1.69B, 3.14B, 3.76B; recomputed to 4 figures)."""
    answer = moe.assess(clark, 1e9, None, experts=experts)
    assert answer.effective_params == pytest.approx(effective, rel=1e-3)


def test_clark_loss_and_identity(clark):
    """L(1e9, 1) = 2.2846, L(1e9, 64) = 2.0858; N̄ at E = 1 is N, and L(N̄, 1) = L(N, E)."""
    law = moe.main_law(clark)
    assert law.loss(1e9, 1) == pytest.approx(2.2846, abs=1e-4)
    assert law.loss(1e9, 64) == pytest.approx(2.0858, abs=1e-4)
    assert law.effective_params(7e9, 1) == pytest.approx(7e9, rel=REL)
    assert law.effective_params(7e9, 8) == pytest.approx(1.019e10, rel=1e-3)
    for experts in (4, 32, 256):
        n_bar = law.effective_params(3e8, experts)
        assert law.loss(n_bar, 1) == pytest.approx(law.loss(3e8, experts), rel=REL)


def test_cli_optimal_experts_csv(run_inprocess):
    result = run_inprocess("optimal", "--flops", "1e20", "--experts", "1", "-p", "ludziejewski-moe",
                           "--format", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["experts"] == 1 and row["params"] == pytest.approx(1.723e9, rel=1e-3)
    assert row["tokens"] == pytest.approx(9.672e9, rel=1e-3)


def test_cli_best_experts_says_memory_free(run_inprocess):
    result = run_inprocess("optimal", "--flops", "1e20", "-p", "ludziejewski-moe", "--format", "csv")
    assert result.code == 0, result.stderr
    assert "memory is free" in result.stderr
    assert result.stdout.splitlines()[1].startswith("ludziejewski-moe,32,")


def test_cli_krajewski_optimal_warns_beyond_granularity(run_installed):
    result = run_installed("optimal", "--flops", "6.46e21", "-p", "krajewski-moe", "--format", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["granularity"] == 32 and row["experts"] == 64
    assert "granularity up to 16" in result.stderr and "extrapolation" in result.stderr


def test_cli_clark_model_brings_experts(run_inprocess):
    """Mixtral 8x7B: E = 8 and its 12.9B active parameters go into Clark's N̄."""
    result = run_inprocess("loss", "--model", "mixtral-8x7b", "-p", "clark-sbase", "--format", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    law = moe.main_law(load("clark-sbase"))
    assert row["experts"] == 8 and row["params"] == pytest.approx(12_879_925_248, rel=REL)
    assert row["effective_params"] == pytest.approx(law.effective_params(12_879_925_248, 8), rel=REL)
    assert "mixtral-8x7b brings E = 8" in result.stderr
    assert "fitted on params up to 900M" in result.stderr


def test_cli_deepseek_v3_ludziejewski(run_inprocess):
    """DeepSeek-V3's 256 experts and 37.6B active parameters: the compute-optimal D at E = 256 from
    the joint law, with warnings for E and N beyond the fit."""
    result = run_inprocess("optimal", "--model", "deepseek-v3", "-p", "ludziejewski-moe", "--format", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    expected = moe.optimal(load("ludziejewski-moe"), params=37_552_297_472, experts=256)
    assert row["experts"] == 256 and row["tokens"] == pytest.approx(expected.tokens, rel=REL)
    assert "up to 32 experts" in result.stderr and "params up to 2.70B" in result.stderr


def test_cli_loss_model_tokens_default(run_inprocess):
    result = run_inprocess("loss", "--model", "deepseek-v3", "-p", "ludziejewski-moe", "--format", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["tokens"] == pytest.approx(14.8e12, rel=REL)
    law = moe.main_law(load("ludziejewski-moe"))
    assert row["loss"] == pytest.approx(law.loss(37_552_297_472, 14.8e12, 256), rel=REL)


def test_cli_gpu_prices_moe_answer(run_inprocess):
    result = run_inprocess("optimal", "--flops", "1e21", "--experts", "8", "-p", "ludziejewski-moe",
                           "--gpu", "h100", "--format", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["flops"] == pytest.approx(1e21, rel=REL) and row["gpu_hours"] > 0


def test_cli_two_moe_presets_side_by_side(run_inprocess):
    """Krajewski and Ludziejewski at one budget: one row each, a warning for Krajewski's total N
    beyond its 129M to 3.7B, and the note that their losses are not comparable."""
    result = run_inprocess("optimal", "--flops", "1e21", "-p", "krajewski-moe", "-p", "ludziejewski-moe",
                           "--format", "json")
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["preset"] for row in rows] == ["krajewski-moe", "ludziejewski-moe"]
    assert "129M to 3.70B total parameters" in result.stderr
    assert "different data and tokenizers" in result.stderr


def test_cli_krajewski_loss_in_range_is_quiet(run_inprocess):
    """A run inside Krajewski's fit (N_total = 43·50M = 2.15B, 20B tokens, G = 8) warns of nothing."""
    result = run_inprocess("loss", "--params", "50M", "--tokens", "20B", "--granularity", "8",
                           "-p", "krajewski-moe", "--format", "json")
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    (row,) = json.loads(result.stdout)
    law = moe.main_law(load("krajewski-moe"))
    assert row["loss"] == pytest.approx(0.47 + (2.1 / 8**0.58 + 18.1) * (43 * 50e6) ** -0.115
                                        + 30.8 * 20e9**-0.147, rel=REL)
    assert row["flops"] == pytest.approx(float(law.flops_per_token(50e6, 8)) * 20e9, rel=REL)


def test_krajewski_shape_counts_eq10():
    """Eq. 10 for a model of any shape: 12·d²·n active, d²·(8E + 4)·n in all, and
    (12·d²·c_f + d·E·G·c_r)·n FLOPs per token; on the paper's d = 64·n it agrees with N_act alone."""
    law = moe.main_law(load("krajewski-moe"))
    active, total, per_token = law.shape_counts(1024, 16, 8)
    assert active == 12 * 1024**2 * 16
    assert total == 1024**2 * (8 * 64 + 4) * 16
    assert per_token == pytest.approx((12 * 1024**2 * 6 + 1024 * 64 * 8 * 14) * 16, rel=REL)
    assert law.flops_per_token(active, 8) == pytest.approx(per_token, rel=REL)
    assert law.total_params(active) == pytest.approx(total, rel=REL)


def test_cli_loss_by_shape(run_inprocess):
    """A shape off the paper's d = 64·n_blocks: counts and FLOPs from the shape, not from N_act."""
    result = run_inprocess("loss", "--d-model", "2048", "--n-blocks", "8", "--tokens", "20B", "--granularity",
                           "4", "-p", "krajewski-moe", "--format", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    law = moe.main_law(load("krajewski-moe"))
    active, total, per_token = law.shape_counts(2048, 8, 4)
    assert row["params"] == pytest.approx(active, rel=REL)
    assert row["total_params"] == pytest.approx(total, rel=REL)
    assert row["flops"] == pytest.approx(per_token * 20e9, rel=REL)
    assert row["loss"] == pytest.approx(law.loss_of_total(total, 20e9, 4), rel=REL)
    assert row["flops"] != pytest.approx(float(law.flops_per_token(active, 4)) * 20e9, rel=1e-3)


@settings(max_examples=40)
@given(experts=st.integers(min_value=1, max_value=512).filter(lambda e: e not in moe.EXPERT_COUNTS),
       log_flops=st.floats(min_value=18, max_value=26))
def test_joint_law_optimum_is_a_minimum(experts, log_flops):
    """Where no Table 4 fit exists the split is Eq. 6's own closed form: C = 6·N_act·D holds and the
    loss rises both ways along the iso-FLOP line."""
    preset = load("ludziejewski-moe")
    law = moe.main_law(preset)
    flops = 10.0**log_flops
    answer = moe.optimal(preset, flops=flops, experts=experts)
    assert 6 * answer.params * answer.tokens == pytest.approx(flops, rel=REL)
    for factor in (0.97, 1.03):
        n = answer.params * factor
        assert law.loss(n, flops / (6 * n), experts) > answer.loss
