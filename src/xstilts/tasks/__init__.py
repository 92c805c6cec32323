"""Intermediate-task registry.

A task is one module in this package that defines a module-level ``TASK`` (an instance of a
:class:`Task` subclass). Modules are discovered by walking the package (modules starting with ``_`` hold
shared helpers and are skipped), so adding a task means adding one module plus one block under
``tasks:`` in ``params.yaml``; nothing else lists tasks. Task modules must not import torch at import
time (the registry is read by commands that never train, e.g. ``xstilts --help``).

What a task declares: its name and family (what the report contrasts), the head kind it trains
(:mod:`xstilts.heads`), the prepared splits it reads (:mod:`xstilts.prepare`), the dev metric that
tuning and checkpoint selection maximise, and four behaviours: the label vocabulary, the encoding of
examples into features, the post-processing of a batch of head outputs into predictions, and scoring.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any

FAMILIES = ("syntactic", "semantic", "baseline")


class Task:
    name: str
    family: str  # one of FAMILIES
    dev_metric: str | None  # metric (without the `dev_` prefix) that tuning and selection maximise
    head: str | None = None  # head kind in xstilts.heads; None = nothing to train (the baseline)
    train_split: str | None = None  # prepared split names (data/prepared/<split>.parquet)
    dev_split: str | None = None

    def label_vocab(self, train) -> list[str]:
        """Labels the head predicts, read from the training split (saved with the head)."""
        return []

    def head_options(self, vocab: list[str]) -> dict[str, Any]:
        """Head options that follow from the data (e.g. ``num_labels``), merged with params.yaml's."""
        return {}

    def encode(self, examples: dict[str, list], tokenizer, max_length: int, vocab: list[str]) -> dict[str, list]:
        """A `datasets.map(batched=True)` function: examples -> model features (incl. ``length``)."""
        raise NotImplementedError

    def encode_dataset(self, dataset, tokenizer, max_length: int, vocab: list[str], desc: str | None = None):
        """``dataset`` -> features, through ``datasets.map`` and its on-disk cache.

        The cache key is what the features depend on: the split, this task's code, the tokenizer's content,
        ``max_length`` and the label vocabulary. datasets' own key hashes the tokenizer object, which
        carries the directory it was loaded from, so every (model, task, seed) cell, whose tokenizer
        comes from its own encoder directory, tokenized MNLI and XNLI again.
        """
        from xstilts.tasks._encoding import fingerprint

        return dataset.map(
            self.encode,
            batched=True,
            fn_kwargs={"tokenizer": tokenizer, "max_length": max_length, "vocab": vocab},
            remove_columns=dataset.column_names,
            new_fingerprint=fingerprint(dataset, self, tokenizer, max_length, vocab),
            desc=desc or f"encoding {self.name}",
        )

    def pad_values(self, tokenizer) -> dict[str, int]:
        """Padding value of each list-valued feature (default 0)."""
        return {"input_ids": tokenizer.pad_token_id}

    def postprocess(self, outputs: dict, batch: dict, vocab: list[str]) -> list[dict]:
        """One batch of head outputs -> one prediction dict per example (plain Python / numpy values)."""
        raise NotImplementedError

    def score(self, predictions: list[dict], dataset, vocab: list[str]) -> dict[str, float]:
        """Metrics over a whole split (names without the ``dev_`` prefix)."""
        raise NotImplementedError

    def write_predictions(self, predictions: list[dict], dataset, out_dir) -> list:
        """Write the dev ``predictions`` in the task's own file format into ``out_dir`` (so that any outside
        tool can check them); returns the files written. Default: none."""
        return []

    def __repr__(self) -> str:
        return f"<task {self.name} ({self.family})>"


@cache
def registry() -> dict[str, Task]:
    """All tasks, keyed by name, discovered from the modules of this package."""
    found: dict[str, Task] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        task = getattr(importlib.import_module(f"{__name__}.{info.name}"), "TASK", None)
        if isinstance(task, Task):
            if task.family not in FAMILIES:
                raise RuntimeError(f"task {task.name!r}: family must be one of {FAMILIES}, got {task.family!r}")
            if task.name in found:
                raise RuntimeError(f"task name {task.name!r} is defined twice")
            found[task.name] = task
    return dict(sorted(found.items()))


def get(name: str) -> Task:
    return registry()[name]
