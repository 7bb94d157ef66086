"""Planning commands: optimal, loss, tokens and table."""

from typing import Annotated, Any

import numpy as np
import typer

from scalecalc import solve
from scalecalc.cli import precision_opts
from scalecalc.cli.app import (
    AcceleratorsOption,
    CiOption,
    DaysOption,
    DollarsOption,
    FormatOption,
    GpuOption,
    GpusOption,
    MfuOption,
    OutputFormat,
    PrecisionOption,
    PresetOption,
    PriceOption,
    SetOption,
    UniqueOption,
    app,
    emit,
    examples,
    load_presets,
    one_question,
    priced,
    training_hardware,
)
from scalecalc.cli.counting import (
    FlopsPerTokenOption,
    ModelOption,
    counting_notes,
    read_counting,
    refuse_counting,
)
from scalecalc.errors import ScalecalcError
from scalecalc.presets import Preset
from scalecalc.quantities import parse_quantity, parse_quantity_list

# Mixture-of-experts options (answered by cli/moe_opts.py, imported only when they are used).
MOE_PANEL = "Mixture of experts"
ExpertsOption = Annotated[str | None, typer.Option(
    "--experts", metavar="INTEGER", help="Expert count E for an MoE preset "
    "(ludziejewski-moe, clark-sbase); optimal for a budget (not --params) without it picks the best E "
    "of 1 to 32.",
    rich_help_panel=MOE_PANEL)]
GranularityOption = Annotated[str | None, typer.Option(
    "--granularity", metavar="INTEGER", help="Granularity G for krajewski-moe; optimal "
    "for a budget (not --params) without it picks the best G of 1, 2, 4, ..., 64.",
    rich_help_panel=MOE_PANEL)]
DModelOption = Annotated[str | None, typer.Option(
    "--d-model", metavar="INTEGER", help="With --n-blocks, for krajewski-moe: the model's width, in place "
    "of --params (Eq. 10 counts its parameters and FLOPs).", rich_help_panel=MOE_PANEL)]
NBlocksOption = Annotated[str | None, typer.Option(
    "--n-blocks", metavar="INTEGER", help="With --d-model: the model's transformer blocks.",
    rich_help_panel=MOE_PANEL)]


def _moe_asked(preset: list[str] | None, *options: str | None) -> bool:
    if all(option is None for option in options) and not preset:
        return False  # the common case imports nothing more (start-up time)
    from scalecalc.cli import moe_opts

    return moe_opts.asked(preset, *options)


@app.command(epilog=examples("scalecalc optimal --flops 1e24",
                             "scalecalc optimal --params 70B --preset besiroglu",
                             "scalecalc optimal --gpu h100 --gpus 2048 --days 30",
                             "scalecalc optimal --model llama-3-8b --preset all",
                             "scalecalc optimal --gpu h100 --gpus 2048 --days 30 --flops-per-token 8",
                             "scalecalc optimal --loss 2.0 --inference-tokens 2T",
                             "scalecalc optimal --flops 1e23 --unique-tokens 100B --preset muennighoff"))
def optimal(
    flops: Annotated[str | None, typer.Option(
        metavar="FLOPS", help="Training budget in FLOPs, e.g. 1e24.")] = None,
    params: Annotated[str | None, typer.Option(metavar="SIZE", help="Model size N, e.g. 70B.")] = None,
    tokens: Annotated[str | None, typer.Option(metavar="SIZE", help="Training tokens D, e.g. 1.4T.")] = None,
    loss: Annotated[str | None, typer.Option(metavar="NUMBER", help="Target loss (nats/token): the "
                                             "cheapest run that reaches it.")] = None,
    days: DaysOption = None,
    dollars: DollarsOption = None,
    inference_tokens: Annotated[str | None, typer.Option(
        metavar="SIZE", help="With --loss: lifetime inference tokens T; minimize training + 2·N·T.",
        rich_help_panel="Inference")] = None,
    inference_gpu: Annotated[str | None, typer.Option(
        metavar="NAME", help="Accelerator that serves the model (default: --gpu).",
        rich_help_panel="Inference")] = None,
    inference_mfu: Annotated[str | None, typer.Option(
        metavar="NUMBER", help="Utilization when serving (default 0.40).",
        rich_help_panel="Inference")] = None,
    inference_price: Annotated[str | None, typer.Option(
        metavar="NUMBER", help="Dollars per serving accelerator-hour: with --price, minimize dollars.",
        rich_help_panel="Inference")] = None,
    inference_requests: Annotated[str | None, typer.Option(
        metavar="SIZE", help="With --loss: lifetime requests, instead of --inference-tokens; each of "
        "--input-tokens and --output-tokens.", rich_help_panel="Inference")] = None,
    input_tokens: Annotated[str | None, typer.Option(
        metavar="NUMBER", help="Prompt tokens of an average request (prefill; default 70, Sardana et "
        "al.).", rich_help_panel="Inference")] = None,
    output_tokens: Annotated[str | None, typer.Option(
        metavar="NUMBER", help="Generated tokens of an average request (decode; default 215).",
        rich_help_panel="Inference")] = None,
    prefill_mfu: Annotated[str | None, typer.Option(
        metavar="NUMBER", help="Utilization of prefill (default 0.5, Sardana et al.).",
        rich_help_panel="Inference")] = None,
    decode_mfu: Annotated[str | None, typer.Option(
        metavar="NUMBER", help="Utilization of decode (default 0.01, Sardana et al.).",
        rich_help_panel="Inference")] = None,
    unique_tokens: UniqueOption = None,
    model: ModelOption = None,
    flops_per_token: FlopsPerTokenOption = None,
    preset: PresetOption = None,
    set_: SetOption = None,
    ci: CiOption = None,
    gpu: GpuOption = None,
    gpus: GpusOption = None,
    mfu: MfuOption = None,
    price: PriceOption = None,
    accelerators: AcceleratorsOption = None,
    precision: PrecisionOption = None,
    experts: ExpertsOption = None,
    granularity: GranularityOption = None,
    # Training precision, for a precision law (Kumar et al. 2024): cli/precision_opts.py.
    weight_bits: precision_opts.WeightBitsOption = None,
    activation_bits: precision_opts.ActivationBitsOption = None,
    kv_bits: precision_opts.KvBitsOption = None,
    post_bits: precision_opts.PostBitsOption = None,
    precision_search: precision_opts.PrecisionSearchOption = False,
    format: FormatOption = OutputFormat.table,
) -> None:
    """The compute-optimal N, D, C and loss, fixed by exactly one of the budget options (or --model)."""
    if _moe_asked(preset, experts, granularity):
        from scalecalc.cli import moe_opts

        moe_opts.optimal(
            {"flops": flops, "params": params, "tokens": tokens, "loss": loss, "days": days,
             "dollars": dollars},
            model, preset, experts, granularity, (gpu, gpus, mfu, price, accelerators, precision), format,
            {"--inference-tokens": inference_tokens, "--inference-gpu": inference_gpu,
             "--inference-mfu": inference_mfu, "--inference-price": inference_price,
             "--inference-requests": inference_requests, "--input-tokens": input_tokens,
             "--output-tokens": output_tokens, "--prefill-mfu": prefill_mfu, "--decode-mfu": decode_mfu,
             "--unique-tokens": unique_tokens, "--flops-per-token": flops_per_token, "--set": set_,
             "--ci": ci is not None, "--precision-search": precision_search,
             **precision_opts.asked(weight_bits, activation_bits, kv_bits, post_bits)})
        return
    hardware = training_hardware(gpu, gpus, mfu, price, accelerators, precision)
    counting = read_counting(model, flops_per_token, params)
    given = {"flops": flops, "params": params, "tokens": tokens, "loss": loss, "days": days,
             "dollars": dollars}
    if model is not None:
        others = [key for key, text in given.items() if text is not None]
        if others:
            raise ScalecalcError(f"--model sets the model size, so it does not go with --{others[0]}; "
                                 "drop one of them.")
        key, value = "params", None
    else:
        key, value = one_question(given, hardware)
    chosen = load_presets(preset, need_law=key == "loss", need_uncertainty=ci is not None, overrides=set_)
    warnings: list[str] = counting_notes(counting, chosen)
    phases = {"--inference-requests": inference_requests, "--input-tokens": input_tokens,
              "--output-tokens": output_tokens, "--prefill-mfu": prefill_mfu, "--decode-mfu": decode_mfu}
    bits = precision_opts.Bits(weight_bits, activation_bits, kv_bits, post_bits, precision_search)
    if bits.given:
        precision_opts.optimal(bits, chosen, key, value, hardware, format, {
            "--model": model, "--flops-per-token": flops_per_token, "--ci": ci,
            "--unique-tokens": unique_tokens, "--inference-tokens": inference_tokens, **phases})
        return
    if any(text is not None for text in phases.values()):
        refuse_counting(counting, "--inference-requests")
        if key != "loss" or ci is not None or unique_tokens is not None:
            raise ScalecalcError("prefill and decode costing goes with --loss (the loss to reach), not "
                                 "with --flops, --params, --tokens, --ci or --unique-tokens.")
        records = [_served(item, value, hardware, inference_tokens, inference_gpu, inference_mfu,
                           inference_price, accelerators, phases) for item in chosen]
        title = "Inference-aware run, prefill and decode costed apart"
        hardware = None  # the record prices training, prefill and decode itself
    elif inference_tokens is not None:
        refuse_counting(counting, "--inference-tokens")
        if key != "loss" or ci is not None or unique_tokens is not None:
            raise ScalecalcError("--inference-tokens goes with --loss (the loss to reach), not with "
                                 "--flops, --params, --tokens, --ci or --unique-tokens.")
        from scalecalc import inference

        demand = parse_quantity(inference_tokens, "--inference-tokens", allow_zero=True)
        serving = _serving(hardware, inference_gpu, inference_mfu, inference_price, accelerators)
        ratio = 1.0 if serving is None else inference.cost_ratio(hardware, serving)
        records: list[Any] = [inference.plan(item, value, demand, ratio) for item in chosen]
        if serving is not None:
            records = [inference.priced(record, hardware, serving) for record in records]
        title = "Inference-aware run"
    elif unique_tokens is not None:
        if ci is not None:
            raise ScalecalcError("--ci and --unique-tokens cannot be combined yet; drop one of them.")
        from scalecalc import datalimited

        unique = parse_quantity(unique_tokens, "--unique-tokens")
        records = [datalimited.optimal(item, unique, **_question(counting, item, key, value))
                   for item in chosen]
        warnings += [w for item, r in zip(chosen, records, strict=True)
                     if (w := datalimited.repetition_warning(item, r))]
        title = "Compute-optimal run with limited unique data"
    else:
        records = [_optimal(item, ci, **_question(counting, item, key, value)) for item in chosen]
        title = "Compute-optimal run"
    records = _counted(counting, chosen, records, value if key == "flops" else None)
    emit(chosen, priced(records, hardware), format, title=title, transpose=True, warnings=warnings)


@app.command(name="loss", epilog=examples(
    "scalecalc loss --params 70B --tokens 1.4T --preset all",
    "scalecalc loss --model llama-3-8b --tokens 15T",
    "scalecalc loss --model llama-3.1-405b --preset kaplan --preset besiroglu",
    "scalecalc loss --params 7B --tokens 2T --unique-tokens 100B --preset muennighoff",
    "scalecalc loss --params 1.5B --preset kaplan",
    "scalecalc loss --params 1e9 --steps 1e5 --preset kaplan",
    "scalecalc loss --flops 1pfd --preset henighan-video",
    "scalecalc loss --core-days 100 --preset zhai-imagenet-finetune"))
def loss_command(
    params: Annotated[str | None, typer.Option(metavar="SIZE", help="Model size N, e.g. 70B. Alone: L(N), "
                                               "where the preset has a one-variable law (kaplan).")] = None,
    tokens: Annotated[str | None, typer.Option(metavar="SIZE", help="Training tokens D, e.g. 1.4T. Alone: "
                                               "L(D), where the preset has one (kaplan). With --model, "
                                               "default: the tokens the catalogue gives it.")] = None,
    steps: Annotated[str | None, typer.Option(
        metavar="SIZE", help="With --params alone: L(N, S_min), the loss after S_min steps at the critical "
        "batch (kaplan).")] = None,
    flops: Annotated[str | None, typer.Option(metavar="FLOPS", help="Alone: L(C), the loss along the compute "
                                              "frontier at this budget (kaplan, henighan-*); 1pfd is a "
                                              "PF-day.")] = None,
    core_days: Annotated[str | None, typer.Option(metavar="NUMBER", help="Alone: the error a law of compute "
                                                  "in TPUv3 core-days predicts (zhai-imagenet-finetune, "
                                                  "zhai-imagenet-10shot).")] = None,
    unique_tokens: UniqueOption = None,
    model: ModelOption = None,
    flops_per_token: FlopsPerTokenOption = None,
    preset: PresetOption = None,
    set_: SetOption = None,
    gpu: GpuOption = None,
    gpus: GpusOption = None,
    mfu: MfuOption = None,
    price: PriceOption = None,
    accelerators: AcceleratorsOption = None,
    precision: PrecisionOption = None,
    experts: ExpertsOption = None,
    granularity: GranularityOption = None,
    d_model: DModelOption = None,
    n_blocks: NBlocksOption = None,
    # Training precision, for a precision law (Kumar et al. 2024): cli/precision_opts.py.
    weight_bits: precision_opts.WeightBitsOption = None,
    activation_bits: precision_opts.ActivationBitsOption = None,
    kv_bits: precision_opts.KvBitsOption = None,
    post_bits: precision_opts.PostBitsOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """The loss a law predicts for a run, its terms, what it gives away to the optimum, and its compute
    multiplier: its compute over what a compute-optimal run needs for the same loss."""
    if _moe_asked(preset, experts, granularity, d_model, n_blocks):
        from scalecalc.cli import moe_opts

        moe_opts.loss(params, tokens, model, preset, experts, granularity, (d_model, n_blocks),
                      (gpu, gpus, mfu, price, accelerators, precision), format,
                      {"--steps": steps, "--flops": flops, "--core-days": core_days,
                       "--unique-tokens": unique_tokens, "--flops-per-token": flops_per_token, "--set": set_,
                       **precision_opts.asked(weight_bits, activation_bits, kv_bits, post_bits)})
        return
    bits = precision_opts.Bits(weight_bits, activation_bits, kv_bits, post_bits, False)
    if bits.given:
        hardware = training_hardware(gpu, gpus, mfu, price, accelerators, precision)
        precision_opts.loss(bits, params, tokens, model, preset, set_, hardware, format, {
            "--steps": steps, "--core-days": core_days, "--flops": flops,
            "--unique-tokens": unique_tokens, "--flops-per-token": flops_per_token})
        return
    if steps is not None or core_days is not None or flops is not None:
        _other_variables(params, tokens, steps, core_days, flops, unique_tokens, model, flops_per_token,
                         (gpu, gpus, mfu, price, accelerators, precision), preset, set_, format)
        return
    hardware = training_hardware(gpu, gpus, mfu, price, accelerators, precision)
    counting = read_counting(model, flops_per_token, params)
    notes: list[str] = []
    if counting is not None and counting.model is not None and tokens is None:
        from scalecalc.models.sizing import run_tokens

        tokens = repr(run_tokens(counting.model, None, notes))
    sized = params is not None or model is not None
    if not sized or tokens is None:
        if not sized and tokens is None:
            raise ScalecalcError("give --params and --tokens (or one of them alone for a one-variable "
                                 "law such as kaplan's L(N) or L(D)).")
        if unique_tokens is not None or hardware is not None or counting is not None:
            raise ScalecalcError("--unique-tokens, --gpu and --flops-per-token need a whole run: give both "
                                 "--params and --tokens.")
        one = {"params": parse_quantity(params, "--params")} if params is not None else \
            {"tokens": parse_quantity(tokens, "--tokens")}
        chosen = load_presets(preset, overrides=set_)
        single = [solve.single_variable_loss(item, **one) for item in chosen]
        emit(chosen, single, format, title="Predicted loss, one-variable law", transpose=True)
        return
    d = parse_quantity(tokens, "--tokens")
    n = None if model is not None else parse_quantity(params, "--params")
    chosen = load_presets(preset, need_law=True, overrides=set_)
    warnings: list[str] = counting_notes(counting, chosen) + notes
    if unique_tokens is not None:
        from scalecalc import datalimited

        unique = parse_quantity(unique_tokens, "--unique-tokens")
        records: list[Any] = [datalimited.assess(item, _size(counting, item, n), d, unique)
                              for item in chosen]
        warnings += [w for item, r in zip(chosen, records, strict=True)
                     if (w := datalimited.repetition_warning(item, r))]
    else:
        records = [solve.assess_run(item, _size(counting, item, n), d) for item in chosen]
    records = _counted(counting, chosen, records)
    emit(chosen, priced(records, hardware), format, title="Predicted loss", transpose=True,
          warnings=warnings)


def _other_variables(params: str | None, tokens: str | None, steps: str | None, core_days: str | None,
                     flops: str | None, *others: Any) -> None:
    """`loss --params N --steps S` (Kaplan's L(N, S_min)), `loss --flops C` (a frontier L(C)) and
    `loss --core-days C` (Zhai's error)."""
    *rest, preset, set_, format = others
    if tokens is not None or any(value is not None for value in rest[:3]) or any(rest[3]):
        raise ScalecalcError("--steps goes with --params alone, and --flops and --core-days stand alone: "
                             "leave out --tokens, --model, --unique-tokens, --flops-per-token and the "
                             "hardware options.")
    chosen = load_presets(preset, overrides=set_)
    alone = {"core_days": core_days, "flops": flops}
    given = [key for key, value in alone.items() if value is not None]
    if given:
        if len(given) > 1 or params is not None or steps is not None:
            raise ScalecalcError("--flops and --core-days each stand alone: give one, without --params or "
                                 "--steps.")
        (key,) = given
        value = parse_quantity(alone[key], f"--{key.replace('_', '-')}")
        records = [solve.single_variable_loss(item, **{key: value}) for item in chosen]
        title = "Predicted error, one-variable law" if key == "core_days" else "Frontier loss L(C)"
        emit(chosen, records, format, title=title, transpose=True)
        return
    if params is None:
        raise ScalecalcError("--steps needs --params: give the model size, such as --params 1e9 --steps 1e5.")
    n, s = parse_quantity(params, "--params"), parse_quantity(steps, "--steps")
    records = [solve.step_loss(item, n, s) for item in chosen]
    emit(chosen, records, format, title="Predicted loss after S_min steps", transpose=True)


@app.command(epilog=examples("scalecalc tokens --params 7B", "scalecalc tokens --params 7B --flops 1e23",
                             "scalecalc tokens --model llama-3-8b --preset all",
                             "scalecalc tokens --params 7B --gpu a100 --gpus 512 --days 14"))
def tokens(
    params: Annotated[str | None, typer.Option(metavar="SIZE", help="Model size N, e.g. 7B.")] = None,
    flops: Annotated[str | None, typer.Option(metavar="FLOPS", help="A budget to spend at this N: the "
                                              "tokens it buys (C/6N) and the loss that gives away.")] = None,
    days: DaysOption = None,
    dollars: DollarsOption = None,
    model: ModelOption = None,
    flops_per_token: FlopsPerTokenOption = None,
    preset: PresetOption = None,
    set_: SetOption = None,
    gpu: GpuOption = None,
    gpus: GpusOption = None,
    mfu: MfuOption = None,
    price: PriceOption = None,
    accelerators: AcceleratorsOption = None,
    precision: PrecisionOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """How many tokens a model of size N should see, and the budget that takes."""
    hardware = training_hardware(gpu, gpus, mfu, price, accelerators, precision)
    counting = read_counting(model, flops_per_token, params)
    if params is None and model is None:
        raise ScalecalcError("give the model size as --params (such as 7B) or --model NAME.")
    n = None if model is not None else parse_quantity(params, "--params")
    chosen = load_presets(preset, overrides=set_)
    budgets = {"flops": flops, "days": days, "dollars": dollars}
    budget = None
    if all(value is None for value in budgets.values()):
        records: list[Any] = [solve.optimal(item, params=_size(counting, item, n)) for item in chosen]
        title = "Compute-optimal tokens"
    else:
        _, budget = one_question(budgets, hardware, what="--flops, --days or --dollars")
        records = [solve.tokens_at_budget(item, _size(counting, item, n), _law_budget(counting, item, budget))
                   for item in chosen]
        title = "Tokens a budget buys"
    records = _counted(counting, chosen, records, budget)
    emit(chosen, priced(records, hardware), format, title=title, transpose=True,
         warnings=counting_notes(counting, chosen))


@app.command(epilog=examples("scalecalc table --preset chinchilla-approach1",
                             "scalecalc table --flops 1e18:1e26 --per-decade 2 --preset all --format csv",
                             "scalecalc table --model llama-3-8b,llama-3-70b,llama-3.1-405b --preset kaplan"))
def table(
    params: Annotated[str | None, typer.Option(metavar="LIST", help="Rows by model size: a list such as "
                                               "400M,1B,10B or a range 1B:1T.")] = None,
    flops: Annotated[str | None, typer.Option(metavar="LIST", help="Rows by budget: a list such as 1e20,1e22 "
                                              "or a range 1e18:1e26.")] = None,
    per_decade: Annotated[int | None, typer.Option(metavar="INTEGER", help="Rows per decade of a range "
                                                   "(default 1).")] = None,
    model: Annotated[str | None, typer.Option(
        "--model", metavar="LIST", help="Rows by model: catalogue names or config.json files, comma "
        "separated, e.g. llama-3-8b,llama-3-70b (in place of --params).", rich_help_panel="Model")] = None,
    flops_per_token: FlopsPerTokenOption = None,
    preset: PresetOption = None,
    set_: SetOption = None,
    ci: CiOption = None,
    gpu: GpuOption = None,
    gpus: GpusOption = None,
    mfu: MfuOption = None,
    price: PriceOption = None,
    accelerators: AcceleratorsOption = None,
    precision: PrecisionOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """A Chinchilla-style table of N_opt, C, D_opt (default rows: the nine sizes of Table 3)."""
    hardware = training_hardware(gpu, gpus, mfu, price, accelerators, precision)
    if params is not None and flops is not None:
        raise ScalecalcError("give the table's rows as --params or as --flops, not both.")
    if model is not None and flops is not None:
        raise ScalecalcError("give the table's rows as --model or as --flops, not both.")
    if per_decade is not None and params is None and flops is None:
        raise ScalecalcError("--per-decade goes with a range, such as --flops 1e18:1e26.")
    if model is not None:
        _model_table(model, flops_per_token, params, preset, set_, ci, hardware, format)
        return
    counting = read_counting(None, flops_per_token)
    sizes = parse_quantity_list(params, "--params", per_decade) if params is not None else None
    budgets = parse_quantity_list(flops, "--flops", per_decade) if flops is not None else None
    chosen = load_presets(preset, need_uncertainty=ci is not None, overrides=set_)
    if ci is None:
        records: list[Any] = [solve.table(item, params=sizes, flops=_law_budget(counting, item, budgets))
                              for item in chosen]
    else:
        rows = {"flops": budgets} if budgets is not None else {
            "params": sizes if sizes is not None else np.array(solve.TABLE3_PARAMS)}
        records = [_optimal(item, ci, **_question(counting, item, *next(iter(rows.items()))))
                   for item in chosen]
    records = _counted(counting, chosen, records, budgets)
    emit(chosen, priced(records, hardware), format, title="Compute-optimal allocation", transpose=False)


MAX_TABLE_MODELS = 1000


def _model_table(models: str, flops_per_token: str | None, params: str | None, preset: list[str] | None,
                 set_: list[str] | None, ci: float | None, hardware: Any, format: OutputFormat) -> None:
    """table --model a,b,c: one compute-optimal row per model and preset."""
    names = [name.strip() for name in models.split(",")]
    if len(names) > MAX_TABLE_MODELS or not all(names):
        raise ScalecalcError(f"--model: give from 1 to {MAX_TABLE_MODELS} models separated by commas, such "
                             "as llama-3-8b,llama-3-70b, with no empty item.")
    countings = [read_counting(name, flops_per_token, params) for name in names]
    chosen = load_presets(preset, need_uncertainty=ci is not None, overrides=set_)
    pairs = [(item, counting) for counting in countings for item in chosen]
    records = [counting.apply(_optimal(item, ci, params=counting.params(item)), item)
               for item, counting in pairs]
    notes = [note for counting in countings for note in counting_notes(counting, chosen)]
    emit([item for item, _ in pairs], priced(records, hardware), format, title="Compute-optimal allocation",
         transpose=False, warnings=notes)


def _serving(training: Any, gpu: str | None, mfu: str | None, price: str | None,
             accelerators: str | None) -> Any:
    """Inference hardware for the dollars version, or None for the FLOPs version."""
    if gpu is None and mfu is None and price is None:
        return None
    if training is None or training.price is None or price is None:
        raise ScalecalcError("pricing inference needs the training --gpu and --price and an "
                             "--inference-price (and optionally --inference-gpu, --inference-mfu).")
    from scalecalc import hardware

    return hardware.Hardware(_serving_accelerator(training, gpu, accelerators), None,
                             hardware.parse_mfu(mfu, "--inference-mfu"),
                             parse_quantity(price, "--inference-price"))


def _served(item: Preset, loss: float, training: Any, inference_tokens: str | None, gpu: str | None,
            mfu: str | None, price: str | None, accelerators: str | None,
            phases: dict[str, str | None]) -> Any:
    """optimal --loss L with prefill and decode costed apart, as Sardana et al.'s cost model does:
    each phase its own utilization, a request shape splitting the lifetime tokens."""

    from scalecalc import hardware, inference

    if training is None:
        raise ScalecalcError("prefill and decode are costed in accelerator time: give the training "
                             "--gpu (and --price with --inference-price for dollars).")
    requests = phases["--inference-requests"]
    if (requests is None) == (inference_tokens is None):
        raise ScalecalcError("give the lifetime demand as --inference-tokens or as --inference-requests, "
                             "one of them.")
    shape = inference.request_shape(phases["--input-tokens"], phases["--output-tokens"])
    if requests is not None:
        given, output = shape.lifetime(parse_quantity(requests, "--inference-requests", allow_zero=True))
    else:
        given, output = shape.split(parse_quantity(inference_tokens, "--inference-tokens", allow_zero=True))
    serving = hardware.serving_from_settings(_serving_accelerator(training, gpu, accelerators), price, mfu,
                                             phases["--prefill-mfu"], phases["--decode-mfu"])
    return inference.served(item, loss, training, serving, given, output)


def _serving_accelerator(training: Any, gpu: str | None, accelerators: str | None) -> Any:
    """The part that serves: --inference-gpu, else the training --gpu."""
    if gpu is None:
        return training.accelerator
    from pathlib import Path

    from scalecalc import hardware

    return hardware.find(gpu, Path(accelerators) if accelerators else None)


def _size(counting: Any, item: Preset, params: float | None) -> Any:
    """N for this preset: the number given, or the model's count as the preset's law counts it."""
    return params if counting is None or counting.model is None else counting.params(item)


def _law_budget(counting: Any, item: Preset, budget: Any) -> Any:
    """A budget counted the user's way (--flops-per-token), as the law's own compute."""
    return budget if counting is None or budget is None else counting.law_budget(item, budget)


def _question(counting: Any, item: Preset, key: str, value: Any) -> dict[str, Any]:
    """The question for solve: the model's N for this preset, or a budget as the law's compute."""
    if counting is not None and counting.model is not None:
        return {"params": counting.params(item)}
    return {key: _law_budget(counting, item, value) if key == "flops" else value}


def _counted(counting: Any, chosen: list[Preset], records: list[Any], given_flops: Any = None) -> list[Any]:
    """Records with compute counted the user's way, given budgets exact, and the counting columns."""
    if counting is None:
        return records
    return [counting.apply(record, item, given_flops) for item, record in zip(chosen, records, strict=True)]


def _optimal(item: Preset, ci: float | None, **question: Any) -> Any:
    if ci is None:
        return solve.optimal(item, **question)
    from scalecalc import uncertainty

    return uncertainty.optimal_interval(item, ci, **question)
