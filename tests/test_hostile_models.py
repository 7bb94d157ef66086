"""Hostile input to `scalecalc model` and `scalecalc models`: one case per defect.

Each case asserts exit code 2, the gist of the one-line message, an empty stdout and no traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile import refused

CONFIGS = Path(__file__).resolve().parent / "data" / "configs"
SHAPE = ["--layers", "2", "--d-model", "64", "--heads", "4", "--ffn", "256", "--vocab", "100"]



def config_with(**changes: object) -> dict:
    data = json.loads((CONFIGS / "llama-2-7b.json").read_text())
    data.update(changes)
    return data


def deepseek_with(drop: str | None = None, **changes: object) -> dict:
    data = json.loads((CONFIGS / "deepseek-v3.json").read_text())
    data.pop(drop, None)
    data.update(changes)
    return data


BYTES_CASES = {
    "not UTF-8": (b"\xff\xfe{}", "is not UTF-8 text"),
    "larger than the bound": (b'{"a": ' + b" " * 1_000_001 + b"1}", "above the 1,000,000-byte limit"),
    "not JSON": (b"{", "is not valid JSON"),
    "a list, not an object": (b"[1, 2]", "must hold one JSON object"),
    "NaN": (b'{"model_type": "llama", "hidden_size": NaN}', "NaN is not a number JSON allows"),
    "Infinity": (b'{"model_type": "llama", "hidden_size": Infinity}', "Infinity is not a number"),
    "repeated key": (b'{"model_type": "llama", "model_type": "gpt2"}', "model_type appears more than once"),
    "nested too deeply": (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    "integer too long": (
        b'{"model_type": "llama", "hidden_size": ' + b"9" * 5000 + b"}",
        "integer of 5000 digits",
    ),
    "no model_type": (b'{"hidden_size": 4096}', "has no model_type; scalecalc reads llama"),
    "unknown model_type": (b'{"model_type": "bert"}', "model_type 'bert'; scalecalc reads llama, mistral"),
    "model_type not a string": (b'{"model_type": ["llama"]}', "key model_type must be a string"),
}


@pytest.mark.parametrize("case", BYTES_CASES)
def test_malformed_config_files(run_inprocess, tmp_path: Path, case: str) -> None:
    data, gist = BYTES_CASES[case]
    path = tmp_path / "config.json"
    path.write_bytes(data)
    refused(run_inprocess("model", str(path)), gist)


VALUE_CASES = {
    "size as a string": (
        config_with(hidden_size="4096"),
        'key hidden_size must be a whole number, not "4096"',
    ),
    "size as a bool": (config_with(hidden_size=True), "key hidden_size must be a whole number, not true"),
    "size as a float": (config_with(hidden_size=4096.0), "key hidden_size must be a whole number"),
    "negative layers": (config_with(num_hidden_layers=-1), "num_hidden_layers must be above zero"),
    "zero vocabulary": (config_with(vocab_size=0), "vocab_size must be above zero"),
    "vocabulary past the bound": (
        config_with(vocab_size=1 << 40),
        "vocab_size must be a whole number from 1 to 16,777,216",
    ),
    "layers past the bound": (
        config_with(num_hidden_layers=10**15),
        "num_hidden_layers must be a whole number from 1 to 10,000",
    ),
    "tie flag as a string": (
        config_with(tie_word_embeddings="yes"),
        "tie_word_embeddings must be true or false",
    ),
    "tie flag as a number": (config_with(tie_word_embeddings=1), "tie_word_embeddings must be true or false"),
    "kv heads not dividing heads": (
        config_with(num_key_value_heads=5),
        "num_key_value_heads (5) must divide",
    ),
    "head_dim zero": (config_with(head_dim=0), "key head_dim must be above zero"),
    "rope_scaling not an object": (config_with(rope_scaling=[1]), "rope_scaling must be an object or null"),
    "original context a string": (
        config_with(rope_scaling={"original_max_position_embeddings": "8k"}),
        "original_max_position_embeddings must be a whole number",
    ),
    "shape missing": (
        {k: v for k, v in config_with().items() if k != "hidden_size"},
        "key hidden_size is missing",
    ),
    "DeepSeek without q_lora_rank": (deepseek_with("q_lora_rank"), "q_lora_rank is missing"),
    "DeepSeek without its experts per token": (
        deepseek_with("num_experts_per_tok"),
        "num_experts_per_tok is missing",
    ),
    "DeepSeek with no expert layers": (
        deepseek_with(first_k_dense_replace=61),
        "first_k_dense_replace (61) must be fewer than layers",
    ),
    "DeepSeek top-k above the experts": (
        deepseek_with(num_experts_per_tok=300),
        "num_experts_per_tok must be from 1 to experts (256)",
    ),
    "GPT-2 heads not dividing the width": (
        {"model_type": "gpt2", "n_embd": 770, "n_layer": 2, "n_head": 12, "vocab_size": 10},
        "d_model 770 is not a multiple of heads 12",
    ),
}


@pytest.mark.parametrize("case", VALUE_CASES)
def test_wrong_values_in_config_files(run_inprocess, tmp_path: Path, case: str) -> None:
    data, gist = VALUE_CASES[case]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    refused(run_inprocess("model", str(path)), gist)


def test_config_is_a_directory(run_inprocess, tmp_path: Path) -> None:
    refused(run_inprocess("model", str(tmp_path)), "is a directory; give the path of a config.json")


def test_config_does_not_exist(run_inprocess, tmp_path: Path) -> None:
    refused(run_inprocess("model", str(tmp_path / "none.json")), "does not exist")


def test_garbage_on_standard_input(run_installed) -> None:
    refused(
        run_installed("model", "-", stdin='{"model_type": "llama", "hidden_size": "big"}'),
        "standard input: key hidden_size must be a whole number",
    )


OPTION_CASES = {
    "no input": ([], "give a config.json, --model NAME, or a shape"),
    "config and --model": (["--model", "llama-3-8b", "x.json"], "not a config file and --model together"),
    "--model and shape options": (
        ["--model", "llama-3-8b", "--layers", "3"],
        "not --model and shape options",
    ),
    "shape incomplete": (["--layers", "2", "--d-model", "64"], "add --heads, --ffn, --vocab"),
    "zero heads": ([*(v if v != "4" else "0" for v in SHAPE)],
                   "--heads must be a whole number from 1 to 65,536, not 0"),
    "kv heads not dividing": ([*SHAPE, "--kv-heads", "3"], "--kv-heads (3) must divide heads (4)"),
    "unknown norm": ([*SHAPE, "--norm", "batch"], "--norm must be one of rms, layer"),
    "top-k without experts": ([*SHAPE, "--experts-per-token", "2"], "--experts-per-token needs experts"),
    "top-k above experts": (
        [*SHAPE, "--experts", "4", "--experts-per-token", "5"],
        "--experts-per-token must be from 1 to experts",
    ),
    "width not a multiple of heads": ([*(v if v != "64" else "65" for v in SHAPE)], "--head-dim is needed"),
    "an option given twice": ([*SHAPE, "--heads", "0"], "--heads was given more than once"),
    "seq-len past the bound": (
        [*SHAPE, "--seq-len", "99999999999"],
        "--seq-len must be a whole number from 1 to 16,777,216",
    ),
    "seq-len zero on a catalogue model": (["--model", "llama-3-8b", "--seq-len", "0"], "--seq-len must be"),
    "layers not a number": (["--layers", "abc"], "'abc' is not a valid int"),
    "zero gpus": (
        ["--model", "llama-3-8b", "--gpus", "0"],
        "--gpus: 0 must be a whole number from 1 to 10,000,000",
    ),
    "gpus past the bound": (["--model", "llama-3-8b", "--gpus", "99999999999999999999"], "--gpus"),
    "zero micro-batch": (["--model", "llama-3-8b", "--micro-batch", "0"], "--micro-batch: 0 must be"),
    "negative GPU memory": (
        ["--model", "llama-3-8b", "--gpu-memory", "-1"],
        "--gpu-memory: -1 is not positive",
    ),
    "NaN GPU memory": (
        ["--model", "llama-3-8b", "--gpu-memory", "nan"],
        "--gpu-memory: 'nan' is not a number",
    ),
    "GPU memory past the bound": (
        ["--model", "llama-3-8b", "--gpu-memory", "1e9"],
        "above the bound of 1e+06",
    ),
    "state bytes not a scheme": (["--model", "llama-3-8b", "--state-bytes", "17"], "not one of 16, 18 or 20"),
    "unknown catalogue model": (["--model", "llama-9"], "unknown model 'llama-9'; scalecalc models lists"),
    "near miss suggests names": (["--model", "gpt"], "did you mean gpt-2, gpt-2-xl, gpt-3-175b?"),
    "--models without --model": (["x.json", "--models", "m.toml"], "--models adds to the catalogue"),
    "--models with a config path": (["--model", "x.json", "--models", "m.toml"], "does not go with a config"),
}


@pytest.mark.parametrize("case", OPTION_CASES)
def test_bad_model_options(run_inprocess, case: str) -> None:
    args, gist = OPTION_CASES[case]
    refused(run_inprocess("model", *args), gist)


GOOD_MODEL = """[m]
title = "M"
released = 2025-01-01
params = 1e6
[m.source]
citation = "c"
location = "l"
[m.architecture]
layers = 2
d_model = 64
heads = 4
ffn = 256
vocab = 100
"""

MODELS_FILE_CASES = {
    "not UTF-8": (b"\xff\xfe", "is not UTF-8 text"),
    "not TOML": (b"x = [", "not valid TOML"),
    "empty": (b"", "holds no models"),
    "larger than the bound": (b"#" * 10_000_001, "above the 8,000,000-byte limit"),
    "not a table": (b"x = 1", "key x must be a table"),
    "params a bool": (
        GOOD_MODEL.replace("params = 1e6", "params = true").encode(),
        "m.params must be a number",
    ),
    "params NaN": (GOOD_MODEL.replace("params = 1e6", "params = nan").encode(), "m.params must be a finite"),
    "params absurd": (
        GOOD_MODEL.replace("params = 1e6", "params = 1e300").encode(),
        "m.params must be at most 1e+30",
    ),
    "active above total": (
        GOOD_MODEL.replace("params = 1e6", "params = 1e6\nactive_params = 2e6").encode(),
        "m.active_params (2e+06) exceeds params",
    ),
    "unknown key": (
        GOOD_MODEL.replace('title = "M"', 'title = "M"\nsize = 3').encode(),
        "m.size is not recognised",
    ),
    "unknown shape field": (
        GOOD_MODEL.replace("heads = 4", "heads = 4\nwidth = 3").encode(),
        "m.architecture.width is not a field of a model shape",
    ),
    "bad shape": (
        GOOD_MODEL.replace("heads = 4", "heads = 4\nkv_heads = 3").encode(),
        "kv_heads (3) must divide",
    ),
    "shape field a string": (
        GOOD_MODEL.replace("layers = 2", 'layers = "2"').encode(),
        "layers must be a whole number from 1 to 10,000, not '2'",
    ),
    "shape incomplete": (GOOD_MODEL.replace("vocab = 100", "").encode(), "m.architecture lacks vocab"),
    "source without location": (
        GOOD_MODEL.replace('location = "l"', "").encode(),
        "m.source.location is missing",
    ),
    "date not a date": (
        GOOD_MODEL.replace("released = 2025-01-01", 'released = "yesterday"').encode(),
        "m.released must be a date",
    ),
    "name unusable": (GOOD_MODEL.replace("[m", '["m m"').encode(), "is not a usable name"),
}


@pytest.mark.parametrize("case", MODELS_FILE_CASES)
def test_malformed_models_files(run_inprocess, tmp_path: Path, case: str) -> None:
    data, gist = MODELS_FILE_CASES[case]
    path = tmp_path / "models.toml"
    path.write_bytes(data)
    refused(run_inprocess("models", "--models", str(path)), gist)


def test_models_file_missing_or_a_directory(run_inprocess, tmp_path: Path) -> None:
    refused(run_inprocess("models", "--models", str(tmp_path / "none.toml")), "does not exist")
    refused(run_inprocess("models", "--models", str(tmp_path)), "is a directory; give the path of a TOML")


def test_the_models_file_is_not_modified(run_inprocess, tmp_path: Path) -> None:
    path = tmp_path / "models.toml"
    path.write_text(GOOD_MODEL, encoding="utf-8")
    before = path.read_bytes()
    assert run_inprocess("model", "--model", "m", "--models", str(path), "--format", "csv").code == 0
    assert path.read_bytes() == before
