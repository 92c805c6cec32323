"""Synthetic English sentences annotated like UD English-EWT (CoNLL-U), for the smoke profile's parser.

Sentences are built word by word with their basic dependency tree (UD v2 UPOS, PTB XPOS, a few common
features, DEPREL labels of EWT r2.13 such as ``obl:tmod``). Shapes vary so a parser has something to
learn: declaratives in several tenses, modals, negation, progressive, ``want to``/``gonna``,
coordination of clauses and of objects, relative and adverbial clauses, yes/no and wh-questions,
copular sentences, possessives (``Anna`` + ``'s``), compounds, ``a cup of tea``, numerals, indirect objects
and gapping. As in EWT (multiword tokens since r2.7), contractions are multiword tokens: ``doesn't`` =
``does`` + ``n't``, ``cannot`` = ``can`` + ``not``, ``wanna`` = ``wan`` + ``na``, ``gonna`` = ``gon`` +
``na``; gapping ("Anna buys bread and David milk .") gets an empty node for the elided verb with its
enhanced dependencies in DEPS (column 9), the remnants being joined by ``orphan`` in the basic tree.
DEPS elsewhere repeats the basic head and relation. ``SpaceAfter=No`` marks tokens before punctuation
and before the clitic ``'s`` (on the multiword-token line when the token is one: UD puts MISC spacing on
tokens, not on the words inside them).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from xstilts.data.smoke.lexicon import NOUNS, PERSONS, VERBS

NAMES = {p: p.capitalize() for p in PERSONS}
PEOPLE_NOUNS = ("teacher", "student", "driver", "doctor", "neighbour", "friend")
# verb -> (3rd singular, past, -ing)
VERB_FORMS = {
    "read": ("reads", "read", "reading"), "write": ("writes", "wrote", "writing"),
    "eat": ("eats", "ate", "eating"), "drink": ("drinks", "drank", "drinking"),
    "buy": ("buys", "bought", "buying"), "sell": ("sells", "sold", "selling"),
    "carry": ("carries", "carried", "carrying"), "wash": ("washes", "washed", "washing"),
    "open": ("opens", "opened", "opening"), "repair": ("repairs", "repaired", "repairing"),
    "cook": ("cooks", "cooked", "cooking"), "clean": ("cleans", "cleaned", "cleaning"),
    "send": ("sends", "sent", "sending"), "draw": ("draws", "drew", "drawing"),
    "order": ("orders", "ordered", "ordering"),
}  # fmt: skip
PLURAL = {"box": "boxes"}  # the rest add -s
PLACES = (  # (preposition, determiner, compound, noun)
    ("in", "the", None, "park"), ("at", "the", None, "market"), ("in", "the", None, "kitchen"),
    ("at", "the", "train", "station"), ("at", "the", "bus", "station"), ("in", "the", None, "library"),
    ("at", None, None, "school"), ("in", "the", None, "garden"), ("on", "the", None, "beach"),
    ("in", "the", None, "office"), ("at", "the", None, "airport"), ("near", "the", None, "museum"),
    ("at", "the", None, "hotel"), ("in", "the", "coffee", "shop"), ("at", None, None, "home"),
)  # fmt: skip
REASONS = (("tired", "ADJ"), ("busy", "ADJ"), ("hungry", "ADJ"), ("late", "ADJ"), ("happy", "ADJ"))
INTRANSITIVE = {"arrive": ("arrives", "arrived"), "leave": ("leaves", "left"), "call": ("calls", "called")}
DAYS = ("Monday", "Tuesday", "Friday", "Sunday")

F_VBZ = "Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin"
F_VBP = "Mood=Ind|Tense=Pres|VerbForm=Fin"
F_VBD = "Mood=Ind|Tense=Past|VerbForm=Fin"
F_DEF, F_IND = "Definite=Def|PronType=Art", "Definite=Ind|PronType=Art"
F_AM = "Mood=Ind|Number=Sing|Person=1|Tense=Pres|VerbForm=Fin"
PRONOUNS = {  # form -> (agreement, FEATS)
    "I": ("1sg", "Case=Nom|Number=Sing|Person=1|PronType=Prs"),
    "we": ("pl", "Case=Nom|Number=Plur|Person=1|PronType=Prs"),
    "they": ("pl", "Case=Nom|Number=Plur|Person=3|PronType=Prs"),
    "she": ("3sg", "Case=Nom|Gender=Fem|Number=Sing|Person=3|PronType=Prs"),
    "he": ("3sg", "Case=Nom|Gender=Masc|Number=Sing|Person=3|PronType=Prs"),
}


@dataclass
class Word:
    form: str
    lemma: str
    upos: str
    xpos: str
    feats: str = "_"
    head: int = -1  # index of the head word in the sentence (-1: root)
    deprel: str = "root"
    space_after: bool = True


@dataclass
class EmptyNode:
    """An empty node of the enhanced graph (``5.1``), with the enhanced heads it gives other words."""

    after: int  # index of the word it follows
    word: Word
    deps: str  # its own enhanced dependency, e.g. "2:conj:and"
    copy_of: int  # index of the word it copies
    enhanced: dict[int, str]  # word index -> that word's DEPS


class Sentence:
    """Words in order with their heads; multiword tokens and one optional empty node."""

    def __init__(self) -> None:
        self.words: list[Word] = []
        self.mwts: dict[int, tuple[int, str]] = {}  # first word index -> (last word index, surface)
        self.empty: EmptyNode | None = None

    def add(self, form, lemma, upos, xpos, feats="_", head=-1, deprel="root") -> int:
        self.words.append(Word(form, lemma, upos, xpos, feats, head, deprel))
        return len(self.words) - 1

    def attach(self, dep: int, head: int, deprel: str) -> None:
        self.words[dep].head, self.words[dep].deprel = head, deprel

    def contraction(self, surface: str, *words: tuple) -> list[int]:
        """Add the words of one multiword token (e.g. ``doesn't`` = does + n't)."""
        indices = [self.add(*w) for w in words]
        self.mwts[indices[0]] = (indices[-1], surface)
        return indices

    def punct(self, form: str, head: int) -> int:
        return self.add(form, form, "PUNCT", "." if form in ".?!" else form, head=head, deprel="punct")

    def to_conllu(self, sent_id: str) -> str:
        self._spacing()
        lines = [f"# sent_id = {sent_id}", f"# text = {self.text()}"]
        inside = set()
        for first, (last, _) in self.mwts.items():
            inside.update(range(first, last + 1))
        for i, word in enumerate(self.words):
            if i in self.mwts:
                last, surface = self.mwts[i]
                misc = "_" if self.words[last].space_after else "SpaceAfter=No"
                lines.append(f"{i + 1}-{last + 1}\t{surface}\t_\t_\t_\t_\t_\t_\t_\t{misc}")
            head = word.head + 1  # -1 (root) -> 0
            deps = self.empty.enhanced.get(i) if self.empty else None
            misc = "SpaceAfter=No" if not word.space_after and i not in inside else "_"
            lines.append("\t".join((str(i + 1), word.form, word.lemma, word.upos, word.xpos, word.feats,
                                    str(head), word.deprel, deps or f"{head}:{word.deprel}", misc)))  # fmt: skip
            if self.empty and self.empty.after == i:
                node, empty = self.empty.word, self.empty
                lines.append(f"{i + 1}.1\t{node.form}\t{node.lemma}\t{node.upos}\t{node.xpos}\t{node.feats}"
                             f"\t_\t_\t{empty.deps}\tCopyOf={empty.copy_of + 1}")  # fmt: skip
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        out, i = [], 0
        while i < len(self.words):
            last, surface = self.mwts.get(i, (i, self.words[i].form))
            out.append(surface + (" " if self.words[last].space_after else ""))
            i = last + 1
        return "".join(out).rstrip()

    def _spacing(self) -> None:
        for i in range(1, len(self.words)):
            if self.words[i].upos == "PUNCT" or self.words[i].form == "'s":
                self.words[i - 1].space_after = False
        self.words[-1].space_after = True  # the last token is left unmarked, as in EWT


# -- phrases ---------------------------------------------------------------------------------------


def be_form(agreement: str) -> tuple[str, str, str]:
    """(form, XPOS, FEATS) of present-tense ``be`` agreeing with a subject (3sg, 1sg or pl)."""
    return {"3sg": ("is", "VBZ", F_VBZ), "1sg": ("am", "VBP", F_AM)}.get(agreement, ("are", "VBP", F_VBP))


def present(s: Sentence, form_3sg: str, lemma: str, agreement: str) -> int:
    """A present-tense verb agreeing with its subject (``reads`` / ``read``)."""
    if agreement == "3sg":
        return s.add(form_3sg, lemma, "VERB", "VBZ", F_VBZ)
    return s.add(lemma, lemma, "VERB", "VBP", F_VBP)


def fresh_name(s: Sentence, rng: random.Random) -> str:
    """A person's name not yet used in the sentence (so nobody gives a letter to themselves)."""
    used = {w.form for w in s.words}
    return rng.choice([name for name in sorted(NAMES.values()) if name not in used] or sorted(NAMES.values()))


def noun_phrase(s: Sentence, noun: str, *, det=None, adj=None, count=None, poss=None) -> int:
    """det/possessor, numeral, adjective, noun; returns the noun's index (attached later by the caller)."""
    if poss:
        owner = s.add(poss, poss, "PROPN", "NNP", "Number=Sing")
        case = s.add("'s", "'s", "PART", "POS")
    elif det:
        article = "an" if det == "a" and (adj or noun)[0] in "aeiou" else det
        d = s.add(article, "a" if det == "a" else det, "DET", "DT", F_IND if det == "a" else F_DEF)
    num = s.add(str(count), str(count), "NUM", "CD", "NumForm=Digit|NumType=Card") if count else None
    a = s.add(adj, adj, "ADJ", "JJ", "Degree=Pos") if adj else None
    plural = count is not None and count > 1
    form = PLURAL.get(noun, noun + "s") if plural else noun
    head = s.add(form, noun, "NOUN", "NNS" if plural else "NN", "Number=Plur" if plural else "Number=Sing")
    if poss:
        s.attach(owner, head, "nmod:poss")
        s.attach(case, owner, "case")
    elif det:
        s.attach(d, head, "det")
    if num is not None:
        s.attach(num, head, "nummod")
    if a is not None:
        s.attach(a, head, "amod")
    return head


def object_phrase(s: Sentence, rng: random.Random, verb: str, depth: int) -> int:
    """An object of ``verb``: a plain, counted, possessed, ``a cup of`` or coordinated noun phrase."""
    noun = rng.choice(VERBS[verb])
    mass, adjectives = NOUNS[noun]
    adj = rng.choice(adjectives) if rng.random() < 0.4 else None
    shape = rng.random()
    if mass and shape < 0.3 and noun in ("tea", "coffee", "water", "milk", "juice", "soup", "rice"):
        container = {"soup": "bowl", "rice": "bowl"}.get(noun, rng.choice(("cup", "glass", "bottle")))
        head = noun_phrase(s, container, det="a")
        of = s.add("of", "of", "ADP", "IN")
        inner = noun_phrase(s, noun, adj=adj)
        s.attach(of, inner, "case")
        s.attach(inner, head, "nmod")
    elif not mass and shape < 0.2:
        head = noun_phrase(s, noun, count=rng.randint(2, 12), adj=adj)
    elif shape < 0.3:
        head = noun_phrase(s, noun, poss=fresh_name(s, rng), adj=adj)
    else:
        head = noun_phrase(s, noun, det=None if mass else rng.choice(("a", "the")), adj=adj)
    if rng.random() < 0.15:  # coordinated objects: "bread and milk"
        other = rng.choice([o for o in VERBS[verb] if o != noun])
        cc = s.add("and", "and", "CCONJ", "CC")
        conj = noun_phrase(s, other, det=None if NOUNS[other][0] else "a")
        s.attach(cc, conj, "cc")
        s.attach(conj, head, "conj")
    elif depth < 1 and rng.random() < 0.15:  # relative clause: "the book that David bought"
        rel = s.add("that", "that", "PRON", "WDT", "PronType=Rel")
        subj = subject(s, rng)[0]
        rel_verb = rng.choice([other for other in sorted(VERBS) if noun in VERBS[other]])
        v = s.add(VERB_FORMS[rel_verb][1], rel_verb, "VERB", "VBD", F_VBD)
        s.attach(rel, v, "obj")
        s.attach(subj, v, "nsubj")
        s.attach(v, head, "acl:relcl")
    return head


def subject(s: Sentence, rng: random.Random) -> tuple[int, str]:
    """A name, a pronoun or ``the teacher``; returns (index, agreement: 3sg / 1sg / pl)."""
    r = rng.random()
    if r < 0.5:
        name = fresh_name(s, rng)
        return s.add(name, name, "PROPN", "NNP", "Number=Sing"), "3sg"
    if r < 0.8:
        form = rng.choice(sorted(PRONOUNS))
        agreement, feats = PRONOUNS[form]
        return s.add(form, form.lower() if form != "I" else "I", "PRON", "PRP", feats), agreement
    head = noun_phrase(s, rng.choice(PEOPLE_NOUNS), det="the")
    return head, "3sg"


def place_phrase(s: Sentence, rng: random.Random, head: int | None, deprel: str = "obl") -> int:
    """``in the coffee shop``; attached to ``head`` (None: the caller attaches the noun)."""
    prep, det, compound, noun = rng.choice(PLACES)
    case = s.add(prep, prep, "ADP", "IN")
    d = s.add(det, det, "DET", "DT", F_DEF) if det else None
    c = s.add(compound, compound, "NOUN", "NN", "Number=Sing") if compound else None
    n = s.add(noun, noun, "NOUN", "NN", "Number=Sing")
    s.attach(case, n, "case")
    if d is not None:
        s.attach(d, n, "det")
    if c is not None:
        s.attach(c, n, "compound")
    if head is not None:
        s.attach(n, head, deprel)
    return n


def modifiers(s: Sentence, rng: random.Random, verb: int) -> None:
    """Trailing obliques of a clause: a place, a companion, a day or ``every day``/``today``."""
    if rng.random() < 0.6:
        place_phrase(s, rng, verb)
    if rng.random() < 0.2:
        w = s.add("with", "with", "ADP", "IN")
        name = fresh_name(s, rng)
        n = s.add(name, name, "PROPN", "NNP", "Number=Sing")
        s.attach(w, n, "case")
        s.attach(n, verb, "obl")
    r = rng.random()
    if r < 0.1:
        s.attach(s.add("today", "today", "NOUN", "NN", "Number=Sing"), verb, "obl:tmod")
    elif r < 0.2:
        every = s.add("every", "every", "DET", "DT", "PronType=Tot")
        day = s.add("day", "day", "NOUN", "NN", "Number=Sing")
        s.attach(every, day, "det")
        s.attach(day, verb, "obl:tmod")
    elif r < 0.28:
        on = s.add("on", "on", "ADP", "IN")
        name = rng.choice(DAYS)
        day = s.add(name, name, "PROPN", "NNP", "Number=Sing")
        s.attach(on, day, "case")
        s.attach(day, verb, "obl")


# -- clauses ---------------------------------------------------------------------------------------


def predicate(s: Sentence, rng: random.Random, subj: int, agreement: str, depth: int) -> int:
    """Auxiliaries, negation and the verb of a clause whose subject ``subj`` is already added."""
    verb = rng.choice(sorted(VERBS))
    third, past, ing = VERB_FORMS[verb]
    mode = rng.choices(("present", "past", "modal", "negated", "progressive", "want"), (4, 3, 2, 3, 2, 2))[0]
    aux: list[int] = []
    if rng.random() < 0.12 and mode in ("present", "past"):
        adverb = rng.choice(("often", "usually", "always"))
        aux.append(s.add(adverb, adverb, "ADV", "RB", deprel="advmod"))
    if mode == "present":
        v = present(s, third, verb, agreement)
    elif mode == "past":
        v = s.add(past, verb, "VERB", "VBD", F_VBD)
    elif mode == "modal":
        modal = rng.choice(("will", "can", "may", "should"))
        aux.append(s.add(modal, modal, "AUX", "MD", "VerbForm=Fin", deprel="aux"))
        v = s.add(verb, verb, "VERB", "VB", "VerbForm=Inf")
    elif mode == "negated":
        aux.extend(_negation(s, rng, agreement))
        v = s.add(verb, verb, "VERB", "VB", "VerbForm=Inf")
    elif mode == "progressive":
        be, xpos, feats = be_form(agreement)
        aux.append(s.add(be, "be", "AUX", xpos, feats, deprel="aux"))
        v = s.add(ing, verb, "VERB", "VBG", "Tense=Pres|VerbForm=Part")
    else:
        return _want(s, rng, subj, agreement, verb, depth)
    for a in aux:
        s.attach(a, v, s.words[a].deprel)
    s.attach(subj, v, "nsubj")
    s.attach(object_phrase(s, rng, verb, depth), v, "obj")
    modifiers(s, rng, v)
    return v


def _negation(s: Sentence, rng: random.Random, agreement: str) -> list[int]:
    """A negated auxiliary, usually contracted (a multiword token)."""
    neg = ("not", "not", "PART", "RB", "Polarity=Neg", -1, "advmod")
    nt = ("n't", "not", "PART", "RB", "Polarity=Neg", -1, "advmod")
    do = ("does", "VBZ", F_VBZ) if agreement == "3sg" else ("do", "VBP", F_VBP)
    choice = rng.choice(("do", "do", "did", "cannot", "can't", "won't", "do not"))
    if choice == "do":
        return s.contraction(do[0] + "n't", (do[0], "do", "AUX", do[1], do[2], -1, "aux"), nt)
    if choice == "did":
        return s.contraction("didn't", ("did", "do", "AUX", "VBD", F_VBD, -1, "aux"), nt)
    if choice == "cannot":
        return s.contraction("cannot", ("can", "can", "AUX", "MD", "VerbForm=Fin", -1, "aux"), neg)
    if choice == "can't":
        return s.contraction("can't", ("ca", "can", "AUX", "MD", "VerbForm=Fin", -1, "aux"), nt)
    if choice == "won't":
        return s.contraction("won't", ("wo", "will", "AUX", "MD", "VerbForm=Fin", -1, "aux"), nt)
    return [s.add(do[0], "do", "AUX", do[1], do[2], deprel="aux"), s.add(*neg)]


def _want(s: Sentence, rng: random.Random, subj: int, agreement: str, verb: str, depth: int) -> int:
    """``wants to buy``, ``wanna buy`` or ``is gonna buy``: the infinitive is an xcomp."""
    to = ("to", "to", "PART", "TO", "_", -1, "mark")
    if agreement != "3sg" and rng.random() < 0.4:
        head, mark = s.contraction("wanna", ("wan", "want", "VERB", "VBP", F_VBP), ("na", *to[1:]))
    elif rng.random() < 0.4:
        be, xpos, feats = be_form(agreement)
        aux = s.add(be, "be", "AUX", xpos, feats)
        gon = ("gon", "go", "VERB", "VBG", "Tense=Pres|VerbForm=Part")
        head, mark = s.contraction("gonna", gon, ("na", *to[1:]))
        s.attach(aux, head, "aux")
    else:
        head = present(s, "wants", "want", agreement)
        mark = s.add(*to)
    v = s.add(verb, verb, "VERB", "VB", "VerbForm=Inf")
    s.attach(mark, v, "mark")
    s.attach(subj, head, "nsubj")
    s.attach(v, head, "xcomp")
    s.attach(object_phrase(s, rng, verb, depth), v, "obj")
    modifiers(s, rng, v)
    return head


def clause(s: Sentence, rng: random.Random, depth: int = 0) -> int:
    subj, agreement = subject(s, rng)
    return predicate(s, rng, subj, agreement, depth)


def adverbial(s: Sentence, rng: random.Random, head: int) -> None:
    """``because Anna is tired`` (copula) or ``before David arrives`` (intransitive verb), an advcl."""
    if rng.random() < 0.5:
        mark = s.add("because", "because", "SCONJ", "IN")
        subj, agreement = subject(s, rng)
        be, xpos, feats = be_form(agreement)
        cop = s.add(be, "be", "AUX", xpos, feats)
        word, upos = rng.choice(REASONS)
        pred = s.add(word, word, upos, "JJ", "Degree=Pos")
        s.attach(cop, pred, "cop")
    else:
        conj = rng.choice(("before", "after", "if"))
        mark = s.add(conj, conj, "SCONJ", "IN")
        subj, agreement = subject(s, rng)
        lemma = rng.choice(sorted(INTRANSITIVE))
        pred = present(s, INTRANSITIVE[lemma][0], lemma, agreement)
    s.attach(mark, pred, "mark")
    s.attach(subj, pred, "nsubj")
    s.attach(pred, head, "advcl")


# -- sentence shapes -------------------------------------------------------------------------------


def declarative(s: Sentence, rng: random.Random) -> None:
    root = clause(s, rng)
    r = rng.random()
    if r < 0.2:
        adverbial(s, rng, root)
    elif r < 0.35:  # clause coordination; a comma before the conjunction attaches to the second conjunct
        comma = s.punct(",", root) if rng.random() < 0.5 else None
        word = rng.choice(("and", "but"))
        cc = s.add(word, word, "CCONJ", "CC")
        second = clause(s, rng, depth=1)
        s.attach(cc, second, "cc")
        s.attach(second, root, "conj")
        if comma is not None:
            s.attach(comma, second, "punct")
    s.punct(".", root)


def question(s: Sentence, rng: random.Random) -> None:
    """``Does Anna read the book?``, ``Where does she buy bread?``, ``Who sells the car?``"""
    verb = rng.choice(sorted(VERBS))
    kind = rng.choice(("yes-no", "where", "who"))
    if kind == "who":
        who = s.add("Who", "who", "PRON", "WP", "PronType=Int")
        v = s.add(VERB_FORMS[verb][0], verb, "VERB", "VBZ", F_VBZ)
        s.attach(who, v, "nsubj")
    else:
        where = s.add("Where", "where", "ADV", "WRB", "PronType=Int") if kind == "where" else None
        aux = s.add("do", "do", "AUX", "VBP", F_VBP)  # its form agrees with the subject that follows
        subj, agreement = subject(s, rng)
        if rng.random() < 0.3:
            form, xpos, feats = "did", "VBD", F_VBD
        else:
            form, xpos, feats = ("does", "VBZ", F_VBZ) if agreement == "3sg" else ("do", "VBP", F_VBP)
        s.words[aux].form, s.words[aux].xpos, s.words[aux].feats = form, xpos, feats
        v = s.add(verb, verb, "VERB", "VB", "VerbForm=Inf")
        s.attach(aux, v, "aux")
        s.attach(subj, v, "nsubj")
        if where is not None:
            s.attach(where, v, "advmod")
    s.attach(object_phrase(s, rng, verb, depth=1), v, "obj")
    if kind != "where" and rng.random() < 0.4:
        place_phrase(s, rng, v)
    s.punct("?", v)


def copular(s: Sentence, rng: random.Random) -> None:
    """``The bag is heavy.``, ``Anna's car isn't new.``, ``Sara is a teacher.``, ``It is at the station.``"""
    kind = rng.choice(("adjective", "adjective", "noun", "place"))
    if kind == "noun":
        name = fresh_name(s, rng)
        subj = s.add(name, name, "PROPN", "NNP", "Number=Sing")
    else:
        noun = rng.choice([n for n, (mass, _) in NOUNS.items() if not mass])
        owner = fresh_name(s, rng) if rng.random() < 0.3 else None
        subj = noun_phrase(s, noun, poss=owner, det=None if owner else "the")
    if rng.random() < 0.3:
        nt = ("n't", "not", "PART", "RB", "Polarity=Neg")
        cop, neg = s.contraction("isn't", ("is", "be", "AUX", "VBZ", F_VBZ), nt)
    else:
        cop, neg = s.add("is", "be", "AUX", "VBZ", F_VBZ), None
    if kind == "noun":
        head = noun_phrase(s, rng.choice(PEOPLE_NOUNS), det="a")
    elif kind == "place":  # the place noun is the predicate; its preposition is its case
        head = place_phrase(s, rng, None)
    else:
        adjectives = NOUNS[s.words[subj].lemma][1]
        word = rng.choice(adjectives)
        head = s.add(word, word, "ADJ", "JJ", "Degree=Pos")
    s.attach(subj, head, "nsubj")
    s.attach(cop, head, "cop")
    if neg is not None:
        s.attach(neg, head, "advmod")
    s.punct(".", head)


def ditransitive(s: Sentence, rng: random.Random) -> None:
    """``Anna gives David a book.``: the recipient is an iobj."""
    subj, agreement = subject(s, rng)
    lemma = rng.choice(("give", "send", "sell"))
    forms = {"give": ("gives", "gave"), "send": ("sends", "sent"), "sell": ("sells", "sold")}[lemma]
    v = s.add(forms[1], lemma, "VERB", "VBD", F_VBD) if rng.random() < 0.5 else present(s, forms[0], lemma, agreement)
    name = fresh_name(s, rng)
    recipient = s.add(name, name, "PROPN", "NNP", "Number=Sing")
    thing = rng.choice(("book", "letter", "cake", "picture", "map", "bag"))
    obj = noun_phrase(s, thing, det="a", adj=rng.choice(NOUNS[thing][1]) if rng.random() < 0.4 else None)
    s.attach(subj, v, "nsubj")
    s.attach(recipient, v, "iobj")
    s.attach(obj, v, "obj")
    modifiers(s, rng, v)
    s.punct(".", v)


def gapping(s: Sentence, rng: random.Random) -> None:
    """``Anna buys bread and David milk.``: an empty node stands for the elided second ``buys``."""
    verb = rng.choice(sorted(VERBS))
    first, second = rng.sample(sorted(NAMES.values()), 2)
    objects = rng.sample(VERBS[verb], 2)
    a = s.add(first, first, "PROPN", "NNP", "Number=Sing")
    v = s.add(VERB_FORMS[verb][0], verb, "VERB", "VBZ", F_VBZ)
    o1 = noun_phrase(s, objects[0], det=None if NOUNS[objects[0]][0] else "a")
    cc = s.add("and", "and", "CCONJ", "CC")
    b = s.add(second, second, "PROPN", "NNP", "Number=Sing")
    o2 = noun_phrase(s, objects[1], det=None if NOUNS[objects[1]][0] else "a")
    s.attach(a, v, "nsubj")
    s.attach(o1, v, "obj")
    s.attach(b, v, "conj")
    s.attach(cc, b, "cc")
    s.attach(o2, b, "orphan")
    s.punct(".", v)
    # enhanced graph: the empty node (after the second subject) heads the remnants
    node_id = f"{b + 1}.1"
    enhanced = {cc: f"{node_id}:cc", b: f"{node_id}:nsubj", o2: f"{node_id}:obj"}
    node = Word(VERB_FORMS[verb][0], verb, "VERB", "VBZ", F_VBZ)
    s.empty = EmptyNode(after=b, word=node, deps=f"{v + 1}:conj:and", copy_of=v, enhanced=enhanced)


SHAPES = {declarative: 10, question: 2, copular: 3, ditransitive: 1}


def sentences(rng: random.Random, n: int, split: str) -> str:
    """``n`` CoNLL-U sentences; about 5% (at least one) use gapping with an empty node."""
    gapped = set(rng.sample(range(n), max(1, round(0.05 * n)))) if n else set()
    shapes, weights = list(SHAPES), list(SHAPES.values())
    blocks = []
    for i in range(n):
        s = Sentence()
        shape = gapping if i in gapped else rng.choices(shapes, weights)[0]
        shape(s, rng)
        first = s.words[0]
        first.form = first.form[:1].upper() + first.form[1:]
        blocks.append(s.to_conllu(f"synthetic-{split}-{i + 1:05d}"))
    return "\n".join(blocks) + ("\n" if blocks else "")
