"""Semantic intermediate task: STS-B sentence-similarity regression (GLUE), Pearson and Spearman."""

from __future__ import annotations

from xstilts.tasks import Task
from xstilts.tasks._encoding import encode_pairs, to_numpy


class SemanticSimilarity(Task):
    name = "sts-b"
    family = "semantic"
    dev_metric = "spearman"
    head = "regression"
    train_split, dev_split = "stsb_train", "stsb_dev"

    def encode(self, examples, tokenizer, max_length, vocab):
        features = encode_pairs(examples["sentence1"], examples["sentence2"], tokenizer, max_length)
        features["labels"] = [float(score) for score in examples["score"]]
        return features

    def postprocess(self, outputs, batch, vocab):
        return [{"prediction": float(p)} for p in to_numpy(outputs["predictions"])]

    def score(self, predictions, dataset, vocab):
        from scipy import stats

        predicted = [p["prediction"] for p in predictions]
        gold = list(dataset["score"])
        return {
            "pearson": float(stats.pearsonr(predicted, gold).statistic),
            "spearman": float(stats.spearmanr(predicted, gold).statistic),
            "mse": float(sum((p - g) ** 2 for p, g in zip(predicted, gold, strict=True)) / len(gold)),
        }


TASK = SemanticSimilarity()
