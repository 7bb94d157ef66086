"""`scalecalc plot`: the figures (drawing is in scalecalc.plots, writing in scalecalc.outfiles).

Each command checks where its file will go before it draws (a refused --out costs nothing), then
writes the file whole and prints its name on stdout.
"""

from typing import Annotated, Any

import typer

from scalecalc import presets as preset_files
from scalecalc.cli.app import SetOption, examples, load_presets, load_runs, plot_app
from scalecalc.cli.fit_methods import (
    BudgetsOption,
    DegreeOption,
    Method,
    MethodOption,
    ToleranceOption,
    refuse_for_parametric,
)
from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity, parse_quantity_list

# Help texts repeat the bounds in scalecalc.plots (importing it here would slow every command's
# start-up); tests/test_hostile_plots.py checks that they agree.
MAX_BOOTSTRAP = 10_000  # the band uses 400 draws; more only costs time

@plot_app.callback()
def plot_choice(ctx: typer.Context) -> None:
    """Figures (PNG, SVG or PDF by the file's extension); needs the plot extra."""
    if ctx.invoked_subcommand is None:
        raise ScalecalcError("choose a figure: scalecalc plot isoflop, frontier, contour, fit or curve "
                             "(scalecalc plot --help says more).")

def _out_help(kind: str) -> str:
    return (f"File to write, .png, .svg or .pdf (the extension chooses the format); default "
            f"scalecalc-{kind}.png in the current folder. An existing file is replaced only with --force.")

ForceOption = Annotated[bool, typer.Option("--force", help="Replace the --out file if it exists.")]
PresetsOption = Annotated[list[str] | None, typer.Option(
    "--preset", "-p", metavar="NAME", help="Built-in name, path to a .toml preset, or 'all'; repeat to "
    f"compare (at most 10). Default: {preset_files.DEFAULT_PRESET}.")]

def _plots() -> Any:
    """scalecalc.plots, once matplotlib is known to be there."""
    from scalecalc import plots

    plots.require_matplotlib()
    return plots

def _finish(figure: Any, path: Any, force: bool) -> None:
    from scalecalc import plots

    typer.echo(str(plots.save(figure, path, force)))


def _target_beside(plots: Any, out: str | None, kind: str, force: bool, source: str, what: str) -> Any:
    """The --out path for a figure drawn from the file `source` (a runs or points file), refused where
    it is that file: an input is never replaced, --force or not."""
    path = plots.target(out, kind, force)
    if source != "-" and path.exists() and path.samefile(source):
        raise ScalecalcError(f"--out: {out} is the {what} file itself, which is never replaced; choose "
                             "another name.")
    return path


def _span(text: str, name: str, bounds: tuple[float, float], unit: str) -> tuple[float, float]:
    """LOW:HIGH within `bounds`, LOW below HIGH."""
    from scalecalc import plots

    parts = text.split(":")
    if len(parts) != 2:
        raise ScalecalcError(f"{name}: write a range as LOW:HIGH, for example {name} 1e7:1e13.")
    low, high = plots.check_within([parse_quantity(part, name) for part in parts], bounds, name, unit)
    if not low < high:
        raise ScalecalcError(f"{name}: the range {text!r} is empty or backwards; put the smaller first.")
    return float(low), float(high)

def _budgets(text: str, per_decade: int | None, least: int, most: int | None) -> Any:
    """--flops as a list or a LOW:HIGH range (`per_decade` points a decade, else one), bounded."""
    import numpy as np

    from scalecalc import plots

    if per_decade is not None and not 1 <= per_decade <= plots.MAX_PER_DECADE:
        raise ScalecalcError(f"--per-decade: give a whole number from 1 to {plots.MAX_PER_DECADE}.")
    if ":" in text:
        _span(text, "--flops", plots.FLOPS_BOUNDS, "budgets")  # bounds first: the grid would overflow
    budgets = np.unique(plots.check_within(parse_quantity_list(text, "--flops", per_decade),
                                           plots.FLOPS_BOUNDS, "--flops", "budgets"))
    if budgets.size < least:
        raise ScalecalcError(f"--flops: a frontier needs at least {least} different budgets; give a range "
                             "such as 1e18:1e26.")
    if most is not None and budgets.size > most:
        raise ScalecalcError(f"--flops: {budgets.size} budgets would be {budgets.size} curves; give at most "
                             f"{most}.")
    return budgets

def _presets(specs: list[str] | None, overrides: list[str] | None, need_law: bool = True) -> Any:
    """The presets, at most as many as a figure can tell apart. Coefficients from --set can overflow
    the closed-form allocation; the figure then says so in one sentence, so NumPy's warning is kept
    off stderr."""
    import numpy as np

    from scalecalc import plots

    with np.errstate(all="ignore"):
        return plots.check_presets(load_presets(specs, need_law=need_law, overrides=overrides))

@plot_app.command("isoflop", epilog=examples(
    "scalecalc plot isoflop --flops 1e20,1e21,1e22 --preset chinchilla --preset besiroglu --out isoflop.svg"))
def plot_isoflop(
    flops: Annotated[str, typer.Option(metavar="LIST", help="Budgets, one curve each (at most 12): a "
                                       "comma list, or START:STOP for one a decade; from 1e6 to 1e40 "
                                       "FLOPs.")] = "1e19,1e20,1e21,1e22",
    preset: PresetsOption = None,
    set_: SetOption = None,
    out: Annotated[str | None, typer.Option("--out", "-o", metavar="FILE", help=_out_help("isoflop"))] = None,
    force: ForceOption = False,
) -> None:
    """Loss against N along iso-FLOP lines, the optimum marked (Chinchilla's Figure 3)."""
    plots = _plots()
    budgets = _budgets(flops, None, 1, plots.MAX_BUDGETS)
    chosen = _presets(preset, set_)
    path = plots.target(out, "isoflop", force)  # after the cheap checks, before the drawing
    _finish(plots.isoflop(chosen, budgets), path, force)

@plot_app.command("frontier", epilog=examples(
    "scalecalc plot frontier --flops 1e18:1e26 --preset chinchilla --preset besiroglu --preset kaplan"))
def plot_frontier(
    flops: Annotated[str, typer.Option(metavar="LIST", help="Budgets: START:STOP (log-spaced) or a comma "
                                       "list of at least 2, from 1e6 to 1e40 FLOPs.")] = "1e18:1e26",
    per_decade: Annotated[int | None, typer.Option(metavar="INTEGER", help="Points per decade of a "
                                                   "START:STOP range, 1 to 100 (default 8).")] = None,
    preset: Annotated[list[str] | None, typer.Option(
        "--preset", "-p", metavar="NAME", help="Built-in name or path to a .toml preset; repeat to "
        "compare (at most 10). Default: every built-in preset.")] = None,
    set_: SetOption = None,
    out: Annotated[str | None, typer.Option("--out", "-o", metavar="FILE",
                                            help=_out_help("frontier"))] = None,
    force: ForceOption = False,
) -> None:
    """N_opt and D_opt against C for one or more presets (all built-in ones by default), each fitted
    range marked: solid inside it, dashed outside, dotted where a preset states none."""
    plots = _plots()
    if per_decade is not None and ":" not in flops:
        raise ScalecalcError("--per-decade goes with a range such as --flops 1e18:1e26, not a list.")
    budgets = _budgets(flops, (8 if per_decade is None else per_decade) if ":" in flops else None, 2, None)
    chosen = _presets(preset or ["all"], set_, need_law=False)
    path = plots.target(out, "frontier", force)
    _finish(plots.frontier(chosen, budgets), path, force)

@plot_app.command("contour", epilog=examples("scalecalc plot contour --preset besiroglu --params 1e8:1e12"))
def plot_contour(
    params: Annotated[str, typer.Option(metavar="LIST", help="Range of N as LOW:HIGH, at least a factor of "
                                        "10 apart, within 1 to 1e18.")] = "1e7:1e13",
    tokens: Annotated[str, typer.Option(metavar="LIST", help="Range of D as LOW:HIGH, at least a factor of "
                                        "10 apart, within 1 to 1e18.")] = "1e8:1e14",
    preset: Annotated[list[str] | None, typer.Option(
        "--preset", "-p", metavar="NAME", help="One preset with a loss law: built-in name or path to a "
        f".toml file. Default: {preset_files.DEFAULT_PRESET}.")] = None,
    set_: SetOption = None,
    out: Annotated[str | None, typer.Option("--out", "-o", metavar="FILE", help=_out_help("contour"))] = None,
    force: ForceOption = False,
) -> None:
    """Loss contours over (N, D), with iso-FLOP lines and the compute-optimal path."""
    plots = _plots()
    if preset and (len(preset) > 1 or "all" in preset):
        raise ScalecalcError("--preset: plot contour draws one preset; give a single name, not "
                             f"{' and '.join(preset) if len(preset) > 1 else 'all'}.")
    spans = []
    for text, name, what in ((params, "--params", "parameter counts"), (tokens, "--tokens", "token counts")):
        low, high = _span(text, name, plots.COUNT_BOUNDS, what)
        if high < 10 * low:
            raise ScalecalcError(f"{name}: {text} spans less than a factor of 10, too narrow for contours; "
                                 "make HIGH at least 10 times LOW.")
        spans.append((low, high))
    (chosen,) = _presets(preset, set_)
    path = plots.target(out, "contour", force)
    _finish(plots.contour(chosen, *spans), path, force)

@plot_app.command("fit", epilog=examples("scalecalc plot fit runs.csv",
                                         "scalecalc plot fit runs.csv --preset my-law.toml --out fit.pdf"))
def plot_fit(
    runs_file: Annotated[str, typer.Argument(metavar="RUNS.csv", help="Runs, as for scalecalc fit.")],
    preset: Annotated[str | None, typer.Option("--preset", "-p", metavar="NAME", help="A fitted law to "
                                               "draw (e.g. saved by fit --save); without it the runs are "
                                               "fitted.")] = None,
    columns: Annotated[str | None, typer.Option(metavar="LIST", help="Map roles to headers, as for "
                                                "fit.")] = None,
    drop_highest_loss: Annotated[int, typer.Option(metavar="INTEGER", help="Leave out the K highest-loss "
                                                   "runs.")] = 0,
    bootstrap: Annotated[int, typer.Option(metavar="INTEGER", help="Without --preset: bootstrap K refits "
                                           f"(2 to {MAX_BOOTSTRAP:,}) for a band.")] = 0,
    seed: Annotated[int | None, typer.Option(metavar="INTEGER", help="Seed for the bootstrap, 0 or "
                                             "more.")] = None,
    out: Annotated[str | None, typer.Option("--out", "-o", metavar="FILE", help=_out_help("fit"))] = None,
    force: ForceOption = False,
    method: MethodOption = Method.parametric,
    degree: DegreeOption = None,
    group_tolerance: ToleranceOption = None,
    budgets: BudgetsOption = None,
) -> None:
    """Observed against predicted loss, residuals, and fitted iso-FLOP curves through the runs; with
    --method isoflop the profiles and their power law, with --method envelope the curves' envelope."""
    from dataclasses import replace

    from scalecalc import fit as fitting
    from scalecalc.laws import ChinchillaLaw

    plots = _plots()
    if bootstrap and not 2 <= bootstrap <= MAX_BOOTSTRAP:
        raise ScalecalcError(f"--bootstrap: give from 2 to {MAX_BOOTSTRAP:,} resamples (or 0 for none).")
    if seed is not None and seed < 0:
        raise ScalecalcError("--seed: give a whole number, 0 or more.")
    if method is not Method.parametric:
        _plot_method_fit(method, runs_file, preset, out, force, {
            "runs_file": runs_file, "--columns": columns, "--drop-highest-loss": drop_highest_loss,
            "--bootstrap": bootstrap, "--seed": seed, "--degree": degree,
            "--group-tolerance": group_tolerance, "--budgets": budgets})
        return
    refuse_for_parametric({"--degree": degree, "--group-tolerance": group_tolerance, "--budgets": budgets})
    if preset is not None and bootstrap:
        raise ScalecalcError("--bootstrap refits the runs; with --preset the band comes from the "
                             "preset's own draws, so drop one of them.")
    data = plots.check_runs(load_runs(runs_file, columns, drop_highest_loss))
    law = None if preset is None else preset_files.load(preset)
    if law is not None and not isinstance(law.law, ChinchillaLaw):
        raise ScalecalcError(f"preset {law.name} has no Chinchilla-form law to draw through the runs.")
    path = _target_beside(plots, out, "fit", force, runs_file, "runs")  # before the fit, which can be slow
    if law is not None:
        from scalecalc import uncertainty

        draws = uncertainty.coefficient_draws(law) if law.has_uncertainty else None
        result = fitting.score(data, law.law, draws=draws, source=law.name)
    else:
        result = fitting.fit_runs(data)
        if bootstrap:
            result = replace(result, draws=fitting.bootstrap(result, bootstrap, seed=seed))
    _finish(plots.fit_diagnostics(result), path, force)


@plot_app.command("curve", epilog=examples(
    "scalecalc plot curve examples/bnsl_4digit_addition.csv --x dataset_size --y test_cross_entropy "
    "--law bnsl --holdout-last 3 --out bnsl.svg"))
def plot_curve(
    runs_file: Annotated[str, typer.Argument(metavar="FILE", help="Points, as for fit --x --y.")],
    x: Annotated[str, typer.Option("--x", metavar="NAME", help="Column of the x values.")],
    y: Annotated[str, typer.Option("--y", metavar="NAME", help="Column of the metric.")],
    law: Annotated[str, typer.Option("--law", metavar="NAME", help="power, saturating, sigmoid or "
                                     "bnsl.")] = "power",
    breaks: Annotated[int | None, typer.Option(metavar="INTEGER", help="Breaks of --law bnsl, 1 (default) "
                                               "to 3.")] = None,
    holdout_last: Annotated[int, typer.Option(metavar="INTEGER", help="Fit all but the K points of largest "
                                              "x (0 to the points less one); they are drawn apart.")] = 0,
    direction: Annotated[str, typer.Option(metavar="NAME", help="auto, falling or rising.")] = "auto",
    skip_bad_rows: Annotated[bool, typer.Option("--skip-bad-rows", help="Leave out unusable rows.")] = False,
    out: Annotated[str | None, typer.Option("--out", "-o", metavar="FILE", help=_out_help("curve"))] = None,
    force: ForceOption = False,
) -> None:
    """A one-variable law fitted to two columns (as fit --x --y --law), with held-out points."""
    from scalecalc import curves
    from scalecalc.cli.fit_curves import load_points

    plots = _plots()
    curves.check_law(law)
    points = load_points(runs_file, x, y, skip_bad_rows)
    path = _target_beside(plots, out, "curve", force, runs_file, "points")
    result = curves.fit_curve(points, law, breaks=breaks, holdout=holdout_last, direction=direction)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    _finish(plots.curve(result), path, force)


def _plot_method_fit(method: Method, runs_file: str, preset: str | None, out: str | None, force: bool,
                     options: dict[str, Any]) -> None:
    """`plot fit --method isoflop|envelope`: fit as `fit --method` does, then draw it."""
    from scalecalc import isoflopplots
    from scalecalc.cli.fit_methods import figure_fit

    if preset is not None:
        raise ScalecalcError(f"--preset draws a Chinchilla-form law; --method {method.value} fits the runs "
                             "itself, so drop --preset.")
    path = _target_beside(_plots(), out, "fit", force, runs_file, "runs")
    result = figure_fit(method, options)
    draw = isoflopplots.isoflop_fit if method is Method.isoflop else isoflopplots.envelope_fit
    _finish(draw(result), path, force)
