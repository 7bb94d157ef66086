"""Hostile input for the law library and the presets of issue 10: one case per defect."""

from __future__ import annotations

import pytest
from hostile import refused as _refused


def _preset_file(tmp_path, text: str):
    path = tmp_path / "p.toml"
    top, _, tables = text.partition("[")  # top-level keys before the first table
    path.write_text(f'summary = "s"\n{top}[source]\ncitation = "c"\nlocation = "l"\n' + (_ + tables))
    return str(path)


CASES = {
    "unknown domain": ('domain = "cooking"\n[allocation]\nform = "power-law"\ncoefficient = 1\n'
                       'exponent = 0.5\n', "must be one of language"),
    "domain a number": ('domain = 3\n[allocation]\nform = "power-law"\ncoefficient = 1\nexponent = 0.5\n',
                        "domain must be a non-empty string"),
    "unknown law form": ('[law]\nform = "magic"\nE = 1\n', "form must be one of"),
    "unknown single form": ('[allocation]\nform = "power-law"\ncoefficient = 1\nexponent = 0.5\n'
                            '[single.params]\nform = "magic"\n', "form must be one of"),
    "unknown extra form": ('[allocation]\nform = "power-law"\ncoefficient = 1\nexponent = 0.5\n'
                           '[laws.batch_size]\nform = "magic"\n', "form must be one of"),
    "extra law not a table": ('[allocation]\nform = "power-law"\ncoefficient = 1\nexponent = 0.5\n'
                              '[laws]\nbatch_size = 3\n', "must be a table"),
}


@pytest.mark.parametrize(("text", "gist"), CASES.values(), ids=CASES.keys())
def test_bad_preset_files(run_inprocess, tmp_path, text, gist) -> None:
    _refused(run_inprocess("optimal", "--flops", "1e21", "--preset", _preset_file(tmp_path, text)), gist)


def test_a_loss_from_an_allocation_rule_names_presets_that_can(run_inprocess) -> None:
    result = run_inprocess("loss", "--params", "7B", "--tokens", "1T", "-p", "chinchilla-approach1")
    _refused(result, "use a preset that can, such as besiroglu")


PF_DAYS = {
    "garbled pf-days": (("optimal", "--flops", "xpfd"), "--flops (in PF-days): 'x' is not a number"),
    "pf-days on params": (("optimal", "--params", "1pfd"), "--params: '1pfd' is not a number"),
    "negative pf-days": (("optimal", "--flops", "-1pfd"), "is not positive"),
    "pf-days overflow": (("optimal", "--flops", "1e299pfd"), "is above 1.157e280 PF-days (1e300 FLOPs)"),
}


@pytest.mark.parametrize(("args", "gist"), PF_DAYS.values(), ids=PF_DAYS.keys())
def test_pf_days(run_inprocess, args, gist) -> None:
    _refused(run_inprocess(*args), gist)


KAPLAN_EXTRAS = {
    "steps zero": (("loss", "--params", "1e9", "--steps", "0", "-p", "kaplan"), "--steps: 0 is not positive"),
    "steps with tokens": (("loss", "--params", "1e9", "--tokens", "1e9", "--steps", "10", "-p", "kaplan"),
                          "--steps goes with --params alone"),
    "steps without params": (("loss", "--steps", "10", "-p", "kaplan"), "--steps needs --params"),
    "steps from a preset without the law": (("loss", "--params", "1e9", "--steps", "10"),
                                            "cannot answer L(N,S); use a preset that can, such as kaplan"),
    "batch from a preset without the law": (("batch", "--loss", "2", "-p", "besiroglu"),
                                            "cannot answer batch; use a preset that can, such as kaplan"),
    "batch of a garbled loss": (("batch", "--loss", "two"), "--loss: 'two' is not a number"),
    "batch of a negative loss": (("batch", "--loss", "-2"), "is not positive"),
    "batch repeated": (("batch", "--loss", "2", "--loss", "3"), "--loss"),
    "batch loss nan": (("batch", "--loss", "nan"), "NaN"),
}


@pytest.mark.parametrize(("args", "gist"), KAPLAN_EXTRAS.values(), ids=KAPLAN_EXTRAS.keys())
def test_kaplan_extras(run_inprocess, args, gist) -> None:
    _refused(run_inprocess(*args), gist)


ZHAI = {
    "core-days zero": (("loss", "--core-days", "0", "-p", "zhai-imagenet-finetune"), "is not positive"),
    "core-days with params": (("loss", "--core-days", "10", "--params", "1e9", "-p",
                               "zhai-imagenet-finetune"), "each stand alone"),
    "core-days garbled": (("loss", "--core-days", "ten", "-p", "zhai-imagenet-finetune"), "not a number"),
    "core-days from a language preset": (("loss", "--core-days", "10"),
                                         "cannot answer error(C); use a preset that can, such as zhai"),
    "optimal from zhai": (("optimal", "--flops", "1e21", "-p", "zhai-imagenet-10shot"),
                          "cannot answer optimal"),
}


@pytest.mark.parametrize(("args", "gist"), ZHAI.values(), ids=ZHAI.keys())
def test_zhai(run_inprocess, args, gist) -> None:
    _refused(run_inprocess(*args), gist)


FIELD = {
    "transfer from a language preset": (("transfer", "--params", "1e9", "--finetune-tokens", "1e6", "-p",
                                         "besiroglu"), "cannot answer transfer; use a preset that can"),
    "transfer without data": (("transfer", "--params", "1e9"), "--finetune-tokens"),
    "transfer zero data": (("transfer", "--params", "1e9", "--finetune-tokens", "0"), "is not positive"),
    "densing without a span": (("densing", "--params", "7B"), "give --days, or both --from and --to"),
    "densing days and dates": (("densing", "--params", "7B", "--days", "3", "--from", "2024-01-01",
                                "--to", "2024-02-01"), "give --days, or both --from and --to"),
    "densing half a span": (("densing", "--params", "7B", "--from", "2024-01-01"), "both --from and --to"),
    "densing bad date": (("densing", "--params", "7B", "--from", "2024-13-01", "--to", "2025-01-01"),
                         "--from: '2024-13-01' is not a date"),
    "densing backwards": (("densing", "--params", "7B", "--from", "2025-01-01", "--to", "2024-01-01"),
                          "is not after --from"),
    "densing a century": (("densing", "--params", "7B", "--days", "36500"), "more than 3653 days"),
    "exchange both": (("exchange", "--train-factor", "10", "--test-factor", "10"), "exactly one of"),
    "exchange neither": (("exchange",), "exactly one of"),
    "exchange huge": (("exchange", "--train-factor", "1e200"), "more than 1e+100 times"),
    "exchange from kaplan": (("exchange", "--train-factor", "10", "-p", "kaplan"), "cannot answer exchange"),
}


@pytest.mark.parametrize(("args", "gist"), FIELD.values(), ids=FIELD.keys())
def test_field_laws(run_inprocess, args, gist) -> None:
    _refused(run_inprocess(*args), gist)


FRONTIER = {
    "flops with params": (("loss", "--flops", "1e21", "--params", "1e9", "-p", "kaplan"), "stand alone"),
    "flops with tokens": (("loss", "--flops", "1e21", "--tokens", "1e9", "-p", "kaplan"), "stand alone"),
    "flops and core-days": (("loss", "--flops", "1e21", "--core-days", "3", "-p", "kaplan"), "stand alone"),
    "flops from a preset without L(C)": (("loss", "--flops", "1e21"), "cannot answer L(C)"),
    "flops zero": (("loss", "--flops", "0", "-p", "kaplan"), "--flops: 0 is not positive"),
}


@pytest.mark.parametrize(("args", "gist"), FRONTIER.values(), ids=FRONTIER.keys())
def test_frontier_alone(run_inprocess, args, gist) -> None:
    _refused(run_inprocess(*args), gist)
