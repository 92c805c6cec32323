"""Shared feature encoding (xstilts.tasks._encoding): word positions, truncation, labels, and the cache key.

Encoded features are cached by what they depend on, not by where the tokenizer was loaded from.
"""

import datasets
import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from tests.helpers import REPO, TOKEN_ID
from xstilts import config, models
from xstilts.tasks._encoding import encode_pairs, encode_words, to_numpy, truncation, word_labels
from xstilts.tasks._nli import NLI

TEXTS = ["the cat sat on the mat", "a dog ran in the park", "el gato duerme", "der Hund läuft schnell"] * 20


@pytest.fixture(scope="module")
def saved_tokenizer(tmp_path_factory):
    """One tiny mBERT-like tokenizer saved in two directories (as pretrained/ and intermediate/ hold it)."""
    tiny = config.load(REPO / "params.yaml").model("mbert").tiny
    tokenizer = models.train_tokenizer(tiny, TEXTS)
    dirs = [tmp_path_factory.mktemp(name) for name in ("pretrained", "intermediate")]
    for path in dirs:
        tokenizer.save_pretrained(path)
    return dirs


def _pairs(n=40):
    return datasets.Dataset.from_dict(
        {"premise": TEXTS[:n], "hypothesis": TEXTS[1 : n + 1], "label": [0, 1, 2, 0] * (n // 4)}
    )


def test_the_same_tokenizer_from_another_directory_reuses_the_cached_encoding(saved_tokenizer, tmp_path):
    nli = NLI
    pairs = _pairs()
    pairs.save_to_disk(tmp_path / "pairs")
    on_disk = datasets.load_from_disk(str(tmp_path / "pairs"))  # a dataset with cache files, as from_parquet gives
    vocab = nli.label_vocab(on_disk)
    first_tok, second_tok = (AutoTokenizer.from_pretrained(path) for path in saved_tokenizer)

    first = nli.encode_dataset(on_disk, first_tok, 32, vocab)
    second = nli.encode_dataset(on_disk, second_tok, 32, vocab)
    assert first._fingerprint == second._fingerprint
    assert second.cache_files == first.cache_files  # read back, not encoded again
    assert first["input_ids"] == second["input_ids"]
    # what the features depend on does change the key
    assert nli.encode_dataset(on_disk, first_tok, 16, vocab)._fingerprint != first._fingerprint
    other = models.train_tokenizer(config.load(REPO / "params.yaml").model("mbert").tiny, ["quite other words"] * 9)
    assert nli.encode_dataset(on_disk, other, 32, vocab)._fingerprint != first._fingerprint


def test_truncation_counts_the_words_cut_off_at_the_end_only():
    features = datasets.Dataset.from_dict({
        "word_mask": [[1, 1, 1], [1, 1, 0, 0], [1, 0, 1], [1, 1, 0]],
        "length": [8, 10, 10, 7],  # rows 2 and 3 fill max_length 10; row 4's last word tokenized to nothing
    })
    assert truncation(features, 10) == {"sentences": 1, "words": 2}
    assert truncation(datasets.Dataset.from_dict({"input_ids": [[1]], "length": [1]}), 10) == {}


# ------------------------------------------------------------------- words -> first sub-token positions
CLS, SEP = TOKEN_ID["[CLS]"], TOKEN_ID["[SEP]"]
SENTENCES = [["the", "dogs", "sat", "."], ["Unbelievable", "cat", "\u00ad", "dog"]]  # U+00AD: tokenizes to nothing


def ids(*tokens):
    return [CLS, *(TOKEN_ID[t] for t in tokens), SEP]


def test_encode_words_points_each_word_at_its_first_sub_token(wordpiece):
    features = encode_words(SENTENCES, wordpiece, 32)
    assert features["input_ids"] == [
        ids("the", "dog", "##s", "sat", "."), ids("un", "##believ", "##able", "cat", "dog")
    ]
    # [CLS] the dog ##s sat . [SEP]    /    [CLS] un ##believ ##able cat dog [SEP]
    assert features["word_index"] == [[1, 2, 4, 5], [1, 4, 0, 5]]
    # a word without sub-tokens in the middle (the soft hyphen) is masked out, not truncation
    assert features["word_mask"] == [[1, 1, 1, 1], [1, 1, 0, 1]]
    assert features["length"] == [7, 7]
    assert features["attention_mask"] == [[1] * 7, [1] * 7]


def test_encode_words_masks_the_words_cut_off_by_max_length(wordpiece):
    features = encode_words(SENTENCES, wordpiece, 4)
    assert features["input_ids"] == [ids("the", "dog"), ids("un", "##believ")]
    # "dogs" keeps its first sub-token, so it is still a word of the sentence; "unbelievable" too
    assert features["word_index"] == [[1, 2, 0, 0], [1, 0, 0, 0]]
    assert features["word_mask"] == [[1, 1, 0, 0], [1, 0, 0, 0]]
    assert features["length"] == [4, 4]
    counted = truncation(datasets.Dataset.from_dict({k: features[k] for k in ("word_mask", "length")}), 4)
    assert counted == {"sentences": 2, "words": 5}
    whole = encode_words(SENTENCES, wordpiece, 32)
    assert truncation(datasets.Dataset.from_dict({k: whole[k] for k in ("word_mask", "length")}), 32) == {
        "sentences": 0, "words": 0}


def test_encode_pairs_truncates_the_pair_and_records_the_length(wordpiece):
    features = encode_pairs(["the dog sat", "a cat"], ["a cat is on the mat", "the dog"], wordpiece, 8)
    # the longer sentence loses tokens first: "the dog" | "a cat is" fills 8 with [CLS] and two [SEP]
    assert features["input_ids"] == [
        [CLS, 5, 6, SEP, 13, 14, 15, SEP],
        [CLS, 13, 14, SEP, 5, 6, SEP],
    ]
    assert features["token_type_ids"] == [[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1]]
    assert features["length"] == [8, 7]
    single = encode_pairs(["the dog sat on the mat"], None, wordpiece, 4)
    assert single["input_ids"] == [ids("the", "dog")] and single["length"] == [4]


def test_word_labels_hide_masked_words_and_unknown_labels():
    assert word_labels([[2, 3, 0, 3]], [[1, 1, 0, 0]]) == [[2, 3, -100, -100]]
    lookup = {"det": 0, "root": 1}
    assert word_labels([["det", "amod", "root"], ["root"]], [[1, 1, 1], [0]], lookup) == [[0, -100, 1], [-100]]


def test_to_numpy_keeps_integers_and_widens_half_precision():
    half = torch.tensor([[0.5, -2.25]], dtype=torch.bfloat16, requires_grad=True)
    out = to_numpy(half)
    assert out.dtype == np.float32 and out.tolist() == [[0.5, -2.25]]
    whole = to_numpy(torch.tensor([[1, 0, 1]]))
    assert whole.dtype == np.int64 and whole.tolist() == [[1, 0, 1]]
