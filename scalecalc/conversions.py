"""Moving a model size between the counts the laws were fitted on: `scalecalc convert`.

- Pearce & Song 2024 (arXiv 2406.12907) Eq. 11: total parameters N_T = N_\\E + ω·N_\\E^(1/3) from
  the non-embedding count N_\\E, ω = 47,491, fitted to Chinchilla's models (vocabulary 32,000,
  d_model/n_layer 39.2, context 2048). The ω·N^(1/3) term is the embedding: with N_\\E = 12·n_layer·d²
  and d = 39.2·n_layer, d = (39.2·N_\\E/12)^(1/3), and V·d = 47,485·N_\\E^(1/3). It lets a
  non-embedding answer (Kaplan's, Henighan's) be read as a total like Chinchilla's.
- DeepSeek LLM 2024 (arXiv 2401.02954) Eq. 2: M = 72·n_layer·d² + 12·n_layer·d·l_seq and
  6·N1 = 72·n_layer·d², so M = 6·N1·(1 + l_seq/(6d)) and N1 = M / (6 + l_seq/d): the non-embedding
  parameters of a model of scale M, given its width d and context l_seq.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.quantities import LARGEST, check_numbers, format_count, show
from scalecalc.records import Value, record_field

PEARCE_SONG_OMEGA = 47_491.0  # Eq. 11
PEARCE_SONG_FIT = (44e6, 16e9)  # Chinchilla's models the fit used, total parameters
MAX_WIDTH = 1 << 20  # d_model and l_seq: the largest accepted, as hparams --seq-len and moe --d-model
Numbers = float | np.ndarray


@dataclass(frozen=True)
class ParamsConversion:
    """A model size as a non-embedding count and as a total (Pearce & Song 2024 Eq. 11)."""

    non_embedding_params: Value = record_field("count", "N_\\E, parameters without the embeddings "
                                               "(Kaplan's N)")
    total_params: Value = record_field("count", "N_T = N_\\E + ω·N_\\E^(1/3), every parameter "
                                       "(Chinchilla's N)")
    embedding_params: Value = record_field("count", "ω·N_\\E^(1/3), the embedding as Eq. 11 estimates it "
                                           "(vocabulary 32,000, d_model/n_layer 39.2)")
    embedding_share: Value = record_field("ratio", "embedding_params / total_params")


@dataclass(frozen=True)
class ScaleConversion:
    """DeepSeek's model scale M (FLOPs per token) as non-embedding parameters (DeepSeek LLM Eq. 2)."""

    m_flops_per_token: Value = record_field("flops", "M = 72·n_layer·d² + 12·n_layer·d·l_seq, non-embedding "
                                            "FLOPs per token with attention")
    d_model: Value = record_field("number", "model width d (--d-model)")
    seq_len: Value = record_field("number", "training context l_seq (--seq-len)")
    non_embedding_params: Value = record_field("count", "N1 = M / (6 + l_seq/d) = 12·n_layer·d²")
    layers: Value = record_field("number", "n_layer = N1 / (12·d²); a whole number only for a real shape")
    six_n1_over_m: Value = record_field("ratio", "6·N1 / M = 1 / (1 + l_seq/(6d)), DeepSeek's Table 3 column")


def total_from_non_embedding(non_embedding: Numbers) -> ParamsConversion:
    """N_T from N_\\E by Pearce & Song's Eq. 11."""
    n = check_numbers(non_embedding, "non_embedding_params")
    return _params_record(n, n + PEARCE_SONG_OMEGA * np.cbrt(n))


def non_embedding_from_total(total: Numbers) -> ParamsConversion:
    """N_\\E from N_T: the real root of y³ + ω·y = N_T, y = N_\\E^(1/3) (Cardano, then Newton)."""
    t = check_numbers(total, "total_params")
    smallest = 1 + PEARCE_SONG_OMEGA  # N_\E = 1
    if np.any(np.asarray(t) < smallest):
        raise ScalecalcError(f"total parameters of {show(float(np.min(t)))} are fewer than Eq. 11 gives one "
                             f"non-embedding parameter ({smallest:,.0f}); give a total of at least "
                             f"{smallest:,.0f}.")
    omega = PEARCE_SONG_OMEGA
    # u = cbrt(T/2 + sqrt(T²/4 + ω³/27)); hypot keeps T² from overflowing near 1e300.
    u = np.cbrt(t / 2 + np.hypot(t / 2, omega**1.5 / 27**0.5))
    y = u - omega / (3 * u)
    for _ in range(3):  # the subtraction loses digits where y is small; Newton restores them
        y = y - (y**3 + omega * y - t) / (3 * y**2 + omega)
    return _params_record(y**3, t)


def _params_record(non_embedding: Numbers, total: Numbers) -> ParamsConversion:
    embedding = PEARCE_SONG_OMEGA * np.cbrt(non_embedding)  # not total − N: that cancels at large N
    return ParamsConversion(non_embedding_params=_plain(non_embedding), total_params=_plain(total),
                            embedding_params=_plain(embedding), embedding_share=_plain(embedding / total))


def fit_warning(record: ParamsConversion) -> str | None:
    """One line for stderr when a total lies outside the models Eq. 11 was fitted to."""
    total = np.atleast_1d(record.total_params)
    low, high = PEARCE_SONG_FIT
    outside = int(np.sum((total < low) | (total > high)))
    if not outside:
        return None
    which = "this size is" if total.size == 1 else f"{outside} of {total.size} sizes are"
    return (f"warning: Pearce & Song fitted ω = 47,491 to Chinchilla's models of {format_count(low)} to "
            f"{format_count(high)} parameters (vocabulary 32,000, d_model/n_layer 39.2); {which} outside "
            "that range, and another vocabulary or shape has another embedding.")


def non_embedding_from_scale(m: Numbers, d_model: float, seq_len: float) -> ScaleConversion:
    """N1 = M / (6 + l_seq/d) (DeepSeek LLM Eq. 2), with the layer count it implies."""
    m = check_numbers(m, "m_flops_per_token")
    for name, value in (("--d-model", d_model), ("--seq-len", seq_len)):
        if not 1 <= value <= MAX_WIDTH:
            raise ScalecalcError(f"{name}: {value:g} must be a whole number from 1 to {MAX_WIDTH:,}.")
    n1 = m / (6 + seq_len / d_model)
    layers = n1 / (12 * float(d_model) ** 2)
    if np.any(layers < 1):  # less than one layer at this width: no model has this M
        one = 72.0 * float(d_model) ** 2 + 12.0 * float(d_model) * seq_len
        raise ScalecalcError(f"--m: an M below {show(one)} is less than one layer of width {d_model:g} at "
                             f"context {seq_len:g} (72·d² + 12·d·l_seq); give a larger M or a smaller "
                             "--d-model.")
    if np.any(layers > LARGEST):
        raise ScalecalcError("the layer count comes out beyond 1e300; give a smaller M or a wider --d-model.")
    shape = np.shape(m)
    return ScaleConversion(m_flops_per_token=_plain(m), d_model=_plain(np.full(shape, float(d_model))),
                           seq_len=_plain(np.full(shape, float(seq_len))), non_embedding_params=_plain(n1),
                           layers=_plain(layers),
                           six_n1_over_m=_plain(np.full(shape, 1 / (1 + seq_len / (6 * d_model)))))


def _plain(value: Numbers) -> float | np.ndarray:
    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else array
