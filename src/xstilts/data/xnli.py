"""XNLI 1.0: the evaluation data of the target task (zero-shot, 15 languages).

Formats read:

- XNLI 1.0 TSV (``xnli.dev.tsv`` / ``xnli.test.tsv`` of ``XNLI-1.0.zip``): a header row, unquoted
  tab-separated fields; the columns ``language`` (one of :data:`LANGUAGES`), ``gold_label``
  (entailment/neutral/contradiction), ``sentence1`` (premise), ``sentence2`` (hypothesis) and ``pairID``
  (a string such as ``100e``) are read by name, the others (``promptID``, the parse columns, ...) are
  ignored.
- The hub layout of ``facebook/xnli`` (revision b8dd5d7af51114dbda02c0e3f6133f332186418e):
  ``<snapshot>/<lang>/<split>-00000-of-00001.parquet`` with columns ``premise``, ``hypothesis`` and
  ``label`` (int64, a ClassLabel whose names in the file's features metadata must be those of
  :data:`xstilts.data.NLI_LABELS`, in order).

Both give rows ``pair_id, language, premise, hypothesis, label``. XNLI is parallel across languages:
each English pair is translated into every language with the same gold label, and ``pair_id`` (int64)
names the pair in every language, so the report can resample pair ids once for all languages and keep
the bootstrap paired. In the TSV, pairs are matched by ``pairID``, never by position: ``pair_id`` numbers
the distinct pairIDs in order of first appearance, and every language must hold each pairID exactly once
with the same gold label. The hub files carry no pair key: there the k-th row of every language is the
same pair (``pair_id`` = k), which is checked as far as it can be (equal lengths, equal labels per row).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from xstilts.data import NLI_LABELS, label_counts, nli_label
from xstilts.data.tsv import nonempty, read_rows
from xstilts.errors import DataError

# The 15 languages of XNLI 1.0 (and of facebook/xnli), English first.
LANGUAGES = ("en", "ar", "bg", "de", "el", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh")
_KNOWN = frozenset(LANGUAGES)
_COLUMNS = ("language", "gold_label", "sentence1", "sentence2", "pairID")


def parse_tsv(path) -> list[dict]:
    """Rows ``{pair_id, language, premise, hypothesis, label}`` of an XNLI 1.0 TSV file, in file order."""
    rows = []
    pairs: dict[str, tuple[int, int, int]] = {}  # pairID -> (pair_id, label, line) of its first row
    lines: dict[str, dict[str, int]] = {}  # language -> {pairID: line}
    for line, row in read_rows(path, _COLUMNS):
        language = _language(path, line, row["language"])
        premise = nonempty(path, line, row, "sentence1")
        hypothesis = nonempty(path, line, row, "sentence2")
        label = nli_label(path, line, row["gold_label"].strip())
        key = row["pairID"].strip()
        if not key:
            raise DataError(path, line, "empty pairID")
        seen = lines.setdefault(language, {})
        if key in seen:
            raise DataError(path, line, f"pairID {key!r} repeats in language {language} (first at line {seen[key]})")
        seen[key] = line
        pair_id, first_label, first_line = pairs.setdefault(key, (len(pairs), label, line))
        if label != first_label:
            message = f"gold_label {NLI_LABELS[label]} of pairID {key!r} differs from {NLI_LABELS[first_label]}"
            raise DataError(path, line, f"{message} at line {first_line}")
        rows.append(
            {"pair_id": pair_id, "language": language, "premise": premise, "hypothesis": hypothesis, "label": label}
        )
    _check_every_language_has_every_pair(path, pairs, lines)
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

    rows, first = [], None
    for lang in languages:
        directory = Path(snapshot_dir) / lang
        where = directory / f"{split}-*.parquet"
        layout = f"facebook/xnli: <lang>/{split}-*.parquet"
        columns = read_split(directory, split, ("premise", "hypothesis", "label"), layout, label_names=NLI_LABELS)
        pairs = nli_rows(columns, where, skip_unlabelled=False)
        labels = [row["label"] for row in pairs]
        if first is None:
            first = (lang, labels)
        else:
            _check_parallel(where, lang, split, labels, first)
        rows.extend({"pair_id": pair_id, "language": lang, **row} for pair_id, row in enumerate(pairs))
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


def _language(path, line: int, text: str) -> str:
    language = text.strip()
    if not language:
        raise DataError(path, line, "empty language")
    if language not in _KNOWN:
        raise DataError(path, line, f"unknown language {language!r} (XNLI has: {' '.join(LANGUAGES)})")
    return language


def _check_every_language_has_every_pair(path, pairs: dict[str, tuple], lines: dict[str, dict[str, int]]) -> None:
    # No pairID repeats within a language, so a language with as many pairIDs as the file has them all.
    for language, seen in lines.items():
        if len(seen) != len(pairs):
            key = next(key for key in pairs if key not in seen)
            raise DataError(path, 0, f"pairID {key!r} (line {pairs[key][2]}) missing in language {language}")


def _check_parallel(where, lang: str, split: str, labels: list[int], first: tuple[str, list[int]]) -> None:
    """The rows of ``lang`` (hub file ``where``) match those of the ``first`` language read: (name, labels)."""
    first_lang, first_labels = first
    if len(labels) != len(first_labels):
        message = f"{lang} {split} has {len(labels)} pairs, {first_lang} has {len(first_labels)}"
        raise DataError(where, 0, f"{message} (languages must be parallel)")
    for index, (label, expected) in enumerate(zip(labels, first_labels, strict=True)):
        if label != expected:
            message = f"{lang} {split} row {index}: label {NLI_LABELS[label]}, {first_lang} has {NLI_LABELS[expected]}"
            raise DataError(where, 0, f"{message} (languages must be parallel)")
