"""The target task: 3-way natural-language inference (English MNLI for training, XNLI for evaluation).

Not an intermediate task, hence a helper module the registry skips. Labels follow xstilts.data.NLI_LABELS.
"""

from __future__ import annotations

from xstilts.data import NLI_LABELS
from xstilts.tasks import Task
from xstilts.tasks._encoding import encode_pairs, to_numpy


class NaturalLanguageInference(Task):
    name = "mnli"
    family = "target"
    dev_metric = "acc"
    head = "classification"
    train_split, dev_split = "mnli_train", "mnli_dev"

    def label_vocab(self, train):
        return list(NLI_LABELS)

    def head_options(self, vocab):
        return {"num_labels": len(vocab)}

    def encode(self, examples, tokenizer, max_length, vocab):
        features = encode_pairs(examples["premise"], examples["hypothesis"], tokenizer, max_length)
        features["labels"] = list(examples["label"])
        return features

    def postprocess(self, outputs, batch, vocab):
        logits = to_numpy(outputs["logits"])
        return [{"prediction": int(row.argmax())} for row in logits]

    def score(self, predictions, dataset, vocab):
        gold = dataset["label"]
        return {"acc": sum(p["prediction"] == g for p, g in zip(predictions, gold, strict=True)) / len(gold)}


NLI = NaturalLanguageInference()
