"""The sts-b task (xstilts.tasks.stsb): pair encoding, regression outputs, Pearson/Spearman/MSE."""

import math

import datasets
import pytest
import torch

from tests.helpers import TOKEN_ID
from xstilts.tasks import get
from xstilts.tasks.stsb import TASK

CLS, SEP, PAD = TOKEN_ID["[CLS]"], TOKEN_ID["[SEP]"], TOKEN_ID["[PAD]"]


def test_the_registry_holds_it_as_the_semantic_task():
    assert get("sts-b") is TASK
    assert (TASK.family, TASK.head, TASK.dev_metric) == ("semantic", "regression", "spearman")
    assert (TASK.train_split, TASK.dev_split) == ("stsb_train", "stsb_dev")


def test_a_regression_head_needs_no_labels_or_options(wordpiece):
    assert TASK.label_vocab(datasets.Dataset.from_dict({"score": [1.0]})) == []
    assert TASK.head_options([]) == {}
    assert TASK.pad_values(wordpiece) == {"input_ids": PAD}


def test_encode_pairs_the_sentences_and_keeps_the_score_as_a_float(wordpiece):
    examples = {
        "sentence1": ["the dog sat", "a cat"], "sentence2": ["a cat is on the mat", "the dog"], "score": [3.5, 1]
    }
    features = TASK.encode(examples, wordpiece, 8, [])
    ids = TOKEN_ID
    assert features["input_ids"] == [
        [CLS, ids["the"], ids["dog"], SEP, ids["a"], ids["cat"], ids["is"], SEP],  # truncated to 8
        [CLS, ids["a"], ids["cat"], SEP, ids["the"], ids["dog"], SEP],
    ]
    assert features["token_type_ids"] == [[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1]]
    assert features["length"] == [8, 7]
    assert features["labels"] == [3.5, 1.0] and all(type(v) is float for v in features["labels"])


def test_postprocess_gives_one_float_per_pair():
    outputs = {"predictions": torch.tensor([0.5, 4.25, -1.0])}
    predictions = TASK.postprocess(outputs, {}, [])
    assert predictions == [{"prediction": 0.5}, {"prediction": 4.25}, {"prediction": -1.0}]
    assert all(type(p["prediction"]) is float for p in predictions)
    half = TASK.postprocess({"predictions": torch.tensor([2.5], dtype=torch.bfloat16)}, {}, [])
    assert half == [{"prediction": 2.5}]


def test_score_by_hand():
    # predicted 1, 2, 10 against gold 1, 3, 2. Pearson: deviations (-10/3, -7/3, 17/3) and (-1, 1, 0),
    # covariance sum 1, sums of squares 438/9 and 2: r = 1 / sqrt(876 / 9) = 3 / sqrt(876).
    # Spearman: ranks (1, 2, 3) and (1, 3, 2): r = 1/2. MSE: (0 + 1 + 64) / 3.
    predictions = [{"prediction": p} for p in (1.0, 2.0, 10.0)]
    scores = TASK.score(predictions, datasets.Dataset.from_dict({"score": [1.0, 3.0, 2.0]}), [])
    assert scores == pytest.approx({"pearson": 3 / math.sqrt(876), "spearman": 0.5, "mse": 65 / 3}, abs=1e-12)
    assert set(scores) == {"pearson", "spearman", "mse"}


def test_score_ranks_ties_by_their_average_rank():
    # predicted 1, 1, 2, 3 (ranks 1.5, 1.5, 3, 4) against gold 4, 3, 2, 1 (ranks 4, 3, 2, 1):
    # rank deviations (-1, -1, 0.5, 1.5) and (1.5, 0.5, -0.5, -1.5): covariance -4.5, squares 4.5 and 5
    predictions = [{"prediction": p} for p in (1.0, 1.0, 2.0, 3.0)]
    scores = TASK.score(predictions, datasets.Dataset.from_dict({"score": [4.0, 3.0, 2.0, 1.0]}), [])
    assert scores["spearman"] == pytest.approx(-4.5 / math.sqrt(4.5 * 5), abs=1e-12)
    assert scores["mse"] == pytest.approx((9 + 4 + 0 + 4) / 4, abs=1e-12)


def test_score_pairs_each_prediction_with_its_own_gold_score():
    gold = datasets.Dataset.from_dict({"score": [0.0, 2.5, 5.0, 1.0]})
    perfect = [{"prediction": s} for s in gold["score"]]
    assert TASK.score(perfect, gold, []) == pytest.approx({"pearson": 1.0, "spearman": 1.0, "mse": 0.0}, abs=1e-12)
    reversed_order = TASK.score(perfect[::-1], gold, [])
    # ranks (2, 4, 3, 1) against (1, 3, 4, 2): rank differences (1, 1, -1, -1), 1 - 6 * 4 / (4 * 15)
    assert reversed_order["spearman"] == pytest.approx(0.6, abs=1e-12)
