"""Transfer (Hernandez et al. 2021), the densing law (Xiao et al. 2024) and the Hex exchange rate
(Jones 2021). Expected values are recomputed from each paper's equation (laws.md §8, §9, §10)."""

from __future__ import annotations

import json
import math

import pytest

from scalecalc import fieldlaws, presets


def test_transfer_eq_1_1_table1_text_to_python() -> None:
    # N = 4e7, D_F = 3e5: D_T = 1.9e4 · (3e5)^0.18 · (4e7)^0.38 = 1.424e8 (laws.md §8).
    answer = fieldlaws.transfer(presets.load("hernandez-text-python"), 4e7, 3e5)
    assert answer.transferred_tokens == pytest.approx(1.424e8, rel=5e-4)
    assert answer.fraction_transferred == pytest.approx(0.9979, rel=1e-4)  # Eq. C.1
    # Eq. 1.2: (D_F + D_T)/D_F ≈ k·N^β/D_F^(1−α) = D_T/D_F ≈ 475 (exact: one more).
    assert answer.data_multiplier == pytest.approx(1 + 1.424e8 / 3e5, rel=5e-4)


def test_transfer_table1_text_and_code_to_python() -> None:
    answer = fieldlaws.transfer(presets.load("hernandez-textcode-python"), 4e7, 3e5)
    assert answer.transferred_tokens == pytest.approx(5.455e8, rel=5e-4)
    assert answer.transferred_tokens / 3e5 == pytest.approx(1818, rel=5e-4)


def test_ten_times_the_parameters_transfer_ten_to_the_beta_more() -> None:
    law = presets.load("hernandez-text-python")
    big, small = (fieldlaws.transfer(law, n, 3e5).transferred_tokens for n in (4e8, 4e7))
    ratio = big / small
    assert ratio == pytest.approx(10 ** 0.38, rel=1e-9)  # 2.40, laws.md §8


def test_densing_eq_5_doubles_in_95_days() -> None:
    preset = presets.load("xiao-densing")
    answer = fieldlaws.densing(preset, 7e9, 94.95)
    assert answer.doubling_days == pytest.approx(94.95, rel=1e-4)  # ln 2 / 0.0073 (§3.3)
    assert answer.equivalent_params == pytest.approx(3.5e9, rel=1e-4)
    year = fieldlaws.densing(preset, 1e9, 365)
    assert year.density_gain == pytest.approx(math.exp(0.0073 * 365), rel=1e-12)


def test_hex_exchange_rate_fig9() -> None:
    preset = presets.load("jones-hex")
    assert fieldlaws.exchange(preset, train_factor=10).test_factor == pytest.approx(15.85, rel=5e-4)
    assert fieldlaws.exchange(preset, test_factor=10 ** 1.2).train_factor == pytest.approx(10, rel=1e-12)


def test_the_commands(run_inprocess) -> None:
    rows = json.loads(run_inprocess("transfer", "--params", "40M", "--finetune-tokens", "300K", "-f",
                                    "json").stdout)
    assert rows[0]["transferred_tokens"] == pytest.approx(1.424e8, rel=5e-4)
    dated = run_inprocess("densing", "--params", "70B", "--from", "2024-01-01", "--to", "2024-04-05",
                          "-f", "json")
    assert json.loads(dated.stdout)[0]["days"] == 95
    result = run_inprocess("exchange", "--train-factor", "10", "-f", "json")
    assert json.loads(result.stdout)[0]["test_factor"] == pytest.approx(15.85, rel=5e-4)
    assert "measured on the board game Hex" in result.stderr


def test_field_presets_answer_their_question_only() -> None:
    assert presets.load("jones-hex").answers == ("exchange",)
    assert presets.load("jones-hex").domain == "games"
    assert presets.load("hernandez-text-python").domain == "transfer"
