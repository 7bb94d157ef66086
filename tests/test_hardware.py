"""Hardware time and cost (REFERENCE.md §7): a hand-computed case per accelerator, round trips."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scalecalc import hardware, inference, presets

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


# ---- catalogue: dense BF16 and FP8 peaks and memory ------------------------------------------------

# (dense BF16 FLOP/s, dense FP8 FLOP/s or None, memory GB or None). Peaks: laws.md §14 (vendor sheets
# via stas00/ml-engineering; the vendors' headline figures are 2:4-sparse, twice these) and issue 9.
# Memory: H100 80 GB (Llama 3 paper Table 4, laws.md §5), H100 NVL 94 GB and TPU v6e 32 GB (laws.md
# §14); A100 80 GB, H200 141 GB, MI300X 192 GB, MI325X 256 GB from the vendors' sheets; B200 180 GB
# (NVIDIA DGX B200 user guide: 1,440 GB over 8 GPUs) and GB200 186 GB (NVL72: 13.4 TB over 72).
CATALOGUE = {
    "v100": (125e12, None, None),
    "a100": (312e12, None, 80),
    "h100": (989e12, 1979e12, 80),
    "h100-pcie": (756e12, 1513e12, 80),
    "h100-nvl": (835.5e12, 1670.5e12, 94),
    "h200": (989e12, 1979e12, 141),
    "b200": (2250e12, 4500e12, 180),
    "gb200": (2500e12, 5000e12, 186),
    "mi300x": (1307.4e12, 2614.9e12, 192),
    "mi325x": (1307.4e12, 2614.9e12, 256),
    "tpu-v4": (275e12, None, None),
    "tpu-v5e": (197e12, None, None),
    "tpu-v5p": (459e12, None, None),
    "tpu-v6e": (918e12, None, 32),  # laws.md §14: no FP8 figure published by Google
}


def test_the_catalogue_is_exactly_the_cited_parts() -> None:
    assert set(hardware.catalogue()) == set(CATALOGUE)


@pytest.mark.parametrize(("name", "figures"), CATALOGUE.items())
def test_catalogue_peaks_and_memory(name: str, figures: tuple) -> None:
    bf16, fp8, memory_gb = figures
    part = hardware.find(name)
    assert part.peak("bf16") == pytest.approx(bf16, rel=1e-12)
    assert part.fp8_flops == (None if fp8 is None else pytest.approx(fp8, rel=1e-12))
    assert part.memory_gb == memory_gb
    assert "laws.md" in part.source or "documentation" in part.source or "datasheet" in part.source


@pytest.mark.parametrize("name", [name for name, figures in CATALOGUE.items() if figures[1] is not None])
def test_fp8_peaks_are_the_dense_bf16_peaks_doubled(name: str) -> None:
    """laws.md §14: on every part with both, dense FP8 is twice dense BF16, within the vendors'
    rounding of each figure (H100: 989.4 and 1978.9 published as 989 and 1979, 0.05%). A sparse
    figure in either column would be off by a factor of 2."""
    part = hardware.find(name)
    assert part.fp8_flops == pytest.approx(2 * part.peak_flops, rel=1e-3)


def test_fp8_picks_the_fp8_peak() -> None:
    """1e23 FLOPs on H100s in FP8 at 40% MFU: 1e23 / (1979e12 · 0.4) / 3600 accelerator-hours."""
    setup = hardware.from_settings("h100", "1000", "0.4", "2", precision="FP8")
    assert setup.precision == "fp8" and setup.label == "h100 (fp8)"
    hours = 1e23 / (1979e12 * 0.4) / 3600
    assert setup.accelerator_hours(1e23) == pytest.approx(hours, rel=1e-12)
    fields = hardware.cost_fields(setup, 1e23)
    assert fields.accelerator == "h100 (fp8)" and fields.dollars == pytest.approx(2 * hours, rel=1e-12)
    default = hardware.from_settings("h100", "1000", "0.4", "2")
    assert default.precision == "bf16" and hardware.cost_fields(default, 1e23).accelerator == "h100"
    assert default.accelerator_hours(1e23) == pytest.approx(1e23 / (989e12 * 0.4) / 3600, rel=1e-12)


@pytest.mark.parametrize("name", ["a100", "v100", "tpu-v6e"])
def test_fp8_is_refused_where_a_part_has_no_fp8_figure(name: str) -> None:
    part = hardware.find(name)
    with pytest.raises(hardware.ScalecalcError, match=f"{re.escape(part.name)} \\({name}\\) has no FP8"):
        hardware.from_settings(name, precision="fp8")


def test_user_catalogue_may_give_fp8_and_memory(tmp_path: Path) -> None:
    extra = tmp_path / "mine.toml"
    extra.write_text('[x1]\npeak_flops = 1e15\nfp8_flops = 2e15\nmemory_gb = 96\n')
    part = hardware.find("x1", extra)
    assert (part.peak("fp8"), part.memory_bytes()) == (2e15, 96e9)


def test_hardware_command_fits_80_columns_and_machine_formats_carry_everything(run_installed) -> None:
    table = run_installed("hardware")
    assert table.code == 0 and max(len(line) for line in table.stdout.splitlines()) <= 80
    assert "fp8_flops" in table.stdout and "memory_gb" in table.stdout
    rows = {row["name"]: row for row in json.loads(run_installed("hardware", "-f", "json").stdout)}
    assert list(rows["h100"]) == ["name", "accelerator", "peak_flops", "fp8_flops", "memory_gb", "source"]
    assert rows["h100"]["fp8_flops"] == 1979e12 and rows["mi325x"]["memory_gb"] == 256
    assert rows["tpu-v6e"]["fp8_flops"] is None and rows["v100"]["memory_gb"] is None
    header = run_installed("hardware", "-f", "csv").stdout.splitlines()[0]
    assert header == "name,accelerator,peak_flops,fp8_flops,memory_gb,source"


# ---- serving: prefill and decode apart (Sardana et al.'s cost model, laws.md §13) -------------------

SARDANA_PRESET = presets.with_overrides(presets.load("chinchilla"), ["alpha=0.336", "beta=0.283"])
# Sardana et al.'s cost_calculator.py peaks: A100 INT8 6.24e14, FP16 3.12e14 (laws.md §13).
A100_INT8 = hardware.Accelerator("a100-int8", "A100 (INT8)", 624e12, "Sardana et al. cost_calculator.py")


def test_sardana_defaults() -> None:
    """laws.md §13 (cost_calculator.py): MFU train 0.5, prefill 0.5, decode 0.01; 70 in / 215 out."""
    assert (hardware.SARDANA_TRAIN_MFU, hardware.DEFAULT_PREFILL_MFU, hardware.DEFAULT_DECODE_MFU) == \
        (0.5, 0.5, 0.01)
    shape = inference.request_shape()
    assert (shape.input_tokens, shape.output_tokens) == (70, 215)
    assert shape.split(285e9) == pytest.approx((70e9, 215e9), rel=1e-12)
    assert shape.lifetime(1e9) == (70e9, 215e9)
    serving = hardware.serving_from_settings(hardware.find("h100"))
    assert (serving.prefill_mfu, serving.decode_mfu, serving.precision) == (0.5, 0.01, "bf16")


def test_sardana_cost_optimal_readme_example() -> None:
    """Sardana et al.'s README, cost_optimal.py: loss 1.947, 1e10 requests of 1000 in / 250 out,
    training on A100-80GB (BF16 312e12) at $1.40 and MFU 0.5, inference on A100-40GB in INT8
    (624e12) at $0.60, prefill MFU 0.4, decode 0.2 -> N 2.053e10, D 3.302e12, 60.23% of the
    Chinchilla-style params, 182.41% of its tokens, 88.76% of its cost (laws.md §13)."""
    training = hardware.Hardware(hardware.find("a100"), None, 0.5, 1.40)
    serving = hardware.Serving(A100_INT8, prefill_mfu=0.4, decode_mfu=0.2, price=0.60)
    plan = inference.served(SARDANA_PRESET, 1.947, training, serving, 1e10 * 1000, 1e10 * 250)
    assert plan.params == pytest.approx(2.053e10, rel=5e-4)
    assert plan.tokens == pytest.approx(3.302e12, rel=5e-4)
    assert plan.params_ratio == pytest.approx(0.6023, abs=5e-5)
    assert plan.tokens_ratio == pytest.approx(1.8241, abs=5e-5)
    assert plan.total_dollars_ratio == pytest.approx(0.8876, abs=5e-5)
    parts = plan.train_dollars + plan.prefill_dollars + plan.decode_dollars
    assert plan.total_dollars == pytest.approx(parts, rel=1e-12)


def test_sardana_cost_calculator_readme_example() -> None:
    """Sardana et al.'s README, cost_calculator.py: a 30B Chinchilla-style model (D 1.556e12, loss
    1.958253, 2.801e23 FLOPs) and 1e9 requests of 500 in / 100 out -> train $3.146e5, total
    $6.378e5 (laws.md §13). Their script passes no --*_gpu_cost to cost_per_flop, so it prices at its
    defaults: H100 BF16 at $2.00 (MFU 0.5) for training, A100-40GB INT8 at $1.10 for inference, at
    their default prefill and decode MFUs 0.5 and 0.01."""
    import scalecalc

    run = scalecalc.optimal(params=30e9, preset=SARDANA_PRESET)
    assert float(run.tokens) == pytest.approx(1.5559e12, rel=1e-4)
    assert float(run.loss) == pytest.approx(1.958253, rel=1e-6)
    training = hardware.Hardware(hardware.find("h100"), None, hardware.SARDANA_TRAIN_MFU, 2.00)
    serving = hardware.Serving(A100_INT8, price=1.10)
    input_tokens, output_tokens = inference.request_shape(500, 100).lifetime(1e9)
    train = training.dollars(float(run.flops))
    prefill = serving.prefill.dollars(2 * 30e9 * input_tokens)
    decode = serving.decode.dollars(2 * 30e9 * output_tokens)
    assert train == pytest.approx(3.146e5, rel=2e-4)
    assert train + prefill + decode == pytest.approx(6.378e5, rel=2e-4)


def test_one_inference_mfu_is_a_shorthand_for_both_phases() -> None:
    serving = hardware.serving_from_settings(hardware.find("h100"), price="2", mfu="0.3")
    assert (serving.prefill_mfu, serving.decode_mfu) == (0.3, 0.3)
    split = hardware.serving_from_settings(hardware.find("h100"), prefill_mfu="0.6", decode_mfu="0.02")
    assert (split.prefill_mfu, split.decode_mfu) == (0.6, 0.02)
    with pytest.raises(hardware.ScalecalcError, match="--inference-mfu sets prefill and decode alike"):
        hardware.serving_from_settings(hardware.find("h100"), mfu="0.3", decode_mfu="0.02")


def test_equal_phases_reduce_to_one_inference_cost_ratio() -> None:
    """With prefill and decode at one MFU the split cannot matter: served() equals plan() at
    inference.cost_ratio, the single-MFU shorthand."""
    training = hardware.Hardware(hardware.find("h100"), None, 0.4, 2.0)
    serving = hardware.Serving(hardware.find("a100"), 0.3, 0.3, 1.0)
    served = inference.served(SARDANA_PRESET, 2.0, training, serving, 3e12, 7e12)
    single = hardware.Hardware(hardware.find("a100"), None, 0.3, 1.0)
    plan = inference.plan(SARDANA_PRESET, 2.0, 1e13, inference.cost_ratio(training, single))
    assert served.params == pytest.approx(plan.params, rel=1e-9)
    priced = inference.priced(plan, training, single)
    assert served.total_dollars == pytest.approx(float(priced.total_dollars), rel=1e-9)


def test_unpriced_serving_weighs_accelerator_hours() -> None:
    """Without prices the phases are weighed in accelerator-hours: decode at 1% MFU costs 50 times
    what prefill at 50% does per token, so the model shrinks further than FLOPs alone would make it."""
    training = hardware.Hardware(hardware.find("h100"), None, 0.5)
    serving = hardware.Serving(hardware.find("h100"))
    plan = inference.served(SARDANA_PRESET, 2.0, training, serving, 70e11, 215e11)
    assert plan.total_dollars is None and plan.decode_gpu_hours > 0
    assert plan.decode_gpu_hours / plan.prefill_gpu_hours == pytest.approx(215 / 70 * 50, rel=1e-12)
    flops_only = inference.plan(SARDANA_PRESET, 2.0, 285e11)
    assert plan.params < flops_only.params
    with pytest.raises(hardware.ScalecalcError, match="price for both"):
        inference.served(SARDANA_PRESET, 2.0, hardware.Hardware(hardware.find("h100"), None, 0.5, 2.0),
                         serving, 1e12, 1e12)
