"""Hostile use of the command-line surface: help and version, narrow and colourless terminals, odd
encodings, Ctrl-C, broken or full outputs, repeated options, odd argv. One test (or case) per defect."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import scalecalc
from scalecalc.cli.app import examples
from scalecalc.presets import DEFAULT_PRESET
from scalecalc.render import printable

ROOT = Path(__file__).resolve().parent.parent
RUNS = str(ROOT / "examples" / "chinchilla_runs.csv")
PLAN_COMMANDS = [("optimal",), ("loss",), ("tokens",), ("table",), ("presets",), ("presets", "list"),
                 ("hardware",)]
ALL_COMMANDS = [(), *PLAN_COMMANDS, ("check",), ("fit",), ("plot",), ("plot", "isoflop"),
                ("plot", "frontier"), ("plot", "contour"), ("plot", "fit")]


def _script() -> str:
    found = shutil.which("scalecalc", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("the scalecalc console script is not installed; pip install '.[test]'")
    return found


def _run(args: list[str], env: dict[str, str] | None = None, **options) -> subprocess.CompletedProcess:
    """The console script with a small, explicit environment (no terminal)."""
    return subprocess.run([_script(), *args], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", **(env or {})}, **options)


def _ids(value: object) -> str:
    return " ".join(value)[:40] if isinstance(value, tuple) else ""


def _widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


# 1. --help: metavars that say what goes there; one example per line -----------------------------

@pytest.mark.parametrize("command", PLAN_COMMANDS, ids=" ".join)
def test_help_names_what_each_option_takes(run_inprocess, monkeypatch, command) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = run_inprocess(*command, "--help")
    assert result.code == 0
    for vague in ("<str>", "<float>", "<int>", "TEXT", "FLOAT"):
        assert vague not in result.stdout


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=" ".join)
def test_help_lists_examples_one_a_line(run_inprocess, monkeypatch, command) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = run_inprocess(*command, "--help")
    assert result.code == 0
    lines = [line.strip() for line in result.stdout.splitlines()]
    start = next(index for index, line in enumerate(lines) if line in ("Example:", "Examples:"))
    shown = [line for line in lines[start + 1:] if line]
    assert shown and all(line.startswith(("scalecalc ", "cat ")) for line in shown)
    # A " | " between two examples read as a shell pipe; only a real pipe into scalecalc remains.
    assert all(line.count("scalecalc") == 1 for line in shown)


def test_examples_keep_brackets_and_lines() -> None:
    text = examples("scalecalc check [PLAN.toml]", "scalecalc hardware")
    assert text.splitlines()[1:] == ["Examples:", "  scalecalc check \\[PLAN.toml]", "  scalecalc hardware"]
    assert examples("scalecalc hardware").splitlines()[1] == "Example:"


# 2. --version, -h, presets list, the default preset marked --------------------------------------

@pytest.mark.parametrize("command", [(), ("optimal",), ("presets",), ("plot", "fit")], ids=" ".join)
def test_version_and_short_help_everywhere(run_inprocess, command) -> None:
    version = run_inprocess(*command, "--version")
    assert (version.code, version.stdout, version.stderr) == (0, f"scalecalc {scalecalc.__version__}\n", "")
    short = run_inprocess(*command, "-h")
    assert short.code == 0 and "Usage: scalecalc" in short.stdout and short.stderr == ""


def test_presets_list_is_bare_presets(run_inprocess) -> None:
    listed = run_inprocess("presets", "list", "--format", "csv")
    bare = run_inprocess("presets", "--format", "csv")
    assert listed.code == 0 and listed.stdout == bare.stdout
    names = [row["name"] for row in csv.DictReader(io.StringIO(listed.stdout))]
    assert names == scalecalc.builtin_names()  # machine formats keep the plain name


def test_presets_table_marks_the_default(run_inprocess) -> None:
    result = run_inprocess("presets")
    assert f"{DEFAULT_PRESET} *" in result.stdout and "* marks the default" in result.stdout
    assert "chinchilla *" not in result.stdout


# 3. Tables fit an 80-column terminal, every number whole ----------------------------------------

NARROW = [
    (("presets",), "besiroglu"),
    (("presets", "list"), "kaplan"),
    (("hardware",), "h100"),
    (("optimal", "--flops", "1e24"), "95.9B"),
    (("optimal", "--flops", "1e24", "--preset", "all", "--gpu", "h100", "--gpus", "1024", "--price", "2"),
     "$1.40M"),
    (("optimal", "--flops", "1e24", "--ci", "90"), "95.9B"),
    (("loss", "--params", "70B", "--tokens", "1.4T", "--preset", "all"), "1.4"),
    (("tokens", "--params", "7B", "--flops", "1e23", "--preset", "all"), "7.00B"),
    (("table", "--preset", "all"), "400M"),
    (("table", "--ci", "95", "--gpu", "h100", "--gpus", "1000", "--price", "2"), "0.000667055"),
    (("check", "--params", "7B", "--tokens", "2T", "--max-flops", "1e23"), "8.4e+22"),
]


@pytest.mark.parametrize(("args", "number"), NARROW, ids=_ids)
def test_tables_fit_80_columns(run_inprocess, monkeypatch, args, number) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = run_inprocess(*args)
    assert result.code in (0, 1), result.stderr  # check exits 1 when a limit is exceeded
    assert _widest(result.stdout) <= 80
    assert number in result.stdout  # folded or split, never cropped


def test_a_narrow_table_says_what_it_left_out(run_inprocess, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    result = run_inprocess("presets")
    assert "Not shown at this width: summary" in " ".join(result.stdout.split())
    wide = run_inprocess("presets", "--format", "csv")
    assert "summary" in wide.stdout.splitlines()[0]


def test_width_through_the_console_script() -> None:
    done = _run(["presets"], env={"COLUMNS": "80"})
    assert done.returncode == 0 and _widest(done.stdout) <= 80


# 4. NO_COLOR means no styles at all; data never drives the terminal --------------------------------

@pytest.mark.parametrize("args", [["optimal", "--flops", "1e24"], ["presets"], ["optimal", "--help"]],
                         ids=" ".join)
@pytest.mark.parametrize("forced", ["FORCE_COLOR", "TTY_COMPATIBLE"])
def test_no_color_wins_even_over_a_forced_terminal(args, forced) -> None:
    from importlib.metadata import version

    if forced == "TTY_COMPATIBLE" and int(version("rich").split(".")[0]) < 14:
        pytest.skip("rich before 14 does not read TTY_COMPATIBLE (the lowest declared rich is 13.8)")
    styled = _run(args, env={forced: "1", "COLUMNS": "100"})
    assert "\x1b[" in styled.stdout  # the forced terminal is styled: the test can see a difference
    plain = _run(args, env={forced: "1", "NO_COLOR": "1", "COLUMNS": "100"})
    assert plain.returncode == 0 and "\x1b" not in plain.stdout and "\x1b" not in plain.stderr


def _evil_preset(tmp_path: Path, name: str) -> Path:
    text = (ROOT / "presets" / "besiroglu.toml").read_text(encoding="utf-8")
    lines = [f'name = "{name}"' if line.startswith("name =") else line for line in text.splitlines()]
    path = tmp_path / "evil.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("extra", [(), ("--preset", "besiroglu")], ids=["alone", "side by side"])
def test_markup_in_a_preset_name_is_shown_as_text(run_inprocess, tmp_path, extra) -> None:
    path = _evil_preset(tmp_path, "red[bold]x[/]")
    result = run_inprocess("optimal", "--flops", "1e21", "--preset", str(path), *extra)
    assert result.code == 0, result.stderr
    assert "red[bold]x[/]" in result.stdout  # rich markup is not read


def test_control_characters_in_a_preset_name_are_refused_at_load(run_inprocess, tmp_path) -> None:
    path = _evil_preset(tmp_path, "\\u001b[31mred\\u0007")
    result = run_inprocess("optimal", "--flops", "1e21", "--preset", str(path))
    assert result.code == 2 and result.stdout == "" and "control character" in result.stderr


def test_control_characters_in_a_table_cell_are_shown_escaped() -> None:
    """Whatever reaches a table (a record built in Python, say) is never interpreted."""
    from rich.console import Console

    from scalecalc.records import PresetInfo
    from scalecalc.render import to_rich

    record = PresetInfo(name="\x1b[31mred\x07[bold]x[/]", law="none", allocation="numeric",
                        source="s", summary="s")
    console = Console(width=200, record=True, color_system=None)
    console.print(to_rich([record]))
    shown = console.export_text()
    assert "\x1b" not in shown and "\x07" not in shown
    assert "\\x1b[31mred\\x07[bold]x[/]" in shown


def test_control_characters_in_a_message_are_shown_escaped(run_inprocess) -> None:
    result = run_inprocess("optimal", "--flops", "1e24", "--preset", "x\x1b[2J\ny.toml")
    assert result.code == 2 and result.stdout == ""
    assert "\x1b" not in result.stderr and "x\\x1b[2J\\ny.toml" in result.stderr
    assert result.stderr.count("\n") == 1


def test_printable_escapes_invisible_characters() -> None:
    assert printable("a\x1b[0m\u202eb\tc") == "a\\x1b[0m\\u202eb\\tc"
    assert printable("plain · text") == "plain · text"
    assert printable("x" * 200, limit=10) == "xxxxxxxxxx...(200 characters)"


# 5. A stdout that cannot encode non-ASCII --------------------------------------------------------

@pytest.mark.parametrize("args", [["presets"], ["optimal", "--flops", "1e24"], ["optimal", "--help"],
                                  ["fit", RUNS, "--format", "csv"], ["hardware"]], ids=" ".join)
def test_ascii_only_locale(args) -> None:
    env = {"LC_ALL": "C", "PYTHONUTF8": "0", "COLUMNS": "100"}
    done = _run(args, env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and done.stdout.strip()
    done.stdout.encode("ascii")  # rich chose ASCII boxes; anything else came out escaped


# 6. Ctrl-C at any moment: one line, exit 130 -----------------------------------------------------

@pytest.mark.parametrize("delay", [0.01, 0.02, 0.04, 0.06, 0.1, 0.2, 0.5])
def test_ctrl_c_during_imports_or_the_run(delay) -> None:
    # What the console script runs, with a mark once the entry module is loaded: from then on, the
    # imports of NumPy and Typer (the first ~0.1 s) and the run itself are ours to catch. (The
    # 0.01 s floor lets the child get from writing the mark into main(), which is not ours.)
    code = ("import sys; from scalecalc.__main__ import main; sys.stderr.write('ready\\n'); "
            "sys.stderr.flush(); sys.exit(main())")
    child = subprocess.Popen([sys.executable, "-c", code, "fit", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stderr.readline() == "ready\n"
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    try:
        out, err = child.communicate(timeout=60)  # stdin stays open: `fit -` waits for it
    finally:
        child.kill()
    assert (child.returncode, out, err) == (130, "", "scalecalc: error: interrupted.\n")


def test_ctrl_c_through_the_console_script() -> None:
    child = subprocess.Popen([_script(), "fit", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert (child.returncode, out, err) == (130, "", "scalecalc: error: interrupted.\n")


def test_the_entry_module_imports_nothing_heavy() -> None:
    code = "import sys, scalecalc.__main__; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "('numpy', 'typer', 'rich', 'typing')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]"


# 7. Closed, broken and full outputs --------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_a_full_disk_is_one_line(fmt) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([_script(), "optimal", "--flops", "1e21", "--format", fmt], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == ("scalecalc: error: cannot write the output: no space left on device; send it "
                           "to a file or pipe that can take it.\n")


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_a_closed_stdout_is_one_line(fmt) -> None:
    done = subprocess.run([_script(), "optimal", "--flops", "1e21", "--format", fmt],
                          stderr=subprocess.PIPE, text=True, timeout=120, preexec_fn=lambda: os.close(1))
    assert done.returncode == 2
    assert done.stderr == ("scalecalc: error: cannot write the output: standard output is closed; send it "
                           "to a file or pipe that can take it.\n")


@pytest.mark.parametrize("args", [["table", "--format", "csv"], ["presets"], ["optimal", "--flops", "1e21"],
                                  ["optimal", "--help"],
                                  ["table", "--flops", "1e10:1e30", "--per-decade", "150"]], ids=" ".join)
def test_a_reader_that_went_away_is_quiet(args) -> None:
    read, write = os.pipe()
    os.close(read)  # like `| head -0`: nobody will read
    try:
        done = subprocess.run([_script(), *args], stdout=write, stderr=subprocess.PIPE, text=True,
                              timeout=120)
    finally:
        os.close(write)
    assert done.returncode == 141
    assert "Traceback" not in done.stderr and "error" not in done.stderr


# 8. Repeated single-valued options ---------------------------------------------------------------

REPEATED = [
    (("optimal", "--flops", "1e22", "--flops", "1e23"), "--flops"),
    (("optimal", "--flops=1e22", "--flops", "1e23"), "--flops"),
    (("optimal", "--flops", "1e22", "-f", "csv", "--format", "json"), "--format / -f"),
    (("table", "--flops", "1e18:1e20", "--per-decade", "2", "--per-decade", "3"), "--per-decade"),
    (("optimal", "--flops", "1e22", "--ci", "90", "--ci", "95"), "--ci"),
    (("hardware", "--accelerators", "a.toml", "--accelerators", "b.toml"), "--accelerators"),
    (("presets", "list", "-f", "csv", "-f", "csv"), "--format / -f"),
    (("check", "--params", "7B", "--params", "8B", "--tokens", "1T"), "--params"),
]


@pytest.mark.parametrize(("args", "option"), REPEATED, ids=_ids)
def test_a_repeated_option_is_refused(run_inprocess, args, option) -> None:
    result = run_inprocess(*args)
    assert result.code == 2 and result.stdout == ""
    assert f"scalecalc: error: {option} was given more than once" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_repeatable_options_still_repeat(run_inprocess) -> None:
    result = run_inprocess("loss", "--params", "1B", "--tokens", "20B", "--set", "alpha=0.3",
                           "--set", "beta=0.3", "-p", "chinchilla", "-p", "besiroglu", "-f", "csv")
    assert result.code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3


# 9 and 11. Messages for odd argv: one line, saying what is wrong --------------------------------

ODD = [
    (("optimal", "--flops", "1e24", "--preset", ""), "the preset name is empty"),
    (("optimal", "--flops", "1e24", "--preset", "  "), "the preset name is empty"),
    (("optimall",), "no such command 'optimall'. Did you mean 'optimal'? Run 'scalecalc --help'"),
    (("presets", "lst"), "no such command 'lst'"),
    (("optimal", "--flop", "1e24"), "no such option: --flop"),
    (("optimal", "--", "--flops", "1e24"), "unexpected extra argument"),
    (("optimal", "--flops", "\uff11e24"), "is not a number"),  # full-width digit one
    (("optimal", "--flops", "1e2\u0664"), "is not a number"),  # Arabic-Indic digit four
    (("optimal", "--flops", "1" * 100_000 + "x"), "characters) is not a number"),  # quickly, too
    (("table", "--flops", "1" * 100_000 + "x:1e20"), "characters) is not a number"),
]


@pytest.mark.parametrize(("args", "message"), ODD, ids=_ids)
def test_odd_argv_gets_one_line(run_inprocess, args, message) -> None:
    result = run_inprocess(*args)
    assert result.code == 2 and result.stdout == ""
    assert message in result.stderr
    assert result.stderr.startswith("scalecalc: error: ") and result.stderr.count("\n") == 1
    assert len(result.stderr) < 400 and "Traceback" not in result.stderr


def test_options_with_equals_signs(run_inprocess) -> None:
    spaced = run_inprocess("optimal", "--flops", "1e24", "--format", "csv")
    joined = run_inprocess("optimal", "--flops=1e24", "--format=csv")
    assert joined.code == 0 and joined.stdout == spaced.stdout
