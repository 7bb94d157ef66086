"""Hostile numbers: every bad or extreme number an adversarial tester found, kept so none comes back.

Each CLI case asserts exit code 2, the gist of the one-line message, an empty stdout and no
traceback; the Python API must raise ScalecalcError with the same words, never another exception.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import warnings

import numpy as np
import pytest
from hostile import refused
from hypothesis import given, settings
from hypothesis import strategies as st

import scalecalc
from scalecalc import render, solve
from scalecalc.errors import ScalecalcError
from scalecalc.quantities import LARGEST, MAX_ITEMS, parse_quantity, parse_quantity_list
from scalecalc.records import Allocation

# Presets that plan (issue 10 adds some that answer only a one-variable law).
PRESETS = [name for name in scalecalc.builtin_names() if "optimal" in scalecalc.load_preset(name).answers]
LAW_PRESETS = [name for name in PRESETS if scalecalc.load_preset(name).law is not None]



def strict_json(text: str) -> list[dict]:
    def no_constant(name: str) -> None:
        raise AssertionError(f"JSON holds {name}")

    return json.loads(text, parse_constant=no_constant)


# 1. Human formatters on tiny, huge, zero and negative values (was ZeroDivisionError at 1e-300).
@pytest.mark.parametrize("kind", sorted(set(render.HUMAN) - {"text"}))
@pytest.mark.parametrize("value", [0.0, -0.0, 5e-324, 1e-300, -1e-300, 1e-7, 0.05, 1e300, -1e300, 1.7e308,
                                   -3.0])
def test_every_human_formatter_stays_short(kind: str, value: float) -> None:
    text = render.HUMAN[kind](value)
    assert 0 < len(text) <= 12, text


def test_tiny_budget_in_table_format_is_a_message(run_inprocess) -> None:
    refused(run_inprocess("optimal", "--flops", "1e-300"), "--flops: 1e-300 is below 1")
    refused(run_inprocess("optimal", "--flops", "3"), "flops from 377.7 to 1e300")


# 2. Strict JSON: nothing non-finite is ever written, and the core never makes it.
@pytest.mark.parametrize("writer", [render.to_json, render.to_csv])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_renderers_refuse_non_finite_numbers(writer, bad: float) -> None:
    with pytest.raises(ScalecalcError, match="tokens is not a finite number"):
        writer([Allocation(preset="x", params=1.0, tokens=bad)])
    with pytest.raises(ScalecalcError, match="not a finite number"):
        writer([Allocation(preset="x", params=np.array([1.0, bad]), tokens=np.array([1.0, 2.0]))])


@pytest.mark.parametrize("args", [
    ("optimal", "--flops", "1e300", "-p", "all"),
    ("optimal", "--flops", "1e300", "--unique-tokens", "1", "-p", "muennighoff"),
    ("loss", "--params", "1e100", "--tokens", "1e100", "-p", "all"),
    ("optimal", "--loss", "1.8173", "--inference-tokens", "1e20"),
    ("table", "--flops", "1e8:1e300", "-p", "all"),
], ids=" ".join)
def test_extreme_answers_are_strict_json(run_inprocess, args) -> None:
    result = run_inprocess(*args, "-f", "json")
    assert result.code == 0, result.stderr
    rows = strict_json(result.stdout)
    assert all(isinstance(value, str | type(None)) or math.isfinite(value)
               for row in rows for value in row.values())


def test_a_run_beyond_the_largest_budget_is_refused(run_inprocess) -> None:
    refused(run_inprocess("loss", "--params", "1e300", "--tokens", "1e300", "-f", "json"),
            "about 6e600 FLOPs, beyond 1e300")
    with pytest.raises(ScalecalcError, match="6e600"):
        scalecalc.loss(1e300, 1e300)


# 3. No NumPy warning (with its site-packages path) ever reaches the user.
EXTREMES = [
    ("loss", "--params", "1e300", "--tokens", "1e300"),
    ("loss", "--params", "1e150", "--tokens", "1e149", "-p", "kaplan"),
    ("optimal", "--flops", "1e300", "-p", "all"),
    ("optimal", "--params", "1e300", "-p", "all"),
    ("optimal", "--tokens", "1e300", "-p", "all"),
    ("optimal", "--loss", "1e300", "-p", "all"),
    ("optimal", "--flops", "1e23", "--unique-tokens", "1e300", "-p", "muennighoff"),
    ("optimal", "--flops", "1e23", "--unique-tokens", "1", "-p", "muennighoff"),
    ("optimal", "--loss", "2", "--inference-tokens", "1e300"),
    ("optimal", "--flops", "1e24", "--set", "alpha=1e-300"),
    ("optimal", "--flops", "1e24", "--set", "alpha=1e300"),
    ("optimal", "--flops", "1e24", "--set", "beta=50"),
    ("optimal", "--loss", "1.9", "--set", "E=1e-300"),
    ("optimal", "--flops", "1e24", "--set", "beta=1e-5", "--set", "B=1e-300"),  # overflow in Eq. 4's G
    ("tokens", "--params", "1e300", "--flops", "1e300"),
]


@pytest.mark.parametrize("args", EXTREMES, ids=" ".join)
def test_no_numpy_warning_escapes(run_inprocess, args) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy RuntimeWarning would now raise and fail the test
        result = run_inprocess(*args, "-f", "csv")
    assert result.code in (0, 2), result.stderr
    assert "Warning" not in result.stderr and "site-packages" not in result.stderr
    assert "Traceback" not in result.stderr
    if result.code == 2:
        assert result.stdout == "" and result.stderr.count("\n") == 1


def test_no_numpy_warning_through_the_console_script(run_installed) -> None:
    result = run_installed("loss", "--params", "1e300", "--tokens", "1e300")
    refused(result, "beyond 1e300")
    assert "RuntimeWarning" not in result.stderr


# 4. Messages name the quantity, the bound, and the right direction.
@pytest.mark.parametrize(("args", "fragment"), [
    (("optimal", "--flops", "1e-400"), "--flops: '1e-400' is too small to represent (it rounds to 0); give a "
                                       "number from 1 to 1e300"),
    (("optimal", "--flops", "1e400"), "too large to represent"),
    (("optimal", "--params", "1e-300"), "--params: 1e-300 is below 1, the smallest usable value; give a "
                                        "number from 1 to 1e300"),
    (("optimal", "--params", "0.5"), "below 1"),
    (("optimal", "--tokens", "1e301"), "--tokens: 1e301 is above 1e300, the largest usable value"),
    (("optimal", "--params", "1e200"), "params = 1e200 is outside what preset besiroglu answers"),
    (("loss", "--params", "1", "--tokens", "1", "-p", "kaplan"), "this run's compute C = 6 FLOPs is outside"),
    (("tokens", "--params", "7B", "--flops", "1e3"), "buys fewer than one token at N = 7e9"),
    (("optimal", "--flops", "1e23", "--unique-tokens", "0.5", "-p", "muennighoff"), "--unique-tokens: 0.5 is "
                                                                                    "below 1"),
    (("optimal", "--loss", "2", "--inference-tokens", "-1"), "--inference-tokens: -1 is not positive; give a "
                                                             "number from 0 to 1e300"),
], ids=lambda value: " ".join(value) if isinstance(value, tuple) else "")
def test_messages_name_the_range(run_inprocess, args, fragment: str) -> None:
    result = run_inprocess(*args)
    refused(result, fragment)
    assert "smaller value" not in result.stderr and "the answer's the" not in result.stderr


def test_safety_net_message_names_the_quantity() -> None:
    with pytest.raises(ScalecalcError, match=r"^the predicted loss comes out too large .* keep N, D and C"):
        solve.finite(np.array([1.0, np.inf]), "the predicted loss")


# 5. A target the preset cannot reach is refused, for every preset and every inverse.
@pytest.mark.parametrize("name", LAW_PRESETS)
def test_a_loss_above_the_smallest_run_is_refused(run_inprocess, name: str) -> None:
    refused(run_inprocess("optimal", "--loss", "1e5", "-p", name),
            f"loss = 1e5 is outside what preset {name}")


@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("key", ["flops", "params", "tokens", "loss"])
def test_the_range_in_the_message_is_the_range_answered(name: str, key: str) -> None:
    """Both ends of the range named in the refusal are answered, and the answer matches them."""
    preset = scalecalc.load_preset(name)
    if key == "loss" and preset.law is None:
        return
    with pytest.raises(ScalecalcError, match="outside what preset") as error:
        scalecalc.optimal(preset=name, **{key: 2.0 if key == "flops" else 1e6 if key == "loss" else 1e299})
    low, high = (float(text) for text in str(error.value).split(f"have {key} from ")[1]
                 .split("; ")[0].split(" to "))
    for end in (low * (1 + 1e-3), high * (1 - 1e-3)):
        run = scalecalc.optimal(preset=name, **{key: end})
        assert getattr(run, key) == pytest.approx(end, rel=1e-6)
        assert run.params >= 1 - 1e-9 and run.tokens >= 1 - 1e-9 and run.flops <= LARGEST


# 6. Empty values, and bounds on the size of a table or a list.
@pytest.mark.parametrize("args", [
    ("table", "--flops", ""), ("table", "--params", ""), ("table", "--params", "  "),
    ("optimal", "--flops", ""), ("optimal", "--loss", ""), ("loss", "--params", "", "--tokens", "1T"),
    ("optimal", "--flops", "1e23", "--unique-tokens", "", "-p", "muennighoff"),
    ("optimal", "--loss", "2", "--inference-tokens", ""),
], ids=lambda value: " ".join(repr(part) if part.strip() == "" else part for part in value))
def test_an_empty_value_is_an_error_naming_the_option(run_inprocess, args) -> None:
    option = next(part for part, value in itertools.pairwise(args) if not value.strip())
    refused(run_inprocess(*args), f"{option}: the value is empty")


def test_tables_and_lists_are_bounded(run_inprocess) -> None:
    refused(run_inprocess("table", "--flops", "1:1e300", "--per-decade", "10000000"),
            "--per-decade: give a whole number from 1 to 10,000")
    refused(run_inprocess("table", "--flops", "1:1e300", "--per-decade", "10000"),
            "rows, more than the 1,000,000 allowed")
    refused(run_inprocess("table", "--flops", ",".join(["1e20"] * (MAX_ITEMS + 1))),
            "the list has 1,000,001 items, more than the 1,000,000 allowed")
    refused(run_inprocess("table", "--flops", "1e20,,1e21"), "has an empty item")
    refused(run_inprocess("table", "--flops", "1e20,"), "has an empty item")
    with pytest.raises(ScalecalcError, match="more than the 1,000,000"):
        scalecalc.table(flops=np.full(MAX_ITEMS + 1, 1e20))


# 7. The given quantity comes back exactly as parsed, in CSV and JSON.
@pytest.mark.parametrize(("option", "text", "value"), [
    ("--tokens", "15T", 15e12), ("--tokens", "1.4T", 1.4e12), ("--params", "70B", 70e9),
    ("--flops", "5.76e23", 5.76e23), ("--loss", "2.1", 2.1),
])
@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("name", ["besiroglu", "kaplan", "muennighoff"])
def test_the_given_value_comes_back_as_given(run_inprocess, option, text, value, fmt, name) -> None:
    if option == "--loss" and name == "kaplan":
        text, value = "3.1", 3.1
    result = run_inprocess("optimal", option, text, "-p", name, "-f", fmt)
    assert result.code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout))) if fmt == "csv" else strict_json(result.stdout)
    # Exact on purpose: the value is copied, not computed, so no libm difference can touch it.
    assert float(rows[0][option.lstrip("-")]) == value


def test_suffixes_shift_the_exponent_instead_of_multiplying() -> None:
    assert parse_quantity("15T", "--tokens") == 15e12 == 1.5e13
    assert parse_quantity("1.4T", "--tokens") == 1.4e12
    assert parse_quantity("0.1B", "--tokens") == 1e8


# 8. One validation for the CLI and the API, with the same words.
@pytest.mark.parametrize(("value", "cli_text", "fragment"), [
    (-1, "-1", "-1 is not positive; give a number from 1 to 1e300"),
    (0, "0", "0 is not positive"),
    (math.nan, "nan", "give a number from 1 to 1e300"),
    (math.inf, "inf", "give a number from 1 to 1e300"),
    (1e-300, "1e-300", "1e-300 is below 1, the smallest usable value"),
    (1e301, "1e301", "1e301 is above 1e300, the largest usable value"),
])
@pytest.mark.parametrize("key", ["flops", "params", "tokens"])
def test_api_and_cli_share_one_validation(run_inprocess, key, value, cli_text, fragment) -> None:
    with pytest.raises(ScalecalcError, match=f"^{key}: ") as error:
        scalecalc.optimal(**{key: value})
    assert fragment in str(error.value)
    refused(run_inprocess("optimal", f"--{key}", cli_text), f"--{key}: ")
    assert fragment in run_inprocess("optimal", f"--{key}", cli_text).stderr


@pytest.mark.parametrize("bad", [True, np.bool_(False), "1e24", b"1e24", None, [], [1e20, True],
                                 ["1e20"], np.array([1e20, np.nan]), [1e20, -1.0], 1 + 2j, object(),
                                 np.zeros((0, 3))])
def test_api_refuses_what_is_not_a_usable_number(bad) -> None:
    calls = [lambda: scalecalc.optimal(flops=bad), lambda: scalecalc.loss(bad, 1e12)]
    if bad is not None:  # None means "not given" to table (Table 3's rows) and tokens (no budget)
        calls += [lambda: scalecalc.table(params=bad), lambda: scalecalc.tokens(7e9, flops=bad)]
    for call in calls:
        with pytest.raises(ScalecalcError):
            call()


def test_api_refuses_a_preset_that_is_not_one() -> None:
    with pytest.raises(ScalecalcError, match="preset: 5 is not a preset"):
        scalecalc.optimal(flops=1e24, preset=5)
    with pytest.raises(ScalecalcError, match="exactly one of flops, params, tokens or loss"):
        scalecalc.optimal()


# 9. How numbers may be written: each decision, accepted or refused.
@pytest.mark.parametrize(("text", "value"), [
    (" 70 B ", 70e9), ("70b", 70e9), ("1.4 T", 1.4e12), ("+5", 5.0), ("1_000", 1e3), ("5.", 5.0),
    ("1e5B", 1e14), ("\t2e3\n", 2e3),
])
def test_accepted_spellings(text: str, value: float) -> None:
    assert parse_quantity(text, "--flops") == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize(("text", "fragment"), [
    ("١٢", "use the ASCII digits 0 to 9"), ("１２", "use the ASCII digits 0 to 9"),
    ("1e24.5", "is not a number"), ("0x10", "is not a number"),
    ("1,000", "a comma is not a thousands separator here"), ("∞", "(infinite)"), ("inf", "(infinite)"),
    ("-Infinity", "(infinite)"), ("nan", "(NaN)"), ("NaN", "(NaN)"), ("-0", "-0 is not positive"),
    ("", "the value is empty"), ("   ", "the value is empty"), ("1e", "is not a number"),
    ("e5", "is not a number"), ("--5", "is not a number"), ("1 000", "is not a number"),
])
def test_refused_spellings(text: str, fragment: str) -> None:
    with pytest.raises(ScalecalcError, match=r"^--flops: ") as error:
        parse_quantity(text, "--flops")
    assert fragment in str(error.value)


def test_minus_zero_is_zero_where_zero_is_allowed(run_inprocess) -> None:
    assert math.copysign(1, parse_quantity("-0", "--inference-tokens", allow_zero=True)) == 1
    result = run_inprocess("optimal", "--loss", "2", "--inference-tokens", "-0", "-f", "json")
    assert strict_json(result.stdout)[0]["inference_tokens"] == 0


def test_list_items_are_checked_one_by_one() -> None:
    with pytest.raises(ScalecalcError, match="--params: '1x' is not a number"):
        parse_quantity_list("1B,1x", "--params")
    with pytest.raises(ScalecalcError, match=r"--params: 0\.5 is below 1"):
        parse_quantity_list("0.5:10", "--params")


# 10. Properties: within the bounds every answer is finite; outside them, a ScalecalcError.
log10_count = st.floats(min_value=0.0, max_value=300.0)


@settings(max_examples=150)
@given(st.sampled_from(PRESETS), st.sampled_from(["flops", "params", "tokens"]), log10_count)
def test_answers_are_finite_or_a_message(name: str, key: str, log10_value: float) -> None:
    try:
        run = scalecalc.optimal(preset=name, **{key: 10.0 ** log10_value})
    except ScalecalcError as error:
        assert "outside what preset" in str(error)
        return
    values = [run.params, run.tokens, run.flops, run.gopher_units, run.tokens_per_param, run.loss]
    assert all(value is None or math.isfinite(value) for value in values)
    assert run.params >= 1 - 1e-9 and run.tokens >= 1 - 1e-9 and run.flops <= LARGEST * (1 + 1e-9)


@settings(max_examples=100)
@given(st.sampled_from(LAW_PRESETS), st.floats(min_value=1e-300, max_value=1e300))
def test_loss_answers_reach_the_loss_or_are_refused(name: str, target: float) -> None:
    try:
        run = scalecalc.optimal(preset=name, loss=target)
    except ScalecalcError as error:
        assert "irreducible" in str(error) or "outside what preset" in str(error)
        return
    assert run.loss == pytest.approx(target, rel=1e-6)
    assert run.params >= 1 - 1e-9 and run.tokens >= 1 - 1e-9


@settings(max_examples=100)
@given(st.sampled_from(LAW_PRESETS), log10_count, log10_count)
def test_loss_and_tokens_reports_are_finite_or_a_message(name: str, log_n: float, log_d: float) -> None:
    for call in (lambda: scalecalc.loss(10.0 ** log_n, 10.0 ** log_d, preset=name),
                 lambda: scalecalc.tokens(10.0 ** log_n, flops=10.0 ** log_d, preset=name)):
        try:
            report = call()
        except ScalecalcError:
            continue
        assert all(value is None or isinstance(value, str) or math.isfinite(value)
                   for value in vars(report).values())


@settings(max_examples=60)
@given(st.sampled_from(PRESETS), st.floats(min_value=0, max_value=300), st.floats(min_value=0, max_value=300))
def test_tables_are_finite_or_a_message(name: str, low: float, span: float) -> None:
    budgets = np.logspace(low, min(low + span, 300.0), 7)
    try:
        rows = scalecalc.table(flops=budgets, preset=name)
    except ScalecalcError as error:
        assert "outside what preset" in str(error)
        return
    assert np.all(np.isfinite(rows.params)) and np.all(np.isfinite(rows.tokens))


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not 1 <= x <= LARGEST),
                 st.booleans(), st.text(max_size=5), st.none()))
def test_outside_the_bounds_only_scalecalc_errors(bad) -> None:
    for key in ("flops", "params", "tokens"):
        with pytest.raises(ScalecalcError):
            scalecalc.optimal(**{key: bad})


# 11. Further extremes: data-constrained corpora, inference demand, --set coefficients.
@pytest.mark.parametrize(("args", "fragment"), [
    (("optimal", "--loss", "2", "--inference-tokens", "1e300"), "takes the total compute beyond 1e300 FLOPs"),
    (("optimal", "--flops", "1e24", "--set", "alpha=1e-300"), "has no compute-optimal run of at least one"),
    (("optimal", "--flops", "1e300", "--unique-tokens", "1e-300", "-p", "muennighoff"),
     "--unique-tokens: 1e-300 is below 1"),
    (("loss", "--params", "1e200", "--tokens", "1e200", "--unique-tokens", "1T", "-p", "muennighoff"),
     "beyond 1e300"),
], ids=lambda value: " ".join(value) if isinstance(value, tuple) else "")
def test_further_extremes_are_messages(run_inprocess, args, fragment) -> None:
    refused(run_inprocess(*args), fragment)


@pytest.mark.parametrize("question", [("--flops", "400"), ("--params", "1.5"), ("--loss", "500"),
                                      ("--tokens", "70")], ids=" ".join)
def test_intervals_refuse_what_some_draws_cannot_answer(run_inprocess, question) -> None:
    # Was a ValueError from an array exponent; now the range every bootstrap draw answers.
    refused(run_inprocess("optimal", *question, "--ci", "90"), "(in every draw of its uncertainty)")


def test_repetition_warning_prints_huge_counts_briefly(run_inprocess) -> None:
    result = run_inprocess("optimal", "--flops", "1e23", "--unique-tokens", "1", "-p", "muennighoff",
                           "-f", "csv")
    assert result.code == 0
    assert "unique tokens 8.26e19 times" in result.stderr  # not 82599271673940000768.0


def test_api_checks_data_constrained_and_inference_numbers() -> None:
    from scalecalc import datalimited, inference

    muennighoff = scalecalc.load_preset("muennighoff")
    for bad in (0, -1.0, math.nan, True, "1e9", [1e9, 2e9]):
        with pytest.raises(ScalecalcError, match="unique_tokens"):
            datalimited.optimal(muennighoff, bad, flops=1e23)
    besiroglu = scalecalc.load_preset("besiroglu")
    for bad in (-1.0, math.inf, True, "1T"):
        with pytest.raises(ScalecalcError, match="inference_tokens"):
            inference.plan(besiroglu, 2.0, bad)
    with pytest.raises(ScalecalcError, match="loss: "):
        inference.plan(besiroglu, math.nan, 1e12)
