"""Encoded features are cached by what they depend on, not by where the tokenizer was loaded from."""

import datasets
import pytest
from transformers import AutoTokenizer

from xstilts import config, models
from xstilts.tasks._nli import NLI
from tests.conftest import REPO

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
    return datasets.Dataset.from_dict({"premise": TEXTS[:n], "hypothesis": TEXTS[1 : n + 1], "label": [0, 1, 2, 0] * (n // 4)})


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
    import datasets

    from xstilts.tasks._encoding import truncation

    features = datasets.Dataset.from_dict({
        "word_mask": [[1, 1, 1], [1, 1, 0, 0], [1, 0, 1], [1, 1, 0]],
        "length": [8, 10, 10, 7],  # rows 2 and 3 fill max_length 10; row 4's last word tokenized to nothing
    })
    assert truncation(features, 10) == {"sentences": 1, "words": 2}
    assert truncation(datasets.Dataset.from_dict({"input_ids": [[1]], "length": [1]}), 10) == {}
