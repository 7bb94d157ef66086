"""Second read of issue 11 (precision, MoE, hparams, today's allocations): one test per defect found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile import refused


def test_hparams_refuses_deepseek_llm_whose_size_is_m_not_n(run_inprocess) -> None:
    # deepseek-llm's optimum is M (FLOPs per token, C = M·D): hparams took it as N, so Porian's and
    # Kaplan's rows got about six times the parameters (17.6B "params" at 1e21 FLOPs).
    refused(run_inprocess("hparams", "--flops", "1e21", "-p", "deepseek-llm"),
            "deepseek-llm", "FLOPs per token", "--params and --tokens")


@pytest.mark.parametrize("preset", ["krajewski-moe", "ludziejewski-moe", "clark-sbase"])
def test_hparams_refuses_moe_presets_without_talking_of_optimal(run_inprocess, preset: str) -> None:
    # It said "... so it cannot answer optimal", a command the user did not run.
    result = run_inprocess("hparams", "--flops", "1e21", "-p", preset)
    refused(result, preset, "mixture-of-experts", "--params and --tokens")
    assert "answer optimal" not in result.stderr


@pytest.mark.parametrize("preset", ["krajewski-moe", "ludziejewski-moe"])
def test_table_refuses_moe_presets_in_plain_words(run_inprocess, preset: str) -> None:
    # It said "... which only optimal and loss answer, so it cannot answer optimal": a contradiction.
    result = run_inprocess("table", "-p", preset)
    refused(result, preset, "only the optimal and loss commands")
    assert "cannot answer optimal" not in result.stderr


def test_check_plan_with_moe_preset_does_not_say_it_has_no_loss_law(run_inprocess, tmp_path: Path) -> None:
    # It said "max_loss needs a preset with a loss law (krajewski-moe has none)": it has one (Eq. 9).
    plan = tmp_path / "plan.toml"
    plan.write_text('preset = "krajewski-moe"\n[limits]\nmax_loss = 3\n[[run]]\nname = "a"\n'
                    'params = 6.9e9\ntokens = "2T"\n')
    result = run_inprocess("check", str(plan))
    refused(result, "krajewski-moe", "mixture-of-experts", "besiroglu")
    assert "has none" not in result.stderr


@pytest.mark.parametrize("args", [
    ("loss", "--model", "deepseek-v3", "-p", "ludziejewski-moe"),  # N, D and E all beyond the fit
    ("optimal", "--flops", "1e30", "-p", "krajewski-moe"),  # D, total N and G beyond the fit
])
def test_moe_answer_outside_its_fit_warns_once(run_inprocess, args: tuple[str, ...]) -> None:
    # Two warning lines came out for one answer: [fitted_range]'s and the experts/granularity one.
    result = run_inprocess(*args, "-f", "json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    assert "tokens" in warnings[0] and "extrapolation" in warnings[0]


@pytest.mark.parametrize("args", [
    ("loss", "--params", "1e10", "--tokens", "1e12", "--weight-bits", "1", "--post-bits", "2"),
    ("optimal", "--flops", "1e23", "--weight-bits", "2"),
])
def test_precision_answer_outside_its_fit_warns_once(run_inprocess, args: tuple[str, ...]) -> None:
    # Kumar: the N/D range and the 3-12 bits came out as two warning lines for one answer.
    result = run_inprocess(*args, "-p", "kumar-precision", "-f", "json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    assert "params from 30.0M to 220M" in warnings[0] and "precisions of 3 to 12 bits or 16" in warnings[0]


def test_moe_inside_its_fit_does_not_warn(run_inprocess) -> None:
    result = run_inprocess("loss", "--params", "1e9", "--tokens", "2e10", "--experts", "8",
                           "-p", "ludziejewski-moe", "-f", "csv")
    assert result.code == 0 and "warning" not in result.stderr, result.stderr


@pytest.mark.parametrize("width", ["0", "-1", "nan"])
def test_convert_d_model_out_of_bounds_names_the_real_bound(run_inprocess, width: str) -> None:
    # 0 was refused with "give a number above 0 and at most 1e300", a bound --d-model does not have.
    result = run_inprocess("convert", "--m", "4e10", f"--d-model={width}", "--seq-len", "4096")
    refused(result, "--d-model", "whole number from 1 to 1,048,576")
    assert "1e300" not in result.stderr


def test_convert_width_bound_is_the_same_as_the_other_commands(run_inprocess) -> None:
    # convert capped --d-model/--seq-len at 1,000,000 where hparams and the MoE options take 2^20.
    result = run_inprocess("convert", "--m", "1e20", "--d-model", "1048576", "--seq-len", "1048576",
                           "-f", "json")
    assert result.code == 0, result.stderr
    refused(run_inprocess("hparams", "--flops", "1e21", "--seq-len", "1048577"), "1,048,576")


def test_convert_m_below_one_layer_is_refused(run_inprocess) -> None:
    # --m 1 --d-model 1 --seq-len 1 answered 0.012 layers: no model has an M below one layer's.
    refused(run_inprocess("convert", "--m", "1", "--d-model", "1", "--seq-len", "1"),
            "less than one layer", "84")


def test_moe_count_bounds_are_written_with_separators(run_inprocess) -> None:
    # "from 1 to 1048576" beside convert's and hparams' "1,048,576": one way of writing bounds.
    refused(run_inprocess("loss", "--d-model", "2e6", "--n-blocks", "8", "--tokens", "1e10",
                          "--granularity", "4", "-p", "krajewski-moe"), "from 1 to 1,048,576")


# --- coefficient files and --set on the new presets ---

PRESETS = Path(__file__).resolve().parents[1] / "presets"


def _mutated(tmp_path: Path, preset: str, key: str, value: str, nth: int = 1) -> str:
    """The built-in preset file with the nth `key = ...` line set to `value`, as a file of its own."""
    lines, seen = [], 0
    for line in (PRESETS / f"{preset}.toml").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{key} = "):
            seen += 1
            if seen == nth:
                line = f"{key} = {value}"
        lines.append('name = "mutated"' if line.startswith("name = ") else line)
    assert seen >= nth, (preset, key)
    path = tmp_path / "mutated.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_precision_offset_beyond_every_precision_is_refused_in_the_file(run_inprocess, tmp_path) -> None:
    # n_w = 1e308 overflowed e^n (a RuntimeWarning on stderr) and asked for "more than inf weight bits".
    result = run_inprocess("loss", "--params", "1e8", "--tokens", "1e10", "--weight-bits", "4",
                           "-p", _mutated(tmp_path, "kumar-precision", "n_w", "1e308"))
    refused(result, "n_w", "up to 32 bits")
    assert "inf" not in result.stderr


def test_precision_offset_beyond_every_precision_is_refused_by_set(run_inprocess) -> None:
    refused(run_inprocess("optimal", "--flops", "1e21", "-p", "kumar-precision", "--set", "n_kv=40",
                          "--precision-search"), "n_kv", "up to 32 bits")


@pytest.mark.parametrize(("preset", "key", "value", "nth", "gist"), [
    ("krajewski-moe", "expansion", "64.5", 1, "not a whole number of experts"),  # was used as 64.5
    ("krajewski-moe", "total_low", "1e10", 1, "not below total_high"),  # warned "10.0B to 3.70B"
    ("ludziejewski-moe", "E_start", "0.5", 1, "1 ≤ E_start < E_max"),  # Ê no longer a count
    ("ludziejewski-moe", "E_max", "1", 1, "1 ≤ E_start < E_max"),  # was "too large for double precision"
    ("ludziejewski-moe", "experts", "1.5", 1, "not a whole number of experts"),  # a Table 4 fit at E = 1.5
    ("ludziejewski-moe", "experts", "1", 2, "more than one per-E fit"),  # E = 1 twice: one silently unused
])
def test_moe_coefficient_files_are_checked_between_keys(run_inprocess, tmp_path, preset, key, value, nth,
                                                        gist) -> None:
    refused(run_inprocess("optimal", "--flops", "1e21", "-p", _mutated(tmp_path, preset, key, value, nth)),
            key, gist)


# --- a check issue 11 lists that had no test ---

def test_porian_table1_exponents_in_the_docs() -> None:
    """Porian et al. 2024 (arXiv 2406.19146) Table 1, a in N* ∝ C^a on OpenWebText2 / RefinedWeb, step
    by step to 0.518 / 0.497. They ship as docs/allocation.md's table (no preset: no coefficients are
    published), so the table is what a wrong digit would reach."""
    table = {}
    for line in (PRESETS.parent / "docs" / "allocation.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1][:2] == "0.":
            table[cells[0]] = (float(cells[1]), float(cells[2]))
    expected = [(0.864, 0.835), (0.699, 0.706), (0.603, 0.602), (0.574, 0.571), (0.518, 0.497)]
    assert list(table.values()) == [pytest.approx(pair, abs=5e-4) for pair in expected]


def test_krajewski_optimal_for_a_size_says_why_it_needs_granularity(run_inprocess) -> None:
    # --help promised "optimal without it picks the best G"; for --params it only said "needs --granularity".
    refused(run_inprocess("optimal", "--params", "1e9", "-p", "krajewski-moe"),
            "--granularity", "only for a budget")


@pytest.mark.parametrize("batch", ["0.5", "1e-300"])
def test_check_batch_tokens_of_less_than_a_token_is_refused(run_inprocess, tmp_path: Path,
                                                             batch: str) -> None:
    # batch_tokens = 0.5 was held to the law as if half a token were a batch (and FAILed, not refused).
    plan = tmp_path / "plan.toml"
    plan.write_text(f'[limits]\nmax_batch_ratio = 2\n[[run]]\nname = "a"\nparams = 6.9e9\ntokens = "2T"\n'
                    f"batch_tokens = {batch}\n")
    refused(run_inprocess("check", str(plan)), "batch_tokens", "less than one token")
