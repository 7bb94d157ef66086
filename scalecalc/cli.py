"""The `scalecalc` command: parse options, ask the core, hand the records to the renderer.

This is the only module that prints or exits. Every answer is computed before anything is
written, so an error leaves stdout empty and a pipe never receives half a CSV.
"""


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
plot_app = typer.Typer(help="Figures (PNG, SVG or PDF by the file's extension); needs the plot extra.",
                       invoke_without_command=True)
app.add_typer(plot_app, name="plot")


@plot_app.callback()
def plot_choice(ctx: typer.Context) -> None:
    """Figures (PNG, SVG or PDF by the file's extension); needs the plot extra."""
    if ctx.invoked_subcommand is None:
        raise ScalecalcError("choose a figure: scalecalc plot isoflop, frontier, contour or fit "
                             "(scalecalc plot --help says more).")

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
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a law coefficient, e.g. --set alpha=0.336 (repeatable)."),
]
UniqueOption = Annotated[
    str | None,
    typer.Option("--unique-tokens", help="Unique tokens available, e.g. 100B: tokens beyond them are "
                 "repeats (needs --preset muennighoff).", rich_help_panel="Data-constrained"),
]
GpuOption = Annotated[str | None, typer.Option(
    "--gpu", help="Accelerator, e.g. h100 (scalecalc hardware lists them): adds hours, days and cost.",
    rich_help_panel="Hardware")]
GpusOption = Annotated[str | None, typer.Option(
    "--gpus", help="Accelerators running at once, e.g. 2048.", rich_help_panel="Hardware")]
MfuOption = Annotated[str | None, typer.Option(
    "--mfu", help="Model FLOPs utilization, 0 to 1 (default 0.40).", rich_help_panel="Hardware")]
PriceOption = Annotated[str | None, typer.Option(
    "--price", help="Dollars per accelerator-hour, e.g. 2.5.", rich_help_panel="Hardware")]
AcceleratorsOption = Annotated[str | None, typer.Option(
    "--accelerators", help="A TOML file adding or replacing accelerators.", rich_help_panel="Hardware")]
DaysOption = Annotated[str | None, typer.Option(
    "--days", help="Budget as wall-clock days on --gpus accelerators of --gpu.",
    rich_help_panel="Hardware")]
DollarsOption = Annotated[str | None, typer.Option(
    "--dollars", help="Budget in dollars at --price per accelerator-hour of --gpu.",
    rich_help_panel="Hardware")]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table for people; csv or json for programs.")
]


@app.command(epilog="Examples: scalecalc optimal --flops 1e24 | scalecalc optimal --params 70B "
             "--preset besiroglu | scalecalc optimal --gpu h100 --gpus 2048 --days 30 | scalecalc "
             "optimal --loss 2.0 --inference-tokens 2T | scalecalc optimal --flops 1e23 "
             "--unique-tokens 100B --preset muennighoff")
def optimal(
    flops: Annotated[str | None, typer.Option(help="Training budget in FLOPs, e.g. 1e24.")] = None,
    params: Annotated[str | None, typer.Option(help="Model size N, e.g. 70B.")] = None,
    tokens: Annotated[str | None, typer.Option(help="Training tokens D, e.g. 1.4T.")] = None,
    loss: Annotated[str | None, typer.Option(help="Target loss (nats/token): the cheapest run "
                                             "that reaches it.")] = None,
    days: DaysOption = None,
    dollars: DollarsOption = None,
    inference_tokens: Annotated[str | None, typer.Option(
        help="With --loss: lifetime inference tokens T; minimize training + 2·N·T.",
        rich_help_panel="Inference")] = None,
    inference_gpu: Annotated[str | None, typer.Option(
        help="Accelerator that serves the model (default: --gpu).", rich_help_panel="Inference")] = None,
    inference_mfu: Annotated[str | None, typer.Option(
        help="Utilization when serving (default 0.40).", rich_help_panel="Inference")] = None,
    inference_price: Annotated[str | None, typer.Option(
        help="Dollars per serving accelerator-hour: with --price, minimize dollars.",
        rich_help_panel="Inference")] = None,
    unique_tokens: UniqueOption = None,
    preset: PresetOption = None,
    set_: SetOption = None,
    ci: CiOption = None,
    gpu: GpuOption = None,
    gpus: GpusOption = None,
    mfu: MfuOption = None,
    price: PriceOption = None,
    accelerators: AcceleratorsOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """The compute-optimal N, D, C and loss, fixed by exactly one of the budget options."""
    hardware = _hardware(gpu, gpus, mfu, price, accelerators)
    key, value = _one_question({"flops": flops, "params": params, "tokens": tokens, "loss": loss,
                                "days": days, "dollars": dollars}, hardware)
    chosen = _presets(preset, need_law=key == "loss", need_uncertainty=ci is not None, overrides=set_)
    warnings: list[str] = []
    if inference_tokens is not None:
        if key != "loss" or ci is not None or unique_tokens is not None:
            raise ScalecalcError("--inference-tokens goes with --loss (the loss to reach), not with "
                                 "--flops, --params, --tokens, --ci or --unique-tokens.")
        from scalecalc import inference

        demand = parse_quantity(inference_tokens, "--inference-tokens", allow_zero=True)
        serving = _serving(hardware, inference_gpu, inference_mfu, inference_price, accelerators)
        ratio = 1.0 if serving is None else _cost_ratio(hardware, serving)
        records: list[Any] = [inference.plan(item, value, demand, ratio) for item in chosen]
        if serving is not None:
            records = [_inference_dollars(record, hardware, serving) for record in records]
        title = "Inference-aware run"
    elif unique_tokens is not None:
        if ci is not None:
            raise ScalecalcError("--ci and --unique-tokens cannot be combined yet; drop one of them.")
        from scalecalc import datalimited

        unique = parse_quantity(unique_tokens, "--unique-tokens")
        records = [datalimited.optimal(item, unique, **{key: value}) for item in chosen]
        warnings = [w for item, r in zip(chosen, records, strict=True)
                    if (w := datalimited.repetition_warning(item, r))]
        title = "Compute-optimal run with limited unique data"
    else:
        records = [_optimal(item, ci, **{key: value}) for item in chosen]
        title = "Compute-optimal run"
    _emit(chosen, _priced(records, hardware), format, title=title, transpose=True, warnings=warnings)


@app.command(name="loss", epilog="Examples: scalecalc loss --params 70B --tokens 1.4T --preset all | "
             "scalecalc loss --params 7B --tokens 2T --unique-tokens 100B --preset muennighoff")
def loss_command(
    params: Annotated[str, typer.Option(help="Model size N, e.g. 70B.")],
    tokens: Annotated[str, typer.Option(help="Training tokens D, e.g. 1.4T.")],
    unique_tokens: UniqueOption = None,
    preset: PresetOption = None,
    set_: SetOption = None,
    gpu: GpuOption = None,
    gpus: GpusOption = None,
    mfu: MfuOption = None,
    price: PriceOption = None,
    accelerators: AcceleratorsOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """The loss a law predicts for a run, its terms, and what it gives away to the optimum."""
    hardware = _hardware(gpu, gpus, mfu, price, accelerators)
    n, d = parse_quantity(params, "--params"), parse_quantity(tokens, "--tokens")
    chosen = _presets(preset, need_law=True, overrides=set_)
    warnings: list[str] = []
    if unique_tokens is not None:
        from scalecalc import datalimited

        unique = parse_quantity(unique_tokens, "--unique-tokens")
        records: list[Any] = [datalimited.assess(item, n, d, unique) for item in chosen]
        warnings = [w for item, r in zip(chosen, records, strict=True)
                    if (w := datalimited.repetition_warning(item, r))]
    else:
        records = [solve.assess_run(item, n, d) for item in chosen]
    _emit(chosen, _priced(records, hardware), format, title="Predicted loss", transpose=True,
          warnings=warnings)


@app.command(epilog="Examples: scalecalc tokens --params 7B | scalecalc tokens --params 7B "
             "--flops 1e23 | scalecalc tokens --params 7B --gpu a100 --gpus 512 --days 14")
def tokens(
    params: Annotated[str, typer.Option(help="Model size N, e.g. 7B.")],
    flops: Annotated[str | None, typer.Option(help="A budget to spend at this N: the tokens it "
                                              "buys (C/6N) and the loss that gives away.")] = None,
    days: DaysOption = None,
    dollars: DollarsOption = None,
    preset: PresetOption = None,
    set_: SetOption = None,
    gpu: GpuOption = None,
    gpus: GpusOption = None,
    mfu: MfuOption = None,
    price: PriceOption = None,
    accelerators: AcceleratorsOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """How many tokens a model of size N should see, and the budget that takes."""
    hardware = _hardware(gpu, gpus, mfu, price, accelerators)
    n = parse_quantity(params, "--params")
    chosen = _presets(preset, overrides=set_)
    budgets = {"flops": flops, "days": days, "dollars": dollars}
    if all(value is None for value in budgets.values()):
        records: list[Any] = [solve.optimal(item, params=n) for item in chosen]
        title = "Compute-optimal tokens"
    else:
        _, budget = _one_question(budgets, hardware, what="--flops, --days or --dollars")
        records = [solve.tokens_at_budget(item, n, budget) for item in chosen]
        title = "Tokens a budget buys"
    _emit(chosen, _priced(records, hardware), format, title=title, transpose=True)


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
    set_: SetOption = None,
    ci: CiOption = None,
    gpu: GpuOption = None,
    gpus: GpusOption = None,
    mfu: MfuOption = None,
    price: PriceOption = None,
    accelerators: AcceleratorsOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """A Chinchilla-style table of N_opt, C, D_opt (default rows: the nine sizes of Table 3)."""
    hardware = _hardware(gpu, gpus, mfu, price, accelerators)
    if params is not None and flops is not None:
        raise ScalecalcError("give the table's rows as --params or as --flops, not both.")
    if per_decade is not None and params is None and flops is None:
        raise ScalecalcError("--per-decade goes with a range, such as --flops 1e18:1e26.")
    sizes = parse_quantity_list(params, "--params", per_decade) if params else None
    budgets = parse_quantity_list(flops, "--flops", per_decade) if flops else None
    chosen = _presets(preset, need_uncertainty=ci is not None, overrides=set_)
    if ci is None:
        records: list[Any] = [solve.table(item, params=sizes, flops=budgets) for item in chosen]
    else:
        rows = {"flops": budgets} if budgets is not None else {
            "params": sizes if sizes is not None else np.array(solve.TABLE3_PARAMS)}
        records = [_optimal(item, ci, **rows) for item in chosen]
    _emit(chosen, _priced(records, hardware), format, title="Compute-optimal allocation", transpose=False)


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


LimitOption = Annotated[str | None, typer.Option(rich_help_panel="Limits")]


@app.command(epilog="Examples: scalecalc check --params 7B --tokens 2T --max-flops 1e23 | scalecalc "
             "check --params 7B --tokens 2T --gpu h100 --gpus 512 --price 2.5 --max-days 30 "
             "--max-dollars 1e6 | scalecalc check examples/plan.toml --format json")
def check(
    plan: Annotated[str | None, typer.Argument(metavar="[PLAN.toml]", help="A plan file listing runs "
                                               "and their limits (examples/plan.toml).")] = None,
    params: Annotated[str | None, typer.Option(help="Model size N of the planned run.")] = None,
    tokens: Annotated[str | None, typer.Option(help="Training tokens D of the planned run.")] = None,
    max_flops: LimitOption = None,
    max_gpu_hours: LimitOption = None,
    max_days: LimitOption = None,
    max_dollars: LimitOption = None,
    max_loss: LimitOption = None,
    min_tokens_per_param: LimitOption = None,
    max_tokens_per_param: LimitOption = None,
    preset: Annotated[str | None, typer.Option("--preset", "-p", help="Preset for max_loss "
                                               "(default chinchilla).")] = None,
    gpu: GpuOption = None,
    gpus: GpusOption = None,
    mfu: MfuOption = None,
    price: PriceOption = None,
    accelerators: AcceleratorsOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """Check planned runs against budget limits: exit 0 if all pass, 1 if any fails, 2 on bad input."""
    from pathlib import Path

    from scalecalc import check as checks

    given = {"max_flops": max_flops, "max_gpu_hours": max_gpu_hours, "max_days": max_days,
             "max_dollars": max_dollars, "max_loss": max_loss,
             "min_tokens_per_param": min_tokens_per_param, "max_tokens_per_param": max_tokens_per_param}
    limits = {key: parse_quantity(value, "--" + key.replace("_", "-")) for key, value in given.items()
              if value is not None}
    if plan is not None:
        inline = [name for name, value in (("--params", params), ("--tokens", tokens), ("--preset", preset),
                                           ("--gpu", gpu), ("--gpus", gpus), ("--mfu", mfu),
                                           ("--price", price)) if value is not None] + \
            ["--" + key.replace("_", "-") for key in limits]
        if inline:
            raise ScalecalcError(f"give the plan as a file or as options, not both: {inline[0]} "
                                 "with a plan file; put it in the file instead.")
        runs = checks.read_plan(Path(plan))
    else:
        if params is None or tokens is None:
            raise ScalecalcError("give a plan file, or the run as --params and --tokens with limits "
                                 "such as --max-flops 1e23.")
        hardware = _hardware(gpu, gpus, mfu, price, accelerators)
        size, count = parse_quantity(params, "--params"), parse_quantity(tokens, "--tokens")
        law = preset_files.load(preset or preset_files.DEFAULT_PRESET)
        runs = [checks.PlannedRun("run", size, count, law, hardware, limits)]
    results = [result for run in runs for result in checks.evaluate(run)]
    _write(results, format, title="Budget checks", transpose=False)
    failed = sum(result.verdict == "FAIL" for result in results)
    noun = "check" if len(results) == 1 else "checks"
    typer.echo(f"{len(results)} {noun}: {len(results) - failed} passed, {failed} failed.", err=True)
    if failed:
        raise typer.Exit(code=1)


@app.command(epilog="Example: scalecalc hardware --format csv")
def hardware(
    accelerators: AcceleratorsOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """The accelerator catalogue: dense 16-bit peak FLOP/s and sources, for --gpu."""
    from pathlib import Path

    from scalecalc import hardware as catalogue
    from scalecalc.records import AcceleratorInfo

    entries = catalogue.catalogue(Path(accelerators) if accelerators else None)
    records = [AcceleratorInfo(key, item.name, item.peak_flops, item.source) for key, item in entries.items()]
    _write(records, format, title="Accelerators (use with --gpu NAME)", transpose=False)


OutOption = Annotated[str | None, typer.Option("--out", "-o", help="File to write: .png, .svg or .pdf "
                                               "(default: scalecalc-KIND.png here).")]


def _plot_target(out: str | None, kind: str) -> Any:
    from pathlib import Path

    from scalecalc import plots

    plots.require_matplotlib()
    return plots.check_path(Path(out) if out else Path(f"scalecalc-{kind}.png"))


def _wrote(path: Any) -> None:
    typer.echo(str(path))


@plot_app.command("isoflop", epilog="Example: scalecalc plot isoflop --flops 1e20,1e21,1e22 "
                  "--preset chinchilla --preset besiroglu --out isoflop.svg")
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
    chosen = _presets(preset, need_law=True, overrides=set_)
    _wrote(plots.isoflop(chosen, parse_quantity_list(flops, "--flops"), path))


@plot_app.command("frontier", epilog="Example: scalecalc plot frontier --flops 1e18:1e26 --preset chinchilla "
                  "--preset besiroglu --preset kaplan")
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
    _wrote(plots.frontier(_presets(preset or ["all"], overrides=set_), budgets, path))


@plot_app.command("contour", epilog="Example: scalecalc plot contour --preset besiroglu --params 1e8:1e12")
def plot_contour(
    params: Annotated[str, typer.Option(help="Range of N, e.g. 1e7:1e13.")] = "1e7:1e13",
    tokens: Annotated[str, typer.Option(help="Range of D, e.g. 1e8:1e14.")] = "1e8:1e14",
    preset: Annotated[str, typer.Option("--preset", "-p", help="One preset with a loss law.")] = "chinchilla",
    set_: SetOption = None,
    out: OutOption = None,
) -> None:
    """Loss contours over (N, D), with iso-FLOP lines and the compute-optimal path."""
    from scalecalc import plots

    path = _plot_target(out, "contour")
    (chosen,) = _presets([preset], need_law=True, overrides=set_)
    _wrote(plots.contour(chosen, _span(params, "--params"), _span(tokens, "--tokens"), path))


def _span(text: str, name: str) -> tuple[float, float]:
    parts = text.split(":")
    if len(parts) != 2:
        raise ScalecalcError(f"{name}: write a range as LOW:HIGH, for example 1e7:1e13.")
    low, high = (parse_quantity(part, name) for part in parts)
    if not low < high:
        raise ScalecalcError(f"{name}: the range {text!r} is empty or backwards; put the smaller first.")
    return low, high


@plot_app.command("fit", epilog="Examples: scalecalc plot fit runs.csv | scalecalc plot fit runs.csv "
                  "--preset my-law.toml --out fit.pdf")
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
    from scalecalc import plots, runs
    from scalecalc.laws import ChinchillaLaw

    path = _plot_target(out, "fit")
    data = runs.exclude(runs.read_runs(_read_text(runs_file), "standard input" if runs_file == "-"
                                       else runs_file, runs.parse_columns(columns)), drop_highest_loss)
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


def _one_question(given: dict[str, str | None], hardware: Any,
                  what: str = "--flops, --params, --tokens, --loss, --days or --dollars"
                  ) -> tuple[str, float]:
    """Exactly one of the options; --days and --dollars become the FLOPs they buy."""
    named = {key: value for key, value in given.items() if value is not None}
    if len(named) != 1:
        options = ", ".join(f"--{key}" for key in named)
        raise ScalecalcError(f"give exactly one of {what}" + (f", not {options} together." if named else "."))
    (key, text), = named.items()
    value = parse_quantity(text, f"--{key}")
    if key in ("days", "dollars"):
        if hardware is None:
            raise ScalecalcError(f"--{key} needs --gpu (and " + ("--gpus" if key == "days" else "--price")
                                 + ") to turn it into FLOPs.")
        value = hardware.flops_for_days(value) if key == "days" else hardware.flops_for_dollars(value)
        key = "flops"
    return key, value


def _hardware(gpu: str | None, gpus: str | None, mfu: str | None, price: str | None,
              accelerators: str | None) -> Any:
    """The training hardware, or None when --gpu is not given."""
    from scalecalc import hardware

    return hardware.from_settings(gpu, gpus, mfu, price, accelerators)


def _serving(training: Any, gpu: str | None, mfu: str | None, price: str | None,
             accelerators: str | None) -> Any:
    """Inference hardware for the dollars version, or None for the FLOPs version."""
    if gpu is None and mfu is None and price is None:
        return None
    if training is None or training.price is None or price is None:
        raise ScalecalcError("pricing inference needs the training --gpu and --price and an "
                             "--inference-price (and optionally --inference-gpu, --inference-mfu).")
    from pathlib import Path

    from scalecalc import hardware

    accelerator = hardware.find(gpu, Path(accelerators) if accelerators else None) if gpu \
        else training.accelerator
    return hardware.Hardware(accelerator, None, hardware.parse_mfu(mfu, "--inference-mfu"),
                             parse_quantity(price, "--inference-price"))


def _cost_ratio(training: Any, serving: Any) -> float:
    """Dollars per inference FLOP over dollars per training FLOP."""
    return (serving.price / serving.effective_flops) / (training.price / training.effective_flops)


def _inference_dollars(record: Any, training: Any, serving: Any) -> Any:
    from scalecalc.records import InferenceCost, extend

    train = training.dollars(record.train_flops)
    serve = serving.dollars(record.inference_flops)
    base_train = training.dollars(record.optimal_train_flops)
    base_serve = serving.dollars(record.optimal_total_flops - record.optimal_train_flops)
    return extend(record, InferenceCost(train, serve, train + serve, base_train + base_serve,
                                        (train + serve) / (base_train + base_serve)))


def _priced(records: list[Any], hardware: Any) -> list[Any]:
    """Records with hours, days and dollars for their (training) compute, where --gpu is given."""
    if hardware is None:
        return records
    from scalecalc.hardware import cost_fields
    from scalecalc.records import extend

    return [extend(record, cost_fields(hardware, _training_flops(record))) for record in records]


def _training_flops(record: Any) -> Any:
    """The training compute a record describes (an inference plan calls it train_flops)."""
    return record.flops if hasattr(record, "flops") else record.train_flops


def _optimal(item: Preset, ci: float | None, **question: Any) -> Any:
    if ci is None:
        return solve.optimal(item, **question)
    from scalecalc import uncertainty

    return uncertainty.optimal_interval(item, ci, **question)


def _presets(specs: list[str] | None, need_law: bool = False, need_uncertainty: bool = False,
             overrides: list[str] | None = None) -> list[Preset]:
    """Load the requested presets; 'all' means every built-in one that can answer."""
    names: list[str] = []
    for spec in specs or [preset_files.DEFAULT_PRESET]:
        expanded = preset_files.builtin_names() if spec == "all" else [spec]
        names.extend(name for name in expanded if name not in names)
    loaded = [preset_files.with_overrides(preset_files.load(name), overrides or []) for name in names]
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
          transpose: bool, warnings: list[str] | None = None) -> None:
    """Warn about extrapolation and the like (stderr), then write the records (stdout)."""
    for item, record in zip(chosen, records, strict=True):
        warning = item.range_warning(params=record.params, tokens=record.tokens,
                                     flops=_training_flops(record))
        if warning:
            typer.echo(warning, err=True)
    for warning in warnings or []:
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


def _only(name: str) -> typer.Typer:
    """A group holding just the named command (or sub-group), for running it.

    Typer turns every command's signature into options on each call; with a dozen commands that
    is a good part of start-up, so only the one being run is built. The full app still answers
    `scalecalc --help` and unknown names.
    """
    slim = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    slim.callback()(lambda: None)  # a group, so the command keeps its name in usage lines
    for info in app.registered_commands:
        if (info.name or info.callback.__name__.replace("_", "-")) == name:
            slim.registered_commands.append(info)
            return slim
    for group in app.registered_groups:
        if group.name == name:
            slim.registered_groups.append(group)
            return slim
    return app


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and turn every failure into one line on stderr."""
    args = sys.argv[1:] if argv is None else argv
    command = typer.main.get_command(_only(args[0]) if args else app)
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
