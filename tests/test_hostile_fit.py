"""Hostile input for `fit`, the runs reader and `--ci`: every bad input found stays here.

Each case asserts the exit code, the gist of the message, an empty stdout and no traceback; where
the right answer is a clean result, it asserts that instead.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from hostile import refused as _refused

import scalecalc
from scalecalc import fit, runs

CHINCHILLA = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}  # Hoffmann et al. Eq. 10


def _runs_text(count: int = 30, seed: int = 1, header: str = "params,tokens,loss",
               rising: bool = False) -> str:
    """Runs on the rounded Chinchilla law with a little noise; `rising` makes loss grow with size."""
    rng = np.random.default_rng(seed)
    params = np.exp(rng.uniform(np.log(5e7), np.log(5e9), count))
    tokens = np.exp(rng.uniform(np.log(1e9), np.log(2e11), count))
    law = fit.law_from([np.log(CHINCHILLA["A"]), np.log(CHINCHILLA["B"]), np.log(CHINCHILLA["E"]),
                        CHINCHILLA["alpha"], CHINCHILLA["beta"]])
    loss = 1 + 0.01 * np.log(params * tokens) if rising else law.loss(params, tokens)
    loss = loss * np.exp(rng.normal(0, 0.003, count))
    rows = zip(params.tolist(), tokens.tolist(), loss.tolist(), strict=True)
    return "\n".join([header, *(f"{n!r},{d!r},{value!r}" for n, d, value in rows)]) + "\n"


def _file(tmp_path: Path, text: str, name: str = "runs.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path



def _strict_json(text: str) -> list[dict]:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON output")

    return json.loads(text, parse_constant=refuse)


# 1. --ci with any question but --flops crashed inside laws.py (an array of exponents under `if`).
@pytest.mark.parametrize(
    ("args", "column", "given"),
    [
        (("optimal", "--tokens", "1T"), "tokens", 1e12),
        (("optimal", "--params", "70B"), "params", 70e9),
        (("optimal", "--loss", "2.0"), "loss", 2.0),
        (("optimal", "--flops", "1e24"), "flops", 1e24),
        (("table", "--params", "1B,70B"), "params", None),
        (("table", "--flops", "1e20,1e22"), "flops", None),
        (("table",), "params", None),
    ],
)
def test_ci_answers_every_question(run_inprocess, args, column, given) -> None:
    result = run_inprocess(*args, "-p", "besiroglu", "--ci", "95", "--format", "csv")
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows
    for row in rows:
        for name in ("params", "tokens", "loss"):
            low, value, high = (float(row[name + suffix]) for suffix in ("_low", "", "_high"))
            assert low <= value * (1 + 1e-9) and value <= high * (1 + 1e-9), (name, row)
        if given is not None:
            assert float(row[column]) == pytest.approx(given, rel=1e-9)


# 2. --ci -p all silently kept only the presets with uncertainty.
def test_ci_with_all_says_which_presets_it_leaves_out(run_inprocess, tmp_path: Path) -> None:
    draws = [[1.80, 470.0, 2000.0, 0.345, 0.365], [1.83, 490.0, 2150.0, 0.350, 0.368],
             [1.81, 480.0, 2100.0, 0.348, 0.366]]
    mine = _file(tmp_path, "\n".join([
        'summary = "a test preset with draws"', "[source]", 'citation = "test"', 'location = "here"',
        "[law]", 'form = "chinchilla"', "E = 1.81", "A = 480.0", "B = 2100.0", "alpha = 0.348",
        "beta = 0.366", "[uncertainty]", f"draws = {draws}"]) + "\n", "mine.toml")
    result = run_inprocess("optimal", "--flops", "1e22", "-p", "all", "-p", str(mine), "--ci", "95",
                           "-f", "json")
    assert result.code == 0, result.stderr
    assert [row["preset"] for row in _strict_json(result.stdout)] == ["besiroglu", "mine"]
    notes = [line for line in result.stderr.splitlines() if "--ci leaves out" in line]
    assert len(notes) == 1 and "chinchilla" in notes[0] and "kaplan" in notes[0]
    assert "besiroglu" not in notes[0]


# 3. Sizes without bounds: a negative seed, a huge CSV cell, a billion resamples, files and run counts.
@pytest.mark.parametrize(
    ("extra", "gist"),
    [
        (("--bootstrap", "10", "--seed", "-1"), ("--seed", "2^64")),
        (("--bootstrap", "10", "--seed", str(2**64)), ("--seed", "2^64")),
        (("--bootstrap", "1000000000"), ("--bootstrap", "100,000")),
        (("--bootstrap", "1"), ("--bootstrap", "from 2")),
        (("--reference-flops", "1e10:1e40"), ("--reference-flops", "at most 20")),
    ],
)
def test_sizes_are_bounded(run_inprocess, tmp_path: Path, extra, gist) -> None:
    _refused(run_inprocess("fit", str(_file(tmp_path, _runs_text())), *extra), *gist)


def test_a_cell_longer_than_the_csv_limit_is_a_message(run_inprocess, tmp_path: Path) -> None:
    path = _file(tmp_path, "params,tokens,loss\n1e9," + "1" * 140_000 + ",2.5\n")
    _refused(run_inprocess("fit", str(path)), "line 2", "131,072")


def test_file_size_and_run_count_are_bounded(run_inprocess, tmp_path: Path, monkeypatch) -> None:
    path = _file(tmp_path, _runs_text(count=30))
    monkeypatch.setattr(runs, "MAX_RUNS", 20)
    _refused(run_inprocess("fit", str(path)), "more than 20 runs")
    monkeypatch.setattr(runs, "MAX_FILE_BYTES", 2**20)
    big = _file(tmp_path, "params,tokens,loss\n" + "1e9,1e10,2.5\n" * 90_000, "big.csv")
    _refused(run_inprocess("fit", str(big)), "above the 1,048,576-byte limit")


# 4. Silently wrong: NaN in JSON for a fit whose loss rises; presets that scalecalc then refuses.
def test_degenerate_fit_gives_null_and_says_so(run_inprocess, tmp_path: Path) -> None:
    result = run_inprocess("fit", str(_file(tmp_path, _runs_text(rising=True))), "--format", "json")
    assert result.code == 0, result.stderr
    report = {row["name"]: row["value"] for row in _strict_json(result.stdout)}
    assert report["alpha"] <= 0 or report["beta"] <= 0
    assert report["G"] is None and report["params_at_1e22"] is None and report["a"] is None
    assert "degenerate" in result.stderr and "Traceback" not in result.stderr


def test_save_refuses_a_preset_scalecalc_would_refuse(run_inprocess, tmp_path: Path) -> None:
    target = tmp_path / "rising.toml"
    result = run_inprocess("fit", str(_file(tmp_path, _runs_text(rising=True))), "--save", str(target))
    _refused(result, "--save", "nothing written", "law.")
    assert not target.exists()


@pytest.mark.parametrize("option", ["--save", "--min-tokens-per-param", "--columns"])
def test_empty_values_are_errors(run_inprocess, tmp_path: Path, option: str) -> None:
    _refused(run_inprocess("fit", str(_file(tmp_path, _runs_text())), option, ""), option)


# 5. Real logs hold NaN rows from diverged runs: --skip-bad-rows.
def test_skip_bad_rows(run_inprocess, tmp_path: Path) -> None:
    lines = _runs_text().splitlines()
    lines[3:3] = ["1e9,2e10,nan", "", "2e9,,2.4", "garbled"]
    path = _file(tmp_path, "\n".join(lines) + "\n")
    _refused(run_inprocess("fit", str(path)), "3 bad row(s)", "line 4: loss 'nan'", "--skip-bad-rows")
    kept = run_inprocess("fit", str(path), "--skip-bad-rows", "--format", "json")
    assert kept.code == 0, kept.stderr
    report = {row["name"]: row["value"] for row in _strict_json(kept.stdout)}
    assert report["runs"] == 30 and report["runs_excluded"] == 3
    assert "excluded 3 run(s)" in kept.stderr and "line(s) 4, 6, 7" in kept.stderr


# 6. Standard input: a BOM is dropped, as it is from files; bytes that are not UTF-8 are a message.
def test_bom_on_standard_input(run_installed) -> None:
    result = run_installed("fit", "-", "--format", "csv", stdin="\ufeff" + _runs_text())
    assert result.code == 0, result.stderr
    assert "runs,30," in result.stdout


def test_bytes_that_are_not_utf8_on_standard_input(run_inprocess, monkeypatch) -> None:
    raw = _runs_text().encode() + b"1e9,\xff\xfe,2.5\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    _refused(run_inprocess("fit", "-"), "standard input is not UTF-8")


# 7. Counts are whole numbers in CSV and JSON; the table fits an 80-column terminal.
def test_counts_are_integers(run_inprocess, tmp_path: Path) -> None:
    path = str(_file(tmp_path, _runs_text()))
    table = run_inprocess("fit", path, "--bootstrap", "5", "--seed", "1", "--format", "csv")
    lines = table.stdout.splitlines()
    for expected in ("runs,30,", "runs_excluded,0,", "starts,243,", "bootstrap_resamples,5,"):
        assert any(line.startswith(expected) for line in lines), expected
    report = {row["name"]: row["value"] for row in _strict_json(
        run_inprocess("fit", path, "--format", "json").stdout)}
    for name in ("runs", "runs_excluded", "starts", "starts_at_best"):
        assert isinstance(report[name], int), name


@pytest.mark.parametrize("extra", [(), ("--bootstrap", "5", "--seed", "2")])
def test_fit_table_fits_80_columns(run_installed, tmp_path: Path, extra) -> None:
    result = run_installed("fit", "runs.csv", *extra, cwd=_file(tmp_path, _runs_text()).parent)
    assert result.code == 0, result.stderr
    assert "tokens_per_param_at_5.76e23" in result.stdout
    assert max(len(line.rstrip()) for line in result.stdout.splitlines()) <= 80


# 8. Bootstrap output may differ in the last bits across machines: compare with a tolerance.
def test_seeded_bootstrap_agrees_within_tolerance(run_inprocess, tmp_path: Path) -> None:
    path = str(_file(tmp_path, _runs_text()))
    first, second = (_strict_json(run_inprocess("fit", path, "--bootstrap", "8", "--seed", "4", "-f",
                                                "json").stdout) for _ in range(2))
    for one, two in zip(first, second, strict=True):
        for key in ("value", "ci_low", "ci_high"):
            assert (one[key] is None) == (two[key] is None)
            if one[key] is not None:
                assert one[key] == pytest.approx(two[key], rel=1e-9)


# 9. Every option of fit says what goes in it.
def test_fit_options_have_metavars() -> None:
    from scalecalc.cli import full_app

    command = typer.main.get_command(full_app()).commands["fit"]
    allowed = {"NUMBER", "SIZE", "FLOPS", "LIST", "FILE", "PATH", "NAME", "PERCENT", "INTEGER"}
    for param in command.params:
        if getattr(param, "is_flag", False) or param.name in ("format", "help"):
            continue
        assert param.metavar in allowed, (param.name, param.metavar)


# 10. Everything else an adversary tried.
@pytest.mark.parametrize(
    ("text", "extra", "gist"),
    [
        ("params,params,tokens,loss\n1e8,1e8,2e9,3\n", (), ("more than one column for params",)),
        ("n,params,tokens,loss\n1e8,1e8,2e9,3\n", (), ("more than one column for params",)),
        (None, ("--columns", "params=zzz"), ("--columns names 'zzz'",)),
        (None, ("--columns", "params=params,params=tokens"), ("params is mapped twice",)),
        (None, ("--columns", "params=params,tokens=params"), ("mapped to two roles",)),
        (None, ("--columns", "tokens=tokens,flops=loss"), ("not both",)),
        ("params,tokens,loss\n1e8,2e9,3\n", (), ("1 run left", "at least 6")),
        ("params,tokens,loss\n1e8,2e9,3\n2e8,3e9,2.9\n", (), ("2 runs left",)),
        ("params,tokens,loss\n" + "1e8,2e9,3\n" * 10, (), ("every run has the same N",)),
        ("params,tokens,loss\n" + "".join(f"{10**k},2e9,3\n" for k in range(1, 10)), (),
         ("every run has the same D",)),
        ("params,tokens,loss\n1e300,2e9,3\n", (), ("params 1e+300 is outside 1 to 1e30",)),
        ("params,tokens,loss\n1e-300,2e9,3\n", (), ("params 1e-300 is outside 1 to 1e30",)),
        ("params,flops,loss\n1e9,1e-300,3\n", (), ("tokens", "outside 1 to 1e30")),
        ("params,tokens,loss\n1e9,2e9,-3\n", (), ("loss '-3' is not a positive",)),
        ("params,tokens,loss\n1e9,2e9,inf\n", (), ("loss 'inf' is not a positive",)),
        ("params,tokens,loss\n\"1e9,2e9,3\n", (), ("bad row",)),
        ("params,tokens,loss\n1e9,2e9,3\x00\n", (), ("bad row",)),
        (None, ("--drop-highest-loss", "31"), ("would leave none",)),
        (None, ("--drop-highest-loss", "25"), ("5 runs left to fit after leaving out 25",)),
        (None, ("--drop-highest-loss", "-1"), ("--drop-highest-loss",)),
        (None, ("--min-tokens-per-param", "1e300"), ("0 runs left",)),
        (None, ("--delta", "0"), ("--delta",)),
        (None, ("--delta", "1e300"), ("--delta", "1e-06 to 10")),
        (None, ("--delta", "1e-300"), ("--delta", "1e-06 to 10")),
        (None, ("--delta", "nan"), ("--delta",)),
        (None, ("--bootstrap", "10", "--ci", "0"), ("--ci",)),
        (None, ("--bootstrap", "10", "--ci", "100"), ("--ci",)),
        (None, ("--bootstrap", "10", "--ci", "nan"), ("--ci",)),
        (None, ("--ci", "90"), ("--ci goes with --bootstrap",)),
        (None, ("--seed", "3"), ("--seed goes with --bootstrap",)),
        (None, ("--force",), ("--force goes with --save",)),
        (None, ("--reference-flops", "garbage"), ("--reference-flops",)),
        (None, ("--reference-flops", "1e22,1e22"), ("given twice",)),
        (None, ("--reference-flops", "1e-300:1e300"), ("more than 300 decades",)),
        (None, ("--reference-flops", "1e400"), ("infinite",)),
        (None, ("--reference-flops", ""), ("--reference-flops",)),
        (None, ("--grid", ""), ("not a grid",)),
        (None, ("--save", "mine.txt"), (".toml",)),
        (None, ("--save", "no/such/folder/mine.toml"), ("does not exist",)),
    ],
)
def test_hostile_fit_input(run_inprocess, tmp_path: Path, monkeypatch, text, extra, gist) -> None:
    monkeypatch.chdir(tmp_path)
    path = _file(tmp_path, _runs_text() if text is None else text)
    _refused(run_inprocess("fit", str(path), *extra), *gist)


def test_save_never_writes_over_the_runs_file(run_inprocess, tmp_path: Path) -> None:
    path = _file(tmp_path, _runs_text(), "runs.toml")
    before = path.read_text()
    _refused(run_inprocess("fit", str(path), "--save", str(path), "--force"), "the runs file")
    assert path.read_text() == before


@pytest.mark.parametrize("scale", [1e-250, 1e250])
def test_extreme_losses_give_strict_json(run_installed, tmp_path: Path, scale: float) -> None:
    lines = _runs_text().splitlines()
    rows = [line.split(",") for line in lines[1:]]
    scaled = [f"{n},{d},{float(loss) * scale!r}" for n, d, loss in rows]
    path = _file(tmp_path, "\n".join([lines[0], *scaled]))
    result = run_installed("fit", path.name, "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr and "RuntimeWarning" not in result.stderr
    _strict_json(result.stdout)


def test_ci_out_of_range_for_optimal(run_inprocess) -> None:
    for value in ("0", "100", "nan", "-5"):
        _refused(run_inprocess("optimal", "--flops", "1e22", "-p", "besiroglu", "--ci", value), "--ci")


def test_saved_fit_with_bootstrap_is_a_usable_preset(run_inprocess, tmp_path: Path) -> None:
    target = tmp_path / "mine.toml"
    result = run_inprocess("fit", str(_file(tmp_path, _runs_text())), "--bootstrap", "10", "--seed", "1",
                           "--save", str(target), "--format", "csv")
    assert result.code == 0, result.stderr
    preset = scalecalc.load_preset(str(target))
    assert preset.draws is not None and preset.draws.shape == (10, 5)
    ranged = run_inprocess("optimal", "--tokens", "1T", "-p", str(target), "--ci", "90", "-f", "json")
    assert ranged.code == 0, ranged.stderr
    (row,) = _strict_json(ranged.stdout)
    assert row["tokens"] == pytest.approx(1e12, rel=1e-9)
