"""`scalecalc fit`: fit a law to runs, with a spinner and a progress bar on a terminal."""

from typing import Annotated, Any

import typer

from scalecalc.cli.app import (
    FormatOption,
    OutputFormat,
    app,
    examples,
    load_runs,
    write,
)
from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity, parse_quantity_list


@app.command(epilog=examples("scalecalc fit runs.csv",
                             "scalecalc fit runs.csv --bootstrap 1000 --save my-law.toml",
                             "cat runs.csv | scalecalc fit - --grid paper --format json"))
def fit(
    runs_file: Annotated[str, typer.Argument(metavar="RUNS.csv", help="Runs to fit: a CSV file, "
                                             "or - for standard input.")],
    columns: Annotated[str | None, typer.Option(help="Map roles to headers, e.g. "
                                                "params=n_params,loss=val_loss.")] = None,
    drop_highest_loss: Annotated[int, typer.Option(help="Leave out the K highest-loss runs "
                                                   "(Besiroglu et al. drop 5).")] = 0,
    min_tokens_per_param: Annotated[str | None, typer.Option(help="Leave out runs with D/N "
                                                             "below this.")] = None,
    delta: Annotated[str, typer.Option(help="Huber delta on ln L.")] = "1e-3",
    grid: Annotated[str, typer.Option(help="Starts: fast (243) or paper (the 4,500 of "
                                      "Hoffmann et al.).")] = "fast",
    bootstrap: Annotated[int, typer.Option(help="Refit K resamples for intervals (0: none).")] = 0,
    seed: Annotated[int | None, typer.Option(help="Seed for the bootstrap resamples.")] = None,
    ci: Annotated[float, typer.Option(help="Interval width in percent.")] = 95.0,
    reference_flops: Annotated[str, typer.Option(help="Budgets at which to report N_opt, D_opt "
                                                 "and loss.")] = "1e22,5.76e23",
    save: Annotated[str | None, typer.Option(help="Write the fit as a preset file.")] = None,
    force: Annotated[bool, typer.Option(help="Let --save replace an existing file.")] = False,
    format: FormatOption = OutputFormat.table,
) -> None:
    """Fit the Chinchilla law to your own runs (Huber on ln L, L-BFGS from a grid of starts)."""
    from pathlib import Path

    from scalecalc import fit as fitting
    from scalecalc import fitreport

    if not 0 < ci < 100:
        raise ScalecalcError(f"--ci: {ci:g} is not a percentage between 0 and 100; use 90 or 95.")
    if bootstrap < 0:
        raise ScalecalcError("--bootstrap: give a number of resamples, 0 or more.")
    huber = parse_quantity(delta, "--delta")
    budgets = parse_quantity_list(reference_flops, "--reference-flops")
    floor = parse_quantity(min_tokens_per_param, "--min-tokens-per-param") if min_tokens_per_param else None
    target = Path(save) if save else None
    if target is not None and target.exists() and not force:
        raise ScalecalcError(f"--save: {target} exists; choose another name or add --force to replace it.")
    data = load_runs(runs_file, columns, drop_highest_loss, floor)
    for reason, count in data.excluded.items():
        typer.echo(f"note: excluded {count} run(s): {reason}.", err=True)
    with _status(f"Fitting {len(data)} runs from {len(fitting.grid_points(grid)):,} starts"):
        result = fitting.fit_runs(data, delta=huber, grid=grid)
    if bootstrap:
        from dataclasses import replace

        draws = _with_progress(bootstrap, lambda step: fitting.bootstrap(result, bootstrap, seed=seed,
                                                                        progress=step))
        result = replace(result, draws=draws)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    records = fitreport.report(result, budgets, ci)
    if target is not None:
        fitreport.save_preset(result, target, force)
        typer.echo(f"saved the fit as preset {target}; use it with --preset {target}", err=True)
    write(records, format, title=f"Fit of {len(data)} runs from {data.source}", transpose=False)


def _status(message: str) -> Any:
    """A spinner on stderr while something slow runs, where stderr is a terminal."""
    import contextlib

    from rich.console import Console

    console = Console(stderr=True)
    return console.status(message) if console.is_terminal else contextlib.nullcontext()


def _with_progress(total: int, work: Any) -> Any:
    """Run work(step) with a progress bar on stderr (a terminal only); step(k) advances it by k."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("Bootstrap refits", total=total)
        return work(lambda count: bar.advance(task, count))
