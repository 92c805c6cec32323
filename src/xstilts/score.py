"""``xstilts score ud GOLD SYSTEM``: attachment scores of a CoNLL-U parse against gold.

The numbers are those of the CoNLL 2018 shared task's official scorer (``conll18_ud_eval.py``) for gold
tokenization: every syntactic word counts, punctuation included, and LAS compares the universal part of
DEPREL only (``nmod:poss`` == ``nmod``); see :func:`xstilts.parsing.attachment_scores`. With the same
words in both files the official scorer's alignment is the identity and its UAS/LAS F1 is the fraction
of words with the right head (and label), which is what is computed here. The ``_nopunct`` variants
leave out the words whose gold UPOS is PUNCT.

Files whose sentences or syntactic words differ (system tokenization) are refused, naming the first
place they differ, instead of being aligned character by character as the official scorer does:
this command is for parsers that keep the gold tokens. Standard library + numpy only, so it starts fast.
"""

from __future__ import annotations

from xstilts.data import conllu
from xstilts.errors import DataError
from xstilts.parsing import attachment_scores


def score_ud(gold_path, system_path) -> dict:
    """``{uas, las, uas_nopunct, las_nopunct, words, words_nopunct}`` of SYSTEM against GOLD.

    Raises DataError (``PATH:LINE: message``) when either file is malformed or the two do not align.
    """
    gold = conllu.parse(gold_path, lines=True)
    system = conllu.parse(system_path, lines=True)
    check_aligned(gold_path, gold, system_path, system)
    return attachment_scores(
        [s["heads"] for s in gold],
        [s["deprels"] for s in gold],
        [s["heads"] for s in system],
        [s["deprels"] for s in system],
        [s["upos"] for s in gold],
    )


def check_aligned(gold_path, gold: list[dict], system_path, system: list[dict]) -> None:
    """Same sentences with the same syntactic word forms, else DataError at the system file's first difference.

    ``gold``/``system`` come from ``conllu.parse(..., lines=True)``.
    """
    # A dropped or added sentence usually shows first as a word difference; the counts tell the user why.
    counts = f"; gold has {len(gold)} sentences, this file {len(system)}" if len(gold) != len(system) else ""
    # strict=False: the counts may differ; the common prefix is compared first, the surplus is reported below
    for number, (g, s) in enumerate(zip(gold, system, strict=False), 1):
        where = f"sentence {number}" + (f" ({g['sent_id']})" if g["sent_id"] else "")
        # strict=False: as for sentences, a word-count difference is reported after the common prefix
        for i, (g_word, s_word) in enumerate(zip(g["words"], s["words"], strict=False)):
            if g_word != s_word:
                raise DataError(
                    system_path,
                    s["lines"][i],
                    f"{where}, word {i + 1} is {s_word!r}, gold has {g_word!r} at {gold_path}:{g['lines'][i]}{counts}",
                )
        n_gold, n_system = len(g["words"]), len(s["words"])
        if n_system > n_gold:
            raise DataError(
                system_path,
                s["lines"][n_gold],
                f"{where}: extra word {n_gold + 1} {s['words'][n_gold]!r}, gold has {n_gold} words{counts}",
            )
        if n_system < n_gold:  # point at the blank line where the missing word should have been
            raise DataError(
                system_path,
                s["last_line"] + 1,
                f"{where} ends after word {n_system}, gold has {n_gold} words and goes on with "
                f"{g['words'][n_system]!r} at {gold_path}:{g['lines'][n_system]}{counts}",
            )
    if len(system) > len(gold):
        extra = system[len(gold)]["first_line"]
        raise DataError(system_path, extra, f"extra sentence {len(gold) + 1}: gold has {len(gold)} sentences")
    if len(system) < len(gold):
        missing = len(system) + 1
        raise DataError(
            system_path,
            system[-1]["last_line"] + 1,
            f"sentence {missing} is missing: this file ends after {len(system)} sentences, gold has {len(gold)}"
            f" (sentence {missing} starts at {gold_path}:{gold[len(system)]['first_line']})",
        )
