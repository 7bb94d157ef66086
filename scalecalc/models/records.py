"""The records `scalecalc model` and `scalecalc models` return (field names are the CSV/JSON columns)."""

from __future__ import annotations

from dataclasses import dataclass

from scalecalc.records import Value, record_field


@dataclass(frozen=True)
class ModelReport:
    """One architecture counted: parameters, training FLOPs per token, memory. `scalecalc model`."""

    model: str = record_field("text", "catalogue name, config file, or 'custom' for a shape given as options")
    params: Value = record_field("count", "total parameters, each tensor once (a tied head is the embedding)")
    embedding_params: Value = record_field("count", "token and position embeddings and an untied output head")
    non_embedding_params: Value = record_field("count", "params - embedding_params: Kaplan et al.'s N")
    active_params: Value = record_field(
        "count", "parameters a token uses: MoE layers cut to k routed experts")
    seq_len: Value = record_field("number", "training context T (tokens) used for attention and activations")
    flops_6n: Value = record_field("flops", "6 x active_params per token: the default, as the laws were "
                                   "fitted with C = 6ND")
    flops_6n_attn: Value = record_field("flops", "PaLM App. B: 6N + 12·L·H·Q·T per token, N without the "
                                        "embedding lookup, full attention")
    flops_6n_attn_causal: Value = record_field(
        "flops", "the same with the attention term halved (causal mask)")
    flops_chinchilla: Value = record_field("flops", "Chinchilla App. F per token, with embeddings and logits")
    flops_chinchilla_no_embed: Value = record_field(
        "flops", "Chinchilla App. F without embeddings and logits (reproduces its Table A4)")
    flops_recompute: Value = record_field(
        "flops", "8 x active_params per token: full activation recomputation")
    flops_deepseek_m: Value = record_field(
        "flops", "DeepSeek LLM Eq. 2's M = 72·n_layer·d² + 12·n_layer·d·seq_len, non-embedding FLOPs per "
        "token with attention, the size preset deepseek-llm answers in (blank for MoE)")
    state_bytes_per_param: Value = record_field(
        "number", "bytes of training state per parameter (--state-bytes)")
    training_state_gb: Value = record_field(
        "number", "weights, gradients and Adam state of the whole model, GB")
    gpus: Value = record_field("number", "data-parallel GPUs sharing the state (--gpus)")
    zero1_gb_per_gpu: Value = record_field("number", "state per GPU, ZeRO stage 1 (optimizer sharded), GB")
    zero2_gb_per_gpu: Value = record_field("number", "state per GPU, ZeRO stage 2 (+ gradients sharded), GB")
    zero3_gb_per_gpu: Value = record_field("number", "state per GPU, ZeRO stage 3 (+ weights sharded), GB")
    micro_batch: Value = record_field("number", "sequences per GPU per step (--micro-batch)")
    activation_gb_per_layer: Value = record_field("number", "activations one layer stores, no recomputation "
                                                  "(Korthikanti et al. 2022 Table 2), GB")
    activation_gb_per_layer_selective: Value = record_field("number", "the same with selective recomputation "
                                                            "of attention, GB")
    activation_gb_per_layer_full: Value = record_field("number", "the same with full recomputation (the "
                                                       "layer input only), GB")
    kv_cache_bytes_per_token: Value = record_field(
        "number", "inference KV cache per token of context, 16-bit")
    accelerator: str | None = record_field("text", "accelerator whose memory is used (--gpu)", optional=True)
    gpu_memory_gb: Value = record_field("number", "memory of one accelerator (--gpu-memory, or --gpu's from "
                                        "the catalogue), GB")
    min_gpus: Value = record_field("number", "fewest such accelerators that hold the training state under "
                                   "ZeRO-3 (activations not included)")


@dataclass(frozen=True)
class CatalogueEntry:
    """One line of `scalecalc models`."""

    name: str = record_field("text", "name to pass to --model")
    title: str = record_field("text", "the model as its source names it")
    params: Value = record_field("count", "total parameters N")
    active_params: Value = record_field("count", "parameters per token (differs from params for MoE)")
    tokens: Value = record_field("count", "training tokens D (blank: not published)")
    flops: Value = record_field("flops", "6 x active_params x tokens")
    flops_stated: Value = record_field(
        "flops", "training compute as the source states it (blank: not stated)")
    tokens_per_param: Value = record_field("ratio", "tokens / active_params")
    released: str = record_field("text", "release date")
    source: str = record_field("text", "paper or report, arXiv id, and where in it")


@dataclass(frozen=True)
class LawVerdict:
    """Columns `scalecalc models --preset P` adds: a trained model held against P's compute optimum."""

    preset: str = record_field("text", "preset (coefficient set) that judged the model")
    law_params: Value = record_field("count", "the N the preset's law takes: active_params, less the "
                                     "embeddings where the law counts non-embedding parameters (kaplan)")
    loss: Value = record_field("loss", "predicted loss, nats per token (blank: no token count)")
    tokens_multiple: Value = record_field("ratio", "over-training factor: tokens / the compute-optimal "
                                          "tokens for law_params")
    equal_loss_flops: Value = record_field("flops", "compute of the compute-optimal run with the same "
                                           "predicted loss, counted as flops is")
    compute_multiplier: Value = record_field("ratio", "flops / equal_loss_flops: how many times the "
                                             "compute-optimal cost of its loss the model took")
