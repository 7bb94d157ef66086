"""Architecture -> ModelReport, and catalogue -> CatalogueEntry rows: the records the commands print."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scalecalc.models import flops, memory
from scalecalc.models.architecture import Architecture
from scalecalc.models.counting import count
from scalecalc.models.records import CatalogueEntry, LawVerdict, ModelReport

if TYPE_CHECKING:  # a config file's answer never loads the catalogue
    from scalecalc.models.catalogue import CatalogueModel
    from scalecalc.models.sizing import ModelSizes
    from scalecalc.presets import Preset


def describe(arch: Architecture, name: str, *, micro_batch: int = 1, gpus: int | None = None,
             gpu_memory_gb: float | None = None, state_bytes: int = 16,
             accelerator: str | None = None) -> ModelReport:
    """Everything `scalecalc model` reports about one architecture; `accelerator` names the part
    whose memory `gpu_memory_gb` is."""
    counted = count(arch)
    per_token = {convention: flops.per_token(arch, convention, counted) for convention in flops.CONVENTIONS}
    total = counted.total
    shared = {f"zero{stage}_gb_per_gpu":
              memory.zero_bytes_per_gpu(total, gpus, stage, state_bytes) / memory.GB
              for stage in (1, 2, 3)} if gpus is not None else {}
    activations = {recompute: memory.activation_bytes_per_layer(arch, micro_batch, recompute=recompute)
                   / memory.GB for recompute in memory.RECOMPUTE}
    fewest = None if gpu_memory_gb is None else memory.min_gpus(total, gpu_memory_gb * memory.GB, state_bytes)
    return ModelReport(
        model=name, params=total, embedding_params=counted.embedding,
        non_embedding_params=counted.non_embedding, active_params=counted.active, seq_len=arch.seq_len,
        flops_6n=per_token["6N"], flops_6n_attn=per_token["6N+attn"],
        flops_6n_attn_causal=per_token["6N+attn-causal"], flops_chinchilla=per_token["chinchilla"],
        flops_chinchilla_no_embed=per_token["chinchilla-no-embed"], flops_recompute=per_token["recompute"],
        flops_deepseek_m=flops.deepseek_m(arch),
        state_bytes_per_param=state_bytes,
        training_state_gb=memory.state_bytes(total, state_bytes) / memory.GB,
        gpus=gpus, **shared, micro_batch=micro_batch,
        activation_gb_per_layer=activations["none"],
        activation_gb_per_layer_selective=activations["selective"],
        activation_gb_per_layer_full=activations["full"],
        kv_cache_bytes_per_token=memory.kv_cache_bytes_per_token(arch), accelerator=accelerator,
        gpu_memory_gb=gpu_memory_gb,
        min_gpus=fewest)


def listing(models: Iterable[CatalogueModel]) -> list[CatalogueEntry]:
    """The catalogue in release order (then by name)."""
    rows = []
    for item in sorted(models, key=lambda entry: (entry.released, entry.name)):
        tokens, active = item.tokens, item.active_params
        rows.append(CatalogueEntry(
            name=item.name, title=item.title, params=item.params, active_params=active, tokens=tokens,
            flops=None if tokens is None else 6.0 * active * tokens, flops_stated=item.flops,
            tokens_per_param=None if tokens is None else tokens / active, released=item.released,
            source=item.source))
    return rows



def judged(models: Iterable[CatalogueModel], presets: list[Preset]) -> list[Any]:
    """Each catalogue model (release order) under each preset: its loss, over-training factor and
    compute multiplier. A model without a token count gets blanks, and so does one whose run the
    preset cannot answer (beyond its range); the rest are solved together, one call per preset."""
    from scalecalc.models.sizing import from_catalogue
    from scalecalc.records import extend

    models = list(models)
    entries = listing(models)
    by_name = {item.name: from_catalogue(item) for item in models}
    rows = []
    for preset in presets:
        verdicts = _verdicts(preset, [by_name[entry.name] for entry in entries])
        rows.extend(extend(entry, verdict) for entry, verdict in zip(entries, verdicts, strict=True))
    return rows


def _verdicts(preset: Preset, sizes: list[ModelSizes]) -> list[LawVerdict]:
    from scalecalc.errors import ScalecalcError

    law_params = [item.law_params(preset.params_convention) for item in sizes]
    known = [index for index, item in enumerate(sizes) if item.tokens is not None]
    values: dict[int, dict[str, float | None]] = {}
    try:
        values = _judge(preset, [law_params[i] for i in known], [sizes[i] for i in known], known)
    except ScalecalcError:  # one model beyond the preset's range: judge them one by one
        for index in known:
            with contextlib.suppress(ScalecalcError):  # that one stays blank
                values.update(_judge(preset, [law_params[index]], [sizes[index]], [index]))
    return [LawVerdict(preset=preset.name, law_params=law_params[index], **values.get(index, {}))
            for index in range(len(sizes))]


def _judge(preset: Preset, params: list[float], sizes: list[ModelSizes], where: list[int]
           ) -> dict[int, dict[str, float | None]]:
    """assess_run over several models at once; equal-loss compute counted as 6 x active x tokens is."""
    import numpy as np

    from scalecalc import solve

    if not where:
        return {}
    n = np.array(params)
    tokens = np.array([item.tokens for item in sizes])
    report = solve.assess_run(preset, n, tokens)
    # The law's compute is c0·N·D with its own N; the catalogue's flops is 6·active·D.
    scale = 6.0 * np.array([item.active for item in sizes]) / (preset.flops_per_param_token * n)
    equal = None if report.equal_loss_flops is None else np.asarray(report.equal_loss_flops) * scale
    multiple = None if report.compute_multiplier is None else np.asarray(report.compute_multiplier)
    loss = None if report.loss is None else np.asarray(report.loss)
    spread = np.asarray(report.tokens_multiple)
    return {index: {"loss": None if loss is None else float(loss[k]),
                    "tokens_multiple": float(spread[k]),
                    "equal_loss_flops": None if equal is None else float(equal[k]),
                    "compute_multiplier": None if multiple is None else float(multiple[k])}
            for k, index in enumerate(where)}
