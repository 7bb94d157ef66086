"""scalecalc.envelope (Approach 1, Hoffmann et al. 2022 §3.1) against experiments.md §7.5: curves
from the rounded Chinchilla surface, 8 sizes 70M-10B, horizons x1, 2, 4, 16, 1,500 FLOP values."""

from __future__ import annotations

import numpy as np
import pytest

from scalecalc.envelope import Curves, bootstrap, fit_envelope, read_curves, smooth
from scalecalc.errors import ScalecalcError

E, A, B, ALPHA, BETA = 1.69, 406.4, 410.7, 0.34, 0.28
EXPONENT = BETA / (ALPHA + BETA)  # 0.4516129


def chinchilla_curves(sizes: int, points: int = 60) -> Curves:
    names, params, tokens, losses = [], [], [], []
    for n in np.logspace(np.log10(7e7), 10, sizes):
        for horizon in (1, 2, 4, 16):
            d = np.logspace(np.log10(20 * n * horizon / 100), np.log10(20 * n * horizon), points)
            names.append(f"{n:.3g}-x{horizon}")
            params.append(n)
            tokens.append(d)
            losses.append(E + A / n**ALPHA + B / d**BETA)
    return Curves(names, np.array(params), tokens, losses, "synthetic")


def test_eight_sizes_recover_the_exponent_within_002():
    fit = fit_envelope(chinchilla_curves(8))
    assert abs(fit.a - EXPONENT) < 0.02
    assert fit.a + fit.b == pytest.approx(1.0, rel=1e-9)  # D* = C/(6N*) on every grid point
    assert fit.edge_share[0] > 0  # the smallest size wins the low end of the grid, and is flagged


def test_more_sizes_come_closer():
    errors = [abs(fit_envelope(chinchilla_curves(sizes)).a - EXPONENT) for sizes in (8, 16, 32)]
    assert errors[2] < errors[0]
    assert errors[2] < 0.005


def test_bootstrap_over_curves_brackets_the_fit_and_is_seeded():
    fit = fit_envelope(chinchilla_curves(8, points=30), grid_points=300)
    one = bootstrap(fit, 200, seed=3, window=1)
    two = bootstrap(fit, 200, seed=3, window=1)
    np.testing.assert_allclose(one.draws, two.draws, rtol=1e-12)
    low, high = np.percentile(one.draws[:, 0], [2.5, 97.5])
    assert low <= fit.a <= high
    assert len(one.draws) + one.failed_draws == 200


def test_smoothing_is_a_centred_moving_average():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert smooth(values, 1) is values
    np.testing.assert_allclose(smooth(values, 3), [1.5, 2.0, 3.0, 4.0, 4.5], rtol=1e-12)


def test_example_file_matches_the_generated_surface():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "chinchilla_curves.csv"
    curves = read_curves(path.read_text(encoding="utf-8"), str(path))
    assert len(curves) == 32 and len(set(curves.params.tolist())) == 8
    assert abs(fit_envelope(curves).a - EXPONENT) < 0.02


@pytest.mark.parametrize(("text", "gist"), [
    ("run,params,tokens\n", "no column for loss"),
    ("run,params,tokens,loss\na,1e8,1e9,2.5\n", "1 training curve"),
    ("run,params,tokens,loss\na,1e8,1e9,2.5\na,2e8,2e9,2.4\nb,1e9,1e9,2\n", "more than one params"),
    ("run,params,tokens,loss\na,1e8,1e9,nan\n", "line 2: loss"),
    ("run,params,tokens,loss\n,1e8,1e9,2\n", "run is missing"),
])
def test_bad_curves_files_are_refused(text, gist):
    with pytest.raises(ScalecalcError, match=gist):
        read_curves(text, "curves.csv")
