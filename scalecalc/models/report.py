"""Architecture -> ModelReport, and catalogue -> CatalogueEntry rows: the records the commands print."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from scalecalc.models import flops, memory
from scalecalc.models.architecture import Architecture
from scalecalc.models.counting import count
from scalecalc.models.records import CatalogueEntry, ModelReport

if TYPE_CHECKING:  # a config file's answer never loads the catalogue
    from scalecalc.models.catalogue import CatalogueModel


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
