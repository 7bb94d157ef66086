"""One-variable laws of any metric: `fit --x --y --law` (scalecalc.curves, bnsl, curvefits).

The BNSL oracles are experiments.md §7.4: the form and the 4-digit-addition data of Caballero et al.
2022 (arXiv 2210.14891), from their repository ethancaballero/broken_neural_scaling_laws @ffa608f,
script fit_bnsl_and_extrapolate__4_digit_addition__dataset_size_x-axis.py (shipped as
examples/bnsl_4digit_addition.csv); the fitted values are those that script prints.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from scalecalc import bnsl, curves, presets
from scalecalc.laws.bnsl import BrokenPowerLaw
from scalecalc.laws.sigmoid import SigmoidLaw

ROOT = Path(__file__).resolve().parent.parent
ADDITION = ROOT / "examples" / "bnsl_4digit_addition.csv"
# The repository's noiseless-simulation curve (experiments.md §7.4), the fit of its 14 first points.
TRUTH = {"a": 0.41388453071629455, "b": 2.2772722897737556, "c0": 0.055077348404973955,
         "c1": 5.662903816010331, "d1": 612.5836172918001, "f1": 0.059193036393742314}


def _points(path: Path = ADDITION, x: str = "dataset_size", y: str = "test_cross_entropy") -> curves.Points:
    return curves.read_points(path.read_text(encoding="utf-8"), str(path), x, y)


def _csv(tmp_path: Path, header: str, x: np.ndarray, y: np.ndarray, name: str = "curve.csv") -> Path:
    path = tmp_path / name
    rows = [f"{a!r},{b!r}" for a, b in zip(x.tolist(), y.tolist(), strict=True)]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# --- the BNSL form (experiments.md §7.4) --------------------------------------------------------------

def test_bnsl_without_a_break_is_the_power_law():
    # §7.4: c1 = 0, a 1, b 2, c0 0.3, x 100 -> 1 + 2·100^−0.3 = 1.5023772863.
    law = BrokenPowerLaw(a=1, b=2, c0=0.3, c1=0, d1=1, f1=1)
    assert law.loss(100.0) == pytest.approx(1.5023772863, rel=1e-9)


def test_bnsl_slopes_before_and_after_the_break():
    # §7.4: the log-log slope of y − a is −c0 well before d and −(c0 + c1) well after.
    law = BrokenPowerLaw(a=0.5, b=3, c0=0.2, c1=0.5, d1=1e3, f1=0.1)

    def slope(x: float) -> float:
        h = 1e-4
        rise = np.log(law.loss(x * math.exp(h)) - 0.5) - np.log(law.loss(x * math.exp(-h)) - 0.5)
        return float(rise / (2 * h))

    assert slope(1.0) == pytest.approx(-0.2, rel=1e-6)
    assert slope(1e6) == pytest.approx(-0.7, rel=1e-6)


@pytest.mark.parametrize(("x", "expected"), [
    (1, 2.6911568205), (10, 2.4199154067), (100, 2.1809810230), (500, 2.0139076966),
    (TRUTH["d1"], 1.6815325506), (700, 1.1351728386), (1000, 0.5109096060), (4095, 0.4139151549)])
def test_bnsl_ground_truth_curve(x, expected):
    # §7.4 writes the break's x as 612.5836: the value there is at d1 itself.
    assert BrokenPowerLaw(**TRUTH).loss(float(x)) == pytest.approx(expected, rel=1e-9)


def test_bnsl_sharp_break_far_past_it_stays_finite():
    law = BrokenPowerLaw(a=0.1, b=1, c0=0.1, c1=2, d1=10, f1=1e-3)
    assert np.isfinite(law.loss(np.array([1.0, 1e6, 1e300]))).all()


# --- the authors' fit (experiments.md §7.4) -----------------------------------------------------------

@pytest.fixture(scope="module")
def addition_fit() -> curves.CurveFit:
    return curves.fit_curve(_points(), "bnsl", holdout=3)


@pytest.mark.parametrize(("name", "published"), [
    ("a", 0.413885), ("b", 2.277272), ("c0", 0.0550774), ("c1", 5.662909), ("d1", 612.584),
    ("f1", 0.0591931)])
def test_bnsl_fit_on_the_first_14_points_matches_the_authors(addition_fit, name, published):
    assert curves.coefficients(addition_fit)[name] == pytest.approx(published, rel=1e-3)


def test_bnsl_fit_errors_match_the_authors(addition_fit):
    values = {record.name: record.value for record in curves.report(addition_fit, np.array([1000.0]))}
    assert values["points_fitted"] == 14 and values["points_held_out"] == 3
    assert values["rmsle_train"] == pytest.approx(0.00060, rel=0.02)
    assert values["rmsle_holdout"] == pytest.approx(0.01092, rel=0.02)
    assert values["rmsle_holdout"] < 0.02
    assert values["predicted_at_1000"] == pytest.approx(0.5109096060, rel=1e-3)


def test_bnsl_more_breaks_fit_no_worse():
    points = _points()
    one = curves.fit_curve(points, "bnsl", breaks=1)
    two = curves.fit_curve(points, "bnsl", breaks=2)
    errors = [curves.rmsle(fit.predict(points.x), points.y) for fit in (one, two)]
    assert errors[1] <= errors[0] * (1 + 1e-9)
    assert len(curves.coefficients(two)) == 9


def test_bnsl_grid_finds_a_known_curve_in_other_units():
    # The same curve with x in thousands: the grid runs on x/x_min, so the fit is unit-free.
    law = BrokenPowerLaw(a=0.3, b=5.0, c0=0.1, c1=1.5, d1=4e6, f1=0.3)
    x = np.geomspace(1e5, 1e8, 20)
    found = bnsl.fit(x, law.loss(x))
    assert found.loss(x) == pytest.approx(law.loss(x), rel=1e-4)


# --- the other forms -----------------------------------------------------------------------------------

def test_power_recovers_kaplan_table_5(tmp_path):
    # Kaplan et al. 2020 Table 5: L(N) = (8.8e13/N)^0.076, with E = 1.5 added; the α search is exact.
    x = np.geomspace(1e6, 1e10, 15)
    path = _csv(tmp_path, "params,loss", x, 1.5 + (8.8e13 / x) ** 0.076)
    fit = curves.fit_curve(_points(path, "params", "loss"), "power")
    found = curves.coefficients(fit)
    assert found["alpha"] == pytest.approx(0.076, rel=1e-6)
    assert found["x0"] == pytest.approx(8.8e13, rel=1e-4)
    assert found["E"] == pytest.approx(1.5, rel=1e-6)


def test_saturating_recovers_zhai(tmp_path):
    # Zhai et al. 2022 Fig. 2 (laws.md §2, secondary): E = 0.09 + 0.26·(C + 0.01)^−0.35.
    x = np.geomspace(0.1, 1e4, 20)
    path = _csv(tmp_path, "core_days,error", x, 0.09 + 0.26 * (x + 0.01) ** -0.35)
    found = curves.coefficients(curves.fit_curve(_points(path, "core_days", "error"), "saturating"))
    assert [found[key] for key in "abcd"] == pytest.approx([0.26, 0.35, 0.09, 0.01], rel=1e-3)


def test_sigmoid_recovers_a_known_curve(tmp_path):
    law = SigmoidLaw(lo=0.25, hi=0.9, k=1.5, x_mid=3e20)
    x = np.geomspace(1e18, 1e23, 12)
    fit = curves.fit_curve(_points(_csv(tmp_path, "flops,accuracy", x, law.loss(x)), "flops", "accuracy"),
                           "sigmoid")
    found = curves.coefficients(fit)
    expected = [0.25, 0.9, 1.5, 3e20]
    assert [found[key] for key in ("lo", "hi", "k", "x_mid")] == pytest.approx(expected, rel=1e-6)
    assert not fit.flipped


def test_sigmoid_in_ln_x_is_the_stated_logistic():
    law = SigmoidLaw(lo=0.1, hi=0.8, k=2.0, x_mid=1e3)
    x = 5e3
    logistic = 0.1 + 0.7 / (1 + math.exp(-2.0 * (math.log(x) - math.log(1e3))))
    assert law.loss(x) == pytest.approx(logistic, rel=1e-12)


def test_rising_accuracy_is_fitted_as_its_error(tmp_path):
    x = np.geomspace(1e8, 1e11, 10)
    accuracy = 1 - (0.05 + (3e7 / x) ** 0.3)
    fit = curves.fit_curve(_points(_csv(tmp_path, "params,acc", x, accuracy), "params", "acc"), "power")
    assert fit.flipped
    assert fit.predict(x) == pytest.approx(accuracy, rel=1e-6)
    assert curves.coefficients(fit)["E"] == pytest.approx(0.05, rel=1e-5)


def test_holdout_leaves_out_the_largest_x(tmp_path):
    x = np.geomspace(1e6, 1e9, 10)[::-1]  # written largest first: the last by x are held out
    path = _csv(tmp_path, "tokens,loss", x, 2 + (1e5 / x) ** 0.3)
    fit = curves.fit_curve(_points(path, "tokens", "loss"), "power", holdout=4)
    assert fit.fitted == 6
    assert fit.fitted_range == pytest.approx((1e6, np.geomspace(1e6, 1e9, 10)[5]), rel=1e-12)


# --- saving, and asking the saved law -----------------------------------------------------------------

@pytest.mark.parametrize("law", ["power", "saturating", "sigmoid", "bnsl"])
def test_saved_law_answers_as_the_fit(tmp_path, law):
    x = np.geomspace(1e7, 1e10, 14)
    y = 1.8 + (2e6 / x) ** 0.3 if law != "sigmoid" else 0.2 + 0.6 / (1 + (3e8 / x) ** 2)
    fit = curves.fit_curve(_points(_csv(tmp_path, "params,loss", x, y), "params", "loss"), law)
    target = tmp_path / "mine.toml"
    curves.save_preset(fit, target, force=False)
    loaded = presets.load(str(target))
    assert loaded.single["params"].loss(3e10) == pytest.approx(float(fit.predict(3e10)), rel=1e-9)
    assert loaded.fitted_range["params"] == pytest.approx((1e7, 1e10), rel=1e-12)


def test_cli_save_then_loss(run_inprocess, tmp_path):
    x = np.geomspace(1e7, 1e10, 12)
    path = _csv(tmp_path, "params,loss", x, 1.7 + (1e6 / x) ** 0.2)
    target = tmp_path / "law.toml"
    saved = run_inprocess("fit", str(path), "--x", "params", "--y", "loss", "--save", str(target))
    assert saved.code == 0, saved.stderr
    asked = run_inprocess("loss", "--params", "1e9", "-p", str(target), "--format", "json")
    assert asked.code == 0, asked.stderr
    assert json.loads(asked.stdout)[0]["loss"] == pytest.approx(1.7 + (1e6 / 1e9) ** 0.2, rel=1e-6)


# --- the command line ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_cli_bnsl_every_format(run_inprocess, fmt):
    result = run_inprocess("fit", str(ADDITION), "--x", "dataset_size", "--y", "test_cross_entropy", "--law",
                           "bnsl", "--holdout-last", "3", "--at", "1000", "--format", fmt)
    assert result.code == 0, result.stderr
    assert "extrapolation" in result.stderr
    if fmt == "json":
        rows = {row["name"]: row["value"] for row in json.loads(result.stdout, parse_constant=_refuse)}
        assert rows["d1"] == pytest.approx(612.584, rel=1e-3)
        assert rows["rmsle_holdout"] < 0.02
    elif fmt == "csv":
        assert result.stdout.splitlines()[0] == "name,value,meaning"
    else:
        assert "predicted_at_1000" in result.stdout


def test_cli_without_holdout_gives_null_holdout_errors(run_inprocess):
    result = run_inprocess("fit", str(ADDITION), "--x", "dataset_size", "--y", "test_cross_entropy",
                           "--law", "sigmoid", "--format", "json")
    assert result.code == 0, result.stderr
    rows = {row["name"]: row["value"] for row in json.loads(result.stdout, parse_constant=_refuse)}
    assert rows["rmsle_holdout"] is None and rows["points_held_out"] == 0
    assert "null" not in result.stderr


def test_installed_entry_point(run_installed):
    result = run_installed("fit", str(ADDITION), "--x", "dataset_size", "--y", "test_cross_entropy", "--law",
                           "power", "--format", "csv")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("name,value,meaning\nE,")


def _refuse(constant: str) -> None:
    raise AssertionError(f"{constant} in JSON output")


# --- the figure -----------------------------------------------------------------------------------------

def test_plot_curve_writes_the_figure(run_inprocess, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "bnsl.svg"
    result = run_inprocess("plot", "curve", str(ADDITION), "--x", "dataset_size", "--y", "test_cross_entropy",
                           "--law", "bnsl", "--holdout-last", "3", "--out", str(out))
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == str(out)
    text = out.read_text(encoding="utf-8")
    assert "held out (3)" in text and "RMSLE on the held-out points 0.0109" in text
