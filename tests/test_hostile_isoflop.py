"""Hostile input for `fit --method isoflop` and `fit --method envelope`: every bad input found
stays here, one case per defect (exit 2, one line on stderr, nothing on stdout, no traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import refused

GOOD_RUNS = "params,flops,loss\n" + "".join(
    f"{n},{c},{loss}\n" for c, rows in (("1e19", ((1e8, 3.0), (2e8, 2.8), (4e8, 2.9))),
                                        ("1e20", ((2e8, 2.7), (4e8, 2.5), (8e8, 2.6))))
    for n, loss in rows)


def _curves(sizes: tuple[float, ...]) -> str:
    """Curves on the rounded Chinchilla surface (Hoffmann et al. Eq. 10), 12 points each."""
    rows = ["run,params,tokens,loss"]
    for n in sizes:
        for step in range(12):
            d = 0.2 * n * 2 ** (step * 0.9)
            rows.append(f"r{n:g},{n:g},{d:g},{1.69 + 406.4 / n**0.34 + 410.7 / d**0.28:.6f}")
    return "\n".join(rows) + "\n"


GOOD_CURVES = _curves((7e7, 2e8, 6e8, 2e9, 6e9))


def _file(tmp_path: Path, text: str | bytes, name: str = "runs.csv") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def test_good_runs_are_accepted(run_inprocess, tmp_path):
    # The fixture the cases below break: it must itself fit, or the refusals prove nothing.
    assert run_inprocess("fit", _file(tmp_path, GOOD_RUNS), "--method", "isoflop").code == 0


@pytest.mark.parametrize(("extra", "gists"), [
    (("--method", "bogus"), ("--method", "isoflop")),
    (("--degree", "3"), ("--degree goes with --method isoflop",)),
    (("--group-tolerance", "5"), ("--group-tolerance goes with",)),
    (("--method", "isoflop", "--degree", "4"), ("--degree 4", "2 (a parabola) or 3")),
    (("--method", "isoflop", "--degree", "-1"), ("--degree -1",)),
    (("--method", "isoflop", "--degree", "3"), ("distinct sizes", "at least 2")),
    (("--method", "isoflop", "--group-tolerance", "nan"), ("--group-tolerance", "NaN")),
    (("--method", "isoflop", "--group-tolerance", "80"), ("--group-tolerance", "0.1 to 50")),
    (("--method", "isoflop", "--group-tolerance", "0"), ("--group-tolerance", "not positive")),
    (("--method", "isoflop", "--group-tolerance", "ten"), ("--group-tolerance",)),
    (("--method", "isoflop", "--budgets", "1e19,1e19"), ("--budgets", "twice")),
    (("--method", "isoflop", "--budgets", "1e21,1e22"), ("0 budget(s)",)),
    (("--method", "isoflop", "--flops-per-token", "0"), ("--flops-per-token", "not positive")),
    (("--method", "isoflop", "--flops-per-token", "5000"), ("--flops-per-token", "1 to 1000")),
    (("--method", "isoflop", "--flops-per-token", "inf"), ("--flops-per-token", "infinite")),
    (("--method", "isoflop", "--bootstrap", "1000000"), ("--bootstrap", "100,000")),
    (("--method", "isoflop", "--bootstrap", "-5"), ("--bootstrap",)),
    (("--method", "isoflop", "--bootstrap", "10", "--seed", "-1"), ("--seed -1",)),
    (("--method", "isoflop", "--seed", "3"), ("--seed", "--bootstrap")),
    (("--method", "isoflop", "--smooth", "3"), ("--smooth goes with --method envelope",)),
    (("--method", "isoflop", "--grid-points", "30"), ("--grid-points goes with --method envelope",)),
    (("--method", "isoflop", "--delta", "0.1"), ("--delta goes with --method parametric",)),
    (("--method", "isoflop", "--grid", "paper"), ("--grid goes with --method parametric",)),
    (("--method", "isoflop", "--axis", "width"), ("--axis",)),
    (("--method", "isoflop", "--reference-flops", "1e22,1e22"), ("--reference-flops", "twice")),
    (("--method", "isoflop", "--save", "out.csv"), ("--save", ".toml")),
    (("--method", "isoflop", "--force"), ("--force goes with --save",)),
    (("--method", "envelope", "--degree", "3"), ("--degree goes with --method isoflop",)),
])
def test_bad_options_for_isoflop(run_inprocess, tmp_path, extra, gists):
    refused(run_inprocess("fit", _file(tmp_path, GOOD_RUNS), *extra), *gists)


@pytest.mark.parametrize(("text", "gists"), [
    ("params,flops,loss\n1e8,1e19,3\n2e8,1e19,2.9\n4e8,1e19,3\n", ("1 budget(s)", "at least 2")),
    ("params,flops,loss\n" + "1e8,1e19,3\n" * 3 + "2e8,1e20,3\n" * 3, ("0 budget(s)", "distinct sizes")),
    ("params,flops,loss\n1e8,1e19,3\n2e8,1e19,3\n4e8,1e19,3\n1e8,1e20,3\n2e8,1e20,3\n4e8,1e20,3\n",
     ("0 of 2 budgets have a loss profile with a minimum",)),
    ("params,flops,loss\n1e8,1e19,3\n2e8,1e19,2.5\n4e8,1e19,3\n1e8,1e20,2\n2e8,1e20,3\n4e8,1e20,2\n",
     ("1 of 2 budgets",)),
    ("params,flops,loss\n1e8,1e19,true\n", ("line 2", "loss")),
    ("params,flops,loss\n1e8,1e19,nan\n", ("line 2", "not a positive finite number")),
    ("params,flops,loss\n1e8,-1e19,3\n", ("line 2", "flops")),
    ("params,flops\n1e8,1e19\n", ("no column for loss",)),
    ("", ("empty",)),
    (b"params,flops,loss\n\xff\xfe,1,2\n", ("UTF-8",)),
])
def test_bad_runs_files_for_isoflop(run_inprocess, tmp_path, text, gists):
    refused(run_inprocess("fit", _file(tmp_path, text), "--method", "isoflop"), *gists)


def test_save_over_the_runs_file_or_an_existing_preset(run_inprocess, tmp_path):
    runs = _file(tmp_path, GOOD_RUNS)
    existing = tmp_path / "law.toml"
    existing.write_text("# mine\n", encoding="utf-8")
    refused(run_inprocess("fit", runs, "--method", "isoflop", "--save", str(existing)), "--force")
    assert existing.read_text(encoding="utf-8") == "# mine\n"


def test_good_curves_are_accepted(run_inprocess, tmp_path):
    result = run_inprocess("fit", _file(tmp_path, GOOD_CURVES), "--method", "envelope", "--grid-points", "50")
    assert result.code == 0, result.stderr


@pytest.mark.parametrize(("extra", "gists"), [
    (("--grid-points", "5"), ("--grid-points 5", "1,500")),
    (("--grid-points", "1000000"), ("--grid-points", "100,000")),
    (("--smooth", "0"), ("--smooth 0",)),
    (("--smooth", "5000"), ("--smooth 5000",)),
    (("--columns", "params=n"), ("--columns goes with runs files",)),
    (("--skip-bad-rows",), ("--skip-bad-rows goes with runs files",)),
    (("--drop-highest-loss", "2"), ("--drop-highest-loss goes with runs files",)),
    (("--axis", "tokens"), ("--axis goes with --method isoflop",)),
    (("--budgets", "1e19"), ("--budgets goes with --method isoflop",)),
])
def test_bad_options_for_envelope(run_inprocess, tmp_path, extra, gists):
    refused(run_inprocess("fit", _file(tmp_path, GOOD_CURVES, "curves.csv"), "--method", "envelope", *extra),
            *gists)


@pytest.mark.parametrize(("text", "gists"), [
    ("params,tokens,loss\n1e8,1e9,3\n", ("no column for run",)),
    ("run,run_id,params,tokens,loss\n", ("more than one column for run",)),
    ("run,params,tokens,loss\na,1e8,1e9,3\na,1e8,2e9,2.9\n", ("1 training curve",)),
    ("run,params,tokens,loss\na,1e8,1e9,3\na,2e8,2e9,2.9\nb,1e9,1e9,3\n", ("'a'", "more than one params")),
    ("run,params,tokens,loss\na,1e8,1e9,3\nb,1e10,1e15,2\n", ("no two curves overlap",)),
    ("run,params,tokens,loss\na,1e8,1e9,3\nb,1e9,1e9,x\n", ("line 3", "loss 'x' is not a number")),
    ("run,params,tokens,loss\na,1e8,1e31,3\n", ("line 2", "outside 1 to 1e30")),
    ("run,params,tokens,loss\n,1e8,1e9,3\n", ("line 2", "run is missing")),
    (_curves((7e7, 6e8, 6e9)), ("fewer than two sizes",)),
    (b"\xff\xfe\x00", ("UTF-8",)),
])
def test_bad_curves_files(run_inprocess, tmp_path, text, gists):
    refused(run_inprocess("fit", _file(tmp_path, text, "curves.csv"), "--method", "envelope"), *gists)


def test_installed_refusal(run_installed, tmp_path):
    result = run_installed("fit", _file(tmp_path, GOOD_RUNS), "--method", "isoflop", "--degree", "5")
    refused(result, "--degree 5")


@pytest.mark.parametrize(("extra", "gists"), [
    (("--method", "isoflop", "--preset", "chinchilla"), ("drop --preset",)),
    (("--degree", "3"), ("--degree goes with --method isoflop",)),
    (("--method", "envelope", "--budgets", "1e19"), ("--budgets goes with --method isoflop",)),
    (("--method", "isoflop", "--degree", "7"), ("--degree 7",)),
])
def test_bad_options_for_plot_fit(run_inprocess, tmp_path, extra, gists):
    pytest.importorskip("matplotlib")
    out = tmp_path / "figure.png"
    refused(run_inprocess("plot", "fit", _file(tmp_path, GOOD_RUNS), *extra, "--out", str(out)), *gists)
    assert not out.exists()


def test_save_refuses_a_shrinking_optimum(run_inprocess, tmp_path):
    # N* falls from 4e8 at 1e19 to 2e8 at 1e20: a < 0 is no allocation rule, so nothing is written.
    text = ("params,flops,loss\n1e8,1e19,3.0\n4e8,1e19,2.8\n1.6e9,1e19,3.0\n"
            "5e7,1e20,2.7\n2e8,1e20,2.5\n8e8,1e20,2.7\n")
    saved = tmp_path / "law.toml"
    refused(run_inprocess("fit", _file(tmp_path, text), "--method", "isoflop", "--save", str(saved)),
            "--save: nothing written", "positive exponent")
    assert not saved.exists()
