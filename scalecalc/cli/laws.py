"""Commands for the laws beyond compute-optimal planning: `batch` (Kaplan's critical batch size)."""

from typing import Annotated

import typer

from scalecalc import solve
from scalecalc.cli.app import FormatOption, OutputFormat, PresetOption, app, emit, examples, load_presets
from scalecalc.quantities import parse_quantity_list


@app.command(epilog=examples("scalecalc batch --loss 2.0", "scalecalc batch --loss 2:4 --format csv"))
def batch(
    loss: Annotated[str, typer.Option(metavar="LIST", help="The loss reached, nats per token: one number, "
                                      "a list such as 3,2.5,2 or a range START:STOP.")],
    preset: PresetOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """The critical batch size B_crit(L) in tokens (Kaplan et al. 2020, Eq. 1.4): the batch at which a
    run takes twice the fewest steps and twice the fewest tokens. Default preset: kaplan. For the
    compute-efficient batch and steps of a budget, see batch_size and min_steps in `optimal -p kaplan`."""
    chosen = load_presets(preset or ["kaplan"])
    values = parse_quantity_list(loss, "--loss")
    records = [solve.critical_batch(item, values if values.size > 1 else float(values[0])) for item in chosen]
    emit(chosen, records, format, title="Critical batch size", transpose=True)
