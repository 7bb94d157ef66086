"""`scalecalc fit CURVES.csv --method envelope` (Approach 1): read, fit, report, save."""

from __future__ import annotations

from typing import Any

from scalecalc.errors import ScalecalcError

DEFAULT_GRID_POINTS = 1500  # Hoffmann et al. §3.1
GRID_POINTS = (10, 100_000)
SMOOTH = (1, 1_000)


def envelope_from(options: dict[str, Any], c0: float) -> tuple[Any, Any]:
    """(curves, fit) for the envelope options, bootstrapped if asked."""
    from scalecalc import envelope
    from scalecalc.cli.app import _read_text

    grid_points = DEFAULT_GRID_POINTS if options["--grid-points"] is None else options["--grid-points"]
    if not GRID_POINTS[0] <= grid_points <= GRID_POINTS[1]:
        raise ScalecalcError(f"--grid-points {grid_points}: give {GRID_POINTS[0]} to {GRID_POINTS[1]:,} "
                             "FLOP values (Hoffmann et al. use 1,500).")
    window = 1 if options["--smooth"] is None else options["--smooth"]
    if not SMOOTH[0] <= window <= SMOOTH[1]:
        raise ScalecalcError(f"--smooth {window}: give a window of {SMOOTH[0]} (no smoothing) to "
                             f"{SMOOTH[1]:,} points (Hoffmann et al. smooth over 10 steps).")
    name = options["runs_file"]
    source = "standard input" if name == "-" else name
    curves = envelope.read_curves(_read_text(name), source)
    result = envelope.fit_envelope(curves, window=window, grid_points=grid_points, c0=c0)
    if options["--bootstrap"]:
        result = envelope.bootstrap(result, options["--bootstrap"], options["--seed"], window)
    return curves, result


def run_envelope(options: dict[str, Any], c0: float, budgets: Any, width: float) -> None:
    from scalecalc import envelope, powerfitreport
    from scalecalc.cli.app import write
    from scalecalc.cli.fit_methods import _shown, report
    from scalecalc.fitreport import FitValue, _number

    for name, unused in (("--columns", options["--columns"] is not None),
                         ("--skip-bad-rows", options["--skip-bad-rows"]),
                         ("--drop-highest-loss", options["--drop-highest-loss"] != 0),
                         ("--min-tokens-per-param", options["min_tokens_per_param"] is not None)):
        if unused:
            raise ScalecalcError(f"{name} goes with runs files, not with --method envelope (a curves file "
                                 "has the columns run, params, tokens and loss); drop it.")
    curves, result = envelope_from(options, c0)
    grid_points = len(result.grid)
    lines = powerfitreport.law_lines(result, budgets, width)
    sizes = len(set(curves.params.tolist()))
    lines += [
        FitValue("sizes_on_envelope", len(set(curves.params[result.winners].tolist())), None, None,
                 "model sizes that have the lowest loss somewhere on the grid"),
        FitValue("share_smallest_size", _number(result.edge_share[0]), None, None,
                 "share of the grid won by the smallest size (left out of the fit)"),
        FitValue("share_largest_size", _number(result.edge_share[1]), None, None,
                 "share of the grid won by the largest size (left out of the fit)"),
        FitValue("runs", len(curves), None, None, "training curves"),
        FitValue("sizes", sizes, None, None, "distinct model sizes"),
        FitValue("grid_points", grid_points, None, None, "log-spaced FLOP values"),
    ]
    if result.draws is not None:
        lines.append(FitValue("bootstrap_resamples", len(result.draws), None, None,
                              "usable resamples of whole curves behind the intervals"))
    target = options["save_target"]
    if target is not None:
        powerfitreport.save_allocation(result, target, options["--force"], "envelope", width)
    warnings = envelope.warnings(result) + powerfitreport.extrapolation_warnings(result.grid, budgets)
    report({}, warnings, target)  # a curves file leaves nothing out: a bad row is an error
    title = f"Envelope fit (Approach 1) of {len(curves)} curves, {sizes} sizes, from {curves.source}"
    write(_shown(lines, options), options["--format"], title=title, transpose=False)
