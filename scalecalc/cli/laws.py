"""Commands for the laws beyond compute-optimal planning: `batch` (Kaplan's critical batch size),
`transfer` (Hernandez et al.), `densing` (Xiao et al.) and `exchange` (Jones, Hex)."""

from typing import Annotated, Any

import typer

from scalecalc.cli.app import FormatOption, OutputFormat, app, emit, examples, load_presets
from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity, parse_quantity_list


def _preset(default: str) -> object:
    """--preset for a command whose default is the one preset that answers it."""
    return Annotated[list[str] | None, typer.Option(
        "--preset", "-p", metavar="NAME", help="Built-in name or path to a .toml preset. Repeat to compare "
        f"presets. Default: {default}.")]


KaplanPreset = _preset("kaplan")
TransferPreset = _preset("hernandez-text-python")
DensingPreset = _preset("xiao-densing")
HexPreset = _preset("jones-hex")


@app.command(epilog=examples("scalecalc batch --loss 2.0", "scalecalc batch --loss 2:4 --format csv"))
def batch(
    loss: Annotated[str, typer.Option(metavar="LIST", help="The loss reached, nats per token: one number, "
                                      "a list such as 3,2.5,2 or a range START:STOP.")],
    preset: KaplanPreset = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """The critical batch size B_crit(L) in tokens (Kaplan et al. 2020, Eq. 1.4).
    Training at it takes twice the fewest steps and twice the fewest tokens. Default preset: kaplan.
    For the compute-efficient batch and steps of a budget, see batch_size and min_steps in
    `optimal -p kaplan`."""
    from scalecalc import fieldlaws

    chosen = load_presets(preset or ["kaplan"])
    values = parse_quantity_list(loss, "--loss")
    records = [fieldlaws.critical_batch(item, _one_or_many(values)) for item in chosen]
    emit(chosen, records, format, title="Critical batch size", transpose=True)


@app.command(epilog=examples("scalecalc transfer --params 40M --finetune-tokens 300K",
                             "scalecalc transfer --params 1B --finetune-tokens 1e6,1e7,1e8 -p "
                             "hernandez-textcode-python"))
def transfer(
    params: Annotated[str, typer.Option(metavar="SIZE", help="Model size N, non-embedding parameters.")],
    finetune_tokens: Annotated[str, typer.Option(metavar="LIST", help="Fine-tuning data D_F (the fits count "
                                                 "characters of Python): a number or a list.")],
    preset: TransferPreset = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """What pre-training is worth to a fine-tune (Hernandez et al. 2021).
    The effective data transferred D_T = k·D_F^alpha·N^beta, its share and the data multiplier, in the
    low-data regime the fits hold in. Default preset: hernandez-text-python."""
    from scalecalc import fieldlaws

    chosen = load_presets(preset or ["hernandez-text-python"])
    n = parse_quantity(params, "--params")
    data = _one_or_many(parse_quantity_list(finetune_tokens, "--finetune-tokens"))
    emit(chosen, [fieldlaws.transfer(item, n, data) for item in chosen], format, title="Transfer",
         transpose=True)


@app.command(epilog=examples("scalecalc densing --params 70B --days 365",
                             "scalecalc densing --params 70B --from 2024-07-23 --to 2025-07-23"))
def densing(
    params: Annotated[str, typer.Option(metavar="SIZE", help="Model size N today (or at --from).")],
    days: Annotated[str | None, typer.Option(metavar="NUMBER", help="Days later (at most 3653).")] = None,
    from_: Annotated[str | None, typer.Option("--from", metavar="DATE",
                                              help="Start date, YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option(metavar="DATE", help="End date, YYYY-MM-DD.")] = None,
    preset: DensingPreset = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """The parameters an equally capable model needs some days later (densing law, Xiao et al. 2024).
    Capability density doubles about every 95 days; only the slope is published, so this is a ratio,
    a trend of the best open models. Default preset: xiao-densing."""
    from scalecalc import fieldlaws

    if (days is None) == (from_ is None and to is None) or (days is None and (from_ is None or to is None)):
        raise ScalecalcError("give --days, or both --from and --to (dates such as 2024-07-23).")
    span = parse_quantity(days, "--days") if days is not None else _days_between(from_, to)
    chosen = load_presets(preset or ["xiao-densing"])
    n = parse_quantity(params, "--params")
    emit(chosen, [fieldlaws.densing(item, n, span) for item in chosen], format, title="Densing",
         transpose=True)


@app.command(epilog=examples("scalecalc exchange --train-factor 10", "scalecalc exchange --test-factor 100"))
def exchange(
    train_factor: Annotated[str | None, typer.Option(metavar="NUMBER", help="A multiple of train-time "
                                                     "compute: the test-time multiple it replaces.")] = None,
    test_factor: Annotated[str | None, typer.Option(
        metavar="NUMBER", help="A multiple of test-time compute: the train-time multiple that replaces "
        "it.")] = None,
    preset: HexPreset = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """Train-time against test-time compute at equal strength, measured on Hex (Jones 2021).
    Fig. 9: 10x train-time compute replaces about 15x test-time compute, on the board game Hex only.
    Default preset: jones-hex."""
    from scalecalc import fieldlaws

    if (train_factor is None) == (test_factor is None):
        raise ScalecalcError("give exactly one of --train-factor and --test-factor.")
    chosen = load_presets(preset or ["jones-hex"])
    question = ({"train_factor": parse_quantity(train_factor, "--train-factor")} if train_factor is not None
                else {"test_factor": parse_quantity(test_factor, "--test-factor")})
    emit(chosen, [fieldlaws.exchange(item, **question) for item in chosen], format,
         title="Train-time against test-time compute", transpose=True)


def _one_or_many(values: Any) -> Any:
    return values if values.size > 1 else float(values[0])


def _days_between(start: str | None, end: str | None) -> float:
    import datetime

    dates = []
    for name, text in (("--from", start), ("--to", end)):
        try:
            dates.append(datetime.date.fromisoformat(str(text).strip()))
        except ValueError:
            raise ScalecalcError(f"{name}: {text!r} is not a date; write it as YYYY-MM-DD, such as "
                                 "2024-07-23.") from None
    span = (dates[1] - dates[0]).days
    if span <= 0:
        raise ScalecalcError(f"--to {end} is not after --from {start}; give a later end date.")
    return float(span)
