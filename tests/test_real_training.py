"""The intermediate tasks trained on excerpts of the real UD English-EWT and STS-B files (tests/fixtures/real/)
with the smoke-sized encoder: real sentence lengths (EWT train has sentences of 135 and 159 words), real
label sets, truncation at max_length, and the parser's dev predictions checked by `xstilts score ud`."""

import json
import math
import shutil

import mlflow
import pytest

from tests.data.formats import REAL_STSB_DEV, REAL_STSB_TRAIN, REAL_UD_DEV, REAL_UD_TRAIN
from tests.helpers import FAST, pearson_spearman, predict_dev_again
from xstilts.cli import main
from xstilts.data import conllu, stsb
from xstilts.models import load_encoder

MAX_LENGTH = 256  # the paper profile's parsing length; the tiny WordPiece vocabulary splits English finely


@pytest.fixture
def real(cell):
    """The test project with its UD and STS-B splits replaced by the real excerpts."""
    prepared = cell / "data" / "prepared"
    conllu.read_conllu(REAL_UD_TRAIN).to_parquet(str(prepared / "ud_train.parquet"))
    conllu.read_conllu(REAL_UD_DEV).to_parquet(str(prepared / "ud_dev.parquet"))
    shutil.copyfile(REAL_UD_DEV, prepared / "ud_dev.conllu")
    stsb.read_tsv(REAL_STSB_TRAIN).to_parquet(str(prepared / "stsb_train.parquet"))
    stsb.read_tsv(REAL_STSB_DEV).to_parquet(str(prepared / "stsb_dev.parquet"))
    return cell


def expected_truncation(path, tokenizer, max_length):
    """Sentences and words beyond max_length, counted word by word: a word is kept when its first sub-token
    lies within the max_length - 2 positions left between [CLS] and [SEP]."""
    sentences = words = 0
    for sentence in conllu.parse(path):
        position, cut = 0, 0
        for word in sentence["words"]:
            pieces = len(tokenizer.tokenize(word))
            cut += position >= max_length - 2 and pieces > 0
            position += pieces
        sentences += cut > 0
        words += cut
    return sentences, words


def train_losses(run_id):
    return [m.value for m in mlflow.MlflowClient().get_metric_history(run_id, "train_loss")]


def test_parsing_real_ewt_trains_with_finite_loss_and_reports_its_truncation(real, capsys):
    overrides = FAST + [f"tasks.ud-parse.train.max_length={MAX_LENGTH}", "tasks.ud-parse.train.batch_size=16"]
    args = ["intermediate", "--model", "mbert", "--task", "ud-parse", "--seed", "1", "--no-upstream"]
    assert main([*args, *[a for item in overrides for a in ("-S", item)]]) == 0

    summary = json.loads((real / "results" / "mbert" / "ud-parse" / "seed1" / "intermediate.json").read_text())
    _, tokenizer = load_encoder(real / "models" / "pretrained" / "mbert")
    cut_sentences, cut_words = expected_truncation(REAL_UD_TRAIN, tokenizer, MAX_LENGTH)
    assert cut_sentences >= 2 and cut_words > 50  # the 135- and 159-word sentences at least
    assert summary["truncated"]["truncated_sentences_train"] == cut_sentences
    assert summary["truncated"]["truncated_words_train"] == cut_words
    dev_cut_words = expected_truncation(REAL_UD_DEV, tokenizer, MAX_LENGTH)[1]
    assert summary["truncated"]["truncated_words_dev"] == dev_cut_words == 0
    (run,) = mlflow.search_runs(experiment_names=["xstilts-smoke"], output_format="list")
    assert run.data.metrics["truncated_words_train"] == cut_words
    losses = train_losses(run.info.run_id)
    assert losses and all(math.isfinite(x) for x in losses)
    assert 0 < summary["metrics"]["dev_las"] <= summary["metrics"]["dev_uas"] <= 1

    # the dev predictions as CoNLL-U, scored by the researcher's command, give the phase's own dev scores
    predicted = real / "models" / "intermediate" / "mbert" / "ud-parse" / "seed1" / "dev_predictions" / "dev.conllu"
    capsys.readouterr()
    assert main(["score", "ud", str(real / "data" / "prepared" / "ud_dev.conllu"), str(predicted)]) == 0
    scored = json.loads(capsys.readouterr().out)
    for name in ("uas", "las", "uas_nopunct", "las_nopunct"):
        assert scored[name] == pytest.approx(summary["metrics"][f"dev_{name}"], abs=1e-12), name
    assert scored["words"] == 3685  # every gold word of the excerpt
    artifacts = [a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id, "dev_predictions")]
    assert artifacts == ["dev_predictions/dev.conllu"]


def test_a_truncated_dev_set_counts_its_cut_words_as_wrong(real):
    overrides = FAST + ["tasks.ud-parse.train.max_length=48", "tasks.ud-parse.train.epochs=1"]
    args = ["intermediate", "--model", "mbert", "--task", "ud-parse", "--seed", "1", "--no-upstream"]
    assert main([*args, *[a for item in overrides for a in ("-S", item)]]) == 0
    summary = json.loads((real / "results" / "mbert" / "ud-parse" / "seed1" / "intermediate.json").read_text())
    _, tokenizer = load_encoder(real / "models" / "pretrained" / "mbert")
    _, cut = expected_truncation(REAL_UD_DEV, tokenizer, 48)
    assert summary["truncated"]["truncated_words_dev"] == cut > 0
    # every gold word is scored: the cut words are in the denominator and never right
    assert summary["metrics"]["dev_words"] == 3685
    assert summary["metrics"]["dev_uas"] <= (3685 - cut) / 3685


def test_sts_b_trains_on_real_pairs(real):
    overrides = FAST + ["tasks.sts-b.train.batch_size=16"]
    args = ["intermediate", "--model", "mbert", "--task", "sts-b", "--seed", "1", "--no-upstream"]
    assert main([*args, *[a for item in overrides for a in ("-S", item)]]) == 0
    summary = json.loads((real / "results" / "mbert" / "sts-b" / "seed1" / "intermediate.json").read_text())
    metrics = summary["metrics"]
    # the saved model's dev predictions, predicted again and scored without scipy, give the phase's numbers
    predictions, dev = predict_dev_again(real, "mbert", "sts-b", 1)
    predicted = [p["prediction"] for p in predictions]
    pearson, spearman = pearson_spearman(predicted, dev["score"])
    assert (metrics["dev_pearson"], metrics["dev_spearman"]) == pytest.approx((pearson, spearman), abs=1e-6)
    squared_errors = [(p - g) ** 2 for p, g in zip(predicted, dev["score"], strict=True)]
    assert metrics["dev_mse"] == pytest.approx(sum(squared_errors) / len(dev))
    assert 0 < metrics["dev_mse"] < 25  # scores lie in [0, 5]
    (run,) = mlflow.search_runs(experiment_names=["xstilts-smoke"], output_format="list")
    assert run.data.params["train_examples"] == "303"
    losses = train_losses(run.info.run_id)
    assert losses and all(math.isfinite(x) for x in losses)
