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
        """The best tree over the words the encoder saw (``word_mask``), per sentence.

        Unseen words get head -1 and relation ``_`` (never right): the tail that truncation cut off is left
        out of the lists, a word inside the sentence that tokenized to nothing is kept in place.
        """
        import numpy as np

        from xstilts import parsing

        mask = to_numpy(batch["word_mask"]).astype(bool)
        arcs, labels = to_numpy(outputs["arc_scores"]), to_numpy(outputs["label_scores"])
        predictions = []
        for row, seen in enumerate(mask):
            words = np.flatnonzero(seen)
            n = int(words[-1]) + 1 if len(words) else 0
            heads, deprels = [-1] * n, ["_"] * n
            if len(words):
                candidates = np.concatenate([[0], words + 1])  # ROOT, then the seen words as heads
                trees, relations = parsing.decode_batch(
                    arcs[row][np.ix_(words, candidates)][None],
                    labels[row][np.ix_(words, candidates)][None],
                    [len(words)],
                )
                for word, head, relation in zip(words, trees[0], relations[0], strict=True):
                    heads[word] = int(candidates[head])
                    deprels[word] = vocab[int(relation)]
            predictions.append({"heads": heads, "deprels": deprels})
        return predictions

    def write_predictions(self, predictions, dataset, out_dir):
        """``dev.conllu``: the gold dev file (prepared as ``data/prepared/ud_dev.conllu``) with the predicted
        HEAD and DEPREL, so `xstilts score ud` or the official CoNLL 2018 scorer can check the parser.

        Words the encoder did not see (cut off by truncation, or tokenized to nothing) were not parsed; a file
        needs a tree, so they are attached to the sentence's predicted root word with the relation ``dep`` (in
        the phase's own scores they count as wrong whatever their gold head, as a scorer would count a missing
        word).
        """
        from pathlib import Path

        from xstilts import paths
        from xstilts.data import conllu

        heads, deprels = [], []
        for p, n in zip(predictions, (len(words) for words in dataset["words"]), strict=True):
            # a sentence with no word seen: its first word becomes the root
            root = p["heads"].index(0) + 1 if 0 in p["heads"] else 1
            parsed = [h if h >= 0 else root for h in p["heads"]] + [root] * (n - len(p["heads"]))
            parsed[root - 1] = 0
            heads.append(parsed)
            deprels.append([r if h >= 0 else "dep" for r, h in zip(p["deprels"], p["heads"], strict=True)]
                           + ["dep"] * (n - len(p["deprels"])))
        out = Path(out_dir) / "dev.conllu"
        out.parent.mkdir(parents=True, exist_ok=True)
        conllu.write_predicted(paths.DATA_PREPARED / paths.UD_DEV_GOLD, heads, deprels, out)
        return [out]

    def score(self, predictions, dataset, vocab):
        from xstilts import parsing

        n_gold = [len(words) for words in dataset["words"]]
        # words cut off by truncation were not parsed: they count as wrong (head -1 never matches)
        pred_heads = [p["heads"] + [-1] * (n - len(p["heads"])) for p, n in zip(predictions, n_gold, strict=True)]
        pred_rels = [p["deprels"] + ["_"] * (n - len(p["deprels"])) for p, n in zip(predictions, n_gold, strict=True)]
        return parsing.attachment_scores(dataset["heads"], dataset["deprels"], pred_heads, pred_rels, dataset["upos"])


TASK = DependencyParsing()
