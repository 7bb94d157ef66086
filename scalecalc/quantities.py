"""Reading numbers the way people write them ("70B", "1.4T", "1e24"), checking them against the
bounds of their kind, and writing them back for people.

One set of checks serves the command line ("--flops") and the Python API ("flops"): both name the
quantity and give its usable range in the same words.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from scalecalc.errors import ScalecalcError

# Counts in this field are written with short-scale suffixes: B is a billion, T a trillion.
SUFFIXES = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}

# ASCII digits only: float() would also read '１e24' or Arabic-Indic digits, which no one means to type.
# The fraction is one optional group, so a long non-number fails in linear time (with `\.?[\d_]*`
# beside `[\d_]*`, 100,000 digits and an x took minutes of backtracking).
_NUMBER = re.compile(r"^[+-]?(\d[\d_]*(\.[\d_]*)?|\.\d[\d_]*)([eE][+-]?\d+)?$", re.ASCII)

HOW_TO_WRITE = "write it like 1e24, 6.7e23, 1_000_000, 400M, 70B or 1.4T"

# A budget may be written in PF-days, the unit of Kaplan et al. and Henighan et al.: "--flops 1pfd".
PF_DAY = 1e15 * 86400  # FLOPs: a petaFLOP/s for a day (Kaplan et al. 2020 §1.3)
_PF_DAYS = re.compile(r"\s*(pfd|pf-days?|pf_days?)$", re.IGNORECASE | re.ASCII)

# Nothing scalecalc reads or answers goes beyond this: it leaves room below the double-precision
# limit (about 1.8e308) for 6·N·D and the other products of an answer.
LARGEST = 1e300
MAX_ITEMS = 1_000_000  # the most numbers one list, range or table may hold
MAX_PER_DECADE = 10_000

# The smallest usable value of a quantity, by its name (option or argument, with or without "--"):
# a run has at least one parameter, one token and one FLOP. Others need only be above zero, and
# the ones here with 0 may be zero.
LOWEST = {"params": 1.0, "tokens": 1.0, "flops": 1.0, "unique_tokens": 1.0, "inference_tokens": 0.0}


def _key(name: str) -> str:
    return name.lstrip("-").replace("-", "_")


def show(value: float) -> str:
    """A number for a message: four significant figures, a bare exponent (2.901e152, 1e5, 0.5)."""
    if not math.isfinite(value):
        return {"inf": "infinity", "-inf": "minus infinity"}.get(str(value), "NaN")
    mantissa, mark, exponent = f"{float(value):.4g}".partition("e")
    return f"{mantissa}e{int(exponent)}" if mark else mantissa


def usable_range(name: str) -> tuple[float, float, bool]:
    """(lowest, highest, whether the lowest is allowed itself) for a quantity's name."""
    low = LOWEST.get(_key(name))
    return (0.0, LARGEST, False) if low is None else (low, LARGEST, True)


def _advice(name: str) -> str:
    low, high, inclusive = usable_range(name)
    if inclusive:
        return f"give a number from {show(low)} to {show(high)}"
    return f"give a number above {show(low)} and at most {show(high)}"


def check_number(value: float, name: str) -> float:
    """One number within its quantity's bounds (see LOWEST and LARGEST), or a message naming it."""
    low, high, inclusive = usable_range(name)
    if math.isnan(value):
        raise ScalecalcError(f"{name}: NaN is not a number scalecalc can use; {_advice(name)}.")
    if math.isinf(value):
        raise ScalecalcError(f"{name}: the value is infinite; {_advice(name)}.")
    if value < 0 or (value == 0 and not (inclusive and low == 0)):
        raise ScalecalcError(f"{name}: {show(value)} is not positive; {_advice(name)}.")
    if value < low:
        raise ScalecalcError(f"{name}: {show(value)} is below {show(low)}, the smallest usable value; "
                             f"{_advice(name)}.")
    if value > high:
        raise ScalecalcError(f"{name}: {show(value)} is above {show(high)}, the largest usable value; "
                             f"{_advice(name)}.")
    return value + 0.0  # -0.0 becomes 0.0


def check_numbers(value: Any, name: str) -> float | np.ndarray:
    """A number or an array of numbers from Python code, checked like the command line checks them.

    Bools, strings, None and other objects are refused; so are empty arrays and ones longer than
    MAX_ITEMS. A scalar comes back as a float, anything else as a float array of the same shape.
    """
    if isinstance(value, bool | np.bool_) or value is None or isinstance(value, str | bytes):
        raise ScalecalcError(f"{name}: {value!r} is not a number; pass a float or an array of floats.")
    if isinstance(value, int | float | np.integer | np.floating):
        return check_number(float(value), name)
    if isinstance(value, list | tuple) and _holds_bool(value):
        raise ScalecalcError(f"{name}: the list holds a bool, and a bool is not a number; pass floats.")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        raise ScalecalcError(f"{name}: {type(value).__name__} is not a number or an array of numbers; "
                             "pass a float or an array of floats.") from None
    if array.dtype.kind not in "iuf":
        raise ScalecalcError(f"{name}: an array of {array.dtype} values is not an array of numbers (bools, "
                             "strings and objects are not numbers); pass floats.")
    if array.size == 0:
        raise ScalecalcError(f"{name}: the array is empty; give at least one number.")
    if array.size > MAX_ITEMS:
        raise ScalecalcError(f"{name}: {array.size:,} numbers is more than the {MAX_ITEMS:,} scalecalc "
                             "answers at once; split the question.")
    array = array.astype(float)
    if array.ndim == 0:
        return check_number(float(array), name)
    low, high, inclusive = usable_range(name)
    usable = (array >= low if inclusive else array > low) & (array <= high)
    if not usable.all():
        index = int(np.flatnonzero(~usable.ravel())[0])
        try:
            check_number(float(array.ravel()[index]), name)
        except ScalecalcError as error:
            detail = str(error).removeprefix(f"{name}: ")
            raise ScalecalcError(f"{name}: item {index + 1} of {array.size}: {detail}") from None
    return array + 0.0


def _holds_bool(items: list[Any] | tuple[Any, ...]) -> bool:
    # NumPy would quietly turn [1e20, True] into [1e20, 1.0].
    return any(isinstance(item, bool | np.bool_) or (isinstance(item, list | tuple) and _holds_bool(item))
               for item in items)


def parse_quantity(text: str | float, name: str, allow_zero: bool = False) -> float:
    """Parse one number written as a person writes it; `name` (e.g. "--flops") goes in messages.

    The number must lie within its quantity's bounds (usable_range); `allow_zero` also lets 0
    through for quantities that are otherwise only positive.
    """
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise ScalecalcError(f"{name}: {text!r} is not a number; {HOW_TO_WRITE}.")
    if not isinstance(text, str):
        return _within(float(text), name, allow_zero)
    raw = text.strip()
    if not raw:
        raise ScalecalcError(f"{name}: the value is empty; {HOW_TO_WRITE}.")
    unit = _PF_DAYS.search(raw) if "flops" in _key(name) else None
    if unit is not None:  # PF-days: any positive number of them, then the FLOPs checked as FLOPs
        days = parse_quantity(raw[:unit.start()], f"{name} (in PF-days)")
        if days > LARGEST / PF_DAY:
            raise ScalecalcError(f"{name}: {show(days)} PF-days is above {show(LARGEST / PF_DAY)} PF-days "
                                 f"({show(LARGEST)} FLOPs), the largest usable value; give fewer.")
        return _within(days * PF_DAY, name, allow_zero)
    bare = raw.lstrip("+-").lower()
    if bare in ("inf", "infinity", "∞", "nan"):
        kind = "NaN" if bare == "nan" else "infinite"
        raise ScalecalcError(f"{name}: {text!r} is not a number scalecalc can use ({kind}); "
                             f"{_advice(name)}.")
    exponent = 0
    if raw[-1].upper() in SUFFIXES:
        exponent = round(math.log10(SUFFIXES[raw[-1].upper()]))
        raw = raw[:-1].rstrip()
    if not _NUMBER.match(raw) or "__" in raw or raw.endswith("_"):
        hint = ""
        if "," in text:
            hint = "; a comma is not a thousands separator here: write 1000 or 1_000"
        elif any(char.isdigit() and not char.isascii() for char in text):
            hint = "; use the ASCII digits 0 to 9"
        raise ScalecalcError(f"{name}: {text!r} is not a number{hint}; {HOW_TO_WRITE}.")
    digits = raw.replace("_", "")
    # Shift the decimal exponent rather than multiply, so 15T is exactly 1.5e13 and 1.4T is 1.4e12.
    mantissa, _, power = digits.lower().partition("e")
    value = float(f"{mantissa}e{int(power or 0) + exponent}")
    if math.isinf(value):
        raise ScalecalcError(f"{name}: {text!r} is too large to represent (it overflows to infinite); "
                             f"{_advice(name)}.")
    if value == 0 and any(digit in "123456789" for digit in mantissa):
        raise ScalecalcError(f"{name}: {text!r} is too small to represent (it rounds to 0); "
                             f"{_advice(name)}.")
    return _within(value, name, allow_zero)


def _within(value: float, name: str, allow_zero: bool) -> float:
    if allow_zero and value == 0:
        return 0.0
    return check_number(value, name)


def parse_quantity_list(text: str, name: str, per_decade: int | None = None) -> np.ndarray:
    """Parse "1e20,1e21,1e22" or a log-spaced range "1e18:1e26" (`per_decade` points a decade).

    At most MAX_ITEMS numbers, and at most MAX_PER_DECADE a decade: the message names the limit.
    """
    if not text.strip():
        raise ScalecalcError(f"{name}: the value is empty; give a list such as 1e20,1e21 or a range "
                             "such as 1e18:1e26.")
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 2:
            raise ScalecalcError(f"{name}: write a range as START:STOP, for example 1e18:1e26.")
        start, stop = (parse_quantity(part, name) for part in parts)
        if stop < start:
            raise ScalecalcError(f"{name}: the range {text!r} runs backwards; put the smaller first.")
        steps = per_decade if per_decade is not None else 1
        if isinstance(steps, bool) or not 1 <= steps <= MAX_PER_DECADE:
            raise ScalecalcError(f"--per-decade: give a whole number from 1 to {MAX_PER_DECADE:,}.")
        # Rows at start·10^(k/steps), so whole decades land on exact powers of ten (1e23, not
        # 1.0000000000000001e+23), and stop itself closes the range.
        decades = math.log10(stop) - math.log10(start)  # not stop / start, which can overflow
        if decades > 300:  # 10**k for the rows below would overflow
            raise ScalecalcError(f"{name}: the range {text!r} spans more than 300 decades; give a "
                                 "narrower one.")
        whole_steps = math.floor(decades * steps + 1e-9)
        if whole_steps + 2 > MAX_ITEMS:
            raise ScalecalcError(f"{name}: the range {text!r} at {steps:,} a decade has "
                                 f"{whole_steps + 1:,} rows, more than the {MAX_ITEMS:,} allowed; narrow it "
                                 "or lower --per-decade.")
        grid = start * np.power(10.0, np.arange(whole_steps + 1) / steps)
        return grid if math.isclose(grid[-1], stop, rel_tol=1e-12) else np.append(grid, stop)
    if per_decade is not None:
        raise ScalecalcError(f"--per-decade goes with a range such as {name} 1e18:1e26, not a list.")
    if text.count(",") >= MAX_ITEMS:
        raise ScalecalcError(f"{name}: the list has {text.count(',') + 1:,} items, more than the "
                             f"{MAX_ITEMS:,} allowed; use fewer, or a range such as 1e18:1e26.")
    items = text.split(",")
    if any(not item.strip() for item in items):
        raise ScalecalcError(f"{name}: the list {text!r} has an empty item (a comma at an end, or two in "
                             "a row); write it like 1e20,1e21.")
    return np.array([parse_quantity(item, name) for item in items])


def scientific(value: float) -> str:
    """Three significant figures with a bare exponent: 5.76e23, 1.00e-300."""
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def format_count(value: float | None) -> str:
    """70e9 -> "70.0B", 1.4e12 -> "1.40T": three significant figures and a short-scale suffix.

    Beyond 99,999T, or below 0.01, scientific notation keeps the cell short.
    """
    if value is None or not math.isfinite(value):
        return "-"
    if value == 0:
        return "0"
    if not 0.01 <= abs(value) < 1e17:
        return scientific(value)
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3), ("", 1.0)):
        scaled = value / scale
        if abs(float(f"{scaled:.3g}")) >= 1 or not suffix:
            break
    if abs(scaled) >= 1000:  # beyond the largest suffix: 7,000T rather than 7e+15
        return f"{scaled:,.0f}{suffix}"
    digits = 2 - math.floor(math.log10(abs(float(f"{scaled:.3g}"))))
    return f"{scaled:.{max(digits, 0)}f}{suffix}"


def format_flops(value: float | None) -> str:
    """FLOPs read best in scientific notation with three figures: 5.76e23."""
    if value is None or not math.isfinite(value):
        return "-"
    return scientific(value)


def format_fraction(value: float | None) -> str:
    """Multiples of a unit the way Chinchilla's Table 3 prints them: "1/4,761", "6.7", "22,515.9".

    Zero is "0"; beyond a million or below a millionth, scientific notation.
    """
    if value is None or not math.isfinite(value):
        return "-"
    if value == 0:
        return "0"
    if value < 0:
        return "-" + format_fraction(-value)
    if not 1e-6 <= value < 1e6:
        return scientific(value)
    if value < 0.1:
        return f"1/{1 / value:,.0f}"
    if value < 1:
        return f"{value:.2f}"
    return f"{value:,.1f}"
