"""Re-run the `$ scalecalc ... --format csv|json` examples in the README and docs/ and write
their current output back in place. Run it after a change that moves a number, then read the diff:
tests/test_readme.py checks that what is shown is what the commands print."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import sys
from pathlib import Path

from scalecalc.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = re.compile(r"^\$ (scalecalc .*--format (?:csv|json).*)$")


def run(command: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(shlex.split(command.replace("2>/dev/null", ""))[1:])
    return out.getvalue().rstrip("\n")


def refresh(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    result: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        result.append(line)
        index += 1
        match = EXAMPLE.match(line)
        if match:
            while index < len(lines) and not lines[index].startswith(("$ ", "```")):
                index += 1
            result.extend(run(match.group(1)).splitlines())
            if index < len(lines) and lines[index].startswith("$ "):
                result.append("")
    path.write_text("\n".join(result) + "\n", encoding="utf-8")


if __name__ == "__main__":
    for name in sys.argv[1:] or ["README.md", *sorted(str(p) for p in (ROOT / "docs").glob("*.md"))]:
        refresh(ROOT / name)
