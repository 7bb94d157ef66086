"""Hostile input for `scalecalc design`: every bad input found stays here.

Each case asserts exit 2, the gist of the one-line message, an empty stdout and no traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import refused

LADDER = ("design", "--target-flops", "1e23", "--min-flops", "1e18", "--max-flops", "1e20")


@pytest.mark.parametrize(("extra", "gist"), [
    (("--sizes", "3"), "--sizes: 3 sizes per budget is outside 4 to 51"),
    (("--sizes", "4", "--degree", "3"), "at least 5"),
    (("--sizes", "1000"), "outside 4 to 51"),
    (("--sizes", "-7"), "--sizes"),
    (("--sizes", "7.5"), "--sizes"),
    (("--budgets", "1"), "--budgets: 1 budgets is outside 2 to 30"),
    (("--budgets", "31"), "outside 2 to 30"),
    (("--width", "0"), "--width"),
    (("--width", "5"), "--width: 5 decades is outside 0.05 to 3"),
    (("--width", "nan"), "--width"),
    (("--width", "0.6x"), "--width"),
    (("--replicates", "0"), "--replicates: 0 is outside 1 to 20"),
    (("--simulations", "10"), "--simulations: 10 is outside 100 to 100,000"),
    (("--simulations", "99999999999999999999"), "--simulations"),
    (("--simulations", "100000", "--sizes", "51", "--budgets", "30"), "simulated runs allowed"),
    (("--degree", "4"), "--degree: 4 is not 2"),
    (("--seed", "-1"), "--seed: -1 is outside 0"),
    (("--noise", "-0.01"), "--noise"),
    (("--noise", "2"), "--noise: 2 nats is outside 0 to 1"),
    (("--noise", "inf"), "--noise"),
    (("--noise", ""), "--noise: the value is empty"),
    (("--preset", "kaplan"), "no Chinchilla-form loss law"),
    (("--preset", "no-such-law"), "no-such-law"),
    (("--budget", "1e20"), "more than the experiment budget"),
    (("--budget", "1e22", "--dollars", "100"), "give one experiment budget"),
    (("--dollars", "100"), "--dollars needs --gpu"),
    (("--gpu-hours", "100"), "--gpu-hours needs --gpu"),
    (("--gpu", "h100", "--gpu-hours", "1e300"), "--gpu-hours"),
    (("--gpu", "no-such-gpu", "--gpu-hours", "100"), "unknown accelerator"),
    (("--mfu", "0.4"), "add --gpu NAME"),
    (("--report", "both", "--format", "csv"), "holds one table"),
    (("--report", "everything"), "--report"),
    (("--next", "3", "--compare", "--from-fit", "x.csv"), "--compare goes with a new ladder"),
    (("--sizes", "7", "--sizes", "9"), "more than once"),
])
def test_bad_ladder_choices_are_refused(run_inprocess, extra: tuple[str, ...], gist: str) -> None:
    refused(run_inprocess(*LADDER, *extra), gist)


@pytest.mark.parametrize(("args", "gist"), [
    (("design",), "give --target-flops"),
    (("design", "--target-flops", "0"), "--target-flops: 0 is not positive"),
    (("design", "--target-flops", "-1e24", "--budget", "1e21"), "--target-flops"),
    (("design", "--target-flops", "1e24"), "give the experiment budget"),
    (("design", "--target-flops", "1e24", "--budget", "True"), "--budget"),
    (("design", "--target-flops", "1e24", "--min-flops", "1e20", "--max-flops", "1e18"),
     "must be above --min-flops"),
    (("design", "--target-flops", "1e24", "--max-flops", "100"), "too small for a model"),
])
def test_bad_questions_are_refused(run_inprocess, args: tuple[str, ...], gist: str) -> None:
    refused(run_inprocess(*args), gist)


def _runs_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "runs.csv"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return str(path)


@pytest.mark.parametrize(("text", "gist"), [
    ("", "the file is empty"),
    ("params,tokens,loss\n1e8,abc,3.0\n", "bad row"),
    ("params,tokens,loss\n1e8,1e9,nan\n", "bad row"),
    ("colour,shape\nred,round\n", "runs.csv"),
    ("params,tokens,loss\n" + "".join(f"{10 ** (7 + k / 10)!r},{10 ** (10 + k / 5)!r},3.0\n"
                                      for k in range(40)), "more than the 30 --from-fit handles"),
])
def test_bad_runs_files_are_refused(run_inprocess, tmp_path: Path, text: str, gist: str) -> None:
    refused(run_inprocess("design", "--target-flops", "1e23", "--from-fit", _runs_file(tmp_path, text)), gist)


def test_runs_file_with_bad_bytes_is_refused(run_inprocess, tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    path.write_bytes(b"params,tokens,loss\n1e8,1e9,\xff\xfe\n")
    refused(run_inprocess("design", "--target-flops", "1e23", "--from-fit", str(path)))


def test_missing_runs_file_is_refused(run_installed, tmp_path: Path) -> None:
    refused(run_installed("design", "--target-flops", "1e23", "--from-fit", str(tmp_path / "none.csv")),
            "none.csv")


def test_next_out_of_bounds_is_refused(run_inprocess, tmp_path: Path) -> None:
    text = "params,tokens,loss\n1e8,1.6e9,3.0\n2e8,8e8,3.1\n"
    refused(run_inprocess("design", "--target-flops", "1e23", "--from-fit", _runs_file(tmp_path, text),
                          "--next", "51"), "--next: 51 is outside 0 to 50")
