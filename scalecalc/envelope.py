"""`scalecalc fit --method envelope`: Approach 1 of Hoffmann et al. 2022 (§3.1, App. D.1).

Training curves (run, params, tokens seen, loss) in long format. Each curve's loss, optionally
smoothed by a moving average, is interpolated (ln L linear in log10 C, C = c0·N·D) onto a grid of
log-spaced FLOP values (1,500 by default, as in the paper) where at least two curves reach; at each
C the run with the lowest loss gives N_opt(C), and D_opt = C/(c0·N_opt). Lines of log10 N_opt and
log10 D_opt on log10 C give the exponents, over the grid points won by neither the smallest nor the
largest size: there the true optimum may lie beyond the sizes run, and on the Chinchilla
surface keeping them pulls a from 0.45 to 0.37 (experiments.md §7.5 check, tests/test_envelope.py).
The bootstrap resamples whole curves (a curve's points are not independent), all resamples at once.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from scalecalc import isoflop
from scalecalc.errors import ScalecalcError
from scalecalc.runs import KNOWN_HEADERS, LARGEST_SIZE, MAX_FILE_BYTES, _first_few, _numbered_rows
from scalecalc.tomlfile import describe

RUN_HEADERS = ("run", "run_id", "run_name", "name", "id")
MAX_POINTS = 1_000_000  # rows of a curves file
MAX_CURVES = 10_000
MIN_CURVES = 2
CHUNK_CELLS = 2**22  # resamples × curves × grid cells evaluated together (about 32 MB a array)
MAX_TABLE = 20_000_000  # curves × grid points: the loss table and its copies stay within a few hundred MB
MAX_RESAMPLED = 10**10  # resamples × curves × grid points: a bootstrap of about half a minute here


@dataclass(frozen=True)
class Curves:
    """Training curves: one entry per run, points sorted by tokens."""

    names: list[str]
    params: np.ndarray  # (runs,)
    tokens: list[np.ndarray]
    loss: list[np.ndarray]
    source: str

    def __len__(self) -> int:
        return len(self.names)


def read_curves(text: str, source: str) -> Curves:
    """Parse a long-format curves CSV; every bad row is an error naming its line."""
    if len(text) > MAX_FILE_BYTES:
        raise ScalecalcError(f"{source}: the file is larger than {MAX_FILE_BYTES // 2**20} MiB, the limit "
                             "for a curves file; thin the curves to fewer points.")
    lines = _numbered_rows(csv.reader(io.StringIO(text)), source)
    header = next(lines, (1, None))[1]
    if not header or not any(cell.strip() for cell in header):
        raise ScalecalcError(f"{source}: the file is empty; it needs a header (run, params, tokens, loss) "
                             "and one row per point of a training curve.")
    lowered = [cell.strip().lower() for cell in header]
    names = {"run": RUN_HEADERS, "params": KNOWN_HEADERS["params"], "tokens": KNOWN_HEADERS["tokens"],
             "loss": KNOWN_HEADERS["loss"]}
    where: dict[str, int] = {}
    for role, known in names.items():
        found = [index for index, cell in enumerate(lowered) if cell in known]
        if len(found) != 1:
            problem = "no column" if not found else "more than one column"
            raise ScalecalcError(f"{source}: {problem} for {role} in the header ({', '.join(header)}); "
                                 "a curves file has the columns run, params, tokens and loss.")
        where[role] = found[0]
    points: dict[str, list[tuple[float, float, float]]] = {}
    bad: list[str] = []
    count = 0
    for number, row in lines:
        if not row or not any(cell.strip() for cell in row):
            continue
        parsed, problem = _parse_point(row, where)
        if problem:
            bad.append(f"line {number}: {problem}")
            continue
        count += 1
        if count > MAX_POINTS:
            raise ScalecalcError(f"{source}: more than {MAX_POINTS:,} points, the limit for a curves file; "
                                 "thin the curves.")
        run, values = parsed
        if run not in points and len(points) == MAX_CURVES:
            raise ScalecalcError(f"{source}: more than {MAX_CURVES:,} runs, the limit; fit fewer curves.")
        points.setdefault(run, []).append(values)
    if bad:
        raise ScalecalcError(f"{source}: {len(bad)} bad row(s): {_first_few(bad, '; ')}; fix these rows "
                             "(params and tokens from 1 to 1e30, loss a positive number).")
    if len(points) < MIN_CURVES:
        raise ScalecalcError(f"{source}: {len(points)} training curve(s); the envelope needs at least "
                             f"{MIN_CURVES} runs of different sizes.")
    runs, params, tokens, losses = [], [], [], []
    for run, rows in points.items():
        array = np.array(rows)
        if np.ptp(array[:, 0]) > 1e-9 * array[0, 0]:
            raise ScalecalcError(f"{source}: run {describe(run)} has more than one params value; give each "
                                 "run (one model size) its own name.")
        order = np.argsort(array[:, 1], kind="stable")
        _check_repeats(array[order], run, source)
        runs.append(run)
        params.append(array[0, 0])
        tokens.append(array[order, 1])
        losses.append(array[order, 2])
    if np.ptp(np.concatenate(losses)) == 0:
        raise ScalecalcError(f"{source}: every loss is {losses[0][0]:g}, so no run is better than another; "
                             "give the losses the runs reached.")
    return Curves(runs, np.array(params), tokens, losses, source)


def _check_repeats(rows: np.ndarray, run: str, source: str) -> None:
    """A run logged twice at the same tokens with different losses has no one curve to follow (the same
    point repeated is harmless)."""
    same = np.flatnonzero((np.diff(rows[:, 1]) == 0) & (np.diff(rows[:, 2]) != 0))
    if same.size:
        tokens, one, other = rows[same[0], 1], rows[same[0], 2], rows[same[0] + 1, 2]
        raise ScalecalcError(f"{source}: run {describe(run)} has two losses ({one:g} and {other:g}) at "
                             f"{tokens:g} tokens; keep one row per point of a curve, or give the runs "
                             "different names.")


def _parse_point(row: list[str], where: dict[str, int]) -> tuple[tuple[str, tuple[float, float, float]],
                                                                  str | None]:
    cells = {role: (row[index].strip() if index < len(row) else "") for role, index in where.items()}
    if not cells["run"]:
        return ("", (0, 0, 0)), "run is missing"
    values = []
    for role in ("params", "tokens", "loss"):
        cell = cells[role]
        try:
            value = float(cell)
        except ValueError:
            return ("", (0, 0, 0)), f"{role} {describe(cell)} is not a number"
        if not math.isfinite(value) or value <= 0:
            return ("", (0, 0, 0)), f"{role} {describe(cell)} is not a positive finite number"
        if role != "loss" and not 1 <= value <= LARGEST_SIZE:
            return ("", (0, 0, 0)), f"{role} {value:g} is outside 1 to 1e30"
        values.append(value)
    return (cells["run"], (values[0], values[1], values[2])), None


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average over `window` points, shrinking at the ends (window 1: unchanged)."""
    if window <= 1 or len(values) < 2:
        return values
    half = window // 2
    padded = np.concatenate([[0.0], np.cumsum(values)])
    index = np.arange(len(values))
    low = np.maximum(index - half, 0)
    high = np.minimum(index + window - half, len(values))
    return (padded[high] - padded[low]) / (high - low)


@dataclass(frozen=True)
class EnvelopeFit:
    """Approach 1: the envelope on the grid and its power laws (log10 throughout)."""

    runs: object  # a Runs-like view (params, tokens, source) of the curves' points, for --save
    curves: Curves
    grid: np.ndarray  # log10 C
    winner: np.ndarray  # index of the lowest-loss curve at each grid point
    a: float
    a_intercept: float
    b: float
    b_intercept: float
    c0: float
    edge_share: tuple[float, float]  # share of the grid won by the smallest / the largest size
    draws: np.ndarray | None = None
    failed_draws: int = 0
    reached: np.ndarray | None = None  # bool per grid point: some curve reaches it (else no winner)

    @property
    def winners(self) -> np.ndarray:
        """The winning curve at each grid point some curve reaches."""
        return self.winner if self.reached is None else self.winner[self.reached]


@dataclass(frozen=True)
class _Points:
    """All curve points, for the preset's fitted range."""

    params: np.ndarray
    tokens: np.ndarray
    source: str

    def __len__(self) -> int:
        return int(self.params.size)


def interpolated(curves: Curves, window: int, grid_points: int, c0: float) -> tuple[np.ndarray, np.ndarray]:
    """(log10 C grid, ln L of each curve on it: NaN outside the curve's own range of C)."""
    log_c = [np.log10(c0 * n * d) for n, d in zip(curves.params, curves.tokens, strict=True)]
    log_l = [np.log(smooth(loss, window)) for loss in curves.loss]
    starts = np.sort([c[0] for c in log_c])
    ends = np.sort([c[-1] for c in log_c])
    low, high = starts[1], ends[-2]  # where at least two curves reach, so there is a choice to make
    if not high > low:
        raise ScalecalcError(f"{curves.source}: no two curves overlap in FLOPs; the envelope needs runs "
                             "whose ranges of C = c0·N·D overlap.")
    if len(curves) * grid_points > MAX_TABLE:
        raise ScalecalcError(f"{len(curves):,} curves × {grid_points:,} grid points is more than the "
                             f"{MAX_TABLE:,} interpolated losses allowed; lower --grid-points or fit fewer "
                             "curves.")
    grid = np.linspace(low, high, grid_points)
    table = np.full((len(curves), grid_points), np.nan)
    for index, (c, loss) in enumerate(zip(log_c, log_l, strict=True)):
        inside = (grid >= c[0]) & (grid <= c[-1])
        table[index, inside] = np.interp(grid[inside], c, loss)
    return grid, table


def _laws(grid: np.ndarray, log_n: np.ndarray, c0: float) -> np.ndarray:
    """(a, a0, b, b0) along the last axis for winners' log10 N on the grid (batched)."""
    log_d = grid - np.log10(c0) - log_n
    a, a0 = isoflop.fit_power_law(grid, log_n)
    b, b0 = isoflop.fit_power_law(grid, log_d)
    return np.stack([a, a0, b, b0], axis=-1)


def fit_envelope(curves: Curves, *, window: int = 1, grid_points: int = 1500, c0: float = 6.0) -> EnvelopeFit:
    grid, table = interpolated(curves, window, grid_points, c0)
    filled = np.where(np.isnan(table), np.inf, table)
    winner = np.argmin(filled, axis=0)
    # Between two groups of curves whose FLOP ranges do not meet, no curve reaches a grid point, and
    # argmin would name the first curve there: such points have no winner and stay out.
    reached = np.isfinite(filled).any(axis=0)
    sizes = np.log10(curves.params)
    log_n = np.where(reached, sizes[winner], np.nan)
    edge = (float(np.mean(log_n[reached] == sizes.min())), float(np.mean(log_n[reached] == sizes.max())))
    inner = (log_n > sizes.min()) & (log_n < sizes.max())
    if len(np.unique(log_n[inner])) < 2:
        raise ScalecalcError(f"{curves.source}: fewer than two sizes between the smallest and the largest "
                             "ever give the lowest loss, so the envelope has no slope to fit; add sizes "
                             "between them, or runs long enough to cross.")
    a, a0, b, b0 = (float(v) for v in _laws(grid, np.where(inner, log_n, np.nan), c0))
    points = _Points(np.repeat(curves.params, [len(t) for t in curves.tokens]),
                     np.concatenate(curves.tokens), curves.source)
    return EnvelopeFit(points, curves, grid, winner, a, a0, b, b0, c0, edge, reached=reached)


def bootstrap(fit: EnvelopeFit, resamples: int, seed: int | None, window: int) -> EnvelopeFit:
    """Resample whole curves with replacement; the envelope and lines of every resample at once."""
    from dataclasses import replace

    if resamples * len(fit.curves) * len(fit.grid) > MAX_RESAMPLED:
        raise ScalecalcError(f"--bootstrap {resamples:,} × {len(fit.curves):,} curves × {len(fit.grid):,} "
                             f"grid points is more than {MAX_RESAMPLED:.0e} cells to search; lower "
                             "--bootstrap or --grid-points.")
    rng = np.random.default_rng(seed)
    _, table = interpolated(fit.curves, window, len(fit.grid), fit.c0)
    filled = np.where(np.isnan(table), np.inf, table)
    sizes = np.log10(fit.curves.params)
    count = len(fit.curves)
    chunk = max(1, CHUNK_CELLS // filled.size)
    rows = []
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        chosen = rng.multinomial(count, np.full(count, 1 / count), size=size) > 0  # (K, runs)
        masked = np.where(chosen[:, :, None], filled[None], np.inf)
        best = np.argmin(masked, axis=1)  # (K, grid)
        reached = np.isfinite(np.take_along_axis(masked, best[:, None, :], axis=1)[:, 0])
        log_n = np.where(reached, sizes[best], np.nan)
        present = np.where(chosen, sizes[None, :], np.nan)
        low = np.nanmin(present, axis=1, keepdims=True)
        high = np.nanmax(present, axis=1, keepdims=True)
        log_n = np.where((log_n > low) & (log_n < high), log_n, np.nan)  # the same rule as the fit
        rows.append(_laws(fit.grid, log_n, fit.c0))
    draws = np.concatenate(rows)
    usable = np.all(np.isfinite(draws), axis=1)
    return replace(fit, draws=draws[usable], failed_draws=int(np.count_nonzero(~usable)))


def warnings(fit: EnvelopeFit) -> list[str]:
    found = []
    low, high = fit.edge_share
    if low > 0:
        found.append(f"the smallest size has the lowest loss on {_percent(low)} of the FLOP grid, where the "
                     "optimum may be smaller still; those points are left out of the fit (add a smaller "
                     "run).")
    if high > 0:
        found.append(f"the largest size has the lowest loss on {_percent(high)} of the FLOP grid, where the "
                     "optimum may be larger still; those points are left out of the fit (add a larger run).")
    if len(np.unique(fit.winners)) < 3:
        found.append(f"only {len(np.unique(fit.winners))} sizes ever give the lowest loss, so the exponent "
                     "rests on a step or two; add sizes between them.")
    if fit.failed_draws:
        found.append(f"{fit.failed_draws} bootstrap resample(s) had a single size on the whole grid and are "
                     "left out of the intervals.")
    return found


def _percent(share: float) -> str:
    """A share above zero as a percentage that never reads 0% (or 100% when below one)."""
    if share < 0.005:
        return "under 1%"
    return "over 99%" if 0.995 <= share < 1 else f"{share:.0%}"
