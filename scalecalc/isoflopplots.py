"""Figures for `plot fit --method isoflop` and `--method envelope` (matplotlib imported inside).

IsoFLOP: each budget's runs and polynomial with its minimum marked, and N* against C with the
fitted power law (Hoffmann et al. 2022, Fig. 3). Envelope: every training curve against FLOPs with
the lowest-loss envelope, and the envelope's N against C with its power law (Fig. 2).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scalecalc.plots import WIDE, _figure, _quiet


def _law_panel(axes: Any, flops: np.ndarray, fit: Any, ci: float = 95) -> None:
    """The fitted N* = 10^a0 · C^a over `flops`, with the bootstrap band where there are draws."""
    line = np.logspace(np.log10(flops.min()), np.log10(flops.max()), 100)
    axes.plot(line, 10 ** (fit.a_intercept + fit.a * np.log10(line)), color="black", linewidth=1.5,
              label=f"N* ∝ C^{fit.a:.3f}")
    if fit.draws is not None and len(fit.draws) >= 2:
        tail = (100 - ci) / 2
        drawn = 10 ** (fit.draws[:400, 1:2] + fit.draws[:400, 0:1] * np.log10(line))
        low, high = np.percentile(drawn, [tail, 100 - tail], axis=0)
        axes.fill_between(line, low, high, color="0.5", alpha=0.25, linewidth=0, label=f"{ci:g}% band")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("training compute C (FLOPs)")
    axes.set_ylabel("compute-optimal N (parameters)")
    axes.legend(fontsize=8)


@_quiet
def isoflop_fit(fit: Any) -> Any:
    """Loss against N (or D) per budget with its polynomial and minimum; N* against C."""
    from matplotlib import colormaps

    figure = _figure(WIDE)
    profiles, law = figure.subplots(1, 2)
    runs, budgets = fit.runs, fit.budgets
    sizes = runs.params if fit.axis == "params" else runs.tokens
    colors = colormaps["viridis"](np.linspace(0, 0.9, len(budgets.flops)))
    for index, color in enumerate(colors):
        members = budgets.label == index
        log_x = np.log10(sizes[members])
        profiles.scatter(sizes[members], runs.loss[members], s=14, color=color, edgecolors="none")
        # The same least-squares polynomial as scalecalc.isoflop, refitted here only to draw it.
        curve = np.polynomial.Polynomial.fit(log_x, runs.loss[members], fit.degree)
        grid = np.linspace(log_x.min() - 0.1, log_x.max() + 0.1, 100)
        profiles.plot(10**grid, curve(grid), color=color, linewidth=1.2, label=f"{budgets.flops[index]:.2g}")
        if fit.minima.has_minimum[index]:
            profiles.scatter([10 ** fit.minima.log_x_min[index]], [fit.minima.y_min[index]], marker="*",
                             s=90, color=color, edgecolors="black", linewidths=0.6, zorder=3)
    profiles.set_xscale("log")
    profiles.set_xlabel("model size N (parameters)" if fit.axis == "params" else "training tokens D")
    profiles.set_ylabel("loss (nats per token)")
    profiles.set_title(f"IsoFLOP profiles (degree {fit.degree}), minima starred", fontsize=10)
    profiles.legend(fontsize=7, title="C (FLOPs)", title_fontsize=7)
    found = fit.minima.has_minimum
    law.scatter(budgets.flops[found], 10 ** fit.log_params_opt[found], color=colors[found], zorder=3)
    _law_panel(law, budgets.flops, fit)
    law.set_title("Minima and the fitted power law", fontsize=10)
    return figure


@_quiet
def envelope_fit(fit: Any) -> Any:
    """Every curve's loss against C = c0·N·D with the envelope; the envelope's N against C."""
    from matplotlib import colormaps

    figure = _figure(WIDE)
    curves_axes, law = figure.subplots(1, 2)
    curves = fit.curves
    sizes = np.log10(curves.params)
    shade = colormaps["viridis"]((sizes - sizes.min()) / max(np.ptp(sizes), 1e-9) * 0.9)
    for index, color in enumerate(shade):
        flops = fit.c0 * curves.params[index] * curves.tokens[index]
        curves_axes.plot(flops, curves.loss[index], color=color, linewidth=0.8)
    grid = 10**fit.grid
    best = np.array([np.interp(np.log10(c), np.log10(fit.c0 * curves.params[w] * curves.tokens[w]),
                               curves.loss[w]) for c, w in zip(grid, fit.winner, strict=True)])
    reached = np.ones(grid.size, bool) if fit.reached is None else fit.reached  # NaN: a gap in the line
    curves_axes.plot(grid, np.where(reached, best, np.nan), color="black", linewidth=2,
                     label="lowest loss (envelope)")
    curves_axes.set_xscale("log")
    curves_axes.set_xlabel("training compute C (FLOPs)")
    curves_axes.set_ylabel("loss (nats per token)")
    curves_axes.set_title(f"{len(curves)} training curves and their envelope", fontsize=10)
    curves_axes.legend(fontsize=8)
    law.step(grid, np.where(reached, curves.params[fit.winner], np.nan), where="mid", color="0.4",
             linewidth=1, label="envelope's N")
    _law_panel(law, grid, fit)
    law.set_title("Envelope's N and the fitted power law", fontsize=10)
    return figure
