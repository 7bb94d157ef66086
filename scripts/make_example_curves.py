"""Write examples/chinchilla_curves.csv: synthetic training curves for `fit --method envelope`.

The losses are the rounded Chinchilla surface of Hoffmann et al. 2022 (Eq. 10: E 1.69, A 406.4,
B 410.7, alpha 0.34, beta 0.28) along each run, the set-up of experiments.md §7.5: 8 sizes
log-spaced from 70M to 10B parameters, each trained to 4 horizons of 20, 40, 80 and 320 tokens per
parameter (x1, 2, 4, 16), 40 log-spaced checkpoints from 1% of the horizon to its end. No schedule
effect and no noise: the file shows the method, not a real experiment.

    python scripts/make_example_curves.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

E, A, B, ALPHA, BETA = 1.69, 406.4, 410.7, 0.34, 0.28
TARGET = Path(__file__).resolve().parents[1] / "examples" / "chinchilla_curves.csv"


def main() -> None:
    rows = ["run,params,tokens,loss"]
    for params in np.logspace(np.log10(7e7), 10, 8):
        for horizon in (1, 2, 4, 16):
            final = 20 * horizon * params
            for tokens in np.logspace(np.log10(final / 100), np.log10(final), 40):
                loss = E + A / params**ALPHA + B / tokens**BETA
                rows.append(f"{params / 1e6:.0f}M-x{horizon},{params:.6g},{tokens:.6g},{loss:.6f}")
    TARGET.write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {len(rows) - 1} points to {TARGET}")


if __name__ == "__main__":
    main()
