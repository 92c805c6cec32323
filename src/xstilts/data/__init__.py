"""Dataset loaders: one module per distribution format, each returning ``datasets.Dataset``.

- :mod:`xstilts.data.xnli` — XNLI 1.0 TSV and the ``facebook/xnli`` hub parquet layout;
- :mod:`xstilts.data.mnli` — GLUE MNLI TSV, MultiNLI 1.0 TXT and the ``nyu-mll/glue`` ``mnli`` parquet;
- :mod:`xstilts.data.stsb` — GLUE STS-B TSV and the ``nyu-mll/glue`` ``stsb`` parquet;
- :mod:`xstilts.data.conllu` — CoNLL-U (UD English-EWT);
- :mod:`xstilts.data.check` — ``xstilts data check KIND PATH``.

The ``parse_*``/``check`` functions use only the standard library so that ``xstilts data check`` starts
fast; ``datasets``/``pyarrow`` are imported inside the ``read_*`` functions. Malformed input raises
:class:`xstilts.errors.DataError` (``PATH:LINE: what is wrong``).
"""

from __future__ import annotations

from xstilts.errors import DataError

# The one NLI label order of the whole package (MNLI training head, XNLI evaluation, reports). It is the
# order of the hub's facebook/xnli and nyu-mll/glue (mnli) ClassLabel, so hub label ids are used as they are.
NLI_LABELS = ("entailment", "neutral", "contradiction")
_NLI_IDS = {name: index for index, name in enumerate(NLI_LABELS)}


def nli_label(path, line: int, gold_label: str) -> int:
    """The id of a ``gold_label`` string of the TSV formats."""
    try:
        return _NLI_IDS[gold_label]
    except KeyError:
        raise DataError(path, line, f"unknown gold_label {gold_label!r} (allowed: {', '.join(NLI_LABELS)})") from None


def label_counts(labels) -> dict[str, int]:
    """``{label name: count}`` over label ids, every label present (0 when absent), in NLI_LABELS order."""
    counts = dict.fromkeys(NLI_LABELS, 0)
    for label in labels:
        counts[NLI_LABELS[label]] += 1
    return counts
