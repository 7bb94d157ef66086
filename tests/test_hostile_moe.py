"""Hostile input to the mixture-of-experts options and presets: one case per defect, each refused
with one line on stderr, exit 2, an empty stdout and no traceback."""

from __future__ import annotations

import pytest
from hostile import refused

LUD = ("-p", "ludziejewski-moe")
KRA = ("-p", "krajewski-moe")
CLARK = ("-p", "clark-sbase")

CASES = [
    # Counts: whole numbers within a named bound.
    (("optimal", "--flops", "1e20", "--experts", "0", *LUD), ["--experts", "from 1 to 4,096"]),
    (("optimal", "--flops", "1e20", "--experts", "5000", *LUD), ["from 1 to 4,096", "'5000'"]),
    (("optimal", "--flops", "1e20", "--experts", "1.5", *LUD), ["whole number", "'1.5'"]),
    (("optimal", "--flops", "1e20", "--experts", "1e3", *LUD), ["whole number", "'1e3'"]),
    (("optimal", "--flops", "1e20", "--experts", "true", *LUD), ["whole number", "'true'"]),
    (("optimal", "--flops", "1e20", "--experts", "-8", *LUD), ["whole number"]),
    (("optimal", "--flops", "1e20", "--experts", "", *LUD), ["whole number"]),
    (("optimal", "--flops", "1e20", "--experts", "\uff18", *LUD), ["whole number"]),
    (("optimal", "--flops", "1e20", "--granularity", "0", *KRA), ["--granularity", "from 1 to 1,024"]),
    (("optimal", "--flops", "1e20", "--granularity", "2048", *KRA), ["from 1 to 1,024"]),
    (("optimal", "--flops", "1e20", "--experts", "8", "--experts", "16", *LUD), ["more than once"]),
    # A non-MoE preset, or the wrong variable for the law.
    (("optimal", "--flops", "1e24", "--experts", "8"), ["besiroglu is not a mixture-of-experts law"]),
    (("loss", "--params", "1e9", "--tokens", "1e10", "--granularity", "4", "-p", "chinchilla"),
     ["chinchilla is not a mixture-of-experts law"]),
    (("optimal", "--flops", "1e21", *LUD, "-p", "besiroglu"), ["besiroglu is not a mixture-of-experts"]),
    (("optimal", "--flops", "1e21", "-p", "all", "--experts", "8"), ["is not a mixture-of-experts law"]),
    (("optimal", "--flops", "1e20", "--granularity", "8", *LUD), ["has no granularity"]),
    (("optimal", "--flops", "1e20", "--experts", "8", *KRA), ["give --granularity, not --experts"]),
    # Questions a law cannot answer, or missing what it needs.
    (("loss", "--params", "1e9", "--tokens", "1e10", "--experts", "8", *CLARK), ["no token count"]),
    (("loss", "--params", "1e9", *CLARK), ["needs --experts"]),
    (("loss", "--params", "1e9", "--tokens", "1e10", *KRA), ["needs --granularity"]),
    (("loss", "--params", "1e9", "--experts", "8", *LUD), ["needs a token count"]),
    (("loss", "--experts", "8", *CLARK), ["--params", "--model"]),
    (("optimal", "--flops", "1e21", "--experts", "8", *CLARK), ["no compute-optimal run"]),
    (("optimal", "--params", "1e9", *LUD), ["needs --experts with --params"]),
    (("optimal", "--params", "1e9", *KRA), ["needs --granularity"]),
    (("optimal", "--loss", "2.0", *LUD), ["not --loss"]),
    (("optimal", "--tokens", "1e10", "--experts", "8", *LUD), ["not --tokens"]),
    (("optimal", "--flops", "1e20", "--params", "1e9", "--experts", "8", *LUD), ["exactly one of"]),
    (("optimal", "--flops", "10", *KRA), ["too small", "600 FLOPs"]),
    (("optimal", "--params", "1", "--granularity", "8", *KRA), ["too small"]),
    (("optimal", "--params", "1e300", "--granularity", "4", *KRA), ["no budget up to 1e300 FLOPs"]),
    (("optimal", "--params", "1e300", "--experts", "4", *LUD), ["more than 1e300 FLOPs"]),
    (("loss", "--params", "1e300", "--tokens", "1e300", "--experts", "4", *LUD), ["more than 1e300 FLOPs"]),
    # Bad numbers.
    (("optimal", "--flops", "nan", *KRA), ["--flops", "NaN"]),
    (("optimal", "--flops", "-1e20", "--experts", "8", *LUD), ["--flops", "not positive"]),
    (("loss", "--params", "abc", "--experts", "8", *CLARK), ["--params"]),
    (("loss", "--params", "1e9", "--tokens", "inf", "--experts", "8", *LUD), ["--tokens"]),
    # A model given by its shape (Krajewski's Eq. 10).
    (("loss", "--d-model", "2048", "--tokens", "1e10", "--granularity", "4", *KRA), ["go together"]),
    (("loss", "--d-model", "2048", "--n-blocks", "8", "--params", "1e9", "--tokens", "1e10",
      "--granularity", "4", *KRA), ["do not go with --params"]),
    (("loss", "--d-model", "2048", "--n-blocks", "8", "--tokens", "1e10", "--experts", "4", *LUD),
     ["go with krajewski-moe"]),
    (("loss", "--d-model", "0", "--n-blocks", "8", "--tokens", "1e10", "--granularity", "4", *KRA),
     ["--d-model", "from 1 to 1,048,576"]),
    (("loss", "--d-model", "2048", "--n-blocks", "1e9", "--tokens", "1e10", "--granularity", "4", *KRA),
     ["--n-blocks", "from 1 to 65,536"]),
    (("loss", "--d-model", "2048", "--n-blocks", "8", "--granularity", "4", *KRA), ["needs a token count"]),
    (("loss", "--d-model", "2048", "--n-blocks", "8", "--tokens", "1e10", *KRA), ["needs --granularity"]),
    (("loss", "--d-model", "2048", "--n-blocks", "8", "--tokens", "1e10"), ["not a mixture-of-experts"]),
    # Catalogue models.
    (("optimal", "--model", "mixtral-8x7b", "--experts", "8", *LUD), ["brings its own expert count"]),
    (("optimal", "--model", "mixtral-8x7b", *KRA), ["catalogue model does not have"]),
    (("optimal", "--model", "mixtral-8x7b", "--flops", "1e21", *LUD), ["does not go with --flops"]),
    (("loss", "--model", "mixtral-8x7b", "--params", "1e9", *CLARK), ["not both"]),
    (("loss", "--model", "mixtral-8x7b", *LUD), ["no published training token count"]),
    (("optimal", "--model", "no-such-model", *LUD), ["no-such-model"]),
    # Commands other than optimal and loss do not take the MoE presets.
    (("table", *KRA), ["krajewski-moe is a mixture-of-experts law", "only the optimal and loss commands"]),
    (("tokens", "--params", "7B", *LUD), ["ludziejewski-moe is a mixture-of-experts law"]),
    (("table", "--flops", "1e20", *LUD, "--experts", "3"), ["no such option: --experts"]),
    # Options the MoE path does not take yet.
    (("optimal", "--flops", "1e21", *LUD, "--unique-tokens", "1e9"), ["--unique-tokens does not go"]),
    (("optimal", "--flops", "1e21", *LUD, "--ci", "90"), ["--ci does not go"]),
    (("optimal", "--flops", "1e21", *LUD, "--flops-per-token", "8"), ["--flops-per-token does not go"]),
    (("loss", "--params", "1e9", "--experts", "8", *CLARK, "--set", "a=1"), ["--set does not go"]),
    (("loss", "--params", "1e9", "--steps", "5", "--experts", "3", *CLARK), ["--steps does not go"]),
    (("optimal", "--days", "3", "--experts", "4", *LUD), ["--days needs --gpu"]),
    (("optimal", "--flops", "1e21", "--experts", "4", "-p", "./no-such-preset.toml"), ["does not exist"]),
]


@pytest.mark.parametrize(("args", "gists"), CASES, ids=[" ".join(args)[:70] for args, _ in CASES])
def test_refused_in_process(run_inprocess, args, gists):
    refused(run_inprocess(*args), *gists)


@pytest.mark.parametrize(("args", "gists"), CASES[:3] + CASES[11:13], ids=lambda value: str(value)[:40])
def test_refused_installed(run_installed, args, gists):
    refused(run_installed(*args), *gists)
