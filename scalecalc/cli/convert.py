"""`convert`: a model size from one parameter count to another (Pearce & Song 2024; DeepSeek LLM's M)."""

import math
from typing import Annotated

import typer

from scalecalc.cli.app import FormatOption, OutputFormat, app, examples, write
from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity, parse_quantity_list


@app.command(epilog=examples("scalecalc convert --non-embedding 1e9",
                             "scalecalc convert --total 70B",
                             "scalecalc convert --non-embedding 1e8,1e9,1e10 --format csv",
                             "scalecalc convert --m 9.66e9 --d-model 2048 --seq-len 4096"))
def convert(
    non_embedding: Annotated[str | None, typer.Option(
        metavar="LIST", help="Non-embedding parameters N_\\E (Kaplan's N, as optimal -p kaplan gives it): "
        "the total N_T = N_\\E + 47,491·N_\\E^(1/3) (Pearce & Song 2024, Eq. 11).")] = None,
    total: Annotated[str | None, typer.Option(
        metavar="LIST", help="Total parameters N_T (Chinchilla's N): the non-embedding count, Eq. 11 "
        "inverted.")] = None,
    m: Annotated[str | None, typer.Option(
        "--m", metavar="LIST", help="DeepSeek LLM's model scale M, FLOPs per token (optimal -p deepseek-llm "
        "gives it): non-embedding parameters N1 = M / (6 + l_seq/d). Needs --d-model and --seq-len.")] = None,
    d_model: Annotated[str | None, typer.Option(metavar="INTEGER", help="With --m: model width d.")] = None,
    seq_len: Annotated[str | None, typer.Option(metavar="INTEGER", help="With --m: training context "
                                                "l_seq (DeepSeek LLM trained at 4096).")] = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """A model size as another parameter count: non-embedding to total and back (Pearce & Song
    2024 Eq. 11, fitted to Chinchilla's models), or DeepSeek LLM's M to non-embedding parameters."""
    from scalecalc import conversions

    given = {"--non-embedding": non_embedding, "--total": total, "--m": m}
    named = [name for name, text in given.items() if text is not None]
    if len(named) != 1:
        raise ScalecalcError("give exactly one of --non-embedding, --total or --m"
                             + (f", not {' and '.join(named)} together." if named else "."))
    (option,) = named
    shape = {"--d-model": d_model, "--seq-len": seq_len}
    if option != "--m" and any(text is not None for text in shape.values()):
        raise ScalecalcError("--d-model and --seq-len go with --m (DeepSeek's M); leave them out here.")
    values = parse_quantity_list(given[option], option)
    values = values if values.size > 1 else float(values[0])
    warnings: list[str] = []
    if option == "--m":
        missing = [name for name, text in shape.items() if text is None]
        if missing:
            raise ScalecalcError(f"--m needs the model's width and context: add {' and '.join(missing)}, "
                                 "such as --d-model 4096 --seq-len 4096.")
        width, context = (_whole(shape[name], name, conversions.MAX_WIDTH) for name in shape)
        record = conversions.non_embedding_from_scale(values, width, context)
        title = "DeepSeek LLM Eq. 2: M as parameters"
    else:
        record = (conversions.total_from_non_embedding(values) if option == "--non-embedding"
                  else conversions.non_embedding_from_total(values))
        warnings = [line for line in [conversions.fit_warning(record)] if line]
        title = "Pearce & Song 2024, Eq. 11"
    for line in warnings:
        typer.echo(line, err=True)
    write([record], format, title=title, transpose=True)


def _whole(text: str | None, name: str, largest: int) -> float:
    try:
        value = parse_quantity(str(text), name)
    except ScalecalcError:  # 0, -1, nan: the same sentence as a fraction or a size too large
        value = math.nan
    if not math.isfinite(value) or value != int(value) or not 1 <= value <= largest:
        raise ScalecalcError(f"{name}: {text} must be a whole number from 1 to {largest:,}.")
    return value
