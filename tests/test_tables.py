"""Chinchilla's Table 3 (Approach 1) and Table A3 (Approach 2), row by row (REFERENCE.md §2)."""

from __future__ import annotations

import numpy as np
import pytest

import scalecalc

SIZES = [400e6, 1e9, 10e9, 67e9, 175e9, 280e9, 520e9, 1e12, 10e12]
# Table 3: FLOPs, FLOPs in Gopher units, tokens.
TABLE3_FLOPS = [1.92e19, 1.21e20, 1.23e22, 5.76e23, 3.85e24, 9.90e24, 3.43e25, 1.27e26, 1.30e28]
TABLE3_GOPHER = [1 / 29968, 1 / 4761, 1 / 46, 1, 6.7, 17.2, 59.5, 221.3, 22515.9]
TABLE3_TOKENS = [8.0e9, 20.2e9, 205.1e9, 1.5e12, 3.7e12, 5.9e12, 11.0e12, 21.2e12, 216.2e12]
# Table A3, Approach 2 columns.
TABLEA3_FLOPS = [1.84e19, 1.20e20, 1.32e22, 6.88e23, 4.54e24, 1.18e25, 4.19e25, 1.59e26, 1.75e28]
TABLEA3_TOKENS = [7.7e9, 20.0e9, 219.5e9, 1.7e12, 4.3e12, 7.1e12, 13.4e12, 26.5e12, 292.0e12]

ROW_67B = 3


def _relative_errors(got: np.ndarray, expected: list[float]) -> np.ndarray:
    return np.abs(np.asarray(got) / np.asarray(expected) - 1)


def test_default_table_rows_are_table3_sizes() -> None:
    assert scalecalc.table(preset="chinchilla-approach1").params.tolist() == SIZES


def test_table3_flops_row_by_row() -> None:
    rows = scalecalc.table(preset="chinchilla-approach1")
    errors = _relative_errors(rows.flops, TABLE3_FLOPS)
    assert errors.max() < 0.03, errors
    # Gopher units are C / 5.76e23; the paper prints them to 1 decimal or as 1/x.
    assert _relative_errors(rows.gopher_units, TABLE3_GOPHER).max() < 0.03


def test_table3_tokens_row_by_row() -> None:
    """Every row within 3% but 67B's, whose printed 1.5T needs 7%.

    Why: Table 3 prints C = 5.76e23 (Gopher's budget) beside 67B and 1.5T, but
    6 · 67e9 · 1.5e12 = 6.03e23, 4.7% more than its own C; C/(6N) is 1.43T, which the paper
    rounds up to 1.5T. The power law fitted to all nine rows also puts 67B's budget 2.4% below
    5.76e23 (67B is itself a rounded size). The two together leave our D 6.8% under 1.5T.
    """
    rows = scalecalc.table(preset="chinchilla-approach1")
    errors = _relative_errors(rows.tokens, TABLE3_TOKENS)
    others = np.delete(errors, ROW_67B)
    assert others.max() < 0.03, errors
    assert errors[ROW_67B] < 0.07
    # The printed 1.5T is itself inconsistent with C = 6ND at the printed C:
    implied = 6 * 67e9 * 1.5e12 / 5.76e23
    assert implied == pytest.approx(1.047, abs=0.001)


def test_table3_cli_reproduces_the_table(run_inprocess) -> None:
    result = run_inprocess("table", "--preset", "chinchilla-approach1", "--format", "csv")
    assert result.code == 0
    lines = result.stdout.strip().splitlines()
    assert lines[0] == ("preset,params,tokens,flops,gopher_units,tokens_per_param,loss,frontier_loss,"
                        "batch_size,min_steps")
    flops = [float(line.split(",")[3]) for line in lines[1:]]
    assert _relative_errors(np.array(flops), TABLE3_FLOPS).max() < 0.03


def test_tableA3_approach2_row_by_row() -> None:
    """Within 1.3% on C and D for every row but 67B's (6.4%), which sits off the fitted power law.

    Table A3's 67B row (6.88e23, 1.7T) is consistent with 6ND, but it is the row the nine-point
    log-log fit misses most: the rule puts N_opt 3.3% above 67B at 6.88e23.
    """
    rows = scalecalc.table(preset="chinchilla-approach2")
    flops_errors = _relative_errors(rows.flops, TABLEA3_FLOPS)
    token_errors = _relative_errors(rows.tokens, TABLEA3_TOKENS)
    assert np.delete(flops_errors, ROW_67B).max() < 0.013, flops_errors
    assert np.delete(token_errors, ROW_67B).max() < 0.013, token_errors
    assert max(flops_errors[ROW_67B], token_errors[ROW_67B]) < 0.064


def test_allocation_rules_match_published_exponents() -> None:
    """Table 2: Approach 1 a = 0.50 (0.488, 0.502); Approach 2 a = 0.49 (0.462, 0.534)."""
    a1 = scalecalc.load_preset("chinchilla-approach1").allocation.exponent
    a2 = scalecalc.load_preset("chinchilla-approach2").allocation.exponent
    assert 0.488 <= a1 <= 0.502 and a1 == pytest.approx(0.50, abs=0.005)
    assert 0.462 <= a2 <= 0.534 and a2 == pytest.approx(0.49, abs=0.005)


def test_power_law_refit_to_table3_gives_the_preset() -> None:
    """The preset's k and a are the least-squares log-log fit to Table 3 (REFERENCE §2)."""
    exponent, log_k = np.polyfit(np.log(TABLE3_FLOPS), np.log(SIZES), 1)
    allocation = scalecalc.load_preset("chinchilla-approach1").allocation
    assert allocation.exponent == pytest.approx(exponent, rel=1e-5)
    assert allocation.coefficient == pytest.approx(np.exp(log_k), rel=1e-5)
    assert allocation.coefficient == pytest.approx(0.0992, abs=0.00005)  # REFERENCE: k ≈ 0.0992


def test_kaplan_rule_in_pf_days_of_c_min() -> None:
    """Kaplan Table 6: N_opt = 1.3e9 · C_min^0.73, C_min in PF-days (8.64e19 FLOPs), and a
    training budget C = 2·C_min (Kaplan Eq. 5.5, 6.7)."""
    one_pf_day = 8.64e19
    run = scalecalc.optimal(flops=2 * one_pf_day, preset="kaplan")
    assert run.params == pytest.approx(1.3e9, rel=1e-12)
    run = scalecalc.optimal(flops=2000 * one_pf_day, preset="kaplan")
    assert run.params == pytest.approx(1.3e9 * 1000**0.73, rel=1e-12)
    assert 6 * run.params * run.tokens == pytest.approx(2000 * one_pf_day, rel=1e-12)


def test_kaplan_as_hoffmann_app_d4_applies_it() -> None:
    """Hoffmann et al. 2022 App. D.4: Kaplan's rule gives 4.68 billion parameters at 1e21 FLOPs
    (1.3e9 · (5e20 / 8.64e19)^0.73 = 4.683e9). Taking C_min = C would give 7.77e9."""
    run = scalecalc.optimal(flops=1e21, preset="kaplan")
    assert run.params == pytest.approx(4.683e9, rel=1e-3)
    assert run.params / 1e9 == pytest.approx(4.68, abs=0.005)


def test_kaplan_joint_law_table2() -> None:
    """Kaplan Eq. 1.5 with Table 2's joint fit: L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D."""
    n, d = 1e9, 2e10
    expected = ((6.4e13 / n) ** (0.076 / 0.103) + 1.8e13 / d) ** 0.103
    assert scalecalc.loss(n, d, preset="kaplan").loss == pytest.approx(expected, rel=1e-12)
