"""Training FLOPs per token of an Architecture under the conventions papers use (architecture.md §5).

A training step costs about three forward passes (the backward pass is twice the forward: Kaplan
et al. 2020 §2.1, Chinchilla App. F); a matrix product (m x k)(k x n) costs 2mkn. The conventions:

6N                    6 x N, N the active parameters. The laws in scalecalc were fitted with C = 6ND,
                      so this is the default: a budget counted this way means what the law means.
6N+attn               PaLM App. B: 6N + 12·L·H·Q·T, N without the embedding lookup (not a matrix
                      product; a tied head still multiplies). Full attention, as MFU is usually quoted.
6N+attn-causal        the same with the attention term halved: a causal mask skips half of QK^T and AV
                      (Megatron-LM counts it so).
chinchilla            Chinchilla App. F: every matrix product, attention logits, softmax (3 per entry),
                      embeddings and output logits, x3.
chinchilla-no-embed   App. F without the embeddings and logits: the variant that reproduces the
                      paper's Table A4 ratios (1.03, 1.10, 1.08, 1.04, 1.03, 0.99).
recompute             8N: full activation recomputation adds a second forward pass (hardware FLOPs).
"""

from __future__ import annotations

from scalecalc.errors import ScalecalcError
from scalecalc.models.architecture import Architecture
from scalecalc.models.counting import ParameterCount, attention_weights, count, mlp_weights

CONVENTIONS = ("6N", "6N+attn", "6N+attn-causal", "chinchilla", "chinchilla-no-embed", "recompute")
DEFAULT_CONVENTION = "6N"
DEFAULT_REASON = "the laws were fitted with C = 6ND"


def matmul_params(arch: Architecture, counted: ParameterCount | None = None) -> int:
    """PaLM's N: active parameters less those only looked up (untied token embedding, position table)."""
    counted = counted or count(arch)
    lookup = (0 if arch.tied else counted.token_embedding)
    lookup += counted.position_embedding if arch.positions == "learned" else 0
    return counted.active - lookup


def attention_core(arch: Architecture) -> int:
    """Forward FLOPs per token of QK^T and AV at full (non-causal) attention over the span."""
    span = arch.attention_span
    return arch.layers * 2 * span * arch.heads * (arch.qk_head_dim + arch.v_head_dim)


def layer_matmuls(arch: Architecture) -> int:
    """Forward FLOPs per token of every layer's weight matrices a token uses (attention, MLP, router)."""
    dense_layers = arch.dense_layers if arch.is_moe else arch.layers
    used_experts = arch.experts_per_token + arch.shared_experts
    mlp = dense_layers * mlp_weights(arch, arch.ffn) + arch.moe_layers * (
        used_experts * mlp_weights(arch, arch.expert_ffn) + arch.d_model * arch.experts)
    return 2 * (arch.layers * attention_weights(arch) + mlp)


def chinchilla_forward(arch: Architecture, embeddings: bool) -> float:
    """Chinchilla App. F forward FLOPs per token (its per-sequence sums divided by T)."""
    span = arch.attention_span
    softmax = arch.layers * 3 * arch.heads * span
    logits_and_embeddings = 2 * 2 * arch.vocab * arch.d_model if embeddings else 0
    return layer_matmuls(arch) + attention_core(arch) + softmax + logits_and_embeddings


def per_token(arch: Architecture, convention: str = DEFAULT_CONVENTION,
              counted: ParameterCount | None = None) -> float:
    """Training FLOPs per token under one of CONVENTIONS."""
    counted = counted or count(arch)
    if convention == "6N":
        return 6.0 * counted.active
    if convention == "recompute":
        return 8.0 * counted.active
    if convention in ("6N+attn", "6N+attn-causal"):
        share = 1.0 if convention == "6N+attn" else 0.5
        return 6.0 * matmul_params(arch, counted) + 3.0 * share * attention_core(arch)
    if convention in ("chinchilla", "chinchilla-no-embed"):
        return 3.0 * chinchilla_forward(arch, embeddings=convention == "chinchilla")
    raise ScalecalcError(f"unknown FLOPs convention {convention!r}; choose one of {', '.join(CONVENTIONS)}.")


def deepseek_m(arch: Architecture) -> float | None:
    """DeepSeek LLM Eq. 2's model scale M = 72·n_layer·d² + 12·n_layer·d·l_seq: non-embedding training
    FLOPs per token with attention, at the model's context. Its 72 assumes full multi-head attention
    and an MLP of 8d² weights per layer, whatever the model has; None for a mixture of experts, which
    the formula does not describe."""
    if arch.is_moe:
        return None
    layers, width = arch.layers, arch.d_model
    return 72.0 * layers * width**2 + 12.0 * layers * width * arch.seq_len


def all_conventions(arch: Architecture) -> dict[str, float]:
    counted = count(arch)
    return {name: per_token(arch, name, counted) for name in CONVENTIONS}
