"""Feature encoding shared by the tasks: sentence pairs, and words -> first sub-token positions."""

from __future__ import annotations

import hashlib
import json

import numpy as np


def encode_pairs(first: list[str], second: list[str] | None, tokenizer, max_length: int) -> dict[str, list]:
    """Tokenize (pairs of) sentences without padding; padding happens per batch (train.PadCollator)."""
    encoded = dict(tokenizer(first, second, truncation=True, max_length=max_length))
    encoded["length"] = [len(ids) for ids in encoded["input_ids"]]
    return encoded


def encode_words(sentences: list[list[str]], tokenizer, max_length: int) -> dict[str, list]:
    """Tokenize pre-split words; ``word_index`` = position of each word's first sub-token.

    Words whose sub-tokens were all cut off by ``max_length`` (or that tokenize to nothing) get
    ``word_mask`` 0: they take no part in the loss and count as wrong when scoring.
    """
    encoded = tokenizer(sentences, is_split_into_words=True, truncation=True, max_length=max_length)
    word_index, word_mask = [], []
    for row, words in enumerate(sentences):
        first: dict[int, int] = {}
        for position, word in enumerate(encoded.word_ids(row)):
            if word is not None and word not in first:
                first[word] = position
        word_index.append([first.get(w, 0) for w in range(len(words))])
        word_mask.append([int(w in first) for w in range(len(words))])
    features = dict(encoded)
    features.update(word_index=word_index, word_mask=word_mask, length=[len(ids) for ids in encoded["input_ids"]])
    return features


def truncation(features, max_length: int) -> dict[str, int]:
    """Sentences and words cut off by truncation at ``max_length`` in word-level features; {} for others.

    Truncation cuts a sentence's tail, so the cut words are the trailing words without a sub-token
    (``word_mask`` 0), in sentences that fill ``max_length``; a word in the middle that tokenizes to
    nothing is not truncation and not counted.
    """
    if "word_mask" not in features.column_names:
        return {}
    sentences = words = 0
    for mask, length in zip(features["word_mask"], features["length"], strict=True):
        if length < max_length:
            continue
        cut = len(mask) - next((i + 1 for i in range(len(mask) - 1, -1, -1) if mask[i]), 0)
        sentences += cut > 0
        words += cut
    return {"sentences": sentences, "words": words}


def word_labels(values: list[list], mask: list[list[int]], lookup=None) -> list[list[int]]:
    """Per-word training labels; -100 (ignored by the loss) for masked words and unknown labels."""
    labels = []
    for row, row_mask in zip(values, mask, strict=True):
        mapped = [lookup.get(v, -100) if lookup is not None else v for v in row]
        labels.append([m if keep else -100 for m, keep in zip(mapped, row_mask, strict=True)])
    return labels


def to_numpy(tensor) -> np.ndarray:
    return tensor.detach().float().cpu().numpy() if tensor.is_floating_point() else tensor.detach().cpu().numpy()


def fingerprint(dataset, task, tokenizer, max_length: int, vocab) -> str | None:
    """A ``datasets`` fingerprint for ``task.encode`` over ``dataset``, independent of where the tokenizer
    was loaded from; None (datasets' own fingerprint) for a tokenizer without a Rust backend."""
    from datasets.fingerprint import Hasher

    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    state = json.loads(backend.to_str())
    for transient in ("truncation", "padding"):  # set by the calls themselves, not part of the vocabulary
        state.pop(transient, None)
    content = json.dumps(state, sort_keys=True) + json.dumps(tokenizer.special_tokens_map, sort_keys=True)
    key = [dataset._fingerprint, Hasher.hash(task.encode), hashlib.sha256(content.encode()).hexdigest(),
           max_length, list(vocab) if vocab is not None else None]
    return Hasher.hash(key)
