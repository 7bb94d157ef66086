"""`scalecalc fit` and `--ci` through the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

import scalecalc
from scalecalc import uncertainty


def _write_runs(path: Path, seed: int = 4, header: str = "params,tokens,loss") -> Path:
    """Runs from a known law with a little noise, as a CSV with the given header."""
    rng = np.random.default_rng(seed)
    law = scalecalc.load_preset("chinchilla").law
    params = np.exp(rng.uniform(np.log(5e7), np.log(5e9), 60))
    tokens = np.exp(rng.uniform(np.log(1e9), np.log(2e11), 60))
    loss = law.loss(params, tokens) * np.exp(rng.normal(0, 0.003, 60))
    rows = zip(params.tolist(), tokens.tolist(), loss.tolist(), strict=True)
    lines = [header] + [f"{n!r},{d!r},{value!r}" for n, d, value in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fit_then_plan_with_the_saved_preset(run_inprocess, tmp_path: Path) -> None:
    runs_file = _write_runs(tmp_path / "runs.csv")
    before = runs_file.read_text()
    saved = tmp_path / "mine.toml"
    result = run_inprocess("fit", str(runs_file), "--bootstrap", "50", "--seed", "3", "--save", str(saved),
                           "--format", "json")
    assert result.code == 0, result.stderr
    assert runs_file.read_text() == before  # the input is never modified
    report = {row["name"]: row for row in json.loads(result.stdout)}
    assert report["alpha"]["value"] == pytest.approx(0.34, rel=0.1)
    assert report["alpha"]["ci_low"] < report["alpha"]["value"] < report["alpha"]["ci_high"]
    assert report["runs"]["value"] == 60 and report["bootstrap_resamples"]["value"] == 50

    preset = scalecalc.load_preset(str(saved))
    assert preset.law.alpha == pytest.approx(report["alpha"]["value"], rel=1e-12)
    assert preset.draws is not None and preset.draws.shape == (50, 5)
    assert preset.fitted_range["params"][0] == pytest.approx(min(
        float(line.split(",")[0]) for line in before.splitlines()[1:]))
    plan = run_inprocess("optimal", "--flops", "1e21", "--preset", str(saved), "--format", "json")
    (row,) = json.loads(plan.stdout)
    assert row["preset"] == "mine"
    assert row["params"] == pytest.approx(scalecalc.optimal(flops=1e21, preset=preset).params)
    for command in (("optimal", "--flops", "1e21"), ("table", "--flops", "1e20:1e22")):
        ranged = run_inprocess(*command, "--preset", str(saved), "--ci", "90", "--format", "csv")
        assert ranged.code == 0, ranged.stderr
        for line in csv.DictReader(io.StringIO(ranged.stdout)):
            assert float(line["params_low"]) <= float(line["params"]) <= float(line["params_high"])
            assert float(line["loss_low"]) <= float(line["loss"]) <= float(line["loss_high"])


def test_save_refuses_to_overwrite_without_force(run_inprocess, tmp_path: Path) -> None:
    runs_file = _write_runs(tmp_path / "runs.csv")
    saved = tmp_path / "mine.toml"
    saved.write_text("keep me")
    refused = run_inprocess("fit", str(runs_file), "--save", str(saved))
    assert refused.code == 2 and refused.stdout == "" and "--force" in refused.stderr
    assert saved.read_text() == "keep me"
    forced = run_inprocess("fit", str(runs_file), "--save", str(saved), "--force", "--format", "csv")
    assert forced.code == 0 and scalecalc.load_preset(str(saved)).law is not None


def test_fit_reads_stdin_and_maps_columns(run_installed, tmp_path: Path) -> None:
    runs_file = _write_runs(tmp_path / "runs.csv", header="n_params,n_tokens,val_loss")
    result = run_installed("fit", "-", "--columns", "params=n_params,tokens=n_tokens,loss=val_loss",
                           "--format", "csv", stdin=runs_file.read_text())
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("name,value,ci_low,ci_high,meaning\nE,")


def test_flops_column_gives_tokens(run_inprocess, tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    source = _write_runs(tmp_path / "plain.csv").read_text().splitlines()[1:]
    rows = [line.split(",") for line in source]
    path.write_text("Model Size,Training FLOP,loss\n" + "\n".join(
        f"{n},{6 * float(n) * float(d)!r},{value}" for n, d, value in rows) + "\n")
    by_flops = run_inprocess("fit", str(path), "--format", "json")
    by_tokens = run_inprocess("fit", str(tmp_path / "plain.csv"), "--format", "json")
    assert json.loads(by_flops.stdout)[0]["value"] == pytest.approx(json.loads(by_tokens.stdout)[0]["value"],
                                                                    rel=1e-6)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("params,tokens,loss\n1e8,2e9,3.1\n2e8,x,2.9\n", "line 3: tokens 'x' is not a number"),
        ("params,tokens,loss\n1e8,2e9,3.1\n-2e8,2e9,2.9\n", "line 3: params '-2e8' is not a positive"),
        ("params,tokens,loss\n1e8,2e9,3.1\n2e8,,2.9\n", "line 3: tokens is missing"),
        ("params,tokens,loss\n1e8,2e9,nan\n", "line 2: loss 'nan' is not a positive finite number"),
        ("params,tokens,loss\n1e8,2e9\n", "line 2: loss is missing"),
        ("size,tokens,loss\n1e8,2e9,3.1\n", "no column for params"),
        ("params,loss\n1e8,3.1\n", "no column for tokens or flops"),
        ("", "the file is empty"),
        ("params,tokens,loss\n1e8,2e9,3.1\n2e8,2e9,3.0\n", "needs at least 6 runs"),
    ],
)
def test_malformed_runs_files(run_inprocess, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "runs.csv"
    path.write_text(content)
    result = run_inprocess("fit", str(path), "--format", "csv")
    assert result.code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_many_bad_rows_are_counted(run_inprocess, tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    path.write_text("params,tokens,loss\n" + "1e8,oops,3\n" * 9)
    result = run_inprocess("fit", str(path))
    assert "9 bad row(s)" in result.stderr and "line 2:" in result.stderr and "(and 4 more)" in result.stderr


def test_fit_option_errors(run_inprocess, tmp_path: Path) -> None:
    runs_file = _write_runs(tmp_path / "runs.csv")
    cases = [
        (("fit", str(tmp_path / "nope.csv")), "does not exist"),
        (("fit", str(runs_file), "--grid", "huge"), "not a grid"),
        (("fit", str(runs_file), "--delta", "0"), "--delta"),
        (("fit", str(runs_file), "--ci", "150"), "--ci"),
        (("fit", str(runs_file), "--bootstrap", "-3"), "--bootstrap"),
        (("fit", str(runs_file), "--drop-highest-loss", "60"), "would leave none"),
        (("fit", str(runs_file), "--columns", "size=N"), "--columns"),
        (("fit", str(runs_file), "--columns", "params=missing"), "--columns names 'missing'"),
    ]
    for args, message in cases:
        result = run_inprocess(*args)
        assert result.code == 2, args
        assert result.stdout == ""
        assert message in result.stderr, (args, result.stderr)


def test_exclusions_are_reported(run_inprocess, tmp_path: Path) -> None:
    runs_file = _write_runs(tmp_path / "runs.csv")
    result = run_inprocess("fit", str(runs_file), "--drop-highest-loss", "3", "--min-tokens-per-param", "5",
                           "--format", "json")
    report = {row["name"]: row["value"] for row in json.loads(result.stdout)}
    assert "excluded 3 run(s): the 3 highest-loss runs" in result.stderr
    assert report["runs_excluded"] >= 3 and report["runs"] + report["runs_excluded"] == 60


def test_reference_fit_through_the_cli(run_inprocess, reference_csv: Path) -> None:
    result = run_inprocess("fit", str(reference_csv), "--drop-highest-loss", "5", "--format", "json")
    report = {row["name"]: row["value"] for row in json.loads(result.stdout)}
    assert report["E"] == pytest.approx(1.8172, rel=1e-3)
    assert report["objective"] <= 1.01828e-3
    assert "excluded 5 run(s)" in result.stderr


def test_ci_needs_uncertainty(run_inprocess) -> None:
    result = run_inprocess("optimal", "--flops", "1e24", "-p", "chinchilla", "--ci", "95")
    assert result.code == 2 and "carries no uncertainty" in result.stderr and result.stdout == ""
    every = run_inprocess("optimal", "--flops", "1e22", "--preset", "all", "--ci", "95", "-f", "json")
    assert [row["preset"] for row in json.loads(every.stdout)] == ["besiroglu"]
    assert "--ci leaves out" in every.stderr and "kaplan" in every.stderr
    bad = run_inprocess("optimal", "--flops", "1e22", "-p", "besiroglu", "--ci", "100")
    assert bad.code == 2 and "--ci" in bad.stderr
    unreachable = run_inprocess("optimal", "--loss", "1.85", "-p", "besiroglu", "--ci", "95")
    assert unreachable.code == 2 and "at or below E in" in unreachable.stderr


def test_besiroglu_covariance_reproduces_published_uncertainty() -> None:
    """The shipped covariance (our bootstrap of the reference data) against the published SEs and
    95% intervals (REFERENCE §1). B's log-normal cannot follow the bootstrap's long tail: 25%."""
    draws = uncertainty.coefficient_draws(scalecalc.load_preset("besiroglu"))
    published = {"E": 0.02566, "A": 124.52, "B": 1293.28, "alpha": 0.01540, "beta": 0.02060}
    for index, (name, se) in enumerate(published.items()):
        assert draws[:, index].std(ddof=1) == pytest.approx(se, rel=0.25 if name == "B" else 0.1), name
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    assert low[0] == pytest.approx(1.769, abs=0.01) and high[0] == pytest.approx(1.871, abs=0.01)
    assert low[3] == pytest.approx(0.317, abs=0.005) and high[3] == pytest.approx(0.373, abs=0.006)
    interval = scalecalc.optimal(flops=5.76e23, preset="besiroglu")
    ranged = uncertainty.optimal_interval(scalecalc.load_preset("besiroglu"), 95, flops=5.76e23)
    assert ranged.params == pytest.approx(interval.params, rel=1e-12)
    assert ranged.params_low < ranged.params < ranged.params_high
    assert ranged.tokens_per_param_low < 18 < ranged.tokens_per_param_high
