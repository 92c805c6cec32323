"""STS-B: the semantic intermediate task (sentence-similarity regression, scores 0-5).

Formats read:

- GLUE STS-B TSV: a header row and unquoted tab-separated fields (text may contain ``"``). Train and
  dev have 10 columns ``index, genre, filename, year, old_index, source1, source2, sentence1,
  sentence2, score``; the GLUE test file has 9 (no ``score``: its scores are hidden). ``sentence1``,
  ``sentence2`` and, when present, ``score`` are read by name.
- The hub layout of ``nyu-mll/glue``: ``<snapshot>/stsb/<split>-*.parquet`` (split ``train``,
  ``validation`` or ``test``) with columns ``sentence1, sentence2, label`` (float32; -1 = unscored, the
  test split) and ``idx``.

Rows are ``sentence1, sentence2, score`` with ``score`` a float in [0, 5] or None when unscored.
"""

from __future__ import annotations

import math
from pathlib import Path

from xstilts.data.tsv import nonempty, read_rows
from xstilts.errors import DataError

MAX_SCORE = 5.0
_UNSCORED_HUB = -1.0


def parse_tsv(path) -> list[dict]:
    """Rows ``{sentence1, sentence2, score}`` of a GLUE STS-B TSV file (score None in the test file)."""
    rows = []
    for line, row in read_rows(path, ("sentence1", "sentence2"), optional=("score",)):
        rows.append(
            {
                "sentence1": nonempty(path, line, row, "sentence1"),
                "sentence2": nonempty(path, line, row, "sentence2"),
                "score": _score(path, line, row["score"]) if "score" in row else None,
            }
        )
    return rows


def read_tsv(path):
    """``datasets.Dataset`` (sentence1, sentence2, score) of :func:`parse_tsv`."""
    return _dataset(parse_tsv(path))


def read_hub(snapshot_dir, split: str):
    """``datasets.Dataset`` of the ``stsb`` config of an ``nyu-mll/glue`` snapshot (train/validation/test)."""
    from xstilts.data.hub import read_split

    directory = Path(snapshot_dir) / "stsb"
    columns = read_split(directory, split, ("sentence1", "sentence2", "label"), f"nyu-mll/glue: stsb/{split}-*.parquet")
    rows = []
    for index, (first, second, label) in enumerate(
        zip(columns["sentence1"], columns["sentence2"], columns["label"], strict=True)
    ):
        if label == _UNSCORED_HUB:
            label = None
        elif label is None or not 0.0 <= label <= MAX_SCORE:
            raise DataError(
                directory / f"{split}-*.parquet", 0, f"row {index}: label {label!r} outside [0, {MAX_SCORE:g}]"
            )
        rows.append({"sentence1": first, "sentence2": second, "score": label})
    return _dataset(rows)


def check(path) -> dict:
    """Counts of a valid STS-B TSV file (``xstilts data check sts-b PATH``)."""
    rows = parse_tsv(path)
    return {"kind": "sts-b", "pairs": len(rows), "scored": sum(row["score"] is not None for row in rows)}


def _score(path, line: int, text: str) -> float:
    try:
        score = float(text)
    except ValueError:
        score = math.nan
    if math.isnan(score):
        raise DataError(path, line, f"score {text!r} is not a number")
    if not 0.0 <= score <= MAX_SCORE:
        raise DataError(path, line, f"score {text.strip()} outside [0, {MAX_SCORE:g}]")
    return score


def _dataset(rows: list[dict]):
    import datasets

    from xstilts.data.hub import to_dataset

    features = datasets.Features(
        {
            "sentence1": datasets.Value("string"),
            "sentence2": datasets.Value("string"),
            "score": datasets.Value("float64"),
        }
    )
    return to_dataset(rows, features)
