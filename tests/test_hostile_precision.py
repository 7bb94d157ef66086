"""Bad input to the training-precision options (kumar-precision): one line, exit 2, nothing on stdout."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import refused

RUN = ("loss", "--params", "110M", "--tokens", "6B", "-p", "kumar-precision")
PLAN = ("optimal", "--flops", "1e20", "-p", "kumar-precision")


@pytest.mark.parametrize("option", ["--weight-bits", "--activation-bits", "--kv-bits", "--post-bits"])
@pytest.mark.parametrize("value", ["0", "-4", "33", "nan", "inf", "abc", "", "4B", "1e400", "0.5"])
def test_unusable_bits_name_the_bound(run_inprocess, option, value) -> None:
    refused(run_inprocess(*RUN, option, value), option, "from 1 to 32")


def test_bits_too_few_for_the_fit(run_inprocess) -> None:
    # f_a = 1 − e^(n_a − P/γ_a) is zero at 3.11 bits (App. K Table 2): no effective parameters.
    refused(run_inprocess(*RUN, "--activation-bits", "3"), "activation bits", "3.11")


@pytest.mark.parametrize("presets", [[], ["-p", "besiroglu"], ["-p", "all"],
                                     ["-p", "kumar-precision", "-p", "kaplan"]])
def test_bits_with_a_preset_without_a_precision_law(run_inprocess, presets) -> None:
    result = run_inprocess("loss", "--params", "110M", "--tokens", "6B", *presets, "--weight-bits", "4")
    refused(result, "--weight-bits needs a precision-aware law", "kumar-precision")


def test_search_with_a_preset_without_a_precision_law(run_inprocess) -> None:
    refused(run_inprocess("optimal", "--flops", "1e20", "--precision-search"), "--precision-search",
            "kumar-precision")


@pytest.mark.parametrize("option", [["--weight-bits", "4"], ["--post-bits", "4"]])
def test_search_with_given_bits(run_inprocess, option) -> None:
    refused(run_inprocess(*PLAN, "--precision-search", *option), "--precision-search", option[0])


@pytest.mark.parametrize("extra", [["--params", "110M"], ["--tokens", "6B"]])
def test_loss_bits_need_a_whole_run(run_inprocess, extra) -> None:
    result = run_inprocess("loss", *extra, "-p", "kumar-precision", "--kv-bits", "8")
    refused(result, "--kv-bits needs a whole run", "--params and --tokens")


@pytest.mark.parametrize("extra", [["--steps", "1e5"], ["--unique-tokens", "1B"],
                                   ["--flops-per-token", "8"]])
def test_loss_bits_with_options_of_other_questions(run_inprocess, extra) -> None:
    refused(run_inprocess(*RUN, "--weight-bits", "4", *extra), "--weight-bits does not go with", extra[0])


@pytest.mark.parametrize("extra", [["--unique-tokens", "1B"], ["--inference-tokens", "1T"],
                                   ["--flops-per-token", "8"]])
def test_optimal_bits_with_options_of_other_questions(run_inprocess, extra) -> None:
    refused(run_inprocess(*PLAN, "--weight-bits", "4", *extra), "does not go with", extra[0])


def test_optimal_bits_with_a_model(run_inprocess) -> None:
    result = run_inprocess("optimal", "--model", "llama-3-8b", "-p", "kumar-precision", "--weight-bits", "4")
    refused(result, "--weight-bits does not go with --model")


def test_repeated_bits(run_inprocess) -> None:
    result = run_inprocess(*PLAN, "--weight-bits", "4", "--weight-bits", "8")
    refused(result, "--weight-bits", "more than once")


def test_loss_below_the_irreducible_at_a_precision(run_inprocess) -> None:
    result = run_inprocess("optimal", "--loss", "2.5", "-p", "kumar-precision", "--weight-bits", "4")
    refused(result, "irreducible loss E = 2.7648")


def test_precision_search_is_not_an_option_of_loss(run_inprocess) -> None:
    refused(run_inprocess(*RUN, "--precision-search"), "--precision-search")


def test_hardware_precision_is_not_bits(run_inprocess) -> None:
    # --precision picks an accelerator peak (bf16, fp8), not a number of training bits.
    refused(run_inprocess(*PLAN, "--gpu", "h100", "--precision", "4"), "--precision")


def test_a_preset_file_of_the_precision_form_missing_a_constant(run_inprocess, tmp_path: Path) -> None:
    text = Path(__file__).resolve().parent.parent.joinpath("presets", "kumar-precision.toml").read_text()
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace("gamma_kv = 0.9578\n", ""))
    refused(run_inprocess("loss", "--params", "110M", "--tokens", "6B", "-p", str(broken),
                          "--kv-bits", "8"), "gamma_kv")


def test_a_preset_file_of_the_precision_form_with_a_bool(run_inprocess, tmp_path: Path) -> None:
    text = Path(__file__).resolve().parent.parent.joinpath("presets", "kumar-precision.toml").read_text()
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace("n_a = 1.4072", "n_a = true"))
    refused(run_inprocess(*PLAN[:3], "-p", str(broken), "--precision-search"), "n_a")


def test_installed_entry_point_refuses_bits(run_installed) -> None:
    refused(run_installed(*RUN, "--weight-bits", "64"), "--weight-bits", "from 1 to 32")


@pytest.mark.parametrize("command", [("loss", "--params", "1e8", "--tokens", "1e9"),
                                     ("optimal", "--flops", "1e20")])
def test_set_moves_the_threshold_above_sixteen_bits(run_inprocess, command) -> None:
    # γ_a = 20 puts f_a's zero at n_a·γ_a = 28.1 bits: a BF16 run has no effective parameters.
    result = run_inprocess(*command, "-p", "kumar-precision", "--set", "gamma_a=20")
    refused(result, "activation bits", "28.1")


@pytest.mark.parametrize("command", [
    ("optimal", "--flops", "1e21", "-p", "ludziejewski-moe", "--experts", "8", "--weight-bits", "4"),
    ("optimal", "--flops", "1e21", "-p", "kumar-precision", "--experts", "8", "--kv-bits", "8"),
    ("optimal", "--flops", "1e21", "-p", "krajewski-moe", "--precision-search"),
    ("loss", "--params", "1e9", "-p", "clark-sbase", "--experts", "8", "--post-bits", "4"),
])
def test_bits_with_a_mixture_of_experts_law(run_inprocess, command) -> None:
    # No published law joins precision and experts: the bits are refused, never dropped silently.
    refused(run_inprocess(*command), "does not go with --experts")


def test_model_and_params_together(run_inprocess) -> None:
    refused(run_inprocess("loss", "--model", "llama-3-8b", "--params", "8B", "-p", "kumar-precision",
                          "--weight-bits", "8"), "--model or --params")
