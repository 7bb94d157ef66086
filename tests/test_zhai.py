"""Zhai et al. 2022, Scaling Vision Transformers (arXiv 2106.04560), §2.2: E = c + a·(C + d)^(−b) with C
in TPUv3 core-days; the coefficients are Figure 2's annotations (laws.md §2, secondary)."""

from __future__ import annotations

import json

import pytest

from scalecalc import presets, solve

# core-days: (fine-tune error, 10-shot error), recomputed from the Figure 2 laws (laws.md §2).
FIGURE2 = {1.0: (0.3491, 0.6710), 100.0: (0.1419, 0.2641), 1e4: (0.1004, 0.1531)}


@pytest.mark.parametrize("core_days", FIGURE2)
def test_figure2_laws(core_days: float) -> None:
    finetune, ten_shot = FIGURE2[core_days]
    got = [solve.single_variable_loss(presets.load(name), core_days=core_days).loss
           for name in ("zhai-imagenet-finetune", "zhai-imagenet-10shot")]
    assert got == pytest.approx([finetune, ten_shot], rel=5e-4)


def test_error_from_the_cli_in_core_days(run_inprocess) -> None:
    result = run_inprocess("loss", "--core-days", "100", "-p", "zhai-imagenet-finetune",
                           "-p", "zhai-imagenet-10shot", "-f", "json")
    rows = json.loads(result.stdout)
    assert [row["loss"] for row in rows] == pytest.approx([0.1419, 0.2641], rel=5e-4)
    assert all(row["core_days"] == 100 for row in rows)


def test_beyond_ten_thousand_core_days_is_an_extrapolation(run_inprocess) -> None:
    result = run_inprocess("loss", "--core-days", "1e5", "-p", "zhai-imagenet-10shot", "-f", "csv")
    assert result.code == 0 and "fitted on core_days up to 10.0K" in result.stderr


def test_a_vision_preset_answers_only_error_of_compute() -> None:
    preset = presets.load("zhai-imagenet-finetune")
    assert preset.answers == ("error(C)",) and preset.domain == "vision classification"
