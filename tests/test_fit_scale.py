"""The Approach-3 fit on many runs (issue 12): starts screened on a sample, polished on all runs.

The screened path must reach the optimum the exhaustive path (every start on every run) reaches,
the objective's chunking must not change its values, and progress must add up.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from scalecalc import fit, runs
from scalecalc.presets import load

REFERENCE = Path(__file__).resolve().parent.parent / "examples" / "chinchilla_runs.csv"


def _generated(count: int, seed: int) -> runs.Runs:
    """Runs from the besiroglu surface: N over 5e7 to 2e10, D/N over 2 to 400, 0.75% noise on
    ln L and one run in 200 with a 5% loss spike."""
    law = load("besiroglu").law
    rng = np.random.default_rng(seed)
    params = np.exp(rng.uniform(np.log(5e7), np.log(2e10), count))
    tokens = params * np.exp(rng.uniform(np.log(2), np.log(400), count))
    noise = rng.normal(0, 0.0075, count) + np.where(rng.random(count) < 0.005, 0.05, 0.0)
    return runs.Runs(params, tokens, law.loss(params, tokens) * np.exp(noise), f"generated {count}")




@pytest.fixture(scope="module")
def reference() -> runs.Runs:
    return runs.exclude(runs.read_runs(REFERENCE.read_text(), str(REFERENCE)), drop_highest_loss=5)


@pytest.fixture(scope="module")
def paper_fit(reference: runs.Runs) -> fit.Fit:
    return fit.fit_runs(reference, grid="paper")


def test_screened_fit_reaches_the_exhaustive_optimum() -> None:
    """9,000 runs screened on 500 (a smaller share than the default 1,000 of 200,000 or more), so
    the exhaustive fit stays cheap enough for the suite; benchmarks/fit_scale.py checks 200,000."""
    many = _generated(9_000, seed=3)
    assert fit.stage_sizes(len(many), 500) == [500, 2121, 9000]  # screen, a middle stage, all runs
    screened = fit.fit_runs(many, grid="fast", screen=500)
    exhaustive = fit.fit_runs(many, grid="fast", screen=len(many))
    assert screened.objective <= exhaustive.objective * (1 + 1e-9)  # the goal: no worse than 1e-9
    assert screened.objective == pytest.approx(exhaustive.objective, rel=1e-8)
    assert screened.x == pytest.approx(exhaustive.x, rel=1e-6)
    assert screened.converged and screened.warnings == []
    assert 1 <= screened.starts_at_best <= screened.starts == 243


@pytest.mark.parametrize("screen", [30, 60, 120])
def test_screened_path_chooses_the_same_basin_on_the_reference_runs(reference: runs.Runs, paper_fit: fit.Fit,
                                                                     screen: int) -> None:
    """Besiroglu et al.'s 240 runs, the paper grid screened on half of them or fewer."""
    exhaustive = paper_fit
    screened = fit.fit_runs(reference, grid="paper", screen=screen)
    assert fit.stage_sizes(len(reference), screen)[0] == screen
    # Never worse than the exhaustive fit by more than 1e-9; the two may stop apart by about 1.5e-9
    # either way, as L-BFGS ends differently across NumPy releases (1.26 stops the exhaustive one higher).
    assert screened.objective <= exhaustive.objective * (1 + 1e-9)
    assert screened.objective == pytest.approx(exhaustive.objective, rel=1e-8)
    # The valley is flat: 1.5e-9 in the objective moves ln A by 2e-5 (NumPy 1.26). Another basin
    # would differ by far more.
    assert screened.x == pytest.approx(exhaustive.x, rel=1e-4)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_chunked_evaluation_equals_the_unchunked_one(dtype: type) -> None:
    """Splitting starts and runs into blocks only reorders the sums."""
    many = _generated(3_000, seed=6)
    rng = np.random.default_rng(0)
    points = np.array([6.2, 7.6, 0.6, 0.35, 0.37]) + rng.normal(0, [1, 1, 0.2, 0.05, 0.05], (9, 5))
    ids = np.arange(len(points))
    weights = rng.integers(0, 3, (len(points), len(many))).astype(float)
    logs = (np.log(many.params), np.log(many.tokens), np.log(many.loss))
    for extra in ({}, {"weights": weights, "rows": ids}):
        whole = fit.HuberLogLoss(*logs, 1e-3, dtype, cells=10**9, **extra)(points, ids)
        for cells in (2_000, 300, 7):  # runs in 2 blocks, in 10, in 429
            parts = fit.HuberLogLoss(*logs, 1e-3, dtype, cells=cells, **extra)(points, ids)
            tolerance = 1e-12 if dtype is np.float64 else 1e-5  # float32 sums: the screen only
            assert parts[0] == pytest.approx(whole[0], rel=tolerance)
            assert parts[1] == pytest.approx(whole[1], rel=tolerance, abs=1e-12 * np.abs(whole[1]).max())


def test_stages_grow_geometrically_and_samples_are_nested() -> None:
    for count in (1_001, 16_000, 16_001, 200_000, 1_000_000):
        sizes = fit.stage_sizes(count)
        assert sizes[0] == fit.SCREEN_RUNS and sizes[-1] == count
        assert all(1 < later / earlier <= fit.STAGE_GROWTH for earlier, later in itertools.pairwise(sizes))
    assert fit.stage_sizes(1_000) == [1_000]  # few runs: every start on every run, as before
    data = _generated(5_000, seed=1)
    small, large = fit._sample(data, 500), fit._sample(data, 2_000)
    assert len(small) == 500 and len(large) == 2_000
    assert set(small.params.tolist()) <= set(large.params.tolist())


@pytest.mark.parametrize("count, screen", [(240, 1_000), (240, 60), (3_000, 1_000)])
def test_progress_adds_up_to_the_planned_work(count: int, screen: int) -> None:
    data = _generated(count, seed=2)
    steps: list[int] = []
    fit.fit_runs(data, grid="fast", screen=screen, progress=steps.append)
    assert all(step >= 0 for step in steps)
    assert sum(steps) == fit.work(count, "fast", screen)


def test_bootstrap_in_smaller_batches_gives_the_same_draws(reference: runs.Runs, monkeypatch) -> None:
    """Many runs mean fewer resamples at once; the resamples themselves must not change. (The refits
    agree to the optimizer's tolerance, not to the last bit: a batch of another size rounds its
    matrix products a little differently.)"""
    result = fit.fit_runs(reference)
    whole = fit.bootstrap(result, 12, seed=4)
    monkeypatch.setattr(fit, "BOOTSTRAP_CELLS", 5 * len(reference))  # 5 resamples a batch
    assert fit.bootstrap(result, 12, seed=4) == pytest.approx(whole, rel=1e-6)
    other = fit.bootstrap(result, 12, seed=5)  # and the check can fail: other resamples differ
    assert not np.allclose(other, whole, rtol=1e-3, atol=0)


def test_cli_fits_more_runs_than_the_old_limit_with_a_progress_bar(run_inprocess, tmp_path: Path,
                                                                   monkeypatch) -> None:
    """25,000 runs (the old limit was 20,000); on a terminal the bar goes to stderr, never stdout."""
    data = _generated(25_000, seed=5)
    rows = "".join(f"{n:.9g},{d:.9g},{loss:.9g}\n"
                   for n, d, loss in zip(data.params.tolist(), data.tokens.tolist(), data.loss.tolist(),
                                         strict=True))
    path = tmp_path / "many.csv"
    path.write_text("params,tokens,loss\n" + rows)
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # Rich 14: treat stderr as a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")  # ...and Rich 13, which reads only this
    result = run_inprocess("fit", str(path), "--format", "json")
    assert result.code == 0, result.stderr
    values = {row["name"]: row["value"] for row in json.loads(result.stdout)}
    assert values["runs"] == 25_000
    assert values["alpha"] == pytest.approx(0.3478, rel=0.05)  # the besiroglu surface it came from
    assert "Fitting 25,000 runs" in result.stderr
