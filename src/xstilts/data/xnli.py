"""XNLI 1.0: the evaluation data of the target task (zero-shot, 15 languages).

Formats read:

- XNLI 1.0 TSV (``xnli.dev.tsv`` / ``xnli.test.tsv`` of ``XNLI-1.0.zip``): a header row, unquoted
  tab-separated fields; the columns ``language``, ``gold_label`` (entailment/neutral/contradiction),
  ``sentence1`` (premise) and ``sentence2`` (hypothesis) are read by name, the others (``pairID``,
  ``promptID``, the parse columns, ...) are ignored.
- The hub layout of ``facebook/xnli`` (revision b8dd5d7af51114dbda02c0e3f6133f332186418e):
  ``<snapshot>/<lang>/<split>-00000-of-00001.parquet`` with columns ``premise``, ``hypothesis`` and
  ``label`` (int64, 0/1/2 in the order of :data:`xstilts.data.NLI_LABELS`).

Both give rows ``pair_id, language, premise, hypothesis, label``. XNLI is parallel across languages: the
k-th pair of every language is a translation of the same English pair, so ``pair_id`` is the row's index
within its language (file order). The report resamples pair ids once for all languages, which keeps the
bootstrap paired across languages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from xstilts.data import label_counts, nli_label
from xstilts.data.tsv import nonempty, read_rows
from xstilts.errors import DataError

_COLUMNS = ("language", "gold_label", "sentence1", "sentence2")


def parse_tsv(path) -> list[dict]:
    """Rows ``{pair_id, language, premise, hypothesis, label}`` of an XNLI 1.0 TSV file, in file order."""
    rows = []
    per_language: Counter[str] = Counter()
    for line, row in read_rows(path, _COLUMNS):
        language = row["language"].strip()
        if not language:
            raise DataError(path, line, "empty language")
        rows.append(
            {
                "pair_id": per_language[language],
                "language": language,
                "premise": nonempty(path, line, row, "sentence1"),
                "hypothesis": nonempty(path, line, row, "sentence2"),
                "label": nli_label(path, line, row["gold_label"].strip()),
            }
        )
        per_language[language] += 1
    return rows


def read_tsv(path, languages: Sequence[str] | None = None):
    """``datasets.Dataset`` of :func:`parse_tsv`, restricted to ``languages`` (all must be present)."""
    rows = parse_tsv(path)
    if languages is not None:
        present = {row["language"] for row in rows}
        missing = [lang for lang in languages if lang not in present]
        if missing:
            raise DataError(
                path, 0, f"requested language(s) {', '.join(missing)} missing (has: {', '.join(sorted(present))})"
            )
        wanted = set(languages)
        rows = [row for row in rows if row["language"] in wanted]
    return _dataset(rows)


def read_hub(snapshot_dir, split: str, languages: Sequence[str]):
    """``datasets.Dataset`` of a ``facebook/xnli`` snapshot: ``split`` (validation/test) of each language."""
    from xstilts.data.hub import nli_rows, read_split

    rows = []
    for lang in languages:
        directory = Path(snapshot_dir) / lang
        columns = read_split(
            directory, split, ("premise", "hypothesis", "label"), f"facebook/xnli: <lang>/{split}-*.parquet"
        )
        for pair_id, row in enumerate(nli_rows(columns, directory / f"{split}-*.parquet", skip_unlabelled=False)):
            rows.append({"pair_id": pair_id, "language": lang, **row})
    return _dataset(rows)


def check(path) -> dict:
    """Counts of a valid XNLI TSV file (``xstilts data check xnli PATH``)."""
    rows = parse_tsv(path)
    return {
        "kind": "xnli",
        "pairs": len(rows),
        "languages": dict(Counter(row["language"] for row in rows)),
        "labels": label_counts(row["label"] for row in rows),
    }


def _dataset(rows: list[dict]):
    from xstilts.data.hub import nli_features, to_dataset

    return to_dataset(rows, nli_features(("pair_id", "int64"), ("language", "string")))
