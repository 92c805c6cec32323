"""MNLI: the English training data of the target task.

Formats read (both unquoted TSV with a header row; columns are read by name, the rest ignored):

- GLUE MNLI TSV (``train.tsv``, ``dev_matched.tsv``): ``index, promptID, pairID, genre``, four parse
  columns, ``sentence1``, ``sentence2``, ``label1`` [``label2``..``label5`` in dev], ``gold_label``;
- MultiNLI 1.0 TXT (``multinli_1.0_*.txt``): ``gold_label`` first, then the parse columns,
  ``sentence1``, ``sentence2``, ``promptID, pairID, genre, label1``..``label5``;
- the hub layout of ``nyu-mll/glue``: ``<snapshot>/mnli/<split>-*.parquet`` (split ``train`` or
  ``validation_matched``) with columns ``premise, hypothesis, label, idx``; the ``label`` ClassLabel
  names in the file's features metadata must be those of :data:`xstilts.data.NLI_LABELS`, in order.

Rows are ``premise`` (sentence1), ``hypothesis`` (sentence2), ``label`` (id in
:data:`xstilts.data.NLI_LABELS`). A ``gold_label`` of ``-`` (no annotator consensus, MultiNLI dev) and a
hub label of -1 (hidden test label) mark unlabelled pairs: they are skipped and counted. Unlike XNLI,
blank sentences are not rejected: training data is used as released, and a blank side only weakens one
training pair, whereas in evaluation data it would silently change a score.
"""

from __future__ import annotations

from pathlib import Path

from xstilts.data import NLI_LABELS, label_counts, nli_label
from xstilts.data.tsv import read_rows

_COLUMNS = ("gold_label", "sentence1", "sentence2")
_NO_CONSENSUS = "-"


def parse_tsv(path) -> list[dict]:
    """Labelled rows ``{premise, hypothesis, label}`` of a GLUE MNLI TSV or MultiNLI TXT file."""
    return _scan(path)[0]


def read_tsv(path):
    """``datasets.Dataset`` (premise, hypothesis, label) of :func:`parse_tsv`."""
    return _dataset(parse_tsv(path))


def read_hub(snapshot_dir, split: str):
    """``datasets.Dataset`` of the ``mnli`` config of an ``nyu-mll/glue`` snapshot (train/validation_matched)."""
    from xstilts.data.hub import nli_rows, read_split

    directory = Path(snapshot_dir) / "mnli"
    layout = f"nyu-mll/glue: mnli/{split}-*.parquet"
    columns = read_split(directory, split, ("premise", "hypothesis", "label"), layout, label_names=NLI_LABELS)
    return _dataset(nli_rows(columns, directory / f"{split}-*.parquet", skip_unlabelled=True))


def check(path) -> dict:
    """Counts of a valid MNLI file (``xstilts data check mnli PATH``); ``unlabelled`` only when > 0."""
    rows, unlabelled = _scan(path)
    counts = {"kind": "mnli", "pairs": len(rows), "labels": label_counts(row["label"] for row in rows)}
    if unlabelled:
        counts["unlabelled"] = unlabelled
    return counts


def _scan(path) -> tuple[list[dict], int]:
    rows, unlabelled = [], 0
    for line, row in read_rows(path, _COLUMNS):
        gold = row["gold_label"].strip()
        if gold == _NO_CONSENSUS:
            unlabelled += 1
            continue
        rows.append({"premise": row["sentence1"], "hypothesis": row["sentence2"], "label": nli_label(path, line, gold)})
    return rows, unlabelled


def _dataset(rows: list[dict]):
    from xstilts.data.hub import nli_features, to_dataset

    return to_dataset(rows, nli_features())
