"""The command line, in-process and through the installed console script: output and errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import scalecalc
from scalecalc.presets import DEFAULT_PRESET
from scalecalc.records import Allocation, RunReport, field_names

COMMANDS = [
    ("optimal", "--flops", "1e24"),
    ("optimal", "--params", "70B"),
    ("optimal", "--tokens", "1.4T"),
    ("optimal", "--loss", "2.0"),
    ("loss", "--params", "70B", "--tokens", "1.4T"),
    ("tokens", "--params", "7B"),
    ("tokens", "--params", "7B", "--flops", "1e23"),
    ("table",),
    ("table", "--flops", "1e18:1e26", "--per-decade", "2"),
    ("table", "--params", "1B,10B"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_every_command_and_format_through_the_console_script(run_installed, command, fmt) -> None:
    result = run_installed(*command, "--format", fmt)
    assert result.code == 0, result.stderr
    assert result.stdout.strip()
    if fmt == "json":
        rows = json.loads(result.stdout)
        assert rows and all(row["preset"] == DEFAULT_PRESET for row in rows)
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert rows and all(float(row["flops"]) > 0 for row in rows)
    else:
        assert DEFAULT_PRESET in result.stdout
    assert "Traceback" not in result.stderr


def test_csv_and_json_carry_the_same_fields_and_values(run_inprocess) -> None:
    as_csv = run_inprocess("optimal", "--flops", "1e24", "--preset", "all", "--format", "csv")
    as_json = run_inprocess("optimal", "--flops", "1e24", "--preset", "all", "--format", "json")
    csv_rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    json_rows = json.loads(as_json.stdout)
    assert list(csv_rows[0]) == list(json_rows[0]) == field_names(Allocation)
    # 'all' is every built-in language preset that plans (issue 10), but a law that is only a shape
    language = [scalecalc.load_preset(name) for name in scalecalc.builtin_names()]
    planning = [item.name for item in language if item.domain == "language" and "optimal" in item.answers
                and getattr(item.law, "compared_in_all", True)]
    assert [row["preset"] for row in json_rows] == planning
    for text_row, json_row in zip(csv_rows, json_rows, strict=True):
        for key, value in json_row.items():
            if value is None:
                assert text_row[key] == ""
            elif isinstance(value, float):
                assert float(text_row[key]) == value  # full precision, nothing rounded
    by_name = {row["preset"]: row for row in json_rows}
    assert by_name["chinchilla-approach1"]["loss"] is None


def test_cli_agrees_with_the_python_api(run_inprocess) -> None:
    result = run_inprocess("loss", "--params", "70B", "--tokens", "1.4T", "--format", "json")
    (row,) = json.loads(result.stdout)
    report = scalecalc.loss(70e9, 1.4e12)
    assert list(row) == field_names(RunReport)
    for key, value in row.items():
        assert value == getattr(report, key)


def test_presets_can_be_repeated(run_inprocess) -> None:
    result = run_inprocess("table", "-p", "chinchilla", "-p", "besiroglu", "-p", "chinchilla",
                           "--format", "json")
    rows = json.loads(result.stdout)
    assert [row["preset"] for row in rows] == ["chinchilla"] * 9 + ["besiroglu"] * 9


def test_all_with_loss_questions_uses_the_presets_that_have_a_law(run_inprocess) -> None:
    result = run_inprocess("loss", "--params", "1B", "--tokens", "20B", "-p", "all", "-f", "json")
    assert result.code == 0
    names = [row["preset"] for row in json.loads(result.stdout)]
    assert names == ["besiroglu", "chinchilla-exact", "chinchilla", "kaplan", "muennighoff"]


def test_extrapolation_warns_on_stderr_and_keeps_stdout_clean(run_inprocess) -> None:
    result = run_inprocess("optimal", "--flops", "1e26", "--format", "csv")
    assert result.code == 0
    assert result.stderr.count("\n") == 1
    assert "warning: besiroglu was fitted on" in result.stderr
    assert "extrapolation" in result.stderr
    assert result.stdout.splitlines()[0].startswith("preset,params")
    inside = run_inprocess("optimal", "--flops", "1e21", "--format", "csv")
    assert inside.stderr == ""


def test_tokens_with_a_budget(run_inprocess) -> None:
    result = run_inprocess("tokens", "--params", "7B", "--flops", "1e23", "-f", "json")
    (row,) = json.loads(result.stdout)
    assert row["tokens"] == pytest.approx(1e23 / (6 * 7e9), rel=1e-12)
    optimum = scalecalc.optimal(params=7e9)
    assert row["tokens_multiple"] == pytest.approx(row["tokens"] / optimum.tokens, rel=1e-9)
    assert row["loss_gap"] > 0
    rule = run_inprocess("tokens", "--params", "7B", "--flops", "1e23", "-p", "chinchilla-approach1",
                         "-f", "json")
    (row,) = json.loads(rule.stdout)
    assert row["loss"] is None and row["tokens_multiple"] > 0


def test_presets_list_and_show(run_inprocess, tmp_path: Path) -> None:
    listing = run_inprocess("presets", "--format", "json")
    names = [row["name"] for row in json.loads(listing.stdout)]
    assert names == scalecalc.builtin_names()
    shown = run_inprocess("presets", "show", "besiroglu")
    assert "2404.10102" in shown.stdout and "[law]" in shown.stdout
    # What `show` prints is a preset file: saved and edited, it works as --preset PATH.
    copy = tmp_path / "copy.toml"
    copy.write_text(shown.stdout.replace("E = 1.8172", "E = 1.5"))
    result = run_inprocess("loss", "--params", "1B", "--tokens", "20B", "-p", str(copy), "-f", "json")
    assert json.loads(result.stdout)[0]["loss_irreducible"] == 1.5
    as_json = run_inprocess("presets", "show", "kaplan", "--format", "json")
    assert json.loads(as_json.stdout)["law"]["alpha_N"] == 0.076
    as_csv = run_inprocess("presets", "show", "kaplan", "--format", "csv")
    assert "law.alpha_D,0.103" in as_csv.stdout


BAD_INPUT = [
    (("optimal", "--flops", "0"), "--flops: 0 is not positive"),
    (("optimal", "--flops", "-1e24"), "not positive"),
    (("optimal", "--flops", "nan"), "'nan' is not a number"),
    (("optimal", "--flops", "inf"), "'inf' is not a number"),
    (("optimal", "--flops", "1e999"), "infinite"),
    (("optimal", "--flops", "lots"), "'lots' is not a number"),
    (("optimal", "--params", "70Q"), "'70Q' is not a number"),
    (("optimal", "--flops", "1e24", "--params", "7B"), "exactly one of"),
    (("optimal",), "exactly one of"),
    (("optimal", "--loss", "1.8172"), "at or below besiroglu's irreducible loss E = 1.8172"),
    (("optimal", "--loss", "1.0", "-p", "besiroglu"), "irreducible loss E = 1.8172"),
    (("optimal", "--loss", "2.0", "-p", "chinchilla-approach1"), "no loss law"),
    (("loss", "--params", "7B", "--tokens", "1T", "-p", "chinchilla-approach2"), "no loss law"),
    (("loss", "--params", "7B"), "has no one-variable law L(N)"),
    (("optimal", "--flops", "1e24", "-p", "chinchila"), "unknown preset 'chinchila'"),
    (("optimal", "--flops", "1e24", "-p", "missing.toml"), "preset file missing.toml does not exist"),
    (("optimal", "--flops", "1e24", "--format", "xml"), "--format"),
    (("optimal", "--flopz", "1e24"), "no such option: --flopz"),
    (("table", "--params", "1B", "--flops", "1e20"), "not both"),
    (("table", "--flops", "1e26:1e18"), "runs backwards"),
    (("table", "--flops", "1e18:1e20", "--per-decade", "0"), "per-decade"),
    (("optimal", "--params", "1e200"), "outside what preset besiroglu answers"),
    (("presets", "show", "nope"), "unknown preset 'nope'"),
]


def _ids(value: object) -> str:
    return " ".join(value) if isinstance(value, tuple) else ""


@pytest.mark.parametrize(("args", "message"), BAD_INPUT, ids=_ids)
def test_bad_input_in_process(run_inprocess, args, message) -> None:
    # Machine formats too: an error must not leave half a CSV behind.
    extra = () if args[0] == "presets" or "--format" in args else ("--format", "csv")
    result = run_inprocess(*args, *extra)
    assert result.code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert result.stderr.startswith("scalecalc: error: ")
    assert result.stderr.count("\n") == 1  # one line
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "message"), BAD_INPUT[::3], ids=_ids)
def test_bad_input_through_the_console_script(run_installed, args, message) -> None:
    result = run_installed(*args)
    assert result.code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_preset_file_through_the_cli(run_inprocess, tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('summary = "x"\n[source]\ncitation = "c"\nlocation = "l"\n'
                    '[law]\nform = "chinchilla"\nE = 1\nA = 1\nB = 1\nalpha = 0.3\n')
    original = path.read_text()
    result = run_inprocess("optimal", "--flops", "1e24", "-p", str(path))
    assert result.code == 2 and result.stdout == ""
    assert f"preset file {path}" in result.stderr and "law.beta is missing" in result.stderr
    assert path.read_text() == original  # an input file is never modified


def test_help_has_examples(run_inprocess) -> None:
    result = run_inprocess("optimal", "--help")
    assert result.code == 0
    assert "scalecalc optimal --flops 1e24" in result.stdout
    bare = run_inprocess()
    assert bare.code == 2 and "optimal" in bare.stderr and bare.stdout == ""


def test_python_dash_m(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "scalecalc", "optimal", "--flops", "1e24", "-f", "csv"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0
    assert done.stdout.startswith("preset,params,tokens,flops")


def test_presets_found_from_any_directory(run_installed, tmp_path: Path) -> None:
    result = run_installed("presets", "--format", "csv", cwd=tmp_path)
    assert result.code == 0 and "chinchilla-approach1" in result.stdout


def test_every_command_is_mapped_to_its_module() -> None:
    """Running a command imports only its module (start-up time), so the map must know them all."""
    import typer

    from scalecalc.cli import COMMAND_MODULES, full_app

    group = typer.main.get_command(full_app())
    assert set(group.commands) == set(COMMAND_MODULES)
    for name, module in COMMAND_MODULES.items():
        callback = group.commands[name].callback
        owner = getattr(callback, "__module__", "") if callback is not None else ""
        if name not in ("presets", "plot"):  # groups: their callbacks live in their modules too
            assert owner == f"scalecalc.cli.{module}", name


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("4", "4")])
def test_the_entry_point_runs_one_blas_thread_unless_told(given: str | None, expected: str) -> None:
    """scalecalc's arithmetic is tiny; an idle OpenBLAS pool only burns CPU (benchmarks/startup.py)."""
    env = {key: value for key, value in os.environ.items() if key != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    code = "import os, scalecalc.__main__; print(os.environ['OPENBLAS_NUM_THREADS'])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == expected
