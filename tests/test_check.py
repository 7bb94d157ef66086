"""`scalecalc check`: exit codes for pass, fail and bad input; plan files and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT

EXAMPLE = ROOT / "examples" / "plan.toml"


def test_passing_checks_exit_0(run_installed) -> None:
    result = run_installed("check", "--params", "7B", "--tokens", "2T", "--max-flops", "1e23",
                           "--min-tokens-per-param", "20", "--max-loss", "2.1", "--format", "json")
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["verdict"] for row in rows] == ["PASS"] * 3
    assert rows[0]["planned"] == pytest.approx(6 * 7e9 * 2e12)


def test_a_failing_check_exits_1_and_reports_every_check(run_installed) -> None:
    result = run_installed("check", "--params", "7B", "--tokens", "2T", "--gpu", "h100", "--gpus", "64",
                           "--price", "2.5", "--max-days", "3", "--max-dollars", "1e9", "--format", "json")
    assert result.code == 1
    verdicts = {row["check"]: row["verdict"] for row in json.loads(result.stdout)}
    assert verdicts == {"max_days": "FAIL", "max_dollars": "PASS"}
    assert "2 checks: 1 passed, 1 failed." in result.stderr


def test_planned_values_by_hand(run_inprocess) -> None:
    result = run_inprocess("check", "--params", "70B", "--tokens", "1.4T", "--gpu", "a100", "--gpus", "1000",
                           "--mfu", "0.5", "--price", "2", "--max-gpu-hours", "1e9", "--max-days", "1e3",
                           "--max-dollars", "1e12", "--max-tokens-per-param", "25", "-f", "json")
    planned = {row["check"]: row["planned"] for row in json.loads(result.stdout)}
    hours = 6 * 70e9 * 1.4e12 / (312e12 * 0.5) / 3600
    assert planned["max_gpu_hours"] == pytest.approx(hours, rel=1e-12)
    assert planned["max_days"] == pytest.approx(hours / 1000 / 24, rel=1e-12)
    assert planned["max_dollars"] == pytest.approx(2 * hours, rel=1e-12)
    assert planned["max_tokens_per_param"] == pytest.approx(20)


def test_example_plan_file(run_installed) -> None:
    result = run_installed("check", str(EXAMPLE), "--format", "json")
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {row["run"] for row in rows} == {"7b-main", "70b-stretch"}
    assert all(row["verdict"] == "PASS" for row in rows)


def test_plan_file_failure_exits_1(run_inprocess, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(EXAMPLE.read_text().replace("max_dollars = 1.5e6", "max_dollars = 1e5"))
    result = run_inprocess("check", str(plan), "-f", "json")
    assert result.code == 1
    failed = [row for row in json.loads(result.stdout) if row["verdict"] == "FAIL"]
    assert [(row["run"], row["check"]) for row in failed] == [("7b-main", "max_dollars")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[run]]\nname = "a"\nparams = "7B"\ntokens = "lots"\n[run.limits]\nmax_days = 3\n',
         "line 4, run a: key tokens has a bad value"),
        ('[[run]]\nname = "a"\nparams = "7B"\ntokens = "1T"\n[run.limits]\nmax_dayz = 3\n',
         "line 6, run a: key max_dayz is not a limit"),
        ('[[run]]\nname = "a"\nparams = "7B"\n[run.limits]\nmax_flops = 3\n',
         "line 1, run a: key tokens is missing"),
        ('[[run]]\nname = "a"\nparams = "7B"\ntokens = "1T"\ncolour = "red"\n', "line 5, run a: key colour"),
        ('[[run]]\nname = "a"\nparams = "7B"\ntokens = "1T"\ngpu = "h900"\n[run.limits]\nmax_days = 1\n',
         "line 5, run a: key gpu is not usable"),
        ('[[run]]\nname = "a"\nparams = true\ntokens = "1T"\n',
         "line 3, run a: key params must be a number, not true"),
        ('[[run]\n', "not valid TOML"),
        ('preset = "chinchilla"\n', "no runs"),
        ('[[run]]\nname = "a"\nparams = "7B"\ntokens = "1T"\n', "no limits to check"),
        ('[[run]]\nname = "a"\nparams = "7B"\ntokens = "1T"\n[run.limits]\nmax_days = 3\n',
         "max_days needs an accelerator"),
    ],
)
def test_malformed_plan_files_name_file_line_and_key(run_inprocess, tmp_path: Path, text: str,
                                                     message: str) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(text)
    result = run_inprocess("check", str(plan), "--format", "json")
    assert result.code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert plan.read_text() == text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "--params", "7B", "--tokens", "2T"), "no limits to check"),
        (("check", "--params", "7B", "--max-flops", "1e23"), "--params and --tokens"),
        (("check", "--params", "7B", "--tokens", "2T", "--max-loss", "2", "-p", "chinchilla-approach1"),
         "max_loss needs a preset with a loss law"),
        (("check", "--params", "7B", "--tokens", "2T", "--max-flops", "x"), "--max-flops"),
        (("check", str(EXAMPLE), "--params", "7B"), "not both"),
    ],
)
def test_check_bad_input_exits_2(run_inprocess, args, message) -> None:
    result = run_inprocess(*args)
    assert result.code == 2 and result.stdout == "" and message in result.stderr
