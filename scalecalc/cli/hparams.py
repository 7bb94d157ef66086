"""`scalecalc hparams`: batch size, learning rate and steps from DeepSeek LLM, Porian et al. and Kaplan."""

from typing import Annotated, Any

import typer

from scalecalc import presets as preset_files
from scalecalc import render
from scalecalc.cli.app import FormatOption, OutputFormat, app, examples, write
from scalecalc.cli.counting import MODEL_PANEL
from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity

TITLE = "Batch size, learning rate and steps"


@app.command(epilog=examples("scalecalc hparams --flops 1e23",
                             "scalecalc hparams --params 7B --tokens 2T --seq-len 4096",
                             "scalecalc hparams --model llama-3-8b --tokens 15T --format csv",
                             "scalecalc hparams --flops 1e22 --preset chinchilla-approach1"))
def hparams(
    flops: Annotated[str | None, typer.Option(
        metavar="FLOPS", help="Training budget in FLOPs, e.g. 1e23: N and D from --preset's "
        "allocation.")] = None,
    params: Annotated[str | None, typer.Option(
        metavar="SIZE", help="Model size N, e.g. 7B (with --tokens; C = 6·N·D).")] = None,
    tokens: Annotated[str | None, typer.Option(
        metavar="SIZE", help="Training tokens D, e.g. 2T. With --model, default: the tokens the catalogue "
        "gives it.")] = None,
    model: Annotated[str | None, typer.Option(
        "--model", metavar="NAME", help="A catalogue model (scalecalc models lists them) or a config.json, "
        "in place of --params: each law gets its own count (Kaplan non-embedding, Porian the linear layers "
        "and head, DeepSeek's C every parameter).", rich_help_panel=MODEL_PANEL)] = None,
    seq_len: Annotated[str | None, typer.Option(
        metavar="INTEGER", help="Tokens per sequence, for the batch in sequences and the steps (default: "
        "--model's training context, else 4096, DeepSeek LLM's; Porian et al. used 2048).")] = None,
    preset: Annotated[str | None, typer.Option(
        "--preset", "-p", metavar="NAME", help="With --flops: the preset whose allocation gives N and D, a "
        f"name or a .toml file (default {preset_files.DEFAULT_PRESET}).")] = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """Batch size, learning rate and steps for a run, from each published law side by side.
    DeepSeek LLM Eq. 1 (batch and LR from C), Porian et al. 2024 (batch and LR from N), Kaplan et al.
    2020 Table 6 (batch and S_min from C) and Eq. 1.4 (critical batch at the predicted loss). Each row
    names its source and fitted range; its note says why a field is blank."""
    from scalecalc import hparams as core

    length = core.DEFAULT_SEQ_LEN if seq_len is None else core.check_seq_len(seq_len)
    notes: list[str] = []
    context: int | None = None
    if flops is not None:
        others = [name for name, value in (("--params", params), ("--tokens", tokens), ("--model", model))
                  if value is not None]
        if others:
            raise ScalecalcError(f"--flops fixes N and D through --preset's allocation, so it does not go "
                                 f"with {others[0]}; give --flops, or the run as --params and --tokens.")
        chosen = preset_files.load(preset or preset_files.DEFAULT_PRESET)
        run = core.run_for_budget(chosen, parse_quantity(flops, "--flops"))
        notes.append(f"note: N and D are {chosen.name}'s compute-optimal run for this budget; Kaplan's rows "
                     "take that N as their non-embedding count.")
    else:
        if preset is not None:
            raise ScalecalcError("--preset chooses the allocation that turns --flops into N and D; drop it, "
                                 "or give --flops in place of the run.")
        run, context = _given_run(params, tokens, model, notes)
    if seq_len is None and context is not None:
        length = context
    rows = core.hyperparameters(run, length)
    warning = core.extrapolation_warning(rows)
    for line in [*notes, *([warning] if warning else [])]:
        typer.echo(render.printable(line), err=True)
    write(rows, format, title=TITLE, transpose=True)


def _given_run(params: str | None, tokens: str | None, model: str | None,
               notes: list[str]) -> tuple[Any, int | None]:
    """The run of --params and --tokens, or of --model (its tokens from the catalogue unless given),
    and the model's training context length where there is a model."""
    from scalecalc import hparams as core

    if model is not None:
        if params is not None:
            raise ScalecalcError("give --model or --params, not both: --model sets the model size N.")
        from scalecalc.models.flops import deepseek_m, matmul_params
        from scalecalc.models.sizing import convention_notes, resolve, run_tokens

        sizes = resolve(model)
        notes.extend(convention_notes(sizes, {}))  # a mixture of experts: the laws take its active count
        count = run_tokens(sizes, tokens, notes)
        run = core.given_run(sizes.active, count, kaplan_params=sizes.law_params("non-embedding"),
                             porian_params=float(matmul_params(sizes.architecture)),
                             deepseek_m=deepseek_m(sizes.architecture))
        return run, core.check_seq_len(sizes.architecture.seq_len)
    if params is None or tokens is None:
        raise ScalecalcError("give --flops, or the run as --params and --tokens (or --model), such as "
                             "--params 7B --tokens 2T.")
    return core.given_run(parse_quantity(params, "--params"), parse_quantity(tokens, "--tokens")), None
