"""The ud-pos task (xstilts.tasks.ud_pos): word-level tag encoding, argmax tagging, accuracy over gold words."""

import datasets
import torch

from tests.helpers import TOKEN_ID
from xstilts.tasks import get
from xstilts.tasks.ud_pos import TASK
from xstilts.train import PadCollator

VOCAB = ["DET", "NOUN", "PUNCT", "VERB"]
DET, NOUN, PUNCT, VERB = range(4)
EXAMPLES = {
    "words": [["the", "dogs", "sat", "."], ["a", "cat"]],
    "upos": [["DET", "NOUN", "VERB", "PUNCT"], ["DET", "X"]],
}


def test_the_registry_holds_it_as_a_syntactic_task():
    assert get("ud-pos") is TASK
    assert (TASK.family, TASK.head, TASK.dev_metric) == ("syntactic", "tagging", "acc")


def test_label_vocab_is_the_sorted_tag_set_and_sizes_the_head(wordpiece):
    train = datasets.Dataset.from_dict({"upos": [["VERB", "DET", "NOUN"], ["PUNCT", "NOUN"]]})
    assert TASK.label_vocab(train) == VOCAB
    assert TASK.head_options(VOCAB) == {"num_labels": 4}
    assert TASK.pad_values(wordpiece) == {"input_ids": TOKEN_ID["[PAD]"], "labels": -100}


def test_encode_labels_visible_words_only(wordpiece):
    features = TASK.encode(EXAMPLES, wordpiece, 5, VOCAB)  # [CLS] the dog ##s [SEP]
    assert features["word_index"] == [[1, 2, 0, 0], [1, 2]]
    assert features["word_mask"] == [[1, 1, 0, 0], [1, 1]]
    assert features["length"] == [5, 4]
    assert features["labels"] == [[DET, NOUN, -100, -100], [DET, -100]]  # X: not in the vocabulary
    whole = TASK.encode(EXAMPLES, wordpiece, 32, VOCAB)
    assert whole["labels"] == [[DET, NOUN, VERB, PUNCT], [DET, -100]] and whole["word_index"] == [[1, 2, 4, 5], [1, 2]]


def test_postprocess_tags_each_visible_word_with_its_best_label(wordpiece):
    features = TASK.encode(EXAMPLES, wordpiece, 5, VOCAB)
    batch = PadCollator(TASK.pad_values(wordpiece))([{k: v[i] for k, v in features.items()} for i in range(2)])
    assert batch["word_mask"].tolist() == [[1, 1, 0, 0], [1, 1, 0, 0]]
    logits = torch.zeros(2, 4, len(VOCAB))
    logits[0, 0, DET] = logits[0, 1, VERB] = logits[1, 0, NOUN] = logits[1, 1, PUNCT] = 2.0
    logits[0, 2, NOUN] = logits[0, 3, NOUN] = logits[1, 2, NOUN] = 5.0  # cut-off and padding positions
    logits[0, 0, NOUN] = 1.9  # the best label wins, not the first non-zero one
    # masked positions (cut off, or padding up to the batch width) are "_", which never matches a gold tag
    assert TASK.postprocess({"logits": logits}, batch, VOCAB) == [
        {"upos": ["DET", "VERB", "_", "_"]},
        {"upos": ["NOUN", "PUNCT", "_", "_"]},
    ]


def test_score_is_accuracy_over_every_gold_word():
    gold = datasets.Dataset.from_dict({"upos": [["DET", "NOUN", "VERB", "PUNCT"], ["DET", "NOUN"]]})
    predictions = [
        {"upos": ["DET", "VERB", "_", "_"]},  # 1 right; words 3-4 cut off: wrong
        {"upos": ["DET", "NOUN", "_", "_"]},  # 2 right; the padding positions are beyond the gold words
    ]
    assert TASK.score(predictions, gold, VOCAB) == {"acc": 3 / 6, "words": 6.0}
    shorter = [{"upos": ["DET"]}, {"upos": ["DET", "NOUN"]}]  # a prediction with fewer words than the gold
    assert TASK.score(shorter, gold, VOCAB) == {"acc": 3 / 6, "words": 6.0}
