"""Hostile input for `fit --x --y --law` (curves of any metric): every bad input found stays here.

Each case asserts the exit code, the gist of the message, an empty stdout and no traceback.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hostile import refused

GOOD_X = np.geomspace(1e7, 1e10, 10)
GOOD_Y = 1.8 + (1e6 / GOOD_X) ** 0.3


def _file(tmp_path: Path, text: str, name: str = "curve.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _curve(tmp_path: Path, x: np.ndarray = GOOD_X, y: np.ndarray = GOOD_Y,
           header: str = "params,loss") -> Path:
    rows = [f"{a!r},{b!r}" for a, b in zip(x.tolist(), y.tolist(), strict=True)]
    return _file(tmp_path, "\n".join([header, *rows]) + "\n")


def _fit(run, path: Path, *extra: str, x: str = "params", y: str = "loss"):
    return run("fit", str(path), "--x", x, "--y", y, *extra)


@pytest.mark.parametrize(("extra", "gist"), [
    (("--law", "cubic"), "--law: 'cubic' is not a law form"),
    (("--law", "power", "--breaks", "2"), "--breaks goes with --law bnsl"),
    (("--law", "bnsl", "--breaks", "4"), "--breaks: give 1 to 3 breaks"),
    (("--law", "bnsl", "--breaks", "0"), "--breaks: give 1 to 3 breaks"),
    (("--holdout-last", "10"), "--holdout-last: give 0 to 9 points"),
    (("--holdout-last", "-1"), "--holdout-last: give 0 to 9 points"),
    (("--holdout-last", "7"), "needs at least 4"),
    (("--direction", "sideways"), "--direction: 'sideways' is not one of auto, falling, rising"),
    (("--at", "1e9,abc"), "--at"),
    (("--at", "1e9,1e9"), "--at: a value is given twice"),
    (("--at", "1:1e60"), "--at: give at most 50 x values"),
    (("--at", "nan"), "--at"),
    (("--law", "sigmoid", "--direction", "rising"), "--direction goes with power, saturating and bnsl"),
    (("--bootstrap", "100"), "--bootstrap belongs to fitting runs"),
    (("--grid", "paper"), "--grid belongs to fitting runs"),
    (("--columns", "params=N"), "--columns belongs to fitting runs"),
    (("--method", "isoflop"), "--method belongs to fitting runs"),
    (("--degree", "3"), "--degree belongs to fitting runs"),
    (("--force",), "--force goes with --save"),
])
def test_bad_options(run_inprocess, tmp_path, extra, gist):
    refused(_fit(run_inprocess, _curve(tmp_path), *extra), gist)


@pytest.mark.parametrize(("args", "gist"), [
    (("--x", "params"), "needs both --x and --y"),
    (("--law", "bnsl"), "needs both --x and --y"),
    (("--breaks", "2"), "--breaks goes with a curve fit"),
    (("--holdout-last", "2"), "--holdout-last goes with a curve fit"),
    (("--at", "1e9"), "--at goes with a curve fit"),
])
def test_curve_options_alone(run_inprocess, tmp_path, args, gist):
    refused(run_inprocess("fit", str(_curve(tmp_path)), *args), gist)


@pytest.mark.parametrize(("x", "y", "gist"), [
    ("size", "loss", "--x names 'size', which is not a column of the header (params, loss)"),
    ("params", "val", "--y names 'val', which is not a column"),
    ("params", "PARAMS", "--x and --y both name"),
    ("", "loss", "--x: the column name is empty"),
])
def test_bad_columns(run_inprocess, tmp_path, x, y, gist):
    refused(_fit(run_inprocess, _curve(tmp_path), x=x, y=y), gist)


@pytest.mark.parametrize(("text", "gist"), [
    ("params,loss\n0,2.0\n" + "".join(f"{v!r},2.{i}\n" for i, v in enumerate(GOOD_X.tolist())),
     "line 2: params '0' is not above 0"),
    ("params,loss\n-5,2.0\n", "params '-5' is not above 0"),
    ("params,loss\n1e9,nan\n", "loss 'nan' is not a finite number"),
    ("params,loss\ninf,2\n", "params 'inf' is not a finite number"),
    ("params,loss\n1e9,\n", "loss is missing"),
    ("params,loss\n1e9,two\n", "loss 'two' is not a number"),
    ("params,loss\n1e400,2\n", "is not a finite number"),
    ("", "the file is empty"),
    ("params,params,loss\n1,1,2\n", "2 columns named 'params'"),
    ("params,loss\n" + "".join(f"{v!r},2.5\n" for v in GOOD_X.tolist()), "every fitted loss is 2.5"),
    ("params,loss\n1e7,2\n1e8,1.9\n1e9,1.8\n", "3 distinct x value(s) to fit, and power needs at least 4"),
    ("params,loss\n" + "".join(f"{v!r},{w!r}\n" for v, w in zip(GOOD_X.tolist(), (GOOD_Y - 3).tolist(),
                                                                    strict=True)),
     "--law power fits a positive metric"),
])
def test_bad_data(run_inprocess, tmp_path, text, gist):
    refused(_fit(run_inprocess, _file(tmp_path, text)), gist)


def test_skip_bad_rows_leaves_them_out(run_inprocess, tmp_path):
    rows = "".join(f"{a!r},{b!r}\n" for a, b in zip(GOOD_X.tolist(), GOOD_Y.tolist(), strict=True))
    text = "params,loss\n0,2\n1e9,nan\n" + rows
    result = _fit(run_inprocess, _file(tmp_path, text), "--skip-bad-rows", "--format", "csv")
    assert result.code == 0, result.stderr
    assert "excluded 2 row(s)" in result.stderr and "line(s) 2, 3" in result.stderr


def test_header_only(run_inprocess, tmp_path):
    refused(_fit(run_inprocess, _file(tmp_path, "params,loss\n\n")), "no rows of points")


def test_bnsl_needs_enough_points(run_inprocess, tmp_path):
    path = _curve(tmp_path, GOOD_X[:6], GOOD_Y[:6])
    refused(_fit(run_inprocess, path, "--law", "bnsl"), "bnsl with 1 break(s) needs at least 7")
    refused(_fit(run_inprocess, _curve(tmp_path), "--law", "bnsl", "--breaks", "2"), "needs at least 12")


def test_repeated_x_counts_once(run_inprocess, tmp_path):
    x = np.repeat(GOOD_X[:3], 4)
    refused(_fit(run_inprocess, _curve(tmp_path, x, 1.8 + (1e6 / x) ** 0.3)), "3 distinct x value(s)")


def test_rising_metric_above_one(run_inprocess, tmp_path):
    accuracy = np.linspace(20, 90, GOOD_X.size)  # percent, not a fraction
    path = _curve(tmp_path, GOOD_X, accuracy, header="params,acc")
    refused(_fit(run_inprocess, path, "--law", "power", y="acc"), "fits 1 − acc, which needs values from 0")


def test_sigmoid_refuses_negative_values(run_inprocess, tmp_path):
    path = _curve(tmp_path, GOOD_X, np.linspace(-0.5, 0.5, GOOD_X.size), header="params,score")
    refused(_fit(run_inprocess, path, "--law", "sigmoid", y="score"),
            "--law sigmoid fits a metric of 0 or more")


@pytest.mark.parametrize(("y", "gist"), [
    (1e13, "loss has 1e+13, outside what a curve fit takes; give values of size from 1e-12 to 1e12"),
    (1e-300, "loss has 1e-300, outside what a curve fit takes"),
])
def test_extreme_metric_values(run_inprocess, tmp_path, y, gist):
    values = GOOD_Y.copy()
    values[3] = y
    refused(_fit(run_inprocess, _curve(tmp_path, GOOD_X, values)), gist)


def test_x_spanning_too_many_decades(run_inprocess, tmp_path):
    x = np.geomspace(1e-150, 1e150, 10)
    refused(_fit(run_inprocess, _curve(tmp_path, x, GOOD_Y)), "spans more than 100 decades")


def test_not_utf8(run_inprocess, tmp_path):
    path = tmp_path / "curve.csv"
    path.write_bytes(b"params,loss\n1e9,\xff\n")
    refused(_fit(run_inprocess, path), "is not UTF-8")


def test_save_needs_a_known_variable(run_inprocess, tmp_path):
    path = _curve(tmp_path, header="steps,loss")
    target = tmp_path / "law.toml"
    refused(_fit(run_inprocess, path, "--save", str(target), x="steps"),
            "the x column 'steps' is not parameters")
    assert not target.exists()


def test_save_never_over_a_file(run_inprocess, tmp_path):
    target = tmp_path / "law.toml"
    target.write_text("keep me\n", encoding="utf-8")
    refused(_fit(run_inprocess, _curve(tmp_path), "--save", str(target)), "--save")
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_save_over_the_input(run_inprocess, tmp_path):
    path = _curve(tmp_path)
    refused(_fit(run_inprocess, path, "--save", str(path)), "--save")


def test_save_refuses_a_law_a_preset_cannot_hold(run_inprocess, tmp_path):
    # A metric that rises, fitted as falling: the power term is zero, so x0 = 0, which a preset refuses.
    path = _curve(tmp_path, GOOD_X, 2.0 + 0.01 * np.log(GOOD_X))
    target = tmp_path / "flat.toml"
    refused(_fit(run_inprocess, path, "--save", str(target), "--direction", "falling"),
            "--save: nothing written", "scale must be a number above zero")
    assert not target.exists()


def test_installed_refusal(run_installed, tmp_path):
    refused(run_installed("fit", str(_curve(tmp_path)), "--x", "params", "--y", "nope"), "--y names 'nope'")


def test_plot_curve_refusals(run_inprocess, tmp_path):
    pytest.importorskip("matplotlib")
    path = _curve(tmp_path)
    out = tmp_path / "keep.png"
    out.write_bytes(b"keep")
    refused(run_inprocess("plot", "curve", str(path), "--x", "params", "--y", "loss", "--out", str(out)),
            "--out")
    assert out.read_bytes() == b"keep"
    refused(run_inprocess("plot", "curve", str(path), "--x", "params", "--y", "loss", "--law", "spline"),
            "--law: 'spline' is not a law form")
    refused(run_inprocess("plot", "curve", str(path), "--x", "params", "--y", "loss", "--out",
                          str(tmp_path / "x.png"), "--holdout-last", "9"), "needs at least 4")
    assert not (tmp_path / "x.png").exists()
