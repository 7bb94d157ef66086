"""Hostile input for precision, accelerator memory, max_gpus and catalogue models (`check`, `model`,
`hardware`, and the core's serving functions).

Every case: exit 2, one sentence on stderr with the gist, nothing on stdout, no traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hostile import refused

from scalecalc import hardware, inference
from scalecalc.errors import ScalecalcError

RUN = ("check", "--params", "7B", "--tokens", "1T")
LIMIT = ("--max-flops", "1e30")



# ---- options ---------------------------------------------------------------------------------------

OPTION_CASES = {
    "unknown precision": ([*RUN, "--gpu", "h100", "--precision", "fp4", *LIMIT],
                          "--precision: 'fp4' is not a precision scalecalc knows; give bf16"),
    "empty precision": ([*RUN, "--gpu", "h100", "--precision", "", *LIMIT], "--precision: '' is not"),
    "precision with a space": ([*RUN, "--gpu", "h100", "--precision", "bf 16", *LIMIT], "'bf 16' is not"),
    "precision without --gpu": ([*RUN, "--precision", "fp8", *LIMIT],
                                "--precision describes an accelerator: add --gpu NAME"),
    "fp8 on an A100": ([*RUN, "--gpu", "a100", "--precision", "fp8", *LIMIT],
                       "NVIDIA A100 SXM 80 GB (a100) has no FP8 figure in the catalogue; use --precision"),
    "fp8 on a TPU v6e": ([*RUN, "--gpu", "tpu-v6e", "--precision", "fp8", *LIMIT], "(tpu-v6e) has no FP8"),
    "max-gpus a fraction": ([*RUN, "--gpu", "h100", "--max-gpus", "0.5"],
                            "--max-gpus: 0.5 is less than one accelerator"),
    "max-gpus not whole": ([*RUN, "--gpu", "h100", "--max-gpus", "2.5"], "2.5 is not a whole number"),
    "max-gpus zero": ([*RUN, "--gpu", "h100", "--max-gpus", "0"], "--max-gpus: 0 is not positive"),
    "max-gpus huge": ([*RUN, "--gpu", "h100", "--max-gpus", "1e9"], "above the limit of 100,000,000"),
    "max-gpus garbled": ([*RUN, "--gpu", "h100", "--max-gpus", "lots"], "--max-gpus: 'lots' is not a number"),
    "max-gpus without a way to count": ([*RUN, "--max-gpus", "8"],
                                        "max_gpus needs the run's accelerator count (gpus)"),
    "max-gpus on a part without memory": ([*RUN, "--gpu", "v100", "--max-gpus", "8"],
                                          "max_gpus needs the run's accelerator count"),
    "model and params": (["check", "--model", "llama-3-8b", "--params", "7B", "--tokens", "1T", *LIMIT],
                         "give --model or --params, not both"),
    "unknown model": (["check", "--model", "llama-9", "--tokens", "1T", *LIMIT], "unknown model 'llama-9'"),
    "model without tokens": (["check", "--model", "mistral-7b", *LIMIT], "no published training token count"),
    "a state no count of accelerators holds": (
        ["check", "--params", "1e30", "--tokens", "1", "--gpu", "h100", "--gpus", "8", "--max-flops", "1e40"],
        "even 100,000,000 of them (the most scalecalc takes) could not hold it"),
    "405B on 64 H100s": (["check", "--model", "llama-3.1-405b", "--tokens", "15T", "--gpu", "h100", "--gpus",
                          "64", "--max-days", "100"], "needs 101.5 GB per accelerator"),
    "model: no memory for the part": (["model", "--model", "llama-3-8b", "--gpu", "v100"],
                                      "NVIDIA V100 SXM (v100) has no memory figure in the catalogue; "
                                      "give one (--gpu-memory GB"),
    "model: unknown accelerator": (["model", "--model", "llama-3-8b", "--gpu", "h900"],
                                   "unknown accelerator 'h900'"),
    "model: accelerators without --gpu": (["model", "--model", "llama-3-8b", "--accelerators", "a.toml"],
                                          "--accelerators adds to the catalogue that --gpu NAME reads"),
    "model: negative memory beside --gpu": (["model", "--model", "llama-3-8b", "--gpu", "h100",
                                             "--gpu-memory", "-80"], "--gpu-memory: -80 is not positive"),
    "model: huge memory beside --gpu": (["model", "--model", "llama-3-8b", "--gpu", "h100", "--gpu-memory",
                                         "1e300"], "above the bound of 1e+06 GB"),
    "model: memory as a word": (["model", "--model", "llama-3-8b", "--gpu", "h100", "--gpu-memory", "true"],
                                "--gpu-memory: 'true' is not a number"),
}


@pytest.mark.parametrize("case", OPTION_CASES)
def test_bad_options(run_inprocess, case: str) -> None:
    args, gist = OPTION_CASES[case]
    refused(run_inprocess(*args), gist)


def test_bad_precision_through_the_installed_script(run_installed) -> None:
    refused(run_installed(*RUN, "--gpu", "h100", "--precision", "FP16", *LIMIT), "'FP16' is not a precision")


def test_plan_options_beside_a_plan_file(run_inprocess, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN.format(extra=""))
    refused(run_inprocess("check", str(plan), "--precision", "fp8"), "--precision with a plan file")
    refused(run_inprocess("check", str(plan), "--max-gpus", "8"), "--max-gpus with a plan file")
    refused(run_inprocess("check", str(plan), "--model", "llama-3-8b"), "--model with a plan file")


# ---- plan files ------------------------------------------------------------------------------------

PLAN = ('[[run]]\nname = "a"\nparams = "7B"\ntokens = "1T"\ngpu = "h100"\n{extra}[run.limits]\n'
        'max_flops = 1e30\n')

PLAN_CASES = {
    "precision unknown": ('precision = "fp4"\n', "line 6, run a: key precision has a bad value: 'fp4'"),
    "precision a number": ("precision = 8\n", "key precision has a bad value: 8 is not a precision"),
    "precision a list": ('precision = ["fp8"]\n', "key precision has a bad value: a list is not a precision"),
    "precision a bool": ("precision = true\n", "key precision has a bad value: true is not a precision"),
    "model and params": ('model = "llama-3-8b"\n',
                         "key model sets the model size, so it does not go with params"),
    "gpus too few for the state": ("gpus = 0.5\n", "key gpus has a bad value: 0.5 is less than one"),
}


@pytest.mark.parametrize("case", PLAN_CASES)
def test_bad_plan_keys(run_inprocess, tmp_path: Path, case: str) -> None:
    extra, gist = PLAN_CASES[case]
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN.format(extra=extra))
    refused(run_inprocess("check", str(plan)), gist)
    assert plan.read_text() == PLAN.format(extra=extra)


LIMITS_CASES = {
    "max_gpus a fraction": ("max_gpus = 0.5", "line 7, run a: key max_gpus has a bad value: 0.5 is less"),
    "max_gpus not whole": ("max_gpus = 7.5", "key max_gpus has a bad value: 7.5 is not a whole number"),
    "max_gpus a bool": ("max_gpus = true", "key max_gpus must be a number, not true"),
    "max_gpus negative": ("max_gpus = -8", "key max_gpus must be a number above zero, not -8"),
    "max_gpus huge": ("max_gpus = 1e300", "above the limit of 100,000,000 accelerators"),
    "max_gpus a word": ('max_gpus = "many"', "key max_gpus has a bad value"),
}


@pytest.mark.parametrize("case", LIMITS_CASES)
def test_bad_max_gpus_in_a_plan(run_inprocess, tmp_path: Path, case: str) -> None:
    line, gist = LIMITS_CASES[case]
    plan = tmp_path / "plan.toml"
    plan.write_text(f'gpu = "h100"\n[[run]]\nname = "a"\nparams = "7B"\ntokens = "1T"\n[run.limits]\n'
                    f'{line}\n')
    refused(run_inprocess("check", str(plan)), gist)


def test_fp8_on_a_part_without_it_in_a_plan(run_inprocess, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('gpu = "a100"\nprecision = "fp8"\n' + PLAN.replace('gpu = "h100"\n', "").format(extra=""))
    refused(run_inprocess("check", str(plan)),
            "line 2, run a: key precision is not usable: NVIDIA A100 SXM 80 GB (a100) has no FP8 figure")


@pytest.mark.parametrize(("value", "gist"), [
    ('"gpt-9"', "line 3, run a: key model is not usable: unknown model 'gpt-9'"),
    ("5", "line 3, run a: key model must be a non-empty string, not 5."),
    ('""', "line 3, run a: key model must be a non-empty string, not ''."),
])
def test_bad_model_in_a_plan(run_inprocess, tmp_path: Path, value: str, gist: str) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN.replace('params = "7B"', f"model = {value}").format(extra=""))
    refused(run_inprocess("check", str(plan)), gist)


# ---- accelerator files: fp8_flops and memory_gb -----------------------------------------------------

ACCELERATOR_CASES = {
    "memory true": ("memory_gb = true", "[x1]: key memory_gb must be a number, not true"),
    "memory negative": ("memory_gb = -80", "key memory_gb must be a number above zero, not -80"),
    "memory zero": ("memory_gb = 0", "key memory_gb must be a number above zero, not 0"),
    "memory huge": ("memory_gb = 1e300", "key memory_gb must be at most 1e+06"),
    "memory a string": ('memory_gb = "80 GB"', "key memory_gb must be a number, not '80 GB'"),
    "memory nan": ("memory_gb = nan", "key memory_gb must be a finite number, not nan"),
    "fp8 a list": ("fp8_flops = [2e15]", "key fp8_flops must be a number, not a list"),
    "fp8 tiny": ("fp8_flops = 1", "key fp8_flops must be at least 1e+06 FLOP/s"),
    "fp8 huge": ("fp8_flops = 1e300", "key fp8_flops must be at most 1e+21"),
    "int8 not a key": ("int8_flops = 2e15", "key int8_flops is not recognised"),
}


@pytest.mark.parametrize("case", ACCELERATOR_CASES)
def test_bad_accelerator_entries(run_inprocess, tmp_path: Path, case: str) -> None:
    line, gist = ACCELERATOR_CASES[case]
    extra = tmp_path / "acc.toml"
    extra.write_text(f'[x1]\npeak_flops = 1e15\n{line}\n')
    refused(run_inprocess("hardware", "--accelerators", str(extra)), gist)
    refused(run_inprocess("model", "--model", "llama-3-8b", "--gpu", "x1", "--accelerators", str(extra)),
            gist)


# ---- the core's serving functions --------------------------------------------------------------------

@pytest.mark.parametrize(("settings", "gist"), [
    ({"prefill_mfu": "0"}, "--prefill-mfu: 0 is not positive"),
    ({"decode_mfu": "2"}, "--decode-mfu: 2 is above 1"),
    ({"mfu": "nan"}, "--inference-mfu: 'nan' is not a number"),
    ({"mfu": "0.4", "prefill_mfu": "0.5"}, "give it or --prefill-mfu, not both"),
    ({"price": "-1"}, "--inference-price: -1 is not positive"),
    ({"precision": "int4"}, "--inference-precision: 'int4' is not a precision"),
])
def test_bad_serving_settings(settings: dict, gist: str) -> None:
    with pytest.raises(ScalecalcError, match=re.escape(gist)):
        hardware.serving_from_settings(hardware.find("h100"), **settings)


def test_fp8_serving_on_a_part_without_it() -> None:
    with pytest.raises(ScalecalcError, match=r"\(a100\) has no FP8 figure"):
        hardware.serving_from_settings(hardware.find("a100"), precision="fp8")


@pytest.mark.parametrize(("tokens", "gist"), [
    ((-1, None), "--input-tokens: -1 is not positive"),
    ((None, "1e12"), "--output-tokens: 1e12 is above the bound of 1e+09 tokens per request"),
    (("0", "0"), "both 0"),
    (("x", None), "--input-tokens: 'x' is not a number"),
])
def test_bad_request_shapes(tokens: tuple, gist: str) -> None:
    with pytest.raises(ScalecalcError, match=re.escape(gist)):
        inference.request_shape(*tokens)


def test_a_refused_model_run_prints_only_the_error(run_inprocess) -> None:
    """Notes (the model's default tokens) wait for the checks: a refusal is the only line."""
    result = run_inprocess("check", "--model", "llama-3-8b", "--gpu", "h100", "--gpus", "1",
                           "--max-days", "10")
    assert result.code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "give gpus of at least 2" in result.stderr
