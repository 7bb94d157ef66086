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


# ---- precision, memory, max_gpus and catalogue models -------------------------------------------------

LLAMA_3_8B = 8_030_261_248  # architecture.md §4
MIXTRAL_ACTIVE = 12_879_925_248  # architecture.md §4: total 46,702,792,704


def _plan(tmp_path: Path, text: str) -> Path:
    plan = tmp_path / "plan.toml"
    plan.write_text(text)
    return plan


def test_fp8_prices_at_the_dense_fp8_peak(run_inprocess) -> None:
    """7B on 2T at 40% MFU on H100s in FP8: 6·7e9·2e12 / (1979e12 · 0.4) / 3600 hours (laws.md §14)."""
    result = run_inprocess("check", "--params", "7B", "--tokens", "2T", "--gpu", "h100", "--precision", "fp8",
                           "--max-gpu-hours", "1e9", "-f", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["planned"] == pytest.approx(6 * 7e9 * 2e12 / (1979e12 * 0.4) / 3600, rel=1e-12)


def test_a_catalogue_model_in_a_plan(run_inprocess, tmp_path: Path) -> None:
    """model = NAME takes the catalogue's parameters: C = 6 · 8,030,261,248 · 15e12 for Llama-3-8B,
    and a mixture of experts' active parameters (Mixtral: 12,879,925,248) for compute and D/N."""
    plan = _plan(tmp_path, '[[run]]\nname = "l"\nmodel = "llama-3-8b"\ntokens = "15T"\n[run.limits]\n'
                 'max_flops = 1e30\n[[run]]\nname = "m"\nmodel = "Mixtral-8x7B"\ntokens = "1T"\n'
                 '[run.limits]\nmax_flops = 1e30\nmax_tokens_per_param = 1e6\n')
    result = run_inprocess("check", str(plan), "-f", "json")
    assert result.code == 0, result.stderr
    planned = {(row["run"], row["check"]): row["planned"] for row in json.loads(result.stdout)}
    assert planned["l", "max_flops"] == pytest.approx(6 * LLAMA_3_8B * 15e12, rel=1e-12)
    assert planned["m", "max_flops"] == pytest.approx(6 * MIXTRAL_ACTIVE * 1e12, rel=1e-12)
    assert planned["m", "max_tokens_per_param"] == pytest.approx(1e12 / MIXTRAL_ACTIVE, rel=1e-12)


def test_inline_catalogue_model(run_inprocess) -> None:
    result = run_inprocess("check", "--model", "llama-3-8b", "--tokens", "15T", "--max-flops", "1e30",
                           "-f", "json")
    (row,) = json.loads(result.stdout)
    assert row["run"] == "llama-3-8b, 15.0T tokens"
    assert row["planned"] == pytest.approx(6 * LLAMA_3_8B * 15e12, rel=1e-12)


@pytest.mark.parametrize(("model", "fewest"), [
    ("llama-3-70b", 15), ("llama-3.1-405b", 82), ("mixtral-8x7b", 10), ("deepseek-v3", 135),
    ("llama-3-8b", 2)])
def test_max_gpus_without_gpus_holds_the_fewest_that_fit(run_inprocess, model: str, fewest: int) -> None:
    """architecture.md §6: fewest 80 GB GPUs at 16 B/param under ZeRO-3 (total parameters, so
    Mixtral and DeepSeek-V3 count every expert)."""
    passing = run_inprocess("check", "--model", model, "--tokens", "1T", "--gpu", "h100",
                            "--max-gpus", str(fewest), "-f", "json")
    assert passing.code == 0, passing.stderr
    assert json.loads(passing.stdout)[0]["planned"] == fewest
    failing = run_inprocess("check", "--model", model, "--tokens", "1T", "--gpu", "h100",
                            "--max-gpus", str(fewest - 1), "-f", "json")
    assert failing.code == 1 and json.loads(failing.stdout)[0]["verdict"] == "FAIL"


def test_max_gpus_with_gpus_holds_the_count(run_inprocess, tmp_path: Path) -> None:
    plan = _plan(tmp_path, 'gpu = "h100"\n[limits]\nmax_gpus = 1024\n'
                 '[[run]]\nname = "a"\nparams = "7B"\ntokens = "1T"\ngpus = 512\n'
                 '[[run]]\nname = "b"\nparams = "7B"\ntokens = "1T"\ngpus = 2048\n')
    result = run_inprocess("check", str(plan), "-f", "json")
    assert result.code == 1
    verdicts = {row["run"]: (row["planned"], row["verdict"]) for row in json.loads(result.stdout)}
    assert verdicts == {"a": (512, "PASS"), "b": (2048, "FAIL")}


def test_a_run_too_big_for_its_accelerators_is_refused(run_inprocess, tmp_path: Path) -> None:
    """Llama-3-8B's 128.484 GB of state (architecture.md §6) on one 80 GB H100 cannot run: exit 2,
    naming the need and the fewest that would do (2); on two it fits (64.24 GB each)."""
    alone = run_inprocess("check", "--model", "llama-3-8b", "--tokens", "15T", "--gpu", "h100", "--gpus", "1",
                          "--max-days", "1e6")
    assert alone.code == 2 and alone.stdout == ""
    assert "needs 128.5 GB per accelerator, more than the 80 GB of one h100; give gpus of at least 2" \
        in alone.stderr
    pair = run_inprocess("check", "--model", "llama-3-8b", "--tokens", "15T", "--gpu", "h100", "--gpus", "2",
                         "--max-days", "1e6")
    assert pair.code == 0, pair.stderr
    plan = _plan(tmp_path, 'gpu = "h100"\n[[run]]\nname = "big"\nmodel = "mixtral-8x7b"\ntokens = "1T"\n'
                 'gpus = 8\n[run.limits]\nmax_days = 100\n')
    result = run_inprocess("check", str(plan))
    assert result.code == 2 and result.stdout == ""
    assert "line 2, run big: the training state of 46.7B parameters" in result.stderr
    assert "give gpus of at least 10" in result.stderr


def test_the_example_plan_is_unchanged_by_the_memory_check(run_inprocess) -> None:
    """examples/plan.toml: 7B and 70B on 1,024 and 4,096 H100s fit easily; no row is added."""
    rows = json.loads(run_inprocess("check", str(EXAMPLE), "-f", "json").stdout)
    assert len(rows) == 8


def test_flops_per_token_counts_check_compute(run_inprocess, tmp_path) -> None:
    """--flops-per-token 8 (full recomputation) plans 8/6 of the compute of C = 6·N·D."""
    def planned(*extra: str) -> float:
        result = run_inprocess("check", "--params", "7B", "--tokens", "2T", "--max-flops", "1e30",
                               *extra, "-f", "json")
        assert result.code == 0, result.stderr
        return json.loads(result.stdout)[0]["planned"]

    assert planned() == pytest.approx(6 * 7e9 * 2e12, rel=1e-12)
    assert planned("--flops-per-token", "8") == pytest.approx(8 * 7e9 * 2e12, rel=1e-12)
    plan = tmp_path / "plan.toml"
    plan.write_text('flops_per_token = 8\n[[run]]\nname = "a"\nparams = "7B"\ntokens = "2T"\n'
                    '[run.limits]\nmax_flops = 1e30\n', encoding="utf-8")
    (row,) = json.loads(run_inprocess("check", str(plan), "-f", "json").stdout)
    assert row["planned"] == pytest.approx(8 * 7e9 * 2e12, rel=1e-12)


def test_check_counts_a_models_whole_compute_under_kaplan(run_inprocess) -> None:
    """Kaplan's law takes Llama-3-8B's 6,979,588,096 non-embedding parameters, but the run still
    computes with all 8,030,261,248 (architecture reference §4): C = 6 · 8.03e9 · 15e12."""
    result = run_inprocess("check", "--model", "llama-3-8b", "-p", "kaplan", "--max-flops", "1e30",
                           "-f", "json")
    (row,) = json.loads(result.stdout)
    assert row["planned"] == pytest.approx(6 * 8_030_261_248 * 15e12, rel=1e-12)


@pytest.mark.parametrize(("value", "gist"), [("true", "must be a number such as 8"),
                                             ('"6N+attn"', "counts FLOPs from a model's shape"),
                                             ("0", "not positive")])
def test_bad_flops_per_token_in_a_plan(run_inprocess, tmp_path, value: str, gist: str) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(f'[[run]]\nname = "a"\nparams = "7B"\ntokens = "2T"\nflops_per_token = {value}\n'
                    '[run.limits]\nmax_flops = 1e30\n', encoding="utf-8")
    result = run_inprocess("check", str(plan))
    assert result.code == 2 and result.stdout == "" and gist in result.stderr
    assert "key flops_per_token" in result.stderr
