"""The examples in the README and docs/ are real output: re-run them and compare.

An example is a line `$ scalecalc ...` in a text block, followed by what it prints (stderr and
stdout interleaved as a terminal shows them; `2>/dev/null` drops stderr). Numbers are compared
with a tolerance, never as strings: one unit in the last place shown (so a table's "4.68B" must
round the same way), and at least a relative 1e-9, because the last digits of libm and NumPy
results differ between CPUs and releases. Everything between the numbers must match exactly.
scripts/refresh_doc_examples.py rewrites the shown output from these same functions.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import shlex
from pathlib import Path

import pytest

from scalecalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCUMENT_WIDTH = 100  # the documents show tables as a terminal this wide prints them
COMMAND = re.compile(r"^\$ (scalecalc .*)$")
# A number as the outputs print it: 1e+24, 95860654045.68242, -0.5, the 4.68 of 4.68B. Digits
# inside a word (H100, v5e, 2>/dev/null) are text.
VOLATILE = re.compile(r"(starts_at_best\W+)\d+")
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\d.])")


def examples(path: Path) -> list[tuple[str, str, int]]:
    """(command, shown output, line number) for each `$ scalecalc ...` line in a text block."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found, in_text = [], False
    for index, line in enumerate(lines):
        if line.startswith("```"):
            in_text = line.strip() == "```text" and not in_text
            continue
        match = COMMAND.match(line) if in_text else None
        if match:
            output = []
            for following in lines[index + 1:]:
                if following.startswith(("$ ", "```")):
                    break
                output.append(following)
            found.append((match.group(1), "\n".join(output).strip("\n"), index + 1))
    return found


def run_example(command: str) -> str:
    """What the command prints on a terminal 100 columns wide: stderr and stdout in the order they
    were written."""
    import os

    quiet = "2>/dev/null" in command
    args = shlex.split(command.replace("2>/dev/null", ""))[1:]
    both, dropped = io.StringIO(), io.StringIO()
    saved = {key: os.environ.pop(key, None) for key in ("COLUMNS", "NO_COLOR", "FORCE_COLOR")}
    os.environ["COLUMNS"] = str(DOCUMENT_WIDTH)
    try:
        with contextlib.redirect_stdout(both), contextlib.redirect_stderr(dropped if quiet else both):
            main(args)
    finally:
        os.environ.pop("COLUMNS")
        os.environ.update({key: value for key, value in saved.items() if value is not None})
    return "\n".join(line.rstrip() for line in both.getvalue().splitlines()).strip("\n")


def _last_place(shown: str) -> float:
    """One unit in the last digit shown: 0.0001 for 2.6581, 1e22 for 1.00e24, 1 for 240."""
    mantissa, _, exponent = shown.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def _layout(text: str) -> str:
    """Text between numbers with its padding and rules collapsed: a column one digit wider (0.4132
    for 0.41317, say) moves spaces and box lines, not what the output says."""
    return re.sub(r"([ ─━═-])\1+", r"\1", text)


def assert_same_output(actual: str, shown: str, rel: float = 1e-9) -> None:
    assert [_layout(part) for part in NUMBER.split(actual)] == [_layout(part) for part in NUMBER.split(shown)]
    for got, expected in zip(NUMBER.findall(actual), NUMBER.findall(shown), strict=True):
        tolerance = max(rel * abs(float(expected)), _last_place(expected))
        assert math.isclose(float(got), float(expected), rel_tol=0, abs_tol=tolerance * 1.000001), \
            f"{got} differs from the documented {expected}"


def test_every_document_has_examples_and_the_readme_machine_formats() -> None:
    found = {path.name: examples(path) for path in DOCUMENTS}
    assert sum(len(items) for items in found.values()) >= 15
    assert sum("--format" in command for command, _, _ in found["README.md"]) >= 3


def test_comparison_tolerates_last_digits_only() -> None:
    assert_same_output('{"x": 144408281578.42084}', '{"x": 144408281578.42087}')
    assert_same_output("│ 4.68B │", "│ 4.68B │")
    with pytest.raises(AssertionError):
        assert_same_output('{"x": 144408481578.42087}', '{"x": 144408281578.42087}')
    with pytest.raises(AssertionError):
        assert_same_output("│ 4.69B │", "│ 4.67B │")  # two units in the last place shown
    with pytest.raises(AssertionError):
        assert_same_output('{"y": 1.0}', '{"x": 1.0}')


@pytest.mark.parametrize(
    ("command", "shown"),
    [pytest.param(command, shown, id=f"{path.name}:{line}")
     for path in DOCUMENTS for command, shown, line in examples(path)])
def test_documented_example_output_is_current(command: str, shown: str) -> None:
    # A fit stops where L-BFGS's tolerances say, which moves with the NumPy release in the eighth
    # figure; a bootstrap's refits agree across machines to about four figures.
    rel = 1e-3 if "--bootstrap" in command else 1e-6 if command.startswith("scalecalc fit") else 1e-9
    actual = run_example(command)
    if command.startswith("scalecalc fit"):
        # How many of the starts end within 0.01% of the best is a count of near-ties, which moves
        # with the optimizer's last digits (2 on NumPy 2.4, 4 on 1.26): compare it as a count.
        actual, shown = (VOLATILE.sub(lambda m: m.group(1) + "n", text) for text in (actual, shown))
    assert_same_output(actual, shown, rel)


def test_python_page_examples_run() -> None:
    """docs/python.md's interactive examples, run as doctests."""
    import doctest

    failures, tried = doctest.testfile(str(ROOT / "docs" / "python.md"), module_relative=False,
                                       optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried >= 5 and failures == 0
