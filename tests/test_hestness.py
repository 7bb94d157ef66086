"""Hestness et al. 2017 (arXiv 1712.00409), reference-only entries: learning-curve exponents
ε(m) ∝ m^β_g, as the authors state them (ImageNet top-1 β_g = −0.309, top-5 −0.488; across the
four domains β_g usually between −0.07 and −0.35). They answer no planning question."""

from __future__ import annotations

import json

import pytest

from scalecalc.presets import load


def test_imagenet_exponents() -> None:
    laws = load("hestness-imagenet").extra
    assert laws["top-1"].exponent == pytest.approx(0.309, abs=5e-4)
    assert laws["top-5"].exponent == pytest.approx(0.488, abs=5e-4)


def test_the_range_across_domains() -> None:
    (span,) = load("hestness-range").extra.values()
    assert (span.exponent, span.exponent_high) == (pytest.approx(0.07), pytest.approx(0.35))
    imagenet = load("hestness-imagenet").extra["top-1"].exponent
    assert span.exponent <= imagenet <= span.exponent_high  # top-1 sits inside the stated span


@pytest.mark.parametrize("name", ["hestness-imagenet", "hestness-range"])
def test_reference_only_entries_answer_no_question(run_inprocess, name: str) -> None:
    listing = json.loads(run_inprocess("presets", "--format", "json").stdout)
    (row,) = [row for row in listing if row["name"] == name]
    assert row["answers"] == "reference"
    for args in (("optimal", "--flops", "1e22"), ("loss", "--params", "1B", "--tokens", "20B")):
        result = run_inprocess(*args, "-p", name)
        assert result.code == 2 and result.stdout == "" and "such as besiroglu" in result.stderr
