"""Hostile input for the budget/group column of `fit --method isoflop` and for the grouping options
of `design --from-fit`: one case per defect (exit 2, one line on stderr, nothing on stdout, no
traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import refused

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ROWS = (("1e19", ((1e8, 3.0), (2e8, 2.8), (4e8, 2.9))), ("1e20", ((2e8, 2.7), (4e8, 2.5), (8e8, 2.6))))


def _runs(tmp_path: Path, budget_cells: list[str] | None = None, header: str = "budget") -> str:
    """Two budgets of three sizes; `budget_cells` fills a budget column (one cell per run)."""
    lines = ["params,flops,loss" + ("" if budget_cells is None else f",{header}")]
    cells = iter(budget_cells or [])
    for flops, rows in ROWS:
        for params, loss in rows:
            extra = "" if budget_cells is None else f",{next(cells)}"
            lines.append(f"{params:g},{flops},{loss}{extra}")
    path = tmp_path / "runs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


GROUPS = ["a", "a", "a", "b", "b", "b"]


def test_good_group_column_is_accepted(run_inprocess, tmp_path):
    # The fixture the cases below break must itself fit.
    assert run_inprocess("fit", _runs(tmp_path, GROUPS), "--method", "isoflop").code == 0
    assert run_inprocess("fit", _runs(tmp_path, GROUPS, "group"), "--method", "isoflop").code == 0


@pytest.mark.parametrize(("cells", "extra", "gists"), [
    (GROUPS, ("--budgets", "1e19,1e20"), ("budget/group column", "--budgets has nothing to do")),
    (GROUPS, ("--group-tolerance", "5"), ("budget/group column", "--group-tolerance")),
    (["1e19"] * 3 + ["-1"] * 3, (), ("budget column holds -1", "positive number of FLOPs")),
    (["1e19"] * 3 + ["0"] * 3, (), ("budget column holds 0",)),
    (["1e19"] * 3 + ["inf"] * 3, (), ("budget column holds inf",)),
    (["1e19"] * 3 + ["nan"] * 3, (), ("budget column holds nan",)),
    (["1", "1", "1", "2", "2", "2"], (), ("has budget 1, more than 2× away", "name groups with text")),
    (["1e19"] * 3 + ["1e22"] * 3, (), ("C = 1e+20 FLOPs has budget 1e+22",)),
    (["a", "a", "", "b", "b", "b"], (), ("line 4: budget is missing",)),
    (["a", "a", "x" * 500, "b", "b", "b"], (), ("longer than 100 characters",)),
    (GROUPS, ("--columns", "budget=nope"), ("--columns names 'nope' for budget",)),
    (GROUPS, ("--columns", "budget=budget,budget=group"), ("budget is mapped twice",)),
    (["a"] * 6, (), ("1 budget(s)", "at least 2")),
])
def test_fit_refuses_bad_budget_columns(run_inprocess, tmp_path, cells, extra, gists):
    refused(run_inprocess("fit", _runs(tmp_path, cells), "--method", "isoflop", *extra), *gists)


def test_two_budget_columns_are_a_guess_refused(run_inprocess, tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("params,flops,loss,budget,group\n1e8,1e19,3,a,b\n", encoding="utf-8")
    refused(run_inprocess("fit", str(path), "--method", "isoflop"), "more than one column for budget")


DESIGN = ("design", "--target-flops", "1e23", "--simulations", "200")


@pytest.mark.parametrize(("extra", "gists"), [
    (("--budgets", "5,6"), ("--budgets '5,6'", "whole number", "--from-fit")),
    (("--budgets", "five"), ("--budgets 'five'", "whole number")),
    (("--group-tolerance", "5"), ("--group-tolerance goes with --from-fit",)),
])
def test_design_refuses_grouping_options_without_runs(run_inprocess, extra, gists):
    refused(run_inprocess(*DESIGN, "--min-flops", "1e18", "--max-flops", "1e20", *extra), *gists)


@pytest.mark.parametrize(("cells", "extra", "gists"), [
    (GROUPS, ("--budgets", "1e19,1e20"), ("--budgets has nothing to do",)),
    (GROUPS, ("--group-tolerance", "5"), ("--group-tolerance has nothing to do",)),
    (None, ("--budgets", "1e25"), ("no run lies within the tolerance", "--budgets")),
    (None, ("--budgets", "1e19,1e19"), ("--budgets", "twice")),
    (None, ("--budgets", "1e19,x"), ("--budgets", "'x' is not a number")),
    (None, ("--group-tolerance", "80"), ("--group-tolerance", "0.1 to 50")),
    (None, ("--group-tolerance", "nan"), ("--group-tolerance",)),
    (["1e19"] * 3 + ["-1"] * 3, (), ("budget column holds -1",)),
])
def test_design_from_fit_refuses_bad_grouping(run_inprocess, tmp_path, cells, extra, gists):
    refused(run_inprocess(*DESIGN, "--from-fit", _runs(tmp_path, cells), *extra), *gists)


def test_design_from_fit_too_many_budgets_names_the_way_out(run_inprocess):
    # Hoffmann's digitized runs cluster into 46 budgets: the message says to name them with --budgets.
    refused(run_inprocess(*DESIGN, "--from-fit", str(EXAMPLES / "chinchilla_runs.csv")),
            "46 budgets", "more than the 30", "--budgets LIST")


def test_design_from_fit_reads_a_group_column_from_stdin(run_installed, tmp_path):
    text = Path(_runs(tmp_path, GROUPS)).read_text(encoding="utf-8")
    done = run_installed(*DESIGN, "--from-fit", "-", "--budgets", "1e19,1e20", stdin=text)
    refused(done, "standard input", "--budgets has nothing to do")
