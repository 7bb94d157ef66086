"""Figures: iso-FLOP curves, the compute frontier, loss contours and fit diagnostics.

matplotlib is an optional extra and is imported only here, inside the functions, so that no other
command pays for it. Figures are drawn on matplotlib.figure.Figure directly (no pyplot: no global
state, no GUI backend); each function returns the figure, and `save` writes it through
scalecalc.outfiles, the file's extension choosing PNG, SVG or PDF.

Every figure must stay readable in grey-scale: presets differ by line style and marker shape as
well as by colour, and text drawn over colour has a light outline.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scalecalc import outfiles, solve
from scalecalc.errors import ScalecalcError
from scalecalc.fit import Fit
from scalecalc.presets import Preset, require_params
from scalecalc.runs import Runs

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
SIZE = (7.5, 4.8)  # inches: a column of a design document
WIDE = (13.0, 4.5)
DPI = 150

# What a figure can draw. Log axes over hundreds of decades overflow (6·N·D becomes inf) and say
# nothing; these spans hold every published fit with room to extrapolate.
FLOPS_BOUNDS = (1e6, 1e40)
COUNT_BOUNDS = (1.0, 1e18)  # parameters and tokens
LOSS_BOUNDS = (1e-6, 1e6)  # nats per token
MAX_BUDGETS = 12  # iso-FLOP curves in one figure: beyond a dozen the colours run together
MAX_PER_DECADE = 100
# One (dash pattern, marker) per preset, so presets differ without colour; this many at most.
STYLES = (("-", "o"), ((0, (6, 2.5)), "s"), ((0, (1, 1.6)), "^"), ((0, (7, 2, 1.5, 2)), "D"),
          ((0, (7, 2, 1.5, 2, 1.5, 2)), "v"), ((0, (12, 3)), "P"), ((0, (3, 2)), "X"),
          ((0, (12, 2, 3, 2)), "*"), ((0, (2, 4)), "h"), ((0, (4, 1, 1, 1, 1, 1)), "<"))
OUTLINE = 2.5  # points of white around dark text on coloured ground


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ScalecalcError("plot needs matplotlib, an optional extra: pip install 'scalecalc[plot]' "
                             "(or pip install matplotlib).") from None


def target(name: str | None, kind: str, force: bool = False) -> Path:
    """Where a figure goes: --out, or scalecalc-KIND.png here; checked before anything is drawn."""
    return outfiles.check_target(f"scalecalc-{kind}.png" if name is None else name, force=force,
                                 suffixes=tuple(FORMATS))


def save(figure: Any, path: Path, force: bool = False) -> Path:
    """Write the figure whole (or not at all) in the format its extension names."""
    kind = FORMATS[path.suffix.lower()]
    return outfiles.write(path, lambda stream: figure.savefig(stream, format=kind, dpi=DPI), force=force)


def short(value: float) -> str:
    """1e+06 -> 1e6: bounds in messages, as a user would type them."""
    return f"{value:.3g}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def check_within(values: Any, bounds: tuple[float, float], name: str, unit: str) -> np.ndarray:
    """The values, if all lie within `bounds`; otherwise an error naming the range allowed."""
    array = np.asarray(values, dtype=float)
    low, high = bounds
    outside = array[~((array >= low) & (array <= high))]
    if outside.size:
        raise ScalecalcError(f"{name}: {short(float(outside[0]))} is outside what a figure can draw; "
                             f"give {unit} from {short(low)} to {short(high)}.")
    return array


def check_presets(presets: list[Preset]) -> list[Preset]:
    if not presets:
        raise ScalecalcError("none of the presets has a loss law to draw; name one with --preset, "
                             "such as besiroglu.")
    if len(presets) > len(STYLES):
        raise ScalecalcError(f"{len(presets)} presets in one figure would be unreadable; give at most "
                             f"{len(STYLES)} with --preset.")
    return presets


def check_runs(runs: Runs) -> Runs:
    """Runs a figure can draw: sizes, token counts and losses within the bounds above."""
    check_within(runs.params, COUNT_BOUNDS, runs.source, "parameter counts")
    check_within(runs.tokens, COUNT_BOUNDS, runs.source, "token counts")
    check_within(runs.loss, LOSS_BOUNDS, runs.source, "losses (nats per token)")
    return runs


def _drawable(values: Any, preset: Preset, what: str, bounds: tuple[float, float] | None = None
              ) -> np.ndarray:
    """Values a log axis can take (and within `bounds`); a law whose numbers overflow, vanish or leave
    the bounds here is an error."""
    array = np.asarray(values, dtype=float)
    low, high = bounds or (0.0, np.inf)
    if not np.all(np.isfinite(array) & (array > low) & (array <= high)):
        problem = "that overflow or vanish" if bounds is None else f"outside {short(low)} to {short(high)}"
        raise ScalecalcError(f"preset {preset.name} gives {what} {problem} here, so there is nothing to "
                             "draw; check its coefficients (--set) or the ranges asked for.")
    return array


def _quiet(draw: Callable[..., Any]) -> Callable[..., Any]:
    """NumPy's overflow warnings would reach stderr as noise; `_drawable` checks the numbers instead."""
    @functools.wraps(draw)
    def run(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return draw(*args, **kwargs)
    return run


def label(preset: Preset) -> str:
    """Legend text: the preset and who published it."""
    return f"{preset.name} ({preset.citation.split(',')[0]})"


def _figure(size: tuple[float, float] = SIZE) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=size, dpi=DPI, layout="constrained")


def _outlined(width: float = OUTLINE) -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground="white")]


@_quiet
def isoflop(presets: list[Preset], budgets: np.ndarray) -> Any:
    """Loss against N along each iso-FLOP line, the optimum marked (Hoffmann et al. Figure 3).

    Colour is the budget (viridis, whose lightness also orders it in grey); each preset has its own
    dash pattern and optimum marker.
    """
    from matplotlib import colormaps
    from matplotlib.lines import Line2D

    check_presets(presets)
    figure = _figure()
    axes = figure.add_subplot()
    colors = colormaps["viridis"](np.linspace(0.05, 0.85, len(budgets)))
    spread = np.logspace(-1.5, 1.5, 300)
    for (dashes, marker), preset in zip(STYLES, presets, strict=False):
        best_n, best_d = (_drawable(v, preset, "optimal sizes") for v in solve.allocate(preset, budgets))
        for color, budget, n_opt, d_opt in zip(colors, budgets, best_n, best_d, strict=True):
            sizes = n_opt * spread
            loss = preset.law.loss(sizes, budget / (preset.flops_per_param_token * sizes))
            axes.plot(sizes, _drawable(loss, preset, "losses (nats per token)", LOSS_BOUNDS), color=color,
                      linestyle=dashes, linewidth=1.6)
            axes.plot(n_opt, preset.law.loss(n_opt, d_opt), marker=marker, color=color,
                      markeredgecolor="black", markersize=6.5, zorder=3)
    axes.set_xscale("log")
    axes.ticklabel_format(axis="y", useOffset=False)
    axes.set_xlabel("model size N (parameters)")
    axes.set_ylabel("predicted loss (nats per token)")
    axes.set_title("Iso-FLOP curves; markers show the compute-optimal N")
    axes.grid(True, which="both", alpha=0.25)
    budget_keys = [Line2D([], [], color=color, linewidth=2,
                          label=f"C = {short(budget)} FLOPs")
                   for color, budget in zip(colors, budgets, strict=True)]
    first = axes.legend(handles=budget_keys, loc="upper right", fontsize=8, title="budget")
    axes.add_artist(first)
    preset_keys = [Line2D([], [], color="0.2", linestyle=dashes, marker=marker, markersize=6,
                          markerfacecolor="white", label=label(preset))
                   for (dashes, marker), preset in zip(STYLES, presets, strict=False)]
    axes.legend(handles=preset_keys, loc="upper left", fontsize=8, title="preset", handlelength=3.5)
    return figure


def _inside(preset: Preset, params: np.ndarray, tokens: np.ndarray, flops: np.ndarray
            ) -> np.ndarray | None:
    """Which points lie in the ranges the preset was fitted on; None when it states no range."""
    if not preset.fitted_range:
        return None
    inside = np.ones(len(flops), dtype=bool)
    for key, values in (("params", params), ("tokens", tokens), ("flops", flops)):
        if key in preset.fitted_range:
            low, high = preset.fitted_range[key]
            inside &= (values >= low) & (values <= high)
    return inside


@_quiet
def frontier(presets: list[Preset], budgets: np.ndarray) -> Any:
    """N_opt and D_opt against C for each preset: solid inside its fitted range, dashed outside,
    dotted all along for a preset that states no range. Each preset has a colour and a marker."""
    from matplotlib import colormaps
    from matplotlib.lines import Line2D

    check_presets(presets)
    for preset in presets:  # the left panel's axis is parameters
        require_params(preset, "its optimum has no N to draw; optimal --flops with it gives its M")
    figure = _figure(WIDE)
    by_params, by_tokens = figure.subplots(1, 2)
    colors = colormaps["tab10"](np.arange(len(presets)) % 10)
    step = max(1, len(budgets) // 8)  # about eight markers a line, staggered so they do not stack
    unstated = False
    preset_keys = []
    for index, (color, preset) in enumerate(zip(colors, presets, strict=True)):
        marker = STYLES[index][1]
        params, tokens = (_drawable(v, preset, "optimal sizes") for v in solve.allocate(preset, budgets))
        inside = _inside(preset, params, tokens, budgets)
        unstated |= inside is None
        marks = dict(marker=marker, markevery=(index * step // len(presets), step), markersize=5.5,
                     markeredgecolor="black", markeredgewidth=0.6)
        for axes, values in ((by_params, params), (by_tokens, tokens)):
            if inside is None:
                axes.plot(budgets, values, color=color, linestyle=":", linewidth=2.0, **marks)
            else:
                axes.plot(budgets, values, color=color, linestyle="--", linewidth=1.0, **marks)
                axes.plot(budgets, np.where(inside, values, np.nan), color=color, linewidth=2.6)
        note = "; no fitted range stated" if inside is None else ""
        preset_keys.append(Line2D([], [], color=color, marker=marker, markeredgecolor="black",
                                  markeredgewidth=0.6, linewidth=2.2, label=label(preset) + note))
    for axes, what in ((by_params, "compute-optimal N (parameters)"),
                       (by_tokens, "compute-optimal D (tokens)")):
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("training compute C (FLOPs)")
        axes.set_ylabel(what)
        axes.grid(True, which="major", alpha=0.3)
    by_params.set_title("Model size against compute")
    by_tokens.set_title("Training tokens against compute")
    by_params.legend(handles=preset_keys, fontsize=8, loc="upper left", title="preset")
    line_keys = [Line2D([], [], color="0.2", linewidth=2.6, label="within the preset's fitted range"),
                 Line2D([], [], color="0.2", linestyle="--", linewidth=1.0, label="extrapolated")]
    if unstated:
        line_keys.append(Line2D([], [], color="0.2", linestyle=":", linewidth=2.0,
                                label="fitted range not stated"))
    by_tokens.legend(handles=line_keys, fontsize=8, loc="upper left", title="line")
    return figure


def _clearest(points: np.ndarray, obstacles: list[np.ndarray], margin: tuple[float, float]) -> int | None:
    """Index of the point (in axes fractions) farthest from the axes' edges and from every obstacle
    point, among those at least `margin` inside the edges; None if none is. A label centred there
    is whole, inside the axes, and clear of what it would hide."""
    mx, my = margin
    x, y = points[:, 0], points[:, 1]
    room = np.minimum.reduce([x - mx, 1 - mx - x, y - my, 1 - my - y])
    if not (room > 0).any():
        return None
    score = room.copy()
    for obstacle in obstacles:
        if len(obstacle):
            gaps = np.hypot(points[:, None, 0] - obstacle[None, :, 0],
                            points[:, None, 1] - obstacle[None, :, 1])
            score = np.minimum(score, gaps.min(axis=1))
    score[room <= 0] = -np.inf
    return int(np.argmax(score))


@_quiet
def contour(preset: Preset, params_range: tuple[float, float], tokens_range: tuple[float, float]) -> Any:
    """Loss contours over (N, D), with iso-FLOP lines and the compute-optimal path.

    Labels are dark with a white outline, so they read on every colour, and each is put where it is
    whole inside the axes and clear of the path and of the other labels.
    """
    from matplotlib import patheffects

    figure = _figure()
    axes = figure.add_subplot()
    sizes = np.logspace(*np.log10(params_range), 240)
    counts = np.logspace(*np.log10(tokens_range), 240)
    grid_n, grid_d = np.meshgrid(sizes, counts)
    loss = _drawable(preset.law.loss(grid_n, grid_d), preset, "losses (nats per token)",
                     LOSS_BOUNDS)
    levels = np.unique(np.quantile(loss, np.linspace(0.02, 0.98, 14)))
    if levels.size < 2:
        raise ScalecalcError(f"preset {preset.name} predicts the same loss all over this range, so there "
                             "are no contours to draw; check its coefficients or widen the ranges.")
    filled = axes.contourf(grid_n, grid_d, loss, levels=levels, cmap="magma_r", extend="both")
    lines = axes.contour(grid_n, grid_d, loss, levels=levels, colors="0.15", linewidths=0.5, alpha=0.5)
    figure.colorbar(filled, ax=axes, label="predicted loss (nats per token)", format="%.2f")

    c0 = preset.flops_per_param_token
    low, high = c0 * params_range[0] * tokens_range[0], c0 * params_range[1] * tokens_range[1]
    budgets = np.logspace(np.log10(low), np.log10(high), 200)
    path_n, path_d = (_drawable(v, preset, "optimal sizes") for v in solve.allocate(preset, budgets))
    axes.plot(path_n, path_d, color="cyan", linewidth=2.2,
              path_effects=[patheffects.Stroke(linewidth=4.2, foreground="black"), patheffects.Normal()])
    decades = np.arange(np.ceil(np.log10(low)), np.floor(np.log10(high)) + 1)
    decades = decades[:: -(-len(decades) // 6)]  # about six lines of constant C
    iso_tokens = [10.0**power / (c0 * sizes) for power in decades]
    for tokens in iso_tokens:
        axes.plot(sizes, tokens, color="0.1", linewidth=0.9, linestyle=":", path_effects=_outlined(2.0))

    # Placing labels needs the final limits: drawing may have widened them.
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlim(*params_range)
    axes.set_ylim(*tokens_range)
    to_fraction = (axes.transData + axes.transAxes.inverted()).transform
    obstacles = [to_fraction(np.column_stack([path_n, path_d]))]
    margin = (0.045, 0.035)  # half a label, in axes fractions
    for power, tokens in zip(decades, iso_tokens, strict=True):
        points = to_fraction(np.column_stack([sizes, tokens]))
        spot = _clearest(points, obstacles, margin)
        if spot is not None:
            axes.text(sizes[spot], tokens[spot], f"C=1e{power:.0f}", fontsize=7, color="black",
                      ha="center", va="center", path_effects=_outlined())
            obstacles.append(points[spot:spot + 1])
    spots, chosen = [], []
    for level, path in zip(lines.levels, lines.get_paths(), strict=True):
        if len(path.vertices) == 0:
            continue
        points = to_fraction(path.vertices)
        spot = _clearest(points, obstacles, margin)
        if spot is not None:
            spots.append(tuple(path.vertices[spot]))
            chosen.append(level)
            obstacles.append(points[spot:spot + 1])
    if spots:
        texts = axes.clabel(lines, levels=chosen, manual=spots, inline=True, fmt="%.2f", fontsize=7,
                            colors="black")
        for text in texts:
            text.set_alpha(1.0)  # not the lines' 0.5
            text.set_path_effects(_outlined())

    axes.set_xlabel("model size N (parameters)")
    axes.set_ylabel("training tokens D")
    axes.set_title(f"{label(preset)}: predicted loss over (N, D)\n"
                   "cyan: compute-optimal path; dotted: constant compute C (FLOPs)", fontsize=9)
    return figure


def _groups(flops: np.ndarray, per_decade: int = 3) -> np.ndarray:
    """Runs on (about) the same iso-FLOP line: budgets in the same third of a decade.

    A clean sweep puts each budget in a bin of its own; digitized or scattered budgets share the
    nearest bin, and each bin's curve is drawn at the median budget of its runs.
    """
    bins = np.round(np.log10(flops) * per_decade).astype(int)
    return np.unique(bins, return_inverse=True)[1]


@_quiet
def fit_diagnostics(result: Fit, ci: float = 95) -> Any:
    """Observed against predicted loss, the residuals, and the fitted iso-FLOP curves."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    runs, law = check_runs(result.runs), result.law
    predicted = law.loss(runs.params, runs.tokens)
    if not np.all(np.isfinite(predicted) & (predicted > 0)):
        raise ScalecalcError("the law predicts losses that overflow or vanish at these runs, so there is "
                             "nothing to draw; check the law's coefficients.")
    figure = _figure(WIDE)
    scatter, residuals, curves = figure.subplots(1, 3)
    groups = _groups(runs.flops)
    budgets = np.array([np.median(runs.flops[groups == g]) for g in range(groups.max() + 1)])
    shade = Normalize(np.log10(budgets.min()), np.log10(budgets.max()) + 1e-9)
    colors = colormaps["viridis"](shade(np.log10(budgets)))

    scatter.scatter(predicted, runs.loss, s=14, c=colors[groups], edgecolors="none")
    span = [min(predicted.min(), runs.loss.min()), max(predicted.max(), runs.loss.max())]
    scatter.plot(span, span, color="0.3", linewidth=1, linestyle="--", label="observed = predicted")
    for axes in (scatter, curves):
        axes.ticklabel_format(axis="y", useOffset=False)
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
    figure.colorbar(ScalarMappable(norm=shade, cmap=colormaps["viridis"]), ax=[scatter, residuals, curves],
                    label="log10 training compute C (FLOPs)", shrink=0.9)
    curves.set_xscale("log")
    curves.set_xlabel("model size N (parameters)")
    curves.set_ylabel("loss (nats per token)")
    band = f", {ci:g}% bootstrap band" if result.draws is not None else ""
    curves.set_title(f"Iso-FLOP curves of the law{band}", fontsize=10)
    return figure


CURVE_X_BOUNDS = (1e-30, 1e40)  # x of a one-variable curve: any unit, within what a log axis draws


@_quiet
def curve(result: Any) -> Any:
    """A fitted one-variable law (scalecalc.curves.CurveFit) through its points: fitted points as
    filled circles, held-out ones as open squares, the law solid over the fitted range and dashed
    beyond it."""
    points = result.points
    check_within(points.x, CURVE_X_BOUNDS, points.source, f"{points.x_name} values")
    low, high = result.fitted_range
    figure = _figure()
    axes = figure.subplots()
    fitted, held = slice(0, result.fitted), slice(result.fitted, None)
    axes.scatter(points.x[fitted], points.y[fitted], s=22, color="black", zorder=3,
                 label=f"fitted ({result.fitted})")
    if result.fitted < len(points):
        axes.scatter(points.x[held], points.y[held], s=30, marker="s", facecolors="none",
                     edgecolors="tab:green", linewidths=1.5, zorder=3,
                     label=f"held out ({len(points) - result.fitted})")
    inside = np.geomspace(low / 1.2, high, 300)
    beyond = np.geomspace(high, max(points.x.max(), high) * 2, 120)
    predicted = [result.predict(span) for span in (inside, beyond)]
    if not all(np.all(np.isfinite(values)) for values in predicted):
        raise ScalecalcError("the fitted law gives values that overflow here, so there is nothing to draw.")
    axes.plot(inside, predicted[0], color="tab:red", linewidth=2, label=f"{result.name} law")
    axes.plot(beyond, predicted[1], color="tab:red", linewidth=2, linestyle=(0, (6, 2.5)),
              label="extrapolation")
    axes.set_xscale("log")
    axes.set_xlabel(points.x_name)
    axes.set_ylabel(points.y_name)
    from scalecalc.curves import rmsle

    error = rmsle(result.predict(points.x[held]), points.y[held])
    scored = "" if error is None else f"; RMSLE on the held-out points {error:.3g}"
    axes.set_title(f"{result.name} law of {points.y_name} against {points.x_name}{scored}", fontsize=10)
    axes.legend(fontsize=8)
    return figure
