"""GLUE MNLI TSV, MultiNLI 1.0 TXT and nyu-mll/glue mnli parquet -> rows (premise, hypothesis, label)."""

import pytest

from tests.data.formats import (
    MNLI_DEV,
    MNLI_TRAIN,
    MULTINLI_DEV,
    assert_data_error,
    write_hub_parquet,
    write_parquet,
    write_tsv,
)
from xstilts.data import NLI_LABELS, mnli

HEADER = ["index", "sentence1", "sentence2", "label1", "gold_label"]


def test_glue_train_values():
    rows = mnli.parse_tsv(MNLI_TRAIN)
    assert [row["label"] for row in rows] == [1, 0, 0, 0, 2]
    assert rows[0] == {
        "premise": "Conceptually cream skimming has two basic dimensions - product and geography.",
        "hypothesis": "Product and geography are what make cream skimming work. ",
        "label": 1,
    }
    assert rows[1]["premise"].endswith('the next level if "if" they decide')
    assert rows[4]["premise"] == '"yeah i tell you what though if you go price some of those tennis shoes'


def test_glue_dev_with_windows_line_ends():
    rows = mnli.parse_tsv(MNLI_DEV)
    assert rows[1] == {
        "premise": 'This site includes a list of all award winners and a "searchable" database.',
        "hypothesis": "The Government Executive articles housed on the website are not able to be searched.",
        "label": 2,
    }
    assert rows[2]["hypothesis"] == "I like him for the most part, but would still enjoy seeing someone beat him."


def test_multinli_txt_skips_no_consensus_rows():
    rows = mnli.parse_tsv(MULTINLI_DEV)
    assert rows == [
        {
            "premise": "The new rights are nice enough",
            "hypothesis": "Everyone really likes the newest benefits ",
            "label": 1,
        },
        {
            "premise": "Calcutta seems to be the only other production center.",
            "hypothesis": "Calcutta is the only place with a production center.",
            "label": 2,
        },
    ]


def test_read_tsv_dataset():
    dataset = mnli.read_tsv(MNLI_TRAIN)
    assert dataset.column_names == ["premise", "hypothesis", "label"]
    assert dataset.features["label"].names == list(NLI_LABELS)
    assert dataset["label"] == [1, 0, 0, 0, 2]
    assert dataset[2]["hypothesis"] == "A member of my team will execute your orders with immense precision."


def test_check():
    assert mnli.check(MNLI_TRAIN) == {
        "kind": "mnli",
        "pairs": 5,
        "labels": {"entailment": 3, "neutral": 1, "contradiction": 1},
    }
    assert mnli.check(MNLI_DEV) == {
        "kind": "mnli",
        "pairs": 3,
        "labels": {"entailment": 1, "neutral": 1, "contradiction": 1},
    }
    assert mnli.check(MULTINLI_DEV) == {
        "kind": "mnli",
        "pairs": 2,
        "labels": {"entailment": 0, "neutral": 1, "contradiction": 1},
        "unlabelled": 2,
    }


@pytest.mark.parametrize(
    "row, line, message",
    [
        (
            ["1", "p", "h", "neutral", "Neutral"],
            3,
            "unknown gold_label 'Neutral' (allowed: entailment, neutral, contradiction)",
        ),
        (["1", "p", "h", "neutral"], 3, "expected 5 tab-separated fields (as in the header), got 4"),
    ],
)
def test_errors_name_the_line(tmp_path, row, line, message):
    path = write_tsv(tmp_path / "train.tsv", HEADER, [["0", "p", "h", "-", "-"], row], end="\r\n")
    assert_data_error(lambda: mnli.check(path), path, line, message)


def test_missing_gold_label_column(tmp_path):
    path = write_tsv(tmp_path / "test_matched.tsv", HEADER[:3], [["0", "p", "h"]])
    assert_data_error(
        lambda: mnli.read_tsv(path),
        path,
        1,
        "missing column 'gold_label' in the header (has: index, sentence1, sentence2)",
    )


def test_read_hub(tmp_path):
    glue = tmp_path / "nyu-mll" / "glue"
    columns = {"premise": ["a", "b", "c"], "hypothesis": ["x", "y", "z"], "label": [2, 1, 0], "idx": [0, 1, 2]}
    write_hub_parquet(glue / "mnli" / "train-00000-of-00001.parquet", columns)
    write_hub_parquet(glue / "mnli" / "test_matched-00000-of-00001.parquet", columns | {"label": [-1, -1, 0]})
    assert mnli.read_hub(glue, "train").to_list() == [
        {"premise": "a", "hypothesis": "x", "label": 2},
        {"premise": "b", "hypothesis": "y", "label": 1},
        {"premise": "c", "hypothesis": "z", "label": 0},
    ]
    assert mnli.read_hub(glue, "test_matched").to_list() == [{"premise": "c", "hypothesis": "z", "label": 0}]
    assert_data_error(
        lambda: mnli.read_hub(glue, "validation_matched"),
        glue / "mnli" / "validation_matched-00000-of-00001.parquet",
        0,
        "file not found (expected the hub layout nyu-mll/glue: mnli/validation_matched-*.parquet)",
    )


def test_read_hub_checks_the_label_names(tmp_path):
    glue = tmp_path / "nyu-mll" / "glue"
    columns = {"premise": ["a"], "hypothesis": ["x"], "label": [0], "idx": [0]}
    shard = glue / "mnli" / "train-00000-of-00001.parquet"
    write_hub_parquet(shard, columns, ("contradiction", "neutral", "entailment"))
    assert_data_error(
        lambda: mnli.read_hub(glue, "train"),
        shard,
        0,
        "label names contradiction, neutral, entailment in the Hugging Face features differ from "
        "entailment, neutral, contradiction",
    )
    write_parquet(shard, columns)
    assert_data_error(
        lambda: mnli.read_hub(glue, "train"),
        shard,
        0,
        "no Hugging Face features in the parquet metadata: cannot check that the label ids mean "
        "entailment, neutral, contradiction",
    )
