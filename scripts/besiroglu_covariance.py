"""Derive the covariance shipped in presets/besiroglu.toml (run once; prints the TOML lines).

Besiroglu et al. (arXiv 2404.10102) publish standard errors but no covariance. This refits their
240 runs (examples/chinchilla_runs.csv, 5 highest-loss runs dropped) with `scalecalc fit`'s method, bootstraps
4,000 resamples as they did, and prints the covariance of (ln E, ln A, ln B, alpha, beta) together
with the standard errors it implies, for comparison with the published ones.

    python scripts/besiroglu_covariance.py [path/to/svg_extracted.csv]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from scalecalc import fit, runs

DATA = Path(__file__).resolve().parents[1] / "examples" / "chinchilla_runs.csv"
PUBLISHED_SE = {"E": 0.02566, "A": 124.52, "B": 1293.28, "alpha": 0.01540, "beta": 0.02060}


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    data = runs.exclude(runs.read_runs(path.read_text(), str(path)), drop_highest_loss=5)
    best = fit.fit_runs(data, grid="paper")
    draws = fit.bootstrap(best, 4000, seed=2404_10102)
    logged = np.column_stack([np.log(draws[:, :3]), draws[:, 3:]])
    covariance = np.cov(logged, rowvar=False)
    print("# bootstrap standard errors (ours / published):")
    for name, ours in zip(PUBLISHED_SE, draws.std(axis=0, ddof=1), strict=True):
        print(f"#   {name:6s} {ours:10.5g} / {PUBLISHED_SE[name]:g}")
    print("covariance = [")
    for row in covariance:
        print("    [" + ", ".join(f"{value:.6e}" for value in row) + "],")
    print("]")


if __name__ == "__main__":
    main()
