"""Today's allocation laws against their papers: DeepSeek LLM (M_opt, C = M·D), Llama 3 (tokens),
Pearce & Song 2024 (non-embedding to total parameters). Published values carry the figures the paper
prints, so the tolerances are those of the last figure shown; our own arithmetic is held to 1e-12."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalecalc
from scalecalc import conversions
from scalecalc.models import catalogue
from scalecalc.models.architecture import Architecture
from scalecalc.models.flops import deepseek_m
from scalecalc.records import PerTokenAllocation

# --- DeepSeek LLM (Bi et al. 2024, arXiv 2401.02954) -------------------------------------------------


@pytest.mark.parametrize(("flops", "m_opt", "d_opt", "rel"), [
    (1e20, 5.251e9, 1.9045e10, 2e-4),  # laws reference §4, [computed] from Eq. 4 at C = 1e20
    (1e24, 6.568e11, 1.523e12, 5e-4),
])
def test_deepseek_eq4_optimum(flops: float, m_opt: float, d_opt: float, rel: float) -> None:
    run = scalecalc.optimal(flops=flops, preset="deepseek-llm")
    assert run.m_flops_per_token == pytest.approx(m_opt, rel=1e-4)
    assert run.m_flops_per_token == pytest.approx(0.1715 * flops**0.5243, rel=1e-12)  # Eq. 4, M_opt
    # D = C/M keeps C = M·D exact; Eq. 4's own D rule 5.8316·C^0.4757 differs from it by 0.01%.
    assert run.tokens == pytest.approx(flops / run.m_flops_per_token, rel=1e-12)
    assert run.tokens == pytest.approx(d_opt, rel=rel)
    assert run.tokens == pytest.approx(5.8316 * flops**0.4757, rel=2e-4)
    assert run.tokens_per_m == pytest.approx(run.tokens / run.m_flops_per_token, rel=1e-12)


def test_deepseek_answers_name_m_never_n() -> None:
    run = scalecalc.optimal(flops=1e20, preset="deepseek-llm")
    assert isinstance(run, PerTokenAllocation)
    assert not hasattr(run, "params") and not hasattr(run, "tokens_per_param")
    preset = scalecalc.load_preset("deepseek-llm")
    assert preset.params_convention == "flops-per-token" and preset.flops_per_param_token == 1
    assert preset.answers == ("optimal-M",)
    assert "not in parameters" in preset.caution and "M/(6 + l_seq/d)" in preset.caution


def test_deepseek_by_tokens_inverts_the_budget() -> None:
    run = scalecalc.optimal(tokens=1.9045e10, preset="deepseek-llm")
    assert run.tokens == 1.9045e10
    assert run.flops == pytest.approx(run.m_flops_per_token * run.tokens, rel=1e-12)
    assert run.flops == pytest.approx(1e20, rel=3e-4)


def test_deepseek_cli_output_and_note(run_inprocess) -> None:
    result = run_inprocess("optimal", "--flops", "1e20", "-p", "deepseek-llm", "-f", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert "params" not in row and row["m_flops_per_token"] == pytest.approx(5.251e9, rel=1e-4)
    assert "not in parameters" in result.stderr


def test_all_leaves_out_the_m_preset(run_inprocess) -> None:
    result = run_inprocess("optimal", "--flops", "1e22", "-p", "all", "-f", "json")
    names = [row["preset"] for row in json.loads(result.stdout)]
    assert "deepseek-llm" not in names and "llama3" in names


def test_deepseek_7b_m_from_its_shape() -> None:
    """Table 2's 7B (30 layers, d 4096, context 4096): M = 72·30·4096² + 12·30·4096·4096."""
    arch = catalogue.find("deepseek-llm-7b").architecture
    assert deepseek_m(arch) == pytest.approx(4.2279e10, rel=1e-4)
    assert deepseek_m(arch) == 72 * 30 * 4096**2 + 12 * 30 * 4096 * 4096


def test_model_command_reports_m(run_inprocess) -> None:
    result = run_inprocess("model", "--model", "deepseek-llm-7b", "-f", "json")
    (row,) = json.loads(result.stdout)
    assert row["flops_deepseek_m"] == pytest.approx(4.2279e10, rel=1e-4)
    moe = json.loads(run_inprocess("model", "--model", "deepseek-v3", "-f", "json").stdout)
    assert moe[0]["flops_deepseek_m"] is None  # Eq. 2 describes dense models


@pytest.mark.parametrize(("layers", "width", "m_table", "ratio"), [
    (24, 2048, 9.66e9, 0.75),  # Table 3, first row (l_seq 4096): M 9.66B, 6N1/M 0.75
    (80, 8192, 4.19e11, 0.92),  # Table 3, last row: M 419B, 6N1/M 0.92
])
def test_deepseek_table3(layers: int, width: int, m_table: float, ratio: float) -> None:
    arch = Architecture(layers=layers, d_model=width, heads=16, ffn=4 * width, vocab=102400, seq_len=4096)
    m = deepseek_m(arch)
    assert m == pytest.approx(m_table, rel=5e-3)
    back = conversions.non_embedding_from_scale(m, width, 4096)
    assert back.non_embedding_params == pytest.approx(12 * layers * width**2, rel=1e-12)  # 6N1 = 72·L·d²
    assert back.layers == pytest.approx(layers, rel=1e-12)
    assert back.six_n1_over_m == pytest.approx(ratio, abs=5e-3)


# --- Llama 3 (arXiv 2407.21783) §3.2.1 -------------------------------------------------------------


def test_llama3_rounded_pair_gives_10_46t_not_16_55t() -> None:
    """(α, A) = (0.53, 0.29) gives 0.29·(3.8e25)^0.53 = 1.046e13 tokens (laws reference §15), not the
    16.55T the paper states; N is then C/(6D), 605B rather than its 402B."""
    run = scalecalc.optimal(flops=3.8e25, preset="llama3")
    assert run.tokens == pytest.approx(1.046e13, rel=5e-4)
    assert run.tokens == pytest.approx(0.29 * 3.8e25**0.53, rel=1e-12)
    assert run.params == pytest.approx(3.8e25 / (6 * run.tokens), rel=1e-12)
    assert run.tokens != pytest.approx(16.55e12, rel=0.1)
    preset = scalecalc.load_preset("llama3")
    for text in (preset.notes, preset.caution):
        assert "10.46T" in text and "16.55T" in text


def test_llama3_unrounded_variant_is_marked_unconfirmed() -> None:
    run = scalecalc.optimal(flops=3.8e25, preset="llama3-unrounded")
    assert run.tokens == pytest.approx(1.629e13, rel=5e-4)  # laws reference §15: (0.537, 0.299) → 16.29T
    assert run.tokens == pytest.approx(0.299 * 3.8e25**0.537, rel=1e-12)
    preset = scalecalc.load_preset("llama3-unrounded")
    assert "[unconfirmed]" in preset.notes and "[unconfirmed]" in preset.summary


@given(st.floats(min_value=1e15, max_value=1e30))
def test_llama3_token_rule_holds_with_c_6nd(flops: float) -> None:
    run = scalecalc.optimal(flops=flops, preset="llama3")
    assert run.tokens == pytest.approx(0.29 * flops**0.53, rel=1e-11)
    assert 6 * run.params * run.tokens == pytest.approx(flops, rel=1e-12)


def test_llama3_by_tokens_round_trips() -> None:
    run = scalecalc.optimal(tokens=1.046e13, preset="llama3")
    assert run.flops == pytest.approx(3.8e25, rel=2e-3)


@pytest.mark.parametrize("name", ["deepseek-llm", "llama3", "llama3-unrounded"])
def test_new_presets_are_cited_and_complete(name: str) -> None:
    preset = scalecalc.load_preset(name)
    assert preset.arxiv in {"2401.02954", "2407.21783"}
    assert preset.citation and preset.location and preset.summary and preset.notes
    assert "flops" in preset.fitted_range and preset.allocation is not None
    assert preset.allocation_kind == "power-law rule"


# --- Pearce & Song 2024 (arXiv 2406.12907) Eq. 11 --------------------------------------------------

OMEGA = 47_491


@pytest.mark.parametrize(("non_embedding", "embedding"), [
    (1e6, OMEGA * 100),  # cube root 100
    (1e9, OMEGA * 1000),  # 4.7491e7: a 1B non-embedding model has 1.047491e9 parameters in all
    (8e9, OMEGA * 2000),
])
def test_pearce_song_eq11_by_hand(non_embedding: float, embedding: float) -> None:
    record = conversions.total_from_non_embedding(non_embedding)
    assert record.embedding_params == pytest.approx(embedding, rel=1e-12)
    assert record.total_params == pytest.approx(non_embedding + embedding, rel=1e-12)


def test_pearce_song_transition_at_omega_to_three_halves() -> None:
    """Eq. 20's transition N_\\E ≈ ω^(3/2) ≈ 1e7: there the embedding equals the rest."""
    record = conversions.total_from_non_embedding(OMEGA**1.5)
    assert record.embedding_share == pytest.approx(0.5, rel=1e-12)
    assert OMEGA**1.5 == pytest.approx(1.035e7, rel=1e-3)


def test_omega_is_the_embedding_of_chinchillas_shape() -> None:
    """ω ≈ V·(ρ/12)^(1/3) with V 32,000 and ρ = d/n_layer 39.2 (N_\\E = 12·n_layer·d²)."""
    assert 32000 * (39.2 / 12) ** (1 / 3) == pytest.approx(OMEGA, rel=3e-4)


@given(st.floats(min_value=0.0, max_value=300.0))
def test_total_and_non_embedding_round_trip(log10_n: float) -> None:
    n = 10.0**log10_n
    total = conversions.total_from_non_embedding(n).total_params
    assert conversions.non_embedding_from_total(total).non_embedding_params == pytest.approx(n, rel=1e-10)


def test_convert_command_arrays_and_warning(run_inprocess) -> None:
    result = run_inprocess("convert", "--non-embedding", "1e8,1e9", "-f", "csv")
    assert result.code == 0 and result.stderr == ""  # totals 122M and 1.05B: inside 44M to 16B
    rows = [line.split(",") for line in result.stdout.splitlines()[1:]]
    assert [float(row[1]) for row in rows] == pytest.approx([1e8 + OMEGA * 1e8 ** (1 / 3), 1.047491e9],
                                                            rel=1e-12)
    outside = run_inprocess("convert", "--total", "70B", "-f", "json")
    assert outside.code == 0 and "outside that range" in outside.stderr
    (row,) = json.loads(outside.stdout)
    assert row["non_embedding_params"] + row["embedding_params"] == pytest.approx(70e9, rel=1e-12)
    assert math.isfinite(row["embedding_share"])


def test_convert_m_to_parameters(run_inprocess) -> None:
    result = run_inprocess("convert", "--m", "4.2279e10", "--d-model", "4096", "--seq-len", "4096", "-f",
                           "json")
    (row,) = json.loads(result.stdout)
    assert row["non_embedding_params"] == pytest.approx(4.2279e10 / (6 + 1), rel=1e-12)
    assert row["layers"] == pytest.approx(30, rel=1e-4)  # DeepSeek 7B
    assert np.isclose(row["six_n1_over_m"], 6 / 7, rtol=1e-12)


def test_kaplan_answer_as_a_total() -> None:
    """Kaplan's 4.68B at 1e21 FLOPs (Hoffmann et al. App. D.4) counts non-embedding parameters; Eq. 11
    adds ω·N^(1/3) = 47,491 × 1673.7 ≈ 7.95e7 for a total of about 4.76B."""
    n = scalecalc.optimal(flops=1e21, preset="kaplan").params
    assert n == pytest.approx(4.683e9, rel=1e-3)
    total = conversions.total_from_non_embedding(n).total_params
    assert total == pytest.approx(n + OMEGA * n ** (1 / 3), rel=1e-12)
    assert total == pytest.approx(4.7625e9, rel=1e-3)


@given(st.floats(min_value=1e10, max_value=1e30))
def test_deepseek_c_is_m_times_d(flops: float) -> None:
    run = scalecalc.optimal(flops=flops, preset="deepseek-llm")
    assert run.m_flops_per_token * run.tokens == pytest.approx(flops, rel=1e-12)
