"""Bad input to the allocation laws of issue 11 (deepseek-llm, llama3) and to `convert`: one clear line,
exit 2, nothing on stdout, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import refused

import scalecalc
from scalecalc.errors import ScalecalcError

# 1. A preset sized by M (FLOPs per token) never takes a parameter count, nor shares a table with N.
M_REFUSALS = [
    (("optimal", "--params", "7B", "-p", "deepseek-llm"), "sizes a model by M"),
    (("table", "-p", "deepseek-llm"), "sizes a model by M"),  # default rows are model sizes
    (("table", "--params", "1B,10B", "-p", "deepseek-llm"), "sizes a model by M"),
    (("tokens", "--params", "7B", "-p", "deepseek-llm"), "sizes a model by M"),
    (("tokens", "--params", "7B", "--flops", "1e22", "-p", "deepseek-llm"), "sizes a model by M"),
    (("optimal", "--model", "deepseek-llm-7b", "-p", "deepseek-llm"), "--model and --flops-per-token do not"),
    (("optimal", "--flops", "1e20", "--flops-per-token", "8", "-p", "deepseek-llm"),
     "--model and --flops-per-token do not"),
    (("table", "--model", "deepseek-llm-7b", "-p", "deepseek-llm"), "--model and --flops-per-token do not"),
    (("optimal", "--flops", "1e20", "-p", "deepseek-llm", "-p", "besiroglu"), "ask it alone"),
    (("table", "--flops", "1e20", "-p", "besiroglu", "-p", "deepseek-llm"), "ask it alone"),
    (("optimal", "--loss", "2.0", "-p", "deepseek-llm"), "has no loss law"),
    (("loss", "--params", "1B", "--tokens", "20B", "-p", "deepseek-llm"), "has no loss law"),
    (("optimal", "--flops", "1e20", "--ci", "95", "-p", "deepseek-llm"), "carries no uncertainty"),
    (("optimal", "--flops", "0.5", "-p", "deepseek-llm"), "below 1"),
    (("optimal", "--flops", "1e301", "-p", "llama3"), "1e300"),
]


@pytest.mark.parametrize(("args", "gist"), M_REFUSALS, ids=lambda value: " ".join(value)
                         if isinstance(value, tuple) else None)
def test_m_preset_refusals(run_inprocess, args: tuple[str, ...], gist: str) -> None:
    refused(run_inprocess(*args), gist)


def test_m_preset_refuses_n_from_python() -> None:
    with pytest.raises(ScalecalcError, match="sizes a model by M"):
        scalecalc.optimal(params=7e9, preset="deepseek-llm")


def test_m_preset_refusal_through_the_console_script(run_installed) -> None:
    refused(run_installed("optimal", "--params", "7B", "-p", "deepseek-llm"), "--flops or --tokens")


# 2. A user's preset file: the M convention and the token rule are checked where they are read.
BASE = """
name = "mine"
summary = "a test rule"
[source]
citation = "Me 2026"
location = "my notebook"
"""


@pytest.mark.parametrize(("body", "gist"), [
    ('params_convention = "flops-per-token"\n[allocation]\nform = "power-law"\ncoefficient = 0.1\n'
     'exponent = 0.5\n', "key params_convention must be 'flops-per-token' exactly when"),
    ('params_convention = "total"\n[allocation]\nform = "flops-per-token-power-law"\ncoefficient = 0.1\n'
     'exponent = 0.5\n', "key params_convention must be 'flops-per-token' exactly when"),
    ('flops_per_param_token = 6\n[allocation]\nform = "flops-per-token-power-law"\ncoefficient = 0.1\n'
     'exponent = 0.5\n', "key flops_per_param_token must be 1 (or left out) for flops-per-token"),
    ('params_convention = "flops per token"\n[allocation]\nform = "power-law"\ncoefficient = 0.1\n'
     'exponent = 0.5\n', "key params_convention must be"),
    ('[allocation]\nform = "tokens-power-law"\ncoefficient = 0.29\nexponent = 1.2\n',
     "key allocation is a token rule D = k·C^a with a = 1.2"),
    ('[allocation]\nform = "tokens-power-law"\ncoefficient = 0.29\nexponent = true\n', "allocation.exponent"),
    ('[allocation]\nform = "tokens-power-law"\ncoefficient = -0.29\nexponent = 0.5\n',
     "allocation.coefficient"),
])
def test_user_preset_files(run_inprocess, tmp_path: Path, body: str, gist: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(BASE.replace('[source]', body.split("[allocation]")[0] + "[source]", 1)
                    + "[allocation]" + body.split("[allocation]")[1])
    refused(run_inprocess("optimal", "--flops", "1e20", "-p", str(path)), str(path), gist)


# 3. convert: one question, numbers in range, the shape only with --m.
CONVERT_REFUSALS = [
    ((), "give exactly one of --non-embedding, --total or --m."),
    (("--non-embedding", "1e9", "--total", "1e9"), "not --non-embedding and --total together"),
    (("--non-embedding", "-1"), "--non-embedding"),
    (("--non-embedding", "0"), "--non-embedding"),
    (("--non-embedding", "nan"), "--non-embedding"),
    (("--non-embedding", "inf"), "--non-embedding"),
    (("--non-embedding", "1e301"), "1e300"),
    (("--non-embedding", "1e9,x"), "--non-embedding"),
    (("--total", "1000"), "give a total of at least 47,492"),
    (("--total", "1e9,10"), "give a total of at least 47,492"),
    (("--total", "1e9", "--d-model", "4096"), "--d-model and --seq-len go with --m"),
    (("--m", "1e9"), "add --d-model and --seq-len"),
    (("--m", "1e9", "--d-model", "4096"), "add --seq-len"),
    (("--m", "1e9", "--d-model", "0.5", "--seq-len", "4096"), "--d-model: 0.5 must be a whole number"),
    (("--m", "1e9", "--d-model", "2e6", "--seq-len", "4096"), "from 1 to 1,048,576"),
    (("--m", "1e9", "--d-model", "4096", "--seq-len", "nan"), "--seq-len"),
    (("--m", "1e9", "--d-model", "4096", "--seq-len", "-4096"), "--seq-len"),
    (("--m", "-1", "--d-model", "4096", "--seq-len", "4096"), "--m"),
    (("--total", "1e9", "--total", "2e9"), "--total was given more than once"),
]


@pytest.mark.parametrize(("args", "gist"), CONVERT_REFUSALS, ids=lambda value: " ".join(value)
                         if isinstance(value, tuple) else None)
def test_convert_refusals(run_inprocess, args: tuple[str, ...], gist: str) -> None:
    refused(run_inprocess("convert", *args), gist)


@pytest.mark.parametrize("bad", [True, "1e9", None, [1e9, True], -5.0, float("nan")])
def test_conversions_refuse_non_numbers_from_python(bad: object) -> None:
    from scalecalc import conversions

    for function in (conversions.total_from_non_embedding, conversions.non_embedding_from_total):
        with pytest.raises(ScalecalcError):
            function(bad)


def test_m_form_alone_sets_its_convention_and_c_equals_m_d(tmp_path: Path) -> None:
    """The form declares the convention, so a file need not repeat it; and C = M·D, not 6·M·D."""
    path = tmp_path / "mine.toml"
    path.write_text(BASE + '[allocation]\nform = "flops-per-token-power-law"\ncoefficient = 0.1715\n'
                    'exponent = 0.5243\n')
    run = scalecalc.optimal(flops=1e20, preset=str(path))
    assert run.flops == pytest.approx(run.m_flops_per_token * run.tokens, rel=1e-12)


def test_frontier_plot_refuses_the_m_preset(run_inprocess, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "frontier.svg"
    refused(run_inprocess("plot", "frontier", "-p", "deepseek-llm", "--out", str(out)), "no N to draw")
    assert not out.exists()


def test_check_plan_refuses_the_m_preset(run_inprocess, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('preset = "deepseek-llm"\n[[run]]\nname = "a"\nparams = 7e9\ntokens = 2e12\n'
                    '[limits]\nmax_flops = 1e24\n')
    refused(run_inprocess("check", str(plan)), "key preset is not usable",
            "cannot check a run given by its params")
