"""Hostile input found in the second read of `design`, `fit --method envelope` and `fit --x --y`
(issue 12): one case per defect, each refused with one line, nothing on stdout, no traceback; or,
where the input is legal, an answer with no NaN or Infinity in its JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hostile import refused

from scalecalc import design, presets

LADDER = ("design", "--target-flops", "1e23", "--min-flops", "1e18", "--max-flops", "1e20")


def _runs_file(tmp_path: Path) -> Path:
    """Three budgets of six sizes each on the rounded Chinchilla surface, with seed noise."""
    law = design.prior_law(presets.load("chinchilla"))
    rng = np.random.default_rng(0)
    rows = []
    for flops in (1e18, 1e19, 1e20):
        centre = float(design.optimum(law, flops, 6.0)[0])
        for n in centre * 10 ** np.linspace(-0.6, 0.6, 6):
            d = flops / (6 * n)
            rows.append(f"{float(n)!r},{float(d)!r},{float(law.loss(n, d)) + 0.01 * rng.standard_normal()!r}")
    path = tmp_path / "runs.csv"
    path.write_text("params,tokens,loss\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _strict_json(text: str) -> list:
    """Parse JSON refusing NaN and Infinity, as a strict reader does."""
    def refuse(token: str) -> None:
        raise AssertionError(f"{token} in JSON output")

    return json.loads(text, parse_constant=refuse)


# --- design ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("extra", [
    ("--min-flops", "1e280", "--max-flops", "1e290"),  # minima lost in noise: the line shoots past 1e308
    ("--budget", "1e300"),
])
def test_design_wild_extrapolation_is_blank_not_a_traceback(run_inprocess, extra):
    result = run_inprocess("design", "--target-flops", "1e23", *extra, "--simulations", "200",
                           "--format", "json", "--report", "precision")
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    row = _strict_json(result.stdout)[0]
    assert row["params_q05"] is None or row["params_q95"] is None
    assert "beyond what a float holds" in result.stderr


def test_design_budgets_without_a_span_are_refused(run_inprocess):
    refused(run_inprocess("design", "--target-flops", "1e23", "--min-flops", "1e18", "--max-flops",
                          "1.0000000001e18"), "must be above --min-flops", "at least 0.1 decades")


def test_design_target_below_one_parameter_is_refused(run_inprocess):
    refused(run_inprocess("design", "--target-flops", "10", "--budget", "1e20"),
            "--target-flops: at 10 FLOPs", "below one")


def test_design_next_without_from_fit_is_refused(run_inprocess):
    refused(run_inprocess(*LADDER, "--next", "3"), "--next goes with --from-fit")


@pytest.mark.parametrize("extra", [
    ("--width", "1"), ("--budgets", "9"), ("--replicates", "2"), ("--min-flops", "1e17"),
    ("--max-flops", "1e21"), ("--budget", "1e22"), ("--report", "precision"),
])
def test_design_from_fit_refuses_new_ladder_options(run_inprocess, tmp_path, extra):
    refused(run_inprocess("design", "--target-flops", "1e23", "--from-fit", str(_runs_file(tmp_path)),
                          *extra), f"{extra[0]} lays out a new ladder and means nothing with --from-fit")


def test_design_from_fit_still_answers(run_inprocess, tmp_path):
    result = run_inprocess("design", "--target-flops", "1e23", "--from-fit", str(_runs_file(tmp_path)),
                           "--next", "1", "--format", "json")
    assert result.code == 0, result.stderr
    assert len(_strict_json(result.stdout)) == 1


def test_design_compare_at_a_bound_does_not_repeat_the_base(run_inprocess):
    result = run_inprocess(*LADDER, "--width", "3", "--compare", "--simulations", "200", "--format", "json",
                           "--report", "precision")
    assert result.code == 0, result.stderr
    names = [row["design"] for row in _strict_json(result.stdout)]
    assert names[0] == "base" and not any(name.startswith("wider") for name in names)
    assert len(names) == len(set(names))


def test_design_mostly_failed_simulations_are_warned_about(run_inprocess):
    result = run_inprocess(*LADDER, "--width", "0.05", "--noise", "1", "--simulations", "200",
                           "--format", "json", "--report", "precision")
    assert result.code == 0, result.stderr
    _strict_json(result.stdout)
    assert "simulations had a minimum at every budget" in result.stderr
