"""Curves for any metric: one-variable laws y(x) fitted to two columns of a CSV (`fit --x --y --law`).

y may be a loss, an error or an accuracy; x parameters, tokens, FLOPs, steps or anything positive.
Four forms (scalecalc/laws/): `power` y = E + (x0/x)^α, `saturating` y = c + a·(x + d)^(−b) (Zhai et
al. 2022), `sigmoid` y = lo + (hi − lo)/(1 + (x_mid/x)^k), and `bnsl` (Caballero et al. 2022).
The first, second and fourth describe a quantity that falls towards a floor; a metric that rises
(an accuracy) is fitted as 1 − y, and its predictions turned back. `--holdout-last K` fits all but
the K points of largest x and scores the extrapolation on them.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.quantities import show
from scalecalc.records import Value, record_field
from scalecalc.tomlfile import describe

LAWS = ("power", "saturating", "sigmoid", "bnsl")
DIRECTIONS = ("auto", "falling", "rising")
# Coefficients each form fits (bnsl: 3 + 3 per break): a fit needs more distinct x than these.
COEFFICIENT_COUNTS = {"power": 3, "saturating": 4, "sigmoid": 4}
BNSL_X_PER_BREAK = 6  # simple-scaling-laws' least for one break (experiments.md §4)
MAX_AT = 50  # --at: each value is a line of the report
LARGEST_X = 1e300  # as scalecalc.quantities.LARGEST
MAX_X_DECADES = 100  # x/x_min must stay a finite double through the fits' powers and logs
Y_BOUNDS = (1e-12, 1e12)  # magnitudes of y (besides 0): squares and weights stay finite


@dataclass(frozen=True)
class Points:
    """(x, y) pairs read from two columns, sorted by x, and what was left out."""

    x: np.ndarray
    y: np.ndarray
    source: str
    x_name: str
    y_name: str
    excluded: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.x.size)


def read_points(text: str, source: str, x_name: str, y_name: str, *, skip_bad_rows: bool = False) -> Points:
    """The columns x_name and y_name of CSV text; a bad row (empty, not a number, NaN, infinite, x not
    above zero) is reported with its line number, or skipped and counted with skip_bad_rows."""
    from scalecalc import runs

    for option, name in (("--x", x_name), ("--y", y_name)):
        if not name.strip():
            raise ScalecalcError(f"{option}: the column name is empty; give a header of the file, such as "
                                 f"{option} {'params' if option == '--x' else 'loss'}.")
    if x_name.strip().lower() == y_name.strip().lower():
        raise ScalecalcError(f"--x and --y both name {x_name!r}; give two different columns.")
    lines = runs._numbered_rows(csv.reader(io.StringIO(text)), source)
    header = next(lines, (1, None))[1]
    if not header or not any(cell.strip() for cell in header):
        raise ScalecalcError(f"{source}: the file is empty; it needs a header row and one row per point.")
    where = [_column(header, name, option, source) for option, name in (("--x", x_name), ("--y", y_name))]
    xs: list[float] = []
    ys: list[float] = []
    bad: list[tuple[int, str]] = []
    for number, row in lines:
        if not row or not any(cell.strip() for cell in row):
            continue
        values, problem = _parse(row, where, (x_name, y_name))
        if problem:
            bad.append((number, problem))
            continue
        if len(xs) == runs.MAX_RUNS:
            raise ScalecalcError(f"{source}: more than {runs.MAX_RUNS:,} points, the limit for a curve; "
                                 "fit a sample of them.")
        xs.append(values[0])
        ys.append(values[1])
    excluded: dict[str, int] = {}
    if bad and not skip_bad_rows:
        shown = runs._first_few([f"line {number}: {problem}" for number, problem in bad], "; ")
        raise ScalecalcError(f"{source}: {len(bad)} bad row(s): {shown}; fix these rows (x a positive number "
                             "up to 1e300, y a finite number), or add --skip-bad-rows to leave them out.")
    if bad:
        numbers = runs._first_few([str(number) for number, _ in bad], ", ")
        excluded[f"unusable rows skipped (--skip-bad-rows), at line(s) {numbers}"] = len(bad)
    order = np.argsort(np.array(xs), kind="stable")
    return Points(np.array(xs)[order], np.array(ys)[order], source, header[where[0]].strip(),
                  header[where[1]].strip(), excluded)


def _column(header: list[str], name: str, option: str, source: str) -> int:
    found = [index for index, cell in enumerate(header) if cell.strip().lower() == name.strip().lower()]
    if len(found) == 1:
        return found[0]
    shown = ", ".join(cell.strip() for cell in header)
    if found:
        raise ScalecalcError(f"{source}: the header has {len(found)} columns named {name!r}; rename one so "
                             f"that {option} names a single column.")
    raise ScalecalcError(f"{source}: {option} names {describe(name)}, which is not a column of the header "
                         f"({shown}); give one of those.")


def _parse(row: list[str], where: list[int], names: tuple[str, str]) -> tuple[tuple[float, float], str]:
    values: list[float] = []
    for index, name in zip(where, names, strict=True):
        cell = row[index].strip() if index < len(row) else ""
        if not cell:
            return (0.0, 0.0), f"{name} is missing"
        try:
            value = float(cell)
        except ValueError:
            return (0.0, 0.0), f"{name} {describe(cell)} is not a number"
        if not math.isfinite(value):
            return (0.0, 0.0), f"{name} {describe(cell)} is not a finite number"
        values.append(value)
    if not 0 < values[0] <= LARGEST_X:
        return (0.0, 0.0), f"{names[0]} {describe(row[where[0]].strip())} is not above 0 and at most 1e300"
    return (values[0], values[1]), ""


@dataclass(frozen=True)
class CurveFit:
    """A fitted one-variable law: `law` (a scalecalc.laws form, in x's own units) predicts the
    fitted quantity, which is y itself or, for a rising metric under a falling form, 1 − y."""

    name: str
    law: Any
    points: Points
    fitted: int  # the first `fitted` points (by x) were fitted; the rest are held out
    flipped: bool
    breaks: int = 0
    warnings: list[str] = field(default_factory=list)

    def predict(self, x: Any) -> np.ndarray:
        with np.errstate(all="ignore"):
            value = np.asarray(self.law.loss(np.asarray(x, dtype=float)), dtype=float)
        return 1 - value if self.flipped else value

    @property
    def fitted_range(self) -> tuple[float, float]:
        x = self.points.x[:self.fitted]
        return float(x[0]), float(x[-1])


def fit_curve(points: Points, law: str, *, breaks: int | None = None, holdout: int = 0,
              direction: str = "auto") -> CurveFit:
    """Fit `law` (LAWS) to all but the last `holdout` points by x."""
    check_law(law)
    if direction not in DIRECTIONS:
        raise ScalecalcError(f"--direction: {describe(direction)} is not one of {', '.join(DIRECTIONS)}.")
    if law == "sigmoid" and direction != "auto":
        raise ScalecalcError("--direction goes with power, saturating and bnsl; a sigmoid rises or falls by "
                             "itself (hi above or below lo), so drop it.")
    if breaks is not None and law != "bnsl":
        raise ScalecalcError(f"--breaks goes with --law bnsl, not --law {law}; drop it.")
    from scalecalc.laws.bnsl import MAX_BREAKS

    count = 1 if breaks is None else breaks
    if law == "bnsl" and not 1 <= count <= MAX_BREAKS:
        raise ScalecalcError(f"--breaks: give 1 to {MAX_BREAKS} breaks, not {count}.")
    if not len(points):
        raise ScalecalcError(f"{points.source}: no rows of points under the header; give one row per point.")
    if holdout < 0 or holdout >= len(points):
        raise ScalecalcError(f"--holdout-last: give 0 to {max(len(points) - 1, 0)} points to hold out (of "
                             f"{len(points)}), not {holdout}.")
    fitted = len(points) - holdout
    x, y = points.x[:fitted], points.y[:fitted]
    needed = 3 + 3 * count + 1 if law == "bnsl" else COEFFICIENT_COUNTS[law] + 1
    if law == "bnsl":
        needed = max(needed, BNSL_X_PER_BREAK * count)
    distinct = np.unique(x).size
    if distinct < needed:
        what = f"bnsl with {count} break(s)" if law == "bnsl" else law
        raise ScalecalcError(f"{points.source}: {distinct} distinct x value(s) to fit, and {what} needs at "
                             f"least {needed}; give more points{' or hold out fewer' if holdout else ''}.")
    if np.ptp(y) == 0:
        raise ScalecalcError(f"{points.source}: every fitted {points.y_name} is {y[0]:g}, so no curve can be "
                             "told from another; give points where it changes.")
    rising = _rising(x, y) if direction == "auto" else direction == "rising"
    flipped = rising and law != "sigmoid"
    _check_values(points, law, flipped)
    target = 1 - y if flipped else y
    scale = float(x[0])
    warnings: list[str] = []
    if law == "bnsl":
        from scalecalc import bnsl

        with np.errstate(all="ignore"):
            result = bnsl.fit(x, target, count)
        outside = [f"d{index} = {show(d)}" for index, (_, d, _) in enumerate(result.breaks, start=1)
                   if not x[0] <= d <= x[-1]]
        if outside:
            warnings.append(f"the break at {', '.join(outside)} lies outside the fitted {points.x_name} "
                            f"range ({show(x[0])} to {show(x[-1])}), where the data cannot place it; read "
                            "it as a guess.")
    else:
        with np.errstate(all="ignore"):  # overflow in a corner of a grid is scored inf, not warned about
            result = _simple(law, x / scale, target, scale, warnings)
    return CurveFit(law, _labelled(result, law, points, flipped), points, fitted, flipped,
                    count if law == "bnsl" else 0, warnings)


def check_law(law: str) -> None:
    if law not in LAWS:
        raise ScalecalcError(f"--law: {describe(law)} is not a law form; choose one of {', '.join(LAWS)}.")


def _rising(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether y grows with ln x: the sign of the least-squares slope."""
    log_x = np.log(x)
    return float(np.sum((log_x - log_x.mean()) * (y - y.mean()))) > 0


def _check_values(points: Points, law: str, flipped: bool) -> None:
    y, name = points.y, points.y_name
    low, high = Y_BOUNDS
    odd = y[(y != 0) & ~((np.abs(y) >= low) & (np.abs(y) <= high))]
    if odd.size:
        raise ScalecalcError(f"{points.source}: {name} has {odd[0]:g}, outside what a curve fit takes; give "
                             f"values of size from {show(low)} to {show(high)} (or 0), rescaling the column.")
    if math.log10(points.x[-1]) - math.log10(points.x[0]) > MAX_X_DECADES:
        raise ScalecalcError(f"{points.source}: {points.x_name} spans more than {MAX_X_DECADES} decades "
                             f"({show(points.x[0])} to {show(points.x[-1])}); give points in a narrower "
                             "range.")
    if flipped and not np.all((y >= 0) & (y < 1)):
        bad = y[~((y >= 0) & (y < 1))][0]
        raise ScalecalcError(f"{points.source}: {name} rises with {points.x_name}, so --law {law} fits 1 − "
                             f"{name}, which needs values from 0 to below 1, not {bad:g}; give it as a "
                             "fraction, or use --law sigmoid, or --direction falling.")
    if law == "sigmoid" and np.any(y < 0):
        raise ScalecalcError(f"{points.source}: --law sigmoid fits a metric of 0 or more, and {name} has "
                             f"{y[y < 0][0]:g}; shift the column, or choose another law.")
    if not flipped and law != "sigmoid" and np.any(y <= 0):
        raise ScalecalcError(f"{points.source}: --law {law} fits a positive metric falling to a floor, and "
                             f"{name} has {y[y <= 0][0]:g}; give positive values (a loss or an error rate).")


def _simple(law: str, x: np.ndarray, y: np.ndarray, scale: float, warnings: list[str]) -> Any:
    """power, saturating or sigmoid on x/scale, returned as a law form in x's units."""
    from scalecalc import curvefits

    if law == "power":
        from scalecalc.laws.powerlaw1d import PowerLaw1D

        e, a, alpha = curvefits.power(x, y)
        if not 1.001e-4 < alpha < 9.99:
            warnings.append(f"alpha = {alpha:.4g} sits at the edge of the search (1e-4 to 10): the points "
                            "do not pin the exponent.")
        if a <= 0:
            warnings.append("the fitted power term is zero: the points show no fall with x.")
        # A·(x/s)^−α = (x0/x)^α with x0 = A^(1/α)·s, computed in logs.
        x0 = math.exp(math.log(a) / alpha + math.log(scale)) if a > 0 else 0.0
        return PowerLaw1D(scale=x0, exponent=alpha, irreducible=e)
    if law == "saturating":
        from scalecalc.laws.saturating import SaturatingPowerLaw

        a, b, c, d = curvefits.saturating(x, y)
        # a·(x/s + d)^−b = a·s^b·(x + d·s)^−b
        return SaturatingPowerLaw(a=a * scale ** b, b=b, c=c, d=d * scale)
    from scalecalc.laws.sigmoid import SigmoidLaw

    lo, hi, k, mid = curvefits.sigmoid(x, y)
    if not 1.001e-3 < k < 999:
        warnings.append(f"k = {k:.4g} sits at the edge of the search (1e-3 to 1e3): the points do not pin "
                        "the steepness.")
    return SigmoidLaw(lo=lo, hi=hi, k=k, x_mid=mid * scale)


def _labelled(law: Any, name: str, points: Points, flipped: bool) -> Any:
    from dataclasses import replace

    quantity = f"1 − {points.y_name}" if flipped else points.y_name
    return replace(law, label=f"{quantity} against {points.x_name}, {name} law fitted by scalecalc to "
                   f"{Path(points.source).name}")


# --- the report -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CurveValue:
    """One line of a curve fit's report: a coefficient, a statistic, or a prediction."""

    name: str = record_field("text", "coefficient, statistic, or predicted_at_X")
    value: Value = record_field("number", "its value (blank where not defined)")
    meaning: str = record_field("text", "what it is")


MEANINGS = {
    "power": {"E": "floor: y as x grows without bound", "x0": "scale: (x0/x)^alpha is the reducible part",
              "alpha": "exponent of the fall"},
    "saturating": {"a": "scale of the reducible part", "b": "exponent", "c": "floor at large x",
                   "d": "shift in x units: the curve flattens below it"},
    "sigmoid": {"lo": "y far below x_mid", "hi": "y far above x_mid", "k": "steepness in ln x",
                "x_mid": "x where y is halfway from lo to hi"},
    "bnsl": {"a": "limit as x grows", "b": "offset", "c0": "initial log-log slope"},
}
FORMS = {"power": "y = E + (x0/x)^alpha", "saturating": "y = c + a·(x + d)^(−b) (Zhai et al. 2022)",
         "sigmoid": "y = lo + (hi − lo)/(1 + (x_mid/x)^k)",
         "bnsl": "y = a + b·x^(−c0)·∏(1 + (x/d_i)^(1/f_i))^(−c_i·f_i) (Caballero et al. 2022)"}


def coefficients(fit: CurveFit) -> dict[str, float]:
    """The fitted coefficients by their names in FORMS (power: E, x0, alpha)."""
    law = fit.law
    if fit.name == "power":
        return {"E": law.irreducible, "x0": law.scale, "alpha": law.exponent}
    if fit.name == "bnsl":
        names = ["a", "b", "c0", *(f"{name}{i}" for i in range(1, fit.breaks + 1) for name in "cdf")]
        return {name: getattr(law, name) for name in names}
    return {name: getattr(law, name) for name in law.parameters}


def _meaning(fit: CurveFit, name: str) -> str:
    known = MEANINGS[fit.name].get(name)
    if known is None:  # a break's c, d or f
        what = {"c": "change of slope at break", "d": "x at break", "f": "sharpness (smaller: sharper) of "
                "break"}[name[0]]
        known = f"{what} {name[1:]}"
    return known + (f" (of 1 − {fit.points.y_name})" if fit.flipped else "")


def x_labels(values: np.ndarray) -> list[str]:
    """As few digits as keep the values apart, at least four: 1e9 -> "1e9"."""
    for digits in range(4, 18):
        labels = [f"{value:.{digits}g}".replace("e+", "e") for value in values]
        if len(set(labels)) == len(labels):
            return labels
    raise ScalecalcError("--at: a value is given twice; give each x once.")


def check_at(values: np.ndarray) -> list[str]:
    if len(values) > MAX_AT:
        raise ScalecalcError(f"--at: give at most {MAX_AT} x values, not {len(values)}.")
    return x_labels(values)


def rmsle(predicted: np.ndarray, observed: np.ndarray) -> float | None:
    """√mean (ln ŷ − ln y)² (the authors' RMSLE); None where a value is not positive or none given."""
    if predicted.size == 0 or np.any(predicted <= 0) or np.any(observed <= 0) or \
            not np.all(np.isfinite(predicted)):
        return None
    with np.errstate(all="ignore"):  # too large a value is inf, and the report shows it blank
        return float(np.sqrt(np.mean((np.log(predicted) - np.log(observed)) ** 2)))


def rmse(predicted: np.ndarray, observed: np.ndarray) -> float | None:
    if predicted.size == 0 or not np.all(np.isfinite(predicted)):
        return None
    with np.errstate(all="ignore"):
        return float(np.sqrt(np.mean((predicted - observed) ** 2)))


def report(fit: CurveFit, at: np.ndarray) -> list[CurveValue]:
    """Coefficients, errors on the fitted and held-out points, and predictions at `at`."""
    labels = check_at(at)
    points = fit.points
    lines = [CurveValue(name, _finite(value), _meaning(fit, name))
             for name, value in coefficients(fit).items()]
    predicted = fit.predict(points.x)
    train, held = slice(0, fit.fitted), slice(fit.fitted, None)
    held_out = len(points) - fit.fitted
    stats: list[tuple[str, Any, str]] = [
        ("points", len(points), f"points read from {Path(points.source).name}"),
        ("points_fitted", fit.fitted, "points the law was fitted to"),
        ("points_held_out", held_out, "points of largest x held out (--holdout-last)"),
        ("rmsle_train", rmsle(predicted[train], points.y[train]),
         "√mean (ln ŷ − ln y)² on the fitted points"),
        ("rmsle_holdout", rmsle(predicted[held], points.y[held]), "√mean (ln ŷ − ln y)² on the held-out "
         "points: the extrapolation error"),
        ("rmse_train", rmse(predicted[train], points.y[train]), "√mean (ŷ − y)² on the fitted points"),
        ("rmse_holdout", rmse(predicted[held], points.y[held]), "√mean (ŷ − y)² on the held-out points"),
    ]
    lines += [CurveValue(name, _finite(value), meaning) for name, value, meaning in stats]
    low, high = fit.fitted_range
    for value, label, guess in zip(at, labels, fit.predict(at), strict=True):
        beyond = " (extrapolation)" if not low <= value <= high else ""
        lines.append(CurveValue(f"predicted_at_{label}", _finite(guess),
                                f"predicted {points.y_name} at {points.x_name} = {label}{beyond}"))
    return lines


def report_warnings(fit: CurveFit, records: list[CurveValue], at: np.ndarray) -> list[str]:
    """The fit's own warnings, then what the report leaves blank or extrapolates."""
    warnings = list(fit.warnings)
    low, high = fit.fitted_range
    beyond = [label for value, label in zip(at, x_labels(at), strict=True) if not low <= value <= high]
    if beyond:
        warnings.append(f"{fit.points.x_name} = {', '.join(beyond)} lies outside the fitted range "
                        f"({show(low)} to {show(high)}): extrapolation.")
    no_holdout = fit.fitted == len(fit.points)  # then the holdout errors are blank by design
    blank = [record.name for record in records
             if record.value is None and not (no_holdout and record.name.endswith("_holdout"))]
    if blank:
        warnings.append(f"{', '.join(blank)} cannot be given (a value not positive, or not finite), so the "
                        "report leaves it blank (null).")
    return warnings


def _finite(value: Any) -> float | int | None:
    if value is None or isinstance(value, int):
        return value
    number = float(value)
    return number if math.isfinite(number) else None


# --- saving as a preset -----------------------------------------------------------------------------

def variable(x_name: str) -> str | None:
    """The preset variable (laws.VARIABLES) an x column stands for, by its header, or None."""
    from scalecalc import runs

    lowered = x_name.strip().lower()
    for key in ("params", "tokens", "flops"):
        if lowered in runs.KNOWN_HEADERS[key]:
            return key
    return "core_days" if lowered.replace("-", "_").replace(" ", "_") == "core_days" else None


def check_savable(points: Points) -> str:
    """The variable a saved law takes, or a refusal saying what works."""
    key = variable(points.x_name)
    if key is None:
        raise ScalecalcError(f"--save: the x column {points.x_name!r} is not parameters, tokens, FLOPs or "
                             "core-days, the variables a preset's one-variable law takes; name the column "
                             "params, tokens, flops or core_days to save, or read predictions with --at.")
    return key


def preset_document(fit: CurveFit, name: str) -> dict[str, Any]:
    """The preset file: the law under [single.VARIABLE], its fitted range, and how it was made."""
    key = check_savable(fit.points)
    law = fit.law
    values: dict[str, Any] = {"form": law.form}
    for item in (*law.parameters, *law.optional):
        number = float(getattr(law, item))
        if item in law.optional and number == law.optional[item]:
            continue
        values[item] = number
    values["label"] = law.label
    low, high = fit.fitted_range
    points = fit.points
    quantity = f"1 − {points.y_name}" if fit.flipped else points.y_name
    return {
        "name": name,
        "summary": f"{fit.name} law of {quantity} against {points.x_name}, fitted by scalecalc to "
                   f"{fit.fitted} points from {Path(points.source).name}",
        "notes": f"{FORMS[fit.name]}. The law answers {quantity}: loss --{key.replace('_', '-')} X asks it.",
        "source": {"citation": f"scalecalc fit of {points.source}",
                   "location": f"columns {points.x_name} and {points.y_name}, {fit.fitted} points"},
        "single": {key: values},
        "fitted_range": {key: [low, high]},
    }


def save_preset(fit: CurveFit, path: Path, force: bool) -> None:
    """Write the preset, checked as --preset would read it (scalecalc.fitreport.write_preset)."""
    from scalecalc.fitreport import write_preset

    write_preset(preset_document(fit, path.stem), path, force)
