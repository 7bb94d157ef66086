"""`scalecalc fit FILE --x X --y Y --law power|saturating|sigmoid|bnsl`: a one-variable law for any
metric (scalecalc.curves). `fit` in cli/fitting.py hands over here when --x, --y or --law is given."""

from typing import Annotated, Any

import typer

from scalecalc.errors import ScalecalcError

PANEL = "Curves (a law y(x) of any two columns)"
XOption = Annotated[str | None, typer.Option("--x", metavar="NAME", rich_help_panel=PANEL, help="Column of "
                                             "the x values (params, tokens, flops, steps, ...).")]
YOption = Annotated[str | None, typer.Option("--y", metavar="NAME", rich_help_panel=PANEL, help="Column of "
                                             "the metric (loss, error, accuracy, ...).")]
LawOption = Annotated[str | None, typer.Option("--law", metavar="NAME", rich_help_panel=PANEL, help="power "
                                               "(default), saturating, sigmoid or bnsl.")]
BreaksOption = Annotated[int | None, typer.Option("--breaks", metavar="INTEGER", rich_help_panel=PANEL,
                                                  help="Breaks of --law bnsl, 1 (default) to 3.")]
HoldoutOption = Annotated[int | None, typer.Option("--holdout-last", metavar="INTEGER", rich_help_panel=PANEL,
                                                   help="Fit all but the K points of largest x and report "
                                                   "the extrapolation error on them: 0 (default) to the "
                                                   "points less one.")]
AtOption = Annotated[str | None, typer.Option("--at", metavar="LIST", rich_help_panel=PANEL,
                                              help="x values to predict y at, in x's units: a list such "
                                              "as 1e9,1e10 or a range START:STOP (at most 50).")]
DirectionOption = Annotated[str | None, typer.Option("--direction", metavar="NAME", rich_help_panel=PANEL,
                                                     help="auto (default), falling or rising: a rising "
                                                     "metric is fitted as 1 − y.")]

# Options of the Chinchilla fit that mean nothing to a curve, with their defaults.
CHINCHILLA_ONLY = {"--columns": None, "--drop-highest-loss": 0, "--min-tokens-per-param": None,
                   "--delta": "1e-3", "--grid": "fast", "--bootstrap": 0, "--seed": None, "--ci": None,
                   "--reference-flops": "1e22,5.76e23", "--method": "parametric", "--degree": None,
                   "--axis": None, "--group-tolerance": None, "--budgets": None, "--flops-per-token": None,
                   "--grid-points": None, "--smooth": None}


def wanted(x: str | None, y: str | None, law: str | None, curve_only: dict[str, Any]) -> bool:
    """Whether `fit` should fit a curve; curve options without --x and --y are refused."""
    if x is None and y is None and law is None:
        given = [name for name, value in curve_only.items() if value is not None]
        if given:
            raise ScalecalcError(f"{given[0]} goes with a curve fit: add --x COLUMN --y COLUMN, or drop it.")
        return False
    if x is None or y is None:
        raise ScalecalcError("a curve fit needs both --x and --y, the columns of x and of the metric, such "
                             "as --x params --y loss.")
    return True


def run(runs_file: str, *, x: str, y: str, law: str | None, breaks: int | None, holdout: int | None,
        at: str | None, direction: str | None, skip_bad_rows: bool, save: str | None, force: bool,
        fmt: Any, chinchilla: dict[str, Any]) -> None:
    """Read the two columns, fit, report; save the law as a preset where asked."""
    import numpy as np

    from scalecalc import curves
    from scalecalc.cli.app import write
    from scalecalc.cli.fitting import _check_pairs, _save_target, _status
    from scalecalc.quantities import parse_quantity_list

    for name, value in chinchilla.items():
        if value != CHINCHILLA_ONLY[name]:
            raise ScalecalcError(f"{name} belongs to fitting runs of params, tokens and loss, not to a "
                                 "curve (--x, --y); drop it.")
    _check_pairs(bootstrap=0, seed=None, ci=None, save=save, force=force)
    chosen = "power" if law is None else law  # an empty --law is refused, not taken for the default
    points_at = np.array([]) if at is None else parse_quantity_list(at, "--at")
    curves.check_at(points_at)
    curves.check_law(chosen)  # before reading the file
    target = _save_target(save, runs_file, force)
    points = load_points(runs_file, x, y, skip_bad_rows)
    if target is not None:
        curves.check_savable(points)
    with _status(f"Fitting a {chosen} law to {len(points)} points"):
        result = curves.fit_curve(points, chosen, breaks=breaks, holdout=holdout or 0,
                                  direction="auto" if direction is None else direction)
    records = curves.report(result, points_at)
    if target is not None:
        curves.save_preset(result, target, force)
    for reason, count in points.excluded.items():
        typer.echo(f"note: excluded {count} row(s): {reason}.", err=True)
    if result.flipped:
        typer.echo(f"note: {points.y_name} rises with {points.x_name}, so the {chosen} law is fitted to 1 − "
                   f"{points.y_name} (--direction falling fits it as it is).", err=True)
    for warning in curves.report_warnings(result, records, points_at):
        typer.echo(f"warning: {warning}", err=True)
    if target is not None:
        flag = {"params": "--params", "tokens": "--tokens", "flops": "--flops",
                "core_days": "--core-days"}[curves.variable(points.x_name) or "params"]
        typer.echo(f"saved the law as preset {target}; ask it with scalecalc loss {flag} X -p {target}",
                   err=True)
    title = (f"{chosen} law of {points.y_name} against {points.x_name}, fitted to {result.fitted} of "
             f"{len(points)} points from {points.source}: {curves.FORMS[chosen]}")
    write(records, fmt, title=title, transpose=False)


def load_points(name: str, x: str, y: str, skip_bad_rows: bool) -> Any:
    """The (x, y) points of a CSV file, or of standard input for -."""
    from scalecalc import curves
    from scalecalc.cli.app import _read_text
    from scalecalc.runs import MAX_FILE_BYTES

    source = "standard input" if name == "-" else name
    return curves.read_points(_read_text(name, MAX_FILE_BYTES), source, x, y, skip_bad_rows=skip_bad_rows)
