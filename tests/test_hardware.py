"""Hardware time and cost (REFERENCE.md §7): a hand-computed case per accelerator, round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scalecalc import hardware

# REFERENCE §7 and laws.md §14: dense BF16/FP16 peak FLOP/s (MI300X: AMD's 1307.4 TFLOPS, which
# REFERENCE §7 rounds to 1.307e15).
PEAKS = {"v100": 125e12, "a100": 312e12, "h100": 989e12, "h200": 989e12, "b200": 2.25e15,
         "mi300x": 1.3074e15, "tpu-v4": 275e12, "tpu-v5e": 197e12, "tpu-v5p": 459e12}


@pytest.mark.parametrize(("name", "peak"), PEAKS.items())
def test_catalogue_peaks(name: str, peak: float) -> None:
    assert hardware.find(name).peak_flops == peak


@pytest.mark.parametrize(("name", "peak"), PEAKS.items())
def test_hand_computed_time_and_cost(name: str, peak: float) -> None:
    """1e23 FLOPs on 1,000 accelerators at 40% MFU and $2/hour, worked by hand:
    accelerator-hours = 1e23 / (peak · 0.4) / 3600; days = hours / 1000 / 24; dollars = 2 · hours."""
    setup = hardware.Hardware(hardware.find(name), count=1000, mfu=0.4, price=2.0)
    hours = 1e23 / (peak * 0.4) / 3600
    assert setup.accelerator_hours(1e23) == pytest.approx(hours, rel=1e-12)
    assert setup.days(1e23) == pytest.approx(hours / 1000 / 24, rel=1e-12)
    assert setup.dollars(1e23) == pytest.approx(2 * hours, rel=1e-12)


def test_h100_example_in_numbers() -> None:
    """2,048 H100s for 30 days at 40% MFU: 2048 · 989e12 · 0.4 · 30 · 86400 = 2.10e24 FLOPs."""
    setup = hardware.Hardware(hardware.find("h100"), 2048, 0.4, 2.5)
    assert setup.flops_for_days(30) == pytest.approx(2.1000093696e24, rel=1e-12)
    assert setup.flops_for_dollars(5e6) == pytest.approx(5e6 / 2.5 * 3600 * 989e12 * 0.4, rel=1e-12)


@pytest.mark.parametrize("days", [0.5, 30, 365])
def test_days_round_trip(days: float) -> None:
    setup = hardware.Hardware(hardware.find("a100"), 512, 0.35, 1.8)
    assert setup.days(setup.flops_for_days(days)) == pytest.approx(days, rel=1e-12)
    assert setup.dollars(setup.flops_for_dollars(days * 1e5)) == pytest.approx(days * 1e5, rel=1e-12)


def test_cli_days_budget_round_trips(run_inprocess) -> None:
    result = run_inprocess("optimal", "--gpu", "h100", "--gpus", "2048", "--days", "30", "--price", "2.5",
                           "-f", "json")
    (row,) = json.loads(result.stdout)
    assert row["flops"] == pytest.approx(2.1000093696e24, rel=1e-12)
    assert row["days"] == pytest.approx(30, rel=1e-12)
    assert row["mfu"] == 0.4 and row["accelerator"] == "h100" and row["accelerators"] == 2048
    assert row["dollars"] == pytest.approx(row["gpu_hours"] * 2.5, rel=1e-12)
    by_dollars = run_inprocess("optimal", "--gpu", "h100", "--dollars", str(row["dollars"]), "--price", "2.5",
                               "-f", "json")
    assert json.loads(by_dollars.stdout)[0]["flops"] == pytest.approx(row["flops"], rel=1e-9)


@pytest.mark.parametrize("command", [("loss", "--params", "7B", "--tokens", "1T"),
                                     ("tokens", "--params", "7B"), ("table",),
                                     ("optimal", "--flops", "1e22")])
def test_every_planning_command_prices_its_compute(run_inprocess, command) -> None:
    result = run_inprocess(*command, "--gpu", "a100", "--gpus", "64", "--mfu", "0.5", "--price", "1.5",
                           "-f", "json")
    assert result.code == 0, result.stderr
    for row in json.loads(result.stdout):
        assert row["gpu_hours"] == pytest.approx(row["flops"] / (312e12 * 0.5) / 3600, rel=1e-12)
        assert row["days"] == pytest.approx(row["gpu_hours"] / 64 / 24, rel=1e-12)


def test_user_catalogue_adds_and_overrides(run_inprocess, tmp_path: Path) -> None:
    extra = tmp_path / "mine.toml"
    extra.write_text('[h100]\nname = "H100 (our clocks)"\npeak_flops = 900e12\nsource = "measured"\n'
                     '[x1]\nname = "X1"\npeak_flops = 1e15\nsource = "vendor"\n')
    listing = run_inprocess("hardware", "--accelerators", str(extra), "-f", "json")
    rows = {row["name"]: row for row in json.loads(listing.stdout)}
    assert rows["h100"]["peak_flops"] == 900e12 and rows["x1"]["peak_flops"] == 1e15
    assert rows["a100"]["peak_flops"] == 312e12
    result = run_inprocess("tokens", "--params", "1B", "--gpu", "x1", "--accelerators", str(extra),
                           "-f", "json")
    assert json.loads(result.stdout)[0]["gpu_hours"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("optimal", "--flops", "1e24", "--gpu", "h900"), "unknown accelerator 'h900'"),
        (("optimal", "--flops", "1e24", "--gpus", "8"), "--gpus describes an accelerator: add --gpu"),
        (("optimal", "--flops", "1e24", "--gpu", "h100", "--mfu", "40"), "above 1"),
        (("optimal", "--flops", "1e24", "--gpu", "h100", "--mfu", "0"), "not positive"),
        (("optimal", "--gpu", "h100", "--days", "30"), "--days needs --gpus"),
        (("optimal", "--gpu", "h100", "--gpus", "8", "--dollars", "1e6"), "--dollars needs --price"),
        (("optimal", "--days", "30"), "--days needs --gpu"),
        (("optimal", "--flops", "1e24", "--days", "3", "--gpu", "h100", "--gpus", "8"), "exactly one"),
        (("optimal", "--flops", "1e24", "--gpu", "h100", "--gpus", "0.5"), "less than one"),
    ],
)
def test_hardware_errors(run_inprocess, args, message) -> None:
    result = run_inprocess(*args, "-f", "csv")
    assert result.code == 2 and result.stdout == "" and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_malformed_catalogue_names_file_and_key(run_inprocess, tmp_path: Path) -> None:
    extra = tmp_path / "bad.toml"
    extra.write_text('[x1]\nname = "X1"\npeak_flops = -5\n')
    result = run_inprocess("hardware", "--accelerators", str(extra))
    assert result.code == 2 and str(extra) in result.stderr and "[x1]: key peak_flops" in result.stderr
