"""The paper models' encoder shapes, as their hub checkpoints' ``config.json`` state them (``hidden_size``,
``num_hidden_layers``, ``num_attention_heads``, ``intermediate_size``, ``vocab_size``). The GPU bench builds
them with random weights (nothing is downloaded); the compute plan counts their parameters."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Shape:
    family: str  # bert | xlmr
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int


PAPER_SHAPES = {
    "bert-base-multilingual-cased": Shape("bert", 768, 12, 12, 3072, 119547),
    "xlm-roberta-base": Shape("xlmr", 768, 12, 12, 3072, 250002),
    "xlm-roberta-large": Shape("xlmr", 1024, 24, 16, 4096, 250002),
}
