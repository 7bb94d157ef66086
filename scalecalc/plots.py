"""Figures: iso-FLOP curves, the compute frontier, loss contours and fit diagnostics.

matplotlib is an optional extra and is imported only here, inside the functions, so that no other
command pays for it. Figures are drawn on matplotlib.figure.Figure directly (no pyplot: no global
state, no GUI backend), and the file's extension chooses PNG, SVG or PDF.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from scalecalc import solve
from scalecalc.errors import ScalecalcError
from scalecalc.fit import Fit
from scalecalc.presets import Preset

FORMATS = (".png", ".svg", ".pdf")
SIZE = (7.5, 4.8)  # inches: a column of a design document
WIDE = (13.0, 4.5)
DPI = 150
LINESTYLES = ("-", "--", ":", "-.")


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ScalecalcError("plot needs matplotlib, an optional extra: pip install 'scalecalc[plot]' "
                             "(or pip install matplotlib).") from None


def check_path(path: Path) -> Path:
    if path.suffix.lower() not in FORMATS:
        raise ScalecalcError(f"--out: {path.name} should end in .png, .svg or .pdf, which chooses "
                             "the format.")
    if not path.parent.exists():
        raise ScalecalcError(f"--out: the folder {path.parent} does not exist.")
    return path


def label(preset: Preset) -> str:
    """Legend text: the preset and who published it."""
    return f"{preset.name} ({preset.citation.split(',')[0]})"


def _figure(size: tuple[float, float] = SIZE) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=size, dpi=DPI, layout="constrained")


def _save(figure: Any, path: Path) -> Path:
    figure.savefig(path, dpi=DPI)
    return path


def isoflop(presets: list[Preset], budgets: np.ndarray, path: Path) -> Path:
    """Loss against N along each iso-FLOP line, the optimum marked (Hoffmann et al. Figure 3)."""
    from matplotlib import colormaps
    from matplotlib.lines import Line2D

    figure = _figure()
    axes = figure.add_subplot()
    colors = colormaps["viridis"](np.linspace(0.05, 0.85, len(budgets)))
    spread = np.logspace(-1.5, 1.5, 300)
    for style, preset in zip(LINESTYLES * 4, presets, strict=False):
        best_n, best_d = solve.allocate(preset, budgets)
        for color, budget, n_opt, d_opt in zip(colors, budgets, best_n, best_d, strict=True):
            sizes = n_opt * spread
            axes.plot(sizes, preset.law.loss(sizes, budget / (preset.flops_per_param_token * sizes)),
                      color=color, linestyle=style, linewidth=1.6)
            axes.plot(n_opt, preset.law.loss(n_opt, d_opt), marker="o", color=color,
                      markeredgecolor="black", markersize=6, zorder=3)
    axes.set_xscale("log")
    axes.set_xlabel("model size N (parameters)")
    axes.set_ylabel("predicted loss (nats per token)")
    axes.set_title("Iso-FLOP curves; dots mark the compute-optimal N")
    axes.grid(True, which="both", alpha=0.25)
    budget_keys = [Line2D([], [], color=color, linewidth=2,
                          label=f"C = {budget:.3g} FLOPs".replace("e+", "e"))
                   for color, budget in zip(colors, budgets, strict=True)]
    first = axes.legend(handles=budget_keys, loc="upper right", fontsize=8, title="budget")
    axes.add_artist(first)
    preset_keys = [Line2D([], [], color="0.2", linestyle=style, label=label(preset))
                   for style, preset in zip(LINESTYLES * 4, presets, strict=False)]
    axes.legend(handles=preset_keys, loc="upper left", fontsize=8, title="preset")
    return _save(figure, path)


def _inside(preset: Preset, params: np.ndarray, tokens: np.ndarray, flops: np.ndarray) -> np.ndarray:
    """Which points lie in the ranges the preset was fitted on."""
    inside = np.ones(len(flops), dtype=bool)
    for key, values in (("params", params), ("tokens", tokens), ("flops", flops)):
        if key in preset.fitted_range:
            low, high = preset.fitted_range[key]
            inside &= (values >= low) & (values <= high)
    return inside


def frontier(presets: list[Preset], budgets: np.ndarray, path: Path) -> Path:
    """N_opt and D_opt against C for each preset; solid inside its fitted range, dashed outside."""
    from matplotlib import colormaps

    figure = _figure(WIDE)
    by_params, by_tokens = figure.subplots(1, 2)
    colors = colormaps["tab10"](np.arange(len(presets)) % 10)
    for color, preset in zip(colors, presets, strict=True):
        params, tokens = solve.allocate(preset, budgets)
        inside = _inside(preset, params, tokens, budgets)
        for axes, values in ((by_params, params), (by_tokens, tokens)):
            axes.plot(budgets, values, color=color, linestyle="--", linewidth=1.0, alpha=0.7)
            axes.plot(budgets, np.where(inside, values, np.nan), color=color, linewidth=2.4,
                      label=label(preset))
    for axes, what in ((by_params, "compute-optimal N (parameters)"),
                       (by_tokens, "compute-optimal D (tokens)")):
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("training compute C (FLOPs)")
        axes.set_ylabel(what)
        axes.grid(True, which="major", alpha=0.3)
    by_params.set_title("Model size: solid within each preset's fitted range")
    by_tokens.set_title("Training tokens: dashed where extrapolated")
    by_params.legend(fontsize=8, loc="upper left")
    return _save(figure, path)


def contour(preset: Preset, params_range: tuple[float, float], tokens_range: tuple[float, float],
            path: Path) -> Path:
    """Loss contours over (N, D), with iso-FLOP lines and the compute-optimal path."""
    figure = _figure()
    axes = figure.add_subplot()
    sizes = np.logspace(*np.log10(params_range), 240)
    counts = np.logspace(*np.log10(tokens_range), 240)
    grid_n, grid_d = np.meshgrid(sizes, counts)
    loss = preset.law.loss(grid_n, grid_d)
    levels = np.quantile(loss, np.linspace(0.02, 0.98, 14))
    filled = axes.contourf(grid_n, grid_d, loss, levels=levels, cmap="magma_r", extend="both")
    lines = axes.contour(grid_n, grid_d, loss, levels=levels, colors="white", linewidths=0.5, alpha=0.6)
    axes.clabel(lines, fmt="%.2f", fontsize=7)
    figure.colorbar(filled, ax=axes, label="predicted loss (nats per token)")
    c0 = preset.flops_per_param_token
    low, high = c0 * params_range[0] * tokens_range[0], c0 * params_range[1] * tokens_range[1]
    decades = np.arange(np.ceil(np.log10(low)), np.floor(np.log10(high)) + 1)
    for power in decades[:: max(1, len(decades) // 8)]:
        budget = 10.0**power
        axes.plot(sizes, budget / (c0 * sizes), color="0.85", linewidth=0.8, linestyle=":")
        at = np.sqrt(params_range[0] * params_range[1])
        if tokens_range[0] < budget / (c0 * at) < tokens_range[1]:
            axes.annotate(f"1e{power:.0f}", (at, budget / (c0 * at)), color="0.9", fontsize=7)
    budgets = np.logspace(np.log10(low), np.log10(high), 200)
    path_n, path_d = solve.allocate(preset, budgets)
    axes.plot(path_n, path_d, color="cyan", linewidth=2.2, label="compute-optimal path")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlim(*params_range)
    axes.set_ylim(*tokens_range)
    axes.set_xlabel("model size N (parameters)")
    axes.set_ylabel("training tokens D")
    axes.set_title(f"Loss over (N, D), dotted lines of constant C (FLOPs): {label(preset)}", fontsize=9)
    axes.legend(loc="lower right", fontsize=8)
    return _save(figure, path)


def _groups(flops: np.ndarray, per_decade: int = 3) -> np.ndarray:
    """Runs on (about) the same iso-FLOP line: budgets in the same third of a decade.

    A clean sweep puts each budget in a bin of its own; digitized or scattered budgets share the
    nearest bin, and each bin's curve is drawn at the median budget of its runs.
    """
    bins = np.round(np.log10(flops) * per_decade).astype(int)
    return np.unique(bins, return_inverse=True)[1]


def fit_diagnostics(result: Fit, path: Path, ci: float = 95) -> Path:
    """Observed against predicted loss, the residuals, and the fitted iso-FLOP curves."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    runs, law = result.runs, result.law
    predicted = law.loss(runs.params, runs.tokens)
    figure = _figure(WIDE)
    scatter, residuals, curves = figure.subplots(1, 3)
    groups = _groups(runs.flops)
    budgets = np.array([np.median(runs.flops[groups == g]) for g in range(groups.max() + 1)])
    shade = Normalize(np.log10(budgets.min()), np.log10(budgets.max()) + 1e-9)
    colors = colormaps["viridis"](shade(np.log10(budgets)))

    scatter.scatter(predicted, runs.loss, s=14, c=colors[groups], edgecolors="none")
    span = [min(predicted.min(), runs.loss.min()), max(predicted.max(), runs.loss.max())]
    scatter.plot(span, span, color="0.3", linewidth=1, linestyle="--", label="observed = predicted")
    scatter.set_xlabel("predicted loss (nats per token)")
    scatter.set_ylabel("observed loss (nats per token)")
    scatter.set_title(f"{len(runs)} runs: RMSE of ln L {result.rmse_log_loss:.4f}", fontsize=10)
    scatter.legend(fontsize=8)

    residuals.scatter(runs.params, np.log(runs.loss / predicted), s=14, c=colors[groups], edgecolors="none")
    residuals.axhline(0, color="0.3", linewidth=1)
    residuals.set_xscale("log")
    residuals.set_xlabel("model size N (parameters)")
    residuals.set_ylabel("residual ln(observed / predicted)")
    residuals.set_title("Residuals against N", fontsize=10)

    tail = (100 - ci) / 2
    # One law whose coefficients are columns (a row per draw) gives every draw's curve at once.
    drawn_law = None if result.draws is None else law.__class__(
        *(column[:, None] for column in result.draws[:400].T))
    for group, (color, budget) in enumerate(zip(colors, budgets, strict=True)):
        members = groups == group
        curves.scatter(runs.params[members], runs.loss[members], s=14, color=color, edgecolors="none")
        sizes = np.logspace(np.log10(runs.params[members].min() / 1.5),
                            np.log10(runs.params[members].max() * 1.5), 120)
        tokens = budget / (6 * sizes)
        curves.plot(sizes, law.loss(sizes, tokens), color=color, linewidth=1.5)
        if drawn_law is not None:
            low, high = np.percentile(drawn_law.loss(sizes, tokens), [tail, 100 - tail], axis=0)
            curves.fill_between(sizes, low, high, color=color, alpha=0.18, linewidth=0)
    mapper = colormaps["viridis"]
    from matplotlib.cm import ScalarMappable

    figure.colorbar(ScalarMappable(norm=shade, cmap=mapper), ax=[scatter, residuals, curves],
                    label="log10 training compute C (FLOPs)", shrink=0.9)
    curves.set_xscale("log")
    curves.set_xlabel("model size N (parameters)")
    curves.set_ylabel("loss (nats per token)")
    band = f", {ci:g}% bootstrap band" if result.draws is not None else ""
    curves.set_title(f"Iso-FLOP curves of the law{band}", fontsize=10)
    return _save(figure, path)
