"""Fit the Chinchilla law to training runs, as Hoffmann et al. (App. D.2) and Besiroglu et al.
(2024) do, and bootstrap it (docs/references.md).

Parameters are x = (a, b, e, α, β) with A = e^a, B = e^b, E = e^e, and
log L̂ = LSE(a − α·log N, b − β·log D, e). The objective is the SUM over runs of
Huber_δ(log L̂ − log L). L-BFGS runs from every point of a grid of starts at once (lbfgs.py):
first in float32, which is plenty to find the basins and twice as fast, then the best distinct
end points are polished in float64 to full precision.

Many runs (more than SCREEN_RUNS): every start costs in proportion to the runs, so the starts are
screened on a fixed random sample of the runs, and only the best distinct end points go on, polished
on ever larger nested samples (each up to STAGE_GROWTH times the last) and finally on all the runs.
The basins are shaped by the law rather than by any one run, so a sample of a thousand runs ranks
them much as all the runs would, and as the best 32 go on, the larger samples settle the choice.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.laws import ChinchillaLaw
from scalecalc.lbfgs import minimize_batch
from scalecalc.runs import Runs

PARAMETERS = ("a", "b", "e", "alpha", "beta")  # the optimizer's coordinates
# The grid of Hoffmann et al. App. D.2 as Besiroglu et al. run it: 6·6·5·5·5 = 4,500 starts.
PAPER_GRID = {"a": (0, 5, 10, 15, 20, 25), "b": (0, 5, 10, 15, 20, 25), "e": (-1, -0.5, 0, 0.5, 1),
              "alpha": (0, 0.5, 1, 1.5, 2), "beta": (0, 0.5, 1, 1.5, 2)}
# Every other value of the paper grid on each axis: 3·3·3·3·3 = 243 starts (benchmarks/fit.py
# shows it reaches the paper grid's optimum on the reference data and on synthetic data).
FAST_GRID = {"a": (0, 10, 20), "b": (0, 10, 20), "e": (-1, 0, 1), "alpha": (0, 1, 2), "beta": (0, 1, 2)}
GRIDS = {"paper": PAPER_GRID, "fast": FAST_GRID}
MIN_RUNS = 6  # five coefficients: at least one run more than unknowns
POLISH = 32  # best end points of the float32 search that are polished in float64
SCREEN_RUNS = 1_000  # more runs than this: screen the starts on a sample of this many
STAGE_GROWTH = 16  # each polishing stage fits at most this many times the runs of the one before
FINALISTS = 4  # distinct optima carried from one polishing stage to the next
POLISH_COST = 4  # a polished end point costs about 4 screened starts per run (float64, tighter tolerance)
SAMPLE_SEED = 0  # the samples are fixed, so the same runs always give the same fit
FINAL_TOLERANCE = {"ftol": 1e-15, "gtol": 1e-12, "max_iter": 2000}
STAGE_TOLERANCE = {"ftol": 1e-12, "gtol": 1e-9, "max_iter": 2000}  # a sample's optimum is only a start
SAME_OPTIMUM = 1e-4  # relative objective gap within which a start counts as reaching the best
CHUNK = 256  # starts evaluated together: keeps the working arrays inside the CPU cache
CHUNK_CELLS = 2**20  # ...and with many runs, fewer starts at once: about 8 MB per working array
BOOTSTRAP_CELLS = 2**22  # resamples x runs drawn at once: about 32 MB for the draws, as much for weights
MAX_RESAMPLES = 100_000  # Besiroglu et al. use 4,000; the draws are saved and reused by --ci
DELTA_RANGE = (1e-6, 10.0)  # Huber delta on ln L: beyond 10 it is least squares, below 1e-6 float32 fails
SEED_LIMIT = 2**64  # seeds are 0 to 2^64 - 1


@dataclass(frozen=True)
class HuberLogLoss:
    """Σ w·Huber_δ(LSE(a − α·ln N, b − β·ln D, e) − ln L) and its analytic gradient, evaluated
    in blocks of at most `cells` starts x runs (more runs than that: the runs are split too).

    `weights`, one row per resample, turns the sum into a bootstrap resample's sum; `rows` says
    which weight row each problem uses.
    """

    log_params: np.ndarray
    log_tokens: np.ndarray
    log_loss: np.ndarray
    delta: float
    dtype: type = np.float64
    weights: np.ndarray | None = None
    rows: np.ndarray | None = None
    cells: int = CHUNK_CELLS  # starts x runs evaluated together; bounds the working memory

    def __call__(self, x: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        f = np.zeros(len(x))
        g = np.zeros_like(x)
        cast = [np.asarray(v, dtype=self.dtype) for v in (self.log_params, self.log_tokens, self.log_loss)]
        runs = cast[0].size
        chunk = max(1, min(CHUNK, self.cells // max(1, runs)))
        block = max(1, min(runs, self.cells))  # more runs than `cells`: split the runs as well
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            for lo in range(0, len(x), chunk):
                part = np.asarray(x[lo:lo + chunk], dtype=self.dtype)
                rows = None if self.weights is None else self.rows[ids[lo:lo + chunk]]
                for first in range(0, runs, block):
                    window = slice(first, first + block)
                    weights = None if rows is None else self.weights[rows, window]
                    value, gradient = self._terms(part, *(v[window] for v in cast), weights)
                    f[lo:lo + chunk] += value
                    g[lo:lo + chunk] += gradient
        bad = ~np.isfinite(f) | ~np.isfinite(g).all(axis=1)
        f[bad] = np.inf
        return f, g

    def _terms(self, part: np.ndarray, log_n: np.ndarray, log_d: np.ndarray, log_l: np.ndarray,
               weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Objective and gradient of the starts `part` over one block of runs."""
        delta = self.dtype(self.delta)
        g = np.empty((len(part), 5))
        # The three terms need no max-shift: the optimizer's coordinates keep them far from
        # overflow, and a step that overflows anyway gives inf, which the line search rejects.
        params_term = np.exp(part[:, 0:1] - part[:, 3:4] * log_n)
        data_term = np.exp(part[:, 1:2] - part[:, 4:5] * log_d)
        floor = np.exp(part[:, 2:3])
        total = params_term + data_term
        total += floor
        residual = np.log(total)
        residual -= log_l
        slope = np.clip(residual, -delta, delta)  # Huber'(r)
        if weights is not None:
            slope *= weights.astype(self.dtype)
        residual -= self.dtype(0.5) * np.clip(residual, -delta, delta)
        f = np.einsum("ij,ij->i", slope, residual, dtype=np.float64)
        slope /= total
        params_term *= slope
        data_term *= slope
        g[:, 0] = params_term.sum(axis=1, dtype=np.float64)
        g[:, 3] = -(params_term @ log_n)
        g[:, 1] = data_term.sum(axis=1, dtype=np.float64)
        g[:, 4] = -(data_term @ log_d)
        g[:, 2] = slope.sum(axis=1, dtype=np.float64) * floor[:, 0]
        return f, g


@dataclass(frozen=True)
class Fit:
    """A fitted law: scikit-learn style, the attributes are the result."""

    law: ChinchillaLaw
    x: np.ndarray  # (a, b, e, alpha, beta)
    objective: float
    rmse_log_loss: float
    starts: int
    starts_at_best: int
    converged: bool
    runs: Runs
    delta: float
    grid: str
    warnings: list[str] = field(default_factory=list)
    draws: np.ndarray | None = None  # bootstrap refits, rows of (E, A, B, alpha, beta)


def grid_points(name: str) -> np.ndarray:
    if name not in GRIDS:
        raise ScalecalcError(f"--grid: {name!r} is not a grid; choose {' or '.join(GRIDS)}.")
    axes = GRIDS[name]
    return np.array(list(itertools.product(*(axes[key] for key in PARAMETERS))), dtype=float)


def law_from(x: np.ndarray) -> ChinchillaLaw:
    a, b, e, alpha, beta = (float(v) for v in x)
    return ChinchillaLaw(E=float(np.exp(e)), A=float(np.exp(a)), B=float(np.exp(b)), alpha=alpha, beta=beta)


def _objective(runs: Runs, delta: float, dtype: type = np.float64, **weights) -> HuberLogLoss:
    return HuberLogLoss(np.log(runs.params), np.log(runs.tokens), np.log(runs.loss), delta, dtype, **weights)


def check_runs(runs: Runs) -> list[str]:
    """Refuse too few runs or a single size; warn when the data cannot pin an exponent down."""
    if len(runs) < MIN_RUNS:
        left_out = sum(runs.excluded.values())
        after = f" after leaving out {left_out}" if left_out else ""
        runs_left = f"{len(runs)} run" + ("" if len(runs) == 1 else "s")
        raise ScalecalcError(f"{runs.source}: {runs_left} left to fit{after}; the law has 5 "
                             f"coefficients, so it needs at least {MIN_RUNS} runs (more, spread over sizes "
                             "and tokens).")
    warnings = []
    for name, values in (("N", runs.params), ("D", runs.tokens)):
        if values.min() == values.max():
            raise ScalecalcError(f"{runs.source}: every run has the same {name} ({values[0]:g}), so its "
                                 "exponent cannot be fitted; give runs of at least two different sizes "
                                 "and token counts.")
        span = np.log10(values.max() / values.min())
        if span < 1:
            warnings.append(f"{name} spans only {span:.2f} decades in {runs.source}; its exponent is "
                            "poorly determined by these runs.")
    return warnings


def fit_runs(runs: Runs, *, delta: float = 1e-3, grid: str = "fast", screen: int = SCREEN_RUNS,
             progress: Callable[[int], None] | None = None) -> Fit:
    """Best fit from every start of the grid.

    With more than `screen` runs the starts are screened on a sample (see the module notes).
    `progress(k)` is told of work done, in units of starts x runs, which add up to work(...).
    """
    low, high = DELTA_RANGE
    if not low <= delta <= high:
        raise ScalecalcError(f"--delta: {delta:g} is outside {low:g} to {high:g}, the range the fit "
                             "supports; Hoffmann et al. use 1e-3.")
    warnings = check_runs(runs)
    starts = grid_points(grid)
    samples = [_sample(runs, size) for size in stage_sizes(len(runs), screen)]
    done = [0]

    def advance(units: int) -> None:
        done[0] += units
        if progress is not None:
            progress(units)

    def per_run(sample: Runs, cost: int) -> Callable[[int], None]:
        return lambda count: advance(count * len(sample) * cost)

    screened = samples[0]
    search = minimize_batch(_objective(screened, delta, np.float32), starts, ftol=1e-8, gtol=1e-7,
                            progress=per_run(screened, 1))
    x, fun, keep = search.x, search.fun, POLISH
    for sample in samples[1:] or samples:
        last = len(sample) == len(runs)
        polished = minimize_batch(_objective(sample, delta), x[_distinct_best(x, fun, keep)],
                                  progress=per_run(sample, POLISH_COST),
                                  **(FINAL_TOLERANCE if last else STAGE_TOLERANCE))
        x, fun, keep = polished.x, polished.fun, FINALISTS
    advance(work(len(runs), grid, screen) - done[0])  # fewer distinct end points than planned
    best = int(np.argmin(fun))
    x, objective = x[best], float(fun[best])
    # How many starts ended in the best basin: their float32 end points, judged in float64 on the
    # screening sample (all the runs when there are few), against the fit judged the same way.
    judge = _objective(screened, delta)
    ends = judge(search.x, np.arange(len(starts)))[0]
    reference = objective if screened is runs else float(judge(x[None, :], np.zeros(1, dtype=int))[0][0])
    at_best = int(np.count_nonzero(ends <= reference * (1 + SAME_OPTIMUM)))
    law = law_from(x)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # a degenerate fit may overflow
        residual = np.log(law.loss(runs.params, runs.tokens)) - np.log(runs.loss)
    converged = bool(polished.converged[best])
    warnings += _edge_warnings(x, grid, converged)
    return Fit(law, x, objective, float(np.sqrt(np.mean(residual**2))), len(starts), max(at_best, 1),
               converged, runs, delta, grid, warnings)


def stage_sizes(count: int, screen: int = SCREEN_RUNS) -> list[int]:
    """Runs in each stage's sample: [count] when there are few, else screen, ..., count, growing
    geometrically by at most STAGE_GROWTH a stage."""
    if count <= screen:
        return [count]
    stages = math.ceil(math.log(count / screen) / math.log(STAGE_GROWTH))
    return [round(screen * (count / screen) ** (stage / stages)) for stage in range(stages)] + [count]


def work(count: int, grid: str, screen: int = SCREEN_RUNS) -> int:
    """Units of work fit_runs reports to `progress` in all: each start or end point that finishes
    counts the runs it was fitted to (POLISH_COST times over when polished)."""
    sizes = stage_sizes(count, screen)
    polished = sizes[1:] or sizes
    polishing = POLISH * polished[0] + FINALISTS * sum(polished[1:])
    return len(grid_points(grid)) * sizes[0] + POLISH_COST * polishing


def _sample(runs: Runs, size: int) -> Runs:
    """`size` of the runs, the first of one fixed random order, so every stage's sample holds the
    one before; kept in file order."""
    if size >= len(runs):
        return runs
    order = np.random.default_rng(SAMPLE_SEED).permutation(len(runs))
    keep = np.sort(order[:size])
    return Runs(runs.params[keep], runs.tokens[keep], runs.loss[keep], runs.source, runs.excluded)


def score(runs: Runs, law: ChinchillaLaw, *, delta: float = 1e-3, draws: np.ndarray | None = None,
          source: str = "preset") -> Fit:
    """A given law held against runs, without fitting: the objective and residuals it has there."""
    x = np.array([np.log(law.A), np.log(law.B), np.log(law.E), law.alpha, law.beta])
    objective = float(_objective(runs, delta)(x[None, :], np.zeros(1, dtype=int))[0][0])
    residual = np.log(law.loss(runs.params, runs.tokens)) - np.log(runs.loss)
    return Fit(law, x, objective, float(np.sqrt(np.mean(residual**2))), 0, 0, True, runs, delta, source,
               draws=draws)


def _distinct_best(x: np.ndarray, fun: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` lowest objectives, skipping end points that coincide."""
    order = np.argsort(fun)
    chosen: list[int] = []
    for index in order:
        if not np.isfinite(fun[index]):
            break
        if all(np.max(np.abs(x[index] - x[other])) > 1e-4 for other in chosen):
            chosen.append(int(index))
        if len(chosen) == count:
            break
    return np.array(chosen or [int(order[0])])


def _edge_warnings(x: np.ndarray, grid: str, converged: bool) -> list[str]:
    warnings = []
    if not converged:
        warnings.append("the optimizer ran out of iterations before converging; the fit may not be "
                        "the optimum.")
    axes = GRIDS[grid]
    for value, key in zip(x, PARAMETERS, strict=True):
        low, high = min(axes[key]), max(axes[key])
        if value <= low or value >= high:
            warnings.append(f"the best fit has {key} = {value:.4g}, at or beyond the edge of the start "
                            f"grid ({low:g} to {high:g}); a wider grid may find a better optimum.")
    if x[3] <= 0 or x[4] <= 0:
        warnings.append("the fit is degenerate: a fitted exponent is not positive, so the law does not "
                        "fall with scale and the compute-optimal allocation is left blank (null); check "
                        "that the loss column falls as N and D grow.")
    return warnings


def check_bootstrap(resamples: int, seed: int | None) -> None:
    """Bounds of the bootstrap, checked before the slow fit as well as in bootstrap()."""
    if not 2 <= resamples <= MAX_RESAMPLES:
        raise ScalecalcError(f"--bootstrap: give from 2 to {MAX_RESAMPLES:,} resamples (1000 is usual), "
                             f"not {resamples:,}.")
    if seed is not None and not 0 <= seed < SEED_LIMIT:
        raise ScalecalcError(f"--seed: give a whole number from 0 to 2^64 - 1, not {seed}.")


def bootstrap(fit: Fit, resamples: int, *, seed: int | None = None,
              progress: Callable[[int], None] | None = None, batch: int = 250) -> np.ndarray:
    """Refit `resamples` resamples of the runs (drawn with replacement); rows of (E, A, B, α, β).

    A resample is a weighting of the original runs by how often each was drawn, so a whole batch
    of resamples is one weighted problem for the batched optimizer. Each starts from the full fit.
    """
    check_bootstrap(resamples, seed)
    rng = np.random.default_rng(seed)
    n = len(fit.runs)
    # With many runs, fewer resamples at once: the draws and weights are (batch, runs) arrays. The
    # generator gives the same numbers however the draws are split, so the batch does not change them.
    batch = max(1, min(batch, BOOTSTRAP_CELLS // n))
    draws = np.empty((resamples, 5))
    for lo in range(0, resamples, batch):
        count = min(batch, resamples - lo)
        picks = rng.integers(0, n, size=(count, n))
        picks += np.arange(count)[:, None] * n  # each resample's draws counted in its own row
        weights = np.bincount(picks.ravel(), minlength=count * n).reshape(count, n).astype(float)
        del picks
        objective = _objective(fit.runs, fit.delta, weights=weights, rows=np.arange(count))
        result = minimize_batch(objective, np.tile(fit.x, (count, 1)), ftol=1e-13, gtol=1e-10, max_iter=2000)
        a, b, e, alpha, beta = result.x.T
        draws[lo:lo + count] = np.column_stack([np.exp(e), np.exp(a), np.exp(b), alpha, beta])
        if progress is not None:
            progress(count)
    return draws
