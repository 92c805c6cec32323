"""XNLI 1.0 TSV and facebook/xnli hub parquet -> rows (pair_id, language, premise, hypothesis, label)."""

import json

import pyarrow.parquet as pq
import pytest

from tests.data.formats import XNLI_DEV, assert_data_error, write_hub_parquet, write_parquet, write_tsv
from xstilts.cli import main
from xstilts.data import NLI_LABELS, xnli
from xstilts.errors import DataError

HEADER = ["language", "gold_label", "sentence1_binary_parse", "sentence1", "sentence2", "pairID"]


def test_label_order_matches_the_hub():
    assert NLI_LABELS == ("entailment", "neutral", "contradiction")


def test_parse_tsv_values():
    rows = xnli.parse_tsv(XNLI_DEV)
    assert len(rows) == 9
    assert rows[0] == {
        "pair_id": 0,
        "language": "en",
        "premise": '"Well, I wasn\'t even thinking about that," he said.',
        "hypothesis": "He said he had not thought about it.",
        "label": 0,
    }
    assert rows[4] == {
        "pair_id": 1,
        "language": "de",
        "premise": "Der Laden öffnet um Punkt 9 Uhr.",
        "hypothesis": "Der Laden öffnet am Nachmittag.",
        "label": 2,
    }
    assert rows[2]["premise"] == 'She bought a 6" ruler.'
    assert [(r["language"], r["pair_id"], r["label"]) for r in rows[6:]] == [("zh", 0, 0), ("zh", 1, 2), ("zh", 2, 0)]


def test_pair_id_follows_pair_id_strings_not_positions(tmp_path):
    # fr lists the two pairs in the other order: pair_id follows pairID (numbered in order of first appearance)
    rows = [["en", "neutral", "", "p1", "h1", "9a"], ["en", "contradiction", "", "p2", "h2", "7"],
            ["fr", "contradiction", "", "q2", "g2", "7"], ["fr", "neutral", "", "q1", "g1", "9a"]]  # fmt: skip
    parsed = xnli.parse_tsv(write_tsv(tmp_path / "x.tsv", HEADER, rows))
    assert [(r["language"], r["pair_id"], r["premise"], r["label"]) for r in parsed] == [
        ("en", 0, "p1", 1), ("en", 1, "p2", 2), ("fr", 1, "q2", 2), ("fr", 0, "q1", 1),
    ]  # fmt: skip


def test_languages_constant():
    assert xnli.LANGUAGES == ("en", "ar", "bg", "de", "el", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh")


def test_read_tsv_dataset_and_language_filter():
    dataset = xnli.read_tsv(XNLI_DEV, ["zh", "en"])
    assert dataset.column_names == ["pair_id", "language", "premise", "hypothesis", "label"]
    assert dataset.features["label"].names == list(NLI_LABELS)
    assert dataset["language"] == ["en"] * 3 + ["zh"] * 3
    assert dataset["pair_id"] == [0, 1, 2, 0, 1, 2]
    assert dataset[4] == {
        "pair_id": 1,
        "language": "zh",
        "premise": "商店九点整开门。",
        "hypothesis": "商店下午开门。",
        "label": 2,
    }
    assert len(xnli.read_tsv(XNLI_DEV)) == 9


def test_read_tsv_missing_language():
    assert_data_error(
        lambda: xnli.read_tsv(XNLI_DEV, ["en", "fr", "sw"]),
        XNLI_DEV,
        0,
        "requested language(s) fr, sw missing (has: de, en, zh)",
    )


def test_check():
    assert xnli.check(XNLI_DEV) == {
        "kind": "xnli",
        "pairs": 9,
        "languages": {"en": 3, "de": 3, "zh": 3},
        "labels": {"entailment": 6, "neutral": 0, "contradiction": 3},
    }


@pytest.mark.parametrize(
    "row, message",
    [
        (
            ["en", "contradicts", "", "p", "h", "1"],
            "unknown gold_label 'contradicts' (allowed: entailment, neutral, contradiction)",
        ),
        (["en", "-", "", "p", "h", "1"], "unknown gold_label '-' (allowed: entailment, neutral, contradiction)"),
        (["en", "neutral", "", "  ", "h", "1"], "empty sentence in column 'sentence1'"),
        (["en", "neutral", "", "p", "", "1"], "empty sentence in column 'sentence2'"),
        (["", "neutral", "", "p", "h", "1"], "empty language"),
        (["en", "neutral", "", "p", "h"], "expected 6 tab-separated fields (as in the header), got 5"),
        (["xx", "neutral", "", "p", "h", "1"],
         "unknown language 'xx' (XNLI has: en ar bg de el es fr hi ru sw th tr ur vi zh)"),
        (["EN", "neutral", "", "p", "h", "1"],
         "unknown language 'EN' (XNLI has: en ar bg de el es fr hi ru sw th tr ur vi zh)"),
        (["en", "neutral", "", "p", "h", " "], "empty pairID"),
        (["en", "neutral", "", "p", "h", "0"], "pairID '0' repeats in language en (first at line 2)"),
    ],
)  # fmt: skip
def test_errors_name_the_line(tmp_path, row, message):
    path = write_tsv(tmp_path / "xnli.dev.tsv", HEADER, [["en", "neutral", "", "ok", "ok", "0"], row])
    assert_data_error(lambda: xnli.check(path), path, 3, message)


def test_gold_label_must_agree_across_languages(tmp_path):
    rows = [["en", "neutral", "", "p", "h", "4"], ["en", "entailment", "", "p", "h", "5"],
            ["de", "entailment", "", "q", "g", "5"], ["de", "contradiction", "", "q", "g", "4"]]  # fmt: skip
    path = write_tsv(tmp_path / "xnli.dev.tsv", HEADER, rows)
    assert_data_error(
        lambda: xnli.check(path), path, 5, "gold_label contradiction of pairID '4' differs from neutral at line 2"
    )


@pytest.mark.parametrize(
    "rows, message",
    [
        # de lacks 5: found when the file ends (no line has the missing row)
        ([["en", "neutral", "", "p", "h", "4"], ["en", "entailment", "", "p", "h", "5"],
          ["de", "neutral", "", "q", "g", "4"]], "pairID '5' (line 3) missing in language de"),
        # de brings a pair en lacks: reported for en, the first language read
        ([["en", "neutral", "", "p", "h", "4"], ["de", "neutral", "", "q", "g", "4"],
          ["de", "neutral", "", "q", "g", "6"]], "pairID '6' (line 4) missing in language en"),
    ],
)  # fmt: skip
def test_every_language_must_have_every_pair(tmp_path, rows, message):
    path = write_tsv(tmp_path / "xnli.dev.tsv", HEADER, rows)
    assert_data_error(lambda: xnli.parse_tsv(path), path, 0, message)


def test_unknown_language_row_fails_data_check_in_one_line(tmp_path, capsys):
    # this row used to pass `data check`, and `prepare` dropped it silently
    rows = [["en", "neutral", "", "p", "h", "1"], ["xx", "neutral", "", "q", "g", "1"]]
    path = write_tsv(tmp_path / "xnli.dev.tsv", HEADER, rows)
    assert main(["data", "check", "xnli", str(path)]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"{path}:3: unknown language 'xx' (XNLI has: {' '.join(xnli.LANGUAGES)})\n")


def test_missing_column_and_file(tmp_path):
    path = write_tsv(tmp_path / "xnli.dev.tsv", ["language", "gold_label", "sentence1"], [["en", "neutral", "p"]])
    assert_data_error(
        lambda: xnli.parse_tsv(path),
        path,
        1,
        "missing column 'sentence2' in the header (has: language, gold_label, sentence1)",
    )
    path = write_tsv(tmp_path / "xnli.dev.tsv", HEADER[:-1], [["en", "neutral", "", "p", "h"]])
    assert_data_error(
        lambda: xnli.parse_tsv(path),
        path,
        1,
        "missing column 'pairID' in the header"
        " (has: language, gold_label, sentence1_binary_parse, sentence1, sentence2)",
    )
    assert_data_error(lambda: xnli.check(tmp_path / "none.tsv"), tmp_path / "none.tsv", 0, "file not found")


@pytest.fixture
def snapshot(tmp_path):
    """A facebook/xnli snapshot as the hub lays it out, for en and de (validation split in two shards for en)."""
    root = tmp_path / "facebook" / "xnli"
    write_hub_parquet(
        root / "en" / "validation-00000-of-00002.parquet",
        {"premise": ["P0", "P1"], "hypothesis": ["H0", "H1"], "label": [2, 0]},
    )
    write_hub_parquet(
        root / "en" / "validation-00001-of-00002.parquet", {"premise": ["P2"], "hypothesis": ["H2"], "label": [1]}
    )
    write_hub_parquet(
        root / "en" / "test-00000-of-00001.parquet", {"premise": ["T"], "hypothesis": ["U"], "label": [0]}
    )
    write_hub_parquet(
        root / "de" / "validation-00000-of-00001.parquet",
        {"premise": ["Q0", "Q1", "Q2"], "hypothesis": ["G0", "G1", "G2"], "label": [2, 0, 1]},
    )
    return root


def test_fixture_writer_stores_the_features_as_the_hub_files_do(snapshot):
    metadata = pq.read_schema(snapshot / "de" / "validation-00000-of-00001.parquet").metadata
    assert json.loads(metadata[b"huggingface"]) == {
        "info": {
            "features": {
                "premise": {"dtype": "string", "_type": "Value"},
                "hypothesis": {"dtype": "string", "_type": "Value"},
                "label": {"names": ["entailment", "neutral", "contradiction"], "_type": "ClassLabel"},
            }
        }
    }


def test_read_hub(snapshot):
    dataset = xnli.read_hub(snapshot, "validation", ["de", "en"])
    assert dataset.column_names == ["pair_id", "language", "premise", "hypothesis", "label"]
    assert dataset.features == xnli.read_tsv(XNLI_DEV).features
    assert dataset.to_list() == [
        {"pair_id": 0, "language": "de", "premise": "Q0", "hypothesis": "G0", "label": 2},
        {"pair_id": 1, "language": "de", "premise": "Q1", "hypothesis": "G1", "label": 0},
        {"pair_id": 2, "language": "de", "premise": "Q2", "hypothesis": "G2", "label": 1},
        {"pair_id": 0, "language": "en", "premise": "P0", "hypothesis": "H0", "label": 2},
        {"pair_id": 1, "language": "en", "premise": "P1", "hypothesis": "H1", "label": 0},
        {"pair_id": 2, "language": "en", "premise": "P2", "hypothesis": "H2", "label": 1},
    ]
    assert xnli.read_hub(snapshot, "test", ["en"]).to_list() == [
        {"pair_id": 0, "language": "en", "premise": "T", "hypothesis": "U", "label": 0}
    ]


def test_read_hub_missing_language_file(snapshot):
    assert_data_error(
        lambda: xnli.read_hub(snapshot, "test", ["en", "de"]),
        snapshot / "de" / "test-00000-of-00001.parquet",
        0,
        "file not found (expected the hub layout facebook/xnli: <lang>/test-*.parquet)",
    )


def test_read_hub_bad_label_and_missing_column(snapshot):
    write_hub_parquet(
        snapshot / "fr" / "test-00000-of-00001.parquet",
        {"premise": ["a", "b"], "hypothesis": ["c", "d"], "label": [0, -1]},
    )
    assert_data_error(
        lambda: xnli.read_hub(snapshot, "test", ["fr"]),
        snapshot / "fr" / "test-*.parquet",
        0,
        "row 1: label -1 is not 0, 1 or 2",
    )
    shard = write_parquet(snapshot / "sw" / "test-00000-of-00001.parquet", {"premise": ["a"], "label": [0]})
    assert_data_error(
        lambda: xnli.read_hub(snapshot, "test", ["sw"]), shard, 0, "missing column 'hypothesis' (has: premise, label)"
    )


NO_METADATA = (
    "no Hugging Face features in the parquet metadata: cannot check that the label ids mean "
    "entailment, neutral, contradiction"
)


@pytest.mark.parametrize(
    "names, message",
    [
        (("neutral", "entailment", "contradiction"),
         "label names neutral, entailment, contradiction in the Hugging Face features differ from "
         "entailment, neutral, contradiction"),
        (("entailment", "not_entailment", "contradiction"),
         "label names entailment, not_entailment, contradiction in the Hugging Face features differ from "
         "entailment, neutral, contradiction"),
        (("entailment", "neutral"),
         "label names entailment, neutral in the Hugging Face features differ from entailment, neutral, contradiction"),
        (None, NO_METADATA),
    ],
)  # fmt: skip
def test_read_hub_checks_the_label_names_of_every_shard(snapshot, names, message):
    # the second shard of en is the bad one: every shard is checked, not only the first
    shard = snapshot / "en" / "validation-00001-of-00002.parquet"
    columns = {"premise": ["P2"], "hypothesis": ["H2"], "label": [1]}
    if names is None:
        write_parquet(shard, columns)  # pyarrow alone: no features metadata
    else:
        write_hub_parquet(shard, columns, names)
    assert_data_error(lambda: xnli.read_hub(snapshot, "validation", ["en"]), shard, 0, message)


def test_read_hub_label_not_a_class_label(snapshot):
    import datasets

    shard = snapshot / "en" / "test-00000-of-00001.parquet"
    features = datasets.Features({name: datasets.Value("string") for name in ("premise", "hypothesis")})
    features["label"] = datasets.Value("int64")
    data = {"premise": ["T"], "hypothesis": ["U"], "label": [0]}
    datasets.Dataset.from_dict(data, features=features).to_parquet(shard)
    assert_data_error(
        lambda: xnli.read_hub(snapshot, "test", ["en"]),
        shard,
        0,
        "the Hugging Face features in the parquet metadata declare no ClassLabel 'label'",
    )


def test_read_hub_languages_must_have_equal_lengths(snapshot):
    write_hub_parquet(
        snapshot / "fr" / "validation-00000-of-00001.parquet",
        {"premise": ["a", "b"], "hypothesis": ["c", "d"], "label": [2, 0]},
    )
    assert_data_error(
        lambda: xnli.read_hub(snapshot, "validation", ["en", "de", "fr"]),
        snapshot / "fr" / "validation-*.parquet",
        0,
        "fr validation has 2 pairs, en has 3 (languages must be parallel)",
    )


def test_read_hub_languages_must_have_equal_labels_row_by_row(snapshot):
    write_hub_parquet(
        snapshot / "fr" / "validation-00000-of-00001.parquet",
        {"premise": ["a", "b", "e"], "hypothesis": ["c", "d", "f"], "label": [2, 0, 0]},
    )
    assert_data_error(
        lambda: xnli.read_hub(snapshot, "validation", ["de", "fr", "en"]),
        snapshot / "fr" / "validation-*.parquet",
        0,
        "fr validation row 2: label entailment, de has neutral (languages must be parallel)",
    )


def test_read_hub_not_parquet(snapshot):
    shard = snapshot / "ar" / "test-00000-of-00001.parquet"
    shard.parent.mkdir()
    shard.write_text("not parquet")
    with pytest.raises(DataError) as info:
        xnli.read_hub(snapshot, "test", ["ar"])
    assert str(info.value).startswith(f"{shard}:0: cannot read as parquet (")
