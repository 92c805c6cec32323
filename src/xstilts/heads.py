"""Task heads that sit on an encoder's last hidden states, keyed by kind.

A head kind is registered with ``@register("kind")``; tasks name the kind and ``build_head`` makes one,
so adding a head is one class here and nothing dispatches on types. Every head takes
``forward(hidden [B, T, H], batch) -> dict`` and adds ``"loss"`` when the batch carries gold labels.

Batch keys read by the heads:

- ``labels``: long ``[B]`` (classification), float ``[B]`` (regression), long ``[B, W]`` with -100
  at padding (tagging);
- ``word_index`` long ``[B, W]``: position in T of each word's first sub-token (padding arbitrary);
  ``word_mask`` bool ``[B, W]`` (tagging, biaffine);
- ``heads`` long ``[B, W]`` gold head 0..n (0 = ROOT), ``rels`` long ``[B, W]`` gold label id; both
  -100 at padding (biaffine).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

HEADS: dict[str, type[nn.Module]] = {}

CONFIG_FILE = "head.json"
WEIGHTS_FILE = "head.safetensors"


def register(kind: str):
    """Class decorator: make a head class buildable by ``kind``."""

    def add(cls):
        if kind in HEADS:
            raise ValueError(f"head kind {kind!r} is registered twice")
        cls.kind = kind
        HEADS[kind] = cls
        return cls

    return add


def build_head(kind: str, hidden_size: int, **options) -> nn.Module:
    """A fresh head of ``kind`` for an encoder with ``hidden_size``; unknown kinds/options fail clearly."""
    if kind not in HEADS:
        raise ValueError(f"unknown head kind {kind!r}; known kinds: {', '.join(sorted(HEADS))}")
    cls = HEADS[kind]
    try:  # check the options against the signature so a typo is a one-line error, not a traceback
        inspect.signature(cls).bind(hidden_size, **options)
    except TypeError as error:
        raise ValueError(f"head {kind!r}: bad options {sorted(options)}: {error}") from None
    return cls(hidden_size, **options)


def save_head(head: nn.Module, directory) -> None:
    """Write ``head.json`` (kind, hidden size, options) and ``head.safetensors`` (weights)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CONFIG_FILE).write_text(json.dumps(head.config, indent=2, sort_keys=True) + "\n")
    state = {name: t.detach().cpu().contiguous() for name, t in head.state_dict().items()}
    save_file(state, str(directory / WEIGHTS_FILE))


def load_head(directory) -> nn.Module:
    """Rebuild a head saved by :func:`save_head` (on CPU, in training mode like any new module)."""
    directory = Path(directory)
    config = json.loads((directory / CONFIG_FILE).read_text())
    head = build_head(config["kind"], config["hidden_size"], **config["options"])
    head.load_state_dict(load_file(str(directory / WEIGHTS_FILE)), strict=True)
    return head


class Head(nn.Module):
    """Base: records the resolved config so that ``load_head`` rebuilds the exact same module."""

    kind: str = ""

    def __init__(self, hidden_size: int, **options):
        super().__init__()
        self.hidden_size = hidden_size
        # options are passed with their defaults resolved, so a saved head never depends on defaults
        self.config = {"kind": self.kind, "hidden_size": int(hidden_size), "options": dict(options)}


# ----------------------------------------------------------------------------------------- helpers
def gather_words(hidden: torch.Tensor, word_index: torch.Tensor, word_mask: torch.Tensor) -> torch.Tensor:
    """``[B, W, H]``: the hidden state of each word's first sub-token (padding words get position 0)."""
    index = word_index.masked_fill(~word_mask.bool(), 0)  # padding entries may be anything, e.g. -100
    return hidden.gather(1, index.unsqueeze(-1).expand(-1, -1, hidden.size(-1)))


def masked_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over targets != -100; 0 (still differentiable) when there are none,
    where ``F.cross_entropy`` would return NaN and poison the step."""
    logits, target = logits.reshape(-1, logits.size(-1)), target.reshape(-1)
    if not (target != -100).any():
        return logits.sum() * 0.0
    return F.cross_entropy(logits.float(), target, ignore_index=-100)


class FirstTokenPooler(nn.Module):
    """RoBERTa-style pooling: dropout, dense + tanh over the first token (<s>/[CLS]), dropout.

    Own weights rather than BERT's pretrained pooler, so that one head fits BERT and XLM-R alike
    (XLM-R checkpoints carry no trained pooler)."""

    def __init__(self, hidden_size: int, dropout: float):
        super().__init__()
        self.dense = nn.Linear(hidden_size, hidden_size)
        self.dropout = nn.Dropout(dropout)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.dropout(torch.tanh(self.dense(self.dropout(hidden[:, 0]))))


# ------------------------------------------------------------------------------------------- heads
@register("classification")
class ClassificationHead(Head):
    def __init__(self, hidden_size: int, num_labels: int, dropout: float = 0.1):
        super().__init__(hidden_size, num_labels=num_labels, dropout=dropout)
        self.pool = FirstTokenPooler(hidden_size, dropout)
        self.out = nn.Linear(hidden_size, num_labels)

    def forward(self, hidden, batch):
        result = {"logits": self.out(self.pool(hidden))}
        if "labels" in batch:
            result["loss"] = masked_cross_entropy(result["logits"], batch["labels"])
        return result


@register("regression")
class RegressionHead(Head):
    def __init__(self, hidden_size: int, dropout: float = 0.1):
        super().__init__(hidden_size, dropout=dropout)
        self.pool = FirstTokenPooler(hidden_size, dropout)
        self.out = nn.Linear(hidden_size, 1)

    def forward(self, hidden, batch):
        result = {"predictions": self.out(self.pool(hidden)).squeeze(-1)}
        if "labels" in batch:
            result["loss"] = F.mse_loss(result["predictions"].float(), batch["labels"].float())
        return result


@register("tagging")
class TaggingHead(Head):
    def __init__(self, hidden_size: int, num_labels: int, dropout: float = 0.1):
        super().__init__(hidden_size, num_labels=num_labels, dropout=dropout)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden_size, num_labels)

    def forward(self, hidden, batch):
        mask = batch["word_mask"].bool()
        words = gather_words(hidden, batch["word_index"], mask)
        result = {"logits": self.out(self.dropout(words))}
        if "labels" in batch:
            gold = batch["labels"].masked_fill(~mask, -100)  # word_mask wins over stray labels
            result["loss"] = masked_cross_entropy(result["logits"], gold)
        return result


def _mlp(hidden_size: int, size: int, dropout: float) -> nn.Sequential:
    # Dozat & Manning reduce each word to small role-specific vectors before the biaffine product;
    # LeakyReLU(0.1) as in their released parser.
    return nn.Sequential(nn.Linear(hidden_size, size), nn.LeakyReLU(0.1), nn.Dropout(dropout))


def _with_bias(x: torch.Tensor) -> torch.Tensor:
    """Append a constant 1 feature so one bilinear form also holds the linear terms and the bias."""
    return torch.cat([x, x.new_ones(*x.shape[:-1], 1)], dim=-1)


@register("biaffine")
class BiaffineParserHead(Head):
    """Deep biaffine dependency parser (Dozat & Manning 2017, arXiv 1611.01734).

    Head candidates are ``[ROOT, word_1, ..., word_W]`` where ROOT is the encoder's position 0
    (<s>/[CLS]), so head index 0 = ROOT and word i (1-based) is head index i, matching the CoNLL-U
    HEAD column. Outputs ``arc_scores [B, W, W+1]`` (padding heads and self-attachment are -inf)
    and ``label_scores [B, W, W+1, L]``.
    """

    def __init__(
        self,
        hidden_size: int,
        num_labels: int,
        arc_mlp: int = 500,
        label_mlp: int = 100,
        dropout: float = 0.33,
    ):
        super().__init__(hidden_size, num_labels=num_labels, arc_mlp=arc_mlp, label_mlp=label_mlp, dropout=dropout)
        self.arc_dep = _mlp(hidden_size, arc_mlp, dropout)
        self.arc_head = _mlp(hidden_size, arc_mlp, dropout)
        self.label_dep = _mlp(hidden_size, label_mlp, dropout)
        self.label_head = _mlp(hidden_size, label_mlp, dropout)
        # Zero-initialised like the paper's released code: all arcs start equally likely, and the
        # gradient reaches U at once because the MLP outputs are random and non-zero.
        self.arc_weight = nn.Parameter(torch.zeros(arc_mlp, arc_mlp))  # dep^T U head
        self.arc_bias = nn.Parameter(torch.zeros(arc_mlp))  # head^T u: prior of being a head
        self.label_weight = nn.Parameter(torch.zeros(num_labels, label_mlp + 1, label_mlp + 1))

    def forward(self, hidden, batch):
        word_mask = batch["word_mask"].bool()
        B, W = word_mask.shape
        words = gather_words(hidden, batch["word_index"], word_mask)  # [B, W, H]
        candidates = torch.cat([hidden[:, :1], words], dim=1)  # [B, W+1, H], ROOT first

        dep, head = self.arc_dep(words), self.arc_head(candidates)
        arc = torch.einsum("bia,ac,bjc->bij", dep, self.arc_weight, head) + (head @ self.arc_bias).unsqueeze(1)
        head_mask = torch.cat([word_mask.new_ones(B, 1), word_mask], dim=1)  # [B, W+1]
        positions = torch.arange(W + 1, device=arc.device)
        own = positions[:W, None] + 1 == positions[None, :]  # [W, W+1]: word i is head index i+1
        arc = arc.masked_fill(~head_mask[:, None, :] | own, float("-inf"))

        label_dep = _with_bias(self.label_dep(words))  # [B, W, d+1]
        label_head = _with_bias(self.label_head(candidates))  # [B, W+1, d+1]
        # two steps so the [B, W, W+1, L, d] intermediate of a one-shot einsum is never formed
        partial = torch.einsum("bik,lkm->bilm", label_dep, self.label_weight)  # [B, W, L, d+1]
        labels = torch.einsum("bilm,bjm->bijl", partial, label_head)  # [B, W, W+1, L]

        result = {"arc_scores": arc, "label_scores": labels}
        if "heads" in batch:
            gold_heads = visible_arcs(batch["heads"], word_mask)
            loss = masked_cross_entropy(arc, gold_heads)
            if "rels" in batch:
                # the label classifier is trained at the gold head (teacher forcing), as in the paper
                at = gold_heads.clamp(min=0)[:, :, None, None].expand(-1, -1, 1, labels.size(-1))
                gold_labels = labels.gather(2, at).squeeze(2)  # [B, W, L]
                loss = loss + masked_cross_entropy(gold_labels, batch["rels"].masked_fill(gold_heads < 0, -100))
            result["loss"] = loss
        return result


def visible_arcs(gold_heads: torch.Tensor, word_mask: torch.Tensor) -> torch.Tensor:
    """Gold heads ``[B, W]`` with -100 (ignored by both losses) wherever the arc cannot be scored.

    Truncation at ``max_length`` cuts off a sentence's last words. A word that was cut off has no
    representation, and a visible word whose gold head was cut off has its gold column masked to -inf in
    ``arc_scores``: its cross-entropy would be inf (and its label loss taken at a meaningless position).
    Such arcs are left out of training; scoring still counts every gold word (see tasks.ud_parse).
    """
    word_mask = word_mask.bool()
    head_visible = torch.cat([word_mask.new_ones(word_mask.size(0), 1), word_mask], dim=1)  # ROOT first
    index = gold_heads.clamp(min=0, max=word_mask.size(1))
    keep = word_mask & (gold_heads >= 0) & head_visible.gather(1, index)
    return gold_heads.masked_fill(~keep, -100)
