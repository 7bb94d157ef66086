"""The `scalecalc` Typer app: shared options, input helpers, output, and the entry point.

This package is the only code that prints or exits. Every answer is computed before anything is
written, so an error leaves stdout empty and a pipe never receives half a CSV. The commands live
in the modules beside this one, grouped by what they do.
"""

import sys
from enum import StrEnum
from typing import Annotated, Any

import typer

from scalecalc import presets as preset_files
from scalecalc import render, solve
from scalecalc.errors import ScalecalcError
from scalecalc.presets import Preset
from scalecalc.quantities import parse_quantity

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


PresetOption = Annotated[
    list[str] | None,
    typer.Option("--preset", "-p", help="Built-in name, path to a .toml preset, or 'all'. "
                 f"Repeat to compare presets. Default: {preset_files.DEFAULT_PRESET}."),
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


def load_runs(name: str, columns: str | None, drop_highest_loss: int = 0,
              min_tokens_per_param: float | None = None, *, skip_bad_rows: bool = False) -> Any:
    """Runs from a CSV file (or - for stdin), with the exclusions the user asked for."""
    from scalecalc import runs

    source = "standard input" if name == "-" else name
    data = runs.read_runs(_read_text(name, runs.MAX_FILE_BYTES), source, runs.parse_columns(columns),
                          skip_bad_rows=skip_bad_rows)
    return runs.exclude(data, drop_highest_loss, min_tokens_per_param)


def _read_text(name: str, limit: int = 64 * 2**20) -> str:
    """A text file (or standard input, for -) of at most `limit` bytes; a BOM is dropped."""
    source = "standard input" if name == "-" else name
    try:
        if name == "-":
            stream = getattr(sys.stdin, "buffer", None)
            # A text-only stdin (a test's StringIO) has no bytes to check: read it as it is.
            raw = stream.read(limit + 1) if stream is not None else sys.stdin.read(limit + 1).encode()
        else:
            with open(name, "rb") as handle:
                raw = handle.read(limit + 1)
    except OSError as error:
        raise ScalecalcError(f"cannot read {name}: {error.strerror}; check the path.") from None
    if len(raw) > limit:
        raise ScalecalcError(f"{source} is larger than {limit // 2**20} MiB, the limit for a runs file; "
                             "give one row per run and only the columns needed.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ScalecalcError(f"{source} is not UTF-8 text (byte {error.start + 1} cannot be decoded); "
                             "give the runs as a UTF-8 CSV file.") from None


def one_question(given: dict[str, str | None], hardware: Any,
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


def training_hardware(gpu: str | None, gpus: str | None, mfu: str | None, price: str | None,
              accelerators: str | None) -> Any:
    """The training hardware, or None when --gpu is not given."""
    from scalecalc import hardware

    return hardware.from_settings(gpu, gpus, mfu, price, accelerators)


def priced(records: list[Any], hardware: Any) -> list[Any]:
    """Records with hours, days and dollars for their (training) compute, where --gpu is given."""
    if hardware is None:
        return records
    from scalecalc.hardware import cost_fields
    from scalecalc.records import extend

    return [extend(record, cost_fields(hardware, training_flops(record))) for record in records]


def training_flops(record: Any) -> Any:
    """The training compute a record describes (an inference plan calls it train_flops)."""
    if hasattr(record, "flops"):
        return record.flops
    return getattr(record, "train_flops", None)  # None: a loss from L(N) or L(D) has no budget


def load_presets(specs: list[str] | None, need_law: bool = False, need_uncertainty: bool = False,
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
            # 'all' asks for every preset that can answer: say which cannot, rather than drop them quietly.
            left_out = [item.name for item in loaded if not item.has_uncertainty]
            loaded = [item for item in loaded if item.has_uncertainty]
            if not loaded:
                raise ScalecalcError("none of the presets carries uncertainty, so --ci cannot give an "
                                     "interval; add besiroglu, or a preset saved by fit --bootstrap.")
            if left_out:
                typer.echo(f"note: --ci leaves out {', '.join(left_out)}, which carry no uncertainty "
                           "(no bootstrap draws or covariance).", err=True)
        for item in loaded:
            if not item.has_uncertainty:
                raise ScalecalcError(
                    f"preset {item.name} carries no uncertainty, so --ci cannot give an interval; use "
                    "besiroglu, or a preset saved by scalecalc fit --bootstrap.")
    return loaded


def emit(chosen: list[Preset], records: list[Any], fmt: OutputFormat, *, title: str,
          transpose: bool, warnings: list[str] | None = None) -> None:
    """Warn about extrapolation and the like (stderr), then write the records (stdout)."""
    for item, record in zip(chosen, records, strict=True):
        warning = item.range_warning(params=record.params, tokens=getattr(record, "tokens", None),
                                     flops=training_flops(record))
        if warning:
            typer.echo(warning, err=True)
        if item.caution:
            typer.echo(f"note: {item.caution}", err=True)
    if sum(item.law is not None for item in chosen) > 1 and any(hasattr(r, "loss") for r in records):
        typer.echo("note: these presets' losses come from different data and tokenizers (Kaplan's on "
                   "WebText2 with non-embedding N), so a lower loss does not make a better law.", err=True)
    for warning in warnings or []:
        typer.echo(warning, err=True)
    write(records, fmt, title=title, transpose=transpose)


def write(records: list[Any], fmt: OutputFormat, *, title: str, transpose: bool) -> None:
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
