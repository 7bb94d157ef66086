"""`scalecalc check` for CI, and the accelerator catalogue behind --gpu."""

from typing import Annotated

import typer

from scalecalc import presets as preset_files
from scalecalc.cli.app import (
    AcceleratorsOption,
    FormatOption,
    GpuOption,
    GpusOption,
    MfuOption,
    OutputFormat,
    PriceOption,
    app,
    examples,
    training_hardware,
    write,
)
from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity

LimitOption = Annotated[str | None, typer.Option(rich_help_panel="Limits")]


@app.command(epilog=examples(
    "scalecalc check --params 7B --tokens 2T --max-flops 1e23",
    "scalecalc check --params 7B --tokens 2T --gpu h100 --gpus 512 --price 2.5 --max-days 30 "
    "--max-dollars 1e6",
    "scalecalc check examples/plan.toml --format json"))
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
                                               f"(default {preset_files.DEFAULT_PRESET}).")] = None,
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
        hardware = training_hardware(gpu, gpus, mfu, price, accelerators)
        size, count = parse_quantity(params, "--params"), parse_quantity(tokens, "--tokens")
        law = preset_files.load(preset or preset_files.DEFAULT_PRESET)
        runs = [checks.PlannedRun("run", size, count, law, hardware, limits)]
    results = [result for run in runs for result in checks.evaluate(run)]
    write(results, format, title="Budget checks", transpose=False)
    failed = sum(result.verdict == "FAIL" for result in results)
    noun = "check" if len(results) == 1 else "checks"
    typer.echo(f"{len(results)} {noun}: {len(results) - failed} passed, {failed} failed.", err=True)
    if failed:
        raise typer.Exit(code=1)


@app.command(epilog=examples("scalecalc hardware --format csv"))
def hardware(
    accelerators: AcceleratorsOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """The accelerator catalogue: dense 16-bit peak FLOP/s and sources, for --gpu."""
    from pathlib import Path

    from scalecalc import hardware as catalogue
    from scalecalc.hardware import AcceleratorInfo

    entries = catalogue.catalogue(Path(accelerators) if accelerators else None)
    records = [AcceleratorInfo(key, item.name, item.peak_flops, item.source) for key, item in entries.items()]
    write(records, format, title="Accelerators (use with --gpu NAME)", transpose=False)
