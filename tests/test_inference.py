"""Inference-aware sizing (Sardana et al. 2023, REFERENCE.md §4) and coefficient overrides."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalecalc
from scalecalc import inference, presets

CHINCHILLA = scalecalc.load_preset("chinchilla")
# Sardana et al.'s own code: alpha 0.336, beta 0.283 with the rounded A, B, E (REFERENCE §4).
SARDANA = presets.with_overrides(CHINCHILLA, ["alpha=0.336", "beta=0.283"])


def test_zero_inference_is_the_least_compute_point() -> None:
    """T = 0 reduces to REFERENCE §1's least-compute point for the target loss."""
    plan = inference.plan(CHINCHILLA, 2.0, 0.0)
    best = scalecalc.optimal(loss=2.0, preset=CHINCHILLA)
    assert plan.params == pytest.approx(best.params, rel=1e-12)
    assert plan.tokens == pytest.approx(best.tokens, rel=1e-12)
    assert plan.total_flops_ratio == pytest.approx(1.0, rel=1e-12)


@given(st.floats(min_value=1.75, max_value=3.0), st.floats(min_value=np.log(1e9), max_value=np.log(1e16)))
def test_inference_aware_plan_beats_the_compute_optimal_plan(loss: float, log_t: float) -> None:
    demand = float(np.exp(log_t))
    plan = inference.plan(SARDANA, loss, demand)
    law = SARDANA.law
    assert law.loss(plan.params, plan.tokens) == pytest.approx(loss, rel=1e-9)  # on the iso-loss curve
    assert plan.total_flops < plan.optimal_total_flops  # below the compute-optimal plan's total
    assert plan.params < plan.optimal_params and plan.tokens > plan.optimal_tokens
    # No nearby point on the iso-loss curve has a lower total.
    for shift in (-0.05, -0.005, 0.005, 0.05):
        n = plan.params * np.exp(shift)
        d = inference.tokens_on_iso_loss(law, np.array(n), loss)
        assert 6 * n * d + 2 * n * demand >= plan.total_flops * (1 - 1e-12)


def test_more_inference_means_a_smaller_model() -> None:
    sizes = [inference.plan(CHINCHILLA, 2.0, t).params for t in (1e11, 1e12, 1e13, 1e14)]
    assert sizes == sorted(sizes, reverse=True)


def test_overrides_rename_and_recompute_the_closed_form() -> None:
    assert SARDANA.name == "chinchilla (alpha=0.336, beta=0.283)"
    assert SARDANA.law.alpha == 0.336 and SARDANA.law.A == 406.4
    assert SARDANA.allocation.exponent == pytest.approx(0.283 / (0.336 + 0.283), rel=1e-12)
    with pytest.raises(scalecalc.ScalecalcError, match="NAME=VALUE"):
        presets.with_overrides(CHINCHILLA, ["gamma=1"])
    with pytest.raises(scalecalc.ScalecalcError, match="not a number"):
        presets.with_overrides(CHINCHILLA, ["alpha=x"])
    with pytest.raises(scalecalc.ScalecalcError, match="above zero"):
        presets.with_overrides(CHINCHILLA, ["alpha=-1"])


def test_cli_inference_in_flops_and_in_dollars(run_inprocess) -> None:
    flops = run_inprocess("optimal", "--loss", "2.0", "--inference-tokens", "10T", "-p", "chinchilla",
                          "--set", "alpha=0.336", "--set", "beta=0.283", "-f", "json")
    (row,) = json.loads(flops.stdout)
    assert row["preset"] == "chinchilla (alpha=0.336, beta=0.283)"
    assert row["total_flops"] == pytest.approx(row["train_flops"] + 2 * row["params"] * 1e13, rel=1e-12)
    assert row["total_flops_ratio"] < 1
    # Serving at a tenth of the training price per FLOP: the dollars optimum is nearer compute-optimal.
    dollars = run_inprocess("optimal", "--loss", "2.0", "--inference-tokens", "10T", "-p", "chinchilla",
                            "--set", "alpha=0.336", "--set", "beta=0.283", "--gpu", "h100", "--price", "2",
                            "--inference-price", "0.2", "-f", "json")
    (priced,) = json.loads(dollars.stdout)
    assert row["params"] < priced["params"] < row["optimal_params"]
    assert priced["total_dollars"] == pytest.approx(priced["train_dollars"] + priced["inference_dollars"])
    assert priced["total_dollars_ratio"] < 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("optimal", "--flops", "1e24", "--inference-tokens", "1T"), "goes with --loss"),
        (("optimal", "--loss", "2", "--inference-tokens", "-1T"), "not positive"),
        (("optimal", "--loss", "2", "--inference-tokens", "1T", "-p", "kaplan"), "Chinchilla-form"),
        (("optimal", "--loss", "2", "--inference-tokens", "1T", "--inference-price", "1"), "--price"),
        (("optimal", "--flops", "1e24", "--set", "alpha"), "NAME=VALUE"),
    ],
)
def test_inference_errors(run_inprocess, args, message) -> None:
    result = run_inprocess(*args)
    assert result.code == 2 and result.stdout == "" and message in result.stderr


def test_cli_prefill_and_decode_costed_apart(run_inprocess) -> None:
    """optimal --inference-requests: Sardana et al.'s cost model, each phase its own MFU; the hours
    of each phase are 2·N·tokens / (peak · MFU) / 3600 (A100 dense BF16 peak 312e12)."""
    result = run_inprocess("optimal", "--loss", "2.0", "-p", "chinchilla", "--inference-requests", "1e10",
                           "--input-tokens", "1000", "--output-tokens", "250", "--gpu", "a100",
                           "--mfu", "0.5", "--price", "1.4", "--inference-price", "0.6",
                           "--prefill-mfu", "0.4", "--decode-mfu", "0.2", "-f", "json")
    assert result.code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["input_tokens"] == pytest.approx(1e13) and row["output_tokens"] == pytest.approx(2.5e12)
    assert row["prefill_gpu_hours"] == pytest.approx(2 * row["params"] * 1e13 / (312e12 * 0.4) / 3600,
                                                     rel=1e-9)
    assert row["decode_gpu_hours"] == pytest.approx(2 * row["params"] * 2.5e12 / (312e12 * 0.2) / 3600,
                                                    rel=1e-9)
    assert row["train_dollars"] == pytest.approx(row["train_gpu_hours"] * 1.4, rel=1e-9)
    assert row["total_dollars"] == pytest.approx(
        row["train_dollars"] + row["prefill_dollars"] + row["decode_dollars"], rel=1e-9)
    assert row["total_dollars_ratio"] < 1 and row["params"] < row["optimal_params"]
    assert "gpu_hours" not in row  # the record prices its own phases; no second training price


def test_cli_prefill_and_decode_need_a_demand_and_a_gpu(run_inprocess) -> None:
    both = run_inprocess("optimal", "--loss", "2.0", "--inference-requests", "1e9", "--inference-tokens",
                         "1T", "--gpu", "h100")
    assert both.code == 2 and "one of them" in both.stderr and both.stdout == ""
    no_gpu = run_inprocess("optimal", "--loss", "2.0", "--inference-requests", "1e9")
    assert no_gpu.code == 2 and "--gpu" in no_gpu.stderr
    by_flops = run_inprocess("optimal", "--flops", "1e22", "--prefill-mfu", "0.3", "--gpu", "h100")
    assert by_flops.code == 2 and "goes with --loss" in by_flops.stderr
