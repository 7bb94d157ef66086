"""Real models: parameter counts, FLOPs conventions, memory, config.json families and the catalogue.

Oracles: ../shared/reference/architecture.md (§4 exact counts, which match transformers'
num_parameters(); §5 FLOPs; §6 memory), and the papers each test names.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from scalecalc import presets
from scalecalc.errors import ScalecalcError
from scalecalc.models import catalogue, flops, memory
from scalecalc.models.architecture import Architecture
from scalecalc.models.config import parse_config, read_config
from scalecalc.models.counting import count
from scalecalc.models.records import CatalogueEntry, ModelReport
from scalecalc.records import field_names

CONFIGS = Path(__file__).resolve().parent / "data" / "configs"


def model(name: str) -> Architecture:
    return catalogue.find(name).architecture


# architecture.md §4: total, token embedding (V·d), non-embedding (Kaplan), active.
EXACT = {
    "gpt-2": (124_439_808, 38_597_376, 85_056_000, None),
    "gpt-2-xl": (1_557_611_200, 80_411_200, 1_475_561_600, None),
    "llama-2-7b": (6_738_415_616, 131_072_000, 6_476_271_616, None),
    "llama-3-8b": (8_030_261_248, 525_336_576, 6_979_588_096, None),
    "llama-3-70b": (70_553_706_496, 1_050_673_152, 68_452_360_192, None),
    "llama-3.1-405b": (405_853_388_800, 2_101_346_304, 401_650_696_192, None),
    "mistral-7b": (7_241_732_096, 131_072_000, 6_979_588_096, None),
    "mixtral-8x7b": (46_702_792_704, 131_072_000, 46_440_648_704, 12_879_925_248),
    "olmo-2-7b": (7_298_617_344, 411_041_792, 6_476_533_760, None),
    "deepseek-v3": (671_026_419_200, 926_679_040, 669_173_061_120, 37_552_297_472),
}


@pytest.mark.parametrize("name", EXACT)
def test_counts_are_exact_to_the_parameter(name: str) -> None:
    total, embedding, non_embedding, active = EXACT[name]
    counted = count(model(name))
    assert counted.total == total
    assert counted.token_embedding == embedding
    assert counted.non_embedding == non_embedding
    assert counted.active == (total if active is None else active)


def test_deepseek_v3_active_is_37b_within_a_billion() -> None:
    # DeepSeek-V3 report (arXiv 2412.19437) abstract: "671B total parameters with 37B activated";
    # README_WEIGHTS.md says 36.7B. The formula gives 37.55B: both within ±1B.
    counted = count(model("deepseek-v3"))
    assert abs(counted.active - 37e9) < 1e9
    assert abs(counted.active - 36.7e9) < 1e9


def test_gpt3_count_matches_table_d1() -> None:
    # Brown et al. 2020 Table D.1: 174,600M parameters (and the closed form 12·l·h²(1 + 13/(12h) +
    # (V+s)/(12lh)), which omits the final LayerNorm's 2h).
    counted = count(model("gpt-3-175b"))
    assert counted.total == 174_604_234_752 + 2 * 12288
    assert counted.total == pytest.approx(174.6e9, rel=1e-4)


@pytest.mark.parametrize("name", [entry for entry in catalogue.load()])
def test_every_catalogue_entry_counts_to_its_stated_parameters(name: str) -> None:
    entry = catalogue.find(name)
    counted = count(entry.architecture)
    # Exact where a checkpoint exists; the papers' rounded figures (GPT-3, Gopher, Chinchilla) within 0.2%.
    assert counted.total == pytest.approx(entry.params, rel=2e-3)
    assert counted.active == pytest.approx(entry.active_params, rel=2e-3)


def test_chinchilla_and_gopher_counts_reproduce_the_papers() -> None:
    # Hoffmann et al. 2022 Table 4 shapes with Transformer-XL relative positions (architecture.md §4:
    # Chinchilla 70.07B, Gopher 279.72B computed; here without biases or LayerNorm biases).
    assert count(model("chinchilla-70b")).total == pytest.approx(70.06e9, rel=1e-3)
    assert count(model("gopher-280b")).total == pytest.approx(279.7e9, rel=1e-3)


# ---- FLOPs ------------------------------------------------------------------------------------------

def test_llama_31_405b_6nd_is_the_papers_3_8e25() -> None:
    # Llama 3 (arXiv 2407.21783) §3.2.1: 405B on 15.6T tokens, 3.8 × 10^25 FLOPs.
    entry = catalogue.find("llama-3.1-405b")
    total = flops.per_token(entry.architecture, "6N") * entry.tokens
    assert total == pytest.approx(3.80e25, rel=1e-2)
    assert total == pytest.approx(6 * 405_853_388_800 * 15.6e12, rel=1e-12)


# Hoffmann et al. 2022 Table A4: (layers, d_model, ffw, heads, kv size) and "FLOP Ratio (Ours/6ND)".
TABLE_A4 = [((10, 640, 2560, 10, 64), 1.03), ((20, 1024, 4096, 16, 64), 1.10),
            ((24, 1280, 5120, 10, 128), 1.08), ((26, 1792, 7168, 14, 128), 1.04),
            ((28, 2048, 8192, 16, 128), 1.03), ((40, 3584, 14336, 28, 128), 0.99)]


def chinchilla_small(layers: int, d: int, ffw: int, heads: int, kv: int) -> Architecture:
    # Vocabulary 32,000 and T 2048 (App. F); parameters counted as nanoGPT's chinchilla_params does
    # (biases, LayerNorms, relative-position weights, one vocabulary matrix).
    return Architecture(layers=layers, d_model=d, heads=heads, head_dim=kv, ffn=ffw, vocab=32000,
                        seq_len=2048, glu=False, tied=True, norm="layer", qkv_bias=True, out_bias=True,
                        mlp_bias=True, positions="relative")


@pytest.mark.parametrize(("shape", "ratio"), TABLE_A4, ids=[str(row[1]) for row in TABLE_A4])
def test_chinchilla_table_a4_ratios_without_embeddings(shape: tuple[int, ...], ratio: float) -> None:
    arch = chinchilla_small(*shape)
    measured = flops.per_token(arch, "chinchilla-no-embed") / (6 * count(arch).total)
    assert measured == pytest.approx(ratio, abs=0.005)


def test_chinchilla_app_f_with_embeddings_does_not_reproduce_table_a4() -> None:
    # architecture.md §8: with embeddings and logits the 73M row gives 1.58, not 1.03.
    arch = chinchilla_small(*TABLE_A4[0][0])
    assert flops.per_token(arch, "chinchilla") / (6 * count(arch).total) == pytest.approx(1.58, abs=0.005)


def test_palm_convention_matches_nanogpt_estimate_mfu() -> None:
    # nanoGPT estimate_mfu: 6N + 12·L·H·Q·T with N = GPT-2 without its position table, T = 1024.
    assert flops.per_token(model("gpt-2"), "6N+attn") == 855_166_464
    assert flops.matmul_params(model("gpt-2")) == 123_653_376


@pytest.mark.parametrize(("name", "convention", "gflops"), [
    # architecture.md §5 table at T = 4096 (GPT-2 at 1024), GFLOP per token.
    ("llama-3-8b", "6N", 48.182), ("llama-3-8b", "6N+attn", 51.472),
    ("llama-3-8b", "6N+attn-causal", 48.251), ("llama-2-7b", "6N+attn", 46.086),
    ("mixtral-8x7b", "6N", 77.280), ("mixtral-8x7b", "6N+attn", 82.936),
    ("mixtral-8x7b", "6N+attn-causal", 79.714), ("deepseek-v3", "6N", 225.314),
    ("deepseek-v3", "6N+attn-causal", 250.456), ("llama-3.1-405b", "6N+attn", 2523.981),
])
def test_flops_per_token_table(name: str, convention: str, gflops: float) -> None:
    arch = replace(model(name), seq_len=4096)
    assert flops.per_token(arch, convention) / 1e9 == pytest.approx(gflops, abs=6e-4)


def test_recompute_is_8n_and_moe_uses_active_parameters() -> None:
    mixtral = model("mixtral-8x7b")
    assert flops.per_token(mixtral, "recompute") == 8 * 12_879_925_248
    assert flops.per_token(mixtral, "6N") < 6 * 46_702_792_704 / 3


def test_unknown_convention_is_refused() -> None:
    with pytest.raises(ScalecalcError, match="6N\\+attn"):
        flops.per_token(model("gpt-2"), "7N")


def test_sliding_window_caps_the_attention_span() -> None:
    mistral = replace(model("mistral-7b"), seq_len=32768)
    full = replace(mistral, sliding_window=None)
    assert flops.attention_core(mistral) * 8 == flops.attention_core(full)


# ---- Memory -----------------------------------------------------------------------------------------

def test_zero_stages_for_llama_3_8b_on_8_gpus() -> None:
    # architecture.md §6: 128.484, 44.166, 30.113, 16.061 GB per GPU at 16 B/param.
    n = count(model("llama-3-8b")).total
    per_gpu = [memory.zero_bytes_per_gpu(n, 8, stage) / 1e9 for stage in range(4)]
    assert per_gpu == pytest.approx([128.484179968, 44.166436864, 30.11347968, 16.060522496], rel=1e-9)


def test_zero_paper_figure_1() -> None:
    # Rajbhandari et al. 2020 (arXiv 1910.02054) Fig. 1: Ψ = 7.5B, N_d = 64: 120, 31.4, 16.6, 1.9 GB.
    per_gpu = [memory.zero_bytes_per_gpu(7.5e9, 64, stage) / 1e9 for stage in range(4)]
    assert per_gpu == pytest.approx([120, 31.4, 16.6, 1.9], abs=0.05)


def test_state_bytes_16_18_20_and_megatron_distributed_optimizer() -> None:
    # architecture.md §6: Llama-3-8B 128.48/144.54/160.61 GB; Megatron-LM README: ZeRO-1 over d GPUs
    # is 6 + 12/d (18 B) and 4 + 16/d (20 B) bytes per parameter.
    n = count(model("llama-3-8b")).total
    assert [memory.state_bytes(n, b) / 1e9 for b in (16, 18, 20)] == pytest.approx(
        [128.48, 144.54, 160.61], abs=0.005)
    assert memory.zero_bytes_per_gpu(1.0, 8, 1, 18) == pytest.approx(6 + 12 / 8)
    assert memory.zero_bytes_per_gpu(1.0, 8, 1, 20) == pytest.approx(4 + 16 / 8)
    with pytest.raises(ScalecalcError, match="16, 18, 20"):
        memory.state_bytes(n, 17)


def test_korthikanti_table_2_for_gpt3() -> None:
    # Korthikanti et al. 2022 (arXiv 2205.05198) Table 2 at s 2048, b 1, h 12288, a 96, t 8
    # (architecture.md §6, computed): TP, TP+SP, TP+selective, TP+SP+selective, full.
    gpt3 = model("gpt-3-175b")
    values = [memory.activation_bytes_per_layer(gpt3, 1, tensor_parallel=8, **options) for options in (
        {}, {"sequence_parallel": True}, {"recompute": "selective"},
        {"recompute": "selective", "sequence_parallel": True}, {"recompute": "full"})]
    expected = [578_813_952, 358_612_992, 327_155_712, 106_954_752, 50_331_648]
    assert values == pytest.approx(expected, rel=1e-12)


def test_activations_and_kv_cache_of_llama_3_8b_and_deepseek_v3() -> None:
    llama = model("llama-3-8b")  # s 8192: 11,878,268,928 and 1,140,850,688 bytes per layer (§6)
    assert memory.activation_bytes_per_layer(llama, 1) == 11_878_268_928
    assert memory.activation_bytes_per_layer(llama, 1, recompute="selective") == 1_140_850_688
    assert memory.kv_cache_bytes_per_token(llama) == 2 * 32 * 8 * 128 * 2
    # DeepSeek-V2 §2.1: MLA caches (d_c + d_h^R) · l elements per token.
    assert memory.kv_cache_bytes_per_token(model("deepseek-v3")) == (512 + 64) * 61 * 2


@pytest.mark.parametrize(("name", "gpus", "gpus_at_90"), [
    ("llama-3-70b", 15, 16), ("llama-3.1-405b", 82, 91), ("mixtral-8x7b", 10, 11),
    ("deepseek-v3", 135, 150), ("llama-3-8b", 2, 2)])
def test_fewest_80gb_gpus_for_the_training_state(name: str, gpus: int, gpus_at_90: int) -> None:
    n = count(model(name)).total  # architecture.md §6, 16 B/param
    assert memory.min_gpus(n, 80e9) == gpus
    assert memory.min_gpus(n, 80e9, usable=0.9) == gpus_at_90


# ---- config.json families ---------------------------------------------------------------------------

@pytest.mark.parametrize(("file", "total", "active"), [
    ("gpt2.json", 124_439_808, None),
    ("llama-2-7b.json", 6_738_415_616, None),
    ("llama-3.1-8b.json", 8_030_261_248, None),
    ("mistral-7b-v0.1.json", 7_241_732_096, None),
    ("mixtral-8x7b.json", 46_702_792_704, 12_879_925_248),
    ("qwen2-7b.json", 7_615_616_512, None),  # Hub: 7.62B
    ("gemma-2b.json", 2_506_172_416, None),  # Hub: 2.51B
    ("gemma-2-9b.json", 9_241_705_984, None),  # Hub: 9.24B
    ("olmo-2-7b.json", 7_298_617_344, None),
    ("deepseek-v3.json", 671_026_419_200, 37_552_297_472),
    ("deepseek-v2-lite.json", 15_706_484_224, None),  # DeepSeek-V2 (arXiv 2405.04434): 15.7B total
])
def test_config_families_count_exactly(file: str, total: int, active: int | None) -> None:
    counted = count(read_config(CONFIGS / file))
    assert counted.total == total
    if active is not None:
        assert counted.active == active


def test_config_reads_family_details() -> None:
    gemma = read_config(CONFIGS / "gemma-2-9b.json")
    assert (gemma.head_dim, gemma.tied, gemma.norms_per_layer) == (256, True, 4)
    assert read_config(CONFIGS / "llama-3.1-8b.json").seq_len == 8192  # rope_scaling's original length
    assert read_config(CONFIGS / "deepseek-v3.json").seq_len == 4096
    assert read_config(CONFIGS / "mistral-7b-v0.1.json").sliding_window == 4096
    assert read_config(CONFIGS / "mixtral-8x7b.json").sliding_window is None
    assert read_config(CONFIGS / "olmo-2-7b.json").qk_norm
    assert read_config(CONFIGS / "qwen2-7b.json").qkv_bias


def _without(file: str, *keys: str, **changes: object) -> Architecture:
    data = json.loads((CONFIGS / file).read_text())
    for key in keys:
        data.pop(key, None)
    data.update(changes)
    return parse_config(json.dumps(data).encode(), file)


def test_absent_fields_take_each_familys_default() -> None:
    # transformers config classes: LlamaConfig kv heads = heads and untied; Gemma/Gemma2 head_dim 256
    # and tied; Mistral 8 KV heads; GPT2Config n_inner = 4·n_embd and tied; Qwen2 32 KV heads.
    llama = _without("llama-2-7b.json", "num_key_value_heads", "tie_word_embeddings")
    assert (llama.kv_heads, llama.tied) == (32, False)
    gemma = _without("gemma-2-9b.json", "head_dim", "tie_word_embeddings")
    assert (gemma.head_dim, gemma.tied) == (256, True)
    assert _without("mistral-7b-v0.1.json", "num_key_value_heads").kv_heads == 8
    gpt2 = _without("gpt2.json", "n_inner", "n_positions")
    assert (gpt2.ffn, gpt2.tied, gpt2.position_rows) == (3072, True, 1024)
    assert _without("qwen2-7b.json", "num_attention_heads", num_attention_heads=32).kv_heads == 4
    assert _without("gemma-2-9b.json", "num_key_value_heads").kv_heads == 4  # Gemma2Config: 4
    assert _without("gemma-2-9b.json", "num_key_value_heads", model_type="gemma").kv_heads == 16
    assert _without("olmo-2-7b.json", "tie_word_embeddings").tied is False
    assert _without("gpt2.json", tie_word_embeddings=False).tied is False


def test_deepseek_moe_layer_frequency_sets_the_dense_layers() -> None:
    # Layer i has experts when i >= first_k_dense_replace and i % moe_layer_freq == 0.
    arch = _without("deepseek-v3.json", moe_layer_freq=2, first_k_dense_replace=3)
    expected_moe = sum(1 for i in range(61) if i >= 3 and i % 2 == 0)
    assert arch.moe_layers == expected_moe
    assert _without("deepseek-v2-lite.json").dense_layers == 1


# ---- Architecture validation ------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "named"), [
    ({"kv_heads": 3}, "kv_heads"), ({"heads": 0}, "heads"), ({"layers": True}, "layers"),
    ({"experts_per_token": 2}, "experts_per_token"), ({"norm": "batch"}, "norm"),
    ({"d_model": 4097, "head_dim": None}, "head_dim"), ({"glu": 1}, "glu"),
    ({"vocab": 1 << 30}, "vocab"), ({"q_rank": 64}, "q_rank"), ({"positions": "alibi"}, "positions"),
])
def test_bad_shapes_raise_naming_the_field(changes: dict, named: str) -> None:
    base = {"layers": 4, "d_model": 256, "heads": 4, "ffn": 1024, "vocab": 1000}
    with pytest.raises(ScalecalcError, match=f"model shape: {named} "):
        Architecture(**{**base, **changes})


def test_moe_relations_are_checked() -> None:
    base = {"layers": 4, "d_model": 256, "heads": 4, "ffn": 1024, "vocab": 1000, "experts": 8}
    with pytest.raises(ScalecalcError, match="experts_per_token"):
        Architecture(**base, experts_per_token=9)
    with pytest.raises(ScalecalcError, match="dense_layers"):
        Architecture(**base, experts_per_token=2, dense_layers=4)


# ---- Catalogue --------------------------------------------------------------------------------------

REQUIRED = ["gpt-3-175b", "gopher-280b", "chinchilla-70b", "llama-7b", "llama-13b", "llama-33b", "llama-65b",
            "llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b", "llama-3.1-405b",
            "mistral-7b", "mixtral-8x7b", "qwen2.5-7b", "qwen2.5-72b", "gemma-2-9b", "gemma-2-27b",
            "olmo-2-7b", "olmo-2-13b", "deepseek-llm-7b", "deepseek-llm-67b", "deepseek-v3", "gpt-2",
            "gpt-2-xl"]


def test_catalogue_holds_the_required_models_with_sources() -> None:
    entries = catalogue.load()
    assert set(REQUIRED) <= set(entries)
    for entry in entries.values():
        assert entry.citation and entry.location and entry.released[:2] in ("19", "20")
    # Unpublished figures stay empty, with a note saying so.
    for name in ("mistral-7b", "mixtral-8x7b"):
        assert entries[name].tokens is None and "not published" in entries[name].notes


def test_model_catalogue_is_not_mistaken_for_law_presets() -> None:
    # presets.builtin_paths globs presets/*.toml only: no file under presets/models/ becomes a preset,
    # and no model shares a name with a preset (--model chinchilla-70b, --preset chinchilla).
    assert all(path.parent.name != "models" for path in presets.builtin_paths().values())
    assert not set(presets.builtin_names()) & set(catalogue.load())
    assert catalogue.builtin_dir() is not None and catalogue.builtin_dir().name == "models"


def test_a_users_models_file_adds_and_replaces(tmp_path: Path, run_inprocess) -> None:
    extra = tmp_path / "mine.toml"
    extra.write_text("""
[llama-3-8b]
title = "Llama 3 8B, retrained"
released = "2025-01"
params = 8_030_261_248
tokens = 30e12
[llama-3-8b.source]
citation = "our own run"
location = "run log"
[llama-3-8b.architecture]
layers = 32
d_model = 4096
heads = 32
kv_heads = 8
ffn = 14336
vocab = 128256
seq_len = 8192

[tiny]
title = "Tiny"
released = 2025-02-01
params = 1e6
[tiny.source]
citation = "ours"
location = "here"
[tiny.architecture]
layers = 2
d_model = 64
heads = 4
ffn = 256
vocab = 1000
""", encoding="utf-8")
    result = run_inprocess("models", "--models", str(extra), "--format", "json")
    assert result.code == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["llama-3-8b"]["tokens"] == 30e12 and rows["tiny"]["tokens"] is None
    assert rows["llama-3-8b"]["flops"] == pytest.approx(6 * 8_030_261_248 * 30e12, rel=1e-12)
    shown = run_inprocess("model", "--model", "tiny", "--models", str(extra), "--format", "json")
    assert json.loads(shown.stdout)[0]["params"] == count(Architecture(
        layers=2, d_model=64, heads=4, ffn=256, vocab=1000)).total


# ---- CLI --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_model_command_in_every_format(run_installed, fmt: str) -> None:
    result = run_installed("model", "--model", "llama-3-8b", "--gpus", "8", "--gpu-memory", "80",
                           "--format", fmt)
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    if fmt == "json":
        row = json.loads(result.stdout)[0]
        assert list(row) == field_names(ModelReport)
        assert row["params"] == 8_030_261_248 and row["non_embedding_params"] == 6_979_588_096
        assert row["zero3_gb_per_gpu"] == pytest.approx(16.060522496, rel=1e-9)
        assert row["min_gpus"] == 2
    elif fmt == "csv":
        row = next(csv.DictReader(io.StringIO(result.stdout)))
        assert float(row["flops_6n"]) == pytest.approx(6 * 8_030_261_248, rel=1e-12)
    else:
        assert "llama-3-8b" in result.stdout and "flops_6n" in result.stdout


def test_model_from_a_config_file_and_from_standard_input(run_installed) -> None:
    path = CONFIGS / "mixtral-8x7b.json"
    from_file = run_installed("model", str(path), "--format", "json")
    from_stdin = run_installed("model", "-", "--format", "json", stdin=path.read_text())
    for result in (from_file, from_stdin):
        assert result.code == 0, result.stderr
        row = json.loads(result.stdout)[0]
        assert (row["params"], row["active_params"]) == (46_702_792_704, 12_879_925_248)


def test_shape_options_count_like_the_config(run_inprocess) -> None:
    result = run_inprocess("model", "--layers", "32", "--d-model", "4096", "--heads", "32", "--kv-heads", "8",
                           "--ffn", "14336", "--vocab", "128256", "--seq-len", "4096", "--format", "json")
    assert result.code == 0, result.stderr
    row = json.loads(result.stdout)[0]
    assert row["model"] == "custom" and row["params"] == 8_030_261_248
    assert row["flops_6n_attn"] / 1e9 == pytest.approx(51.472, abs=6e-4)
    gpt2 = run_inprocess("model", "--layers", "12", "--d-model", "768", "--heads", "12", "--ffn", "3072",
                         "--vocab", "50257", "--no-glu", "--tied", "--norm", "layer", "--bias",
                         "--format", "json")
    # GPT-2 without its learned position table (no option for one): 124,439,808 - 1024·768.
    assert json.loads(gpt2.stdout)[0]["params"] == 124_439_808 - 786_432


def test_seq_len_overrides_the_models_context(run_inprocess) -> None:
    short = json.loads(run_inprocess("model", "--model", "llama-3-8b", "--seq-len", "4096",
                                     "--format", "json").stdout)[0]
    assert short["seq_len"] == 4096 and short["flops_6n_attn_causal"] / 1e9 == pytest.approx(48.251, abs=6e-4)


def test_models_command_lists_the_catalogue(run_installed) -> None:
    result = run_installed("models", "--format", "csv")
    assert result.code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == field_names(CatalogueEntry)
    by_name = {row["name"]: row for row in rows}
    assert set(REQUIRED) <= set(by_name)
    llama = by_name["llama-3.1-405b"]
    assert float(llama["flops_stated"]) == 3.8e25
    assert float(llama["tokens_per_param"]) == pytest.approx(15.6e12 / 405_853_388_800, rel=1e-12)
    assert by_name["mistral-7b"]["tokens"] == "" and by_name["mistral-7b"]["flops"] == ""
    assert [row["released"] for row in rows] == sorted(row["released"] for row in rows)
    table = run_installed("models")
    assert table.code == 0 and "deepseek-v3" in table.stdout


def test_model_command_imports_no_scipy() -> None:
    code = ("import sys; from scalecalc.cli import main; "
            "main(['model', '--model', 'llama-3-8b', '--format', 'csv']); "
            "print('scipy' in sys.modules, 'matplotlib' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().endswith("False False")


# ---- memory from the accelerator catalogue (model --gpu NAME) ----------------------------------------

@pytest.mark.parametrize(("name", "gpus"), [
    ("llama-3-70b", 15), ("llama-3.1-405b", 82), ("mixtral-8x7b", 10), ("deepseek-v3", 135),
    ("llama-3-8b", 2)])
def test_model_gpu_takes_the_memory_from_the_catalogue(run_inprocess, name: str, gpus: int) -> None:
    """architecture.md §6: fewest 80 GB GPUs at 16 B/param (ZeRO-3, u = 1); the H100's 80 GB comes
    from the catalogue (laws.md §5: Llama 3 Table 4, H100 80 GB)."""
    result = run_inprocess("model", "--model", name, "--gpu", "h100", "-f", "json")
    assert result.code == 0, result.stderr
    row = json.loads(result.stdout)[0]
    assert (row["accelerator"], row["gpu_memory_gb"], row["min_gpus"]) == ("h100", 80, gpus)


def test_model_llama_3_8b_on_8_gpus_zero_stages(run_inprocess) -> None:
    """architecture.md §6: Llama-3-8B on 8 GPUs at 16 B/param: ZeRO-0 128.484, ZeRO-1 44.166,
    ZeRO-2 30.113, ZeRO-3 16.061 GB per GPU; on H200s (141 GB, vendor sheet) one holds it all."""
    row = json.loads(run_inprocess("model", "--model", "llama-3-8b", "--gpus", "8", "--gpu", "h200",
                                   "-f", "json").stdout)[0]
    assert row["training_state_gb"] == pytest.approx(128.484179968, rel=1e-9)
    got = [row["zero1_gb_per_gpu"], row["zero2_gb_per_gpu"], row["zero3_gb_per_gpu"]]
    assert got == pytest.approx([44.166436864, 30.11347968, 16.060522496], rel=1e-9)
    assert (row["gpu_memory_gb"], row["min_gpus"]) == (141, 1)


def test_gpu_memory_overrides_the_catalogue(run_inprocess) -> None:
    """128.484 GB of state (architecture.md §6) over 40 GB parts: ceil(3.21) = 4."""
    row = json.loads(run_inprocess("model", "--model", "llama-3-8b", "--gpu", "h100", "--gpu-memory", "40",
                                   "-f", "json").stdout)[0]
    assert (row["accelerator"], row["gpu_memory_gb"], row["min_gpus"]) == ("h100", 40, 4)
    alone = json.loads(run_inprocess("model", "--model", "llama-3-8b", "--gpu-memory", "80",
                                     "-f", "json").stdout)[0]
    assert (alone["accelerator"], alone["min_gpus"]) == (None, 2)


def test_model_gpu_reads_a_users_accelerator_file(run_inprocess, tmp_path: Path) -> None:
    extra = tmp_path / "acc.toml"
    extra.write_text('[big]\npeak_flops = 1e15\nmemory_gb = 1000\n')
    row = json.loads(run_inprocess("model", "--model", "deepseek-v3", "--gpu", "big", "--accelerators",
                                   str(extra), "-f", "json").stdout)[0]
    assert row["min_gpus"] == 11  # 10,736.42 GB (architecture.md §6) over 1,000 GB parts


def test_catalogue_files_go_through_the_shared_reader(tmp_path: Path) -> None:
    """One safe reader for every user TOML file (scalecalc.tomlfile): its messages name a models file."""
    bad = tmp_path / "m.toml"
    bad.write_bytes(b"\xff")
    with pytest.raises(ScalecalcError, match=r"models file .*m\.toml is not UTF-8 text \(a bad byte"):
        catalogue.read_file(bad)
