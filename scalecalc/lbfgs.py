"""L-BFGS run on many problems at once: one NumPy pass per step serves every starting point.

A plain loop of scipy.optimize.minimize over thousands of starts pays Python's overhead and a
small-array objective call at every step of every start. Here the state of all starts lives in
arrays, the objective is evaluated for all active starts in one call, and a start leaves the
batch when it converges. The stopping rules follow SciPy's L-BFGS-B defaults (ftol, gtol).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# objective(x of shape (m, k), problem ids of shape (m,)) -> (f of shape (m,), gradient (m, k))
Objective = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

ARMIJO = 1e-4
MAX_HALVINGS = 40


@dataclass(frozen=True)
class BatchResult:
    x: np.ndarray  # (S, k) end points
    fun: np.ndarray  # (S,) objective at the end points
    iterations: np.ndarray  # (S,) iterations each start took
    converged: np.ndarray  # (S,) False where max_iter ran out


def minimize_batch(objective: Objective, x0: np.ndarray, *, memory: int = 10, max_iter: int = 1000,
                   ftol: float = 2.2e-9, gtol: float = 1e-5,
                   progress: Callable[[int], None] | None = None) -> BatchResult:
    """Minimize `objective` from every row of x0; a non-finite f counts as a failed step.

    `progress(k)`, if given, is told each time k more problems finish.
    """
    starts, dim = x0.shape
    ids = np.arange(starts)
    x = np.array(x0, dtype=float)
    f, g = objective(x, ids)
    out_x, out_f = x.copy(), f.copy()
    out_iterations = np.zeros(starts, dtype=int)
    out_converged = np.zeros(starts, dtype=bool)
    steps = np.zeros((starts, memory, dim))
    changes = np.zeros((starts, memory, dim))
    rho = np.zeros((starts, memory))  # 0 marks an empty or skipped memory slot
    scale = np.zeros(starts)  # initial Hessian scale s·y / y·y; 0 until the first good pair

    for iteration in range(max_iter):
        if ids.size == 0:
            break
        direction = _two_loop(g, steps, changes, rho, scale, iteration, memory)
        slope = np.einsum("ij,ij->i", direction, g)
        uphill = slope >= 0  # lost curvature: fall back to steepest descent
        direction[uphill] = -g[uphill]
        slope[uphill] = -np.einsum("ij,ij->i", g[uphill], g[uphill])
        fresh = uphill | (scale == 0)
        step = np.where(fresh, np.minimum(1.0, 1.0 / np.maximum(np.linalg.norm(g, axis=1), 1e-300)), 1.0)

        new_x, new_f, new_g, moved = _backtrack(objective, ids, x, f, g, direction, slope, step)

        s, y = new_x - x, new_g - g
        sy = np.einsum("ij,ij->i", s, y)
        good = moved & (sy > 1e-10 * np.linalg.norm(s, axis=1) * np.linalg.norm(y, axis=1))
        slot = iteration % memory
        steps[:, slot], changes[:, slot] = s, y
        rho[:, slot] = np.where(good, 1.0 / np.where(good, sy, 1.0), 0.0)
        yy = np.einsum("ij,ij->i", y, y)
        scale = np.where(good, sy / np.where(good, yy, 1.0), scale)

        decrease = f - new_f
        x, f, g = new_x, new_f, new_g
        small_change = decrease <= ftol * np.maximum(np.maximum(np.abs(f), np.abs(f + decrease)), 1.0)
        flat = np.abs(g).max(axis=1) <= gtol
        done = ~moved | small_change | flat  # a failed line search means no descent is left
        if done.any():
            finished = ids[done]
            out_x[finished], out_f[finished] = x[done], f[done]
            out_iterations[finished] = iteration + 1
            out_converged[finished] = True
            if progress is not None:
                progress(finished.size)
            keep = ~done
            ids, x, f, g = ids[keep], x[keep], f[keep], g[keep]
            steps, changes, rho, scale = steps[keep], changes[keep], rho[keep], scale[keep]

    out_x[ids], out_f[ids], out_iterations[ids] = x, f, max_iter  # those still running ran out
    if progress is not None and ids.size:
        progress(ids.size)
    return BatchResult(out_x, out_f, out_iterations, out_converged)


def _two_loop(g: np.ndarray, steps: np.ndarray, changes: np.ndarray, rho: np.ndarray,
              scale: np.ndarray, iteration: int, memory: int) -> np.ndarray:
    """-H·g from the stored pairs (Nocedal and Wright, Algorithm 7.4), for every problem at once."""
    q = g.copy()
    newest_first = [(iteration - 1 - back) % memory for back in range(min(iteration, memory))]
    alphas = {}
    for slot in newest_first:
        alphas[slot] = rho[:, slot] * np.einsum("ij,ij->i", steps[:, slot], q)
        q -= alphas[slot][:, None] * changes[:, slot]
    q *= np.where(scale > 0, scale, 1.0)[:, None]
    for slot in reversed(newest_first):
        beta = rho[:, slot] * np.einsum("ij,ij->i", changes[:, slot], q)
        q += (alphas[slot] - beta)[:, None] * steps[:, slot]
    return -q


def _backtrack(objective: Objective, ids: np.ndarray, x: np.ndarray, f: np.ndarray, g: np.ndarray,
               direction: np.ndarray, slope: np.ndarray, step: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Halve each problem's step until it decreases f enough (Armijo); only the pending ones
    are evaluated again."""
    new_x, new_f, new_g = x.copy(), f.copy(), g.copy()
    moved = np.zeros(ids.size, dtype=bool)
    pending = np.arange(ids.size)
    step = step.copy()
    for _ in range(MAX_HALVINGS):
        trial = x[pending] + step[pending, None] * direction[pending]
        trial_f, trial_g = objective(trial, ids[pending])
        accept = trial_f <= f[pending] + ARMIJO * step[pending] * slope[pending]
        taken = pending[accept]
        new_x[taken], new_f[taken], new_g[taken] = trial[accept], trial_f[accept], trial_g[accept]
        moved[taken] = True
        pending = pending[~accept]
        if pending.size == 0:
            break
        step[pending] *= 0.5
    return new_x, new_f, new_g, moved
