"""scalecalc.isoflop: isoFLOP minima and power laws, against the deterministic test vectors of
experiments.md §7.1 (Czech et al. 2026, arXiv 2603.22339, and its Open-Athena tables)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalecalc.errors import ScalecalcError
from scalecalc.isoflop import fit_minima, fit_power_law, slope_t

# The rounded Chinchilla surface of Hoffmann et al. 2022 (Eq. 10): E, A, B, alpha, beta.
E, A, B, ALPHA, BETA = 1.69, 406.4, 410.7, 0.34, 0.28
EXPONENT = BETA / (ALPHA + BETA)  # 0.4516129
G = (ALPHA * A / (BETA * B)) ** (1 / (ALPHA + BETA))  # Hoffmann Eq. 4
FIVE_BUDGETS = np.logspace(17, 21, 5)
HOFFMANN_BUDGETS = np.array([6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21])  # Fig. 3


def loss(params: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    return E + A / params**ALPHA + B / tokens**BETA


def true_params(flops: np.ndarray) -> np.ndarray:
    return G * (flops / 6) ** EXPONENT


def sweep(budgets: np.ndarray, points: int, width: float) -> tuple[np.ndarray, np.ndarray]:
    """`points` sizes log-spaced on [N*/width, N*·width] around the true optimum of each budget."""
    params = true_params(budgets)[:, None] * np.logspace(-math.log10(width), math.log10(width), points)
    return params, loss(params, budgets[:, None] / (6 * params))


@pytest.mark.parametrize(("width", "n_intercept", "d_intercept", "n_error"), [
    (2, -0.221372, -0.556779, 0.0033), (4, -0.217107, -0.561045, 0.0132),
    (8, -0.210001, -0.568151, 0.0299), (16, -0.200059, -0.578092, 0.0537)])
def test_design_a_exponent_exact_and_intercepts_biased_as_tabulated(width, n_intercept, d_intercept,
                                                                     n_error):
    # experiments.md §7.1 Design A: 5 budgets 1e17-1e21, 15 points on [N*/k, N*·k], parabolas.
    params, losses = sweep(FIVE_BUDGETS, 15, width)
    tokens = FIVE_BUDGETS[:, None] / (6 * params)
    n_min = fit_minima(np.log10(params), losses)
    d_min = fit_minima(np.log10(tokens), losses)
    a, a0 = fit_power_law(np.log10(FIVE_BUDGETS), n_min.log_x_min)
    b, b0 = fit_power_law(np.log10(FIVE_BUDGETS), d_min.log_x_min)
    assert a == pytest.approx(0.4516129032, rel=1e-9)
    assert b == pytest.approx(0.5483870968, rel=1e-9)
    assert a0 == pytest.approx(n_intercept, abs=1e-6)
    assert b0 == pytest.approx(d_intercept, abs=1e-6)
    assert a0 + b0 == pytest.approx(-math.log10(6), abs=1e-6)  # N*·D* = C/6 on every budget
    predicted = 10 ** (a0 + a * 24)
    assert predicted / true_params(np.array(1e24))[()] - 1 == pytest.approx(n_error, abs=5e-4)
    assert n_min.bracketed.all() and n_min.has_minimum.all()


@pytest.mark.parametrize(("width", "bias"), [(2, -0.001e-2), (4, -0.010e-2), (8, -0.052e-2),
                                             (16, -0.164e-2)])
def test_cubic_minimum_is_nearly_unbiased(width, bias):
    # §7.1: the cubic's N*(1e24) errs by -0.001 / -0.010 / -0.052 / -0.164% for k = 2 / 4 / 8 / 16.
    params, losses = sweep(FIVE_BUDGETS, 15, width)
    minima = fit_minima(np.log10(params), losses, degree=3)
    a, a0 = fit_power_law(np.log10(FIVE_BUDGETS), minima.log_x_min)
    error = 10 ** (a0 + a * 24) / true_params(np.array(1e24))[()] - 1
    assert error == pytest.approx(bias, abs=5e-6)
    assert abs(error) < 0.002


@pytest.mark.parametrize(("points", "width", "intercept", "at_gopher"), [
    (9, 4, -0.216640, 3.26493e10), (5, 2, -0.221021, 3.23216e10)])
def test_design_b_hoffmann_budgets(points, width, intercept, at_gopher):
    # §7.1 Design B: Hoffmann's 9 budgets (Fig. 3), centred sweeps; N*(5.76e23) vs the true 3.21899e10.
    params, losses = sweep(HOFFMANN_BUDGETS, points, width)
    minima = fit_minima(np.log10(params), losses)
    a, a0 = fit_power_law(np.log10(HOFFMANN_BUDGETS), minima.log_x_min)
    assert a == pytest.approx(EXPONENT, rel=1e-9)
    assert a0 == pytest.approx(intercept, abs=1e-6)
    assert 10 ** (a0 + a * math.log10(5.76e23)) == pytest.approx(at_gopher, rel=1e-5)


def test_design_c_parabolas_in_tokens():
    # §7.1 Design C (Czech's gist): 5 budgets, 16 points on [D*/8, 8·D*], parabola in log10 D.
    tokens = (FIVE_BUDGETS / 6)[:, None] ** (1 - EXPONENT) / G * np.logspace(-math.log10(8),
                                                                              math.log10(8), 16)
    losses = loss(FIVE_BUDGETS[:, None] / (6 * tokens), tokens)
    minima = fit_minima(np.log10(tokens), losses)
    b, b0 = fit_power_law(np.log10(FIVE_BUDGETS), minima.log_x_min)
    assert b == pytest.approx(0.548387, abs=1e-6)
    assert b0 == pytest.approx(-0.568053, abs=1e-6)
    assert 10 ** (b0 + 24 * b) == pytest.approx(3.91956e12, rel=1e-5)


def test_exact_parabola_vertex_curvature_and_flags():
    log_x = np.array([[0.0, 1, 2, 3, 4], [0.0, 1, 2, 3, 4], [0.0, 1, 2, 3, 4]])
    y = np.stack([2 + 0.5 * (log_x[0] - 1.3) ** 2,  # inside
                  2 + 0.5 * (log_x[1] - 6.0) ** 2,  # outside the sampled sizes
                  2 - 0.5 * (log_x[2] - 2.0) ** 2])  # a maximum, not a minimum
    minima = fit_minima(log_x, y)
    assert minima.log_x_min[:2] == pytest.approx([1.3, 6.0], rel=1e-9)
    assert minima.y_min[:2] == pytest.approx([2.0, 2.0], rel=1e-9)
    assert minima.curvature == pytest.approx([1.0, 1.0, -1.0], rel=1e-9)
    assert minima.curvature_se == pytest.approx([0, 0, 0], abs=1e-9)
    assert minima.bracketed.tolist() == [True, False, False]
    assert minima.has_minimum.tolist() == [True, True, False]
    assert math.isnan(minima.log_x_min[2]) and math.isnan(minima.y_min[2])


def test_cubic_finds_the_local_minimum():
    log_x = np.linspace(-2, 3, 11)
    y = (log_x - 1) ** 2 * (log_x + 1)  # local min at 1 (value 0), local max at -1/3
    minima = fit_minima(log_x, y, degree=3)
    assert float(minima.log_x_min) == pytest.approx(1.0, rel=1e-9)
    assert float(minima.curvature) == pytest.approx(4.0, rel=1e-9)  # y'' = 6x at x = 1... minus 2: 4
    assert bool(minima.bracketed) and bool(minima.has_minimum)


def test_batched_shapes_and_nan_padding_of_ragged_profiles():
    params, losses = sweep(FIVE_BUDGETS, 15, 4)
    log_n = np.log10(params)
    stacked = np.broadcast_to(log_n, (3, 2, *log_n.shape))
    minima = fit_minima(stacked, np.broadcast_to(losses, stacked.shape))
    assert minima.log_x_min.shape == (3, 2, 5) and minima.bracketed.shape == (3, 2, 5)
    single = fit_minima(log_n, losses)
    assert minima.log_x_min[2, 1] == pytest.approx(single.log_x_min, rel=1e-12)
    # A ragged profile padded with NaN gives the fit of its real points.
    padded = np.concatenate([log_n[:1], np.full((1, 4), np.nan)], axis=1)
    ragged = fit_minima(padded, np.concatenate([losses[:1], np.full((1, 4), np.nan)], axis=1))
    assert ragged.log_x_min == pytest.approx(single.log_x_min[:1], rel=1e-12)
    assert ragged.points.tolist() == [15]


def test_weights_are_frequencies_and_too_few_distinct_points_give_nan():
    log_x = np.array([0.0, 1, 2, 3])
    y = np.array([3.0, 2.1, 2.0, 2.4])
    doubled = fit_minima(np.r_[log_x, log_x[1]], np.r_[y, y[1]])
    weighted = fit_minima(log_x, y, weights=np.array([1, 2, 1, 1]))
    assert weighted.log_x_min == pytest.approx(doubled.log_x_min, rel=1e-12)
    assert weighted.curvature_se == pytest.approx(doubled.curvature_se, rel=1e-9)
    two_sizes = fit_minima(log_x, y, weights=np.array([3, 0, 0, 2]))
    assert not two_sizes.has_minimum and math.isnan(two_sizes.curvature)


def test_power_law_batched_and_nan_points_left_out():
    log_c = np.array([18.0, 19, 20, 21])
    log_v = np.array([[1.0, 1.5, 2.0, 2.5], [0.0, 0.4, np.nan, 1.2]])
    slope, intercept = fit_power_law(log_c, log_v)
    assert slope == pytest.approx([0.5, 0.4], rel=1e-12)
    assert intercept == pytest.approx([-8.0, -7.2], rel=1e-12)
    one, _ = fit_power_law(log_c, np.array([1.0, np.nan, np.nan, np.nan]))
    assert math.isnan(one)


def test_drift_t_statistic():
    log_c = np.arange(5.0)
    assert abs(slope_t(log_c, np.array([0.0, 0.01, -0.01, 0.0, 0.01]))) < 2
    assert slope_t(log_c, np.array([0.0, 0.1, 0.21, 0.29, 0.41])) > 2
    assert math.isnan(slope_t(log_c[:2], np.zeros(2)))


@pytest.mark.parametrize(("degree", "size"), [(4, 5), (2, 2), (3, 3)])
def test_refuses_bad_degree_or_too_few_points(degree, size):
    with pytest.raises(ScalecalcError, match=r"degree|points"):
        fit_minima(np.arange(float(size)), np.arange(float(size)), degree=degree)


# ---- `scalecalc fit --method isoflop` on files -------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HOFFMANN_BUDGET_LIST = "6e18,1e19,3e19,6e19,1e20,3e20,6e20,1e21,3e21"


def write_sweep(path, width: float = 4, points: int = 15, budgets: np.ndarray = FIVE_BUDGETS) -> str:
    params, losses = sweep(budgets, points, width)
    flops = np.broadcast_to(budgets[:, None], params.shape)
    rows = ["params,flops,loss"] + [f"{n:.17g},{c:.17g},{loss_:.17g}" for n, c, loss_ in
                                   zip(params.ravel(), flops.ravel(), losses.ravel(), strict=True)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def values(result) -> dict[str, dict]:
    import json

    assert result.code == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_cli_reproduces_design_a(run_inprocess, tmp_path):
    runs = write_sweep(tmp_path / "sweep.csv")
    found = values(run_inprocess("fit", runs, "--method", "isoflop", "--format", "json"))
    assert found["a"]["value"] == pytest.approx(0.4516129032, rel=1e-9)
    assert found["log10_k"]["value"] == pytest.approx(-0.217107, abs=1e-6)
    assert found["log10_k_tokens"]["value"] == pytest.approx(-0.561045, abs=1e-6)
    assert found["budgets"]["value"] == 5 and found["runs"]["value"] == 75
    assert found["budget_1e17_runs"]["value"] == 15
    by_tokens = values(run_inprocess("fit", runs, "--method", "isoflop", "--axis", "tokens", "-f", "json"))
    assert by_tokens["b"]["value"] == pytest.approx(0.5483870968, rel=1e-9)
    cubic = values(run_inprocess("fit", runs, "--method", "isoflop", "--degree", "3", "-f", "json"))
    assert cubic["a"]["value"] == pytest.approx(0.4516129032, rel=1e-6)


def test_cli_bootstrap_is_seeded_and_compares_with_approach_3(run_inprocess, tmp_path):
    runs = write_sweep(tmp_path / "sweep.csv", points=9)
    args = ("fit", runs, "--method", "isoflop", "--bootstrap", "300", "--seed", "7", "-f", "json")
    first, second = values(run_inprocess(*args)), values(run_inprocess(*args))
    assert first == second
    # Noise-free runs: resamples move the vertices only through the parabola's misfit to the surface,
    # so the interval is narrow and holds the point fit.
    a = first["a"]
    assert a["ci_low"] <= a["value"] <= a["ci_high"] and a["ci_high"] - a["ci_low"] < 0.01
    # Approach 3 on the same noise-free runs recovers the surface: N*(1e22) = G·(C/6)^a exactly.
    assert first["parametric_params_at_1e22"]["value"] == pytest.approx(true_params(np.array(1e22))[()],
                                                                         rel=1e-3)
    assert first["agree_at_1e22"]["value"] in (0, 1)


def test_cli_hoffmann_digitized_runs(run_inprocess):
    # examples/chinchilla_runs.csv (Hoffmann Fig. 4 digitized by Besiroglu et al.) grouped at Hoffmann's
    # nine budgets (Fig. 3), 10% tolerance. Hoffmann et al. Table A3, Approach 2: a = 0.4899 by least
    # squares on its rows, N*(5.76e23) = 63.4B (experiments.md §1, §7.2: a in [0.485, 0.495]). The
    # 1e20 budget's minimum lies outside its sizes and is left out of the line; with it, a = 0.498.
    result = run_inprocess("fit", str(EXAMPLES / "chinchilla_runs.csv"), "--method", "isoflop",
                           "--budgets", HOFFMANN_BUDGET_LIST, "-f", "json")
    found = values(result)
    assert 0.485 <= found["a"]["value"] <= 0.495
    assert found["params_at_5.76e23"]["value"] == pytest.approx(6.34e10, rel=0.02)
    assert found["budgets"]["value"] == 9 and found["budgets_in_line"]["value"] == 8
    assert "budget 1e20: minimum not bracketed" in result.stderr


def test_cli_save_writes_an_allocation_that_optimal_uses(run_inprocess, tmp_path):
    runs = write_sweep(tmp_path / "sweep.csv")
    saved = tmp_path / "mine.toml"
    fitted = values(run_inprocess("fit", runs, "--method", "isoflop", "--save", str(saved), "-f", "json"))
    plan = run_inprocess("optimal", "--flops", "1e22", "--preset", str(saved), "--format", "json")
    assert plan.code == 0, plan.stderr
    import json

    row = json.loads(plan.stdout)[0]
    assert row["params"] == pytest.approx(fitted["params_at_1e22"]["value"], rel=1e-9)
    again = run_inprocess("fit", runs, "--method", "isoflop", "--save", str(saved))
    assert again.code == 2 and "--force" in again.stderr


def test_cli_envelope_example(run_inprocess):
    found = values(run_inprocess("fit", str(EXAMPLES / "chinchilla_curves.csv"), "--method", "envelope",
                                 "-f", "json"))
    assert abs(found["a"]["value"] - EXPONENT) < 0.02
    assert found["sizes"]["value"] == 8 and found["grid_points"]["value"] == 1500


def test_installed_entry_point_csv(run_installed, tmp_path):
    runs = write_sweep(tmp_path / "sweep.csv")
    result = run_installed("fit", runs, "--method", "isoflop", "--format", "csv")
    assert result.code == 0, result.stderr
    first = result.stdout.splitlines()[1].split(",")
    assert first[0] == "a" and float(first[1]) == pytest.approx(0.4516129032, rel=1e-9)


@pytest.mark.parametrize(("example", "method"), [("chinchilla_runs.csv", "isoflop"),
                                                 ("chinchilla_curves.csv", "envelope")])
def test_plot_fit_methods_write_a_figure(run_inprocess, tmp_path, example, method):
    pytest.importorskip("matplotlib")
    out = tmp_path / f"{method}.svg"
    extra = ("--budgets", HOFFMANN_BUDGET_LIST, "--bootstrap", "50", "--seed", "1") if method == "isoflop" \
        else ()
    result = run_inprocess("plot", "fit", str(EXAMPLES / example), "--method", method, *extra,
                           "--out", str(out))
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == str(out) and out.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_drifting_centre_is_flagged_and_a_centred_sweep_is_not():
    # Czech et al. 2026 §5: sizes centred on N* at the lowest budget and on 3·N* at the top one bias
    # the exponent; the drift line moves log10 3 = 0.477 decades across the budgets.
    from scalecalc import isoflopfit
    from scalecalc.runs import Runs

    def fitted(drift: bool) -> isoflopfit.IsoflopFit:
        shift = np.linspace(0, math.log10(3), 5)[:, None] if drift else 0
        params = true_params(FIVE_BUDGETS)[:, None] * 10 ** (np.linspace(-0.6, 0.6, 15) - shift)
        tokens = FIVE_BUDGETS[:, None] / (6 * params)
        runs = Runs(params.ravel(), tokens.ravel(), loss(params, tokens).ravel(), "sweep")
        return isoflopfit.fit_isoflop(runs, isoflopfit.group_by_flops(6 * runs.params * runs.tokens, 0.1))

    drifting, centred = fitted(True), fitted(False)
    assert drifting.drift_decades == pytest.approx(math.log10(3), abs=0.05)
    assert any("drift" in line for line in isoflopfit.warnings(drifting))
    assert drifting.a != pytest.approx(EXPONENT, abs=1e-3)  # the bias the warning is about
    assert not any("drift" in line for line in isoflopfit.warnings(centred))
    assert centred.a == pytest.approx(EXPONENT, rel=1e-9)


def test_cli_warns_of_far_extrapolation_and_takes_target_flops(run_inprocess, tmp_path):
    # experiments.md §8: a target more than twice the fitted span of log10 C past the top budget.
    runs = write_sweep(tmp_path / "sweep.csv")  # budgets 1e17 to 1e21: 4 decades
    near = run_inprocess("fit", runs, "--method", "isoflop", "--target-flops", "1e24", "-f", "csv")
    far = run_inprocess("fit", runs, "--method", "isoflop", "--target-flops", "1e30", "-f", "csv")
    assert near.code == far.code == 0
    assert "decades past the top budget" not in near.stderr
    assert "prediction at 1e30 lies 9.0 decades past the top budget" in far.stderr
    assert "params_at_1e30," in far.stdout


def test_cli_clusters_budgets_without_a_list(run_inprocess):
    # Without --budgets the digitized runs fall into 22 clusters of 3+ sizes: more budgets than the
    # 20 --reference-flops allows must still be reported (a regression: they were refused).
    found = values(run_inprocess("fit", str(EXAMPLES / "chinchilla_runs.csv"), "--method", "isoflop",
                                 "-f", "json"))
    assert found["budgets"]["value"] == 22
    assert 0.4 < found["a"]["value"] < 0.6


def test_cli_flops_per_token_moves_only_the_token_intercept(run_inprocess, tmp_path):
    # A flops column read with 8 FLOPs per parameter per token: the same budgets and N*, and
    # D* = C/(8·N*) instead of C/(6·N*), so log10 k' falls by log10(8/6).
    runs = write_sweep(tmp_path / "sweep.csv")
    six = values(run_inprocess("fit", runs, "--method", "isoflop", "-f", "json"))
    eight = values(run_inprocess("fit", runs, "--method", "isoflop", "--flops-per-token", "8", "-f", "json"))
    assert eight["a"]["value"] == pytest.approx(six["a"]["value"], rel=1e-9)
    assert eight["log10_k"]["value"] == pytest.approx(six["log10_k"]["value"], rel=1e-9)
    shifted = six["log10_k_tokens"]["value"] - math.log10(8 / 6)
    assert eight["log10_k_tokens"]["value"] == pytest.approx(shifted, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(vertex=st.floats(7, 11), bend=st.floats(0.05, 5), floor=st.floats(1, 4), cubic=st.floats(-0.02, 0.02))
def test_property_exact_polynomials_and_batches(vertex, bend, floor, cubic):
    # An exact parabola is recovered exactly; a batch gives each row's own fit; a small cubic term
    # moves the local minimum where calculus puts it (the + root of y' = 0).
    log_x = np.linspace(vertex - 1.1, vertex + 0.9, 9)
    parabola = floor + bend * (log_x - vertex) ** 2
    single = fit_minima(log_x, parabola)
    assert float(single.log_x_min) == pytest.approx(vertex, rel=1e-9)
    assert float(single.curvature) == pytest.approx(2 * bend, rel=1e-7)
    assert bool(single.bracketed) and bool(single.has_minimum)
    cubic_y = parabola + cubic * (log_x - vertex) ** 3
    both = fit_minima(np.stack([log_x, log_x]), np.stack([parabola, cubic_y]), degree=3)
    # y' = 2·bend·u + 3·cubic·u² = 0 at u = 0 (the minimum when bend > 0).
    assert both.log_x_min == pytest.approx([vertex, vertex], rel=1e-9)
    alone = fit_minima(log_x, cubic_y, degree=3)
    assert both.log_x_min[1] == pytest.approx(float(alone.log_x_min), rel=1e-12)
