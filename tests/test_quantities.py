"""Reading and writing quantities: suffixes, scientific notation, and every kind of bad number."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalecalc.errors import ScalecalcError
from scalecalc.quantities import (
    format_count,
    format_flops,
    format_fraction,
    parse_quantity,
    parse_quantity_list,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [("70B", 70e9), ("1.4T", 1.4e12), ("400M", 400e6), ("1e24", 1e24), ("6.7e23", 6.7e23),
     ("1_000_000", 1e6), ("5K", 5e3), ("7b", 7e9), (" 2.5T ", 2.5e12), ("0.5B", 5e8), (".5B", 5e8),
     ("3", 3.0), ("1E+22", 1e22)],
)
def test_parses_what_people_write(text: str, value: float) -> None:
    assert parse_quantity(text, "--x") == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("0", "not positive"), ("-5", "not positive"), ("-1e24", "not positive"), ("0B", "not positive"),
     ("nan", "not a number"), ("inf", "not a number"), ("-inf", "not a number"),
     ("1e400", "infinite"), ("abc", "not a number"), ("", "empty"), ("1e24x", "not a number"),
     ("70 B B", "not a number"), ("1__0", "not a number"), ("B", "not a number"), ("1,5", "not a number"),
     ("0x10", "not a number")],
)
def test_rejects_bad_numbers_with_a_message(text: str, fragment: str) -> None:
    with pytest.raises(ScalecalcError, match=fragment) as error:
        parse_quantity(text, "--flops")
    assert str(error.value).startswith("--flops")


def test_rejects_non_finite_floats_passed_from_python() -> None:
    for bad in (math.nan, math.inf, 0.0, -1.0):
        with pytest.raises(ScalecalcError):
            parse_quantity(bad, "--x")


@given(st.floats(min_value=1e-3, max_value=1e30, allow_nan=False))
def test_repr_round_trips(value: float) -> None:
    assert parse_quantity(repr(value), "--x") == value


def test_lists_and_ranges() -> None:
    assert parse_quantity_list("1e20,1e21, 1e22", "--flops").tolist() == [1e20, 1e21, 1e22]
    grid = parse_quantity_list("1e18:1e26", "--flops", per_decade=4)
    assert len(grid) == 33
    assert grid[0] == pytest.approx(1e18) and grid[-1] == pytest.approx(1e26)
    assert np.allclose(np.diff(np.log10(grid)), 0.25)
    assert len(parse_quantity_list("1e18:1e26", "--flops")) == 9  # one a decade by default
    for bad in ("1e26:1e18", "1:2:3", ",", "1e20,x"):
        with pytest.raises(ScalecalcError):
            parse_quantity_list(bad, "--flops")
    with pytest.raises(ScalecalcError, match="per-decade"):
        parse_quantity_list("1e20,1e21", "--flops", per_decade=2)


def test_human_formats() -> None:
    assert format_count(70e9) == "70.0B"
    assert format_count(1.4e12) == "1.40T"
    assert format_count(400e6) == "400M"
    assert format_count(999.6e9) == "1.00T"  # rounding carries into the next suffix
    assert format_count(7e15) == "7,000T"
    assert format_flops(5.76e23) == "5.76e23"
    assert format_fraction(1 / 29968) == "1/29,968"  # as Chinchilla's Table 3 prints it
    assert format_fraction(22515.9) == "22,515.9"
    assert format_fraction(0.976) == "0.98"
    assert format_count(None) == "-"


def test_ranges_land_on_exact_decades_and_close_on_stop() -> None:
    assert parse_quantity_list("1e20:1e24", "--flops").tolist() == [1e20, 1e21, 1e22, 1e23, 1e24]
    uneven = parse_quantity_list("1e20:3e22", "--flops", per_decade=2)
    assert uneven[-1] == 3e22 and uneven[-2] == 1e22
    assert parse_quantity_list("5e20:5e20", "--flops").tolist() == [5e20]
