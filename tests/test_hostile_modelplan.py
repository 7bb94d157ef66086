"""Hostile input to --model, --flops-per-token, params_convention and models --preset/--sort: one case
per defect, each asserting exit code 2, the gist of the one-line message, an empty stdout and no
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import refused

MODEL_WITH_PARAMS = {
    "optimal": ("optimal", "--model", "llama-3-8b", "--params", "7B"),
    "loss": ("loss", "--model", "llama-3-8b", "--params", "7B", "--tokens", "1T"),
    "tokens": ("tokens", "--model", "llama-3-8b", "--params", "7B"),
    "table": ("table", "--model", "llama-3-8b", "--params", "7B"),
    "check": ("check", "--model", "llama-3-8b", "--params", "7B", "--max-flops", "1e24"),
}


@pytest.mark.parametrize("command", MODEL_WITH_PARAMS)
def test_model_and_params_together(run_inprocess, command: str) -> None:
    refused(run_inprocess(*MODEL_WITH_PARAMS[command]), "give --model or --params, not both")


CASES = {
    "unknown model": (("loss", "--model", "llama-9-1t", "--tokens", "1T"), "unknown model 'llama-9-1t'"),
    "empty model": (("optimal", "--model", " "), "--model is empty"),
    "model beside a budget": (("optimal", "--model", "llama-3-8b", "--flops", "1e24"),
                              "does not go with --flops"),
    "model without tokens": (("loss", "--model", "mistral-7b"), "no published training token count"),
    "missing config file": (("optimal", "--model", "no/such/config.json"),
                            "no/such/config.json does not exist"),
    "flops per token zero": (("optimal", "--flops", "1e24", "--flops-per-token", "0"),
                             "--flops-per-token: 0 is not positive"),
    "flops per token negative": (("loss", "--params", "7B", "--tokens", "1T", "--flops-per-token", "-1"),
                                 "--flops-per-token: -1 is not positive"),
    "flops per token NaN": (("optimal", "--flops", "1e24", "--flops-per-token", "nan"), "(NaN)"),
    "flops per token infinite": (("optimal", "--flops", "1e24", "--flops-per-token", "inf"), "(infinite)"),
    "flops per token beyond its bound": (("optimal", "--flops", "1e24", "--flops-per-token", "1e4"),
                                         "above 1000, the largest usable value"),
    "a shape convention without a model": (("optimal", "--flops", "1e24", "--flops-per-token", "6N+attn"),
                                           "6N+attn counts FLOPs from a model's shape; give --model"),
    "an unknown convention": (("tokens", "--model", "llama-3-8b", "--flops-per-token", "6N+magic"),
                              "neither a number nor a convention"),
    "flops per token empty": (("optimal", "--flops", "1e24", "--flops-per-token", ""), "the value is empty"),
    "flops per token on a one-variable loss": (("loss", "--tokens", "1T", "--preset", "kaplan",
                                                "--flops-per-token", "8"), "need a whole run"),
    "flops per token with inference": (("optimal", "--loss", "2.1", "--inference-tokens", "1T",
                                        "--flops-per-token", "8"), "do not go with --inference-tokens"),
    "tokens without a size": (("tokens",), "give the model size as --params"),
    "table models and budgets": (("table", "--model", "llama-3-8b", "--flops", "1e22"),
                                 "as --model or as --flops, not both"),
    "table empty model item": (("table", "--model", "llama-3-8b,,gpt-2"), "with no empty item"),
    "table unknown model": (("table", "--model", "llama-3-8b,nope"), "unknown model 'nope'"),
    "models sort unknown column": (("models", "--sort", "speed"), "--sort: 'speed' is not a column"),
    "models reverse alone": (("models", "--reverse"), "--reverse goes with --sort"),
    "models preset without a law": (("models", "--preset", "chinchilla-approach1"), "no loss law"),
    "models preset unknown": (("models", "--preset", "nope"), "unknown preset 'nope'"),
    "check model without tokens": (("check", "--model", "gpt-2", "--max-flops", "1e24"),
                                   "no published training token count"),
    "check model beside a plan": (("check", "examples/plan.toml", "--model", "llama-3-8b"),
                                  "--model with a plan file"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_options(run_inprocess, monkeypatch, case: str) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    args, gist = CASES[case]
    refused(run_inprocess(*args), gist)


GARBAGE_CONFIGS = {
    "not JSON": (b"{", "is not valid JSON"),
    "not UTF-8": (b"\xff\xfe{}", "is not UTF-8 text"),
    "a list": (b"[1]", "must hold one JSON object"),
    "unknown family": (b'{"model_type": "bert"}', "model_type 'bert'"),
    "empty": (b"", "is not valid JSON"),
}


@pytest.mark.parametrize("case", GARBAGE_CONFIGS)
def test_garbage_config_json(run_inprocess, tmp_path: Path, case: str) -> None:
    data, gist = GARBAGE_CONFIGS[case]
    path = tmp_path / "config.json"
    path.write_bytes(data)
    refused(run_inprocess("loss", "--model", str(path), "--tokens", "1T"), gist)
    assert path.read_bytes() == data  # never modified


def test_garbage_config_through_the_installed_script(run_installed, tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("not json at all")
    refused(run_installed("optimal", "--model", str(path), "--format", "csv"), "is not valid JSON")


PRESET = """name = "mine"
summary = "a test preset"
{line}
[source]
citation = "nobody"
location = "here"
[law]
form = "chinchilla"
E = 1.8
A = 400.0
B = 400.0
alpha = 0.34
beta = 0.28
"""


@pytest.mark.parametrize(("line", "gist"), [
    ('params_convention = "embedding"', "key params_convention must be 'total' or 'non-embedding'"),
    ("params_convention = true", "key params_convention must be a non-empty string, not true"),
    ('params_convention = ["total"]', "key params_convention must be a non-empty string, not a list"),
])
def test_bad_params_convention_in_a_preset_file(run_inprocess, tmp_path: Path, line: str, gist: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(PRESET.format(line=line))
    refused(run_inprocess("optimal", "--model", "llama-3-8b", "--preset", str(path)), gist)


PLANS = {
    "model with params": ('model = "llama-3-8b"\nparams = "7B"\n', "does not go with params"),
    "unknown model": ('model = "nope"\n', "key model is not usable: unknown model 'nope'"),
    "model from standard input": ('model = "-"\n', "cannot be standard input in a plan file"),
    "model without tokens": ('model = "gpt-2"\n', "has no published token count; add tokens"),
    "model not a string": ("model = 7\n", "key model must be a non-empty string"),
}


@pytest.mark.parametrize("case", PLANS)
def test_bad_models_in_plan_files(run_inprocess, tmp_path: Path, case: str) -> None:
    body, gist = PLANS[case]
    plan = tmp_path / "plan.toml"
    plan.write_text('[[run]]\nname = "a"\n' + body + "[run.limits]\nmax_flops = 1e24\n")
    result = run_inprocess("check", str(plan))
    refused(result, gist)
    assert "line" in result.stderr and "run a" in result.stderr
