"""The default answer, Kaplan's convention and the notes that say what a preset's numbers mean.

Sources: Hoffmann et al. 2022 (arXiv 2203.15556) Table 3 and App. D.4; Kaplan et al. 2020
(arXiv 2001.08361) Tables 5 and 6, Eq. 5.5 and 6.7; Muennighoff et al. 2023 (arXiv 2305.16264);
the reference sheet's §1–3 (../shared/REFERENCE.md, reference/laws.md §3 and §12).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import scalecalc
from scalecalc.presets import DEFAULT_PRESET, load
from scalecalc.solve import GOPHER_FLOPS, TABLE3_PARAMS

PF_DAY = 8.64e19
# Table 3 (Approach 1): D for each of the nine model sizes.
TABLE3_TOKENS = (8.0e9, 20.2e9, 205.1e9, 1.5e12, 3.7e12, 5.9e12, 11.0e12, 21.2e12, 216.2e12)


def test_default_is_the_refit_that_agrees_with_approaches_1_and_2() -> None:
    """REFERENCE §1: Besiroglu et al.'s refit implies about 18 tokens per parameter at Gopher's
    budget, close to Approaches 1 and 2 (about 20); the rounded set implies about 93."""
    assert DEFAULT_PRESET == "besiroglu"
    assert scalecalc.optimal(flops=GOPHER_FLOPS).tokens_per_param == pytest.approx(18.4, abs=0.5)
    run = scalecalc.optimal(flops=1e24)
    assert run.params == pytest.approx(95.86e9, rel=1e-3)
    assert run.tokens_per_param == pytest.approx(18.14, rel=1e-3)


def test_default_table_against_chinchilla_table_3() -> None:
    """Table 3's D column: the default stays within 25% of it up to 1T parameters (it drifts with
    its exponent a = 0.513 against Approach 1's 0.50), where the rounded set is 2.5x to 15x off."""
    default = scalecalc.table().tokens
    rounded = scalecalc.table(preset="chinchilla").tokens
    published = np.array(TABLE3_TOKENS)
    assert np.all(np.abs(default[:-1] / published[:-1] - 1) < 0.25)
    assert default[-1] / published[-1] == pytest.approx(0.67, abs=0.02)  # 10T: 144T against 216.2T
    assert np.all(rounded[3:] / published[3:] > 4.5)  # 67B and up: 7.26T for 67B, 3,169T for 10T
    assert rounded[-1] == pytest.approx(3169e12, rel=2e-3)
    assert list(scalecalc.table().params) == list(TABLE3_PARAMS)


def test_kaplan_at_1e21_flops_as_in_hoffmann_app_d4(run_inprocess) -> None:
    """App. D.4: Kaplan's rule gives 4.68 billion parameters at 1e21 FLOPs, with C_min = C/2."""
    result = run_inprocess("optimal", "--flops", "1e21", "-p", "kaplan", "-f", "json")
    (row,) = json.loads(result.stdout)
    assert row["params"] == pytest.approx(1.3e9 * (5e20 / PF_DAY) ** 0.73, rel=1e-9)
    assert row["params"] == pytest.approx(4.683e9, rel=1e-3)
    assert row["tokens"] == pytest.approx(1e21 / (6 * row["params"]), rel=1e-12)


@pytest.mark.parametrize(("c_min_pf_days", "expected"), [(1.0, 2.6581), (1e4, 1.6771)])
def test_kaplan_frontier_loss_table_5(run_inprocess, c_min_pf_days: float, expected: float) -> None:
    """Table 5: L(C_min) = (3.1e8 PF-days / C_min)^0.050; a training budget is C = 2·C_min."""
    flops = 2 * c_min_pf_days * PF_DAY
    result = run_inprocess("optimal", "--flops", repr(flops), "-p", "kaplan", "-f", "json")
    (row,) = json.loads(result.stdout)
    assert row["frontier_loss"] == pytest.approx(expected, abs=5e-5)
    assert row["frontier_loss"] == pytest.approx((3.1e8 / c_min_pf_days) ** 0.05, rel=1e-12)


def test_frontier_loss_is_blank_without_a_frontier_law(run_inprocess) -> None:
    (row,) = json.loads(run_inprocess("optimal", "--flops", "1e22", "-f", "json").stdout)
    assert row["frontier_loss"] is None
    table = run_inprocess("optimal", "--flops", "1e22").stdout
    assert "frontier_loss" not in table  # a person is spared a row no preset shown can fill


def test_kaplan_one_variable_laws(run_inprocess) -> None:
    """Table 5: L(N) = (8.8e13/N)^0.076 gives 2.3036 at N = 1.5e9 (reference/laws.md §3);
    L(D) = (5.4e13/D)^0.095."""
    (by_params,) = json.loads(run_inprocess("loss", "--params", "1.5B", "-p", "kaplan", "-f", "json").stdout)
    assert by_params["loss"] == pytest.approx(2.3036, abs=5e-5)
    assert by_params["tokens"] is None and "L(N)" in by_params["law"]
    (by_tokens,) = json.loads(run_inprocess("loss", "--tokens", "1.5B", "-p", "kaplan", "-f", "json").stdout)
    assert by_tokens["loss"] == pytest.approx((5.4e13 / 1.5e9) ** 0.095, rel=1e-12)
    assert "L(D)" in by_tokens["law"]


def test_one_variable_loss_needs_a_preset_that_has_it(run_inprocess) -> None:
    result = run_inprocess("loss", "--tokens", "1.5B")
    assert result.code == 2 and result.stdout == ""
    assert "no one-variable law L(D)" in result.stderr and "kaplan" in result.stderr
    neither = run_inprocess("loss")
    assert neither.code == 2 and "--params and --tokens" in neither.stderr


def test_muennighoff_warns_beyond_9b_params_and_900b_tokens(run_inprocess) -> None:
    """The authors' range: up to 9 billion parameters and 900 billion tokens."""
    inside = run_inprocess("loss", "--params", "1B", "--tokens", "100B", "-p", "muennighoff", "-f", "csv")
    assert inside.code == 0 and inside.stderr == ""
    beyond = run_inprocess("loss", "--params", "20B", "--tokens", "2T", "-p", "muennighoff", "-f", "csv")
    assert "warning: muennighoff was fitted on params from 10.0M to 9.00B and tokens up to 900B" \
        in beyond.stderr
    assert load("muennighoff").fitted_range == {"params": (1e7, 9e9), "tokens": (0.0, 9e11)}


@pytest.mark.parametrize("name", ["chinchilla", "chinchilla-exact"])
def test_rounded_and_unrounded_sets_say_how_far_they_sit(run_inprocess, name: str) -> None:
    """The caution's figures are the presets' own answers at Gopher's budget, rounded as printed."""
    result = run_inprocess("optimal", "--flops", "1e22", "-p", name, "-f", "csv")
    (note,) = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    own = scalecalc.optimal(flops=GOPHER_FLOPS, preset=name)
    one = scalecalc.optimal(flops=GOPHER_FLOPS, preset="chinchilla-approach1")
    two = scalecalc.optimal(flops=GOPHER_FLOPS, preset="chinchilla-approach2")
    shape = r"about (\d+) tokens .* about (\d+) and (\d+) \(N_opt ([\d.]+)x and ([\d.]+)x smaller\)"
    numbers = [float(value) for value in re.search(shape, note).groups()]
    assert numbers[0] == pytest.approx(own.tokens_per_param, abs=0.5)
    assert numbers[1:3] == [pytest.approx(one.tokens_per_param, abs=0.5),
                            pytest.approx(two.tokens_per_param, abs=0.5)]
    assert numbers[3:5] == [pytest.approx(one.params / own.params, abs=0.05),
                            pytest.approx(two.params / own.params, abs=0.05)]
    quiet = run_inprocess("optimal", "--flops", "1e22", "-f", "csv")
    assert "note:" not in quiet.stderr


def test_side_by_side_losses_carry_one_note(run_inprocess) -> None:
    result = run_inprocess("optimal", "--flops", "1e22", "-p", "besiroglu", "-p", "kaplan", "-f", "csv")
    assert result.stderr.count("different data and tokenizers") == 1
    alone = run_inprocess("optimal", "--flops", "1e22", "-p", "besiroglu", "-p", "chinchilla-approach1")
    assert "different data" not in alone.stderr  # only one of them predicts a loss


def test_readme_which_preset_table_is_what_the_presets_say() -> None:
    """The README's "Which preset?" table: each row re-computed (values as printed, 3 figures)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    row = r"^\| `([\w-]+)`[^|]*\| ([\d.]+) \| ([\d.]+)B \| ([\d.]+)T \| ([\d,.]+)T \|$"
    rows = re.findall(row, text, re.M)
    assert [row[0] for row in rows] == ["besiroglu", "chinchilla-approach1", "chinchilla-approach2",
                                        "chinchilla", "chinchilla-exact"]
    for name, per_param, params, tokens_67b, tokens_10t in rows:
        at_gopher = scalecalc.optimal(flops=GOPHER_FLOPS, preset=name)
        table = scalecalc.table(preset=name).tokens
        assert float(per_param) == pytest.approx(at_gopher.tokens_per_param, abs=0.05)
        assert float(params) == pytest.approx(at_gopher.params / 1e9, abs=0.05)
        assert float(tokens_67b) == pytest.approx(table[3] / 1e12, abs=0.005)
        assert float(tokens_10t.replace(",", "")) == pytest.approx(table[-1] / 1e12, abs=0.5)
