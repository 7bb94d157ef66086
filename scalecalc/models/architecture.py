"""The shape of a decoder-only transformer: everything needed to count its parameters and FLOPs.

One frozen dataclass for dense, grouped-query, mixture-of-experts and multi-head latent attention
(MLA) models alike. Optional fields left as None take the usual default when the object is made
(kv_heads = heads, head_dim = d_model / heads, ...), so the fields are always concrete numbers
afterwards. Every field is checked, and a bad one raises ScalecalcError naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from scalecalc.errors import ScalecalcError

NORMS = ("rms", "layer")
POSITIONS = ("rope", "learned", "relative", "none")

# Upper bounds on each size (inclusive). Far beyond any published model, they keep a typo or a
# hostile file from asking for astronomically large arithmetic. Keep in step with the CLI help.
BOUNDS: dict[str, int] = {
    "layers": 10_000,
    "d_model": 1 << 20,
    "heads": 1 << 16,
    "kv_heads": 1 << 16,
    "head_dim": 1 << 16,
    "ffn": 1 << 24,
    "vocab": 1 << 24,
    "seq_len": 1 << 24,
    "norms_per_layer": 16,
    "position_rows": 1 << 24,
    "sliding_window": 1 << 24,
    "experts": 1 << 16,
    "experts_per_token": 1 << 16,
    "shared_experts": 1 << 16,
    "expert_ffn": 1 << 24,
    "dense_layers": 10_000,
    "q_rank": 1 << 20,
    "kv_rank": 1 << 20,
    "rope_head_dim": 1 << 16,
    "v_head_dim": 1 << 16,
}
# Sizes that may be zero: 0 means "none of these" (no experts, no MLA, ...).
MAY_BE_ZERO = {"experts", "experts_per_token", "shared_experts", "dense_layers", "q_rank", "kv_rank",
               "rope_head_dim", "norms_per_layer", "position_rows"}
FLAGS = ("glu", "tied", "qk_norm", "qkv_bias", "out_bias", "mlp_bias", "router_bias")


@dataclass(frozen=True)
class Architecture:
    """A decoder-only transformer (architecture.md §1-2 give the formulas that use these fields)."""

    layers: int
    d_model: int
    heads: int
    ffn: int  # hidden size of a dense MLP (for a gated MLP, of each of its two input matrices)
    vocab: int
    kv_heads: int | None = None  # None: = heads (multi-head attention); 1 is multi-query
    head_dim: int | None = None  # None: d_model / heads. With MLA: the no-RoPE query/key part
    seq_len: int = 2048  # training context T: attention FLOPs, activations
    glu: bool = True  # gated MLP (SwiGLU, GeGLU): three matrices instead of two
    tied: bool = False  # the output head shares the token embedding matrix
    norm: str = "rms"  # rms: a weight per channel; layer: a weight and a bias
    norms_per_layer: int = 2  # Gemma 2 has 4 (before and after attention and MLP)
    qk_norm: bool = False  # a norm over queries and over keys (OLMo 2)
    qkv_bias: bool = False
    out_bias: bool = False
    mlp_bias: bool = False
    positions: str = "rope"  # learned: a table of position_rows x d_model; relative: Transformer-XL
    position_rows: int | None = None  # rows of a learned table; None: seq_len (0 when not learned)
    sliding_window: int | None = None  # attention span when every layer attends to a window
    experts: int = 0  # routed experts per MoE layer; 0: a dense model
    experts_per_token: int = 0  # k of the experts a token is routed to
    shared_experts: int = 0  # experts every token passes through (DeepSeek)
    expert_ffn: int | None = None  # hidden size of one expert; None: ffn
    dense_layers: int = 0  # in an MoE model, the layers with a dense MLP instead (DeepSeek: 3)
    router_bias: bool = False  # a per-expert bias in the router (DeepSeek-V3)
    q_rank: int = 0  # MLA query compression rank; 0: a plain query projection
    kv_rank: int = 0  # MLA key-value compression rank; 0: no MLA
    rope_head_dim: int = 0  # MLA: the decoupled RoPE part of each query/key head
    v_head_dim: int | None = None  # value head size; None: head_dim

    def __post_init__(self) -> None:
        for name in FLAGS:
            if not isinstance(getattr(self, name), bool):
                raise _bad(name, f"must be true or false, not {getattr(self, name)!r}")
        for name in ("norm", "positions"):
            choices = NORMS if name == "norm" else POSITIONS
            if getattr(self, name) not in choices:
                raise _bad(name, f"must be one of {', '.join(choices)}, not {getattr(self, name)!r}")
        for name in ("layers", "d_model", "heads", "ffn", "vocab", "seq_len"):
            _check_size(name, getattr(self, name))
        self._default("kv_heads", self.heads)
        if self.head_dim is None:
            if self.d_model % self.heads:
                raise _bad("head_dim", f"is needed: d_model {self.d_model} is not a multiple of heads "
                           f"{self.heads}, so it cannot be d_model / heads")
            object.__setattr__(self, "head_dim", self.d_model // self.heads)
        self._default("v_head_dim", self.head_dim)
        self._default("expert_ffn", self.ffn)
        if self.positions == "learned":
            self._default("position_rows", self.seq_len)
        elif self.position_rows:
            raise _bad("position_rows", "goes with learned positions only")
        else:  # 0, so that dataclasses.replace() can change seq_len of a RoPE model
            object.__setattr__(self, "position_rows", 0)
        for item in fields(self):
            if item.name in BOUNDS and getattr(self, item.name) is not None:
                _check_size(item.name, getattr(self, item.name))
        self._check_relations()

    def _default(self, name: str, value: int) -> None:
        if getattr(self, name) is None:
            object.__setattr__(self, name, value)

    def _check_relations(self) -> None:
        if self.kv_heads > self.heads or self.heads % self.kv_heads:
            raise _bad("kv_heads", f"({self.kv_heads}) must divide heads ({self.heads})")
        if self.experts == 0:
            for name in ("experts_per_token", "shared_experts", "dense_layers"):
                if getattr(self, name):
                    raise _bad(name, "needs experts (a mixture-of-experts model); set experts too")
            if self.router_bias:
                raise _bad("router_bias", "needs experts (a mixture-of-experts model)")
        else:
            if not 1 <= self.experts_per_token <= self.experts:
                raise _bad("experts_per_token", f"must be from 1 to experts ({self.experts}), "
                           f"not {self.experts_per_token}")
            if self.dense_layers >= self.layers:
                raise _bad("dense_layers", f"({self.dense_layers}) must be fewer than layers "
                           f"({self.layers}), or the model has no expert layers")
        if self.kv_rank == 0 and (self.q_rank or self.rope_head_dim):
            name = "q_rank" if self.q_rank else "rope_head_dim"
            raise _bad(name, "belongs to multi-head latent attention; set kv_rank too")
        if self.positions == "learned" and self.position_rows < 1:
            raise _bad("position_rows", "must be at least 1 for learned positions")
        if self.kv_rank and self.qk_norm:
            raise _bad("qk_norm", "is not supported with multi-head latent attention (kv_rank)")

    @property
    def is_moe(self) -> bool:
        return self.experts > 0

    @property
    def is_mla(self) -> bool:
        return self.kv_rank > 0

    @property
    def moe_layers(self) -> int:
        return self.layers - self.dense_layers if self.is_moe else 0

    @property
    def qk_head_dim(self) -> int:
        """Size of one query (and key) head: with MLA, the no-RoPE part plus the RoPE part."""
        return self.head_dim + self.rope_head_dim

    @property
    def attention_span(self) -> int:
        """Tokens a query attends to at full context: seq_len, or the sliding window if shorter."""
        return min(self.seq_len, self.sliding_window) if self.sliding_window else self.seq_len


def _check_size(name: str, value: object) -> None:
    whole = isinstance(value, int) and not isinstance(value, bool)
    low = 0 if name in MAY_BE_ZERO else 1
    if not whole or not low <= value <= BOUNDS[name]:
        raise _bad(name, f"must be a whole number from {low} to {BOUNDS[name]:,}, not {value!r}")


def _bad(name: str, problem: str) -> ScalecalcError:
    return ScalecalcError(f"model shape: {name} {problem}.")
