"""Re-run the `$ scalecalc ...` examples in the README and docs/ and write their current output
back in place. Run it after a change that moves a number or a layout, then read the diff:
tests/test_readme.py checks that what is shown is what the commands print."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_readme import DOCUMENTS, examples, run_example  # noqa: E402


def refresh(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    # From the last example up, so earlier line numbers stay valid.
    for command, _, line in reversed(examples(path)):
        end = line
        while end < len(lines) and not lines[end].startswith(("$ ", "```")):
            end += 1
        gap = [""] if end < len(lines) and lines[end].startswith("$ ") else []
        lines[line:end] = run_example(command).splitlines() + gap
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    for path in [ROOT / name for name in sys.argv[1:]] or DOCUMENTS:
        refresh(path)
