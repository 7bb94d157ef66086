"""The `scalecalc` command line.

Each command module registers its commands with the Typer app when it is imported. Running a
command imports only the module that holds it (the rest would cost start-up time for nothing);
`full_app()` imports them all, for --help, unknown names, and code that walks every command.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

# The module behind each top-level command or group.
COMMAND_MODULES = {
    "optimal": "plan", "loss": "plan", "tokens": "plan", "table": "plan",
    "check": "budget", "hardware": "budget", "fit": "fitting", "plot": "figures",
    "presets": "catalog", "model": "models", "models": "models",
    "batch": "laws", "transfer": "laws", "densing": "laws", "exchange": "laws",
    "hparams": "hparams", "design": "design", "convert": "convert",
}


def register(command: str | None = None) -> None:
    """Import the module of `command`, or every command module when it names none of them."""
    names = {COMMAND_MODULES[command]} if command in COMMAND_MODULES else set(COMMAND_MODULES.values())
    for name in sorted(names):
        importlib.import_module(f"scalecalc.cli.{name}")


def full_app() -> Any:
    """The Typer app with every command registered."""
    register()
    from scalecalc.cli.app import app

    return app


def main(argv: list[str] | None = None) -> int:
    """Entry point: register the command named on the command line, then run it."""
    args = sys.argv[1:] if argv is None else argv
    register(args[0] if args else None)
    from scalecalc.cli.app import main as run

    return run(args)


__all__ = ["full_app", "main", "register"]
