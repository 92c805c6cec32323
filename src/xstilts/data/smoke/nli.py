"""Meaning-level generation of the synthetic NLI pairs and STS-B pairs (language-neutral frames).

NLI labels follow from rules over frames (:mod:`xstilts.data.smoke.render`), one premise per three
hypotheses, one of each label (as MultiNLI's writers wrote one hypothesis per label for each premise):

==============  ==================================================================================
label           rules (the hypothesis ...)
==============  ==================================================================================
entailment      ``subset``: restates the main event, dropping some modifiers;
                ``extra``: restates another event of the premise; ``converse``: "B is younger than A"
                for "A is older than B"
contradiction   ``negation``: negates the main event; ``hour``: changes its hour (a number);
                ``place``: moves it elsewhere; ``swap``: swaps the two people of the comparison
                ("B is older than A"); ``extra-negation``: negates another event of the premise
neutral         ``reason``: adds a reason the premise does not give; ``modifier``: adds an object
                property, place, hour or companion the premise does not give; ``new-event``: the main
                person does something not mentioned; ``other-agent``: someone not mentioned does the
                main event; ``new-comparison``: compares a pair of people the premise does not compare
==============  ==================================================================================

Any hypothesis may be joined ("... and ...") with a second clause the premise entails, which keeps its
label. A fixed share of gold labels (:data:`NOISE_RATE`) is then changed, stratified by class so the
classes stay balanced, as a stand-in for annotator disagreement: MultiNLI's validation (Williams et al.,
NAACL 2018, arXiv 1704.05426, Table 1 and Section 2.2) re-labelled development pairs by four more
annotators and shows non-unanimous votes such as "n n e n"; the 8% here is a round number of that kind,
not a measured rate. It keeps accuracy below 1.0; nothing here is tuned to reach a target accuracy.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from xstilts.data.smoke.lexicon import HOURS, NOUNS, PERSONS, PLACES, REASONS, VERBS
from xstilts.data.smoke.render import Clause, Compare, Event, Text

LABELS = ("entailment", "neutral", "contradiction")
NOISE_RATE = 0.08
MODIFIERS = ("adj", "place", "hour", "companion")  # optional parts of an event besides the reason

# Shape of the premises (chosen for lengths like XNLI/MNLI: ~20 words, tail to 40-60; see the package docstring).
P_MAIN = {"adj": 0.5, "place": 0.75, "hour": 0.45, "companion": 0.3, "reason": 0.3}
P_EXTRA = {"adj": 0.4, "place": 0.5, "companion": 0.15}
P_MORE_EXTRA = 0.5  # extra events are geometric: P(k >= n) = 0.5 ** n, up to MAX_EXTRA
MAX_EXTRA = 5  # keeps the longest premises near 60 words
P_COMPARE = 0.3
P_KEEP = 0.7  # a hypothesis keeps each modifier of the restated event with this probability
P_SECOND_CLAUSE = 0.4
P_DISSENT = 0.25  # a clean dev pair has one dissenting validator with this probability

# Rule mix. The smoke profile needs labels that a 2-layer, 64-wide model learns in about a minute of CPU
# training, to an English accuracy of at least 0.6 without saturating (the goal set for the smoke grid).
# With an even mix it plateaued at about 0.55 on MNLI dev (0.50 on XNLI English), whatever its width, depth,
# learning rate or epochs. Accuracy per rule of such a model on MNLI dev (6,000 training pairs, 4 epochs):
# negation 1.00, reason 1.00, extra 0.85, hour 0.72, swap 0.61, converse 0.56, subset 0.47, modifier 0.47,
# place 0.33, other-agent 0.31, new-event 0.17, new-comparison 0.00. The weights below keep every rule but
# favour those with a surface cue; the hard ones (whole-premise content matching) stay as the part that
# keeps the task unsaturated. The weights were set once from that table, not searched against a target
# accuracy.
RULES = {
    "entailment": {"subset": 3, "extra": 4, "converse": 3},
    "contradiction": {"negation": 4, "hour": 3, "place": 1, "swap": 2, "extra-negation": 2},
    "neutral": {"reason": 4, "modifier": 2, "new-event": 1, "other-agent": 2, "new-comparison": 1},
}
# What a rule needs in the premise.
_NEEDS_EXTRA = {"extra", "extra-negation"}
_NEEDS_COMPARE = {"converse", "swap"}
_NEEDS_MAIN = {"hour": "hour", "place": "place"}


@dataclass(frozen=True)
class Premise:
    main: Event
    extras: tuple[Event, ...]
    compare: Compare | None
    text: Text


@dataclass(frozen=True)
class Pair:
    prompt_id: int
    pair_id: int
    premise: Text
    hypothesis: Text
    rule: str
    author_label: str  # the label the rule gives (MNLI's label1: the hypothesis writer's label)
    gold: str  # after label noise
    votes: tuple[str, str, str, str, str]  # label1..label5 (dev/test files)


# -- events and premises ---------------------------------------------------------------------------


def sample_event(
    rng: random.Random, agent: str, probs: dict, *, force=(), forbid=(), avoid=(), object_first=False
) -> Event:
    """An event of ``agent``; optional parts drawn with ``probs``, ``force``d present or ``forbid``den.

    ``avoid`` lists people who must not appear as the companion. ``object_first`` draws the object
    uniformly, then a verb that takes it (the corpus uses it so that every noun is seen often).
    """
    if object_first:
        obj = rng.choice(sorted(NOUNS))
        verb = rng.choice([v for v in sorted(VERBS) if obj in VERBS[v]])
    else:
        verb = rng.choice(sorted(VERBS))
        obj = rng.choice(VERBS[verb])
    want = {m: (m in force) or (m not in forbid and rng.random() < probs.get(m, 0.0))
            for m in (*MODIFIERS, "reason")}  # fmt: skip
    others = [p for p in sorted(PERSONS) if p != agent and p not in avoid]
    return Event(
        agent=agent,
        verb=verb,
        obj=obj,
        adj=rng.choice(NOUNS[obj][1]) if want["adj"] else None,
        place=rng.choice(PLACES) if want["place"] else None,
        hour=rng.choice(HOURS) if want["hour"] else None,
        companion=rng.choice(others) if want["companion"] and others else None,
        reason=rng.choice(REASONS) if want["reason"] else None,
    )


def sample_premise(
    rng: random.Random, *, force=(), forbid=(), extras_min=0, compare=False, object_first=False
) -> Premise:
    """A premise: a main event, geometric extra events of other people, maybe a comparison of two people."""
    people = sorted(PERSONS)
    agent = rng.choice(people)
    main = sample_event(rng, agent, P_MAIN, force=force, forbid=forbid, object_first=object_first)
    n_extra = extras_min
    while n_extra < MAX_EXTRA and rng.random() < P_MORE_EXTRA:
        n_extra += 1
    extras = []
    for _ in range(n_extra):
        # extra events are undated, so they never clash with the main event's hour
        extra_agent = rng.choice([p for p in people if p != agent])
        extras.append(sample_event(rng, extra_agent, P_EXTRA, forbid=("hour", "reason"), avoid=(agent,),
                                   object_first=object_first))  # fmt: skip
    comparison = None
    if compare or rng.random() < P_COMPARE:
        a = rng.choice(_mentioned(main, extras))
        b = rng.choice([p for p in people if p != a])
        comparison = Compare(a, b, older=rng.random() < 0.5)
    # layout: extras join the current sentence or start a new one; the comparison comes last
    sentences: list[list[Clause]] = [[main]]
    for extra in extras:
        if rng.random() < 0.5 and len(sentences[-1]) < 3:
            sentences[-1].append(extra)
        else:
            sentences.append([extra])
    if comparison:
        sentences.append([comparison])
    return Premise(main, tuple(extras), comparison, tuple(tuple(s) for s in sentences))


def _mentioned(main: Event, extras) -> list[str]:
    people = [main.agent, main.companion, *(e.agent for e in extras), *(e.companion for e in extras)]
    return sorted({p for p in people if p})


def _all_mentioned(premise: Premise) -> set[str]:
    people = set(_mentioned(premise.main, premise.extras))
    if premise.compare:
        people |= {premise.compare.a, premise.compare.b}
    return people


def subset(rng: random.Random, event: Event, keep_reason=True) -> Event:
    """``event`` with each present modifier kept with probability P_KEEP (entailed by ``event``)."""
    kept = {m: getattr(event, m) if rng.random() < P_KEEP else None for m in MODIFIERS}
    reason = event.reason if keep_reason and rng.random() < P_KEEP else None
    return replace(event, **kept, reason=reason)


# -- hypotheses by rule ----------------------------------------------------------------------------


def hypothesis(rng: random.Random, premise: Premise, rule: str) -> tuple[Clause, ...]:
    """The hypothesis clauses that ``rule`` derives from ``premise`` (its label is the rule's label)."""
    main, compare = premise.main, premise.compare
    if rule == "subset":
        return (subset(rng, main),)
    if rule == "extra":
        return (subset(rng, rng.choice(premise.extras)),)
    if rule == "converse":
        return (Compare(compare.b, compare.a, older=not compare.older),)
    if rule == "negation":
        return (replace(subset(rng, main, keep_reason=False), negated=True),)
    if rule == "hour":
        hour = rng.choice([h for h in HOURS if h != main.hour])
        return (replace(subset(rng, main, keep_reason=False), hour=hour),)
    if rule == "place":
        place = rng.choice([p for p in PLACES if p != main.place])
        return (replace(subset(rng, main, keep_reason=False), place=place),)
    if rule == "swap":
        if rng.random() < 0.5:
            return (Compare(compare.b, compare.a, older=compare.older),)
        return (Compare(compare.a, compare.b, older=not compare.older),)
    if rule == "extra-negation":
        return (replace(subset(rng, rng.choice(premise.extras), keep_reason=False), negated=True),)
    if rule == "reason":
        return (replace(subset(rng, main, keep_reason=False), reason=rng.choice(REASONS)),)
    if rule == "modifier":
        return (_add_modifier(rng, main),)
    if rule == "new-event":
        return (_new_event(rng, premise),)
    if rule == "other-agent":
        strangers = [p for p in sorted(PERSONS) if p not in _all_mentioned(premise)]
        if not strangers:  # everyone is mentioned (rare): fall back to a new event
            return (_new_event(rng, premise),)
        return (replace(subset(rng, main), agent=rng.choice(strangers), companion=None),)
    if rule == "new-comparison":
        return (_new_comparison(rng, premise),)
    raise ValueError(f"unknown rule {rule!r}")


def _add_modifier(rng: random.Random, main: Event) -> Event:
    """The main event (a subset) plus one modifier the premise does not state."""
    missing = [m for m in MODIFIERS if getattr(main, m) is None]
    slot = rng.choice(missing)
    event = subset(rng, main)
    if slot == "adj":
        return replace(event, adj=rng.choice(NOUNS[main.obj][1]))
    if slot == "place":
        return replace(event, place=rng.choice(PLACES))
    if slot == "hour":
        return replace(event, hour=rng.choice(HOURS))
    others = [p for p in sorted(PERSONS) if p != main.agent]
    return replace(event, companion=rng.choice(others))


def _new_event(rng: random.Random, premise: Premise) -> Event:
    """Something the main person does that the premise does not mention (no hour, so no clash)."""
    agent = premise.main.agent
    stated = {(e.verb, e.obj) for e in (premise.main, *premise.extras) if e.agent == agent}
    while True:
        event = sample_event(rng, agent, P_EXTRA, forbid=("hour", "reason", "companion"))
        if (event.verb, event.obj) not in stated and event.verb != premise.main.verb:
            return event


def _new_comparison(rng: random.Random, premise: Premise) -> Compare:
    stated = {frozenset((premise.compare.a, premise.compare.b))} if premise.compare else set()
    while True:
        a, b = rng.sample(sorted(PERSONS), 2)
        if frozenset((a, b)) not in stated:
            return Compare(a, b, older=rng.random() < 0.5)


def _second_clause(rng: random.Random, premise: Premise, first: tuple[Clause, ...]) -> Clause | None:
    """A clause the premise entails, other than ``first``'s, to lengthen a hypothesis."""
    options: list[Clause] = [subset(rng, e) for e in premise.extras]
    if premise.compare:
        options.append(premise.compare)
    options = [c for c in options if c not in first and not _same_actor(c, first)]
    return rng.choice(options) if options else None


def _same_actor(clause: Clause, others: tuple[Clause, ...]) -> bool:
    if not isinstance(clause, Event):
        return any(isinstance(o, Compare) for o in others)
    return any(isinstance(o, Event) and o.agent == clause.agent for o in others)


# -- pairs -----------------------------------------------------------------------------------------


def make_pairs(rng: random.Random, n: int, first_prompt: int = 1, first_pair: int = 1) -> list[Pair]:
    """``n`` NLI pairs: premises with one hypothesis of each label, then stratified label noise."""
    drafts = []
    prompt = first_prompt
    while len(drafts) < n:
        rules = {label: _weighted(rng, RULES[label]) for label in LABELS}
        premise = _premise_for(rng, rules.values())
        for label in rng.sample(LABELS, 3):
            clauses = hypothesis(rng, premise, rules[label])
            if rng.random() < P_SECOND_CLAUSE:
                second = _second_clause(rng, premise, clauses)
                if second is not None:
                    clauses = (second, *clauses) if rng.random() < 0.5 else (*clauses, second)
            drafts.append((prompt, premise.text, (clauses,), rules[label], label))
        prompt += 1
    drafts = drafts[:n]
    golds = _noisy_labels(rng, [d[4] for d in drafts])
    pairs = []
    for index, ((prompt_id, premise, hyp, rule, label), gold) in enumerate(zip(drafts, golds, strict=True)):
        votes = _votes(rng, label, gold)
        pairs.append(Pair(prompt_id, first_pair + index, premise, hyp, rule, label, gold, votes))
    return pairs


def _premise_for(rng: random.Random, rules) -> Premise:
    """A premise that every rule of ``rules`` can be applied to."""
    rules = set(rules)
    force = {_NEEDS_MAIN[r] for r in rules if r in _NEEDS_MAIN}
    forbid = set()
    if "reason" in rules:
        forbid.add("reason")
    if "modifier" in rules:
        # one modifier that no other rule needs is left out, so the hypothesis can add it
        forbid.add(rng.choice([m for m in MODIFIERS if m not in force]))
    return sample_premise(
        rng,
        force=force,
        forbid=forbid,
        extras_min=1 if rules & _NEEDS_EXTRA else 0,
        compare=bool(rules & _NEEDS_COMPARE),
    )


def _noisy_labels(rng: random.Random, labels: list[str]) -> list[str]:
    """Change NOISE_RATE of each class's labels, half to each other class (class balance is kept)."""
    golds = list(labels)
    for label in LABELS:
        members = [i for i, lab in enumerate(labels) if lab == label]
        noisy = rng.sample(members, round(NOISE_RATE * len(members)))
        others = [other for other in LABELS if other != label]
        for k, index in enumerate(noisy):
            golds[index] = others[(k + LABELS.index(label)) % 2]
    return golds


def _votes(rng: random.Random, author: str, gold: str) -> tuple[str, str, str, str, str]:
    """label1 (the author's) and four validators whose majority is ``gold``."""
    if gold != author:
        validators = [gold, gold, gold, author]
    else:
        validators = [author] * 4
        if rng.random() < P_DISSENT:
            validators[0] = rng.choice([lab for lab in LABELS if lab != author])
    rng.shuffle(validators)
    return (author, *validators)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    names = list(weights)
    return rng.choices(names, weights=[weights[n] for n in names])[0]


# -- STS-B -----------------------------------------------------------------------------------------

# How much each difference lowers the similarity of two descriptions of an event (5 = same meaning).
STS_PENALTY = {
    "agent": 1.4, "verb": 2.2, "object": 1.5, "adj": 0.5, "place": 0.7, "hour": 0.4,
    "companion": 0.5, "negation": 1.3, "drop": 0.25,
}  # fmt: skip
STS_NOISE = 0.25  # standard deviation of the score noise (graders disagree too)


def sts_pair(rng: random.Random) -> tuple[Text, Text, float]:
    """Two English texts and a similarity score in [0, 5] that follows from how their frames differ."""
    people = sorted(PERSONS)
    base = sample_event(rng, rng.choice(people), P_MAIN)
    if rng.random() < 0.12:  # unrelated frames
        other = sample_event(rng, rng.choice([p for p in people if p != base.agent]), P_MAIN)
        while other.verb == base.verb:
            other = sample_event(rng, other.agent, P_MAIN)
        score = rng.uniform(0.0, 0.8)
        return ((base,),), ((other,),), round(score, 2)
    if rng.random() < 0.1:  # a comparison and its converse: same meaning
        a, b = rng.sample(people, 2)
        older = rng.random() < 0.5
        score = 5.0 - abs(rng.gauss(0, STS_NOISE))
        return ((Compare(a, b, older),),), ((Compare(b, a, not older),),), round(max(score, 0.0), 2)
    changes = rng.sample(sorted(STS_PENALTY), rng.choice((0, 1, 1, 2, 2, 3, 3, 4, 5)))
    other, penalty = base, 0.0
    for change in changes:
        other, cost = _sts_change(rng, other, change)
        penalty += cost
    if other.place and rng.random() < 0.3:
        other = replace(other, fronted=True)  # a paraphrase by word order
    score = min(5.0, max(0.0, 5.0 - penalty + rng.gauss(0, STS_NOISE)))
    return ((base,),), ((other,),), round(score, 2)


def _sts_change(rng: random.Random, event: Event, change: str) -> tuple[Event, float]:
    """``event`` with one difference of kind ``change`` and its penalty (0 if it could not apply)."""
    cost = STS_PENALTY[change]
    if change == "agent":
        agents = [p for p in sorted(PERSONS) if p not in (event.agent, event.companion)]
        return replace(event, agent=rng.choice(agents)), cost
    if change == "verb":
        verb = rng.choice([v for v in sorted(VERBS) if v != event.verb])
        obj = rng.choice(VERBS[verb])
        adj = event.adj if event.adj in NOUNS[obj][1] else None
        return replace(event, verb=verb, obj=obj, adj=adj), cost
    if change == "object":
        objects = [o for o in VERBS[event.verb] if o != event.obj]
        if not objects:
            return event, 0.0
        obj = rng.choice(objects)
        return replace(event, obj=obj, adj=event.adj if event.adj in NOUNS[obj][1] else None), cost
    if change == "adj":
        options = [a for a in NOUNS[event.obj][1] if a != event.adj]
        return replace(event, adj=rng.choice(options) if options and rng.random() < 0.7 else None), cost
    if change == "place":
        return replace(event, place=rng.choice([p for p in PLACES if p != event.place])), cost
    if change == "hour":
        return replace(event, hour=rng.choice([h for h in HOURS if h != event.hour])), cost
    if change == "companion":
        others = [p for p in sorted(PERSONS) if p not in (event.agent, event.companion)]
        return replace(event, companion=rng.choice(others)), cost
    if change == "negation":
        return replace(event, negated=not event.negated), cost
    present = [m for m in (*MODIFIERS, "reason") if getattr(event, m) is not None]  # "drop"
    if not present:
        return event, 0.0
    return replace(event, **{rng.choice(present): None}), cost
