"""Reading the TOML files users hand us (presets, plans, accelerator catalogues), safely and typed.

One reader for every such file: it refuses what is not a regular file, files beyond MAX_BYTES,
bytes that are not UTF-8 and nesting Python cannot parse, so a hostile file is a message and never a
traceback. `Table` then reads values by type, naming the file and key in every error: a bool is not a
number, a list is not a string, a date is not a URL, and numbers are finite.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity

MAX_BYTES = 8_000_000  # far above any preset with bootstrap draws, far below a mistake
MAX_TEXT = 10_000  # characters in one string value


def read(path: Path, kind: str) -> tuple[dict[str, Any], str]:
    """The parsed table and the text of a `kind` file ("preset", "plan", "accelerator")."""
    from scalecalc import infiles

    label = f"{kind} file {infiles.shown(path)}"
    text = infiles.read_text(path, label, MAX_BYTES, "a TOML file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScalecalcError(f"{label}: not valid TOML ({error}).") from None
    except RecursionError:
        raise ScalecalcError(f"{label}: lists or tables are nested too deeply to read; "
                             f"{kind} files need only a few levels.") from None
    except ValueError:  # an integer beyond Python's 4,300-digit limit for reading numbers
        raise ScalecalcError(f"{label}: a number has thousands of digits; write it as 1e24.") from None
    return data, text


def describe(value: Any) -> str:
    """A short, safe description of a TOML value for a message (never a long or deep repr)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**20 else f"an integer of {len(str(abs(value)))} digits"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


def as_float(value: Any) -> float | None:
    """A TOML number as a finite float, or None when it is not one (bool, string, huge, nan, inf)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


class Table:
    """Typed access to one TOML table; every error names the file (and line) and the key.

    `where` is a label such as "preset file law.toml", or a function of the key giving one (a plan
    file adds the line and the run).
    """

    def __init__(self, data: dict[str, Any], where: str | Callable[[str], str], prefix: str = "") -> None:
        self.data, self.where, self.prefix = data, where, prefix

    def fail(self, key: str, problem: str) -> ScalecalcError:
        where = self.where(key) if callable(self.where) else self.where
        return ScalecalcError(f"{where}: key {self.prefix}{key} {problem.rstrip('.')}.")

    def only(self, allowed: set[str] | dict[str, Any]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.fail(key, f"is not recognised; allowed here: {', '.join(sorted(allowed))}")

    def _get(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None and required:
            raise self.fail(key, "is missing")
        return value

    def table(self, key: str, required: bool = True) -> Table | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table, such as [{self.prefix}{key}], not {describe(value)}")
        return Table(value, self.where, f"{self.prefix}{key}.")

    def text(self, key: str, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, not {describe(value)}")
        if len(value) > MAX_TEXT:
            raise self.fail(key, f"is {len(value):,} characters long, above the limit of {MAX_TEXT:,}")
        # Newlines and tabs are text; an escape or a bell would reach a terminal through CSV.
        if any((ord(char) < 32 and char not in "\n\t") or ord(char) == 127 for char in value):
            raise self.fail(key, "holds a control character (such as an escape); remove it")
        return value.strip()

    def number(self, key: str, required: bool = True, zero_ok: bool = False,
               high: float | None = None) -> float | None:
        """A finite number above zero (or zero, with zero_ok), at most `high` when given."""
        value = self._get(key, required)
        if value is None:
            return None
        number = as_float(value)
        if number is None:
            kind = "a finite number" if isinstance(value, int | float) and not isinstance(value, bool) \
                else "a number"
            raise self.fail(key, f"must be {kind}, not {describe(value)}")
        if number < 0 or (number == 0 and not zero_ok):
            raise self.fail(key, f"must be a number above zero, not {describe(value)}")
        if high is not None and number > high:
            raise self.fail(key, f"must be at most {high:g}, not {describe(value)}")
        return number

    def quantity(self, key: str, required: bool = True) -> float | None:
        """A positive number written as a TOML number or as a string such as "70B" or "1.4T"."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            return self.number(key)
        try:
            return parse_quantity(value, key)
        except ScalecalcError as error:
            raise self.fail(key, "has a bad value: " + str(error).removeprefix(f"{key}: ")) from None

    def matrix(self, key: str, columns: int) -> np.ndarray | None:
        """Rows of `columns` finite numbers each, as a float array."""
        value = self.data.get(key)
        if value is None:
            return None
        ok = isinstance(value, list) and value and all(
            isinstance(row, list) and len(row) == columns and all(as_float(v) is not None for v in row)
            for row in value)
        if not ok:
            raise self.fail(key, f"must be a list of rows of {columns} finite numbers")
        return np.array(value, dtype=float)

    def span(self, key: str) -> tuple[float, float] | None:
        """[low, high]: finite numbers, the smaller first; low may be 0 where a source reports
        only an upper bound."""
        value = self.data.get(key)
        if value is None:
            return None
        pair = [as_float(v) for v in value] if isinstance(value, list) and len(value) == 2 else []
        if not pair or None in pair or pair[0] < 0 or pair[1] <= 0 or pair[0] > pair[1]:
            raise self.fail(key, "must be [low, high]: two numbers, low 0 or more, high above zero, "
                            "the smaller first")
        return pair[0], pair[1]
