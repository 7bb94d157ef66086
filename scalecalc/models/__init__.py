"""Real models: an architecture -> parameters, training FLOPs per token and memory; the catalogue.

architecture.py describes a decoder-only transformer; config.py reads a Hugging Face config.json
into one; counting.py, flops.py and memory.py do the arithmetic (architecture.md §1-6); catalogue.py
loads the cited models under presets/models/. Nothing here imports scipy.
"""

from scalecalc.models.architecture import Architecture

__all__ = ["Architecture"]
