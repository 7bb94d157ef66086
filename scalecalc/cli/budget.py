"""`scalecalc check` for CI, and the accelerator catalogue behind --gpu."""

import copy
from typing import Annotated, Any

import typer

from scalecalc import presets as preset_files
from scalecalc.cli.app import (
    AcceleratorsOption,
    FormatOption,
    GpuOption,
    GpusOption,
    MfuOption,
    OutputFormat,
    PrecisionOption,
    PriceOption,
    app,
    examples,
    write,
)
from scalecalc.cli.counting import FlopsPerTokenOption, ModelOption, counting_notes, read_counting
from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity


def _limit(help: str, metavar: str = "NUMBER") -> Any:
    return Annotated[str | None, typer.Option(help=help, metavar=metavar, rich_help_panel="Limits")]


def _shown_as(option: Any, metavar: str) -> Any:
    """A shared option of cli.app, showing the metavar this command's help uses."""
    info = copy.copy(option.__metadata__[0])
    info.metavar = metavar
    return Annotated[option.__origin__, info]


@app.command(epilog=examples(
    "scalecalc check --params 7B --tokens 2T --max-flops 1e23",
    "scalecalc check --params 7B --tokens 2T --gpu h100 --gpus 512 --price 2.5 --max-days 30 "
    "--max-dollars 1e6",
    "scalecalc check --model llama-3-8b --max-flops 1e24",
    "scalecalc check examples/plan.toml --format json"))
def check(
    plan: Annotated[str | None, typer.Argument(metavar="[PLAN.toml]", help="A plan file listing runs "
                                               "and their limits (examples/plan.toml).")] = None,
    params: Annotated[str | None, typer.Option(metavar="SIZE", help="Model size N of the planned run, "
                                               "e.g. 7B.")] = None,
    tokens: Annotated[str | None, typer.Option(metavar="SIZE", help="Training tokens D of the planned "
                                               "run, e.g. 2T.")] = None,
    model: ModelOption = None,
    flops_per_token: FlopsPerTokenOption = None,
    max_flops: _limit("Fail if the training compute 6·N·D exceeds this many FLOPs.", "FLOPS") = None,
    max_gpu_hours: _limit("Fail if the accelerator-hours exceed this (needs --gpu).") = None,
    max_days: _limit("Fail if the wall-clock days exceed this (needs --gpu and --gpus).") = None,
    max_dollars: _limit("Fail if the cost in dollars exceeds this (needs --gpu and --price).") = None,
    max_loss: _limit("Fail if the preset's predicted loss exceeds this (needs a preset with a law).") = None,
    min_tokens_per_param: _limit("Fail if D/N is below this (20 is Chinchilla's rule of thumb).") = None,
    max_tokens_per_param: _limit("Fail if D/N is above this.") = None,
    max_gpus: _limit("Fail if the run uses more accelerators than this: --gpus, or without it the fewest "
                     "whose memory holds the training state.", "INTEGER") = None,
    preset: Annotated[str | None, typer.Option("--preset", "-p", metavar="NAME", help="Preset for "
                                               "max_loss, a name or a .toml file "
                                               f"(default {preset_files.DEFAULT_PRESET}).")] = None,
    gpu: _shown_as(GpuOption, "NAME") = None,
    gpus: _shown_as(GpusOption, "INTEGER") = None,
    mfu: _shown_as(MfuOption, "NUMBER") = None,
    price: _shown_as(PriceOption, "NUMBER") = None,
    accelerators: _shown_as(AcceleratorsOption, "FILE") = None,
    precision: PrecisionOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """Check planned runs against budget limits: exit 0 if all pass, 1 if any fails, 2 on bad input.

    A run naming --gpu and --gpus must hold its training state (16 bytes per parameter, ZeRO-3) in
    their memory; one that cannot is refused (exit 2) with the fewest accelerators that would do.
    """
    from pathlib import Path

    from scalecalc import check as checks

    notes: list[str] = []  # printed only once the checks are done: an error is the only line

    def results_of_plan() -> list[checks.CheckResult]:
        given = {"max_flops": max_flops, "max_gpu_hours": max_gpu_hours, "max_days": max_days,
                 "max_dollars": max_dollars, "max_loss": max_loss,
                 "min_tokens_per_param": min_tokens_per_param, "max_tokens_per_param": max_tokens_per_param,
                 "max_gpus": max_gpus}
        limits = {key: parse_quantity(value, "--" + key.replace("_", "-")) for key, value in given.items()
                  if value is not None}
        if plan is not None:
            options = (("--params", params), ("--model", model), ("--tokens", tokens), ("--preset", preset),
                       ("--gpu", gpu), ("--gpus", gpus), ("--mfu", mfu), ("--price", price),
                       ("--precision", precision), ("--flops-per-token", flops_per_token))
            inline = [name for name, value in options if value is not None] + \
                ["--" + key.replace("_", "-") for key in limits]
            if inline:
                raise ScalecalcError(f"give the plan as a file or as options, not both: {inline[0]} "
                                     "with a plan file; put it in the file instead.")
            # --accelerators is a catalogue, not a run setting: the plan's runs may name its entries.
            runs = checks.read_plan(Path(plan), accelerators)
        else:
            from scalecalc import hardware as accelerator_files

            settings = accelerator_files.from_settings(gpu, gpus, mfu, price, accelerators, precision)
            law = preset_files.load(preset or preset_files.DEFAULT_PRESET)
            if model is not None:
                runs = [_model_run(model, params, tokens, law, settings, limits, flops_per_token, notes)]
            else:
                if params is None or tokens is None:
                    raise ScalecalcError("give a plan file, or the run as --params and --tokens (or "
                                         "--model) with limits such as --max-flops 1e23.")
                size, count = parse_quantity(params, "--params"), parse_quantity(tokens, "--tokens")
                counting = read_counting(None, flops_per_token)
                scale = 1.0 if counting is None else float(counting.scale(law))
                runs = [checks.inline_run(size, count, law, settings, limits, compute_scale=scale)]
        return [result for run in runs for result in checks.evaluate(run)]

    try:
        results = results_of_plan()
    except ScalecalcError:
        raise
    except Exception as error:  # CI reads exit 1 as a failed budget: a crash must not look like one
        detail = f"{type(error).__name__}: {error}"[:200]
        raise ScalecalcError(f"check stopped on an unexpected error ({detail}); this is a bug in "
                             "scalecalc: please report it with the command and the plan.") from error
    for note in notes:
        typer.echo(note, err=True)
    write(results, format, title="Budget checks", transpose=False)
    failed = sum(result.verdict == "FAIL" for result in results)
    noun = "check" if len(results) == 1 else "checks"
    # The summary is for people: stderr, so stdout stays pure CSV or JSON.
    typer.echo(f"{len(results)} {noun}: {len(results) - failed} passed, {failed} failed.", err=True)
    if failed:
        raise typer.Exit(code=1)


def _model_run(model: str, params: str | None, tokens: str | None, law: Any, hardware: Any,
               limits: dict[str, float], flops_per_token: str | None, notes: list[str]) -> Any:
    """check --model NAME: the run of that model (its catalogue tokens unless --tokens is given);
    the law takes the count it was fitted on, memory every parameter."""
    from scalecalc import check as checks
    from scalecalc.models.sizing import run_tokens

    counting = read_counting(model, flops_per_token, params)
    sizes = counting.model
    notes += counting_notes(counting, [law])
    count = run_tokens(sizes, tokens, notes)
    return checks.inline_run(counting.params(law), count, law, hardware, limits, sizes.name, sizes.total,
                             float(counting.scale(law)))


@app.command(epilog=examples("scalecalc hardware --format csv"))
def hardware(
    accelerators: _shown_as(AcceleratorsOption, "FILE") = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """The accelerator catalogue for --gpu: dense BF16 and FP8 peak FLOP/s, memory, and sources."""
    from pathlib import Path

    from scalecalc import hardware as catalogue

    entries = catalogue.catalogue(Path(accelerators) if accelerators else None)
    # A person's table keeps to 80 columns; CSV and JSON carry each figure's source as well.
    table = format == OutputFormat.table
    records = [catalogue.summary(item, with_source=not table) for item in entries.values()]
    title = "Accelerators (use with --gpu NAME; --format csv adds each figure's source)"
    write(records, format, title=title if table else "Accelerators", transpose=False)
