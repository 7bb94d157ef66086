"""Reading numbers the way people write them ("70B", "1.4T", "1e24") and writing them back."""

from __future__ import annotations

import math
import re

import numpy as np

from scalecalc.errors import ScalecalcError

# Counts in this field are written with short-scale suffixes: B is a billion, T a trillion.
SUFFIXES = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}

# ASCII digits only: float() would also read '１e24' or Arabic-Indic digits, which no one means to type.
# The fraction is one optional group, so a long non-number fails in linear time (with `\.?[\d_]*`
# beside `[\d_]*`, 100,000 digits and an x took minutes of backtracking).
_NUMBER = re.compile(r"^[+-]?(\d[\d_]*(\.[\d_]*)?|\.\d[\d_]*)([eE][+-]?\d+)?$", re.ASCII)

HOW_TO_WRITE = "write it like 1e24, 6.7e23, 1_000_000, 400M, 70B or 1.4T"


def parse_quantity(text: str | float, name: str, allow_zero: bool = False) -> float:
    """Parse one positive, finite number; `name` (e.g. "--flops") goes into the error message."""
    if isinstance(text, int | float):
        return check_positive(float(text), name, allow_zero)
    raw = text.strip()
    multiplier = 1.0
    if raw and raw[-1].upper() in SUFFIXES:
        multiplier = SUFFIXES[raw[-1].upper()]
        raw = raw[:-1].rstrip()
    if not _NUMBER.match(raw) or "__" in raw or raw.endswith("_"):
        raise ScalecalcError(f"{name}: {text!r} is not a number; {HOW_TO_WRITE}.")
    return check_positive(float(raw.replace("_", "")) * multiplier, name, allow_zero)


def check_positive(value: float, name: str, allow_zero: bool = False) -> float:
    """Reject zero, negative, NaN and infinite values with a message naming the option."""
    if math.isnan(value):
        raise ScalecalcError(f"{name}: NaN is not a usable value; give a positive number.")
    if math.isinf(value):
        raise ScalecalcError(f"{name}: the value is infinite; give a finite positive number.")
    if value < 0 or (value == 0 and not allow_zero):
        floor = "zero or more" if allow_zero else "a number above zero"
        raise ScalecalcError(f"{name}: {value:g} is not positive; give {floor}.")
    return value


def parse_quantity_list(text: str, name: str, per_decade: int | None = None) -> np.ndarray:
    """Parse "1e20,1e21,1e22" or a log-spaced range "1e18:1e26" (`per_decade` points a decade)."""
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 2:
            raise ScalecalcError(f"{name}: write a range as START:STOP, for example 1e18:1e26.")
        start, stop = (parse_quantity(part, name) for part in parts)
        if stop < start:
            raise ScalecalcError(f"{name}: the range {text!r} runs backwards; put the smaller first.")
        steps = per_decade if per_decade is not None else 1
        if steps < 1:
            raise ScalecalcError("--per-decade: give a whole number of at least 1.")
        # Rows at start·10^(k/steps), so whole decades land on exact powers of ten (1e23, not
        # 1.0000000000000001e+23), and stop itself closes the range.
        whole_steps = math.floor(math.log10(stop / start) * steps + 1e-9)
        grid = start * np.power(10.0, np.arange(whole_steps + 1) / steps)
        return grid if math.isclose(grid[-1], stop, rel_tol=1e-12) else np.append(grid, stop)
    if per_decade is not None:
        raise ScalecalcError(f"--per-decade goes with a range such as {name} 1e18:1e26, not a list.")
    items = [item for item in text.split(",") if item.strip()]
    if not items:
        raise ScalecalcError(f"{name}: give at least one number, for example {name} 1e20,1e21.")
    return np.array([parse_quantity(item, name) for item in items])


def format_count(value: float | None) -> str:
    """70e9 -> "70.0B", 1.4e12 -> "1.40T": three significant figures and a short-scale suffix."""
    if value is None or not math.isfinite(value):
        return "-"
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3), ("", 1.0)):
        scaled = value / scale
        if abs(float(f"{scaled:.3g}")) >= 1 or not suffix:
            break
    if abs(scaled) >= 1000:  # beyond the largest suffix: 7,000T rather than 7e+15
        return f"{scaled:,.0f}{suffix}"
    digits = 2 - math.floor(math.log10(abs(float(f"{scaled:.3g}")))) if scaled else 2
    return f"{scaled:.{max(digits, 0)}f}{suffix}"


def format_flops(value: float | None) -> str:
    """FLOPs read best in scientific notation with three figures: 5.76e23."""
    if value is None or not math.isfinite(value):
        return "-"
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def format_fraction(value: float | None) -> str:
    """Multiples of a unit the way Chinchilla's Table 3 prints them: "1/4,761", "6.7", "22,515.9"."""
    if value is None or not math.isfinite(value):
        return "-"
    if value < 0.1:
        return f"1/{1 / value:,.0f}"
    if value < 1:
        return f"{value:.2f}"
    return f"{value:,.1f}"
