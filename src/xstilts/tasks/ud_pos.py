"""Second syntactic intermediate task: UPOS tagging on UD English-EWT (accuracy over syntactic words).

Written to show that a new task is one module plus one ``tasks:`` block in params.yaml.
"""

from __future__ import annotations

from xstilts.tasks import Task
from xstilts.tasks._encoding import encode_words, to_numpy, word_labels


class PosTagging(Task):
    name = "ud-pos"
    family = "syntactic"
    dev_metric = "acc"
    head = "tagging"
    train_split, dev_split = "ud_train", "ud_dev"

    def label_vocab(self, train):
        return sorted({tag for tags in train["upos"] for tag in tags})

    def head_options(self, vocab):
        return {"num_labels": len(vocab)}

    def encode(self, examples, tokenizer, max_length, vocab):
        features = encode_words(examples["words"], tokenizer, max_length)
        lookup = {tag: i for i, tag in enumerate(vocab)}
        features["labels"] = word_labels(examples["upos"], features["word_mask"], lookup)
        return features

    def pad_values(self, tokenizer):
        return {"input_ids": tokenizer.pad_token_id, "labels": -100}

    def postprocess(self, outputs, batch, vocab):
        best = to_numpy(outputs["logits"]).argmax(-1)
        mask = to_numpy(batch["word_mask"])
        return [
            {"upos": [vocab[t] if m else "_" for t, m in zip(row, row_mask, strict=True)]}
            for row, row_mask in zip(best, mask, strict=True)
        ]

    def score(self, predictions, dataset, vocab):
        correct = total = 0
        for predicted, gold in zip(predictions, dataset["upos"], strict=True):
            # strict=False: postprocess gives one tag per word position of the padded batch, at least as many
            # as the sentence's words (truncated words are "_", never right); the padding tail is not scored
            correct += sum(p == g for p, g in zip(predicted["upos"], gold, strict=False))
            total += len(gold)
        return {"acc": correct / total, "words": float(total)}


TASK = PosTagging()
