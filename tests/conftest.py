"""Shared helpers: run the CLI in-process or through the installed console script."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from scalecalc.cli import main

# Machines here are shared and noisy: no test may fail for being slow, so no deadlines.
settings.register_profile("scalecalc", deadline=None)
settings.load_profile("scalecalc")

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_RUNS = ROOT / "examples" / "chinchilla_runs.csv"


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def reference_csv() -> Path:
    """The 245 runs digitized by Besiroglu et al., shipped in examples/ (see its README)."""
    return REFERENCE_RUNS


@pytest.fixture
def run_inprocess(capsys: pytest.CaptureFixture[str]):
    """Call scalecalc.cli.main with argv; return its exit code and captured output."""

    def run(*args: str) -> Result:
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def _console_script() -> list[str]:
    found = shutil.which("scalecalc", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("the scalecalc console script is not installed in this environment; "
                    "install the project with pip install '.[test]'")
    return [found]


@pytest.fixture
def run_installed():
    """Run the installed `scalecalc` console script in a subprocess (no terminal)."""
    script = _console_script()

    def run(*args: str, cwd: Path | None = None, stdin: str | None = None) -> Result:
        done = subprocess.run([*script, *args], capture_output=True, text=True, cwd=cwd,
                              input=stdin, timeout=120, env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"})
        return Result(done.returncode, done.stdout, done.stderr)

    return run
