"""CoNLL-U (https://universaldependencies.org/format.html): UD English-EWT for the syntactic tasks.

A sentence is a block of lines ended by a blank line (the blank line after the last sentence may be
missing). ``#`` lines are comments, of which ``# sent_id = ...`` and ``# text = ...`` are kept. Every
other line has 10 tab-separated columns ``ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC``; this
module reads ID, FORM, UPOS, HEAD and DEPREL. The ID tells three kinds of line apart:

- ``N``: a syntactic word; the words of a sentence are numbered 1..n in order;
- ``N-M``: a multiword token (the surface form of words N..M, e.g. ``don't`` = ``do`` + ``n't``),
  not a word itself;
- ``N.M``: an empty node of the enhanced graph, placed after word N.

Parsing and tagging train on the basic tree over syntactic words, so multiword tokens and empty nodes
are only counted. Each sentence must be a tree: HEAD is an integer in [0, n], exactly one word has
head 0 (the root) and there is no cycle. DEPREL keeps its subtype (``nmod:poss``); scorers that drop
subtypes do so themselves.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from xstilts.data.tsv import read_lines
from xstilts.errors import DataError

# The 17 universal part-of-speech tags of UD v2.
UPOS_TAGS = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)  # fmt: skip
_UPOS = frozenset(UPOS_TAGS)
_COLUMNS = 10
_FORM, _UPOS_COL, _HEAD, _DEPREL = 1, 3, 6, 7
_DEPS = 8

_WORD_ID = re.compile(r"[1-9][0-9]*")
_RANGE_ID = re.compile(r"([1-9][0-9]*)-([1-9][0-9]*)")
_EMPTY_ID = re.compile(r"(0|[1-9][0-9]*)\.([1-9][0-9]*)")
_INTEGER = re.compile(r"-?[0-9]+")  # ASCII only: int() would also accept "1_0" and other digit scripts
_KEPT_COMMENT = re.compile(r"#\s*(sent_id|text)\s*=\s?(.*)")


def parse(path, lines: bool = False) -> list[dict]:
    """Sentences ``{sent_id, text, words, upos, heads, deprels, multiword_tokens, empty_nodes}``.

    ``words``/``upos``/``heads``/``deprels`` run over syntactic words (heads: 0 = root, else a 1-based
    word index); ``sent_id``/``text`` are None when the comment is absent; the two counts are per sentence.
    With ``lines=True`` a sentence also has ``lines`` (the line number of each syntactic word) and
    ``first_line``/``last_line`` (of its block, comments included), for messages that point into the file.
    """
    sentences, block, seen = [], [], False
    for number, text in read_lines(path):
        if text.strip():
            block.append((number, text))
            seen = True
        elif block:
            sentences.append(_located(_sentence(path, block), block, lines))
            block = []
    if block:
        sentences.append(_located(_sentence(path, block), block, lines))
    if not seen:
        raise DataError(path, 1, "empty file")
    return sentences


def read_conllu(path):
    """``datasets.Dataset`` (sent_id, text, words, upos, heads, deprels) of :func:`parse`."""
    import datasets

    from xstilts.data.hub import to_dataset

    strings = datasets.List(datasets.Value("string"))
    features = datasets.Features(
        {
            "sent_id": datasets.Value("string"),
            "text": datasets.Value("string"),
            "words": strings,
            "upos": strings,
            "heads": datasets.List(datasets.Value("int32")),
            "deprels": strings,
        }
    )
    return to_dataset(parse(path), features)


def check(path) -> dict:
    """Counts of a valid CoNLL-U file (``xstilts data check ud PATH``); words are syntactic words."""
    sentences = parse(path)
    return {
        "kind": "ud",
        "sentences": len(sentences),
        "words": sum(len(s["words"]) for s in sentences),
        "multiword_tokens": sum(s["multiword_tokens"] for s in sentences),
        "empty_nodes": sum(s["empty_nodes"] for s in sentences),
    }


def write_predicted(gold_path, heads, deprels, out_path) -> Path:
    """Write the gold CoNLL-U file with predicted HEAD and DEPREL, for any scorer (the official one too).

    ``heads``/``deprels`` hold one sequence per sentence, one value per syntactic word, in file order.
    Comments, multiword-token lines and the other columns are copied unchanged, so that a scorer aligns
    the tokens exactly; DEPS becomes ``_`` and empty-node lines (``N.M``) are dropped, because both belong
    to the enhanced graph, which is not predicted. Raises ValueError when the predictions do not have the
    gold file's sentences and words. The file is written atomically.
    """
    sentences = parse(gold_path)
    if not len(heads) == len(deprels) == len(sentences):
        raise ValueError(
            f"write_predicted: {gold_path} has {len(sentences)} sentences, "
            f"got {len(heads)} head and {len(deprels)} deprel sequences"
        )
    for number, (sentence, sentence_heads, sentence_rels) in enumerate(zip(sentences, heads, deprels, strict=True), 1):
        if not len(sentence_heads) == len(sentence_rels) == len(sentence["words"]):
            raise ValueError(
                f"write_predicted: sentence {number} of {gold_path} has {len(sentence['words'])} words, "
                f"got {len(sentence_heads)} heads and {len(sentence_rels)} deprels"
            )
    out, k, w, inside = [], 0, 0, False  # k: sentence, w: word within it, inside: in a sentence block
    for _, text in read_lines(gold_path):
        if not text.strip():
            if inside:
                k, w, inside = k + 1, 0, False
            out.append(text)
            continue
        inside = True
        fields = text.split("\t")
        if text.startswith("#") or _RANGE_ID.fullmatch(fields[0]):
            out.append(text)
        elif _WORD_ID.fullmatch(fields[0]):
            fields[_HEAD], fields[_DEPREL], fields[_DEPS] = str(int(heads[k][w])), str(deprels[k][w]), "_"
            out.append("\t".join(fields))
            w += 1
    if inside:
        out.append("")  # every sentence ends with a blank line; the official scorer rejects a file without it
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        handle.write("\n".join(out) + "\n")
    os.replace(tmp, out_path)
    return out_path


def _located(sentence: dict, block: list[tuple[int, str]], lines: bool) -> dict:
    """``sentence`` (already validated), with the line numbers of its words and of its block if ``lines``."""
    if not lines:
        return sentence
    sentence["lines"] = [number for number, text in block if _WORD_ID.fullmatch(text.split("\t", 1)[0])]
    sentence["first_line"], sentence["last_line"] = block[0][0], block[-1][0]
    return sentence


def _sentence(path, block: list[tuple[int, str]]) -> dict:
    sentence = {"sent_id": None, "text": None, "words": [], "upos": [], "heads": [], "deprels": []}
    sentence |= {"multiword_tokens": 0, "empty_nodes": 0}
    word_lines: list[int] = []
    pending = None  # (line, start, end) of the last multiword token, until its words are checked
    for number, text in block:
        if text.startswith("#"):
            kept = _KEPT_COMMENT.fullmatch(text)
            if kept:
                sentence[kept[1]] = kept[2]
            continue
        fields = text.split("\t")
        if len(fields) != _COLUMNS:
            raise DataError(path, number, f"expected {_COLUMNS} tab-separated columns, got {len(fields)}")
        token_id, expected = fields[0], len(word_lines) + 1
        if _WORD_ID.fullmatch(token_id):
            if int(token_id) != expected:
                raise DataError(path, number, f"word id {token_id} out of order (expected {expected})")
            _add_word(path, number, fields, sentence)
            word_lines.append(number)
        elif ranged := _RANGE_ID.fullmatch(token_id):
            start, end = int(ranged[1]), int(ranged[2])
            overlaps = pending is not None and pending[2] >= expected
            if start != expected or end <= start or overlaps:
                raise DataError(
                    path,
                    number,
                    f"multiword token {token_id} does not match the following words (next word: {expected})",
                )
            pending = (number, start, end)
            sentence["multiword_tokens"] += 1
        elif empty := _EMPTY_ID.fullmatch(token_id):
            if int(empty[1]) != expected - 1:
                raise DataError(path, number, f"empty node {token_id} out of order (it follows word {expected - 1})")
            sentence["empty_nodes"] += 1
        else:
            raise DataError(path, number, f"malformed id {token_id!r} (expected N, N-M or N.M)")
    if not word_lines:
        raise DataError(path, block[0][0], "empty sentence (no words)")
    if pending is not None and pending[2] > len(word_lines):
        line, start, end = pending
        raise DataError(
            path,
            line,
            f"multiword token {start}-{end} does not match the following words"
            f" (sentence ends at word {len(word_lines)})",
        )
    _check_tree(path, sentence["heads"], word_lines, block[0][0])
    return sentence


def _add_word(path, line: int, fields: list[str], sentence: dict) -> None:
    upos, head = fields[_UPOS_COL], fields[_HEAD]
    if upos not in _UPOS:
        raise DataError(path, line, f"unknown UPOS {upos!r} (allowed: the 17 UD v2 tags {' '.join(UPOS_TAGS)})")
    if not _INTEGER.fullmatch(head):
        raise DataError(path, line, f"head {head!r} is not an integer")
    sentence["words"].append(fields[_FORM])
    sentence["upos"].append(upos)
    sentence["heads"].append(int(head))
    sentence["deprels"].append(fields[_DEPREL])


def _check_tree(path, heads: list[int], lines: list[int], first_line: int) -> None:
    n = len(heads)
    for head, line in zip(heads, lines, strict=True):
        if not 0 <= head <= n:
            raise DataError(path, line, f"head {head} out of range [0, {n}]")
    roots = [index for index, head in enumerate(heads) if head == 0]
    if len(roots) != 1:
        line = lines[roots[1]] if roots else first_line
        raise DataError(path, line, f"expected exactly one root (head 0), found {len(roots)}")
    # With one root and every head in range, the heads form a tree exactly when every word reaches 0.
    state = [0] * (n + 1)  # 0 = not visited, 1 = on the current walk, 2 = known to reach the root
    state[0] = 2
    for start in range(1, n + 1):
        walk, node = [], start
        while state[node] == 0:
            state[node] = 1
            walk.append(node)
            node = heads[node - 1]
        if state[node] == 1:
            cycle = walk[walk.index(node) :]
            raise DataError(path, lines[node - 1], f"cycle {' -> '.join(map(str, cycle + [node]))} (not a tree)")
        for visited in walk:
            state[visited] = 2
