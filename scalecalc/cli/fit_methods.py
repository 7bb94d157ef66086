"""`scalecalc fit --method isoflop|envelope`: Approaches 2 and 1 of Hoffmann et al. 2022.

cli/fitting.py owns the command and the parametric method (Approach 3); it hands the other two
methods to `run` here with the options as given.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any

import typer

from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity, parse_quantity_list


class Method(enum.StrEnum):
    parametric = "parametric"
    isoflop = "isoflop"
    envelope = "envelope"


class Axis(enum.StrEnum):
    params = "params"
    tokens = "tokens"


PANEL = "IsoFLOP and envelope fits (--method isoflop|envelope)"
MethodOption = Annotated[Method, typer.Option(
    metavar="NAME", help="parametric (the Chinchilla law, Approach 3), isoflop (a parabola per budget, "
    "Approach 2) or envelope (lowest loss across training curves, Approach 1).")]
DegreeOption = Annotated[int | None, typer.Option(
    metavar="INTEGER", help="isoflop: 2 (parabola, default) or 3 (cubic) in log10 N.", rich_help_panel=PANEL)]
AxisOption = Annotated[Axis | None, typer.Option(
    metavar="NAME", help="isoflop: profile loss against log10 params (default) or log10 tokens "
    "(as Llama 3 does).", rich_help_panel=PANEL)]
ToleranceOption = Annotated[str | None, typer.Option(
    metavar="PERCENT", help="isoflop: runs whose FLOPs agree within this share form a budget "
    "(default 10; not with a budget/group column).", rich_help_panel=PANEL)]
BudgetsOption = Annotated[str | None, typer.Option(
    metavar="LIST", help="isoflop: nominal budgets, e.g. 6e18,1e19,3e19; each run joins the nearest "
    "within --group-tolerance. A budget or group column (or --columns budget=HEADER) groups runs "
    "instead.", rich_help_panel=PANEL)]
PerTokenOption = Annotated[str | None, typer.Option(
    "--flops-per-token", metavar="NUMBER", help="isoflop, envelope: FLOPs per parameter per token, "
    "C = k·N·D (default 6).", rich_help_panel=PANEL)]
GridPointsOption = Annotated[int | None, typer.Option(
    metavar="INTEGER", help="envelope: log-spaced FLOP values (default 1,500, Hoffmann §3.1).",
    rich_help_panel=PANEL)]
SmoothOption = Annotated[int | None, typer.Option(
    metavar="INTEGER", help="envelope: moving-average window over each curve's points (default 1: "
    "none; Hoffmann smooth over 10 steps).", rich_help_panel=PANEL)]

MAX_GRID_POINTS = 100_000
MAX_SMOOTH = 1_000
TOLERANCE_PERCENT = (0.1, 50.0)


def refuse_for_parametric(given: dict[str, Any]) -> None:
    """Options of the other methods are refused with the parametric fit, not silently ignored."""
    named = [name for name, value in given.items() if value is not None]
    if named:
        raise ScalecalcError(f"{named[0]} goes with --method isoflop or envelope; add the method or drop "
                             "the option.")


def _per_token(text: str | None) -> float:
    if text is None:
        return 6.0
    value = parse_quantity(text, "--flops-per-token")
    if not 1 <= value <= 1000:
        raise ScalecalcError(f"--flops-per-token: {value:g} is outside 1 to 1000; 6 is the usual value "
                             "(C = 6·N·D), 8 with full recomputation.")
    return value


def run(method: Method, options: dict[str, Any]) -> None:
    """Fit, report and save for `method`; options holds every option of `fit` by its name."""
    from dataclasses import replace

    import numpy as np

    from scalecalc import fitreport, isoflopfit, powerfitreport
    from scalecalc.cli.app import write

    other = "envelope" if method is Method.isoflop else "isoflop"
    wrong = {"isoflop": ("--degree", "--axis", "--group-tolerance", "--budgets"),
             "envelope": ("--grid-points", "--smooth")}[other]
    for name in wrong:
        if options[name] is not None:
            raise ScalecalcError(f"{name} goes with --method {other}, not --method {method.value}; drop it.")
    for name, default in (("--delta", "1e-3"), ("--grid", "fast")):
        if options[name] != default:
            raise ScalecalcError(f"{name} goes with --method parametric (the Chinchilla law fit); drop it.")
    bootstrap, seed, width = options["--bootstrap"], options["--seed"], options["--ci"]
    if bootstrap:
        isoflopfit.check_bootstrap(bootstrap, seed)
    budgets = parse_quantity_list(options["--reference-flops"], "--reference-flops")
    fitreport.budget_labels(budgets)
    c0 = _per_token(options["--flops-per-token"])
    if method is Method.envelope:
        from scalecalc.cli.fit_envelope import run_envelope

        run_envelope(options, c0, budgets, width)
        return
    target = options["save_target"]
    data, groups, result = isoflop_from(options, c0)
    lines = powerfitreport.law_lines(result, budgets, width)
    comparison, notes = _parametric(data, lines, budgets, bootstrap, seed, width)
    lines += comparison
    lines += isoflopfit.budget_lines(result)
    lines += _counts(data, result, groups.left_out)
    if target is not None:
        powerfitreport.save_allocation(replace(result), target, options["--force"], "isoflop", width)
    notes += powerfitreport.extrapolation_warnings(np.log10(groups.flops), budgets)
    report(data.excluded, isoflopfit.warnings(result) + notes, target)
    if groups.left_out:
        typer.echo(f"note: {groups.left_out} run(s) fall in no budget with enough sizes and are left out.",
                   err=True)
    title = f"IsoFLOP fit (Approach 2) of {len(data) - groups.left_out} runs in {len(groups.flops)} budgets"
    write(_shown(lines, options), options["--format"], title=f"{title} from {data.source}", transpose=False)


def grouping_options(tolerance_text: str | None, budgets_text: str | None) -> tuple[Any, Any]:
    """--group-tolerance (a fraction, None if not given) and --budgets (an array, or None)."""
    tolerance = None
    if tolerance_text is not None:
        tolerance = parse_quantity(tolerance_text, "--group-tolerance")
        if not TOLERANCE_PERCENT[0] <= tolerance <= TOLERANCE_PERCENT[1]:
            raise ScalecalcError(f"--group-tolerance: {tolerance:g}% is outside {TOLERANCE_PERCENT[0]:g} to "
                                 f"{TOLERANCE_PERCENT[1]:g} percent; 10 groups runs within 10% of a budget.")
        tolerance /= 100
    nominal = None if budgets_text is None else parse_quantity_list(budgets_text, "--budgets")
    if nominal is not None and len(set(nominal.tolist())) != len(nominal):
        raise ScalecalcError("--budgets: a budget is given twice; give each budget once.")
    return tolerance, nominal


def isoflop_from(options: dict[str, Any], c0: float) -> tuple[Any, Any, Any]:
    """(runs, budgets, fit) for the isoflop options, bootstrapped if asked."""
    from scalecalc import isoflop, isoflopfit

    degree = 2 if options["--degree"] is None else options["--degree"]
    if degree not in isoflop.DEGREES:
        raise ScalecalcError(f"--degree {degree}: use 2 (a parabola) or 3 (a cubic).")
    axis = (options["--axis"] or Axis.params).value
    tolerance, nominal = grouping_options(options["--group-tolerance"], options["--budgets"])
    data = load(options, c0)
    groups = isoflopfit.assign_budgets(data, c0, tolerance=tolerance, nominal=nominal,
                                       min_sizes=max(isoflopfit.MIN_SIZES, degree + 1),
                                       sizes=data.params if axis == "params" else data.tokens)
    result = isoflopfit.fit_isoflop(data, groups, axis=axis, degree=degree, c0=c0)
    if options["--bootstrap"]:
        result = isoflopfit.bootstrap(result, options["--bootstrap"], options["--seed"])
    return data, groups, result


def figure_fit(method: Method, given: dict[str, Any]) -> Any:
    """The fit `plot fit --method isoflop|envelope` draws; `given` holds the plot's options."""
    from scalecalc import isoflopfit

    options: dict[str, Any] = {"--degree": None, "--axis": None, "--group-tolerance": None, "--budgets": None,
                               "--flops-per-token": None, "--columns": None, "--skip-bad-rows": False,
                               "--drop-highest-loss": 0, "min_tokens_per_param": None, "--seed": None,
                               "--grid-points": None, "--smooth": None, **given}
    if options["--bootstrap"]:
        isoflopfit.check_bootstrap(options["--bootstrap"], options["--seed"])
    if method is Method.isoflop:
        return isoflop_from(options, 6.0)[2]
    from scalecalc.cli.fit_envelope import envelope_from

    for name in ("--degree", "--group-tolerance", "--budgets"):
        if options[name] is not None:
            raise ScalecalcError(f"{name} goes with --method isoflop, not --method envelope; drop it.")
    if options["--columns"] is not None or options["--drop-highest-loss"]:
        raise ScalecalcError("--columns and --drop-highest-loss go with runs files, not with --method "
                             "envelope (a curves file has the columns run, params, tokens and loss); drop "
                             "them.")
    return envelope_from(options, 6.0)[1]


def load(options: dict[str, Any], c0: float) -> Any:
    """The runs file, read with FLOPs per token c0 (D = C/(c0·N) from a flops column)."""
    from scalecalc import runs
    from scalecalc.cli.app import _read_text

    name = options["runs_file"]
    source = "standard input" if name == "-" else name
    columns = runs.parse_columns(options["--columns"])
    text = _read_text(name, runs.MAX_FILE_BYTES)
    data = runs.read_runs(text, source, columns, c0, skip_bad_rows=options["--skip-bad-rows"])
    return runs.exclude(data, options["--drop-highest-loss"], options["min_tokens_per_param"])


PARAMETRIC_RESAMPLES = 1000  # Approach 3's bootstrap beside the isoFLOP one: enough for a 95% interval


def _parametric(data: Any, lines: list[Any], budgets: Any, resamples: int, seed: int | None,
                ci: float) -> tuple[list[Any], list[str]]:
    """Approach 3 on the same runs beside the power law, where the runs allow that fit; with
    --bootstrap, its own bootstrap interval (at most PARAMETRIC_RESAMPLES resamples) too."""
    import numpy as np

    from scalecalc import fit as fitting
    from scalecalc import powerfitreport

    try:
        with np.errstate(over="ignore", invalid="ignore"):  # a degenerate fit is reported below, not warned
            parametric = fitting.fit_runs(data, delta=1e-3, grid="fast")
    except ScalecalcError as error:
        return [], [f"no Approach 3 comparison: {str(error).rstrip('.')}."]
    if not (parametric.law.alpha > 0 and parametric.law.beta > 0):
        return [], ["no Approach 3 comparison: the Chinchilla-form fit of these runs is degenerate."]
    draws = None
    if resamples:
        with np.errstate(over="ignore", invalid="ignore"):
            draws = fitting.bootstrap(parametric, min(resamples, PARAMETRIC_RESAMPLES), seed=seed)
    return powerfitreport.comparison_lines(lines, parametric, budgets, draws, ci), []


def _counts(data: Any, result: Any, left_out: int) -> list[Any]:
    from scalecalc.fitreport import FitValue

    lines = [FitValue("runs", len(data) - left_out, None, None, "runs fitted"),
             FitValue("runs_excluded", sum(data.excluded.values()) + left_out, None, None, "runs left out"),
             FitValue("budgets", len(result.budgets.flops), None, None, "budgets (profiles) fitted"),
             FitValue("budgets_in_line", int(result.minima.bracketed.sum()), None, None,
                      "budgets whose bracketed minimum the power law goes through")]
    if result.draws is not None:
        lines.append(FitValue("bootstrap_resamples", len(result.draws), None, None,
                              "usable resamples behind the intervals"))
    return lines


def report(excluded: dict[str, int], warnings: list[str], target: Any) -> None:
    """Notes and warnings on stderr, after the work, so a refusal is the only line on an error."""
    for reason, count in excluded.items():
        typer.echo(f"note: excluded {count} run(s): {reason}.", err=True)
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    if target is not None:
        typer.echo(f"saved the allocation as preset {target}; use it with --preset {target}", err=True)


def _shown(lines: list[Any], options: dict[str, Any]) -> list[Any]:
    """The table with intervals leaves out `meaning` to fit 80 columns, as the parametric fit does."""
    from scalecalc.cli.app import OutputFormat
    from scalecalc.fitreport import FitInterval

    if options["--format"] is not OutputFormat.table or options["--bootstrap"] == 0:
        return lines
    return [FitInterval(line.name, line.value, line.ci_low, line.ci_high) for line in lines]
