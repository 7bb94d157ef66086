"""Accelerators, and the exchange between FLOPs, accelerator-hours, days and dollars.

Wall-clock time = C / (accelerators · peak · MFU); accelerator-hours = C / (peak · MFU) / 3600
(REFERENCE.md §7). Everything here is exact arithmetic on the user's assumptions: the MFU is the
number that matters, and it is always shown.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity
from scalecalc.records import Value, record_field


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
    count: float | None = None  # None: accelerator-hours and dollars only, no wall-clock time
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

    def flops_for_days(self, days: float) -> float:
        if self.count is None:
            raise ScalecalcError("--days needs --gpus, the number of accelerators running at once.")
        return days * HOURS_PER_DAY * SECONDS_PER_HOUR * self.count * self.effective_flops

    def flops_for_dollars(self, dollars: float) -> float:
        if self.price is None:
            raise ScalecalcError("--dollars needs --price, the cost of one accelerator-hour.")
        return dollars / self.price * SECONDS_PER_HOUR * self.effective_flops


def parse_mfu(value: str | float | None, name: str) -> float:
    """A utilization between 0 and 1 (DEFAULT_MFU when not given)."""
    if value is None:
        return DEFAULT_MFU
    utilization = parse_quantity(value, name)
    if utilization > 1:
        raise ScalecalcError(f"{name}: {value} is above 1; utilization is a fraction, such as 0.4.")
    return utilization


def from_settings(gpu: str | None, gpus: str | float | None = None, mfu: str | float | None = None,
                  price: str | float | None = None, accelerators: str | None = None,
                  prefix: str = "--") -> Hardware | None:
    """Hardware from command-line strings or plan-file values; None when no accelerator is named.

    `prefix` makes the messages name options ("--gpus") or plan-file keys ("gpus").
    """
    if gpu is None:
        stray = [name for name, value in (("gpus", gpus), ("mfu", mfu), ("price", price),
                                          ("accelerators", accelerators)) if value is not None]
        if stray:
            raise ScalecalcError(f"{prefix}{stray[0]} describes an accelerator: add {prefix}gpu NAME "
                                 "(for example h100).")
        return None
    count = parse_quantity(gpus, f"{prefix}gpus") if gpus is not None else None
    if count is not None and count < 1:
        raise ScalecalcError(f"{prefix}gpus: {gpus} is less than one accelerator.")
    cost = parse_quantity(price, f"{prefix}price") if price is not None else None
    return Hardware(find(str(gpu), Path(accelerators) if accelerators else None), count,
                    parse_mfu(mfu, f"{prefix}mfu"), cost)


def cost_fields(hardware: Hardware, flops: np.ndarray | float) -> HardwareFields:
    """The time and money a record's compute takes on this hardware."""
    count = hardware.count
    whole = int(count) if count is not None and float(count).is_integer() else count
    return HardwareFields(accelerator=hardware.accelerator.key, accelerators=whole,
                          mfu=hardware.mfu, gpu_hours=hardware.accelerator_hours(flops),
                          days=hardware.days(flops), dollars=hardware.dollars(flops))


def catalogue(extra: Path | None = None) -> dict[str, Accelerator]:
    """The built-in accelerators, with a user's file adding or replacing entries."""
    entries = _read(CATALOGUE)
    if extra is not None:
        entries.update(_read(extra))
    return entries


def find(name: str, extra: Path | None = None) -> Accelerator:
    entries = catalogue(extra)
    key = name.strip().lower()
    if key not in entries:
        raise ScalecalcError(f"unknown accelerator {name!r}; choose one of {', '.join(entries)} "
                             "(scalecalc hardware lists them), or add it with --accelerators FILE.")
    return entries[key]


def _read(path: Path) -> dict[str, Accelerator]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ScalecalcError(f"accelerator file {path}: cannot be read ({error.strerror}).") from None
    except tomllib.TOMLDecodeError as error:
        raise ScalecalcError(f"accelerator file {path}: not valid TOML ({error}).") from None
    entries = {}
    for key, entry in data.items():
        where = f"accelerator file {path}: [{key}]"
        if not isinstance(entry, dict):
            raise ScalecalcError(f"{where} must be a table with name, peak_flops and source.")
        unknown = set(entry) - {"name", "peak_flops", "source"}
        if unknown:
            raise ScalecalcError(f"{where}: key {sorted(unknown)[0]} is not recognised; use name, "
                                 "peak_flops and source.")
        peak = entry.get("peak_flops")
        number = isinstance(peak, int | float) and not isinstance(peak, bool)
        if not number or not math.isfinite(peak) or peak <= 0:
            raise ScalecalcError(f"{where}: key peak_flops must be a positive number of FLOP/s, "
                                 f"not {peak!r}.")
        entries[key.lower()] = Accelerator(key.lower(), str(entry.get("name", key)), float(peak),
                                           str(entry.get("source", "user file")))
    return entries
