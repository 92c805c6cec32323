"""Helpers for the loader tests: write small files in the raw formats, assert on DataError."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import FIXTURES
from xstilts.data import NLI_LABELS
from xstilts.errors import DataError

XNLI_DEV = FIXTURES / "xnli" / "xnli.dev.tsv"
MNLI_TRAIN = FIXTURES / "mnli" / "train.tsv"
MNLI_DEV = FIXTURES / "mnli" / "dev_matched.tsv"  # Windows line ends
MULTINLI_DEV = FIXTURES / "mnli" / "multinli_1.0_dev_matched.txt"  # has "-" gold labels
STSB_TRAIN = FIXTURES / "sts-b" / "train.tsv"
STSB_TEST = FIXTURES / "sts-b" / "test.tsv"  # 9 columns, no final newline
UD_MINI = FIXTURES / "ud" / "mini.conllu"
UD_NO_FINAL_NEWLINE = FIXTURES / "ud" / "no_final_newline.conllu"

# Byte-exact excerpts of the real files (tests/fixtures/real/README.md says what was cut from where).
REAL = FIXTURES / "real"
REAL_UD_DEV = REAL / "en_ewt-ud-dev-excerpt.conllu"
REAL_UD_TRAIN = REAL / "en_ewt-ud-train-excerpt.conllu"
REAL_STSB_DEV = REAL / "sts-b-dev-excerpt.tsv"
REAL_STSB_TRAIN = REAL / "sts-b-train-excerpt.tsv"


def write_tsv(path: Path, header: list[str], rows: list[list[str]], end: str = "\n") -> Path:
    path.write_text(end.join("\t".join(fields) for fields in [header, *rows]) + end, encoding="utf-8", newline="")
    return path


def write_parquet(path: Path, columns: dict[str, list], types: dict | None = None) -> Path:
    """One hub-style parquet shard; ``types`` maps a column to its pyarrow type (e.g. float32 labels)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    types = types or {}
    table = pa.table({name: pa.array(values, type=types.get(name)) for name, values in columns.items()})
    pq.write_table(table, path)
    return path


def write_hub_parquet(path: Path, columns: dict[str, list], label_names=NLI_LABELS) -> Path:
    """One parquet shard written by ``datasets`` as the hub's are: string columns and a ClassLabel ``label``,
    with the features (label names included) in the schema metadata."""
    import datasets

    path.parent.mkdir(parents=True, exist_ok=True)
    features = {name: datasets.Value("int64" if name == "idx" else "string") for name in columns}
    features["label"] = datasets.ClassLabel(names=list(label_names))
    datasets.Dataset.from_dict(columns, features=datasets.Features(features)).to_parquet(path)
    return path


def assert_data_error(call, path, line: int, message: str) -> None:
    """``call()`` raises DataError exactly ``PATH:LINE: message``."""
    with pytest.raises(DataError) as info:
        call()
    assert (info.value.path, info.value.line, info.value.message) == (str(path), line, message)
    assert str(info.value) == f"{path}:{line}: {message}"
