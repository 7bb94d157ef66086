"""Accelerators, and the exchange between FLOPs, accelerator-hours, days and dollars.

Wall-clock time = C / (accelerators · peak · MFU); accelerator-hours = C / (peak · MFU) / 3600
(REFERENCE.md §7). Everything here is exact arithmetic on the user's assumptions: the MFU is the
number that matters, and it is always shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scalecalc import tomlfile
from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity
from scalecalc.records import Value, record_field
from scalecalc.tomlfile import Table, as_float, describe


@dataclass(frozen=True)
class AcceleratorInfo:
    """One line of `scalecalc hardware`."""

    name: str = record_field("text", "name to pass to --gpu")
    accelerator: str = record_field("text", "what it is")
    peak_flops: Value = record_field("flops", "peak dense 16-bit FLOP/s")
    source: str = record_field("text", "where the figure comes from")


@dataclass(frozen=True)
class HardwareFields:
    """Time and money for a record's compute, added when --gpu is given."""

    accelerator: str = record_field("text", "accelerator (--gpu)")
    accelerators: Value = record_field("number", "accelerators running at once (--gpus)")
    mfu: Value = record_field("ratio", "model FLOPs utilization assumed (--mfu, default 0.40)")
    gpu_hours: Value = record_field("count", "accelerator-hours: C / (peak FLOP/s · MFU) / 3600")
    days: Value = record_field("number", "wall-clock days on --gpus accelerators")
    dollars: Value = record_field("dollars", "cost at --price dollars per accelerator-hour")


CATALOGUE = Path(__file__).resolve().parent / "accelerators.toml"
DEFAULT_MFU = 0.40  # typical of large dense training (REFERENCE §7: 30-50%)
# Bounds on what a user may assume: far outside any real set-up, and they keep hours and dollars finite.
MIN_MFU = 1e-6
MAX_ACCELERATORS = 100_000_000
MAX_PRICE = 1e6  # dollars per accelerator-hour
MIN_PEAK_FLOPS, MAX_PEAK_FLOPS = 1e6, 1e21  # FLOP/s of one accelerator
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# One catalogue file or several (the command line's, then a plan's), each adding to the built-in one.
Catalogues = str | Path | Sequence[str | Path] | None
SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class Accelerator:
    key: str
    name: str
    peak_flops: float  # dense 16-bit FLOP/s
    source: str


@dataclass(frozen=True)
class Hardware:
    """A training (or serving) set-up: which accelerator, how many, how well used, at what price."""

    accelerator: Accelerator
    count: int | None = None  # None: accelerator-hours and dollars only, no wall-clock time
    mfu: float = DEFAULT_MFU
    price: float | None = None  # dollars per accelerator-hour

    @property
    def effective_flops(self) -> float:
        """FLOP/s one accelerator actually delivers."""
        return self.accelerator.peak_flops * self.mfu

    def accelerator_hours(self, flops: np.ndarray | float) -> np.ndarray | float:
        return np.divide(flops, self.effective_flops * SECONDS_PER_HOUR)

    def days(self, flops: np.ndarray | float) -> np.ndarray | float | None:
        if self.count is None:
            return None
        return np.divide(self.accelerator_hours(flops), self.count * HOURS_PER_DAY)

    def dollars(self, flops: np.ndarray | float) -> np.ndarray | float | None:
        return None if self.price is None else np.multiply(self.accelerator_hours(flops), self.price)

    def costs(self, flops: np.ndarray | float) -> tuple[np.ndarray | float, np.ndarray | float | None,
                                                        np.ndarray | float | None]:
        """Accelerator-hours, days and dollars for `flops`; an error rather than an infinity."""
        with np.errstate(over="ignore", invalid="ignore"):  # checked below: a message, not a warning
            hours, dollars = self.accelerator_hours(flops), self.dollars(flops)
        if not np.all(np.isfinite(hours)):
            raise ScalecalcError(f"the accelerator-hours overflow at MFU {self.mfu:g} on "
                                 f"{self.accelerator.key}; the compute is too large to price, so give less.")
        if dollars is not None and not np.all(np.isfinite(dollars)):
            raise ScalecalcError(f"the cost overflows at a price of {self.price:g} dollars per "
                                 "accelerator-hour; give a smaller price or less compute.")
        return hours, self.days(flops), dollars

    def flops_for_days(self, days: float) -> float:
        if self.count is None:
            raise ScalecalcError("--days needs --gpus, the number of accelerators running at once.")
        return _finite(days * HOURS_PER_DAY * SECONDS_PER_HOUR * self.count * self.effective_flops, "--days")

    def flops_for_dollars(self, dollars: float) -> float:
        if self.price is None:
            raise ScalecalcError("--dollars needs --price, the cost of one accelerator-hour.")
        return _finite(dollars / self.price * SECONDS_PER_HOUR * self.effective_flops, "--dollars")


def _finite(flops: float, name: str) -> float:
    if not math.isfinite(flops):
        raise ScalecalcError(f"{name}: the budget buys more FLOPs than a float holds (1.8e308); give less.")
    return flops


def _number(value: str | float, name: str) -> float:
    """A positive number from an option's text or a file's value; a bool or a list is not one."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ScalecalcError(f"{name}: {describe(value)} is not a number; give one such as 0.4 or 2048.")
    if isinstance(value, int) and as_float(value) is None:
        raise ScalecalcError(f"{name}: {describe(value)} is too large; give a number below 1e308.")
    return parse_quantity(value, name)


def parse_mfu(value: str | float | None, name: str) -> float:
    """A utilization in [MIN_MFU, 1] (DEFAULT_MFU when not given)."""
    if value is None:
        return DEFAULT_MFU
    utilization = _number(value, name)
    if utilization > 1:
        raise ScalecalcError(f"{name}: {value} is above 1; utilization is a fraction, such as 0.4.")
    if utilization < MIN_MFU:
        raise ScalecalcError(f"{name}: {value} is below {MIN_MFU:g}; utilization is a fraction between "
                             f"{MIN_MFU:g} and 1, such as 0.4.")
    return utilization


def parse_count(value: str | float, name: str) -> int:
    """How many accelerators run at once: a whole number from 1 to MAX_ACCELERATORS."""
    count = _number(value, name)
    if count < 1:
        raise ScalecalcError(f"{name}: {value} is less than one accelerator.")
    if not count.is_integer():
        raise ScalecalcError(f"{name}: {value} is not a whole number of accelerators.")
    if count > MAX_ACCELERATORS:
        raise ScalecalcError(f"{name}: {value} is above the limit of {MAX_ACCELERATORS:,} accelerators.")
    return int(count)


def parse_price(value: str | float, name: str) -> float:
    """Dollars per accelerator-hour, at most MAX_PRICE."""
    price = _number(value, name)
    if price > MAX_PRICE:
        raise ScalecalcError(f"{name}: {value} is above the limit of {MAX_PRICE:,.0f} dollars per "
                             "accelerator-hour.")
    return price


def from_settings(gpu: str | None, gpus: str | float | None = None, mfu: str | float | None = None,
                  price: str | float | None = None, accelerators: Catalogues = None) -> Hardware | None:
    """Hardware from the command line's --gpu, --gpus, --mfu, --price and --accelerators; None
    when no accelerator is named. (A plan file's keys are read by check.py, which names them.)"""
    if gpu is None:
        stray = [name for name, value in (("gpus", gpus), ("mfu", mfu), ("price", price),
                                          ("accelerators", accelerators)) if value is not None]
        if stray:
            raise ScalecalcError(f"--{stray[0]} describes an accelerator: add --gpu NAME (for example h100).")
        return None
    count = parse_count(gpus, "--gpus") if gpus is not None else None
    cost = parse_price(price, "--price") if price is not None else None
    return Hardware(find(str(gpu), accelerators), count, parse_mfu(mfu, "--mfu"), cost)


def cost_fields(hardware: Hardware, flops: np.ndarray | float) -> HardwareFields:
    """The time and money a record's compute takes on this hardware."""
    hours, days, dollars = hardware.costs(flops)
    return HardwareFields(accelerator=hardware.accelerator.key, accelerators=hardware.count,
                          mfu=hardware.mfu, gpu_hours=hours, days=days, dollars=dollars)


def catalogue(extra: Catalogues = None) -> dict[str, Accelerator]:
    """The built-in accelerators, with users' files adding or replacing entries, later files last."""
    entries = read_catalogue(CATALOGUE)
    paths = [extra] if isinstance(extra, str | Path) else list(extra or [])
    for path in paths:
        entries.update(read_catalogue(Path(path)))
    return entries


def find(name: str, extra: Catalogues = None) -> Accelerator:
    return lookup(name, catalogue(extra))


def lookup(name: str, entries: dict[str, Accelerator]) -> Accelerator:
    """The accelerator called `name` (any case) in a catalogue."""
    key = name.strip().lower()
    if key not in entries:
        names = ", ".join(entries) if len(entries) <= 20 else f"{len(entries)} names"
        raise ScalecalcError(f"unknown accelerator {_short(name)}; choose one of {names} "
                             "(scalecalc hardware lists them), or add it with --accelerators FILE.")
    return entries[key]


def _short(name: str) -> str:
    return repr(name) if len(name) <= 40 else repr(name[:37] + "...")


def read_catalogue(path: Path) -> dict[str, Accelerator]:
    """The entries of one accelerator file, validated; errors name the file and the entry."""
    data, _ = tomlfile.read(path, "accelerator")
    if not data:
        raise ScalecalcError(f"accelerator file {path} defines no accelerators; add a table such as "
                             "[h100] with name, peak_flops and source.")
    entries: dict[str, Accelerator] = {}
    for key, entry in data.items():
        where = f"accelerator file {path}: [{_short(key)[1:-1]}]"
        if not NAME.fullmatch(key):
            raise ScalecalcError(f"{where} is not a usable name for --gpu; use letters, digits, '-', "
                                 "'_' or '.', starting with a letter or digit.")
        if key.lower() in entries:
            raise ScalecalcError(f"{where} appears twice (names ignore case); keep one.")
        if not isinstance(entry, dict):
            raise ScalecalcError(f"{where} must be a table with name, peak_flops and source, "
                                 f"not {describe(entry)}.")
        table = Table(entry, where)
        table.only({"name", "peak_flops", "source"})
        peak = table.number("peak_flops", high=MAX_PEAK_FLOPS)
        if peak < MIN_PEAK_FLOPS:
            raise table.fail("peak_flops", f"must be at least {MIN_PEAK_FLOPS:g} FLOP/s, not {peak:g}")
        entries[key.lower()] = Accelerator(key.lower(), table.text("name", required=False) or key, peak,
                                           table.text("source", required=False) or "user file")
    return entries
