"""Hostile input for `scalecalc hparams` and the batch and learning-rate limits of `check` plans:
one case per defect, each refused with one line, exit 2, nothing on stdout."""

from __future__ import annotations

import pytest
from hostile import refused

from scalecalc.hparams import MAX_SEQ_LEN

COMMAND_CASES = {
    "nothing given": ([], "give --flops, or the run as --params and --tokens"),
    "params without tokens": (["--params", "7B"], "--params and --tokens"),
    "tokens alone": (["--tokens", "2T"], "--params and --tokens"),
    "flops with params": (["--flops", "1e22", "--params", "7B"], "does not go with --params"),
    "flops with model": (["--flops", "1e22", "--model", "llama-3-8b"], "does not go with --model"),
    "model with params": (["--model", "llama-3-8b", "--params", "8B"], "not both"),
    "preset without flops": (["--params", "7B", "--tokens", "2T", "-p", "kaplan"], "drop it"),
    "repeated flops": (["--flops", "1e22", "--flops", "1e23"], "more than once"),
    "zero flops": (["--flops", "0"], "not positive"),
    "negative flops": (["--flops", "-1e22"], "not positive"),
    "nan flops": (["--flops", "nan"], "NaN"),
    "infinite flops": (["--flops", "inf"], "infinite"),
    "overflowing flops": (["--flops", "1e400"], "too large"),
    "garbled flops": (["--flops", "1e2x"], "not a number"),
    "flops below any run of the preset": (["--flops", "1"], "outside what preset besiroglu answers"),
    "6ND overflows": (["--params", "1e300", "--tokens", "1e300"], "too large for double precision"),
    "zero params": (["--params", "0", "--tokens", "2T"], "--params"),
    "unknown model": (["--model", "no-such-model"], "unknown model"),
    "unknown preset": (["--flops", "1e22", "-p", "no-such-preset"], "unknown preset"),
    "preset that cannot allocate": (["--flops", "1e22", "-p", "hernandez-text-python"],
                                    "cannot answer optimal"),
    "seq-len zero": (["--flops", "1e22", "--seq-len", "0"], f"from 1 to {MAX_SEQ_LEN:,}"),
    "seq-len negative": (["--flops", "1e22", "--seq-len", "-4096"], "whole number of tokens"),
    "seq-len fraction": (["--flops", "1e22", "--seq-len", "1.5"], "whole number of tokens"),
    "seq-len nan": (["--flops", "1e22", "--seq-len", "nan"], "whole number of tokens"),
    "seq-len above the bound": (["--flops", "1e22", "--seq-len", "2e6"], f"from 1 to {MAX_SEQ_LEN:,}"),
    "seq-len garbled": (["--flops", "1e22", "--seq-len", "4k6"], "whole number of tokens"),
    "seq-len empty": (["--flops", "1e22", "--seq-len", ""], "whole number of tokens"),
    "seq-len ambiguous suffix": (["--flops", "1e22", "--seq-len", "2K"], "ambiguous"),
    "unknown format": (["--flops", "1e22", "--format", "xml"], "--format"),
}


@pytest.mark.parametrize(("args", "gist"), COMMAND_CASES.values(), ids=COMMAND_CASES.keys())
def test_hparams_refuses(run_inprocess, args: list[str], gist: str) -> None:
    refused(run_inprocess("hparams", *args), gist)


def test_hparams_refuses_through_the_installed_script(run_installed) -> None:
    refused(run_installed("hparams", "--flops", "1e22", "--seq-len", "0"), "whole number of tokens")


RUN = '[[run]]\nname = "r"\nparams = 1e9\ntokens = 2e10\n'
PLAN_CASES = {
    "ratio limit below 1": (RUN + "batch_tokens = 1e6\n[run.limits]\nmax_batch_ratio = 0.5\n", "below 1"),
    "lr ratio limit below 1": (RUN + "learning_rate = 1e-3\n[run.limits]\nmax_lr_ratio = 0.9\n", "below 1"),
    "ratio limit a bool": (RUN + "batch_tokens = 1e6\n[run.limits]\nmax_batch_ratio = true\n",
                           "max_batch_ratio must be a number"),
    "batch a bool": (RUN + "batch_tokens = true\n[run.limits]\nmax_batch_ratio = 2\n", "batch_tokens"),
    "batch garbled": (RUN + 'batch_tokens = "4Q"\n[run.limits]\nmax_batch_ratio = 2\n', "batch_tokens"),
    "batch zero": (RUN + "batch_tokens = 0\n[run.limits]\nmax_batch_ratio = 2\n", "batch_tokens"),
    "batch absurd": (RUN + "batch_tokens = 1e20\n[run.limits]\nmax_batch_ratio = 2\n", "above the limit"),
    "batch a list": (RUN + "batch_tokens = [1e6]\n[run.limits]\nmax_batch_ratio = 2\n", "batch_tokens"),
    "learning rate a string": (RUN + 'learning_rate = "fast"\n[run.limits]\nmax_lr_ratio = 2\n',
                               "learning_rate must be a number"),
    "learning rate nan": (RUN + "learning_rate = nan\n[run.limits]\nmax_lr_ratio = 2\n", "learning_rate"),
    "learning rate absurd": (RUN + "learning_rate = 100\n[run.limits]\nmax_lr_ratio = 2\n", "at most 10"),
    "learning rate negative": (RUN + "learning_rate = -1e-3\n[run.limits]\nmax_lr_ratio = 2\n", "above zero"),
    "unknown law": ('hparams_law = "gpt"\n' + RUN + "batch_tokens = 1e6\n[run.limits]\nmax_batch_ratio = 2\n",
                    "must be one of deepseek, porian, kaplan"),
    "law a number": (RUN + "hparams_law = 3\nbatch_tokens = 1e6\n[run.limits]\nmax_batch_ratio = 2\n",
                     "hparams_law"),
    "batch limit without a batch": (RUN + "[run.limits]\nmax_batch_ratio = 2\n", "needs the run's batch"),
    "lr limit without a rate": (RUN + "[run.limits]\nmax_lr_ratio = 2\n",
                                "needs the run's peak learning rate"),
    "lr limit on kaplan": (RUN + 'hparams_law = "kaplan"\nlearning_rate = 1e-3\n[run.limits]\n'
                           "max_lr_ratio = 2\n", "an hparams_law that gives one"),
    "unknown limit": (RUN + "[run.limits]\nmax_batch = 2\n", "is not a limit"),
}


@pytest.mark.parametrize(("text", "gist"), PLAN_CASES.values(), ids=PLAN_CASES.keys())
def test_check_plan_refuses(run_inprocess, tmp_path, text: str, gist: str) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(text)
    before = path.read_bytes()
    refused(run_inprocess("check", str(path)), gist)
    assert path.read_bytes() == before  # an input file is never modified
