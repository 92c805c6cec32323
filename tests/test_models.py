"""The smoke models' tokenizers: the real families' kinds, and the same vocabulary on every run."""

import json
import subprocess
import sys

import pytest

from tests.helpers import REPO
from xstilts import config, models

TEXTS = [
    "Sara cooks a fresh egg. Sara cocina un huevo fresco.",
    "Der Hund läuft schnell, sehr schnell!",
    "Le chat dort sur le tapis.",
    "猫は寝ている。我爱北京。",
    "Η γάτα κοιμάται. Кошка спит.",
] * 30

VOCAB_OF_A_FRESH_PROCESS = """
import hashlib, json, sys
from xstilts import config, models
tiny = config.load(sys.argv[1]).model(sys.argv[2]).tiny
texts = json.loads(sys.argv[3])
print(hashlib.sha256(json.dumps(models.train_tokenizer(tiny, texts).get_vocab(), sort_keys=True).encode()).hexdigest())
"""


@pytest.mark.parametrize("model", ["mbert", "xlmr"])
def test_the_same_texts_give_the_same_vocabulary_in_every_process(model):
    # separate processes: the `tokenizers` trainers' non-determinism comes from per-process hash seeds
    args = [sys.executable, "-c", VOCAB_OF_A_FRESH_PROCESS, str(REPO / "params.yaml"), model, json.dumps(TEXTS)]
    hashes = {subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip() for _ in range(3)}
    assert len(hashes) == 1 and len(next(iter(hashes))) == 64


def test_wordpiece_vocabulary_is_bert_like_and_covers_the_corpus():
    tokenizer = models.train_tokenizer(config.load(REPO / "params.yaml").model("mbert").tiny, TEXTS)
    vocab = tokenizer.get_vocab()
    assert [vocab[t] for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")] == [0, 1, 2, 3, 4]
    assert any(t.startswith("##") for t in vocab) and "▁" not in "".join(vocab)
    tokens = tokenizer.tokenize(" ".join(TEXTS[:5]))
    assert "[UNK]" not in tokens
    assert {"猫", "北", "京"} <= set(tokens)  # CJK characters are split off one by one, as BERT does
    text = "Der Hund läuft schnell"
    assert tokenizer.decode(tokenizer(text)["input_ids"], skip_special_tokens=True) == text


def test_unigram_vocabulary_is_xlmr_like():
    tokenizer = models.train_tokenizer(config.load(REPO / "params.yaml").model("xlmr").tiny, TEXTS)
    special = (tokenizer.bos_token_id, tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id)
    assert special == (0, 1, 2, 3)
    assert tokenizer.mask_token_id == 4
    tokens = tokenizer.tokenize("Le chat dort sur le tapis.")
    assert tokens[0].startswith("▁") and tokenizer.unk_token not in tokens
    text = "Le chat dort sur le tapis."
    assert tokenizer.decode(tokenizer(text)["input_ids"], skip_special_tokens=True) == text
