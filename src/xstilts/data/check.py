"""``xstilts data check KIND PATH``: validate one file in its canonical distribution format.

The result is one JSON-ready dict of counts, e.g. ``{"kind": "sts-b", "pairs": 8, "scored": 8}``; a
malformed file raises :class:`xstilts.errors.DataError` (``PATH:LINE: what is wrong``). Only the standard
library is imported here and by the check functions, so the command starts without loading
``datasets``, ``pyarrow`` or ``torch``.
"""

from __future__ import annotations

from xstilts.data import conllu, mnli, stsb, xnli
from xstilts.errors import ConfigError

KINDS = {
    "xnli": xnli.check,  # XNLI 1.0 TSV
    "mnli": mnli.check,  # GLUE MNLI TSV or MultiNLI 1.0 TXT
    "sts-b": stsb.check,  # GLUE STS-B TSV (train/dev with scores, test without)
    "ud": conllu.check,  # CoNLL-U
}


def check(kind: str, path) -> dict:
    """Counts of the ``kind`` file at ``path``."""
    if kind not in KINDS:
        raise ConfigError(f"data check: unknown kind {kind!r} (allowed: {', '.join(KINDS)})")
    return KINDS[kind](path)
