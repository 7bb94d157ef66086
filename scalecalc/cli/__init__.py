"""The `scalecalc` command line. Importing the command modules registers their commands."""

from scalecalc.cli import budget, catalog, figures, fitting, laws, models, plan  # noqa: F401  (registration)
from scalecalc.cli.app import app, main

__all__ = ["app", "main"]
