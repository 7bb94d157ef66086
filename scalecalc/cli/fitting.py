"""`scalecalc fit`: fit a law to runs, with a spinner and a progress bar on a terminal."""

from typing import Annotated, Any

import typer

from scalecalc.cli import fit_curves as curve
from scalecalc.cli.app import (
    FormatOption,
    OutputFormat,
    app,
    examples,
    load_runs,
    write,
)
from scalecalc.cli.fit_methods import (
    AxisOption,
    BudgetsOption,
    DegreeOption,
    GridPointsOption,
    Method,
    MethodOption,
    PerTokenOption,
    SmoothOption,
    ToleranceOption,
)
from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity, parse_quantity_list


@app.command(epilog=examples("scalecalc fit runs.csv",
                             "scalecalc fit runs.csv --bootstrap 1000 --save my-law.toml",
                             "cat runs.csv | scalecalc fit - --grid paper --format json",
                             "scalecalc fit curve.csv --x tokens --y loss --law bnsl --holdout-last 3",
                             "scalecalc fit runs.csv --method isoflop --bootstrap 1000 --seed 1",
                             "scalecalc fit curves.csv --method envelope"))
def fit(
    runs_file: Annotated[str, typer.Argument(metavar="FILE", help="Runs to fit: a CSV file, "
                                             "or - for standard input.")],
    columns: Annotated[str | None, typer.Option(metavar="LIST", help="Map roles to headers, e.g. "
                                                "params=n_params,loss=val_loss.")] = None,
    skip_bad_rows: Annotated[bool, typer.Option("--skip-bad-rows", help="Leave out rows that are not "
                                                "usable (NaN, empty, not positive, garbled) and say "
                                                "which.")] = False,
    drop_highest_loss: Annotated[int, typer.Option(metavar="INTEGER", help="Leave out the K "
                                                   "highest-loss runs (Besiroglu et al. drop 5).")] = 0,
    min_tokens_per_param: Annotated[str | None, typer.Option(metavar="NUMBER", help="Leave out runs "
                                                             "with D/N below this.")] = None,
    delta: Annotated[str, typer.Option(metavar="NUMBER", help="Huber delta on ln L, 1e-6 to 10.")] = "1e-3",
    grid: Annotated[str, typer.Option(metavar="NAME", help="Starts: fast (243) or paper (the 4,500 of "
                                      "Hoffmann et al.).")] = "fast",
    bootstrap: Annotated[int, typer.Option(metavar="INTEGER", help="Refit K resamples for intervals "
                                           "(0: none; at most 100,000).")] = 0,
    seed: Annotated[int | None, typer.Option(metavar="INTEGER", help="Seed for the bootstrap "
                                             "resamples, 0 or more.")] = None,
    ci: Annotated[float | None, typer.Option(metavar="PERCENT", help="Interval width of the bootstrap, "
                                             "in percent (default 95).")] = None,
    reference_flops: Annotated[str, typer.Option("--reference-flops", "--target-flops", metavar="LIST",
                                                 help="Budgets at which to report N_opt, D_opt and loss.")
                               ] = "1e22,5.76e23",
    save: Annotated[str | None, typer.Option(metavar="FILE", help="Write the fit as a preset file "
                                             "(.toml).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Let --save replace an existing file.")] = False,
    format: FormatOption = OutputFormat.table,
    x: curve.XOption = None,
    y: curve.YOption = None,
    law: curve.LawOption = None,
    breaks: curve.BreaksOption = None,
    holdout_last: curve.HoldoutOption = None,
    at: curve.AtOption = None,
    direction: curve.DirectionOption = None,
    method: MethodOption = Method.parametric,
    degree: DegreeOption = None,
    axis: AxisOption = None,
    group_tolerance: ToleranceOption = None,
    budgets: BudgetsOption = None,
    flops_per_token: PerTokenOption = None,
    grid_points: GridPointsOption = None,
    smooth: SmoothOption = None,
) -> None:
    """Fit the Chinchilla law to your own runs (Huber on ln L, L-BFGS from a grid of starts), or with
    --x and --y a one-variable law of any metric (docs/curves.md)."""
    from scalecalc import fit as fitting
    from scalecalc import fitreport

    others = {"--degree": degree, "--axis": axis, "--group-tolerance": group_tolerance, "--budgets": budgets,
              "--flops-per-token": flops_per_token, "--grid-points": grid_points, "--smooth": smooth}
    if curve.wanted(x, y, law, {"--breaks": breaks, "--holdout-last": holdout_last, "--at": at,
                                "--direction": direction}):
        chinchilla = {"--columns": columns, "--drop-highest-loss": drop_highest_loss,
                      "--min-tokens-per-param": min_tokens_per_param, "--delta": delta, "--grid": grid,
                      "--bootstrap": bootstrap, "--seed": seed, "--ci": ci,
                      "--reference-flops": reference_flops, "--method": method.value, **others}
        curve.run(runs_file, x=x, y=y, law=law, breaks=breaks, holdout=holdout_last, at=at,
                  direction=direction, skip_bad_rows=skip_bad_rows, save=save, force=force, fmt=format,
                  chinchilla=chinchilla)
        return
    _check_pairs(bootstrap=bootstrap, seed=seed, ci=ci, save=save, force=force)
    width = 95.0 if ci is None else ci
    if not 0 < width < 100:
        raise ScalecalcError(f"--ci: {width:g} is not a percentage between 0 and 100; use 90 or 95.")
    if method is not Method.parametric:  # Approaches 2 and 1 live in cli/fit_methods.py
        from scalecalc.cli import fit_methods

        fit_methods.run(method, {
            **others, "runs_file": runs_file, "--columns": _non_empty(columns, "--columns", "params=N"),
            "--skip-bad-rows": skip_bad_rows, "--drop-highest-loss": drop_highest_loss,
            "min_tokens_per_param": None if min_tokens_per_param is None else parse_quantity(
                min_tokens_per_param, "--min-tokens-per-param"),
            "--delta": delta, "--grid": grid, "--bootstrap": bootstrap, "--seed": seed, "--ci": width,
            "--reference-flops": reference_flops, "--force": force, "--format": format,
            "save_target": _save_target(save, runs_file, force)})
        return
    from scalecalc.cli.fit_methods import refuse_for_parametric

    refuse_for_parametric(others)
    if bootstrap:
        fitting.check_bootstrap(bootstrap, seed)
    huber = parse_quantity(delta, "--delta")
    budgets = parse_quantity_list(reference_flops, "--reference-flops")
    fitreport.budget_labels(budgets)  # refuse too many or repeated budgets before the slow part
    floor = None if min_tokens_per_param is None else parse_quantity(min_tokens_per_param,
                                                                     "--min-tokens-per-param")
    target = _save_target(save, runs_file, force)
    data = load_runs(runs_file, _non_empty(columns, "--columns", "params=n_params,loss=val_loss"),
                     drop_highest_loss, floor, skip_bad_rows=skip_bad_rows)
    result = _with_progress(fitting.work(len(data), grid),
                            lambda step: fitting.fit_runs(data, delta=huber, grid=grid, progress=step),
                            f"Fitting {len(data):,} runs from {len(fitting.grid_points(grid)):,} starts")
    if bootstrap:
        from dataclasses import replace

        draws = _with_progress(bootstrap, lambda step: fitting.bootstrap(result, bootstrap, seed=seed,
                                                                        progress=step))
        result = replace(result, draws=draws)
    records = fitreport.report(result, budgets, width)
    if target is not None:
        fitreport.save_preset(result, target, force)
    # Diagnostics follow the work, so a refusal above is the only line on stderr.
    for reason, count in data.excluded.items():
        typer.echo(f"note: excluded {count} run(s): {reason}.", err=True)
    for warning in result.warnings + fitreport.report_warnings(result, records):
        typer.echo(f"warning: {warning}", err=True)
    if target is not None:
        typer.echo(f"saved the fit as preset {target}; use it with --preset {target}", err=True)
    shown = records if format is not OutputFormat.table or result.draws is None else [
        fitreport.FitInterval(record.name, record.value, record.ci_low, record.ci_high) for record in records]
    write(shown, format, title=f"Fit of {len(data)} runs from {data.source}", transpose=False)

def _check_pairs(*, bootstrap: int, seed: int | None, ci: float | None, save: str | None,
                 force: bool) -> None:
    """Options that only mean something beside another are refused alone, not silently ignored."""
    if not bootstrap and (seed is not None or ci is not None):
        raise ScalecalcError(f"{'--seed' if seed is not None else '--ci'} goes with --bootstrap K (the "
                             "intervals come from the resamples); add --bootstrap 1000 or drop it.")
    if force and save is None:
        raise ScalecalcError("--force goes with --save FILE; drop it or name the file to replace.")

def _non_empty(text: str | None, option: str, example: str) -> str | None:
    if text is not None and not text.strip():
        raise ScalecalcError(f"{option}: the value is empty; give one, such as {option} {example}.")
    return text

def _save_target(save: str | None, runs_file: str, force: bool) -> Any:
    """The preset file to write, checked before the slow part (scalecalc.outfiles: a .toml name in a
    writable folder, not an existing file without --force), and not the runs file itself."""
    from pathlib import Path

    from scalecalc import outfiles

    if _non_empty(save, "--save", "my-law.toml") is None:
        return None
    target = outfiles.check_target(str(Path(save).expanduser()), force=force, option="--save",
                                   suffixes=(".toml",))
    if runs_file != "-" and target.exists() and target.resolve() == Path(runs_file).resolve():
        raise ScalecalcError(f"--save: {save} is the runs file being fitted; choose another name.")
    return target

def _status(message: str) -> Any:
    """A spinner on stderr while something slow runs, where stderr is a terminal."""
    import contextlib

    from rich.console import Console

    console = Console(stderr=True)
    return console.status(message) if console.is_terminal else contextlib.nullcontext()


def _with_progress(total: int, work: Any, label: str = "Bootstrap refits") -> Any:
    """Run work(step) with a progress bar on stderr (a terminal only); step(k) advances it by k."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    if not console.is_terminal:  # rich before 14 writes a blank line even for a disabled bar
        return work(lambda count: None)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        return work(lambda count: bar.advance(task, count))
