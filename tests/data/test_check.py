"""`xstilts data check KIND PATH`: dispatch, exact JSON counts, one-line errors, a fast start."""

import json
import subprocess
import sys

import pytest

from tests.data.formats import MNLI_TRAIN, MULTINLI_DEV, STSB_TEST, UD_MINI, XNLI_DEV
from xstilts.data import check as data_check
from xstilts.data import conllu, mnli, stsb, xnli
from xstilts.errors import ConfigError, DataError


def test_kinds_map_to_the_loaders():
    assert {"xnli": xnli.check, "mnli": mnli.check, "sts-b": stsb.check, "ud": conllu.check} == data_check.KINDS


@pytest.mark.parametrize(
    "kind, path, expected",
    [
        ("xnli", XNLI_DEV, {"kind": "xnli", "pairs": 9, "languages": {"en": 3, "de": 3, "zh": 3},
                            "labels": {"entailment": 6, "neutral": 0, "contradiction": 3}}),
        ("mnli", MULTINLI_DEV, {"kind": "mnli", "pairs": 2,
                                "labels": {"entailment": 0, "neutral": 1, "contradiction": 1}, "unlabelled": 2}),
        ("sts-b", STSB_TEST, {"kind": "sts-b", "pairs": 2, "scored": 0}),
        ("ud", UD_MINI, {"kind": "ud", "sentences": 3, "words": 19, "multiword_tokens": 2, "empty_nodes": 1}),
    ],
)  # fmt: skip
def test_check_counts(kind, path, expected):
    result = data_check.check(kind, path)
    assert result == expected
    assert json.loads(json.dumps(result)) == expected
    assert list(result) == list(expected)  # key order is part of the printed JSON


def test_unknown_kind():
    with pytest.raises(ConfigError, match=r"data check: unknown kind 'snli' \(allowed: xnli, mnli, sts-b, ud\)"):
        data_check.check("snli", XNLI_DEV)


def test_wrong_kind_for_a_file_is_a_data_error():
    with pytest.raises(DataError, match=r":1: expected 10 tab-separated columns, got 19$"):
        data_check.check("ud", XNLI_DEV)
    with pytest.raises(DataError, match=r":1: missing column 'language' in the header \(has: index, "):
        data_check.check("xnli", MNLI_TRAIN)


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "xstilts", "data", "check", *map(str, args)], capture_output=True, text=True
    )


def test_cli_prints_one_json_object():
    done = _run("ud", UD_MINI)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "kind": "ud",
        "sentences": 3,
        "words": 19,
        "multiword_tokens": 2,
        "empty_nodes": 1,
    }


def test_cli_malformed_file_is_one_line_exit_1(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("index\tsentence1\tsentence2\tscore\n0\ta\tb\tsix\n", encoding="utf-8")
    done = _run("sts-b", path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"{path}:2: score 'six' is not a number\n"


def test_check_imports_no_heavy_library():
    code = (
        "import sys, xstilts.data.check as c; c.check('ud', sys.argv[1]); "
        "print(sorted(m for m in ('datasets', 'pyarrow', 'pandas', 'numpy', 'torch', 'yaml') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(UD_MINI)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
