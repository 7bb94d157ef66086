"""The README's examples are real output: re-run them and compare, numbers with a tolerance.

Floats are compared with a relative tolerance of 1e-9, never as strings: the last digits of libm
and NumPy results differ between CPUs and releases. Everything between the numbers must match
exactly.
"""

from __future__ import annotations

import math
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

EXAMPLE = re.compile(r"^\$ (scalecalc .*--format (?:csv|json).*)$")
# A number as CSV and JSON print it (1e+24, 95860654045.68242, -0.5); words around it stay text.
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")


def _examples() -> list[tuple[str, str]]:
    """(command, shown output) for each `$ scalecalc ... --format csv|json` in the README."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    found = []
    for index, line in enumerate(lines):
        match = EXAMPLE.match(line)
        if match:
            output = []
            for following in lines[index + 1:]:
                if following.startswith(("$ ", "```")):
                    break
                output.append(following)
            found.append((match.group(1), "\n".join(output).strip()))
    return found


def split_numbers(text: str) -> tuple[list[str], list[float]]:
    """The text between the numbers, and the numbers themselves."""
    return NUMBER.split(text), [float(value) for value in NUMBER.findall(text)]


def assert_same_output(actual: str, shown: str, rel: float = 1e-9) -> None:
    actual_text, actual_numbers = split_numbers(actual)
    shown_text, shown_numbers = split_numbers(shown)
    assert actual_text == shown_text
    for got, expected in zip(actual_numbers, shown_numbers, strict=True):
        assert math.isclose(got, expected, rel_tol=rel), f"{got!r} differs from the README's {expected!r}"


def test_readme_has_machine_format_examples() -> None:
    assert len(_examples()) >= 3


def test_comparison_tolerates_last_digits_only() -> None:
    assert_same_output('{"x": 144408281578.42084}', '{"x": 144408281578.42087}')
    with pytest.raises(AssertionError):
        assert_same_output('{"x": 144408481578.42087}', '{"x": 144408281578.42087}')
    with pytest.raises(AssertionError):
        assert_same_output('{"y": 1.0}', '{"x": 1.0}')


@pytest.mark.parametrize(("command", "shown"), _examples(), ids=lambda value: value[:60])
def test_readme_example_output_is_current(run_inprocess, command: str, shown: str) -> None:
    args = shlex.split(command.replace("2>/dev/null", ""))[1:]
    result = run_inprocess(*args)
    assert result.code == 0
    assert_same_output(result.stdout.strip(), shown)
