"""Language-neutral meaning frames of the synthetic data, and their rendering into the 15 languages.

A text is a tuple of sentences; a sentence is a tuple of coordinated clauses; a clause is an
:class:`Event` ("Anna reads a red book with David in the park at 5 o'clock because it is raining") or a
:class:`Compare` ("Anna is older than David"). The same frame rendered with two languages' lexicons
gives a translation, which is how the XNLI files are parallel. Rendering returns the surface string and
its word tokens (the ``*_tokenized`` columns of XNLI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xstilts.data.smoke.lexicon import LANGS, NOUNS, PERSONS, Lang

# Punctuation that attaches to the preceding word.
_PUNCT = frozenset({".", ",", "،", "۔", "।", "，", "。"})
_SENTENCE_SEPARATOR = {"zh": ""}  # Chinese puts no space between sentences
_GLUE = "+"  # a token ending in "+" attaches to the following word (Arabic و)
_NAME_SLOT = re.compile(r"\{([AB])(?:\.(\w+))?\}")
_FRENCH_ELIDING = {"de": "d'", "ne": "n'", "que": "qu'", "la": "l'", "le": "l'", "du": "de l'"}
_FRENCH_VOWELS = frozenset("aeiouyéèêëàâîïôœAEIOUÉÈÊÀÂÎÔŒ")


@dataclass(frozen=True)
class Event:
    """Someone does something to an (indefinite) object, with optional modifiers."""

    agent: str
    verb: str
    obj: str
    adj: str | None = None
    place: str | None = None
    hour: int | None = None
    companion: str | None = None
    reason: str | None = None
    negated: bool = False
    fronted: bool = False  # English only: "In the park, Anna reads a book." (STS-B paraphrases)


@dataclass(frozen=True)
class Compare:
    """``a`` is older (``older=True``) or younger than ``b``."""

    a: str
    b: str
    older: bool = True


Clause = Event | Compare
Text = tuple[tuple[Clause, ...], ...]


@dataclass(frozen=True)
class Rendered:
    text: str
    tokens: tuple[str, ...]


def render(lang: str | Lang, text: Text) -> Rendered:
    """The surface form of ``text`` in ``lang`` (a code or a :class:`Lang`)."""
    lex = LANGS[lang] if isinstance(lang, str) else lang
    sentences = [_sentence(lex, sentence) for sentence in text]
    tokens = tuple(t.rstrip(_GLUE) or t for chunks in sentences for chunk in chunks for t in chunk)
    if lex.spaced:
        surface = " ".join(_join_spaced([t for chunk in chunks for t in chunk]) for chunks in sentences)
    else:
        separator = _SENTENCE_SEPARATOR.get(lex.code, " ")
        surface = separator.join(_join_unspaced(lex, chunks) for chunks in sentences)
    return Rendered(surface, tokens)


# -- sentences and clauses -------------------------------------------------------------------------


def _sentence(lex: Lang, clauses: tuple[Clause, ...]) -> list[list[str]]:
    """Chunks (clauses, reason clauses) of one sentence; Thai separates chunks by a space."""
    chunks: list[list[str]] = []
    for index, clause in enumerate(clauses):
        parts = _clause(lex, clause)
        if index:
            coordinator = lex.and_.split()
            # a comma closes a preceding reason clause, so the next clause is not read as part of it
            if _has_trailing_reason(clauses[index - 1], lex) and lex.comma and coordinator[0] not in _PUNCT:
                coordinator = [lex.comma] + coordinator
            parts[0] = coordinator + parts[0]
        chunks.extend(parts)
    if lex.code == "fr":
        chunks = [_elide_french(chunk) for chunk in chunks]
    elif lex.code == "en":
        chunks = [_english_articles(chunk) for chunk in chunks]
    if lex.cased and chunks and chunks[0]:
        first = chunks[0][0]
        chunks[0][0] = first[:1].upper() + first[1:]
    if lex.stop:
        chunks[-1] = chunks[-1] + [lex.stop]
    return chunks


def _has_trailing_reason(clause: Clause, lex: Lang) -> bool:
    return isinstance(clause, Event) and bool(clause.reason) and not lex.order.startswith("R")


def _clause(lex: Lang, clause: Clause) -> list[list[str]]:
    if isinstance(clause, Compare):
        pattern = lex.older if clause.older else lex.younger
        return [_fill(lex, _by_gender(pattern, clause.a), clause.a, clause.b)]
    event = clause
    slots = {
        "A": _name(lex, event.agent, "nom").split(),
        "V": _verb(lex, event).split(),
        "O": _noun_phrase(lex, event.obj, event.adj, event.negated),
        "C": _fill(lex, lex.companion, None, event.companion) if event.companion else [],
        "P": lex.places[event.place].split() if event.place else [],
        "T": lex.time(event.hour).split() if event.hour is not None else [],
    }
    order = lex.order.replace("R", "")
    if event.fronted and event.place:  # English STS-B paraphrase: place first, then a comma
        order = "P" + order.replace("P", "")
        slots["P"] = slots["P"] + [","]
    main = [token for slot in order for token in slots[slot]]
    if not event.reason:
        return [main]
    reason = lex.reasons[event.reason].split()
    if lex.order.startswith("R"):  # Turkish: "Yağmur yağdığı için Anna ..."
        return [reason + main]
    return [main, ([lex.reason_comma] if lex.reason_comma else []) + reason]


def _noun_phrase(lex: Lang, noun: str, adj: str | None, negated: bool) -> list[str]:
    form, tag = lex.nouns[noun]
    article = lex.article(tag, NOUNS[noun][0], negated)
    adjective = _pick(lex.adjectives[adj], tag) if adj else ""
    if lex.article_after_adj:
        parts = [adjective, article, form]
    elif lex.adj_after and adj not in lex.pre_adjectives:
        parts = [article, form, adjective]
    else:
        parts = [article, adjective, form]
    return [token for part in parts if part for token in part.split()]


def _verb(lex: Lang, event: Event) -> str:
    entry = lex.verbs[event.verb]
    if lex.verb_rule is not None:
        return lex.verb_rule(entry, PERSONS[event.agent], event.negated)
    return entry[1] if event.negated else entry[0]


def _name(lex: Lang, person: str, case: str) -> str:
    forms = lex.names[person]
    return forms if isinstance(forms, str) else forms[case]


def _fill(lex: Lang, pattern: str, a: str | None, b: str | None) -> list[str]:
    """Tokens of ``pattern`` with ``{A}``/``{B}`` (``{B.case}``) replaced by the names' forms."""
    people = {"A": a, "B": b}
    tokens = []
    for word in pattern.split():
        tokens.extend(_NAME_SLOT.sub(lambda m: _name(lex, people[m[1]], m[2] or "nom"), word).split())
    return tokens


def _by_gender(pattern, person: str) -> str:
    return pattern if isinstance(pattern, str) else pattern[PERSONS[person]]


def _pick(forms, tag) -> str:
    return forms if isinstance(forms, str) else forms[tag]


# -- orthography -----------------------------------------------------------------------------------


def _english_articles(tokens: list[str]) -> list[str]:
    return ["an" if t == "a" and i + 1 < len(tokens) and tokens[i + 1][:1] in "aeiou" else t
            for i, t in enumerate(tokens)]  # fmt: skip


def _elide_french(tokens: list[str]) -> list[str]:
    """de eau -> d'eau, de la eau -> de l'eau, que Anna -> qu'Anna (elision before a vowel)."""
    out: list[str] = []
    for token in tokens:
        if out and out[-1] in _FRENCH_ELIDING and token[:1] in _FRENCH_VOWELS:
            previous = _FRENCH_ELIDING[out.pop()]
            if " " in previous:  # du -> de l'
                first, previous = previous.split(" ")
                out.append(first)
            token = previous + token
        out.append(token)
    return out


def _join_spaced(tokens: list[str]) -> str:
    text = ""
    for token in tokens:
        if not text:
            text = token
        elif token in _PUNCT or text.endswith(_GLUE):
            text = text.removesuffix(_GLUE) + token
        else:
            text += " " + token
    return text.removesuffix(_GLUE)


def _join_unspaced(lex: Lang, chunks: list[list[str]]) -> str:
    """Chinese: no spaces at all. Thai: none inside a clause, a space between clauses and around digits."""
    if lex.code != "th":
        return "".join(token for chunk in chunks for token in chunk)
    pieces = []
    for chunk in chunks:
        words = "".join(f" {t} " if t.isdigit() else t for t in chunk)
        pieces.append(" ".join(words.split()))
    return " ".join(pieces)
