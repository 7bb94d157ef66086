"""Henighan et al. 2020, Scaling Laws for Autoregressive Generative Modeling (arXiv 2010.14701),
Table 1: L(N) = L_inf + (N0/N)^alpha_N, L(C) = L_inf + (C0/C)^alpha_C with C in PF-days, and
N_opt(C) = (C/C_n0)^beta. The values are recomputed from Table 1's rows (laws.md §1)."""

from __future__ import annotations

import json

import pytest

from scalecalc import presets, solve
from scalecalc.quantities import PF_DAY, parse_quantity, parse_quantity_list

# preset: (L(N = 1e9), L(C = 1 PF-day), N_opt(1 PF-day)), from Table 1's rows.
TABLE1 = {
    "henighan-image-8x8": (3.1398, 3.1638, 3.137e8),
    "henighan-video": (1.0964, 1.1728, 3.036e8),
    "henighan-language": (2.2999, 2.5700, 1.293e9),  # N_opt = Kaplan's 1.3e9 at 1 PF-day
}


@pytest.mark.parametrize("name", TABLE1)
def test_table1_rows(name: str) -> None:
    loss_n, loss_c, n_opt = TABLE1[name]
    preset = presets.load(name)
    assert solve.single_variable_loss(preset, params=1e9).loss == pytest.approx(loss_n, rel=5e-5)
    answer = solve.optimal(preset, flops=PF_DAY)
    assert answer.frontier_loss == pytest.approx(loss_c, rel=5e-5)
    assert answer.params == pytest.approx(n_opt, rel=5e-4)
    assert answer.tokens == pytest.approx(PF_DAY / (6 * answer.params), rel=1e-12)  # D = C/(6N)


def test_every_row_is_a_preset_counting_non_embedding_parameters() -> None:
    names = [name for name in presets.builtin_names() if name.startswith("henighan-")]
    assert len(names) == 12  # ten rows with L(N), L(C) and N_opt, two text rows with L(N) only
    for name in names:
        preset = presets.load(name)
        assert preset.params_convention == "non-embedding"
        assert preset.fitted_range["params"] == (1e4, 1e9)
        assert "L(N)" in preset.answers


def test_pf_days_are_accepted_where_flops_are() -> None:
    assert parse_quantity("1pfd", "--flops") == pytest.approx(8.64e19, rel=1e-12)
    assert parse_quantity("2.5 PF-days", "--flops") == pytest.approx(2.16e20, rel=1e-12)
    grid = parse_quantity_list("1pfd:100pfd", "--flops").tolist()
    assert grid == pytest.approx([8.64e19, 8.64e20, 8.64e21], rel=1e-12)


def test_optimal_and_loss_from_the_cli(run_inprocess) -> None:
    result = run_inprocess("optimal", "--flops", "1pfd", "-p", "henighan-image-8x8", "--format", "json")
    (row,) = json.loads(result.stdout)
    assert row["params"] == pytest.approx(3.137e8, rel=5e-4)
    assert row["frontier_loss"] == pytest.approx(3.1638, rel=5e-5)
    result = run_inprocess("loss", "--params", "1e9", "-p", "henighan-video", "--format", "json")
    assert json.loads(result.stdout)[0]["loss"] == pytest.approx(1.0964, rel=5e-5)


def test_table_warns_beyond_the_fitted_range(run_inprocess) -> None:
    result = run_inprocess("table", "-p", "henighan-math", "--format", "csv")
    assert result.code == 0
    assert "henighan-math was fitted on params from 10.0K to 1.00B" in result.stderr


def test_plot_frontier(run_inprocess, tmp_path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "f.png"
    result = run_inprocess("plot", "frontier", "--flops", "1e-3pfd:1e3pfd", "-p", "henighan-image-8x8",
                           "-p", "henighan-video", "--out", str(out))
    assert result.code == 0, result.stderr
    assert out.stat().st_size > 0


def test_an_l_of_n_only_preset_refuses_optimal(run_inprocess) -> None:
    result = run_inprocess("optimal", "--flops", "1e21", "-p", "henighan-text-to-image-text")
    assert result.code == 2 and "cannot answer optimal; use a preset that can" in result.stderr


def test_frontier_loss_alone_from_the_cli(run_inprocess) -> None:
    result = run_inprocess("loss", "--flops", "1pfd", "-p", "henighan-image-8x8", "-p", "henighan-video",
                           "-f", "json")
    assert [row["loss"] for row in json.loads(result.stdout)] == pytest.approx([3.1638, 1.1728], rel=5e-5)
