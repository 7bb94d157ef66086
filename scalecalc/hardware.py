"""Accelerators, and the exchange between FLOPs, accelerator-hours, days and dollars.

Wall-clock time = C / (accelerators · peak · MFU); accelerator-hours = C / (peak · MFU) / 3600
(docs/references.md). The peak is the accelerator's dense BF16 figure, or its dense FP8 figure with
precision "fp8" (laws.md §14). Everything here is exact arithmetic on the user's assumptions: the
MFU is the number that matters, and it is always shown.

Serving splits inference as Sardana et al.'s cost model does (arXiv 2401.00448; their
cost_calculator.py, laws.md §13): prefill (the prompt, processed in parallel) and decode (one output
token at a time, bound by memory bandwidth) each run at their own MFU.
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
class AcceleratorSummary:
    """One line of `scalecalc hardware` as a table shows it (80 columns: no source)."""

    name: str = record_field("text", "name to pass to --gpu")
    accelerator: str = record_field("text", "what it is")
    peak_flops: Value = record_field("flops", "peak dense BF16/FP16 FLOP/s (--precision bf16)")
    fp8_flops: Value = record_field("flops", "peak dense FP8 FLOP/s (--precision fp8; blank: none published)")
    memory_gb: Value = record_field("number", "memory of one accelerator, GB (blank: not in the catalogue)")


@dataclass(frozen=True)
class AcceleratorInfo(AcceleratorSummary):
    """One line of `scalecalc hardware`: CSV and JSON carry the source as well."""

    source: str = record_field("text", "where the figures come from")


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
DEFAULT_MFU = 0.40  # typical of large dense training (docs/references.md: 30-50%)
# Bounds on what a user may assume: far outside any real set-up, and they keep hours and dollars finite.
MIN_MFU = 1e-6
MAX_ACCELERATORS = 100_000_000
MAX_PRICE = 1e6  # dollars per accelerator-hour
MIN_PEAK_FLOPS, MAX_PEAK_FLOPS = 1e6, 1e21  # FLOP/s of one accelerator
MAX_MEMORY_GB = 1e6  # one accelerator's memory: a petabyte is far beyond any part
PRECISIONS = ("bf16", "fp8")
DEFAULT_PRECISION = "bf16"
# Sardana et al.'s cost-model defaults (their cost_calculator.py; laws.md §13): MFU of training,
# prefill and decode. scalecalc's training default stays DEFAULT_MFU (0.40); SARDANA_TRAIN_MFU is
# there to reproduce their numbers.
SARDANA_TRAIN_MFU = 0.5
DEFAULT_PREFILL_MFU = 0.5
DEFAULT_DECODE_MFU = 0.01
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# One catalogue file or several (the command line's, then a plan's), each adding to the built-in one.
Catalogues = str | Path | Sequence[str | Path] | None
SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class Accelerator:
    key: str
    name: str
    peak_flops: float  # dense BF16/FP16 FLOP/s
    source: str
    fp8_flops: float | None = None  # dense FP8 FLOP/s, where published
    memory_gb: float | None = None  # HBM of one accelerator, GB

    def peak(self, precision: str = DEFAULT_PRECISION) -> float:
        """Dense peak FLOP/s at a precision ("bf16" or "fp8"); an error where the part has no such figure."""
        if precision == "bf16":
            return self.peak_flops
        if precision != "fp8":
            raise ScalecalcError(f"precision {describe(precision)} is not one of {', '.join(PRECISIONS)}.")
        if self.fp8_flops is None:
            raise ScalecalcError(f"{self.name} ({self.key}) has no FP8 figure in the catalogue; use "
                                 "--precision bf16, or add fp8_flops to it in an --accelerators file.")
        return self.fp8_flops

    def memory_bytes(self) -> float:
        """Memory of one accelerator in bytes; an error where the catalogue does not give it."""
        if self.memory_gb is None:
            raise ScalecalcError(f"{self.name} ({self.key}) has no memory figure in the catalogue; give "
                                 "one (--gpu-memory GB, or memory_gb in an --accelerators file).")
        return self.memory_gb * 1e9


@dataclass(frozen=True)
class Hardware:
    """A training (or serving) set-up: which accelerator, how many, how well used, at what price."""

    accelerator: Accelerator
    count: int | None = None  # None: accelerator-hours and dollars only, no wall-clock time
    mfu: float = DEFAULT_MFU
    price: float | None = None  # dollars per accelerator-hour
    precision: str = DEFAULT_PRECISION  # which peak: "bf16" or "fp8"

    @property
    def effective_flops(self) -> float:
        """FLOP/s one accelerator actually delivers."""
        return self.accelerator.peak(self.precision) * self.mfu

    @property
    def label(self) -> str:
        """The accelerator as records name it: "h100", or "h100 (fp8)" away from the default."""
        key = self.accelerator.key
        return key if self.precision == DEFAULT_PRECISION else f"{key} ({self.precision})"

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


@dataclass(frozen=True)
class Serving:
    """Inference hardware: prefill and decode on the same accelerators, each at its own MFU.

    Prefill processes a request's input tokens together and keeps the tensor cores busy; decode
    makes one output token at a time and waits on memory, hence Sardana et al.'s 0.5 and 0.01.
    """

    accelerator: Accelerator
    prefill_mfu: float = DEFAULT_PREFILL_MFU
    decode_mfu: float = DEFAULT_DECODE_MFU
    price: float | None = None  # dollars per accelerator-hour
    precision: str = DEFAULT_PRECISION

    @property
    def prefill(self) -> Hardware:
        return Hardware(self.accelerator, None, self.prefill_mfu, self.price, self.precision)

    @property
    def decode(self) -> Hardware:
        return Hardware(self.accelerator, None, self.decode_mfu, self.price, self.precision)


def serving_from_settings(accelerator: Accelerator, price: str | float | None = None,
                          mfu: str | float | None = None, prefill_mfu: str | float | None = None,
                          decode_mfu: str | float | None = None, precision: str | None = None) -> Serving:
    """Serving hardware from --inference-price, --inference-mfu (one MFU for both phases: the
    shorthand), --prefill-mfu, --decode-mfu and --inference-precision, on `accelerator` (the
    --inference-gpu, or the training one). Phases not given take Sardana et al.'s defaults."""
    if mfu is not None and (prefill_mfu is not None or decode_mfu is not None):
        both = "--prefill-mfu" if prefill_mfu is not None else "--decode-mfu"
        raise ScalecalcError(f"--inference-mfu sets prefill and decode alike; give it or {both}, not both.")
    def phase(value: str | float | None, default: float, name: str) -> float:
        if mfu is not None:
            return parse_mfu(mfu, "--inference-mfu")
        return default if value is None else parse_mfu(value, name)

    cost = None if price is None else parse_price(price, "--inference-price")
    return Serving(accelerator, phase(prefill_mfu, DEFAULT_PREFILL_MFU, "--prefill-mfu"),
                   phase(decode_mfu, DEFAULT_DECODE_MFU, "--decode-mfu"), cost,
                   at_precision(accelerator, precision, "--inference-precision"))


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


def _bounded(value: str | float, name: str, high: float, excess: str) -> float:
    """A positive number at most `high`; `excess` finishes the message for one above it."""
    number = _number(value, name)
    if number > high:
        raise ScalecalcError(f"{name}: {value} {excess}")
    return number


def parse_price(value: str | float, name: str) -> float:
    """Dollars per accelerator-hour, at most MAX_PRICE."""
    return _bounded(value, name, MAX_PRICE, f"is above the limit of {MAX_PRICE:,.0f} dollars per "
                    "accelerator-hour.")


def parse_precision(value: object, name: str = "--precision") -> str:
    """"bf16" or "fp8" (any case); anything else is refused, naming the choices."""
    if not isinstance(value, str):
        raise ScalecalcError(f"{name}: {describe(value)} is not a precision; give bf16 or fp8.")
    precision = value.strip().lower()
    if precision not in PRECISIONS:
        raise ScalecalcError(f"{name}: {describe(value)} is not a precision scalecalc knows; give bf16 "
                             "(the default) or fp8.")
    return precision


def parse_memory(value: str | float, name: str) -> float:
    """One accelerator's memory in GB, above zero and at most MAX_MEMORY_GB."""
    return _bounded(value, name, MAX_MEMORY_GB, f"GB is above the bound of {MAX_MEMORY_GB:g} GB; give one "
                    "accelerator's memory in GB, such as 80.")


def at_precision(accelerator: Accelerator, precision: str | None, name: str = "--precision") -> str:
    """The precision to run `accelerator` at (default bf16), refused where it has no such peak."""
    chosen = DEFAULT_PRECISION if precision is None else parse_precision(precision, name)
    accelerator.peak(chosen)  # fp8 on a part without an FP8 figure: the message names the part
    return chosen


def from_settings(gpu: str | None, gpus: str | float | None = None, mfu: str | float | None = None,
                  price: str | float | None = None, accelerators: Catalogues = None,
                  precision: str | None = None) -> Hardware | None:
    """Hardware from the command line's --gpu, --gpus, --mfu, --price, --accelerators and
    --precision (None: bf16); None when no accelerator is named. (A plan file's keys are read by
    check.py, which names them.)"""
    if gpu is None:
        stray = [name for name, value in (("gpus", gpus), ("mfu", mfu), ("price", price),
                                          ("accelerators", accelerators), ("precision", precision))
                 if value is not None]
        if stray:
            raise ScalecalcError(f"--{stray[0]} describes an accelerator: add --gpu NAME (for example h100).")
        return None
    count = parse_count(gpus, "--gpus") if gpus is not None else None
    cost = parse_price(price, "--price") if price is not None else None
    accelerator = find(str(gpu), accelerators)
    return Hardware(accelerator, count, parse_mfu(mfu, "--mfu"), cost, at_precision(accelerator, precision))


def cost_fields(hardware: Hardware, flops: np.ndarray | float) -> HardwareFields:
    """The time and money a record's compute takes on this hardware."""
    hours, days, dollars = hardware.costs(flops)
    return HardwareFields(accelerator=hardware.label, accelerators=hardware.count,
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
        raise ScalecalcError(f"unknown accelerator {describe(name)}; choose one of {names} "
                             "(scalecalc hardware lists them), or add it with --accelerators FILE.")
    return entries[key]


def read_catalogue(path: Path) -> dict[str, Accelerator]:
    """The entries of one accelerator file, validated; errors name the file and the entry."""
    data, _ = tomlfile.read(path, "accelerator")
    if not data:
        raise ScalecalcError(f"accelerator file {path} defines no accelerators; add a table such as "
                             "[h100] with name, peak_flops and source.")
    entries: dict[str, Accelerator] = {}
    for key, entry in data.items():
        where = f"accelerator file {path}: [{describe(key)[1:-1]}]"
        if not NAME.fullmatch(key):
            raise ScalecalcError(f"{where} is not a usable name for --gpu; use letters, digits, '-', "
                                 "'_' or '.', starting with a letter or digit.")
        if key.lower() in entries:
            raise ScalecalcError(f"{where} appears twice (names ignore case); keep one.")
        if not isinstance(entry, dict):
            raise ScalecalcError(f"{where} must be a table with name, peak_flops and source, "
                                 f"not {describe(entry)}.")
        table = Table(entry, where)
        table.only(ACCELERATOR_KEYS)
        peak, fp8 = (_peak(table, field, required) for field, required in (("peak_flops", True),
                                                                           ("fp8_flops", False)))
        entries[key.lower()] = Accelerator(
            key.lower(), table.text("name", required=False) or key, peak,
            table.text("source", required=False) or "user file", fp8,
            table.number("memory_gb", required=False, high=MAX_MEMORY_GB))
    return entries


ACCELERATOR_KEYS = {"name", "peak_flops", "fp8_flops", "memory_gb", "source"}


def _peak(table: Table, key: str, required: bool) -> float | None:
    peak = table.number(key, required=required, high=MAX_PEAK_FLOPS)
    if peak is not None and peak < MIN_PEAK_FLOPS:
        raise table.fail(key, f"must be at least {MIN_PEAK_FLOPS:g} FLOP/s, not {peak:g}")
    return peak


def summary(accelerator: Accelerator, with_source: bool = True) -> AcceleratorSummary:
    """The accelerator as `scalecalc hardware` lists it."""
    figures = (accelerator.key, accelerator.name, accelerator.peak_flops, accelerator.fp8_flops,
               accelerator.memory_gb)
    return AcceleratorInfo(*figures, accelerator.source) if with_source else AcceleratorSummary(*figures)
