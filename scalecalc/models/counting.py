"""Parameter counts of an Architecture, exact to the parameter (architecture.md §1-2, §4).

total         every distinct tensor once (a tied head is the embedding): what a checkpoint holds
non_embedding Kaplan et al.'s N: total without token and position embeddings and an untied head
active        total with each MoE layer's routed experts cut to the k a token uses (shared
              experts, router, attention, norms and both embedding matrices kept)
Integers throughout, so counts of hundreds of billions stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass

from scalecalc.models.architecture import Architecture


@dataclass(frozen=True)
class ParameterCount:
    total: int
    token_embedding: int  # V x d
    position_embedding: int  # learned table, or Transformer-XL relative-position weights
    head: int  # the untied output matrix; 0 when tied
    active: int
    attention: int  # all layers: projections, their biases, q/k norms, MLA norms
    mlp: int  # all layers: dense MLPs, experts, routers
    norms: int  # all layers' norms and the final one

    @property
    def embedding(self) -> int:
        """What Kaplan's non-embedding count leaves out."""
        return self.token_embedding + self.position_embedding + self.head

    @property
    def non_embedding(self) -> int:
        return self.total - self.embedding


def norm_size(arch: Architecture, width: int) -> int:
    """RMSNorm keeps a weight per channel; LayerNorm a weight and a bias."""
    return width * (1 if arch.norm == "rms" else 2)


def attention_weights(arch: Architecture) -> int:
    """Matrix entries of one layer's attention projections (no biases, no norms)."""
    d, h = arch.d_model, arch.heads
    if arch.is_mla:
        query = d * arch.q_rank + arch.q_rank * h * arch.qk_head_dim if arch.q_rank \
            else d * h * arch.qk_head_dim
        key_value = d * (arch.kv_rank + arch.rope_head_dim) + arch.kv_rank * h * (arch.head_dim
                                                                                 + arch.v_head_dim)
        return query + key_value + h * arch.v_head_dim * d
    query_out = 2 * d * h * arch.head_dim
    return query_out + 2 * d * arch.kv_heads * arch.head_dim


def attention_layer(arch: Architecture) -> int:
    """One layer's attention parameters: projections, biases, q/k norms (MLA: its two norms)."""
    count = attention_weights(arch)
    if arch.is_mla:
        count += norm_size(arch, arch.kv_rank) + (norm_size(arch, arch.q_rank) if arch.q_rank else 0)
    q_width, kv_width = arch.heads * arch.head_dim, arch.kv_heads * arch.head_dim
    if arch.qkv_bias:
        count += q_width + 2 * kv_width
    if arch.out_bias:
        count += arch.d_model
    if arch.qk_norm:
        count += norm_size(arch, q_width) + norm_size(arch, kv_width)
    return count


def mlp_weights(arch: Architecture, hidden: int) -> int:
    """Matrix entries of one MLP (or expert) of the given hidden size."""
    return (3 if arch.glu else 2) * arch.d_model * hidden


def mlp_size(arch: Architecture, hidden: int) -> int:
    """One MLP (or expert) with its biases: the up (and gate) bias per hidden unit, the down per channel."""
    bias = ((2 if arch.glu else 1) * hidden + arch.d_model) if arch.mlp_bias else 0
    return mlp_weights(arch, hidden) + bias


def router_size(arch: Architecture) -> int:
    return arch.d_model * arch.experts + (arch.experts if arch.router_bias else 0)


def count(arch: Architecture) -> ParameterCount:
    d = arch.d_model
    attention = arch.layers * attention_layer(arch)
    dense_layers = arch.dense_layers if arch.is_moe else arch.layers
    expert = mlp_size(arch, arch.expert_ffn)
    moe_layer = (arch.experts + arch.shared_experts) * expert + router_size(arch)
    mlp = dense_layers * mlp_size(arch, arch.ffn) + arch.moe_layers * moe_layer
    norms = arch.layers * arch.norms_per_layer * norm_size(arch, d) + norm_size(arch, d)
    token = arch.vocab * d
    head = 0 if arch.tied else arch.vocab * d
    if arch.positions == "learned":
        positions = arch.position_rows * d
    elif arch.positions == "relative":
        # Transformer-XL: a projection of the relative encodings and two biases per layer, the
        # convention that reproduces Chinchilla's parameter counts (nanoGPT chinchilla_params).
        width = arch.heads * arch.head_dim
        positions = arch.layers * (d * width + 2 * width)
    else:
        positions = 0
    total = attention + mlp + norms + token + head + positions
    idle = arch.moe_layers * (arch.experts - arch.experts_per_token) * expert
    return ParameterCount(total=total, token_embedding=token, position_embedding=positions, head=head,
                          active=total - idle, attention=attention, mlp=mlp, norms=norms)
