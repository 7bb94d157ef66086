"""The `scalecalc` command: parse options, ask the core, hand the records to the renderer.

This is the only module that prints or exits. Every answer is computed before anything is
written, so an error leaves stdout empty and a pipe never receives half a CSV.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated, Any

import numpy as np
import typer

from scalecalc import presets as preset_files
from scalecalc import render, solve
from scalecalc.errors import ScalecalcError
from scalecalc.presets import Preset
from scalecalc.quantities import parse_quantity, parse_quantity_list
from scalecalc.records import PresetInfo

# Past this many rows a boxed rich table is slow to lay out and too long to read on screen.
PLAIN_TEXT_ROWS = 2000


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Compute-budget planner for neural scaling laws (Chinchilla, Besiroglu et al., Kaplan).",
    epilog="Examples: scalecalc optimal --flops 1e24 | scalecalc loss --params 70B --tokens 1.4T "
    "| scalecalc tokens --params 7B | scalecalc table --preset chinchilla-approach1",
)
presets_app = typer.Typer(help="List the presets, or show one whole.", invoke_without_command=True)
app.add_typer(presets_app, name="presets")

PresetOption = Annotated[
    list[str] | None,
    typer.Option("--preset", "-p", help="Built-in name, path to a .toml preset, or 'all'. "
                 "Repeat to compare presets. Default: chinchilla."),
]
CiOption = Annotated[
    float | None,
    typer.Option("--ci", help="Add a central interval, in percent (90, 95), from the preset's "
                 "bootstrap draws or covariance."),
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table for people; csv or json for programs.")
]


@app.command(epilog="Examples: scalecalc optimal --flops 1e24 | scalecalc optimal --params 70B "
             "--preset besiroglu | scalecalc optimal --loss 2.0 --format json")
def optimal(
    flops: Annotated[str | None, typer.Option(help="Training budget in FLOPs, e.g. 1e24.")] = None,
    params: Annotated[str | None, typer.Option(help="Model size N, e.g. 70B.")] = None,
    tokens: Annotated[str | None, typer.Option(help="Training tokens D, e.g. 1.4T.")] = None,
    loss: Annotated[str | None, typer.Option(help="Target loss (nats/token): the cheapest run "
                                             "that reaches it.")] = None,
    preset: PresetOption = None,
    ci: CiOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """The compute-optimal N, D, C and loss, fixed by exactly one of the four options."""
    given = {"flops": flops, "params": params, "tokens": tokens, "loss": loss}
    named = {key: value for key, value in given.items() if value is not None}
    if len(named) != 1:
        options = ", ".join(f"--{key}" for key in named)
        raise ScalecalcError("give exactly one of --flops, --params, --tokens or --loss"
                             + (f", not {options} together." if named else "."))
    (key, text), = named.items()
    value = parse_quantity(text, f"--{key}")
    chosen = _presets(preset, need_law=key == "loss", need_uncertainty=ci is not None)
    records = [_optimal(item, ci, **{key: value}) for item in chosen]
    _emit(chosen, records, format, title="Compute-optimal run", transpose=True)


@app.command(name="loss", epilog="Example: scalecalc loss --params 70B --tokens 1.4T --preset all")
def loss_command(
    params: Annotated[str, typer.Option(help="Model size N, e.g. 70B.")],
    tokens: Annotated[str, typer.Option(help="Training tokens D, e.g. 1.4T.")],
    preset: PresetOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """The loss a law predicts for a run, its terms, and what it gives away to the optimum."""
    n, d = parse_quantity(params, "--params"), parse_quantity(tokens, "--tokens")
    chosen = _presets(preset, need_law=True)
    records = [solve.assess_run(item, n, d) for item in chosen]
    _emit(chosen, records, format, title="Predicted loss", transpose=True)


@app.command(epilog="Examples: scalecalc tokens --params 7B | scalecalc tokens --params 7B "
             "--flops 1e23")
def tokens(
    params: Annotated[str, typer.Option(help="Model size N, e.g. 7B.")],
    flops: Annotated[str | None, typer.Option(help="A budget to spend at this N: the tokens it "
                                              "buys (C/6N) and the loss that gives away.")] = None,
    preset: PresetOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """How many tokens a model of size N should see, and the budget that takes."""
    n = parse_quantity(params, "--params")
    chosen = _presets(preset)
    if flops is None:
        records: list[Any] = [solve.optimal(item, params=n) for item in chosen]
        title = "Compute-optimal tokens"
    else:
        budget = parse_quantity(flops, "--flops")
        records = [solve.tokens_at_budget(item, n, budget) for item in chosen]
        title = "Tokens a budget buys"
    _emit(chosen, records, format, title=title, transpose=True)


@app.command(epilog="Examples: scalecalc table --preset chinchilla-approach1 | scalecalc table "
             "--flops 1e18:1e26 --per-decade 2 --preset all --format csv")
def table(
    params: Annotated[str | None, typer.Option(help="Rows by model size: a list such as "
                                               "400M,1B,10B or a range 1B:1T.")] = None,
    flops: Annotated[str | None, typer.Option(help="Rows by budget: a list such as 1e20,1e22 "
                                              "or a range 1e18:1e26.")] = None,
    per_decade: Annotated[int | None, typer.Option(help="Rows per decade of a range "
                                                   "(default 1).")] = None,
    preset: PresetOption = None,
    ci: CiOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """A Chinchilla-style table of N_opt, C, D_opt (default rows: the nine sizes of Table 3)."""
    if params is not None and flops is not None:
        raise ScalecalcError("give the table's rows as --params or as --flops, not both.")
    if per_decade is not None and params is None and flops is None:
        raise ScalecalcError("--per-decade goes with a range, such as --flops 1e18:1e26.")
    sizes = parse_quantity_list(params, "--params", per_decade) if params else None
    budgets = parse_quantity_list(flops, "--flops", per_decade) if flops else None
    chosen = _presets(preset, need_uncertainty=ci is not None)
    if ci is None:
        records: list[Any] = [solve.table(item, params=sizes, flops=budgets) for item in chosen]
    else:
        rows = {"flops": budgets} if budgets is not None else {
            "params": sizes if sizes is not None else np.array(solve.TABLE3_PARAMS)}
        records = [_optimal(item, ci, **rows) for item in chosen]
    _emit(chosen, records, format, title="Compute-optimal allocation", transpose=False)


@app.command(epilog="Examples: scalecalc fit runs.csv | scalecalc fit runs.csv --bootstrap 1000 "
             "--save my-law.toml | cat runs.csv | scalecalc fit - --grid paper --format json")
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
    from scalecalc import fitreport, runs

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
    data = runs.exclude(runs.read_runs(_read_text(runs_file), "standard input" if runs_file == "-"
                                       else runs_file, runs.parse_columns(columns)),
                        drop_highest_loss, floor)
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
    _write(records, format, title=f"Fit of {len(data)} runs from {data.source}", transpose=False)


def _read_text(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        with open(name, encoding="utf-8-sig") as handle:
            return handle.read()
    except OSError as error:
        raise ScalecalcError(f"cannot read {name}: {error.strerror}; check the path.") from None
    except UnicodeDecodeError:
        raise ScalecalcError(f"{name} is not a UTF-8 text file; give the runs as CSV.") from None


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


@presets_app.callback()
def presets_list(ctx: typer.Context, format: FormatOption = OutputFormat.table) -> None:
    """The built-in presets: name, law, allocation and source."""
    if ctx.invoked_subcommand is not None:
        return
    records = []
    for name in preset_files.builtin_names():
        item = preset_files.load(name)
        records.append(PresetInfo(name=name, law=item.law.form if item.law else "none",
                                  allocation=item.allocation_kind, source=item.source,
                                  summary=item.summary))
    _write(records, format, title="Presets (use with --preset NAME)", transpose=False)


@presets_app.command("show")
def presets_show(
    name: Annotated[str, typer.Argument(help="A built-in name or a path to a preset file.")],
    format: FormatOption = OutputFormat.table,
) -> None:
    """Print one preset whole: the TOML file itself, or its contents as JSON or CSV."""
    import tomllib

    item = preset_files.load(name)
    text = item.path.read_text(encoding="utf-8")
    if format is OutputFormat.table:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    data = tomllib.loads(text)
    if format is OutputFormat.json:
        import json

        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["key", "value"])
    writer.writerows(_flatten(data))


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            items.extend(_flatten(value, f"{prefix}{key}."))
        else:
            items.append((f"{prefix}{key}", " ".join(map(str, value)) if isinstance(value, list)
                          else value))
    return items


def _optimal(item: Preset, ci: float | None, **question: Any) -> Any:
    if ci is None:
        return solve.optimal(item, **question)
    from scalecalc import uncertainty

    return uncertainty.optimal_interval(item, ci, **question)


def _presets(specs: list[str] | None, need_law: bool = False,
             need_uncertainty: bool = False) -> list[Preset]:
    """Load the requested presets; 'all' means every built-in one that can answer."""
    names: list[str] = []
    for spec in specs or [preset_files.DEFAULT_PRESET]:
        expanded = preset_files.builtin_names() if spec == "all" else [spec]
        names.extend(name for name in expanded if name not in names)
    loaded = [preset_files.load(name) for name in names]
    if need_law:
        wildcard = "all" in (specs or [])
        for item in loaded:
            if item.law is None and not wildcard:
                solve.check_has_law(item)
        loaded = [item for item in loaded if item.law is not None]
    if need_uncertainty:
        if "all" in (specs or []):
            loaded = [item for item in loaded if item.has_uncertainty]
        for item in loaded:
            if not item.has_uncertainty:
                raise ScalecalcError(
                    f"preset {item.name} carries no uncertainty, so --ci cannot give an interval; use "
                    "besiroglu, or a preset saved by scalecalc fit --bootstrap.")
    return loaded


def _emit(chosen: list[Preset], records: list[Any], fmt: OutputFormat, *, title: str,
          transpose: bool) -> None:
    """Warn about extrapolation (stderr), then write the records (stdout)."""
    for item, record in zip(chosen, records, strict=True):
        warning = item.range_warning(params=record.params, tokens=record.tokens, flops=record.flops)
        if warning:
            typer.echo(warning, err=True)
    _write(records, fmt, title=title, transpose=transpose)


def _write(records: list[Any], fmt: OutputFormat, *, title: str, transpose: bool) -> None:
    if fmt is OutputFormat.csv:
        sys.stdout.write(render.to_csv(records))
    elif fmt is OutputFormat.json:
        sys.stdout.write(render.to_json(records))
    elif render.row_count(records) > PLAIN_TEXT_ROWS:
        sys.stdout.write(render.to_text(records))
    else:
        _print_table(records, title=title, transpose=transpose)


def _print_table(records: list[Any], *, title: str, transpose: bool) -> None:
    """Print a rich table without ever cropping a number.

    The side-by-side view is tried first, then one row per answer; what still does not fit the
    terminal (or goes to a file, which has no width) is printed at its natural width.
    """
    from rich.console import Console

    console = Console()
    unlimited = console.options.update_width(100_000)
    layouts = [True, False] if transpose else [False]
    for layout in layouts:
        table = render.to_rich(records, title=title, transpose=layout)
        needed = console.measure(table, options=unlimited)
        if not console.is_terminal:
            break
        if needed.minimum <= console.width:
            console.print(table)
            return
    Console(width=max(80, needed.maximum)).print(table)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and turn every failure into one line on stderr."""
    command = typer.main.get_command(app)
    args = sys.argv[1:] if argv is None else argv
    if not args:  # a usage error: the help goes to stderr, stdout stays empty
        import contextlib

        with contextlib.redirect_stdout(sys.stderr):
            command.main(args=["--help"], prog_name="scalecalc", standalone_mode=False)
        return 2
    try:
        result = command.main(args=args, prog_name="scalecalc", standalone_mode=False)
    except ScalecalcError as error:
        return _fail(str(error))
    except typer.TyperException as error:  # usage errors: unknown or missing options, bad choices
        context = getattr(error, "ctx", None)
        where = context.command_path if context is not None else "scalecalc"
        message = error.format_message().rstrip(".")
        message = message[:1].lower() + message[1:]  # mid-sentence after "error:"
        return _fail(f"{message}; run '{where} --help' to see the options.",
                     code=getattr(error, "exit_code", 2) or 2)
    except (typer.Abort, KeyboardInterrupt):
        return _fail("interrupted.", code=130)
    except BrokenPipeError:
        # The reader (head, say) went away: stop quietly, as other Unix tools do.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return result if isinstance(result, int) else 0


def _fail(message: str, code: int = 2) -> int:
    typer.echo(f"scalecalc: error: {message}", err=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
