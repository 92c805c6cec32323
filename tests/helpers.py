"""Constants the tests share (paths, reduced smoke sizes). Fixtures live in tests/conftest.py."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Reduced smoke sizes for tests: same generator and formats, a few rows each.
TINY_DATA = [
    "data.synthetic.xnli_dev_per_language=12",
    "data.synthetic.xnli_test_per_language=15",
    "data.synthetic.mnli_train=60",
    "data.synthetic.mnli_dev=30",
    "data.synthetic.stsb_train=40",
    "data.synthetic.stsb_dev=20",
    "data.synthetic.stsb_test=10",
    "data.synthetic.ud_train=30",
    "data.synthetic.ud_dev=10",
    "data.synthetic.ud_test=10",
    "data.synthetic.corpus_per_language=20",
]

# Reduced scale of the phases: the tiny data above and one or two short epochs per phase.
FAST = TINY_DATA + [
    "pretrained.mlm.epochs=1",
    "tasks.ud-parse.train.epochs=2",
    "tasks.sts-b.train.epochs=2",
    "tasks.ud-pos.train.epochs=2",
    "target.train.epochs=1",
]

# A hand-written WordPiece vocabulary: small enough that tests can state token ids by hand. [PAD] is
# deliberately not id 0 (as in XLM-R, whose pad id is 1), so a hard-coded 0 pad shows up.
TINY_VOCAB = ["[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]", "the", "dog", "##s", "sat", ".", "un", "##believ",
              "##able", "a", "cat", "is", "on", "mat"]  # fmt: skip
TOKEN_ID = {token: index for index, token in enumerate(TINY_VOCAB)}


def tiny_wordpiece(directory):
    """A BERT (WordPiece, lower-casing) tokenizer over TINY_VOCAB, saved in ``directory`` and loaded back
    through ``AutoTokenizer.from_pretrained`` as the phases load theirs."""
    from transformers import AutoTokenizer, BertTokenizer

    BertTokenizer(vocab=dict(TOKEN_ID)).save_pretrained(directory)
    return AutoTokenizer.from_pretrained(directory)


def predict_dev_again(root, model: str, task_name: str, seed: int):
    """(predictions, dev split) of the intermediate model saved under ``root``, predicted again by its encoder
    and head loaded back from disk, at the ``max_length`` its phase recorded: what a test needs to recompute
    the dev metrics the phase reported, outside the phase."""
    import json

    from xstilts import evaluate, heads, models, tasks
    from xstilts.phases import EVAL_BATCH_SIZE  # the phase's batches: the same padding, the same float sums

    root = Path(root)
    task = tasks.get(task_name)
    out = root / "models" / "intermediate" / model / task_name / f"seed{seed}"
    summary = json.loads((root / "results" / model / task_name / f"seed{seed}" / "intermediate.json").read_text())
    encoder, tokenizer = models.load_encoder(out / "encoder")
    net = models.encoder_with_head(encoder, heads.load_head(out / "head"))
    vocab = json.loads((out / "head" / "labels.json").read_text())
    dev = evaluate.load_prepared(task.dev_split, root / "data" / "prepared")
    _, predictions = evaluate.evaluate_split(
        net, tokenizer, task, dev, vocab, summary["recipe"]["max_length"], EVAL_BATCH_SIZE
    )
    return predictions, dev


def pearson_spearman(predicted, gold) -> tuple[float, float]:
    """Pearson and Spearman (average ranks for ties) with numpy and pandas, independent of scipy."""
    import numpy as np
    import pandas as pd

    p, g = pd.Series(predicted, dtype=float), pd.Series(gold, dtype=float)
    return float(np.corrcoef(p, g)[0, 1]), float(np.corrcoef(p.rank(), g.rank())[0, 1])
