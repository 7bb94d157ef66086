"""--experts and --granularity on `optimal` and `loss`: the mixture-of-experts presets' questions.

plan.py hands a command over here when either option is given or a preset named is an MoE law
(krajewski-moe, ludziejewski-moe, clark-sbase); the answers come from scalecalc.moe.
"""

from typing import Any

from scalecalc import presets as preset_files
from scalecalc.cli.app import emit, load_presets, one_question, priced, training_hardware
from scalecalc.errors import ScalecalcError
from scalecalc.quantities import parse_quantity

MOE_PRESETS = "krajewski-moe, ludziejewski-moe or clark-sbase"
DIFFERENT_DATA = ("note: these presets' losses come from different data and tokenizers, so a lower loss "
                  "does not make a better law.")


def asked(specs: list[str] | None, *options: str | None) -> bool:
    """Whether the MoE path answers: one of its options given (--experts, --granularity, ...), or an
    MoE preset named."""
    if any(option is not None for option in options):
        return True
    return any("moe" in preset_files.load(spec).answers for spec in specs or [] if spec != "all")


def _count(text: str | None, option: str, high: int) -> int | None:
    """--experts or --granularity: a whole number from 1 to `high` (1e3 and 8.0 are not)."""
    if text is None:
        return None
    raw = text.strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= high:
        from scalecalc.tomlfile import describe

        raise ScalecalcError(f"{option}: give a whole number from 1 to {high:,}, such as 8, not "
                             f"{describe(raw)}.")
    return int(raw)


MAX_D_MODEL = 1 << 20
MAX_BLOCKS = 1 << 16


def _shape(texts: tuple[str | None, str | None], params: str | None, model: str | None
           ) -> tuple[int, int] | None:
    """--d-model and --n-blocks, both or neither, in place of --params and --model."""
    d_model, n_blocks = texts
    if d_model is None and n_blocks is None:
        return None
    if d_model is None or n_blocks is None:
        raise ScalecalcError("--d-model and --n-blocks go together: give both, such as --d-model 2048 "
                             "--n-blocks 32.")
    if params is not None or model is not None:
        raise ScalecalcError("--d-model and --n-blocks give the model size, so they do not go with --params "
                             "or --model; drop one of them.")
    width, blocks = _count(d_model, "--d-model", MAX_D_MODEL), _count(n_blocks, "--n-blocks", MAX_BLOCKS)
    assert width is not None and blocks is not None
    return width, blocks


def _counts(experts: str | None, granularity: str | None) -> tuple[int | None, int | None]:
    from scalecalc.moe import MAX_EXPERTS, MAX_GRANULARITY

    return _count(experts, "--experts", MAX_EXPERTS), _count(granularity, "--granularity", MAX_GRANULARITY)


def _refuse(unsupported: dict[str, Any]) -> None:
    given = [name for name, value in unsupported.items() if value]
    if given:
        raise ScalecalcError(f"{given[0]} does not go with --experts, --granularity or the "
                             f"mixture-of-experts presets ({MOE_PRESETS}) yet; drop it.")


def _model(spec: str, experts: int | None, chosen: list[Any]) -> Any:
    """The catalogue model (or config.json), refused where its experts cannot be handed over."""
    if experts is not None:
        raise ScalecalcError("--model brings its own expert count, so it does not go with --experts; drop "
                             "one of them.")
    from scalecalc import moe

    for item in chosen:
        if moe.main_law(item).variable == "granularity":
            raise ScalecalcError(f"preset {item.name} varies granularity at 64 experts of its own shape, "
                                 "which a catalogue model does not have; give --params and --granularity "
                                 "instead.")
    from scalecalc.models.sizing import resolve

    return resolve(spec)


def _model_note(sizes: Any) -> str:
    from scalecalc.quantities import format_count

    arch = sizes.architecture
    routed = f"{arch.experts} experts, {arch.experts_per_token} per token" if arch.experts else "dense"
    return (f"note: {sizes.name} brings E = {max(arch.experts, 1)} ({routed}) and N_act = "
            f"{format_count(sizes.active)} active parameters (of {format_count(sizes.total)}); the MoE laws "
            "take the routed expert count as E and have no term for how many a token uses.")


def optimal(given: dict[str, str | None], model: str | None, specs: list[str] | None,
            experts_text: str | None, granularity_text: str | None, hardware_options: tuple[Any, ...],
            fmt: Any, unsupported: dict[str, Any]) -> None:
    """optimal with an MoE preset: the compute-optimal N_act, D (and best E or G) for a budget or size."""
    from scalecalc import moe

    experts, granularity = _counts(experts_text, granularity_text)
    _refuse(unsupported)
    for key in ("tokens", "loss"):
        if given.get(key) is not None:
            raise ScalecalcError("the mixture-of-experts presets answer --flops, --params, --days, "
                                 f"--dollars or --model, not --{key} yet; give one of those.")
    hardware = training_hardware(*hardware_options)
    chosen = load_presets(specs)
    for item in chosen:
        moe.main_law(item)
    notes: list[str] = []
    if model is not None:
        others = [key for key, text in given.items() if text is not None]
        if others:
            raise ScalecalcError(f"--model sets the model size, so it does not go with --{others[0]}; "
                                 "drop one of them.")
        sizes = _model(model, experts, chosen)
        key, value, experts = "params", sizes.active, max(sizes.architecture.experts, 1)
        notes.append(_model_note(sizes))
    else:
        key, value = one_question({k: v for k, v in given.items() if k not in ("tokens", "loss")}, hardware,
                                  what="--flops, --params, --days or --dollars")
    records = [moe.optimal(item, **{key: value}, experts=experts, granularity=granularity) for item in chosen]
    shown = []  # one warning per answer: a preset whose law warns is handed on without its ranges
    for item, record in zip(chosen, records, strict=True):
        item, lines = moe.warnings(item, record)
        shown.append(item)
        notes.extend(lines)
        if experts is None and moe.main_law(item).variable == "experts":
            notes.append(f"note: {item.name}: E = {record.experts:g} is the loss-minimising expert count of "
                         f"{', '.join(map(str, moe.EXPERT_COUNTS))} at this budget, under the paper's "
                         "assumption that memory is free (total parameters cost nothing); give --experts "
                         "to fix E.")
    emit(shown, priced(records, hardware), fmt,
         title="Compute-optimal mixture of experts", transpose=True,
         warnings=notes + [DIFFERENT_DATA] * (len(chosen) > 1))


def loss(params: str | None, tokens: str | None, model: str | None, specs: list[str] | None,
         experts_text: str | None, granularity_text: str | None,
         shape_texts: tuple[str | None, str | None], hardware_options: tuple[Any, ...], fmt: Any,
         unsupported: dict[str, Any]) -> None:
    """loss with an MoE preset: L(N_act, D) at E experts or granularity G (Clark's: L(N, E) and N̄)."""
    from scalecalc import moe

    experts, granularity = _counts(experts_text, granularity_text)
    shape = _shape(shape_texts, params, model)
    _refuse(unsupported)
    hardware = training_hardware(*hardware_options)
    chosen = load_presets(specs)
    laws = [moe.main_law(item) for item in chosen]
    notes: list[str] = []
    if model is not None:
        if params is not None:
            raise ScalecalcError("give --model or --params, not both: --model sets the model size N.")
        sizes = _model(model, experts, chosen)
        n, experts = sizes.active, max(sizes.architecture.experts, 1)
        notes.append(_model_note(sizes))
        if tokens is None and any(law.form != "routed-moe" for law in laws):
            from scalecalc.models.sizing import run_tokens

            tokens = repr(run_tokens(sizes, None, notes))
    elif shape is not None:
        n = None
    elif params is None:
        raise ScalecalcError("give the model size as --params (active parameters, such as 1B) or --model "
                             "NAME.")
    else:
        n = parse_quantity(params, "--params")
    d = None if tokens is None else parse_quantity(tokens, "--tokens")
    records = []
    for item, law in zip(chosen, laws, strict=True):
        # Clark's law has no D: a catalogue model's default token count is not handed to it.
        own = None if law.form == "routed-moe" and model is not None else d
        records.append(moe.assess(item, n, own, experts=experts, granularity=granularity, shape=shape))
    shown = []  # one warning per answer: a preset whose law warns is handed on without its ranges
    for item, record in zip(chosen, records, strict=True):
        item, lines = moe.warnings(item, record)
        shown.append(item)
        notes.extend(lines)
    emit(shown, priced(records, hardware), fmt,
         title="Predicted loss, mixture of experts", transpose=True,
         warnings=notes + [DIFFERENT_DATA] * (len(chosen) > 1))
