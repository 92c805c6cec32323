"""GLUE STS-B TSV (train/dev with score, test without) and nyu-mll/glue stsb parquet -> rows."""

import pyarrow as pa
import pytest

from tests.data.formats import STSB_TEST, STSB_TRAIN, assert_data_error, write_parquet, write_tsv
from xstilts.data import stsb

HEADER = ["index", "genre", "sentence1", "sentence2", "score"]


def test_train_values():
    assert stsb.parse_tsv(STSB_TRAIN) == [
        {"sentence1": "A plane is taking off.", "sentence2": "An air plane is taking off.", "score": 5.0},
        {"sentence1": "A man is playing a large flute.", "sentence2": "A man is playing a flute.", "score": 3.8},
        {"sentence1": '"I\'m not a quitter," she said.', "sentence2": 'She said "I won\'t quit".', "score": 4.2},
        {"sentence1": 'It depends on the 12" pan.', "sentence2": "Use a bigger pan.", "score": 0.0},
    ]


def test_test_file_has_no_scores():
    assert stsb.parse_tsv(STSB_TEST) == [
        {"sentence1": "A girl is styling her hair.", "sentence2": "A girl is brushing her hair.", "score": None},
        {"sentence1": 'Obama signs "fiscal cliff" bill', "sentence2": "Obama signs the bill", "score": None},
    ]


def test_read_tsv_dataset():
    dataset = stsb.read_tsv(STSB_TRAIN)
    assert dataset.column_names == ["sentence1", "sentence2", "score"]
    assert dataset["score"] == [5.0, 3.8, 4.2, 0.0]
    assert stsb.read_tsv(STSB_TEST)["score"] == [None, None]


def test_check():
    assert stsb.check(STSB_TRAIN) == {"kind": "sts-b", "pairs": 4, "scored": 4}
    assert stsb.check(STSB_TEST) == {"kind": "sts-b", "pairs": 2, "scored": 0}


@pytest.mark.parametrize(
    "row, message",
    [
        (["1", "g", "a", "b", "high"], "score 'high' is not a number"),
        (["1", "g", "a", "b", ""], "score '' is not a number"),
        (["1", "g", "a", "b", "nan"], "score 'nan' is not a number"),
        (["1", "g", "a", "b", "5.2"], "score 5.2 outside [0, 5]"),
        (["1", "g", "a", "b", "-0.5"], "score -0.5 outside [0, 5]"),
        (["1", "g", "", "b", "1.0"], "empty sentence in column 'sentence1'"),
        (["1", "g", "a", " ", "1.0"], "empty sentence in column 'sentence2'"),
        (["1", "g", "a", "b", "1.0", "extra"], "expected 5 tab-separated fields (as in the header), got 6"),
    ],
)
def test_errors_name_the_line(tmp_path, row, message):
    path = write_tsv(tmp_path / "dev.tsv", HEADER, [["0", "g", "x", "y", "2.5"], ["9", "g", "x", "y", "5"], row])
    assert_data_error(lambda: stsb.check(path), path, 4, message)


def test_read_hub(tmp_path):
    glue = tmp_path / "nyu-mll" / "glue"
    float32 = {"label": pa.float32()}
    write_parquet(
        glue / "stsb" / "validation-00000-of-00001.parquet",
        {"sentence1": ["a", "b"], "sentence2": ["c", "d"], "label": [5.0, 0.25], "idx": [0, 1]},
        float32,
    )
    write_parquet(
        glue / "stsb" / "test-00000-of-00001.parquet",
        {"sentence1": ["e"], "sentence2": ["f"], "label": [-1.0], "idx": [0]},
        float32,
    )
    write_parquet(
        glue / "stsb" / "train-00000-of-00001.parquet",
        {"sentence1": ["g"], "sentence2": ["h"], "label": [7.5], "idx": [0]},
        float32,
    )
    assert stsb.read_hub(glue, "validation").to_list() == [
        {"sentence1": "a", "sentence2": "c", "score": 5.0},
        {"sentence1": "b", "sentence2": "d", "score": 0.25},
    ]
    assert stsb.read_hub(glue, "test").to_list() == [{"sentence1": "e", "sentence2": "f", "score": None}]
    assert_data_error(
        lambda: stsb.read_hub(glue, "train"), glue / "stsb" / "train-*.parquet", 0, "row 0: label 7.5 outside [0, 5]"
    )
