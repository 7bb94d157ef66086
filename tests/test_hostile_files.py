"""Hostile input files and options for `check`, `hardware`, `presets show` and --preset/--accelerators.

Every bad input ends with exit 2 (never 1, which CI reads as a failed budget), one sentence on
stderr naming the file, run and key at fault, nothing on stdout and no traceback; input files are
left as they were.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import typer
from conftest import ROOT
from hostile import refused
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalecalc import check, hardware, presets, tomlfile
from scalecalc.check import LIMITS
from scalecalc.cli import full_app
from scalecalc.errors import ScalecalcError

RUN = '[[run]]\nname = "a"\nparams = "7B"\ntokens = "1T"\n[run.limits]\nmax_flops = 1e30\n'
PRESET = (ROOT / "presets" / "chinchilla.toml").read_text()
ACCELERATOR = '[x1]\nname = "X1"\npeak_flops = 1e15\nsource = "vendor"\n'
DEEP = "a = " + "[" * 100_000 + "\n"
HUGE_INTEGER = "1" + "0" * 400



def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# Defect 1: a broken plan file raised OverflowError, AttributeError, UnicodeDecodeError or
# RecursionError, and `check` exited 1: a failed budget to CI. Through the installed script, so the
# exit code is the one CI sees.
@pytest.mark.parametrize(
    ("content", "gist"),
    [
        (RUN.replace('params = "7B"', f"params = {HUGE_INTEGER}"),
         "line 3, run a: key params must be a finite number, not an integer of 401 digits"),
        ('gpu = "h100"\ngpus = [1]\n' + RUN,
         "line 2, run a: key gpus has a bad value: a list is not a number"),
        ("run = [1, 2]\n", "line 1: key run must be [[run]] tables"),
        (b'preset = "chinchilla"\nname = "caf\xe9"\n' + RUN.encode(), "is not UTF-8 text"),
        (DEEP, "nested too deeply"),
        ("a = 1" + "0" * 5000 + "\n", "a number has thousands of digits"),
    ],
    ids=["huge-integer", "list-for-count", "run-of-numbers", "latin-1", "deep-nesting", "5000-digits"],
)
def test_broken_plan_files_exit_2_not_1(run_installed, tmp_path: Path, content, gist: str) -> None:
    plan = write(tmp_path / "plan.toml", content)
    before = plan.read_bytes()
    refused(run_installed("check", str(plan), "--format", "json"), f"plan file {plan}", gist)
    assert plan.read_bytes() == before


# Defect 2: the same file problems in --preset FILE, presets show FILE and --accelerators FILE.
BROKEN = {
    "huge-integer": (PRESET.replace("A = 406.4", f"A = {HUGE_INTEGER}"),
                     ACCELERATOR.replace("1e15", HUGE_INTEGER), "an integer of 401 digits"),
    "bool": (PRESET.replace("A = 406.4", "A = true"), ACCELERATOR.replace("1e15", "true"),
             "must be a number, not true"),
    "list": (PRESET.replace("A = 406.4", "A = [1]"), ACCELERATOR.replace("1e15", "[1]"),
             "must be a number, not a list"),
    "latin-1": (PRESET.encode() + b'# caf\xe9\n', ACCELERATOR.encode() + b"# caf\xe9\n", "is not UTF-8 text"),
    "deep": (DEEP, DEEP, "nested too deeply"),
    "nan": (PRESET.replace("A = 406.4", "A = nan"), ACCELERATOR.replace("1e15", "nan"),
            "must be a finite number, not nan"),
    "inf": (PRESET.replace("A = 406.4", "A = inf"), ACCELERATOR.replace("1e15", "inf"),
            "must be a finite number, not inf"),
    "empty": ("", "", ""),
}


@pytest.mark.parametrize("case", BROKEN)
@pytest.mark.parametrize("how", ["--preset", "presets show", "--accelerators"])
def test_broken_preset_and_accelerator_files(run_inprocess, tmp_path: Path, case: str, how: str) -> None:
    preset_text, accelerator_text, gist = BROKEN[case]
    if how == "--accelerators":
        path = write(tmp_path / "mine.toml", accelerator_text)
        result = run_inprocess("hardware", "--accelerators", str(path), "-f", "json")
        kind = "accelerator file"
    else:
        path = write(tmp_path / "mine.toml", preset_text)
        args = ("presets", "show", str(path), "-f", "json") if how == "presets show" else \
            ("optimal", "--flops", "1e24", "--preset", str(path), "-f", "json")
        result = run_inprocess(*args)
        kind = "preset file"
    refused(result, kind, str(path.name), gist)


def test_empty_files_say_what_is_missing(run_inprocess, tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.toml", "")
    refused(run_inprocess("check", str(empty)), "no runs; add one or more [[run]] tables")
    refused(run_inprocess("hardware", "--accelerators", str(empty)), "defines no accelerators")
    refused(run_inprocess("presets", "show", str(empty)), "key source is missing")


@pytest.mark.parametrize("kind", ["plan", "preset", "accelerator"])
def test_absurdly_large_files_are_refused_naming_the_limit(run_inprocess, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "big.toml"
    with path.open("wb") as handle:  # sparse: the size is what counts, not the content
        handle.truncate(tomlfile.MAX_BYTES + 1)
    args = {"plan": ("check", str(path)), "preset": ("presets", "show", str(path)),
            "accelerator": ("hardware", "--accelerators", str(path))}[kind]
    refused(run_inprocess(*args), f"{kind} file", f"above the {tomlfile.MAX_BYTES:,}-byte limit")


@pytest.mark.parametrize("target", ["directory", "fifo", "/dev/zero", "missing"])
@pytest.mark.parametrize("kind", ["plan", "accelerator"])
def test_files_that_are_not_regular_files(run_inprocess, tmp_path: Path, target: str, kind: str) -> None:
    """A FIFO would block a reader forever and /dev/zero never ends: both are refused unread."""
    if target == "directory":
        path, gist = tmp_path, "is a directory"
    elif target == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this system")
        path, gist = tmp_path / "pipe.toml", "is not a regular file"
        os.mkfifo(path)
    elif target == "missing":
        path, gist = tmp_path / "nope.toml", "does not exist"
    else:
        path, gist = Path(target), "is not a regular file"
        if not path.exists():
            pytest.skip("no /dev/zero on this system")
    args = ("check", str(path)) if kind == "plan" else ("hardware", "--accelerators", str(path))
    refused(run_inprocess(*args), f"{kind} file {path}", gist)


# Defect 3: a TOML datetime in [source] url broke presets show --format json; every [source] key is
# typed at load, and nan/inf are refused there, so show's JSON is strict.
@pytest.mark.parametrize(("value", "gist"), [("2024-01-01T00:00:00", "not a date or time"),
                                              ('["a"]', "not a list"), ("1", "not 1"), ('""', "not ''")])
def test_source_keys_are_typed(run_inprocess, tmp_path: Path, value: str, gist: str) -> None:
    path = write(tmp_path / "p.toml", PRESET.replace("[source]\n", f"[source]\nurl = {value}\n"))
    refused(run_inprocess("presets", "show", str(path), "-f", "json"),
            "key source.url must be a non-empty string", gist)


def test_presets_show_json_is_strict_and_csv_plain(run_inprocess, tmp_path: Path) -> None:
    path = write(tmp_path / "p.toml", PRESET.replace("[source]\n", '[source]\nurl = "https://x.org"\n'))
    result = run_inprocess("presets", "show", str(path), "-f", "json")
    assert result.code == 0, result.stderr

    def no_constants(name: str) -> None:
        raise AssertionError(f"{name} in JSON")

    data = json.loads(result.stdout, parse_constant=no_constants)
    assert data["source"]["url"] == "https://x.org" and data["law"]["A"] == pytest.approx(406.4, rel=1e-12)
    for name in ("besiroglu", "kaplan", "muennighoff"):
        shown = run_inprocess("presets", "show", name, "-f", "json")
        json.loads(shown.stdout, parse_constant=no_constants)
    rows = dict(line.split(",", 1) for line in run_inprocess("presets", "show", "chinchilla", "-f", "csv")
                .stdout.splitlines()[1:])
    assert [float(v) for v in rows["fitted_range.params"].split()] == pytest.approx([7e7, 1.6e10], rel=1e-12)


# Defect 4: results that overflow were written as NaN/Infinity.
@pytest.mark.parametrize(
    ("args", "gist"),
    [
        (("--params", "1e200", "--tokens", "1e200", "--max-flops", "1e30"),
         "above the largest float, 1.8e308; give fewer params or tokens"),
        (("--gpu", "h100", "--price", "2e6", "--max-dollars", "1"),
         "--price: 2e6 is above the limit of 1,000,000 dollars per accelerator-hour"),
        (("--gpu", "h100", "--mfu", "1e-306", "--max-gpu-hours", "1"),
         "--mfu: 1e-306 is below 1e-06; utilization is a fraction between 1e-06 and 1"),
        (("--gpu", "h100", "--mfu", "1.5", "--max-gpu-hours", "1"), "--mfu: 1.5 is above 1"),
        (("--gpu", "h100", "--gpus", "1e9", "--max-days", "1"), "above the limit of 100,000,000"),
        (("--params", "0.5", "--max-flops", "1"), "--params: 0.5 is below 1"),
    ],
)
def test_check_refuses_values_whose_results_overflow(run_inprocess, args, gist: str) -> None:
    defaults = {"--params": "7B", "--tokens": "2T"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    argv = [item for key, value in {**defaults, **given}.items() for item in (key, value)]
    refused(run_inprocess("check", *argv, "--format", "json"), gist)


def test_priced_answers_never_overflow() -> None:
    """At the bounds (slowest accelerator, lowest MFU, highest price) a cost is an error, not inf."""
    slowest = hardware.Accelerator("slow", "slow", hardware.MIN_PEAK_FLOPS, "test")
    setup = hardware.Hardware(slowest, count=8, mfu=hardware.MIN_MFU, price=hardware.MAX_PRICE)
    with pytest.raises(hardware.ScalecalcError, match="the cost overflows"):
        setup.costs(1e306)
    hours, _, dollars = setup.costs(1e24)
    assert hours == pytest.approx(1e24 / (1e6 * 1e-6 * 3600), rel=1e-12)
    assert dollars == pytest.approx(hours * 1e6, rel=1e-12)


def test_days_budget_that_overflows(run_inprocess) -> None:
    refused(run_inprocess("optimal", "--gpu", "h100", "--gpus", "1e8", "--days", "1e300", "-f", "json"),
            "--days: the budget buys more FLOPs than a float holds")


# Defect 5: bools are not numbers, and accelerator counts are whole.
@pytest.mark.parametrize(
    ("setting", "gist"),
    [("mfu = true", "line 2, run a: key mfu has a bad value: true is not a number"),
     ("gpus = true", "line 2, run a: key gpus has a bad value: true is not a number"),
     ("gpus = 1000.5", "key gpus has a bad value: 1000.5 is not a whole number of accelerators"),
     ('gpus = "1.5K"', None), ("price = false", "key price has a bad value: false is not a number")],
)
def test_bools_and_fractions_in_plan_settings(run_inprocess, tmp_path: Path, setting: str, gist) -> None:
    plan = write(tmp_path / "plan.toml", f'gpu = "h100"\n{setting}\n' + RUN)
    result = run_inprocess("check", str(plan), "-f", "json")
    if gist is None:  # 1.5K is 1,500, a whole number
        assert result.code == 0, result.stderr
    else:
        refused(result, gist)


def test_whole_accelerators_on_the_command_line(run_inprocess) -> None:
    refused(run_inprocess("check", "--params", "7B", "--tokens", "2T", "--gpu", "h100", "--gpus", "1000.5",
                          "--max-days", "9"), "--gpus: 1000.5 is not a whole number")
    refused(run_inprocess("optimal", "--flops", "1e24", "--gpu", "h100", "--gpus", "2.5"), "whole number")


# Defect 6: --accelerators with a plan file was silently dropped; it is a catalogue for the plan.
def test_check_plan_honours_accelerators(run_inprocess, tmp_path: Path) -> None:
    catalogue = write(tmp_path / "mine.toml", ACCELERATOR)
    plan = write(tmp_path / "plan.toml", RUN.replace("[run.limits]", 'gpu = "x1"\n[run.limits]\n'
                                                     "max_gpu_hours = 1e30"))
    refused(run_inprocess("check", str(plan)), "key gpu is not usable: unknown accelerator 'x1'")
    result = run_inprocess("check", str(plan), "--accelerators", str(catalogue), "-f", "json")
    assert result.code == 0, result.stderr
    hours = {row["check"]: row["planned"] for row in json.loads(result.stdout)}["max_gpu_hours"]
    assert hours == pytest.approx(6 * 7e9 * 1e12 / (1e15 * 0.4) / 3600, rel=1e-12)
    # The plan's own catalogue is read after the command line's, so its entries win.
    write(tmp_path / "plan_own.toml", ACCELERATOR.replace("1e15", "2e15"))
    plan.write_text('accelerators = "plan_own.toml"\n' + plan.read_text())
    result = run_inprocess("check", str(plan), "--accelerators", str(catalogue), "-f", "json")
    hours = {row["check"]: row["planned"] for row in json.loads(result.stdout)}["max_gpu_hours"]
    assert hours == pytest.approx(6 * 7e9 * 1e12 / (2e15 * 0.4) / 3600, rel=1e-12)
    refused(run_inprocess("check", str(plan), "--accelerators", str(tmp_path / "gone.toml")),
            f"accelerator file {tmp_path / 'gone.toml'} does not exist")


# Defect 7: paths in a plan resolve against the plan's folder, not the working directory.
def test_plan_paths_are_relative_to_the_plan(run_installed, tmp_path: Path) -> None:
    folder = tmp_path / "plans"
    (folder / "laws").mkdir(parents=True)
    write(folder / "laws" / "mine.toml", PRESET.replace("E = 1.69", "E = 2.5"))
    write(folder / "acc.toml", ACCELERATOR)
    plan = write(folder / "plan.toml", 'preset = "laws/mine.toml"\naccelerators = "acc.toml"\ngpu = "x1"\n'
                 + RUN + "max_loss = 10\n" + RUN.replace('"a"', '"b"').replace("[[run]]", '[[run]]\n'
                                                                                   'preset = "chinchilla"'))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_installed("check", str(plan), "-f", "json", cwd=elsewhere)
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    loss = next(row["planned"] for row in rows if row["check"] == "max_loss")
    assert loss == pytest.approx(2.5 + 406.4 / 7e9**0.34 + 410.7 / 1e12**0.28, rel=1e-9)  # Hoffmann Eq. 10
    assert {row["run"] for row in rows} == {"a", "b"}  # run b's built-in name stays a name


# Defect 8: errors blamed the wrong key ("key gpu is not usable: preset file ... does not exist").
@pytest.mark.parametrize(
    ("text", "gist"),
    [
        ('gpu = "h100"\npreset = "nope/law.toml"\n' + RUN,
         "line 2, run a: key preset is not usable: preset file {dir}/nope/law.toml does not exist"),
        ('gpu = "h100"\naccelerators = "gone.toml"\n' + RUN,
         "line 2, run a: key accelerators is not usable: accelerator file {dir}/gone.toml does not exist"),
        (RUN.replace("[run.limits]", 'gpu = "h900"\n[run.limits]'), "line 5, run a: key gpu is not usable"),
        ('gpus = 8\n' + RUN, "line 1, run a: key gpus describes an accelerator: add gpu = NAME"),
        ('gpu = "h100"\n' + RUN + RUN.replace('"a"', '"b"').replace("[[run]]", "[[run]]\nmfu = 2"),
         "line 9, run b: key mfu has a bad value: 2 is above 1"),
        ("[limits]\nmax_days = -3\n" + RUN, "line 2: key max_days must be a number above zero, not -3"),
        (f'preset = "{"a" * 5000}"\n' + RUN, "line 1, run a: key preset is not usable as a file name"),
    ],
)
def test_plan_errors_name_the_file_run_and_key_at_fault(run_inprocess, tmp_path: Path, text: str,
                                                        gist: str) -> None:
    plan = write(tmp_path / "plan.toml", text)
    refused(run_inprocess("check", str(plan)), f"plan file {plan}", gist.format(dir=tmp_path))


# Defect 9: the inline run's name, the summary on stderr, help and metavars.
def test_inline_run_is_named_by_its_size_and_summary_goes_to_stderr(run_inprocess) -> None:
    result = run_inprocess("check", "--params", "7B", "--tokens", "2T", "--max-flops", "1e23", "-f", "json")
    assert result.code == 0
    (row,) = json.loads(result.stdout)
    assert row["run"] == "7.00B params, 2.00T tokens"
    assert result.stderr == "1 check: 1 passed, 0 failed.\n"
    table = run_inprocess("check", "--params", "7B", "--tokens", "2T", "--max-flops", "1e23")
    assert "run run" not in table.stdout and "7.00B params, 2.00T tokens" in table.stdout


@pytest.mark.parametrize("name", ["check", "hardware"])
def test_every_option_has_help_and_a_metavar(name: str) -> None:
    group = typer.main.get_command(full_app())
    command = group.get_command(None, name)  # type: ignore[attr-defined]
    expected = {"max_flops": "FLOPS", "params": "SIZE", "tokens": "SIZE", "gpus": "INTEGER", "gpu": "NAME",
                "accelerators": "FILE", "preset": "NAME", "mfu": "NUMBER", "price": "NUMBER",
                "max_days": "NUMBER", "max_loss": "NUMBER", "min_tokens_per_param": "NUMBER"}
    for param in command.params:
        if param.param_type_name != "option" or param.name in ("format", "help"):
            continue
        assert param.help, param.name
        assert param.metavar == expected.get(param.name, param.metavar), param.name
        assert param.metavar and param.metavar.isupper(), param.name


# Defect 10: more hostile plans and catalogues.
@pytest.mark.parametrize(
    ("text", "gist"),
    [
        (RUN + RUN, "line 8: key name repeats the name 'a'; give each run its own name"),
        ("colour = 1\n" + RUN, "line 1: key colour is not recognised"),
        ('run = "x"\n', "key run must be [[run]] tables with name, params and tokens, not 'x'"),
        ("[run]\nname = 'a'\n", "key run must be [[run]] tables"),
        ("limits = 5\n" + RUN, "key limits must be a table of limits"),
        (RUN.replace('name = "a"', "name = 5"), "line 2: key name must be a non-empty string, not 5"),
        (RUN.replace('"7B"', '"seven"'), "key params has a bad value: 'seven' is not a number"),
        (RUN.replace('"7B"', "0"), "key params must be a number above zero"),
        (RUN.replace('"7B"', "0.5"), "key params must be at least 1"),
        (RUN.replace("1e30", '"1e999"'), "key max_flops has a bad value: '1e999' is too large to represent"),
        (RUN.replace("1e30", "2024-01-01"), "key max_flops must be a number, not a date or time"),
        (RUN.replace("max_flops = 1e30", "min_tokens_per_param = 30\nmax_tokens_per_param = 20"),
         "run a: min_tokens_per_param 30 is above max_tokens_per_param 20"),
        (RUN.replace("[run.limits]\nmax_flops = 1e30\n", ""),
         "run a: no limits to check; add a [run.limits]"),
        (RUN.replace('"7B"', "1e308").replace('"1T"', "1e308"), "above the largest float"),
        ("[[run]]\nname = 'a'\nparams = 1e9\ntokens = 1e9\n[run.limits]\nmax_days = 3\n",
         "run a: max_days needs an accelerator"),
    ],
)
def test_hostile_plans(run_inprocess, tmp_path: Path, text: str, gist: str) -> None:
    plan = write(tmp_path / "plan.toml", text)
    refused(run_inprocess("check", str(plan), "-f", "csv"), gist)


def test_too_many_runs(run_inprocess, tmp_path: Path) -> None:
    runs = "".join(f'[[run]]\nname = "r{i}"\nparams = 1e9\ntokens = 1e9\n' for i in range(check.MAX_RUNS + 1))
    plan = write(tmp_path / "plan.toml", runs)
    refused(run_inprocess("check", str(plan)), f"above the limit of {check.MAX_RUNS:,}")


@pytest.mark.parametrize(
    ("text", "gist"),
    [
        ('["a b"]\npeak_flops = 1e15\n', "[a b] is not a usable name for --gpu"),
        ("[X1]\npeak_flops = 1e15\n[x1]\npeak_flops = 1e15\n", "[x1] appears twice"),
        ("x1 = 5\n", "[x1] must be a table with name, peak_flops and source, not 5"),
        ("[x1]\npeak_flops = 1e15\nname = true\n", "[x1]: key name must be a non-empty string"),
        ("[x1]\npeak_flops = 1\n", "key peak_flops must be at least 1e+06 FLOP/s"),
        ("[x1]\npeak_flops = 1e30\n", "key peak_flops must be at most 1e+21"),
        ("[x1]\nname = 'X'\n", "[x1]: key peak_flops is missing"),
        ("[x1]\npeak_flops = 1e15\nspeed = 3\n", "key speed is not recognised"),
    ],
)
def test_hostile_catalogues(run_inprocess, tmp_path: Path, text: str, gist: str) -> None:
    path = write(tmp_path / "acc.toml", text)
    refused(run_inprocess("hardware", "--accelerators", str(path), "-f", "json"), "accelerator file", gist)


def test_utf8_with_byte_order_mark_is_read(run_inprocess, tmp_path: Path) -> None:
    """Editors on Windows write a BOM; it is UTF-8 all the same."""
    plan = write(tmp_path / "plan.toml", "\ufeff" + RUN)
    result = run_inprocess("check", str(plan), "-f", "json")
    assert result.code == 0, result.stderr


def test_names_from_files_are_text_not_markup(run_inprocess, tmp_path: Path) -> None:
    """Rich read "[/x]" in a name as a closing tag and raised MarkupError (a traceback)."""
    catalogue = write(tmp_path / "acc.toml", '[x1]\nname = "[/x] mine"\npeak_flops = 1e15\nsource = "[b]s"\n')
    listing = run_inprocess("hardware", "--accelerators", str(catalogue))
    assert listing.code == 0 and "[/x] mine" in listing.stdout  # the table leaves sources to CSV and JSON
    plan = write(tmp_path / "plan.toml", RUN.replace('"a"', '"[/x]"'))
    result = run_inprocess("check", str(plan))
    assert result.code == 0 and "[/x]" in result.stdout, result.stderr


@pytest.mark.parametrize("kind", ["plan", "accelerator", "preset"])
def test_control_characters_in_names_are_refused(run_inprocess, tmp_path: Path, kind: str) -> None:
    """An escape character in a name would reach the terminal through CSV."""
    path = tmp_path / "f.toml"
    if kind == "plan":
        write(path, RUN.replace('"a"', '"a\\u001b[31m"'))
        args = ("check", str(path), "-f", "csv")
    elif kind == "accelerator":
        write(path, ACCELERATOR.replace('"X1"', '"X\\u0007"'))
        args = ("hardware", "--accelerators", str(path), "-f", "csv")
    else:
        write(path, PRESET.replace('name = "chinchilla"', 'name = "c\\u001b"'))
        args = ("presets", "show", str(path), "-f", "csv")
    refused(run_inprocess(*args), "key name holds a control character")


def test_an_unexpected_error_in_check_exits_2_not_1(run_inprocess, monkeypatch) -> None:
    """Exit 1 means a failed budget to CI; even a bug must not look like one."""
    def broken(run):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(check, "evaluate", broken)
    refused(run_inprocess("check", "--params", "7B", "--tokens", "2T", "--max-flops", "1e23"),
            "unexpected error (ZeroDivisionError: float division by zero)", "this is a bug in scalecalc")


# Any value of any TOML type under any key: a file either reads or is a ScalecalcError, never
# another exception (the defects above were each one such exception).
_SCALARS = (st.booleans() | st.integers(min_value=-(10**400), max_value=10**400)
            | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
            | st.sampled_from(["7B", "1e24", "h100", "chinchilla", "0.4", "-1", "1e999", ""])
            | st.datetimes() | st.dates())
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.sampled_from(["a", "peak_flops", "max_days"]), inner, max_size=2),
                       max_leaves=6)


def _tables(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from([*keys, "stray"]), _VALUES, max_size=len(keys))


def _must_read_or_refuse(action) -> None:
    with contextlib.suppress(ScalecalcError):  # any other exception fails the test
        action()


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(top=_tables(["preset", "gpu", "gpus", "mfu", "price", "accelerators"]),
       runs=st.lists(_tables(["name", "params", "tokens", "gpu", "gpus", "mfu", "price", "preset"]),
                     max_size=3),
       limits=_tables(list(LIMITS)))
def test_any_plan_reads_or_is_refused(tmp_path: Path, top, runs, limits) -> None:
    for run in runs:
        run["limits"] = limits
    path = tmp_path / "plan.toml"
    path.write_text(tomli_w.dumps({**top, "run": runs}))
    _must_read_or_refuse(lambda: [check.evaluate(run) for run in check.read_plan(path)])


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.dictionaries(st.sampled_from(["x1", "h100", "A B"]),
                               _tables(["name", "peak_flops", "source"]) | _VALUES, max_size=2))
def test_any_catalogue_reads_or_is_refused(tmp_path: Path, entries) -> None:
    path = tmp_path / "acc.toml"
    path.write_text(tomli_w.dumps(entries))
    _must_read_or_refuse(lambda: hardware.read_catalogue(path))


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=_tables(["citation", "location", "arxiv", "url"]),
       law=_tables(["form", "E", "A", "B", "alpha", "beta"]), extra=_tables(["notes", "fitted_range"]))
def test_any_preset_reads_or_is_refused(tmp_path: Path, source, law, extra) -> None:
    path = tmp_path / "p.toml"
    path.write_text(tomli_w.dumps({"summary": "s", "source": source, "law": law, **extra}))
    _must_read_or_refuse(lambda: presets.parse_file(path))


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_any_bytes_read_or_are_refused(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "f.toml"
    path.write_bytes(raw)
    for action in (lambda: check.read_plan(path), lambda: hardware.read_catalogue(path),
                   lambda: presets.parse_file(path)):
        _must_read_or_refuse(action)


@pytest.mark.parametrize("form", ["0.4", "a.b", "chinchilla.x", ".", "..", "chinchilla."])
def test_a_law_form_that_is_not_a_name(run_inprocess, tmp_path: Path, form: str) -> None:
    # Found by hypothesis: a form with a dot was looked up as a module path and raised ImportError.
    path = tmp_path / "odd.toml"
    path.write_text(f'name = "odd"\n[law]\nform = "{form}"\n')
    result = run_inprocess("optimal", "--flops", "1e21", "-p", str(path))
    assert result.code == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert "form" in result.stderr
