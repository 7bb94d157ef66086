"""Records -> a rich table for people, or CSV / JSON for programs: three views, one set of names."""

from __future__ import annotations

import csv
import errno
import io
import os
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import fields
from typing import Any

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.quantities import format_count, format_flops, format_fraction, scientific
from scalecalc.records import field_names

FORMATS = ("table", "csv", "json")


def _ratio(value: float) -> str:
    magnitude = abs(value)
    if value != 0 and not 1e-3 <= magnitude < 1e6:  # keep the cell short
        return scientific(value)
    return f"{value:.0f}" if magnitude >= 100 else f"{value:.1f}" if magnitude >= 10 else f"{value:.2f}"


def _loss(value: float) -> str:
    return f"{value:.4f}" if value == 0 or 1e-3 <= abs(value) < 1e6 else scientific(value)


HUMAN: dict[str, Callable[[Any], str]] = {
    "text": str,
    "count": format_count,
    "flops": format_flops,
    "gopher": format_fraction,
    "ratio": _ratio,
    "loss": _loss,
    "number": lambda value: f"{value:.6g}",
    "dollars": lambda value: "$" + format_count(value),
}


def column_values(record: Any) -> dict[str, list[Any]]:
    """One record as equal-length lists of plain Python values (str, float or None).

    A number that is not finite is refused here, for all three views: the core never makes one
    (it raises a message first), so one arriving is a bug to report, not a value to print.
    """
    values = {name: _plain(getattr(record, name)) for name in field_names(type(record))}
    for name, value in values.items():
        if isinstance(value, float | np.ndarray) and not np.all(np.isfinite(value)):
            raise ScalecalcError(f"the answer's {name} is not a finite number, which scalecalc never "
                                 "writes; this is a bug, please report the command that gave it.")
    length = max((len(value) for value in values.values() if isinstance(value, np.ndarray)), default=1)
    return {name: value.tolist() if isinstance(value, np.ndarray) else [value] * length
            for name, value in values.items()}


def _plain(value: Any) -> Any:
    """NumPy scalars become Python ones, so CSV and JSON print them as plain numbers."""
    return value.item() if isinstance(value, np.generic) else value


def rows(records: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    """Plain Python rows, one per answer; a record of arrays gives one row per element."""
    for record in records:
        yield from zip(*column_values(record).values(), strict=True)


def to_csv(records: Sequence[Any]) -> str:
    """Header plus full-precision rows (shortest round-trip repr); a missing value is empty."""
    if not records:
        return ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(field_names(type(records[0])))
    for record in records:
        # Converting a column at a time is much faster than letting csv format each float.
        text = [[_csv_text(value) for value in column] if column and not isinstance(column[0], float)
                else list(map(repr, column)) for column in column_values(record).values()]
        writer.writerows(zip(*text, strict=True))
    return buffer.getvalue()


def _csv_text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else repr(value)


def to_json(records: Sequence[Any]) -> str:
    """A list of objects keyed like the CSV columns; a missing value is null. Strict JSON: never
    NaN or Infinity (column_values refuses them first; allow_nan=False is the backstop)."""
    import json  # only JSON output pays for the module

    names = field_names(type(records[0])) if records else []
    objects = [dict(zip(names, row, strict=True)) for row in rows(records)]
    return json.dumps(objects, indent=2, allow_nan=False) + "\n"


def to_rich(records: Sequence[Any], *, title: str | None = None, transpose: bool = False,
            hide: Collection[str] = (), only: Collection[str] | None = None) -> Any:
    """A rich Table: one row per answer, or (transpose) one column per answer with field meanings.

    `hide` names text columns (or, transposed, "meaning") to leave out where the table must fit a
    narrow terminal; a caption says so. `only` keeps just those columns besides the first, for a
    table printed in parts. Cells are rich Text, never markup, with control characters
    shown escaped: a preset name is data, and must not move the cursor or change colours.
    """
    from rich.table import Table  # only a person at a terminal pays for rich's table machinery
    from rich.text import Text

    record_type = type(records[0])
    meta = {item.name: item.metadata for item in fields(record_type)}
    names = field_names(record_type)
    human = [[_human(value, meta[name]["kind"]) for name, value in zip(names, row, strict=True)]
             for row in rows(records)]
    table = Table(title=Text(printable(title or "")), title_justify="left")
    if hide:
        table.caption = Text(f"Not shown at this width: {', '.join(hide)} (--format csv or json has "
                             "every field).", style="dim")
        table.caption_justify = "left"
    if not transpose:
        # CSV and JSON keep every column; a person is spared the constant and the empty ones.
        keep = [index for index, name in enumerate(names)
                if not (index == 0 and len({row[0] for row in human}) == 1)
                and any(row[index] != "-" for row in human) and name not in hide
                and (only is None or index == 0 or name in only)]
        if 0 not in keep:  # the first column (preset, run, ...) is the same throughout: say it once
            constant = f"{names[0]} {human[0][0]}"
            table.title = Text(printable(f"{title} ({constant})" if title else constant))
        for index in keep:
            name, numeric = names[index], meta[names[index]]["kind"] != "text"
            widest = max(len(row[index]) for row in human) if numeric else min(len(name) + 8, 24)
            table.add_column(name, justify="right" if numeric else "left", overflow="fold",
                             min_width=widest)
        for row in human:
            table.add_row(*(Text(printable(row[index])) for index in keep))
        return table
    table.add_column("field", no_wrap=True)
    for row in human:  # the first field names the preset
        widest = max(len(value) for value in row[1:])  # numbers stay whole; headers may fold
        table.add_column(Text(printable(row[0])), justify="right", overflow="fold", min_width=widest)
    # With several answers side by side, the numbers need the room.
    explain = len(human) == 1 and "meaning" not in hide
    if explain:
        table.add_column("meaning", style="dim")
    for index, name in enumerate(names[1:], start=1):
        if all(row[index] == "-" for row in human) and meta[name].get("optional"):
            continue  # a field none of these presets can give (Kaplan's frontier loss, say)
        help_text = [meta[name]["help"]] if explain else []
        table.add_row(name, *(Text(printable(row[index])) for row in human), *help_text)
    return table


def in_parts(records: Sequence[Any], *, title: str, hide: Collection[str], width: int) -> list[Any]:
    """One row per answer, split into tables no wider than `width`, each repeating the first
    column that tells the rows apart: for more numbers than a terminal is wide, none cropped."""
    record_type = type(records[0])
    kinds = {item.name: item.metadata["kind"] for item in fields(record_type)}
    names = field_names(record_type)
    body = [[_human(value, kinds[name]) for name, value in zip(names, row, strict=True)]
            for row in rows(records)]
    columns = dict(zip(names, zip(*body, strict=True), strict=True))
    shown = [name for name in names if name not in hide and any(cell != "-" for cell in columns[name])]
    key = shown[0] if len(set(columns[names[0]])) > 1 or shown[0] != names[0] else shown[1]
    # A column takes its widest cell or header, one space either side and a rule: 3 more.
    need = {name: max(len(name), *map(len, columns[name])) + 3 for name in shown}
    parts: list[list[str]] = [[]]
    for name in shown[shown.index(key) + 1:]:
        if parts[-1] and sum(need[n] for n in [key, *parts[-1], name]) + 1 > width:
            parts.append([])
        parts[-1].append(name)
    last = len(parts) - 1
    return [to_rich(records, title=title if number == 0 else None, hide=hide if number == last else (),
                    only=[key, *part]) for number, part in enumerate(parts)]


def droppable_columns(records: Sequence[Any], transpose: bool) -> Iterator[tuple[str, ...]]:
    """What to_rich may leave out to fit a narrow terminal, least first: nothing, then the long
    text columns one more at a time, longest first (summary, source, ...), or the meanings."""
    yield ()
    if transpose:
        yield ("meaning",)
        return
    record_type = type(records[0])
    names = field_names(record_type)
    kinds = {item.name: item.metadata["kind"] for item in fields(record_type)}
    width = {name: max(len(str(value)) for value in column)
             for name, column in zip(names, zip(*rows(records), strict=True), strict=True)
             if kinds[name] == "text" and name != names[0]}
    longest = sorted(width, key=width.__getitem__, reverse=True)
    for count in range(1, len(longest) + 1):
        yield tuple(longest[:count])


def printable(text: str, limit: int | None = None) -> str:
    """Text safe to show on a terminal: control and other invisible characters (ESC, CR, bidi
    overrides) written as escapes such as \\x1b; with a limit, any longer word is cut short."""
    if not text.isprintable():
        text = "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
                       for char in text)
    if limit is not None and len(text) > limit:
        text = " ".join(word if len(word) <= limit else f"{word[:limit]}...({len(word)} characters)"
                        for word in text.split(" "))
    return text


def console(**options: Any) -> Any:
    """A rich Console that honours NO_COLOR (https://no-color.org) wholly: no colour, and no bold
    or dim either, even where FORCE_COLOR or TTY_COMPATIBLE make rich treat the output as a
    terminal. rich's own NO_COLOR handling keeps bold and dim."""
    from rich.console import Console

    if os.environ.get("NO_COLOR"):
        options["color_system"] = None
    console = Console(**options)
    console.on_broken_pipe = _broken_pipe  # rich's own exits with status 1; the caller decides
    return console


def _broken_pipe() -> None:
    raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def to_text(records: Sequence[Any]) -> str:
    """Plain aligned columns with the table's human units: for tables too long for rich to lay
    out quickly (rich measures every cell; 100,000 rows take minutes)."""
    record_type = type(records[0])
    kinds = [item.metadata["kind"] for item in fields(record_type)]
    names = field_names(record_type)
    body = [[_human(value, kind) for value, kind in zip(row, kinds, strict=True)] for row in rows(records)]
    widths = [max(len(name), *(len(row[index]) for row in body)) for index, name in enumerate(names)]
    lines = ["  ".join(cell.ljust(width) if kind == "text" else cell.rjust(width)
                       for cell, width, kind in zip(line, widths, kinds, strict=True)).rstrip()
             for line in [names, *body]]
    return "\n".join(lines) + "\n"


def row_count(records: Sequence[Any]) -> int:
    return sum(len(next(iter(column_values(record).values()))) for record in records)


def _human(value: Any, kind: str) -> str:
    return "-" if value is None else HUMAN[kind](value)
