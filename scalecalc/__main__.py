"""`scalecalc` and `python -m scalecalc`: the entry point.

It imports nothing of its own at module level, so a Ctrl-C while NumPy and Typer load (the first
tenth of a second) is caught here and ends like one during the run: one line, exit 130.
"""

import os
import sys

INTERRUPTED = 130

# One BLAS thread unless the user says otherwise: a command's arithmetic is tiny, and OpenBLAS's
# pool, started when NumPy loads, spins its idle threads through the rest of the run (about a
# third more CPU time for `optimal` on two cores; `fit` is no slower with one).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def main() -> int:
    try:
        from scalecalc.cli import main as run

        return run()
    except KeyboardInterrupt:
        return interrupted()


def interrupted() -> int:
    """One line on stderr for a Ctrl-C, and the shell's code for it (128 + SIGINT)."""
    try:
        if sys.stderr is not None:
            sys.stderr.write("scalecalc: error: interrupted.\n")
            sys.stderr.flush()
    except (OSError, KeyboardInterrupt):
        pass  # stderr gone, or a second Ctrl-C: the exit code still says what happened
    return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
