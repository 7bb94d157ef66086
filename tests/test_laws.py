"""The law library: forms found through their declarations, the questions presets answer,
and refusals that name presets able to answer."""

from __future__ import annotations

import pytest

from scalecalc import laws, presets
from scalecalc.errors import ScalecalcError


def test_registry_finds_every_form_by_kind() -> None:
    found = laws.registry()
    assert {"chinchilla", "kaplan", "data-constrained"} <= set(found["joint"])
    assert found["single"]["power-law"] is laws.PowerLaw1D
    assert found["rule"]["power-law"] is laws.PowerAllocation


def test_every_declared_question_is_known() -> None:
    for forms in laws.registry().values():
        for cls in forms.values():
            assert set(getattr(cls, "questions", ())) <= set(laws.QUESTIONS), cls


def test_answers_follow_the_declarations() -> None:
    assert presets.load("chinchilla-approach1").answers == ("optimal",)
    assert presets.load("besiroglu").answers == ("optimal", "loss")
    assert {"L(N)", "L(D)", "L(C)"} <= set(presets.load("kaplan").answers)


def test_a_question_the_preset_cannot_answer_names_presets_that_can() -> None:
    with pytest.raises(ScalecalcError, match="cannot answer loss; use a preset that can, such as besiroglu"):
        presets.require(presets.load("chinchilla-approach2"), "loss", "has no loss law")


def test_params_convention_defaults_to_what_the_form_declares(tmp_path) -> None:
    text = presets.load("kaplan").path.read_text().replace('params_convention = "non-embedding"\n', "")
    path = tmp_path / "k.toml"
    path.write_text(text)
    assert presets.parse_file(path).params_convention == "non-embedding"


def test_presets_lists_by_domain_with_questions(run_inprocess) -> None:
    result = run_inprocess("presets", "--format", "csv")
    header = result.stdout.splitlines()[0].split(",")
    assert header[:3] == ["name", "domain", "answers"]
    table = run_inprocess("presets")
    assert "Language" in table.stdout and "besiroglu *" in table.stdout
