"""`scalecalc presets`: list the coefficient sets, or show one whole."""

import sys
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from scalecalc import presets as preset_files
from scalecalc.cli.app import (
    FormatOption,
    OutputFormat,
    examples,
    presets_app,
    write,
)
from scalecalc.records import PresetInfo, record_field


@dataclass(frozen=True)
class PresetLine:
    """One line of `scalecalc presets` in a person's table, under its domain's heading."""

    name: str = record_field("text", "name to pass to --preset")
    answers: str = record_field("text", "the questions it answers")
    summary: str = record_field("text", "one-line description")


@presets_app.callback()
def presets_list(ctx: typer.Context, format: FormatOption = OutputFormat.table) -> None:
    """The built-in presets by what they model: name, the questions each answers, and a summary
    (* marks the default; CSV and JSON add the law, allocation and source)."""
    if ctx.invoked_subcommand is not None:
        return
    records = []
    for name in preset_files.builtin_names():
        item = preset_files.load(name)
        records.append(PresetInfo(name=name, domain=item.domain, answers=", ".join(item.answers),
                                  law=item.law.form if item.law else "none",
                                  allocation=item.allocation_kind, source=item.source,
                                  summary=item.summary))
    if format is not OutputFormat.table:  # CSV and JSON keep the name as --preset takes it
        write(records, format, title="Presets", transpose=False)
        return
    # A person's table: one per domain, in DOMAINS order, the default marked.
    for domain in preset_files.DOMAINS:
        group = [PresetLine(name=f"{r.name} *" if r.name == preset_files.DEFAULT_PRESET else r.name,
                            answers=r.answers, summary=r.summary) for r in records if r.domain == domain]
        if group:
            write(group, format, title=f"{domain.capitalize()} (use with --preset NAME; * marks the "
                  "default)" if domain == "language" else domain.capitalize(), transpose=False)


@presets_app.command("list", epilog=examples("scalecalc presets list --format csv"))
def presets_list_command(ctx: typer.Context, format: FormatOption = OutputFormat.table) -> None:
    """The same list as bare `scalecalc presets`."""
    presets_list(ctx, format)


@presets_app.command("show")
def presets_show(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A built-in name or a path to a preset file.")],
    format: FormatOption = OutputFormat.table,
) -> None:
    """Print one preset whole: the TOML file itself, or its contents as JSON or CSV."""
    from scalecalc import tomlfile

    item = preset_files.load(name)  # validated: every value is typed and finite, no dates
    data, text = tomlfile.read(item.path, "preset")
    if format is OutputFormat.table:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    if format is OutputFormat.json:
        import json

        sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")
        return
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["key", "value"])
    writer.writerows(_flatten(data))


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted keys and plain values; a list is its items separated by spaces, a row of a matrix by
    semicolons (so a value never holds brackets a spreadsheet would take for text)."""
    items: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            items.extend(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            rows = value if value and all(isinstance(row, list) for row in value) else [value]
            items.append((f"{prefix}{key}", "; ".join(" ".join(map(repr, row)) for row in rows)))
        else:
            items.append((f"{prefix}{key}", repr(value) if isinstance(value, float) else value))
    return items
