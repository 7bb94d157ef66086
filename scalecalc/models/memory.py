"""Training and inference memory of a model (architecture.md §6). Bytes throughout; GB = 1e9 bytes.

Training state per parameter, mixed precision with Adam (weights + gradients + optimizer):
  16 = 2 + 2 + 12   16-bit weights and gradients; fp32 master weights, momentum, variance
                    (Rajbhandari et al. 2020, arXiv 1910.02054 §3.1)
  18 = 2 + 4 + 12   gradients accumulated in fp32 (Megatron-LM's bf16 default; EleutherAI cookbook)
  20 = 2 + 2 + 16   fp16 with an fp32 copy of the gradients as well (Megatron-LM's fp16 case)
ZeRO partitions the optimizer state over the data-parallel GPUs from stage 1, the gradients from
stage 2 and the weights from stage 3. Activations follow Korthikanti et al. 2022 (arXiv 2205.05198)
Table 2, which assumes multi-head attention and a 4·d non-gated MLP: for grouped-query or gated
models its numbers are an estimate, as they are in Megatron-LM.
"""

from __future__ import annotations

import math

from scalecalc.errors import ScalecalcError
from scalecalc.models.architecture import Architecture

GB = 1e9
# bytes per parameter of (weights, gradients, optimizer state)
STATE_BYTES: dict[int, tuple[int, int, int]] = {16: (2, 2, 12), 18: (2, 4, 12), 20: (2, 2, 16)}
ZERO_STAGES = (0, 1, 2, 3)
RECOMPUTE = ("none", "selective", "full")


def _scheme(bytes_per_param: int) -> tuple[int, int, int]:
    if bytes_per_param not in STATE_BYTES:
        raise ScalecalcError(f"training state of {bytes_per_param} bytes per parameter is not one of "
                             f"{', '.join(map(str, STATE_BYTES))} (mixed-precision Adam variants).")
    return STATE_BYTES[bytes_per_param]


def state_bytes(params: float, bytes_per_param: int = 16) -> float:
    """Weights, gradients and optimizer state of the whole model."""
    return float(sum(_scheme(bytes_per_param))) * params


def zero_bytes_per_gpu(params: float, gpus: int, stage: int, bytes_per_param: int = 16) -> float:
    """Training state one GPU holds when `gpus` data-parallel GPUs share it under a ZeRO stage."""
    if stage not in ZERO_STAGES:
        raise ScalecalcError(f"ZeRO stage {stage} does not exist; choose 0, 1, 2 or 3.")
    weights, grads, optimizer = _scheme(bytes_per_param)
    per_param = (weights / (gpus if stage >= 3 else 1) + grads / (gpus if stage >= 2 else 1)
                 + optimizer / (gpus if stage >= 1 else 1))
    return per_param * params


def activation_bytes_per_layer(arch: Architecture, micro_batch: int, seq_len: int | None = None,
                               recompute: str = "none", tensor_parallel: int = 1,
                               sequence_parallel: bool = False) -> float:
    """Korthikanti et al. 2022 Table 2: activations one layer keeps for the backward pass (16-bit).

    none       s·b·h·(10 + 24/t + 5·a·s/(h·t))   (34/t for the first term with sequence parallelism)
    selective  the attention-score term 5·a·s/h is recomputed, not stored
    full       only the layer's input, 2·s·b·h, is kept
    """
    if recompute not in RECOMPUTE:
        raise ScalecalcError(f"recomputation {recompute!r} is not one of {', '.join(RECOMPUTE)}.")
    s = arch.seq_len if seq_len is None else seq_len
    b, h, a, t = micro_batch, arch.d_model, arch.heads, tensor_parallel
    sbh = float(s) * b * h
    if recompute == "full":
        return 2.0 * sbh
    linear = 34.0 / t if sequence_parallel else 10.0 + 24.0 / t
    scores = 0.0 if recompute == "selective" else 5.0 * a * s / (h * t)
    return sbh * (linear + scores)


def kv_cache_bytes_per_token(arch: Architecture, bytes_per_value: int = 2) -> float:
    """Inference cache per token of context: K and V per layer, or MLA's compressed latent and RoPE key."""
    # MLA caches (d_c + d_h^R) numbers per layer (DeepSeek-V2 §2.1); others a key and a value per KV head.
    per_layer = arch.kv_rank + arch.rope_head_dim if arch.is_mla else 2 * arch.kv_heads * arch.head_dim
    return float(arch.layers * per_layer * bytes_per_value)


def min_gpus(params: float, gpu_memory_bytes: float, bytes_per_param: int = 16,
             usable: float = 1.0) -> int:
    """Fewest GPUs whose memory holds the fully sharded training state (ZeRO-3): a lower bound,
    since activations, buffers and fragmentation need room too (lower `usable` to allow for them)."""
    if not 0 < usable <= 1:
        raise ScalecalcError(f"usable memory fraction {usable} must be above 0 and at most 1.")
    return max(1, math.ceil(state_bytes(params, bytes_per_param) / (gpu_memory_bytes * usable)))
