"""Synthetic smoke data: every raw file of the smoke profile, in the real distribution formats.

The smoke profile runs the whole pipeline (tiny BERT/XLM-R models warmed up with MLM on a raw-text
corpus, an intermediate task, MNLI training, zero-shot XNLI in 15 languages) on a laptop CPU in minutes,
through the same loaders and code as the real data. Numbers obtained on these data are not findings.

The package, by part:

- this module: :func:`generate`, the file formats (TSV columns, genres, IDs), the MLM corpus and the
  ``SYNTHETIC.md`` note, and one random stream per output;
- :mod:`~xstilts.data.smoke.lexicon`: the hand-written vocabulary of the 15 languages (data only);
- :mod:`~xstilts.data.smoke.render`: language-neutral meaning frames and their rendering into each
  language (word order, agreement, script, spacing);
- :mod:`~xstilts.data.smoke.nli`: NLI pairs (labels by rule over frames, then label noise) and STS-B
  pairs (scores from how two frames differ);
- :mod:`~xstilts.data.smoke.ud`: English sentences with their UD trees, as CoNLL-U.

What is generated (:func:`generate` writes the layout of :data:`xstilts.paths.SMOKE_RAW`):

- XNLI 1.0 TSV (dev, test): all languages, grouped by language, parallel like the real set (the k-th
  pair of every language renders the same meaning frame, with the same label and pairID);
- GLUE MNLI TSV (train, dev_matched): English, from the same generator on a different random stream;
- GLUE STS-B TSV (train, dev with scores; test with 9 columns and no score), some text with a stray ``"``;
- UD English-EWT-like CoNLL-U (train, dev, test), with multiword tokens and empty nodes;
- ``corpus/<lang>.txt``: raw sentences for the MLM warm-up, one per line;
- ``SYNTHETIC.md``: says that the data are synthetic, with the seed and sizes.

Generation is deterministic given ``sizes.seed``: each output has its own ``random.Random`` seeded with
a string (no global state, no ``hash()``), so files do not depend on each other's sizes or on
``PYTHONHASHSEED``. Only the standard library is used.

Sizes (``params.yaml`` ``data.synthetic``). The values are chosen so that the whole smoke grid
(``grid`` in ``params.yaml``) runs in minutes on 2 CPU cores, while each training set is still large
enough for a 2-layer, 64-wide model to beat chance clearly. Evidence for the latter: such a transformer
trained from scratch on word tokens (no MLM warm-up) on the 6,000 MNLI pairs reached about 0.55
accuracy on the 600 dev pairs within three epochs (chance 0.33; the label noise caps it at about 0.92).
That figure predates the current weights of :data:`~xstilts.data.smoke.nli.RULES`, reweighted since
towards rules with a surface cue (the comment there gives the per-rule accuracies behind the change).
Generating all files takes a few seconds.

=========================  =====  =================================================================
field                      value  controls / why
=========================  =====  =================================================================
``seed``                   13     every random stream (changing it changes every file)
``xnli_dev_per_language``  120    pairs per language in ``xnli.dev.tsv`` (x 15 languages = 1,800
                                  rows; 40 premises x 3 labels)
``xnli_test_per_language`` 240    pairs per language in ``xnli.test.tsv`` (3,600 rows): 15 zero-shot
                                  evaluations stay cheap on CPU, and one language's accuracy has a
                                  standard error of about 3 points
``mnli_train``             6000   English training pairs of the target task (see the evidence above)
``mnli_dev``               600    English dev pairs (checkpoint selection on English dev)
``stsb_train``             1500   STS-B regression pairs of the semantic intermediate task
``stsb_dev``               300    STS-B dev pairs (Pearson/Spearman)
``stsb_test``              300    STS-B test pairs, unscored as in GLUE
``ud_train``               1500   treebank sentences of the syntactic intermediate task (about 15k
                                  words, 1/13 of EWT's 204.6k), about as many as STS-B pairs so the
                                  two intermediate tasks cost about the same
``ud_dev``, ``ud_test``    250    sentences each (about 2,600 words: LAS has a standard error of
                                  about 1 point)
``corpus_per_language``    400    raw sentences per language for the MLM warm-up and the tokenizers
                                  (15 x 400 = 6,000 lines; each of the 33 nouns about a dozen times)
=========================  =====  =================================================================

Shapes mimic the real sets where that changes how the code behaves: premises average about 20 words
with a geometric tail of extra clauses (40-60 words now and then), hypotheses about 10, so padding
and length-grouped batching see realistic lengths.
"""

from __future__ import annotations

import functools
import os
import random
import tempfile
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path

from xstilts.data.smoke import nli, ud
from xstilts.data.smoke.lexicon import LANGS, PERSONS
from xstilts.data.smoke.nli import Pair, sample_event, sample_premise
from xstilts.data.smoke.render import Compare, Text, render
from xstilts.errors import ConfigError
from xstilts.paths import SMOKE_RAW

XNLI_COLUMNS = (
    "language", "gold_label", "sentence1_binary_parse", "sentence2_binary_parse", "sentence1_parse",
    "sentence2_parse", "sentence1", "sentence2", "promptID", "pairID", "genre", "label1", "label2",
    "label3", "label4", "label5", "sentence1_tokenized", "sentence2_tokenized", "match",
)  # fmt: skip
MNLI_TRAIN_COLUMNS = (
    "index", "promptID", "pairID", "genre", "sentence1_binary_parse", "sentence2_binary_parse",
    "sentence1_parse", "sentence2_parse", "sentence1", "sentence2", "label1", "gold_label",
)  # fmt: skip
MNLI_DEV_COLUMNS = (*MNLI_TRAIN_COLUMNS[:-1], "label2", "label3", "label4", "label5", "gold_label")
STSB_COLUMNS = ("index", "genre", "filename", "year", "old_index", "source1", "source2", "sentence1",
                "sentence2", "score")  # fmt: skip
XNLI_GENRES = ("facetoface", "fiction", "government", "letters", "nineeleven", "oup", "slate", "telephone",
               "travel", "verbatim")  # fmt: skip
MNLI_GENRES = ("fiction", "government", "slate", "telephone", "travel")
STSB_GENRES = ("main-captions", "main-news", "main-forums")
P_STRAY_QUOTE = 0.03  # share of STS-B sentences with an unbalanced " (the GLUE file has such text)

# Each premise is rendered for three hypotheses; frames are hashable, so renderings are memoised.
_render = functools.lru_cache(maxsize=8192)(render)


def generate(out_dir: Path, sizes, languages: Sequence[str]) -> dict[str, Path]:
    """Write every file of :data:`~xstilts.paths.SMOKE_RAW` (and ``SYNTHETIC.md``) under ``out_dir``.

    ``sizes`` is the ``data.synthetic`` block of the configuration (an :class:`xstilts.config.SyntheticSizes`,
    not imported here: the generator sits below the configuration and needs only the standard library).

    Returns ``{key: path}`` for the keys of ``SMOKE_RAW`` (``corpus`` is the directory), plus
    ``corpus_<lang>`` for each corpus file and ``synthetic`` for ``SYNTHETIC.md``. Each file is written
    atomically (a temporary file in the same directory, then a rename).
    """
    unknown = [lang for lang in languages if lang not in LANGS]
    if unknown:
        raise ConfigError(
            f"languages: no smoke lexicon for {', '.join(map(repr, unknown))}"
            f" (available: {', '.join(sorted(LANGS))})"
        )
    out_dir = Path(out_dir)
    files = {
        **_nli_files(sizes, languages),
        **_stsb_files(sizes),
        **_ud_files(sizes),
        **_corpus_files(sizes, languages),
        "synthetic": ("SYNTHETIC.md", synthetic_note(sizes, languages)),
    }
    written = {key: _write_atomic(out_dir / relative, text) for key, (relative, text) in files.items()}
    written["corpus"] = out_dir / SMOKE_RAW["corpus"]
    written["corpus"].mkdir(parents=True, exist_ok=True)  # exists even for an empty language list
    return written


def _nli_files(sizes, languages: Sequence[str]) -> dict[str, tuple[str, str]]:
    """XNLI dev/test and MNLI train/dev, each from its own random stream (so they share no pairs)."""
    seed = sizes.seed
    dev = nli.make_pairs(_stream(seed, "xnli-dev"), sizes.xnli_dev_per_language)
    test = nli.make_pairs(_stream(seed, "xnli-test"), sizes.xnli_test_per_language,
                                first_prompt=_next_prompt(dev), first_pair=len(dev) + 1)  # fmt: skip
    train = nli.make_pairs(_stream(seed, "mnli-train"), sizes.mnli_train, first_prompt=100001)
    mdev = nli.make_pairs(_stream(seed, "mnli-dev"), sizes.mnli_dev, first_prompt=_next_prompt(train))
    return {
        "xnli_dev": (SMOKE_RAW["xnli_dev"], xnli_tsv(dev, languages, _stream(seed, "xnli-dev-genres"))),
        "xnli_test": (SMOKE_RAW["xnli_test"], xnli_tsv(test, languages, _stream(seed, "xnli-test-genres"))),
        "mnli_train": (SMOKE_RAW["mnli_train"], mnli_tsv(train, _stream(seed, "mnli-train-genres"), dev=False)),
        "mnli_dev": (SMOKE_RAW["mnli_dev"], mnli_tsv(mdev, _stream(seed, "mnli-dev-genres"), dev=True)),
    }


def _stsb_files(sizes) -> dict[str, tuple[str, str]]:
    splits = {"train": sizes.stsb_train, "dev": sizes.stsb_dev, "test": sizes.stsb_test}
    files = {}
    for split, n in splits.items():
        text = stsb_tsv(_stream(sizes.seed, f"stsb-{split}"), n, scored=split != "test")
        files[f"stsb_{split}"] = (SMOKE_RAW[f"stsb_{split}"], text)
    return files


def _ud_files(sizes) -> dict[str, tuple[str, str]]:
    splits = {"train": sizes.ud_train, "dev": sizes.ud_dev, "test": sizes.ud_test}
    return {
        f"ud_{split}": (SMOKE_RAW[f"ud_{split}"], ud.sentences(_stream(sizes.seed, f"ud-{split}"), n, split))
        for split, n in splits.items()
    }


def _corpus_files(sizes, languages: Sequence[str]) -> dict[str, tuple[str, str]]:
    files = {}
    for lang in languages:
        lines = corpus_lines(_stream(sizes.seed, f"corpus-{lang}"), lang, sizes.corpus_per_language)
        files[f"corpus_{lang}"] = (f"{SMOKE_RAW['corpus']}/{lang}.txt", "".join(line + "\n" for line in lines))
    return files


# -- NLI -------------------------------------------------------------------------------------------


def xnli_tsv(pairs: list[Pair], languages: Sequence[str], rng: random.Random) -> str:
    """XNLI 1.0 TSV: rows grouped by language; the same pairs (labels, IDs, genres) in every language."""
    genres = [rng.choice(XNLI_GENRES) for _ in pairs]
    lines = ["\t".join(XNLI_COLUMNS)]
    for lang in languages:
        for pair, genre in zip(pairs, genres, strict=True):
            premise, hypothesis = _render(lang, pair.premise), _render(lang, pair.hypothesis)
            lines.append("\t".join((
                lang, pair.gold, _binary_parse(premise.tokens), _binary_parse(hypothesis.tokens),
                _parse(premise.tokens), _parse(hypothesis.tokens), premise.text, hypothesis.text,
                str(pair.prompt_id), str(pair.pair_id), genre, *pair.votes,
                " ".join(premise.tokens), " ".join(hypothesis.tokens), str(pair.votes[0] == pair.gold),
            )))  # fmt: skip
    return "\n".join(lines) + "\n"


def mnli_tsv(pairs: list[Pair], rng: random.Random, dev: bool) -> str:
    """GLUE MNLI TSV (English). pairID is the promptID plus the writer's label letter, as in MultiNLI."""
    lines = ["\t".join(MNLI_DEV_COLUMNS if dev else MNLI_TRAIN_COLUMNS)]
    for index, pair in enumerate(pairs):
        premise, hypothesis = _render("en", pair.premise), _render("en", pair.hypothesis)
        # train has one label: the writer's, which is the gold label (noise included)
        labels = pair.votes if dev else (pair.gold,)
        lines.append("\t".join((
            str(index), str(pair.prompt_id), f"{pair.prompt_id}{pair.author_label[0]}", rng.choice(MNLI_GENRES),
            _binary_parse(premise.tokens), _binary_parse(hypothesis.tokens), _parse(premise.tokens),
            _parse(hypothesis.tokens), premise.text, hypothesis.text, *labels, pair.gold,
        )))  # fmt: skip
    return "\n".join(lines) + "\n"


def _next_prompt(pairs: list[Pair]) -> int:
    return (pairs[-1].prompt_id + 1) if pairs else 1


def _binary_parse(tokens: Sequence[str]) -> str:
    """A right-branching binary bracketing (a placeholder shaped like the real column)."""
    text = tokens[-1] if tokens else ""
    for token in reversed(tokens[:-1]):
        text = f"( {token} {text} )"
    return text


def _parse(tokens: Sequence[str]) -> str:
    return "(ROOT (S " + " ".join(f"(X {t})" for t in tokens) + "))"


# -- STS-B -----------------------------------------------------------------------------------------


def stsb_tsv(rng: random.Random, n: int, scored: bool) -> str:
    """GLUE STS-B TSV; the test file (``scored=False``) has 9 columns, no score."""
    columns = STSB_COLUMNS if scored else STSB_COLUMNS[:-1]
    lines = ["\t".join(columns)]
    for index in range(n):
        first, second, score = nli.sts_pair(rng)
        if rng.random() < 0.5:
            first, second = second, first
        sentences = [_stray_quote(rng, render("en", text).text) for text in (first, second)]
        row = [str(index), rng.choice(STSB_GENRES), "synthetic", "smoke", f"{index:04d}", "none", "none", *sentences]
        if scored:
            row.append(f"{score:.2f}")
        lines.append("\t".join(row))
    return "\n".join(lines) + "\n"


def _stray_quote(rng: random.Random, text: str) -> str:
    """Now and then an unbalanced double quote before a word, so readers must not use CSV quoting."""
    if rng.random() >= P_STRAY_QUOTE:
        return text
    words = text.split(" ")
    at = rng.randrange(len(words))
    words[at] = '"' + words[at]
    return " ".join(words)


# -- corpus ----------------------------------------------------------------------------------------


def corpus_lines(rng: random.Random, lang: str, n: int) -> list[str]:
    """``n`` sentences in ``lang``, one per line: premise-like texts split into sentences, short clauses.

    Objects are drawn uniformly (not through verbs) so that every noun of the lexicon is seen often.
    """
    lines: list[str] = []
    people = sorted(PERSONS)
    while len(lines) < n:
        if rng.random() < 0.7:
            text: Text = sample_premise(rng, object_first=True).text
        elif rng.random() < 0.8:
            event = sample_event(rng, rng.choice(people), nli.P_MAIN, object_first=True)
            text = ((replace(event, negated=rng.random() < 0.3),),)
        else:
            a, b = rng.sample(people, 2)
            text = ((Compare(a, b, older=rng.random() < 0.5),),)
        for sentence in text:
            lines.append(render(lang, (sentence,)).text)
    return lines[:n]


# -- files -----------------------------------------------------------------------------------------


def synthetic_note(sizes, languages: Sequence[str]) -> str:
    rows = "\n".join(f"| `{f.name}` | {getattr(sizes, f.name)} |" for f in fields(sizes))
    return f"""# Synthetic data — not real datasets

Every file in this directory is **synthetic**: generated by `xstilts` (`xstilts.data.smoke.generate`,
the smoke profile) from a small hand-written lexicon and rules, with seed {sizes.seed}. The files use the
real distribution formats (XNLI 1.0 TSV, GLUE MNLI and STS-B TSV, CoNLL-U) so that the pipeline runs
offline through the same code as the real data.

**Numbers obtained on these data are not findings.** They only show that the pipeline runs end to end.
The NLI labels follow fixed rules with {nli.NOISE_RATE:.0%} of the gold labels changed on purpose
(a stand-in for annotator disagreement); the "translations" are renderings of the same meaning frames
with a small vocabulary; the treebank is template-made English.

Languages: {", ".join(languages)}

| size | value |
|---|---|
{rows}
"""


def _stream(seed: int, name: str) -> random.Random:
    """An independent random stream per output (string seeds are hashed with SHA-512, not hash())."""
    return random.Random(f"xstilts-smoke/{seed}/{name}")


def _write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to a temporary file beside ``path``, then rename it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
