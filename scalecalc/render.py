"""Records -> a rich table for people, or CSV / JSON for programs: three views, one set of names."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from typing import Any

import numpy as np

from scalecalc.quantities import format_count, format_flops, format_fraction

FORMATS = ("table", "csv", "json")


def _ratio(value: float) -> str:
    magnitude = abs(value)
    return f"{value:.0f}" if magnitude >= 100 else f"{value:.1f}" if magnitude >= 10 else f"{value:.2f}"


HUMAN: dict[str, Callable[[Any], str]] = {
    "text": str,
    "count": format_count,
    "flops": format_flops,
    "gopher": format_fraction,
    "ratio": _ratio,
    "loss": lambda value: f"{value:.4f}",
}


def columns(record_type: type) -> list[str]:
    return [item.name for item in fields(record_type)]


def rows(records: Sequence[Any]) -> Iterator[list[Any]]:
    """Plain Python rows (str, float or None), one per answer; arrays are unrolled."""
    for record in records:
        values = [getattr(record, name) for name in columns(type(record))]
        arrays = [value for value in values if isinstance(value, np.ndarray)]
        if not arrays:
            yield values
            continue
        length = len(arrays[0])
        expanded = [value.tolist() if isinstance(value, np.ndarray)
                    else [value] * length for value in values]
        yield from (list(row) for row in zip(*expanded, strict=True))


def to_csv(records: Sequence[Any]) -> str:
    """Header plus full-precision rows; a missing value is an empty cell."""
    if not records:
        return ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns(type(records[0])))
    writer.writerows(["" if value is None else value for value in row] for row in rows(records))
    return buffer.getvalue()


def to_json(records: Sequence[Any]) -> str:
    """A list of objects keyed like the CSV columns; a missing value is null."""
    names = columns(type(records[0])) if records else []
    return json.dumps([dict(zip(names, row, strict=True)) for row in rows(records)], indent=2) + "\n"


def to_rich(records: Sequence[Any], *, title: str | None = None, transpose: bool = False) -> Any:
    """A rich Table: one row per answer, or (transpose) one column per answer with field meanings."""
    from rich.table import Table  # only a person at a terminal pays for rich's table machinery

    record_type = type(records[0])
    meta = {item.name: item.metadata for item in fields(record_type)}
    names = columns(record_type)
    human = [[_human(value, meta[name]["kind"]) for name, value in zip(names, row, strict=True)]
             for row in rows(records)]
    table = Table(title=title, title_justify="left")
    if not transpose:
        # CSV and JSON keep every column; a person is spared the constant and the empty ones.
        keep = [index for index, name in enumerate(names)
                if not (index == 0 and len({row[0] for row in human}) == 1)
                and any(row[index] != "-" for row in human)]
        if 0 not in keep:
            table.title = f"{title} (preset {human[0][0]})" if title else f"preset {human[0][0]}"
        for index in keep:
            name, numeric = names[index], meta[names[index]]["kind"] != "text"
            widest = max(len(row[index]) for row in human) if numeric else min(len(name) + 8, 24)
            table.add_column(name, justify="right" if numeric else "left", overflow="fold",
                             min_width=widest)
        for row in human:
            table.add_row(*(row[index] for index in keep))
        return table
    table.add_column("field", no_wrap=True)
    for row in human:  # the first field names the preset
        widest = max(len(value) for value in row[1:])  # numbers stay whole; headers may fold
        table.add_column(row[0], justify="right", overflow="fold", min_width=widest)
    explain = len(human) == 1  # with several answers side by side, the numbers need the room
    if explain:
        table.add_column("meaning", style="dim")
    for index, name in enumerate(names[1:], start=1):
        help_text = [meta[name]["help"]] if explain else []
        table.add_row(name, *(row[index] for row in human), *help_text)
    return table


def _human(value: Any, kind: str) -> str:
    return "-" if value is None else HUMAN[kind](value)
