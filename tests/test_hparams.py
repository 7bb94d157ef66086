"""`scalecalc hparams` and the batch and learning-rate limits of `check` plans.

Oracles: DeepSeek LLM (Bi et al. 2024, arXiv 2401.02954) Eq. 1 and Table 2; Porian et al. 2024
(arXiv 2406.19146) BS and LR laws; Kaplan et al. 2020 (arXiv 2001.08361) Table 6 and Eq. 1.4.
Values marked [computed] are the reference sheet's recomputation of the published formula.
"""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalecalc import check, hparams, presets
from scalecalc.errors import ScalecalcError

PF_DAY = 8.64e19


# --- DeepSeek LLM Eq. 1: B_opt = 0.2920·C^0.3271 tokens, η_opt = 0.3118·C^-0.1250 ---

def test_deepseek_eq1_at_the_7b_budget() -> None:
    # [computed] DeepSeek 7B: M 4.2279e10 FLOPs/token × 2.0T tokens = 8.4557e22 -> B 9.2226e6, η 4.246e-4.
    batch, rate = hparams.deepseek(8.4557e22)
    assert batch == pytest.approx(9.2226e6, rel=1e-4)
    assert rate == pytest.approx(4.246e-4, rel=1e-3)
    # Table 2 trained it at 2304 sequences of 4096 tokens and LR 4.2e-4: the law lands within 3%.
    assert batch == pytest.approx(2304 * 4096, rel=0.03)
    assert rate == pytest.approx(4.2e-4, rel=0.02)


def test_deepseek_eq1_at_1e20() -> None:
    # [computed] C = 1e20 (the validation budget of §3.1): B_opt 1.0171e6 tokens, η_opt 9.860e-4.
    batch, rate = hparams.deepseek(1e20)
    assert batch == pytest.approx(1.0171e6, rel=1e-4)
    assert rate == pytest.approx(9.860e-4, rel=1e-4)


# --- Porian et al. 2024: BS = 0.00037·N^0.703 sequences of 2048, LR = 3.7·N^-0.36 ---

@pytest.mark.parametrize(("params", "sequences", "rate"), [
    (108_462_080, 164.8, 4.74e-3),  # [computed] from the law; their tuned run: 160, 4.70e-3
    (901_726_208, 730.5, 2.21e-3),  # [computed]; their tuned run: 640, 2.40e-3
])
def test_porian_laws(params: float, sequences: float, rate: float) -> None:
    got_sequences, got_rate = hparams.porian(params)
    assert got_sequences == pytest.approx(sequences, rel=1e-3)
    assert got_rate == pytest.approx(rate, rel=2e-3)


def test_porian_batch_is_counted_in_sequences_of_2048() -> None:
    run = hparams.given_run(108_462_080, 2e9)
    row = _row(hparams.hyperparameters(run, seq_len=2048), "Porian")
    assert row.batch_tokens == pytest.approx(0.00037 * 108_462_080 ** 0.703 * 2048, rel=1e-9)
    assert row.batch_sequences == 165  # 164.8 rounded to whole sequences


# --- Kaplan et al. 2020 Table 6 (C_min = C/2 in PF-days) and Eq. 1.4 ---

def test_kaplan_table6_at_one_pf_day() -> None:
    # Table 6 at C_min = 1 PF-day, a training budget of C = 2 PF-days: B 2.0e6 tokens, S_min 5.4e3.
    batch, least = hparams.kaplan_table6(presets.load("kaplan"), 2 * PF_DAY)
    assert batch == pytest.approx(2.0e6, rel=1e-9)
    assert least == pytest.approx(5.4e3, rel=1e-9)


def test_kaplan_table6_at_a_thousand_pf_days() -> None:
    # [computed] Table 6 at C_min = 1e3 PF-days: B 1.050e7, S_min 6.643e3.
    batch, least = hparams.kaplan_table6(presets.load("kaplan"), 2e3 * PF_DAY)
    assert batch == pytest.approx(1.050e7, rel=1e-3)
    assert least == pytest.approx(6.643e3, rel=1e-4)


def test_kaplan_critical_batch_is_eq_1_4_at_the_predicted_loss() -> None:
    kaplan = presets.load("kaplan")
    run = hparams.given_run(1e9, 2e10)
    row = _row(hparams.hyperparameters(run), "Eq. 1.4")
    # The loss is Kaplan's joint L(N, D) of Table 2: [(6.4e13/N)^(0.076/0.103) + 1.8e13/D]^0.103.
    expected = ((6.4e13 / 1e9) ** (0.076 / 0.103) + 1.8e13 / 2e10) ** 0.103
    assert row.loss == pytest.approx(expected, rel=1e-9)
    assert row.loss == pytest.approx(float(kaplan.law.loss(1e9, 2e10)), rel=1e-9)
    # Eq. 1.4, B_crit(L) = 2.1e8 tokens / L^(1/0.21).
    assert row.batch_tokens == pytest.approx(2.1e8 / expected ** (1 / 0.21), rel=1e-9)


# --- the rows together ---

def _row(rows, name: str):
    (found,) = [row for row in rows if name in row.law]
    return found


def test_steps_are_tokens_over_the_whole_sequence_batch_rounded_up() -> None:
    run = hparams.given_run(7e9, 2e12)
    for row in hparams.hyperparameters(run, seq_len=4096):
        assert row.batch_sequences == max(1, round(row.batch_tokens / 4096))
        assert row.steps == math.ceil(2e12 / (row.batch_sequences * 4096))
        assert row.flops == pytest.approx(6 * 7e9 * 2e12, rel=1e-12)


def test_a_batch_larger_than_the_data_is_one_step_and_says_so() -> None:
    rows = hparams.hyperparameters(hparams.given_run(1e6, 1e3))
    assert all(row.steps == 1 for row in rows)
    assert all("less than one batch" in row.note for row in rows)


def test_learning_rate_is_blank_only_where_the_law_has_none_and_the_note_says_so() -> None:
    rows = hparams.hyperparameters(hparams.given_run(7e9, 2e12))
    for row in rows:
        if row.law.startswith("Kaplan"):
            assert row.learning_rate is None and "no learning rate" in row.note.lower()
        else:
            assert row.learning_rate is not None and row.learning_rate > 0


def test_every_row_names_its_fitted_range_and_extrapolation() -> None:
    rows = hparams.hyperparameters(hparams.given_run(7e9, 2e12))
    assert all(row.fitted and row.formula for row in rows)
    assert "above the fit" in _row(rows, "DeepSeek").note
    inside = hparams.hyperparameters(hparams.given_run(1e8, 2e9))
    assert "above the fit" not in _row(inside, "Porian").note


def test_the_budget_route_takes_n_and_d_from_the_preset() -> None:
    besiroglu = presets.load("besiroglu")
    run = hparams.run_for_budget(besiroglu, 1e23)
    assert run.flops == 1e23
    assert 6 * run.params * run.tokens == pytest.approx(1e23, rel=1e-9)


@pytest.mark.parametrize("flops", ["1e21", "1e23", "1e25"])
def test_hparams_flops_gives_every_law_a_full_row(run_inprocess, flops: str) -> None:
    result = run_inprocess("hparams", "--flops", flops, "--format", "json")
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    laws = ["DeepSeek Eq. 1", "Porian 2024", "Kaplan Table 6", "Kaplan Eq. 1.4"]
    assert [row["law"] for row in rows] == laws
    for row in rows:
        for key in ("params", "tokens", "flops", "batch_tokens", "batch_sequences", "steps"):
            assert isinstance(row[key], (int, float)) and row[key] > 0, (row["law"], key)
        assert all(isinstance(row[key], int) for key in ("seq_len", "batch_sequences", "steps"))
        assert row["formula"] and row["fitted"] and row["note"]
        assert row["flops"] == pytest.approx(float(flops), rel=1e-12)
    assert rows[0]["learning_rate"] > 0 and rows[1]["learning_rate"] > 0
    assert rows[2]["min_steps"] > 0 and rows[3]["loss"] > 0
    assert "extrapolation" in result.stderr  # every law's fit lies below these budgets


def test_the_command_gives_the_published_values(run_inprocess) -> None:
    # DeepSeek LLM 7B's budget (Table 2, [computed] 8.456e22): B_opt 9.22M tokens, η_opt 4.25e-4;
    # Kaplan Table 6 at C_min = 1 PF-day, C = 2 PF-days: B 2.0e6 tokens, S_min 5.4e3.
    deepseek = json.loads(run_inprocess("hparams", "--flops", "8.456e22", "-f", "json").stdout)[0]
    assert deepseek["batch_tokens"] == pytest.approx(9.2227e6, rel=1e-4)
    assert deepseek["learning_rate"] == pytest.approx(4.246e-4, rel=1e-3)
    kaplan = json.loads(run_inprocess("hparams", "--flops", "2pfd", "-f", "json").stdout)[2]
    assert kaplan["batch_tokens"] == pytest.approx(2.0e6, rel=1e-9)
    assert kaplan["min_steps"] == pytest.approx(5.4e3, rel=1e-9)


def test_csv_and_table_show_the_same_rows(run_inprocess) -> None:
    as_csv = run_inprocess("hparams", "--params", "7B", "--tokens", "2T", "--format", "csv")
    table = run_inprocess("hparams", "--params", "7B", "--tokens", "2T")
    assert as_csv.code == table.code == 0
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 4
    for row in rows:
        assert row["law"] in table.stdout
    assert float(rows[0]["flops"]) == pytest.approx(8.4e22, rel=1e-12)


def test_seq_len_changes_sequences_not_tokens(run_inprocess) -> None:
    out = {length: json.loads(run_inprocess("hparams", "--flops", "1e20", "--seq-len", length,
                                            "-f", "json").stdout) for length in ("2048", "4096")}
    for short, long in zip(out["2048"], out["4096"], strict=True):
        assert short["batch_tokens"] == pytest.approx(long["batch_tokens"], rel=1e-12)
        assert short["batch_sequences"] == pytest.approx(2 * long["batch_sequences"], abs=1)


def test_model_gives_each_law_its_count(run_inprocess) -> None:
    result = run_inprocess("hparams", "--model", "deepseek-llm-7b", "-f", "json")
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    total, porian_n, kaplan_n = rows[0]["params"], rows[1]["params"], rows[2]["params"]
    # Kaplan leaves out embeddings and the head; Porian keeps the head; DeepSeek's C uses every parameter.
    assert kaplan_n < porian_n < total
    assert rows[0]["tokens"] == pytest.approx(2e12, rel=1e-9)  # DeepSeek LLM 7B: 2.0T tokens (Table 2)
    assert "--tokens defaults to" in result.stderr


def test_model_sets_the_sequence_length_unless_given(run_inprocess) -> None:
    # DeepSeek LLM 7B trained at a context of 4096 (Table 2); Llama 3 8B at 8192 (catalogue).
    for model, context in (("deepseek-llm-7b", 4096), ("llama-3-8b", 8192)):
        rows = json.loads(run_inprocess("hparams", "--model", model, "-f", "json").stdout)
        assert {row["seq_len"] for row in rows} == {context}
        batch = rows[0]["batch_tokens"]
        assert rows[0]["batch_sequences"] == max(1, round(batch / context))
    given = run_inprocess("hparams", "--model", "llama-3-8b", "--seq-len", "2048", "-f", "json")
    rows = json.loads(given.stdout)
    assert {row["seq_len"] for row in rows} == {2048}


# --- check plans: max_batch_ratio and max_lr_ratio ---

def _plan(tmp_path, body: str) -> str:
    path = tmp_path / "plan.toml"
    path.write_text(body)
    return str(path)


DEEPSEEK_7B_PLAN = """
[[run]]
name = "7b"
params = 6.9e9
tokens = "2T"
batch_tokens = 9437184   # DeepSeek LLM Table 2: 2304 sequences of 4096
learning_rate = 4.2e-4
[run.limits]
max_batch_ratio = 1.5
max_lr_ratio = 1.5
"""


def test_check_passes_deepseek_7b_against_its_own_law(run_inprocess, tmp_path) -> None:
    result = run_inprocess("check", _plan(tmp_path, DEEPSEEK_7B_PLAN), "-f", "json")
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["verdict"] for row in rows] == ["PASS", "PASS"]
    batch, rate = hparams.deepseek(6 * 6.9e9 * 2e12)
    assert rows[0]["planned"] == pytest.approx(9437184 / batch, rel=1e-9)
    assert rows[1]["planned"] == pytest.approx(max(4.2e-4 / rate, rate / 4.2e-4), rel=1e-9)


def test_check_fails_a_batch_far_off_the_law(run_inprocess, tmp_path) -> None:
    plan = DEEPSEEK_7B_PLAN.replace("9437184", '"100M"').replace("max_lr_ratio = 1.5\n", "")
    result = run_inprocess("check", _plan(tmp_path, plan), "-f", "json")
    assert result.code == 1
    (row,) = json.loads(result.stdout)
    assert row["verdict"] == "FAIL" and row["planned"] > 10


def test_check_ratio_is_symmetric(tmp_path) -> None:
    # Half the law's batch and twice it are the same factor, 2.
    batch, _ = hparams.deepseek(6 * 1e9 * 2e10)
    factors = []
    for planned in (batch / 2, batch * 2):
        (run,) = check.read_plan(_write(tmp_path, f"[[run]]\nparams = 1e9\ntokens = 2e10\n"
                                        f"batch_tokens = {planned!r}\n[run.limits]\nmax_batch_ratio = 3\n"))
        (result,) = check.evaluate(run)
        factors.append(result.planned)
    assert factors == pytest.approx([2.0, 2.0], rel=1e-9)


def _write(tmp_path, text: str):
    path = tmp_path / "p.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("law", ["porian", "kaplan"])
def test_check_holds_the_batch_to_the_law_the_plan_names(tmp_path, law: str) -> None:
    (run,) = check.read_plan(_write(tmp_path, f'hparams_law = "{law}"\n[[run]]\nparams = 1e8\ntokens = 2e9\n'
                                    'batch_tokens = 5e5\n[run.limits]\nmax_batch_ratio = 10\n'))
    (result,) = check.evaluate(run)
    expected = hparams.law_values(law, hparams.given_run(1e8, 2e9))[0]
    assert result.planned == pytest.approx(max(5e5 / expected, expected / 5e5), rel=1e-9)


def test_kaplan_has_no_learning_rate_to_check(tmp_path) -> None:
    (run,) = check.read_plan(_write(tmp_path, '[[run]]\nparams = 1e8\ntokens = 2e9\nlearning_rate = 1e-3\n'
                                    'hparams_law = "kaplan"\n[run.limits]\nmax_lr_ratio = 2\n'))
    with pytest.raises(ScalecalcError, match="learning rate"):
        check.evaluate(run)


def test_hparams_does_not_import_scipy() -> None:
    import subprocess
    import sys

    code = ("import sys; from scalecalc.cli import main; main(['hparams', '--flops', '1e22', '-f', 'csv']); "
            "sys.exit('scipy' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


# --- properties and the installed script ---


@given(log_n=st.floats(0, 15), log_d=st.floats(0, 16), seq_len=st.integers(1, hparams.MAX_SEQ_LEN))
def test_steps_cover_the_data_and_no_more(log_n: float, log_d: float, seq_len: int) -> None:
    run = hparams.given_run(10 ** log_n, 10 ** log_d)
    for row in hparams.hyperparameters(run, seq_len):
        per_step = row.batch_sequences * seq_len
        assert row.batch_sequences >= 1 and row.batch_sequences == int(row.batch_sequences)
        assert row.steps * per_step >= run.tokens * (1 - 1e-12)
        assert (row.steps - 1) * per_step < run.tokens
        assert all(math.isfinite(value) for value in (row.batch_tokens, row.steps))


@given(log_c=st.floats(17, 27))
def test_batch_grows_and_learning_rate_falls_with_compute(log_c: float) -> None:
    # DeepSeek LLM Eq. 1: exponents +0.3271 and -0.1250.
    (b1, r1), (b2, r2) = hparams.deepseek(10 ** log_c), hparams.deepseek(10 ** (log_c + 1))
    assert b2 / b1 == pytest.approx(10 ** 0.3271, rel=1e-9)
    assert r2 / r1 == pytest.approx(10 ** -0.1250, rel=1e-9)


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_installed_script_answers_in_every_format(run_installed, fmt: str) -> None:
    result = run_installed("hparams", "--flops", "1e22", "--format", fmt)
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    for law in ("DeepSeek Eq. 1", "Porian 2024", "Kaplan Table 6", "Kaplan Eq. 1.4"):
        assert law in result.stdout
    if fmt == "json":
        assert "NaN" not in result.stdout and "Infinity" not in result.stdout


def test_a_model_gives_deepseek_its_own_compute(run_inprocess) -> None:
    # DeepSeek LLM 7B: M = 4.2279e10 (Eq. 2; 30 layers, d 4096, context 4096), C = M·2T = 8.4557e22,
    # and Eq. 1 there gives B_opt 9.2226e6 tokens and η_opt 4.246e-4 (Table 2 trained at 9.44e6, 4.2e-4).
    rows = json.loads(run_inprocess("hparams", "--model", "deepseek-llm-7b", "-f", "json").stdout)
    deepseek = rows[0]
    assert deepseek["flops"] == pytest.approx(8.4557e22, rel=1e-4)
    assert deepseek["batch_tokens"] == pytest.approx(9.2226e6, rel=1e-4)
    assert deepseek["learning_rate"] == pytest.approx(4.246e-4, rel=1e-3)
    assert "M·D" in deepseek["note"]
    assert rows[1]["flops"] == pytest.approx(6 * 6910365696 * 2e12, rel=1e-9)  # the others keep 6·N·D


def test_a_check_plan_holds_a_model_to_the_same_deepseek_value(run_inprocess, tmp_path) -> None:
    rows = json.loads(run_inprocess("hparams", "--model", "deepseek-llm-7b", "-f", "json").stdout)
    plan = tmp_path / "plan.toml"
    plan.write_text(f'[[run]]\nname = "7b"\nmodel = "deepseek-llm-7b"\ntokens = "2T"\n'
                    f'batch_tokens = {2 * rows[0]["batch_tokens"]!r}\n[run.limits]\nmax_batch_ratio = 3\n')
    result = run_inprocess("check", str(plan), "-f", "json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)[0]["planned"] == pytest.approx(2.0, rel=1e-9)
