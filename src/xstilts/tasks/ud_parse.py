"""Syntactic intermediate task: biaffine dependency parsing of UD English-EWT (Dozat & Manning 2017).

Trained on the basic tree over syntactic words (gold tokenization). Scored like the CoNLL 2018 shared
task's official scorer (every word, punctuation included; labels compared without subtypes), with the
punctuation-excluded variant of much research code beside it (see xstilts.parsing).
"""

from __future__ import annotations

from xstilts.tasks import Task
from xstilts.tasks._encoding import encode_words, to_numpy, word_labels


class DependencyParsing(Task):
    name = "ud-parse"
    family = "syntactic"
    dev_metric = "las"
    description = "UD English-EWT dependency parsing (biaffine), UAS/LAS"
    head = "biaffine"
    train_split, dev_split = "ud_train", "ud_dev"

    def label_vocab(self, train):
        return sorted({rel for rels in train["deprels"] for rel in rels})  # with subtypes, e.g. nmod:poss

    def head_options(self, vocab):
        return {"num_labels": len(vocab)}

    def encode(self, examples, tokenizer, max_length, vocab):
        features = encode_words(examples["words"], tokenizer, max_length)
        lookup = {rel: i for i, rel in enumerate(vocab)}
        features["heads"] = word_labels(examples["heads"], features["word_mask"])
        features["rels"] = word_labels(examples["deprels"], features["word_mask"], lookup)
        return features

    def pad_values(self, tokenizer):
        return {"input_ids": tokenizer.pad_token_id, "heads": -100, "rels": -100}

    def postprocess(self, outputs, batch, vocab):
        from xstilts import parsing

        mask = to_numpy(batch["word_mask"])
        visible = mask.sum(axis=1)  # truncation only cuts a sentence's tail, so visible words are a prefix
        heads, rels = parsing.decode_batch(to_numpy(outputs["arc_scores"]), to_numpy(outputs["label_scores"]), visible)
        return [
            {"heads": [int(h) for h in tree], "deprels": [vocab[int(r)] for r in labels]}
            for tree, labels in zip(heads, rels)
        ]

    def write_predictions(self, predictions, dataset, out_dir):
        """``dev.conllu``: the gold dev file (prepared as ``data/prepared/ud_dev.conllu``) with the predicted
        HEAD and DEPREL, so `xstilts score ud` or the official CoNLL 2018 scorer can check the parser.

        Words cut off by truncation were not parsed; a file needs a tree, so they are attached to the
        sentence's predicted root word with the relation ``dep`` (in the phase's own scores they count as
        wrong whatever their gold head, as a scorer would count a missing word).
        """
        from pathlib import Path

        from xstilts import paths
        from xstilts.data import conllu

        heads, deprels = [], []
        for p, n in zip(predictions, (len(words) for words in dataset["words"]), strict=True):
            parsed = p["heads"] or [0]  # (a sentence with no word left: its first word becomes the root)
            heads.append(parsed + [parsed.index(0) + 1] * (n - len(parsed)))
            deprels.append(p["deprels"] + ["dep"] * (n - len(p["deprels"])))
        out = Path(out_dir) / "dev.conllu"
        out.parent.mkdir(parents=True, exist_ok=True)
        conllu.write_predicted(paths.DATA_PREPARED / paths.UD_DEV_GOLD, heads, deprels, out)
        return [out]

    def score(self, predictions, dataset, vocab):
        from xstilts import parsing

        n_gold = [len(words) for words in dataset["words"]]
        # words cut off by truncation were not parsed: they count as wrong (head -1 never matches)
        pred_heads = [p["heads"] + [-1] * (n - len(p["heads"])) for p, n in zip(predictions, n_gold)]
        pred_rels = [p["deprels"] + ["_"] * (n - len(p["deprels"])) for p, n in zip(predictions, n_gold)]
        return parsing.attachment_scores(dataset["heads"], dataset["deprels"], pred_heads, pred_rels, dataset["upos"])


TASK = DependencyParsing()
