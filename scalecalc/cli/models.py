"""Model commands: `model` (one architecture counted) and `models` (the catalogue of trained models).

scalecalc.models is imported inside the commands, so other commands do not pay for it at start-up.
"""

from typing import Annotated, Any

import typer

from scalecalc.cli.app import FormatOption, OutputFormat, app, examples, load_presets, write
from scalecalc.errors import ScalecalcError

MAX_GPUS = 10_000_000
MAX_MICRO_BATCH = 1_000_000

ModelsFileOption = Annotated[str | None, typer.Option(
    "--models", metavar="FILE", help="A TOML file adding or replacing catalogue models (same shape as "
    "presets/models/*.toml).")]

SHAPE = "Shape (a model of your own)"


@app.command(name="model", epilog=examples(
    "scalecalc model --model llama-3-8b",
    "scalecalc model config.json --gpus 64 --gpu h100",
    "scalecalc model --layers 32 --d-model 4096 --heads 32 --kv-heads 8 --ffn 14336 --vocab 128256 "
    "--seq-len 8192"))
def model_command(
    config: Annotated[str | None, typer.Argument(
        metavar="[CONFIG]", help="A Hugging Face config.json, or - to read it from standard input.")] = None,
    model: Annotated[str | None, typer.Option(
        "--model", metavar="NAME", help="A catalogue model (scalecalc models lists them) or a config.json "
        "path.")] = None,
    models: ModelsFileOption = None,
    layers: Annotated[int | None, typer.Option(metavar="INTEGER", help="Transformer layers.",
                                               rich_help_panel=SHAPE)] = None,
    d_model: Annotated[int | None, typer.Option(metavar="INTEGER", help="Hidden size.",
                                                rich_help_panel=SHAPE)] = None,
    heads: Annotated[int | None, typer.Option(metavar="INTEGER", help="Attention (query) heads.",
                                              rich_help_panel=SHAPE)] = None,
    kv_heads: Annotated[int | None, typer.Option(metavar="INTEGER", help="Key-value heads (default: "
                                                 "--heads; fewer is grouped-query attention).",
                                                 rich_help_panel=SHAPE)] = None,
    head_dim: Annotated[int | None, typer.Option(metavar="INTEGER", help="Size of one head (default: "
                                                 "d-model / heads).", rich_help_panel=SHAPE)] = None,
    ffn: Annotated[int | None, typer.Option(metavar="INTEGER", help="MLP hidden size (of each gated "
                                            "half with --glu).", rich_help_panel=SHAPE)] = None,
    vocab: Annotated[int | None, typer.Option(metavar="INTEGER", help="Vocabulary size.",
                                              rich_help_panel=SHAPE)] = None,
    glu: Annotated[bool | None, typer.Option("--glu/--no-glu", help="Gated MLP (SwiGLU/GeGLU: three "
                                             "matrices; default) or plain (two).",
                                             rich_help_panel=SHAPE)] = None,
    tied: Annotated[bool | None, typer.Option("--tied/--untied", help="Output head shares the "
                                              "embedding (default: untied).", rich_help_panel=SHAPE)] = None,
    norm: Annotated[str | None, typer.Option(metavar="NAME", help="rms (default) or layer.",
                                             rich_help_panel=SHAPE)] = None,
    bias: Annotated[bool, typer.Option("--bias", help="Biases in every linear layer, as GPT-2.",
                                       rich_help_panel=SHAPE)] = False,
    experts: Annotated[int | None, typer.Option(metavar="INTEGER", help="Routed experts per MoE layer.",
                                                rich_help_panel=SHAPE)] = None,
    experts_per_token: Annotated[int | None, typer.Option(metavar="INTEGER", help="Experts a token is "
                                                          "routed to (k).", rich_help_panel=SHAPE)] = None,
    shared_experts: Annotated[int | None, typer.Option(metavar="INTEGER", help="Experts every token "
                                                       "uses.", rich_help_panel=SHAPE)] = None,
    expert_ffn: Annotated[int | None, typer.Option(metavar="INTEGER", help="Hidden size of one expert "
                                                   "(default: --ffn).", rich_help_panel=SHAPE)] = None,
    dense_layers: Annotated[int | None, typer.Option(metavar="INTEGER", help="Layers with a dense MLP "
                                                     "in an MoE model.", rich_help_panel=SHAPE)] = None,
    seq_len: Annotated[int | None, typer.Option(metavar="INTEGER", help="Training context T (default: "
                                                "the model's; 2048 for a shape).")] = None,
    micro_batch: Annotated[int, typer.Option(metavar="INTEGER", help="Sequences per GPU per step, for "
                                             "activation memory.", rich_help_panel="Memory")] = 1,
    gpus: Annotated[int | None, typer.Option(metavar="INTEGER", help="Data-parallel GPUs sharing the "
                                             "training state: adds ZeRO 1-3 per GPU.",
                                             rich_help_panel="Memory")] = None,
    gpu: Annotated[str | None, typer.Option(metavar="NAME", help="Accelerator whose memory the catalogue "
                                            "gives (scalecalc hardware lists them): adds the fewest that "
                                            "hold the state.", rich_help_panel="Memory")] = None,
    accelerators: Annotated[str | None, typer.Option(metavar="FILE", help="A TOML file adding or replacing "
                                                     "accelerators, for --gpu.",
                                                     rich_help_panel="Memory")] = None,
    gpu_memory: Annotated[str | None, typer.Option(metavar="NUMBER", help="Memory of one accelerator in "
                                                   "GB, e.g. 80: adds the fewest that hold the state "
                                                   "(overrides --gpu's).",
                                                   rich_help_panel="Memory")] = None,
    state_bytes: Annotated[int, typer.Option(metavar="INTEGER", help="Training-state bytes per parameter: "
                                             "16 (bf16 Adam), 18 (fp32 gradients) or 20.",
                                             rich_help_panel="Memory")] = 16,
    format: FormatOption = OutputFormat.table,
) -> None:
    """Parameters, training FLOPs per token under each convention, and memory of one model.

    FLOPs per token default to 6N (N active), the convention the laws were fitted with; the others
    are shown beside it.
    """
    from scalecalc.models import memory, report

    shape = {"layers": layers, "d_model": d_model, "heads": heads, "kv_heads": kv_heads,
             "head_dim": head_dim, "ffn": ffn, "vocab": vocab, "glu": glu, "tied": tied, "norm": norm,
             "experts": experts, "experts_per_token": experts_per_token, "shared_experts": shared_experts,
             "expert_ffn": expert_ffn, "dense_layers": dense_layers}
    given = {key: value for key, value in shape.items() if value is not None}
    if bias:
        given.update(qkv_bias=True, out_bias=True, mlp_bias=True)
    sources = [name for name, used in (("a config file", config is not None), ("--model", model is not None),
                                       ("shape options", bool(given))) if used]
    if len(sources) != 1:
        what = "give a config.json, --model NAME, or a shape (--layers, --d-model, --heads, --ffn, --vocab)"
        raise ScalecalcError(what + (f", not {' and '.join(sources)} together." if sources else "."))
    if models is not None and model is None:
        raise ScalecalcError("--models adds to the catalogue that --model NAME reads; give --model too.")
    _check_range("--micro-batch", micro_batch, MAX_MICRO_BATCH)
    if gpus is not None:
        _check_range("--gpus", gpus, MAX_GPUS)
    if state_bytes not in memory.STATE_BYTES:
        raise ScalecalcError(f"--state-bytes: {state_bytes} is not one of 16, 18 or 20 bytes per parameter.")
    accelerator, memory_gb = _gpu_memory(gpu, accelerators, gpu_memory)
    if given:
        arch, name = _shape(given, seq_len), "custom"
    else:
        arch, name = _load(config if config is not None else model, models, from_catalogue=model is not None)
        if seq_len is not None:
            arch = _with_seq_len(arch, seq_len)
    record = report.describe(arch, name, micro_batch=micro_batch, gpus=gpus, gpu_memory_gb=memory_gb,
                             state_bytes=state_bytes, accelerator=accelerator)
    write([record], format, title="Model", transpose=True)


@app.command(name="models", epilog=examples("scalecalc models", "scalecalc models --format csv",
                                            "scalecalc models --preset besiroglu --sort compute_multiplier",
                                            "scalecalc models --preset all --format csv",
                                            "scalecalc models --models my-models.toml"))
def models_command(
    names: Annotated[list[str] | None, typer.Argument(
        metavar="[NAME]...", help="Only these catalogue models (default: all of them).")] = None,
    models: ModelsFileOption = None,
    preset: Annotated[list[str] | None, typer.Option(
        "--preset", "-p", metavar="NAME", help="Add each model's predicted loss, over-training factor and "
        "compute multiplier under this preset (a name, a .toml file, or 'all'; repeatable).")] = None,
    sort: Annotated[str | None, typer.Option(
        metavar="NAME", help="Sort the rows by this column, smallest first (blanks last), e.g. "
        "compute_multiplier, tokens_per_param or released.")] = None,
    reverse: Annotated[bool, typer.Option("--reverse", help="With --sort: largest first.")] = False,
    format: FormatOption = OutputFormat.table,
) -> None:
    """The catalogue of trained models: N, active N, D, C, D/N, release date and source; with --preset,
    how each compares with the compute-optimal run of the same predicted loss."""
    from scalecalc.models import catalogue, report

    if reverse and sort is None:
        raise ScalecalcError("--reverse goes with --sort NAME; add the column to sort by.")
    known = catalogue.load(models)
    entries = list(known.values()) if not names else \
        list({(entry := catalogue.find(name, models)).name: entry for name in names}.values())
    if preset:
        rows: list[Any] = report.judged(entries, load_presets(preset, need_law=True))
        title = "Trained models against the compute-optimal run of the same loss"
    else:
        rows, title = report.listing(entries), "Trained models (use with --model NAME)"
    if sort is not None:
        rows = sort_rows(rows, sort, reverse)
    write(rows, format, title=title, transpose=False)


def sort_rows(rows: list[Any], name: str, reverse: bool) -> list[Any]:
    """Rows ordered by one field: numbers or text, smallest first (largest with reverse), blanks last;
    ties keep their order."""
    from scalecalc.records import field_names

    if not rows:
        return rows
    names = field_names(type(rows[0]))
    key = name.strip().replace("-", "_")
    if key not in names:
        from scalecalc.tomlfile import describe

        shown = describe(name)
        raise ScalecalcError(f"--sort: {shown} is not a column; choose one of {', '.join(names)}.")
    present = [row for row in rows if getattr(row, key) not in (None, "")]
    blank = [row for row in rows if getattr(row, key) in (None, "")]
    return sorted(present, key=lambda row: getattr(row, key), reverse=reverse) + blank


def _gpu_memory(gpu: str | None, accelerators: str | None,
                gpu_memory: str | None) -> tuple[str | None, float | None]:
    """(accelerator, GB of one): --gpu-memory when given, else --gpu's memory from the catalogue."""
    if gpu is None and accelerators is not None:
        raise ScalecalcError("--accelerators adds to the catalogue that --gpu NAME reads; give --gpu too.")
    if gpu is None and gpu_memory is None:
        return None, None
    from scalecalc import hardware

    memory_gb = None if gpu_memory is None else hardware.parse_memory(gpu_memory, "--gpu-memory")
    if gpu is None:
        return None, memory_gb
    part = hardware.find(gpu, accelerators)
    if memory_gb is None:
        part.memory_bytes()  # a part without a memory figure: the message asks for --gpu-memory
        memory_gb = part.memory_gb
    return part.key, memory_gb


def _check_range(option: str, value: int, bound: int) -> None:
    if not 1 <= value <= bound:
        raise ScalecalcError(f"{option}: {value} must be a whole number from 1 to {bound:,}.")


def _shape(given: dict[str, Any], seq_len: int | None) -> Any:
    from scalecalc.models.architecture import Architecture

    missing = [key for key in ("layers", "d_model", "heads", "ffn", "vocab") if key not in given]
    if missing:
        names = ", ".join("--" + key.replace("_", "-") for key in missing)
        raise ScalecalcError(f"a shape needs --layers, --d-model, --heads, --ffn and --vocab; add {names}.")
    try:
        return Architecture(**given, **({} if seq_len is None else {"seq_len": seq_len}))
    except ScalecalcError as error:
        raise _as_option(error) from None


def _with_seq_len(arch: Any, seq_len: int) -> Any:
    from dataclasses import replace

    try:
        return replace(arch, seq_len=seq_len)
    except ScalecalcError as error:
        raise _as_option(error) from None


def _as_option(error: ScalecalcError) -> ScalecalcError:
    """'model shape: d_model must be ...' -> '--d-model must be ...' (the option the user typed)."""
    text = str(error)
    prefix = "model shape: "
    if not text.startswith(prefix):
        return error
    field, _, rest = text[len(prefix):].partition(" ")
    return ScalecalcError(f"--{field.replace('_', '-')} {rest}")


def _load(spec: str, models: str | None, from_catalogue: bool) -> tuple[Any, str]:
    """A config.json (path or -) or, for --model, a catalogue name."""
    is_file = spec == "-" or spec.endswith(".json") or "/" in spec
    if from_catalogue and not is_file:
        from scalecalc.models import catalogue

        return catalogue.find(spec, models).architecture, spec.strip().lower()
    if models is not None:
        raise ScalecalcError("--models adds to the catalogue; it does not go with a config file.")
    from scalecalc.models import config

    return config.read_config(spec), "standard input" if spec == "-" else spec
