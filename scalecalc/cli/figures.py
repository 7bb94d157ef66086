"""`scalecalc plot`: the figures (drawing is in scalecalc.plots)."""

from typing import Annotated, Any

import typer

from scalecalc import presets as preset_files
from scalecalc.cli.app import (
    PresetOption,
    SetOption,
    examples,
    load_presets,
    load_runs,
    plot_app,
)
from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity, parse_quantity_list


@plot_app.callback()
def plot_choice(ctx: typer.Context) -> None:
    """Figures (PNG, SVG or PDF by the file's extension); needs the plot extra."""
    if ctx.invoked_subcommand is None:
        raise ScalecalcError("choose a figure: scalecalc plot isoflop, frontier, contour or fit "
                             "(scalecalc plot --help says more).")


OutOption = Annotated[str | None, typer.Option("--out", "-o", help="File to write: .png, .svg or .pdf "
                                               "(default: scalecalc-KIND.png here).")]


def _plot_target(out: str | None, kind: str) -> Any:
    from pathlib import Path

    from scalecalc import plots

    plots.require_matplotlib()
    return plots.check_path(Path(out) if out else Path(f"scalecalc-{kind}.png"))


def _wrote(path: Any) -> None:
    typer.echo(str(path))


@plot_app.command("isoflop", epilog=examples(
    "scalecalc plot isoflop --flops 1e20,1e21,1e22 --preset chinchilla --preset besiroglu --out isoflop.svg"))
def plot_isoflop(
    flops: Annotated[str, typer.Option(help="Budgets, one curve each: a list or a "
                                       "range.")] = "1e19,1e20,1e21,1e22",
    preset: PresetOption = None,
    set_: SetOption = None,
    out: OutOption = None,
) -> None:
    """Loss against N along iso-FLOP lines, the optimum marked (Chinchilla's Figure 3)."""
    from scalecalc import plots

    path = _plot_target(out, "isoflop")
    chosen = load_presets(preset, need_law=True, overrides=set_)
    _wrote(plots.isoflop(chosen, parse_quantity_list(flops, "--flops"), path))


@plot_app.command("frontier", epilog=examples(
    "scalecalc plot frontier --flops 1e18:1e26 --preset chinchilla --preset besiroglu --preset kaplan"))
def plot_frontier(
    flops: Annotated[str, typer.Option(help="Range of budgets, e.g. 1e18:1e26.")] = "1e18:1e26",
    per_decade: Annotated[int, typer.Option(help="Points per decade.")] = 8,
    preset: PresetOption = None,
    set_: SetOption = None,
    out: OutOption = None,
) -> None:
    """N_opt and D_opt against C for one or more presets, each fitted range marked."""
    from scalecalc import plots

    path = _plot_target(out, "frontier")
    budgets = parse_quantity_list(flops, "--flops", per_decade if ":" in flops else None)
    _wrote(plots.frontier(load_presets(preset or ["all"], overrides=set_), budgets, path))


@plot_app.command("contour", epilog=examples("scalecalc plot contour --preset besiroglu --params 1e8:1e12"))
def plot_contour(
    params: Annotated[str, typer.Option(help="Range of N, e.g. 1e7:1e13.")] = "1e7:1e13",
    tokens: Annotated[str, typer.Option(help="Range of D, e.g. 1e8:1e14.")] = "1e8:1e14",
    preset: Annotated[str, typer.Option("--preset", "-p", help="One preset with a loss law.")
                      ] = preset_files.DEFAULT_PRESET,
    set_: SetOption = None,
    out: OutOption = None,
) -> None:
    """Loss contours over (N, D), with iso-FLOP lines and the compute-optimal path."""
    from scalecalc import plots

    path = _plot_target(out, "contour")
    (chosen,) = load_presets([preset], need_law=True, overrides=set_)
    _wrote(plots.contour(chosen, _span(params, "--params"), _span(tokens, "--tokens"), path))


def _span(text: str, name: str) -> tuple[float, float]:
    parts = text.split(":")
    if len(parts) != 2:
        raise ScalecalcError(f"{name}: write a range as LOW:HIGH, for example 1e7:1e13.")
    low, high = (parse_quantity(part, name) for part in parts)
    if not low < high:
        raise ScalecalcError(f"{name}: the range {text!r} is empty or backwards; put the smaller first.")
    return low, high


@plot_app.command("fit", epilog=examples("scalecalc plot fit runs.csv",
                                         "scalecalc plot fit runs.csv --preset my-law.toml --out fit.pdf"))
def plot_fit(
    runs_file: Annotated[str, typer.Argument(metavar="RUNS.csv", help="Runs, as for scalecalc fit.")],
    preset: Annotated[str | None, typer.Option("--preset", "-p", help="A fitted law to draw (e.g. saved "
                                               "by fit --save); without it the runs are fitted.")] = None,
    columns: Annotated[str | None, typer.Option(help="Map roles to headers, as for fit.")] = None,
    drop_highest_loss: Annotated[int, typer.Option(help="Leave out the K highest-loss runs.")] = 0,
    bootstrap: Annotated[int, typer.Option(help="Without --preset: bootstrap K refits for a "
                                           "band.")] = 0,
    seed: Annotated[int | None, typer.Option(help="Seed for the bootstrap.")] = None,
    out: OutOption = None,
) -> None:
    """Observed against predicted loss, residuals, and fitted iso-FLOP curves through the runs."""
    from dataclasses import replace

    from scalecalc import fit as fitting
    from scalecalc import plots
    from scalecalc.laws import ChinchillaLaw

    path = _plot_target(out, "fit")
    data = load_runs(runs_file, columns, drop_highest_loss)
    if preset is not None:
        if bootstrap:
            raise ScalecalcError("--bootstrap refits the runs; with --preset the band comes from the "
                                 "preset's own draws, so drop one of them.")
        law = preset_files.load(preset)
        if not isinstance(law.law, ChinchillaLaw):
            raise ScalecalcError(f"preset {law.name} has no Chinchilla-form law to draw through the runs.")
        from scalecalc import uncertainty

        draws = uncertainty.coefficient_draws(law) if law.has_uncertainty else None
        result = fitting.score(data, law.law, draws=draws, source=law.name)
    else:
        result = fitting.fit_runs(data)
        if bootstrap:
            result = replace(result, draws=fitting.bootstrap(result, bootstrap, seed=seed))
    _wrote(plots.fit_diagnostics(result, path))
