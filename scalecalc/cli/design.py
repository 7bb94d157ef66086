"""`scalecalc design`: lay out an isoFLOP ladder, price it, and simulate how precise it is."""

from enum import StrEnum
from typing import Annotated, Any

import typer

from scalecalc import presets as preset_files
from scalecalc.cli.app import (
    AcceleratorsOption,
    FormatOption,
    GpuOption,
    MfuOption,
    OutputFormat,
    PrecisionOption,
    PriceOption,
    app,
    examples,
    priced,
    training_hardware,
    write,
)
from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity

MAX_SEED = 2**63 - 1


class Report(StrEnum):
    runs = "runs"
    precision = "precision"
    both = "both"


def _option(help: str, metavar: str, panel: str = "Ladder") -> Any:
    return typer.Option(metavar=metavar, help=help, rich_help_panel=panel)


@app.command(epilog=examples(
    "scalecalc design --target-flops 1e23 --min-flops 1e18 --max-flops 1e20",
    "scalecalc design --target-flops 1e24 --budget 2e21 --compare",
    "scalecalc design --target-flops 1e24 --gpu h100 --price 2.5 --dollars 50000 --format csv",
    "scalecalc design --target-flops 1e24 --from-fit runs.csv"))
def design(
    target_flops: Annotated[str | None, _option("Budget the ladder's law will be used at, e.g. 1e24.",
                                                "FLOPS", "Question")] = None,
    budget: Annotated[str | None, _option("Experiment budget in FLOPs: the ladder must fit in it.",
                                          "FLOPS", "Question")] = None,
    gpu_hours: Annotated[str | None, _option("Experiment budget in accelerator-hours of --gpu.",
                                             "NUMBER", "Question")] = None,
    dollars: Annotated[str | None, _option("Experiment budget in dollars at --price per hour of --gpu.",
                                           "NUMBER", "Question")] = None,
    preset: Annotated[str | None, typer.Option(
        "--preset", "-p", metavar="NAME", rich_help_panel="Question",
        help="Prior law, the simulated truth: a built-in name or a .toml fit "
             f"(default {preset_files.DEFAULT_PRESET}).")] = None,
    noise: Annotated[str, _option("Loss sd between seeds, nats, 0 to 1; 0.005-0.02 is typical "
                                  "(docs/design.md).", "NUMBER", "Question")] = "0.01",
    min_flops: Annotated[str | None, _option("Smallest budget of the ladder (default: 2 decades below "
                                             "--max-flops, or from the experiment budget).", "FLOPS")] = None,
    max_flops: Annotated[str | None, _option("Largest budget of the ladder (default: 2 decades above "
                                             "--min-flops, or what the experiment budget buys).",
                                             "FLOPS")] = None,
    budgets: Annotated[str | None, _option("Budgets, log-spaced from --min-flops to --max-flops: 2 to 30 "
                                           "(default 5); with --from-fit, the LIST of budgets the runs "
                                           "were trained at, as for fit --method isoflop.",
                                           "INTEGER|LIST")] = None,
    sizes: Annotated[int, _option("Model sizes per budget, evenly spaced in log N: --degree + 2 to 51.",
                                  "INTEGER")] = 7,
    width: Annotated[str | None, _option("Decades either side of the prior's N* the sizes span: 0.05 to 3 "
                                         "(default 0.75).", "NUMBER")] = None,
    replicates: Annotated[int | None, _option("Seeds per run: 1 to 20 (default 1).", "INTEGER")] = None,
    degree: Annotated[int, _option("Polynomial fitted to each budget's losses: 2 or 3.", "INTEGER")] = 2,
    simulations: Annotated[int, _option("Simulated experiments: 100 to 100,000 (and at most 2,000,000 "
                                        "simulated runs).", "INTEGER", "Simulation")] = 1000,
    seed: Annotated[int, _option("Seed of the simulation, 0 or more.", "INTEGER", "Simulation")] = 0,
    compare: Annotated[bool, typer.Option("--compare", rich_help_panel="Simulation",
                                          help="Simulate alternatives side by side: 0.3 decades "
                                          "narrower and wider, 2 more budgets, 4 more sizes, a cubic fit."
                                          )] = False,
    from_fit: Annotated[str | None, _option("Runs already trained (CSV): suggest the next ones, repairs "
                                            "first.", "FILE", "Next runs")] = None,
    columns: Annotated[str | None, _option("With --from-fit: map roles to headers, e.g. "
                                           "params=n_params,loss=val_loss,budget=group.", "LIST",
                                           "Next runs")] = None,
    group_tolerance: Annotated[str | None, _option("With --from-fit: runs whose FLOPs agree within this "
                                                   "share form a budget (default 10).", "PERCENT",
                                                   "Next runs")] = None,
    next_runs: Annotated[int | None, typer.Option("--next", metavar="INTEGER", rich_help_panel="Next runs",
                                                  help="How many runs --from-fit suggests beyond repairs: 0 "
                                                  "to 50 (default 4).")] = None,
    report: Annotated[Report | None, typer.Option(help="What to print: the run list, the precision, or "
                                                  "both (default: both in a table, runs in CSV/JSON).")
                      ] = None,
    gpu: GpuOption = None,
    gpus: Annotated[str | None, typer.Option("--gpus", metavar="INTEGER", rich_help_panel="Hardware",
                                             help="Accelerators running at once, e.g. 2048: adds days.")
                    ] = None,
    mfu: MfuOption = None,
    price: PriceOption = None,
    accelerators: AcceleratorsOption = None,
    precision: PrecisionOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """Lay out an isoFLOP ladder (Approach 2) and simulate how precisely it predicts N* and D*.

    The prior law is the simulated truth: every run's loss gets N(0, noise²), each budget's profile
    is refitted, and a power law through the minima predicts N* at --target-flops. Reported: bias,
    sd and 5-95% range of the prediction, and how often a budget had no bracketed minimum.
    """
    from scalecalc import design as ladders

    if target_flops is None:
        raise ScalecalcError("give --target-flops, the budget the fitted law will be used at (e.g. 1e24).")
    if not 0 <= seed <= MAX_SEED:
        raise ScalecalcError(f"--seed: {seed} is outside 0 to {MAX_SEED}.")
    chosen = report or (Report.both if format is OutputFormat.table else Report.runs)
    if chosen is Report.both and format is not OutputFormat.table:
        raise ScalecalcError(f"--format {format.value} holds one table; choose --report runs or --report "
                             "precision.")
    if columns is not None and from_fit is None:
        raise ScalecalcError("--columns goes with --from-fit FILE; drop it or name the runs file.")
    if group_tolerance is not None and from_fit is None:
        raise ScalecalcError("--group-tolerance goes with --from-fit FILE; drop it or name the runs file.")
    if from_fit is not None and compare:
        raise ScalecalcError("--compare goes with a new ladder, not --from-fit; drop one of them.")
    if from_fit is None and next_runs is not None:
        raise ScalecalcError("--next goes with --from-fit FILE (the runs already trained); drop it or name "
                             "the runs file.")
    if from_fit is not None:
        _refuse_ladder_options({"--budget": budget, "--gpu-hours": gpu_hours, "--dollars": dollars,
                                "--min-flops": min_flops, "--max-flops": max_flops,
                                "--width": width, "--replicates": replicates, "--report": report})
    target = parse_quantity(target_flops, "--target-flops")
    hardware = training_hardware(gpu, gpus, mfu, price, accelerators, precision)
    experiment = _experiment_budget(budget, gpu_hours, dollars, hardware)
    sigma = ladders.check_noise(parse_quantity(noise, "--noise", allow_zero=True))
    law_preset = preset_files.load(preset or preset_files.DEFAULT_PRESET)
    law, c0 = ladders.prior_law(law_preset), law_preset.flops_per_param_token
    half_width = ladders.DEFAULT_WIDTH if width is None else parse_quantity(width, "--width")
    seeds = 1 if replicates is None else replicates
    ladders.check_choices(sizes, half_width, seeds, degree, simulations)
    ladders.check_target(law, target, c0)
    if from_fit is not None:
        from scalecalc.cli.fit_methods import grouping_options

        grouping = grouping_options(group_tolerance, budgets)
        _next_runs(from_fit, columns, grouping, law, c0, target, sigma, simulations, seed, degree, sizes,
                   4 if next_runs is None else next_runs, hardware, format)
        return
    count = _budget_count(budgets)
    ladders.check_count(count)
    low = None if min_flops is None else parse_quantity(min_flops, "--min-flops")
    high = None if max_flops is None else parse_quantity(max_flops, "--max-flops")
    ladder = ladders.Ladder(ladders.budgets_for(count, low, high, experiment, sizes * seeds), sizes,
                            half_width, seeds, degree)
    ladders.check_ladder(ladder, simulations)
    if experiment is not None and ladder.cost > experiment * (1 + 1e-9):
        raise ScalecalcError(f"the ladder costs {ladder.cost:.3g} FLOPs, more than the experiment budget of "
                             f"{experiment:.3g}; lower --max-flops, --sizes or --replicates, or raise the "
                             "budget.")
    designs = ladders.variations(ladder) if compare else [("base", ladder)]
    results, warnings = [], []
    for name, each in designs:
        if name != "base" and simulations * each.runs > ladders.MAX_CELLS:  # the base passed this bound
            warnings.append(f"design {name} is left out: {simulations:,} simulations of its {each.runs:,} "
                            f"runs are more than the {ladders.MAX_CELLS:,} simulated runs allowed.")
            continue
        record, notes = ladders.precision(law, each, c0, target, sigma, simulations, seed, experiment, name)
        results.append(_priced_total(record, hardware))
        warnings += notes
        if experiment is not None and each.cost > experiment * (1 + 1e-9):
            warnings.append(f"design {name} costs {each.cost / experiment:.2f}× the experiment budget.")
    warnings += _diagnostics(ladder, target)
    planned = ladders.runs(law, ladder, c0)
    outside = law_preset.range_warning(params=planned.params, tokens=planned.tokens, flops=planned.flops)
    warnings += [] if outside is None else [outside.removeprefix("warning: ")]
    plan_records = priced([planned], hardware)
    for line in warnings:
        typer.echo(f"warning: {line}", err=True)
    title = f"{ladder.runs} runs, {ladder.cost:.3g} FLOPs in all; prior {law_preset.name}"
    if chosen is not Report.precision:
        write(plan_records, format, title=f"Ladder: {title}", transpose=False)
    if chosen is not Report.runs:
        write(results, format, title=f"Precision at {target:.3g} FLOPs ({simulations} simulated "
              f"experiments, noise {sigma:g} nats)", transpose=True)


def _refuse_ladder_options(given: dict[str, Any]) -> None:
    """--from-fit takes its budgets and sizes from the runs file: a new ladder's options are refused
    beside it, not silently ignored."""
    named = [name for name, value in given.items() if value is not None]
    if named:
        raise ScalecalcError(f"{named[0]} lays out a new ladder and means nothing with --from-fit, which "
                             "suggests runs for the budgets in the file; drop it.")


def _budget_count(text: str | None) -> int:
    """--budgets for a new ladder: a whole number of budgets (a list goes with --from-fit)."""
    if text is None:
        from scalecalc.design import DEFAULT_BUDGETS

        return DEFAULT_BUDGETS
    try:
        return int(text.strip())
    except ValueError:
        raise ScalecalcError(f"--budgets {text[:40]!r}: give a whole number of budgets for a new ladder, "
                             "such as 5 (a list of budgets goes with --from-fit).") from None


def _experiment_budget(budget: str | None, gpu_hours: str | None, dollars: str | None,
                       hardware: Any) -> float | None:
    """The experiment budget in FLOPs from at most one of --budget, --gpu-hours and --dollars."""
    given = {name: value for name, value in (("--budget", budget), ("--gpu-hours", gpu_hours),
                                             ("--dollars", dollars)) if value is not None}
    if len(given) > 1:
        raise ScalecalcError(f"give one experiment budget, not {' and '.join(given)} together.")
    if not given:
        return None
    (name, text), = given.items()
    value = parse_quantity(text, name)
    if name == "--budget":
        return value
    if hardware is None:
        raise ScalecalcError(f"{name} needs --gpu (and --mfu; --price for dollars) to turn it into FLOPs.")
    if name == "--dollars":
        return float(hardware.flops_for_dollars(value))
    flops = value * 3600 * hardware.effective_flops
    if flops > 1e300:
        raise ScalecalcError("--gpu-hours: the budget buys more FLOPs than scalecalc handles (1e300); "
                             "give fewer hours.")
    return flops


def _priced_total(record: Any, hardware: Any) -> Any:
    """A precision record with the hours, days and dollars of the whole ladder, where --gpu is given."""
    if hardware is None:
        return record
    from scalecalc.hardware import cost_fields
    from scalecalc.records import extend

    return extend(record, cost_fields(hardware, record.cost_flops))


def _diagnostics(ladder: Any, target: float) -> list[str]:
    """experiments.md §8: too few budgets, or a target far past the ladder."""
    import math

    lines = []
    if ladder.budgets.size < 3:
        lines.append("fewer than 3 budgets cannot show whether N* follows a power law; 5 is usual.")
    low, high = (math.log10(float(value)) for value in (ladder.budgets.min(), ladder.budgets.max()))
    if math.log10(target) - high > 2 * (high - low):
        lines.append(f"the target {target:.3g} lies more than twice the ladder's span of "
                     f"{high - low:.2g} decades past its top budget; an error in the fitted exponent "
                     "grows with that distance.")
    return lines


def _next_runs(path: str, columns: str | None, grouping: tuple[Any, Any], law: Any, c0: float,
               target: float, noise: float, simulations: int, seed: int, degree: int, sizes: int,
               count: int, hardware: Any, format: OutputFormat) -> None:
    """design --from-fit: the next runs to train, repairs first."""
    from scalecalc import nextruns
    from scalecalc.cli.app import load_runs

    data = load_runs(path, columns)
    tolerance, nominal = grouping
    records, before, left_out = nextruns.suggest(data, law, c0, target, noise, degree, sizes, count, seed,
                                                 simulations, tolerance=tolerance, nominal=nominal)
    shown = priced(records, hardware) if records else records
    for reason, excluded in data.excluded.items():
        typer.echo(f"note: excluded {excluded} run(s): {reason}.", err=True)
    if left_out:
        typer.echo(f"note: {left_out} run(s) fall in no budget and are left out.", err=True)
    kept = len(data) - left_out
    if before is None:
        typer.echo(f"note: as they stand, the {kept} runs cannot predict N* at {target:.3g} FLOPs: some "
                   "budget has too few sizes, or no minimum among them.", err=True)
    else:
        typer.echo(f"note: as they stand, the {kept} runs predict log10 N* at {target:.3g} FLOPs with "
                   f"an sd of {before:.3g} decades (by simulation, noise {noise:g} nats).", err=True)
    if not records:
        typer.echo("note: nothing to add: no repair is needed and --next is 0.", err=True)
        return
    write(shown, format, title=f"Next runs after {data.source}", transpose=False)
