"""The README's machine-format examples are real output: re-run them and compare."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

EXAMPLE = re.compile(r"^\$ (scalecalc .*--format (?:csv|json).*)$")


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


def test_readme_has_machine_format_examples() -> None:
    assert len(_examples()) >= 3


@pytest.mark.parametrize(("command", "shown"), _examples(), ids=lambda value: value[:60])
def test_readme_example_output_is_current(run_inprocess, command: str, shown: str) -> None:
    args = shlex.split(command.replace("2>/dev/null", ""))[1:]
    result = run_inprocess(*args)
    assert result.code == 0
    assert result.stdout.strip() == shown
