"""Budgets from a budget/group column, the grouping `design --from-fit` shares with `fit --method
isoflop`, and the interval-overlap agree flag beside Approach 3's bootstrap."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalecalc.isoflopfit import group_by_column, group_by_flops
from scalecalc.laws import ChinchillaLaw
from scalecalc.powerfitreport import comparison_lines, parametric_params

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HOFFMANN_BUDGET_LIST = "6e18,1e19,3e19,6e19,1e20,3e20,6e20,1e21,3e21"  # Hoffmann et al. Fig. 3
# The rounded Chinchilla surface, Hoffmann et al. 2022 Eq. 10.
E, A, B, ALPHA, BETA = 1.69, 406.4, 410.7, 0.34, 0.28
G = (ALPHA * A / (BETA * B)) ** (1 / (ALPHA + BETA))  # Eq. 4
FIVE_BUDGETS = np.logspace(17, 21, 5)


def _values(result) -> dict[str, dict]:
    assert result.code == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def _sweep(path: Path, column: str | None, spread: float = 1.0, points: int = 9) -> str:
    """Centred ±4× sweeps on Eq. 10; `spread` scales D of alternate runs so a budget's runs need not
    share one C; `column` adds a group column ("text": names, "number": the nominal C)."""
    rows = ["params,tokens,loss" + ("" if column is None else ",group")]
    for index, budget in enumerate(FIVE_BUDGETS):
        centre = G * (budget / 6) ** (BETA / (ALPHA + BETA))
        for step, params in enumerate(centre * np.logspace(-math.log10(4), math.log10(4), points)):
            tokens = budget / (6 * params) * (spread if step % 2 else 1 / spread)
            loss = E + A / params**ALPHA + B / tokens**BETA
            label = {None: "", "text": f",ladder-{index}", "number": f",{budget:g}"}[column]
            rows.append(f"{params:.17g},{tokens:.17g},{loss:.17g}{label}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_a_group_column_matches_clustering_on_exact_sweeps(run_inprocess, tmp_path):
    # Noise-free isoFLOP sweeps of Eq. 10: a = β/(α+β) = 0.4516129 (experiments.md §5) whether the
    # budgets come from clustering C or from a text group column (C = geometric mean of its runs).
    clustered = _values(run_inprocess("fit", _sweep(tmp_path / "a.csv", None), "--method", "isoflop",
                                      "-f", "json"))
    named = _values(run_inprocess("fit", _sweep(tmp_path / "b.csv", "text"), "--method", "isoflop",
                                  "-f", "json"))
    assert named["a"]["value"] == pytest.approx(0.4516129032, rel=1e-9)
    for name in ("a", "log10_k", "b", "log10_k_tokens", "budget_1e19_params_opt"):
        assert named[name]["value"] == pytest.approx(clustered[name]["value"], rel=1e-9)


def test_a_group_column_holds_runs_clustering_would_split(run_inprocess, tmp_path):
    # Alternate runs at 1/1.2 and 1.2 times the budget: C differs by 1.44× inside a budget, so
    # clustering at 10% splits every budget, while the column keeps 9 runs in each of 5 budgets.
    runs = _sweep(tmp_path / "spread.csv", "text", spread=1.2)
    found = _values(run_inprocess("fit", runs, "--method", "isoflop", "-f", "json"))
    assert found["budgets"]["value"] == 5 and found["runs"]["value"] == 45
    counts = [row["value"] for name, row in found.items() if name.startswith("budget_") and
              name.endswith("_runs")]
    assert counts == [9] * 5
    unlabelled = run_inprocess("fit", _sweep(tmp_path / "plain.csv", None, spread=1.2), "--method", "isoflop",
                               "-f", "json")
    assert unlabelled.code == 2 or _values(unlabelled)["budgets"]["value"] != 5


def test_a_numeric_budget_column_names_the_budgets_flops(run_inprocess, tmp_path):
    runs = _sweep(tmp_path / "numbers.csv", "number")
    found = _values(run_inprocess("fit", runs, "--method", "isoflop", "--columns", "budget=group",
                                  "-f", "json"))
    assert found["budget_1e17_runs"]["value"] == 9 and found["budgets"]["value"] == 5
    assert found["a"]["value"] == pytest.approx(0.4516129032, rel=1e-9)


def test_group_column_units():
    names = np.array(["x", "y", "x", "y", "x", "y"], dtype=object)
    flops = np.array([1e19, 1e20, 4e19, 2e20, 2e19, 4e20])
    budgets = group_by_column(names, flops, min_sizes=3)
    assert budgets.flops == pytest.approx([2e19, 2e20], rel=1e-12)  # geometric means
    assert budgets.label.tolist() == [0, 1, 0, 1, 0, 1]
    numeric = group_by_column(np.array(["3e19", "1e19", "3e19", "1e19"], dtype=object),
                              np.array([4e19, 1.5e19, 2e19, 0.8e19]), min_sizes=2)
    assert numeric.flops.tolist() == [1e19, 3e19] and numeric.label.tolist() == [1, 0, 1, 0]
    few = group_by_column(np.array(["a", "a", "b"], dtype=object), flops[:3], min_sizes=2)
    assert few.flops.size == 1 and few.left_out == 1


def _all_pairs(flops: np.ndarray, tolerance: float) -> list[int]:
    """The clustering as first written, with an all-pairs matrix: the reference for the slices."""
    log_c = np.log10(flops)
    near = np.abs(log_c[:, None] - log_c[None, :]) <= np.log10(1 + tolerance)
    label, free, count = np.full(len(flops), -1), np.ones(len(flops), dtype=bool), 0
    while free.any():
        centre = int(np.argmax((near & free[None, :]).sum(axis=1) * free))
        members = near[centre] & free
        label[members], count = count, count + 1
        free &= ~members
    return label.tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=1, max_size=60), st.sampled_from([0.05, 0.1, 0.3]))
def test_sorted_slice_clustering_equals_all_pairs(steps, tolerance):
    # Budgets on a grid of 0.01 decades (no rounding ties at the window's edge), many repeated.
    flops = 10 ** (18 + np.array(steps) / 100 + 0.003)
    found = group_by_flops(flops, tolerance, min_sizes=1)
    reference = np.array(_all_pairs(flops, tolerance))
    # Same partition of the runs (the numbering differs: budgets are renumbered by C).
    pairs = {(int(a), int(b)) for a, b in zip(found.label, reference, strict=True)}
    assert len(pairs) == len({a for a, _ in pairs}) == len({b for _, b in pairs})


def test_parametric_params_is_the_closed_form():
    # Hoffmann et al. Eq. 4 for a bootstrap row equal to the law itself.
    law = ChinchillaLaw(E=E, A=A, B=B, alpha=ALPHA, beta=BETA)
    expected = float(law.closed_form_allocation(6.0).params(1e22))
    assert parametric_params(np.array([[E, A, B, ALPHA, BETA]]), 1e22)[0] == pytest.approx(expected, rel=1e-9)


class _Line:
    def __init__(self, name, low, high):
        self.name, self.ci_low, self.ci_high = name, low, high


class _Fit:
    law = ChinchillaLaw(E=E, A=A, B=B, alpha=ALPHA, beta=BETA)


@pytest.mark.parametrize(("shift", "agree"), [(1.0, 1), (1.3, 1), (3.0, 0)])
def test_agree_is_interval_overlap(shift, agree):
    n = float(_Fit.law.closed_form_allocation(6.0).params(1e22))
    # The isoFLOP interval sits above the parametric N*; the parametric draws spread ±20% about it.
    line = _Line("params_at_1e22", 1.1 * n * shift, 1.5 * n * shift)
    draws = np.tile([E, A, B, ALPHA, BETA], (201, 1))
    draws[:, 1] *= np.linspace(0.5, 2.0, 201)  # A moves N*: N* ∝ A^(1/(α+β))
    result = {row.name: row for row in comparison_lines([line], _Fit(), np.array([1e22]), draws, 95.0)}
    assert result["agree_at_1e22"].value == agree
    assert result["parametric_params_at_1e22"].ci_low < n < result["parametric_params_at_1e22"].ci_high
    # Without draws: N* inside the isoFLOP interval, as before.
    plain = {row.name: row for row in comparison_lines([line], _Fit(), np.array([1e22]))}
    assert plain["agree_at_1e22"].value == 0 and plain["parametric_params_at_1e22"].ci_low is None


def test_cli_agree_with_and_without_bootstrap(run_inprocess):
    # Hoffmann's digitized runs at his nine budgets: Approach 3's N* (119B) lies outside the isoFLOP
    # interval (46B to 84B) but its own bootstrap interval overlaps it (docs/isoflop.md).
    args = ("fit", str(EXAMPLES / "chinchilla_runs.csv"), "--method", "isoflop", "--budgets",
            HOFFMANN_BUDGET_LIST, "--reference-flops", "5.76e23", "-f", "json")
    plain = _values(run_inprocess(*args))
    assert plain["agree_at_5.76e23"]["value"] is None
    assert plain["parametric_params_at_5.76e23"]["ci_low"] is None
    booted = _values(run_inprocess(*args, "--bootstrap", "300", "--seed", "1"))
    parametric, isoflop = booted["parametric_params_at_5.76e23"], booted["params_at_5.76e23"]
    assert parametric["value"] == pytest.approx(plain["parametric_params_at_5.76e23"]["value"], rel=1e-9)
    assert parametric["ci_low"] < parametric["value"] < parametric["ci_high"]
    overlap = parametric["ci_low"] <= isoflop["ci_high"] and isoflop["ci_low"] <= parametric["ci_high"]
    assert booted["agree_at_5.76e23"]["value"] == int(overlap)


def test_design_from_fit_at_hoffmanns_budgets(run_inprocess):
    # Clustered, the digitized runs make 46 budgets and are refused; at the nine budgets of Fig. 3
    # they are the ladder `fit --method isoflop` fits, and the 1e20 budget (minimum outside its
    # sizes) is repaired first.
    result = run_inprocess("design", "--target-flops", "5.76e23", "--from-fit",
                           str(EXAMPLES / "chinchilla_runs.csv"), "--budgets", HOFFMANN_BUDGET_LIST,
                           "--next", "1", "--simulations", "200", "-f", "json")
    rows = json.loads(result.stdout)
    assert result.code == 0, result.stderr
    assert rows[0]["reason"] == "repair: minimum not bracketed" and rows[0]["budget"] == pytest.approx(1e20)
    assert "124 run(s) fall in no budget" in result.stderr and "the 121 runs" in result.stderr


def test_design_from_fit_reads_the_group_column(run_inprocess, tmp_path):
    # The same runs with a numeric budget column or grouped by C: the same suggestions.
    common = ("design", "--target-flops", "1e23", "--next", "2", "--simulations", "200", "-f", "json")
    by_column = run_inprocess(*common, "--from-fit", _sweep(tmp_path / "n.csv", "number"))
    by_flops = run_inprocess(*common, "--from-fit", _sweep(tmp_path / "p.csv", None))
    assert by_column.code == 0 and by_flops.code == 0, by_column.stderr + by_flops.stderr
    first, second = json.loads(by_column.stdout), json.loads(by_flops.stdout)
    assert [row["reason"] for row in first] == [row["reason"] for row in second]
    for one, other in zip(first, second, strict=True):
        assert one["params"] == pytest.approx(other["params"], rel=1e-9)


def test_a_degenerate_approach_3_prints_no_numpy_warning(run_installed, tmp_path):
    # Runs on which the Chinchilla-form fit overflows: the comparison is dropped with a note, and no
    # RuntimeWarning reaches stderr.
    rows = ["params,flops,loss"]
    for c, scale in (("1e19", 1), ("1e20", 10), ("1e21", 100)):
        rows += [f"{n * scale:g},{c},{loss}" for n, loss in ((1e8, 3.0), (2e8, 2.8), (4e8, 2.9), (8e8, 3.1))]
    path = tmp_path / "flat.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run_installed("fit", str(path), "--method", "isoflop", "-f", "csv")
    assert result.code == 0, result.stderr
    assert "RuntimeWarning" not in result.stderr
