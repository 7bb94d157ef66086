"""Read a Hugging Face config.json into an Architecture.

The file is treated as hostile: its size is bounded, it must be UTF-8 JSON holding one object with
no repeated keys and no NaN or Infinity, and every value is checked for type (a bool is not a
number) before it is used. A field the file leaves out takes the default of that family's
transformers config class (architecture.md §1, §8): which families tie the output head, which
default head_dim to 256 rather than hidden_size / heads, which count of key-value heads they assume.
The shape itself (hidden size, layers, heads, MLP size, vocabulary) must be stated: a config that
omits it describes no particular model, and guessing one would give a confident wrong count.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scalecalc.errors import ScalecalcError
from scalecalc.models.architecture import Architecture

MAX_CONFIG_BYTES = 1_000_000  # real config.json files are a few kilobytes
_ABSENT = object()


@dataclass(frozen=True)
class Family:
    """Defaults of one transformers config class, for fields a config.json leaves out."""

    tied: bool
    kv_heads: int | None = None  # None: = num_attention_heads
    head_dim: int | None = None  # None: hidden_size / num_attention_heads
    max_positions: int = 2048
    sliding_window: int | None = None
    qkv_bias: bool = False  # biases on q, k, v whatever attention_bias says (Qwen2)
    norms_per_layer: int = 2
    qk_norm: bool = False


# transformers' config classes: LlamaConfig, MistralConfig, MixtralConfig, Qwen2Config, GemmaConfig,
# Gemma2Config, Olmo2Config (their __init__ defaults). Gemma 2 alternates a 4096-token window with
# global attention layer by layer; scalecalc counts every layer as global (a slight overestimate of
# attention FLOPs), as it does for Qwen2's optional window (use_sliding_window is off by default).
FAMILIES: dict[str, Family] = {
    "llama": Family(tied=False),
    "mistral": Family(tied=False, kv_heads=8, max_positions=4096 * 32, sliding_window=4096),
    "mixtral": Family(tied=False, kv_heads=8, max_positions=4096 * 32),
    "qwen2": Family(tied=False, kv_heads=32, max_positions=32768, qkv_bias=True),
    "gemma": Family(tied=True, kv_heads=16, head_dim=256, max_positions=8192),
    "gemma2": Family(tied=True, kv_heads=4, head_dim=256, max_positions=8192, norms_per_layer=4),
    "olmo2": Family(tied=False, max_positions=2048, qk_norm=True),
}
OTHER_TYPES = ("gpt2", "deepseek_v2", "deepseek_v3")
KNOWN_TYPES = (*FAMILIES, *OTHER_TYPES)


def read_config(path: str | Path) -> Architecture:
    """An Architecture from a config.json on disk, or '-' for standard input."""
    from scalecalc import infiles

    source = "standard input" if str(path) == "-" else infiles.shown(path)
    return parse_config(infiles.read_text(path, source, MAX_CONFIG_BYTES, "a config.json"), source)


def parse_config(text: str, source: str) -> Architecture:
    """An Architecture from the text of a config.json; `source` names it in messages."""
    try:
        value = json.loads(text, object_pairs_hook=_no_repeats, parse_constant=_no_constants,
                           parse_int=_short_int)
    except _RepeatedKey as error:
        raise ScalecalcError(f"{source}: key {error.args[0]} appears more than once; keep one.") from None
    except _LongInteger as error:
        raise ScalecalcError(f"{source} holds an integer of {error.args[0]} digits, too long for any model "
                             "size; give the model's own config.json.") from None
    except ValueError as error:  # JSONDecodeError, NaN/Infinity, integers too long to read
        raise ScalecalcError(f"{source} is not valid JSON ({_short(error)}); give a config.json file.") \
            from None
    except RecursionError:
        raise ScalecalcError(f"{source} is nested too deeply to be a config.json.") from None
    if not isinstance(value, dict):
        raise ScalecalcError(f"{source} must hold one JSON object (a config.json), not a "
                             f"{type(value).__name__}.")
    return _architecture(_Keys(value, source))


class _RepeatedKey(Exception):
    pass


class _LongInteger(Exception):
    pass


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(key)
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _short_int(digits: str) -> int:
    # No size in a config needs 19 digits; longer ones are refused before Python converts them.
    if len(digits.lstrip("-")) > 18:
        raise _LongInteger(len(digits.lstrip("-")))
    return int(digits)


def _short(error: ValueError) -> str:
    return str(error).splitlines()[0][:120]


class _Keys:
    """Typed access to the config's keys; every message names the file and the key."""

    def __init__(self, data: dict[str, Any], source: str) -> None:
        self.data, self.source = data, source

    def fail(self, key: str, problem: str) -> ScalecalcError:
        return ScalecalcError(f"{self.source}: key {key} {problem}.")

    def integer(self, key: str, default: Any = _ABSENT, zero_ok: bool = False) -> Any:
        """A whole number; an absent key (or null, where a default exists) gives the default."""
        value = self.data.get(key, _ABSENT)
        if value is _ABSENT or (value is None and default is not _ABSENT):
            if default is _ABSENT:
                raise self.fail(key, "is missing; it is part of the model's shape")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, not {json.dumps(value)[:40]}")
        if value < 0 or (value == 0 and not zero_ok):
            raise self.fail(key, f"must be {'zero or more' if zero_ok else 'above zero'}, not {value}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {json.dumps(value)[:40]}")
        return value

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {json.dumps(value)[:40]}")
        return value

    def table(self, key: str) -> _Keys | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, "must be an object or null")
        return _Keys(value, f"{self.source}: {key}")


def _architecture(keys: _Keys) -> Architecture:
    model_type = keys.text("model_type")
    if model_type not in KNOWN_TYPES:
        what = "has no model_type" if model_type is None else f"has model_type {model_type!r}"
        raise ScalecalcError(f"{keys.source} {what}; scalecalc reads {', '.join(KNOWN_TYPES)} "
                             "(decoder-only families), or give the shape with --layers, --d-model, ...")
    if model_type == "gpt2":
        fields, origin = _gpt2(keys)
    elif model_type in OTHER_TYPES:
        fields, origin = _deepseek(keys, model_type)
    else:
        fields, origin = _llama_like(keys, FAMILIES[model_type], model_type)
    try:
        return Architecture(**fields)
    except ScalecalcError as error:
        # The shape's own checks name a field (d_model); say which config key it came from.
        found = re.match(r"model shape: (\w+) (.*)", str(error))
        if found and found.group(1) in origin:
            raise ScalecalcError(f"{keys.source}: key {origin[found.group(1)]} {found.group(2)}") from None
        raise ScalecalcError(f"{keys.source}: {error}") from None


def _training_context(keys: _Keys, default: int) -> int:
    """The pretraining context: rope_scaling's original length when the config extends it."""
    scaling = keys.table("rope_scaling")
    if scaling is not None and "original_max_position_embeddings" in scaling.data:
        return scaling.integer("original_max_position_embeddings")
    return keys.integer("max_position_embeddings", default)


_LLAMA_KEYS = {"d_model": "hidden_size", "layers": "num_hidden_layers", "heads": "num_attention_heads",
               "ffn": "intermediate_size", "vocab": "vocab_size", "kv_heads": "num_key_value_heads",
               "head_dim": "head_dim", "seq_len": "max_position_embeddings",
               "sliding_window": "sliding_window", "experts": "num_local_experts",
               "experts_per_token": "num_experts_per_tok"}


def _llama_like(keys: _Keys, family: Family, model_type: str) -> tuple[dict[str, Any], dict[str, str]]:
    bias = keys.flag("attention_bias", False)
    fields: dict[str, Any] = {
        "d_model": keys.integer("hidden_size"),
        "layers": keys.integer("num_hidden_layers"),
        "heads": keys.integer("num_attention_heads"),
        "ffn": keys.integer("intermediate_size"),
        "vocab": keys.integer("vocab_size"),
        "kv_heads": keys.integer("num_key_value_heads", family.kv_heads),
        "head_dim": keys.integer("head_dim", family.head_dim),
        "seq_len": _training_context(keys, family.max_positions),
        "tied": keys.flag("tie_word_embeddings", family.tied),
        "qkv_bias": family.qkv_bias or bias,
        "out_bias": bias,
        "mlp_bias": keys.flag("mlp_bias", False),
        "norms_per_layer": family.norms_per_layer,
        "qk_norm": family.qk_norm,
    }
    if model_type in ("mistral", "mixtral"):
        fields["sliding_window"] = keys.integer("sliding_window", family.sliding_window)
    if model_type == "mixtral":
        fields["experts"] = keys.integer("num_local_experts", 8)
        fields["experts_per_token"] = keys.integer("num_experts_per_tok", 2)
    return fields, _LLAMA_KEYS


_GPT2_KEYS = {"d_model": "n_embd", "layers": "n_layer", "heads": "n_head", "ffn": "n_inner",
              "vocab": "vocab_size", "seq_len": "n_positions", "position_rows": "n_positions"}


def _gpt2(keys: _Keys) -> tuple[dict[str, Any], dict[str, str]]:
    d = keys.integer("n_embd")
    positions = keys.integer("n_positions", 1024)  # GPT2Config's default
    fields = {
        "d_model": d,
        "layers": keys.integer("n_layer"),
        "heads": keys.integer("n_head"),
        "ffn": keys.integer("n_inner", 4 * d),  # None means 4 x n_embd
        "vocab": keys.integer("vocab_size"),
        "seq_len": positions,
        "position_rows": positions,
        "positions": "learned",
        "tied": keys.flag("tie_word_embeddings", True),
        "glu": False, "norm": "layer", "qkv_bias": True, "out_bias": True, "mlp_bias": True,
    }
    return fields, _GPT2_KEYS


_DEEPSEEK_KEYS = {**_LLAMA_KEYS, "experts": "n_routed_experts", "shared_experts": "n_shared_experts",
                  "expert_ffn": "moe_intermediate_size", "dense_layers": "first_k_dense_replace",
                  "q_rank": "q_lora_rank", "kv_rank": "kv_lora_rank", "head_dim": "qk_nope_head_dim",
                  "rope_head_dim": "qk_rope_head_dim", "v_head_dim": "v_head_dim"}


def _deepseek(keys: _Keys, model_type: str) -> tuple[dict[str, Any], dict[str, str]]:
    """DeepSeek-V2/V3: multi-head latent attention and shared + routed experts.

    Their MoE and MLA fields must be stated (the Hub's configs state them): the two families'
    transformers defaults differ, and a wrong guess would move the count by billions.
    """
    layers = keys.integer("num_hidden_layers")
    if "q_lora_rank" not in keys.data:
        raise keys.fail("q_lora_rank", "is missing; give it (null means a plain query projection)")
    experts = keys.integer("n_routed_experts", 0, zero_ok=True)
    fields: dict[str, Any] = {
        "d_model": keys.integer("hidden_size"),
        "layers": layers,
        "heads": keys.integer("num_attention_heads"),
        "ffn": keys.integer("intermediate_size"),
        "vocab": keys.integer("vocab_size"),
        "seq_len": _training_context(keys, 4096),
        "tied": keys.flag("tie_word_embeddings", False),
        "q_rank": keys.integer("q_lora_rank", 0),
        "kv_rank": keys.integer("kv_lora_rank"),
        "head_dim": keys.integer("qk_nope_head_dim"),
        "rope_head_dim": keys.integer("qk_rope_head_dim"),
        "v_head_dim": keys.integer("v_head_dim"),
    }
    if experts:
        first_dense = keys.integer("first_k_dense_replace", zero_ok=True)
        frequency = keys.integer("moe_layer_freq", 1)
        # DeepseekV2/V3 modelling: layer i has experts when i >= first_k_dense_replace and
        # i % moe_layer_freq == 0; the others have a dense MLP.
        # Counted without a loop over a number of layers the file chose: multiples of the
        # frequency in [first_dense, layers - 1].
        moe = max(0, (layers - 1) // frequency - (first_dense - 1) // frequency) \
            if first_dense < layers else 0
        fields.update(
            experts=experts,
            experts_per_token=keys.integer("num_experts_per_tok"),
            shared_experts=keys.integer("n_shared_experts", 0, zero_ok=True),
            expert_ffn=keys.integer("moe_intermediate_size"),
            dense_layers=layers - moe,
            # V3 routes with a learned per-expert bias (e_score_correction_bias), a checkpoint tensor.
            router_bias=model_type == "deepseek_v3",
        )
    return fields, _DEEPSEEK_KEYS
