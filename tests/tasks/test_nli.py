"""The target task (xstilts.tasks._nli): 3-way NLI pair encoding, argmax over logits, accuracy."""

import datasets
import torch

from tests.helpers import TOKEN_ID
from xstilts.data import NLI_LABELS
from xstilts.tasks import registry
from xstilts.tasks._nli import NLI

CLS, SEP = TOKEN_ID["[CLS]"], TOKEN_ID["[SEP]"]


def test_it_is_the_target_task_not_an_intermediate_one(wordpiece):
    assert NLI.name not in registry() and NLI not in registry().values()
    assert (NLI.head, NLI.dev_metric) == ("classification", "acc")
    assert NLI.label_vocab(None) == ["entailment", "neutral", "contradiction"] == list(NLI_LABELS)
    assert NLI.head_options(NLI.label_vocab(None)) == {"num_labels": 3}
    assert NLI.pad_values(wordpiece) == {"input_ids": TOKEN_ID["[PAD]"]}


def test_encode_pairs_premise_and_hypothesis(wordpiece):
    examples = {
        "premise": ["the dog sat on the mat", "a cat"], "hypothesis": ["a dog", "the cats sat"], "label": [2, 0]
    }
    features = NLI.encode(examples, wordpiece, 7, NLI.label_vocab(None))
    ids = TOKEN_ID
    assert features["input_ids"] == [
        [CLS, ids["the"], ids["dog"], SEP, ids["a"], ids["dog"], SEP],  # the premise loses its tail
        [CLS, ids["a"], ids["cat"], SEP, ids["the"], ids["cat"], SEP],  # ... and so does the hypothesis here
    ]
    assert features["token_type_ids"] == [[0, 0, 0, 0, 1, 1, 1]] * 2
    assert features["length"] == [7, 7] and features["labels"] == [2, 0]


def test_postprocess_takes_the_argmax():
    logits = torch.tensor([[0.1, 2.0, -1.0], [3.0, 2.9, 0.0], [-5.0, -4.0, -3.0]])
    predictions = NLI.postprocess({"logits": logits}, {}, NLI.label_vocab(None))
    assert predictions == [{"prediction": 1}, {"prediction": 0}, {"prediction": 2}]
    assert all(type(p["prediction"]) is int for p in predictions)


def test_score_is_the_fraction_of_right_labels():
    gold = datasets.Dataset.from_dict({"label": [0, 1, 2, 2, 1]})
    predictions = [{"prediction": p} for p in (0, 2, 2, 1, 1)]
    assert NLI.score(predictions, gold, NLI.label_vocab(None)) == {"acc": 3 / 5}
    assert NLI.score([{"prediction": g} for g in gold["label"]], gold, None) == {"acc": 1.0}
