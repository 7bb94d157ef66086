"""The `scalecalc` Typer app: shared options, input helpers, output, and the entry point.

This package is the only code that prints or exits. Every answer is computed before anything is
written, so an error leaves stdout empty and a pipe never receives half a CSV. The commands live
in the modules beside this one, grouped by what they do.
"""

import contextlib
import errno
import io
import os
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
# A message quotes what the user typed; a word longer than this is cut so that one line stays one line.
MESSAGE_WORD_LIMIT = 80
HELP_NAMES = ["-h", "--help"]


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def examples(*lines: str) -> str:
    """An epilog listing example commands, one a line, as Typer's rich help prints it.

    Typer reads an epilog as rich markup after inspect.cleandoc: brackets are escaped, and the
    leading newline keeps the indentation (cleandoc removes only what all lines after the first
    share, and "Examples:" has none).
    """
    body = "\n".join("  " + line.replace("[", "\\[") for line in lines)
    return f"\nExample{'s' if len(lines) > 1 else ''}:\n{body}"


app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Compute-budget planner for neural scaling laws (Chinchilla, Besiroglu et al., Kaplan).",
    epilog=examples("scalecalc optimal --flops 1e24", "scalecalc loss --params 70B --tokens 1.4T",
                    "scalecalc tokens --params 7B", "scalecalc table --preset chinchilla-approach1",
                    "scalecalc presets", "scalecalc optimal --help"),
)
presets_app = typer.Typer(help="List the presets, or show one whole.", invoke_without_command=True,
                          epilog=examples("scalecalc presets", "scalecalc presets show besiroglu",
                                          "scalecalc presets --format csv"))
app.add_typer(presets_app, name="presets")
plot_app = typer.Typer(help="Figures (PNG, SVG or PDF by the file's extension); needs the plot extra.",
                       invoke_without_command=True,
                       epilog=examples("scalecalc plot isoflop --out isoflop.svg",
                                       "scalecalc plot fit runs.csv --out fit.pdf"))
app.add_typer(plot_app, name="plot")


PresetOption = Annotated[
    list[str] | None,
    typer.Option("--preset", "-p", metavar="NAME", help="Built-in name, path to a .toml preset, or 'all'. "
                 f"Repeat to compare presets. Default: {preset_files.DEFAULT_PRESET}."),
]
CiOption = Annotated[
    float | None,
    typer.Option("--ci", metavar="PERCENT", help="Add a central interval, in percent (90, 95), from "
                 "the preset's bootstrap draws or covariance."),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="NAME=NUMBER",
                 help="Override a law coefficient, e.g. --set alpha=0.336 (repeatable)."),
]
UniqueOption = Annotated[
    str | None,
    typer.Option("--unique-tokens", metavar="SIZE", help="Unique tokens available, e.g. 100B: tokens "
                 "beyond them are repeats (needs --preset muennighoff).", rich_help_panel="Data-constrained"),
]
GpuOption = Annotated[str | None, typer.Option(
    "--gpu", metavar="NAME",
    help="Accelerator, e.g. h100 (scalecalc hardware lists them): adds hours, days and cost.",
    rich_help_panel="Hardware")]
GpusOption = Annotated[str | None, typer.Option(
    "--gpus", metavar="NUMBER", help="Accelerators running at once, e.g. 2048.", rich_help_panel="Hardware")]
MfuOption = Annotated[str | None, typer.Option(
    "--mfu", metavar="NUMBER", help="Model FLOPs utilization, 0 to 1 (default 0.40).",
    rich_help_panel="Hardware")]
PriceOption = Annotated[str | None, typer.Option(
    "--price", metavar="NUMBER", help="Dollars per accelerator-hour, e.g. 2.5.", rich_help_panel="Hardware")]
AcceleratorsOption = Annotated[str | None, typer.Option(
    "--accelerators", metavar="FILE", help="A TOML file adding or replacing accelerators.",
    rich_help_panel="Hardware")]
PrecisionOption = Annotated[str | None, typer.Option(
    "--precision", metavar="NAME", help="Which peak of --gpu: bf16 (default) or fp8 (dense figures; "
    "scalecalc hardware lists both).", rich_help_panel="Hardware")]
DaysOption = Annotated[str | None, typer.Option(
    "--days", metavar="NUMBER", help="Budget as wall-clock days on --gpus accelerators of --gpu.",
    rich_help_panel="Hardware")]
DollarsOption = Annotated[str | None, typer.Option(
    "--dollars", metavar="NUMBER", help="Budget in dollars at --price per accelerator-hour of --gpu.",
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
    """A runs file (or standard input, for -) of at most `limit` bytes, as text."""
    from scalecalc import infiles

    label = "standard input" if name == "-" else infiles.shown(name)
    return infiles.read_text(name, label, limit, "a runs file (CSV)")


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
                      accelerators: str | None, precision: str | None = None) -> Any:
    """The training hardware, or None when no hardware option is given."""
    if all(value is None for value in (gpu, gpus, mfu, price, accelerators, precision)):
        return None  # the common case skips importing the hardware module (start-up time)
    from scalecalc import hardware

    return hardware.from_settings(gpu, gpus, mfu, price, accelerators, precision)


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
        # 'all': the built-in language presets that plan (image, video and other domains by name), but
        # not a law whose constants are only a shape (kumar-precision: its E is of another data set).
        expanded = [name for name in preset_files.builtin_names()
                    if (found := preset_files.load(name)).domain == "language" and "optimal" in found.answers
                    and getattr(found.law, "compared_in_all", True)] if spec == "all" else [spec]
        names.extend(name for name in expanded if name not in names)
    loaded = [preset_files.with_overrides(preset_files.load(name), overrides or []) for name in names]
    per_token = [item.name for item in loaded if item.params_convention == preset_files.PER_TOKEN]
    if per_token and len(loaded) > 1:  # its answers have M where the others have N: no shared columns
        raise ScalecalcError(f"preset {per_token[0]} answers in M, FLOPs per token, not in parameters N, so "
                             "it cannot share a table with other presets; ask it alone.")
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
    """Warn about extrapolation and the like (stderr, each line once), then write the records (stdout)."""
    lines: list[str] = []
    for item, record in zip(chosen, records, strict=True):
        flops = training_flops(record)
        per_param = getattr(record, "flops_per_param_token", None)
        if flops is not None and per_param is not None:  # counted by --flops-per-token: the law's own C
            flops = flops * item.flops_per_param_token / per_param
        warning = item.range_warning(params=getattr(record, "params", None),
                                     tokens=getattr(record, "tokens", None), flops=flops,
                                     core_days=getattr(record, "core_days", None))
        if warning:
            lines.append(warning)
        if hasattr(record, "loss_gap"):  # a run the user gave: does its data suffice for its size?
            lines.extend(item.advice(record.params, record.tokens))
        if item.caution:
            lines.append(f"note: {item.caution}")
    laws = {item.name for item in chosen if item.law is not None}
    if len(laws) > 1 and any(hasattr(record, "loss") for record in records):
        lines.append("note: these presets' losses come from different data and tokenizers (Kaplan's on "
                     "WebText2 with non-embedding N), so a lower loss does not make a better law.")
    for line in dict.fromkeys([*lines, *(warnings or [])]):
        typer.echo(render.printable(line), err=True)
    write(records, fmt, title=title, transpose=transpose)


class OutputError(Exception):
    """Standard output could not take the answer (closed, full, a reader gone). Not an OSError,
    so that Typer passes it up to main unchanged."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror)
        self.error = error


def write(records: list[Any], fmt: OutputFormat, *, title: str, transpose: bool) -> None:
    try:
        if fmt is OutputFormat.csv:
            sys.stdout.write(render.to_csv(records))
        elif fmt is OutputFormat.json:
            sys.stdout.write(render.to_json(records))
        elif render.row_count(records) > PLAIN_TEXT_ROWS:
            sys.stdout.write(render.to_text(records))
        else:
            _print_table(records, title=title, transpose=transpose)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
    except OSError as error:
        raise OutputError(error) from None


def _print_table(records: list[Any], *, title: str, transpose: bool) -> None:
    """Print a rich table without ever cropping a number.

    On a terminal, or wherever COLUMNS gives a width, the side-by-side view is tried first, then
    one row per answer, then the same leaving out long text columns (CSV and JSON keep them) until
    the table fits. Output to a file with no width set is printed at its natural width.
    """
    console = render.console()
    unlimited = console.options.update_width(100_000)
    if console.options.ascii_only:  # rich draws ASCII boxes; a "?" for a "·" keeps the columns aligned
        with contextlib.suppress(AttributeError, ValueError):
            sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    if not (console.is_terminal or os.environ.get("COLUMNS", "").isdigit()):
        table = render.to_rich(records, title=title, transpose=transpose)
        needed = console.measure(table, options=unlimited)
        render.console(width=max(80, needed.maximum)).print(table)
        return
    hidden: tuple[str, ...] = ()
    for layout in [True, False] if transpose else [False]:
        for hidden in render.droppable_columns(records, layout):
            table = render.to_rich(records, title=title, transpose=layout, hide=hidden)
            if console.measure(table, options=unlimited).minimum <= console.width:
                console.print(table)
                return
    # More numbers than the terminal is wide: print them in parts, each whole.
    for part in render.in_parts(records, title=title, hide=hidden, width=console.width):
        console.print(part)


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
    _prepare_streams()
    command = typer.main.get_command(_only(args[0]) if args else app)
    _harden(command)
    if not args:  # a usage error: the help goes to stderr, stdout stays empty
        with contextlib.redirect_stdout(sys.stderr):
            command.main(args=["--help"], prog_name="scalecalc", standalone_mode=False)
        return 2
    try:
        result = command.main(args=args, prog_name="scalecalc", standalone_mode=False)
        sys.stdout.flush()
    except ScalecalcError as error:
        return _fail(str(error))
    except typer.TyperException as error:  # usage errors: unknown or missing options, bad choices
        return _usage_error(error)
    except (typer.Abort, KeyboardInterrupt):
        return _fail("interrupted.", code=130)
    except OutputError as failure:
        return _output_failed(failure.error)
    except OSError as error:  # outside write(): the help, presets show, or a file of the user's
        if error.filename is not None:
            return _fail(f"{error.filename}: {error.strerror or error}; check the path.")
        return _output_failed(error)
    if result == 130:  # Typer turns a Ctrl-C in a command into Exit(130), which comes back as 130
        return _fail("interrupted.", code=130)
    return result if isinstance(result, int) else 0


def _usage_error(error: Exception) -> int:
    context = getattr(error, "ctx", None)
    where = context.command_path if context is not None else "scalecalc"
    message = error.format_message().rstrip(".")  # type: ignore[attr-defined]
    message = message[:1].lower() + message[1:]  # mid-sentence after "error:"
    hint = f"run '{where} --help' to see what it takes."
    # click's suggestions end in a question ("Did you mean 'optimal'?"): a new sentence follows.
    text = f"{message} {hint[:1].upper()}{hint[1:]}" if message.endswith("?") else f"{message}; {hint}"
    return _fail(text, code=getattr(error, "exit_code", 2) or 2)


def _output_failed(error: OSError) -> int:
    if error.errno == errno.EPIPE:
        # The reader (head, say) went away: stop quietly, as other Unix tools do.
        with contextlib.suppress(OSError, ValueError):  # no file number: nothing left to silence
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    reason = error.strerror or str(error)
    return _fail(f"cannot write the output: {reason[:1].lower()}{reason[1:]}; "
                 "send it to a file or pipe that can take it.")


def _fail(message: str, code: int = 2) -> int:
    with contextlib.suppress(OSError):  # stderr gone too: the exit code is all that is left
        typer.echo(f"scalecalc: error: {render.printable(message, limit=MESSAGE_WORD_LIMIT)}", err=True)
    return code


def _prepare_streams() -> None:
    """Make stdout and stderr safe to write to whatever they are.

    A closed stdout (`>&-`) becomes a stream whose writes fail with a message; one that cannot
    encode the tables' characters (LC_ALL=C without UTF-8 mode) writes them as escapes rather than
    failing, and rich draws its boxes in ASCII there by itself.
    """
    if sys.stdout is None:
        sys.stdout = _ClosedStream()
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "\u2500\u00b7\u2014".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            with contextlib.suppress(AttributeError, ValueError):  # not a TextIOWrapper: leave it
                stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


class _ClosedStream(io.TextIOBase):
    """Stands in for a stdout the shell closed, so that writing to it is an error we can report."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def _harden(command: Any) -> None:
    """Give every command of the tree -h, --version and a refusal of repeated options.

    Done on the click objects Typer builds, so no command needs code of its own for it.
    """
    command.context_settings.setdefault("help_option_names", HELP_NAMES)
    from typer._click.exceptions import UsageError
    from typer.core import TyperOption as Option

    command.params.append(Option(param_decls=["--version"], is_flag=True, expose_value=False, is_eager=True,
                                 callback=_show_version, help="Show the version and exit."))
    make_parser = command.make_parser

    def strict_parser(ctx: Any) -> Any:
        parser = make_parser(ctx)
        parse = parser.parse_args

        def parse_args(args: list[str]) -> Any:
            options, rest, order = parse(args)
            seen: set[int] = set()
            for param in order:
                if isinstance(param, Option) and not param.multiple and not param.count:
                    if id(param) in seen:
                        raise UsageError(f"{_option_name(param)} was given more than once; give it "
                                         "once (only --preset and --set may be repeated)", ctx)
                    seen.add(id(param))
            return options, rest, order

        parser.parse_args = parse_args
        return parser

    command.make_parser = strict_parser
    format_help = command.format_help

    def plain_help(ctx: Any, formatter: Any) -> Any:
        if os.environ.get("NO_COLOR"):
            from typer import rich_utils

            rich_utils.COLOR_SYSTEM = None  # no bold or dim either: https://no-color.org
        try:
            return format_help(ctx, formatter)
        except SystemExit:  # rich's answer to a closed pipe: exit 1; ours is the quiet 141
            raise OutputError(BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))) from None

    command.format_help = plain_help
    for child in getattr(command, "commands", {}).values():
        _harden(child)


def _option_name(param: Any) -> str:
    return " / ".join(sorted(param.opts, key=len, reverse=True))


def _show_version(ctx: Any, _param: Any, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from scalecalc import __version__

        typer.echo(f"scalecalc {__version__}")
        ctx.exit()
