"""Preset files: every built-in one is cited and valid; malformed files name the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

import scalecalc
from scalecalc import presets
from scalecalc.errors import ScalecalcError

REQUIRED = {"chinchilla", "chinchilla-exact", "besiroglu", "chinchilla-approach1",
            "chinchilla-approach2", "kaplan"}


def test_required_presets_ship() -> None:
    assert set(scalecalc.builtin_names()) >= REQUIRED


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_every_preset_is_cited_and_complete(name: str) -> None:
    preset = scalecalc.load_preset(name)
    assert preset.arxiv in {"2203.15556", "2404.10102", "2001.08361"}
    assert preset.citation and preset.location and preset.summary
    assert preset.flops_per_param_token == 6
    assert {"params", "tokens"} <= set(preset.fitted_range)
    assert preset.allocation is not None  # every shipped preset has a closed form or a rule


def test_allocation_only_presets_have_no_law() -> None:
    for name in ("chinchilla-approach1", "chinchilla-approach2"):
        assert scalecalc.load_preset(name).law is None
    assert scalecalc.optimal(flops=1e24, preset="chinchilla-approach1").loss is None


def test_besiroglu_standard_errors() -> None:
    errors = scalecalc.load_preset("besiroglu").standard_errors
    assert errors == {"E": 0.02566, "A": 124.52, "B": 1293.28, "alpha": 0.01540, "beta": 0.02060}


def test_kaplan_notes_say_non_embedding() -> None:
    assert "non-embedding" in scalecalc.load_preset("kaplan").notes


GOOD = """
name = "mine"
summary = "a test law"
[source]
citation = "Me 2026"
location = "my notebook"
[law]
form = "chinchilla"
E = 2.0
A = 400.0
B = 400.0
alpha = 0.3
beta = 0.3
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "law.toml"
    path.write_text(text)
    return path


def test_a_users_file_works_like_a_builtin(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    run = scalecalc.optimal(flops=1e22, preset=str(path))
    # α = β and A = B: the optimum puts N = D, so N = sqrt(C/6).
    assert run.params == pytest.approx((1e22 / 6) ** 0.5, rel=1e-12)
    assert run.preset == "mine"


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda t: t.replace("alpha = 0.3", "alpha = -0.3"), "law.alpha"),
        (lambda t: t.replace("alpha = 0.3", 'alpha = "x"'), "law.alpha"),
        (lambda t: t.replace("alpha = 0.3\n", ""), "law.alpha is missing"),
        (lambda t: t.replace("alpha = 0.3", "alpah = 0.3"), "law.alpah is not recognised"),
        (lambda t: t.replace('form = "chinchilla"', 'form = "mystery"'), "law.form"),
        (lambda t: t.replace('citation = "Me 2026"\n', ""), "source.citation is missing"),
        (lambda t: t.replace('summary = "a test law"\n', ""), "key summary is missing"),
        (lambda t: t.replace("[law]", "[lawx]"), "lawx is not recognised"),
        (lambda t: t.replace("A = 400.0", "A = nan"), "law.A"),
        (lambda t: t.replace("A = 400.0", "A = inf"), "law.A"),
        (lambda t: t.replace("A = 400.0", "A = true"), "law.A"),
        (lambda t: t + "[fitted_range]\nparams = [1e9, 1e8]\n", "fitted_range.params"),
        (lambda t: t + "[fitted_range]\nparams = 5\n", "fitted_range.params"),
        (lambda t: t.replace("A = 400.0", "A = [1"), "not valid TOML"),
        (lambda t: t + "[allocation]\nform = \"table\"\n", "allocation.form"),
        (lambda t: t.replace("[law]", "[law.x]"), "law"),
    ],
)
def test_malformed_files_name_file_and_key(tmp_path: Path, edit, fragment: str) -> None:
    path = _write(tmp_path, edit(GOOD))
    with pytest.raises(ScalecalcError) as error:
        presets.parse_file(path)
    assert str(path) in str(error.value)
    assert fragment in str(error.value)


def test_a_preset_needs_a_law_or_an_allocation(tmp_path: Path) -> None:
    text = GOOD[: GOOD.index("[law]")]
    with pytest.raises(ScalecalcError, match="needs a \\[law\\], an \\[allocation\\]"):
        presets.parse_file(_write(tmp_path, text))


def test_missing_file_and_unknown_name() -> None:
    with pytest.raises(ScalecalcError, match="does not exist"):
        presets.resolve("no/such/file.toml")
    with pytest.raises(ScalecalcError, match="unknown preset 'chinchila'; choose one of"):
        presets.resolve("chinchila")


def test_range_warning_names_the_range() -> None:
    preset = scalecalc.load_preset("chinchilla")
    assert preset.range_warning(params=1e9, tokens=2e10, flops=1e20) is None
    warning = preset.range_warning(params=1e12, tokens=2e10, flops=1e20)
    assert warning is not None and "params from 70.0M to 16.0B" in warning
    assert "extrapolation" in warning and "tokens" not in warning


def test_range_warning_counts_table_rows() -> None:
    preset = scalecalc.load_preset("chinchilla")
    flops = [1e17, 1e20, 1e26]
    warning = preset.range_warning(flops=flops)
    assert warning is not None and "2 of 3 rows lie outside" in warning
    assert "1 of 2 rows lies outside" in preset.range_warning(flops=[1e20, 1e26])
