"""`scalecalc design`: ladders, the batched minimum fits, and the simulated precision.

The Monte-Carlo oracles are the reference's own simulation (shared/reference/experiments.md §6 and
§7.3): Chinchilla rounded surface (Hoffmann et al. 2022, Eq. 10), 5 budgets log-spaced 1e18-1e20,
target 1e23, 7 sizes evenly spaced in log N around the true N*, a parabola per budget. Both that
simulation and ours are noisy, so each tolerance is derived from the number of simulations.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from scalecalc import design, isoflop, presets, simulate

SIMULATIONS = 2000  # as the reference (§6: 2000 repetitions)
REFERENCE_ROUNDING = 0.0005  # §6 prints three decimals


def chinchilla_rounded():
    return design.prior_law(presets.load("chinchilla"))


def section6(width: float, noise: float, sizes: int = 7, seed: int = 0) -> design.Precision:
    ladder = design.Ladder(np.logspace(18, 20, 5), sizes, width)
    record, _ = design.precision(chinchilla_rounded(), ladder, 6.0, 1e23, noise, SIMULATIONS, seed)
    return record


def sd_tolerance(sd: float) -> float:
    """Four standard errors of the difference of two independent sd estimates from SIMULATIONS draws
    each (the sd of an sd is about sd/√(2n)), plus the reference's rounding."""
    return 4 * math.sqrt(2) * sd / math.sqrt(2 * SIMULATIONS) + REFERENCE_ROUNDING


def mean_tolerance(sd: float) -> float:
    return 4 * math.sqrt(2) * sd / math.sqrt(SIMULATIONS) + REFERENCE_ROUNDING


def share_tolerance(share: float) -> float:
    return 4 * math.sqrt(2) * math.sqrt(share * (1 - share) / SIMULATIONS) + REFERENCE_ROUNDING


@pytest.mark.parametrize(("width", "noise", "bias", "sd"), [
    (0.6, 0.01, 0.007, 0.043), (0.9, 0.01, 0.015, 0.029),  # the brief's pair
    (0.6, 0.005, 0.007, 0.021), (0.9, 0.005, 0.014, 0.014),
    (0.6, 0.02, 0.004, 0.097), (0.9, 0.02, 0.015, 0.057),
])
def test_matches_the_reference_monte_carlo(width: float, noise: float, bias: float, sd: float) -> None:
    """experiments.md §6 table, σ 0.005-0.02, n 7, ±0.6 and ±0.9 decades: bias and sd of log10 N*."""
    record = section6(width, noise)
    assert record.params_sd == pytest.approx(sd, abs=sd_tolerance(sd))
    assert record.params_bias == pytest.approx(bias, abs=mean_tolerance(sd))
    assert record.no_minimum_share == 0
    # D* = C / (6·N*): its log error mirrors N*'s.
    assert record.tokens_sd == pytest.approx(record.params_sd, rel=1e-12)
    assert record.tokens_bias == pytest.approx(-record.params_bias, rel=1e-12)


@pytest.mark.parametrize(("noise", "failed"), [(0.01, 0.025), (0.02, 0.33)])
def test_narrow_ladders_lose_their_minima_as_the_reference_found(noise: float, failed: float) -> None:
    """experiments.md §6: at ±0.3 decades 2.5% (σ 0.01) and 33% (σ 0.02) of simulations have a budget
    with negative curvature."""
    record = section6(0.3, noise)
    assert record.no_minimum_share == pytest.approx(failed, abs=share_tolerance(failed))
    assert record.unbracketed_share >= record.no_minimum_share


def test_noisy_recovery_section_7_3() -> None:
    """experiments.md §7.3: |median error| < 0.02 decades and sd < 0.05 at σ 0.01, n 7, ±0.6; some
    failures at ±0.3, σ 0.02."""
    law = chinchilla_rounded()
    ladder = design.Ladder(np.logspace(18, 20, 5), 7, 0.6)
    params, tokens = design.plan(law, ladder, 6.0)
    outcome = simulate.simulate(np.log10(ladder.budgets), np.log10(params), law.loss(params, tokens), 23.0,
                                0.01, SIMULATIONS, 2, np.random.default_rng(7))
    error = outcome.log_params - math.log10(float(design.optimum(law, 1e23, 6.0)[0]))
    assert abs(np.median(error)) < 0.02
    assert error.std() < 0.05
    assert section6(0.3, 0.02, seed=7).no_minimum_share > 0


@pytest.mark.parametrize(("k", "intercept"), [(2, -0.221372), (4, -0.217107), (8, -0.210001),
                                              (16, -0.200059)])
def test_noise_free_vertex_bias_section_7_1(k: float, intercept: float) -> None:
    """experiments.md §7.1 Design A (= Czech et al. 2026): 5 budgets 1e17-1e21, 15 sizes on
    [N*/k, N*·k]; the exponent is exact, so the error of log10 N*(1e24) is the intercept's shift from
    the true -0.2227943."""
    ladder = design.Ladder(np.logspace(17, 21, 5), 15, math.log10(k))
    record, _ = design.precision(chinchilla_rounded(), ladder, 6.0, 1e24, 0.0, 100, 0)
    assert record.params_bias == pytest.approx(intercept + 0.2227943, abs=2e-6)
    assert record.params_sd == pytest.approx(0.0, abs=1e-9)


def test_fit_minima_recovers_a_parabola_and_flags_edges() -> None:
    log_x = np.linspace(0.0, 2.0, 7)
    vertices = np.array([1.3, 2.5, 1.0])  # inside, outside, inside
    curvature = np.array([0.2, 0.05, -0.1])  # the last opens downwards: no minimum
    y = 3 + curvature[:, None] * (log_x - vertices[:, None]) ** 2
    found = isoflop.fit_minima(log_x, y)
    assert found.has_minimum.tolist() == [True, True, False]
    assert found.bracketed.tolist() == [True, False, False]
    assert found.log_x_min[:2] == pytest.approx(vertices[:2], rel=1e-9)
    assert found.curvature == pytest.approx(2 * curvature, rel=1e-9)  # d²y/dx²
    assert found.y_min[:2] == pytest.approx([3, 3], rel=1e-9)
    assert found.curvature_se[:2] == pytest.approx([0, 0], abs=1e-9)


def test_fit_minima_cubic_finds_the_local_minimum() -> None:
    log_x = np.linspace(-1.0, 3.0, 9)
    y = (log_x - 0.5) ** 2 * (1 + 0.2 * log_x)  # minimum at 0.5, second derivative 2·(1 + 0.2·0.5) there
    found = isoflop.fit_minima(log_x, y, degree=3)
    assert bool(found.has_minimum) and bool(found.bracketed)
    assert float(found.log_x_min) == pytest.approx(0.5, rel=1e-9)
    assert float(found.curvature) == pytest.approx(2.2, rel=1e-9)


def test_fit_minima_is_batched_over_leading_axes() -> None:
    rng = np.random.default_rng(3)
    log_x = np.linspace(7.0, 9.0, 6)
    y = 2 + 0.1 * (log_x - 8.1) ** 2 + 0.01 * rng.standard_normal((4, 3, 6))
    found = isoflop.fit_minima(np.broadcast_to(log_x, y.shape), y)
    assert found.log_x_min.shape == (4, 3)
    single = isoflop.fit_minima(log_x, y[2, 1])
    assert float(found.log_x_min[2, 1]) == pytest.approx(float(single.log_x_min), rel=1e-9)
    assert float(found.curvature_se[2, 1]) > 0


def test_fit_power_law_is_ols_in_logs() -> None:
    log_c = np.array([18.0, 19.0, 20.0, 21.0])
    slope, intercept = isoflop.fit_power_law(log_c, 0.4516129 * log_c - 0.2227943)
    assert float(slope) == pytest.approx(0.4516129, rel=1e-9)
    assert float(intercept) == pytest.approx(-0.2227943, rel=1e-9)


def test_ladder_runs_lie_on_their_budgets_around_the_prior_optimum() -> None:
    law = design.prior_law(presets.load("besiroglu"))
    ladder = design.Ladder(np.logspace(18, 20, 4), 5, 0.7, replicates=2)
    runs = design.runs(law, ladder, 6.0)
    assert runs.flops == pytest.approx(runs.budget, rel=1e-9)  # C = 6·N·D
    assert runs.seeds.tolist() == [2.0] * 20
    centre = 10 ** np.log10(runs.params.reshape(4, 5)).mean(axis=1)
    assert centre == pytest.approx(design.optimum(law, ladder.budgets, 6.0)[0], rel=1e-9)
    span = np.log10(runs.params.reshape(4, 5))
    assert span.max(axis=1) - span.min(axis=1) == pytest.approx([1.4] * 4, rel=1e-9)
    assert ladder.cost == pytest.approx(2 * 5 * ladder.budgets.sum(), rel=1e-12)


def test_budgets_from_the_experiment_budget_spend_all_of_it() -> None:
    budgets = design.budgets_for(5, None, None, 3e21, 7)
    assert 7 * budgets.sum() == pytest.approx(3e21, rel=1e-9)
    assert budgets.max() / budgets.min() == pytest.approx(100, rel=1e-9)
    assert design.budgets_for(3, 1e18, None, None, 7).tolist() == pytest.approx([1e18, 1e19, 1e20])


def test_the_simulation_is_seeded() -> None:
    first, again, other = (section6(0.6, 0.01, seed=seed) for seed in (5, 5, 6))
    assert first.params_sd == again.params_sd
    assert first.params_sd != other.params_sd


def test_wider_ladders_are_tighter_and_compare_lists_the_variations() -> None:
    ladder = design.Ladder(np.logspace(18, 20, 5))
    names = [name for name, _ in design.variations(ladder)]
    assert names[0] == "base" and len(names) == 6
    law = chinchilla_rounded()
    sd = {name: design.precision(law, each, 6.0, 1e23, 0.01, 1000, 0)[0].params_sd
          for name, each in design.variations(ladder)}
    assert sd["narrower (±0.45)"] > sd["base"] > sd["wider (±1.05)"]


def test_cli_csv_is_the_run_list(run_inprocess) -> None:
    result = run_inprocess("design", "--target-flops", "1e23", "--min-flops", "1e18", "--max-flops", "1e20",
                           "--format", "csv")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("budget,params,tokens,flops")
    assert len(lines) == 1 + 35


def test_cli_json_precision_is_strict(run_installed) -> None:
    result = run_installed("design", "--target-flops", "1e24", "--budget", "2e21", "--compare",
                           "--report", "precision", "--format", "json", "--simulations", "500")
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows[0]["design"] == "base" and len(rows) == 6
    assert rows[0]["budget_share"] == pytest.approx(1.0, rel=1e-9)
    assert rows[0]["params_q05"] < rows[0]["prior_params"] < rows[0]["params_q95"]


def test_cli_prices_the_ladder_on_hardware(run_inprocess) -> None:
    result = run_inprocess("design", "--target-flops", "1e24", "--gpu", "h100", "--price", "2",
                           "--dollars", "10000", "--report", "precision", "--format", "json")
    assert result.code == 0, result.stderr
    row = json.loads(result.stdout)[0]
    assert row["dollars"] == pytest.approx(10000, rel=1e-9)
    assert row["gpu_hours"] == pytest.approx(5000, rel=1e-9)


def test_cli_table_shows_both(run_inprocess) -> None:
    result = run_inprocess("design", "--target-flops", "1e23", "--min-flops", "1e18", "--simulations", "200")
    assert result.code == 0, result.stderr
    assert "Ladder" in result.stdout and "Precision" in result.stdout


def _trained(profiles: list[tuple[float, float, int]], noise: float = 0.01, seed: int = 1):
    """Runs on the rounded Chinchilla surface: (budget, offset of the sizes' centre from N* in
    decades, count of sizes over ±0.6 decades), with N(0, noise²) on the loss."""
    from scalecalc.runs import Runs

    law, rng = chinchilla_rounded(), np.random.default_rng(seed)
    params, tokens = [], []
    for flops, shift, count in profiles:
        centre = float(design.optimum(law, flops, 6.0)[0])
        sizes = centre * 10 ** (np.linspace(-0.6, 0.6, count) + shift)
        params += sizes.tolist()
        tokens += (flops / (6 * sizes)).tolist()
    n, d = np.array(params), np.array(tokens)
    return Runs(n, d, law.loss(n, d) + noise * rng.standard_normal(n.size), "test")


def test_from_fit_repairs_an_unbracketed_budget_and_adds_a_third(tmp_path) -> None:
    """experiments.md §5: unbracketed -> 2 sizes past the edge on its minimum's side; fewer than 3
    budgets -> a new one at 3-10× the top."""
    from scalecalc import nextruns

    runs = _trained([(1e18, 0.0, 6), (1e19, 0.8, 6)])  # the second budget's sizes all sit above N*
    records, _, _ = nextruns.suggest(runs, chinchilla_rounded(), 6.0, 1e23, 0.01, 2, 7, 3, 0)
    reasons = [record.reason for record in records]
    assert reasons[:2] == ["repair: minimum not bracketed"] * 2
    smallest = float(runs.params[6:].min())
    assert all(record.budget == pytest.approx(1e19, rel=0.01) and record.params < smallest
               for record in records[:2])
    new = [record for record in records if record.reason == "repair: fewer than 3 budgets"]
    assert len(new) == 7 and 3 <= new[0].budget / 1e19 <= 10
    precision = [record for record in records if record.reason.startswith("precision")]
    assert len(precision) == 3
    spreads = [record.params_sd for record in records[len(records) - 3:]]
    assert spreads == sorted(spreads, reverse=True)  # each run chosen shrinks the spread
    assert all(record.flops == pytest.approx(record.budget, rel=1e-9) for record in records)


def test_from_fit_widens_a_flat_budget_and_fills_a_thin_one() -> None:
    from scalecalc import nextruns

    # A budget sampled over ±0.1 decades at σ 0.01 cannot show its curvature; one of 2 sizes cannot be fitted.
    runs = _trained([(1e18, 0.0, 7), (1e19, 0.0, 7), (1e20, 0.0, 2)])
    law = chinchilla_rounded()
    sizes = float(design.optimum(law, 1e18, 6.0)[0]) * 10 ** np.linspace(-0.1, 0.1, 7)
    loss = law.loss(sizes, 1e18 / (6 * sizes)) + 0.01 * np.random.default_rng(2).standard_normal(7)
    narrow = nextruns.Profile(18.0, np.log10(sizes).tolist(), loss.tolist())
    repairs = nextruns._repairs(narrow, 2)
    assert [reason for reason, _ in repairs] == ["repair: weak curvature, widened"] * 2
    low, high = sorted(size for _, size in repairs)
    assert high - low >= 2 * nextruns.REPAIR_WIDTH - 1e-9
    records, before, _ = nextruns.suggest(runs, law, 6.0, 1e23, 0.01, 2, 7, 0, 0)
    assert before is None  # the 2-size budget cannot be fitted as it stands
    assert [record.reason for record in records] == ["repair: too few sizes to fit this budget"] * 2


def test_cli_from_fit(run_inprocess, tmp_path) -> None:
    runs = _trained([(1e18, 0.0, 6), (1e19, 0.0, 6), (1e20, 0.0, 6)])
    path = tmp_path / "runs.csv"
    path.write_text("params,tokens,loss\n" + "".join(
        f"{n!r},{d!r},{value!r}\n" for n, d, value in zip(runs.params.tolist(), runs.tokens.tolist(),
                                                           runs.loss.tolist(), strict=True)))
    result = run_inprocess("design", "--target-flops", "1e23", "--from-fit", str(path), "--preset",
                           "chinchilla", "--next", "2", "--format", "json", "--gpu", "h100")
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["step"] for row in rows] == [1, 2]
    assert all(row["reason"].startswith("precision") and row["gpu_hours"] > 0 for row in rows)
    assert "the 18 runs predict log10 N* at 1e+23 FLOPs with an sd of" in result.stderr
