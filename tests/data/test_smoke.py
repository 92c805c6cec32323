"""The synthetic smoke-data generator: formats, sizes, determinism, and the properties the data promise."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import REPO
from xstilts import config
from xstilts.config import SyntheticSizes
from xstilts.data import conllu, smoke, stsb
from xstilts.data.check import check
from xstilts.data.smoke import nli
from xstilts.data.smoke.lexicon import ADJECTIVES, LANGS, NOUNS, PERSONS, PLACES, REASONS, VERBS
from xstilts.data.smoke.nli import NOISE_RATE, RULES
from xstilts.data.smoke.render import Compare, Event, render
from xstilts.errors import ConfigError
from xstilts.paths import SMOKE_RAW

LANGUAGES = ("en", "ar", "bg", "de", "el", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh")
SIZES = SyntheticSizes(
    seed=13,
    xnli_dev_per_language=30,
    xnli_test_per_language=45,
    mnli_train=600,
    mnli_dev=300,
    stsb_train=200,
    stsb_dev=40,
    stsb_test=30,
    ud_train=80,
    ud_dev=20,
    ud_test=20,
    corpus_per_language=25,
)
KINDS = {
    "xnli_dev": "xnli", "xnli_test": "xnli", "mnli_train": "mnli", "mnli_dev": "mnli",
    "stsb_train": "sts-b", "stsb_dev": "sts-b", "stsb_test": "sts-b",
    "ud_train": "ud", "ud_dev": "ud", "ud_test": "ud",
}  # fmt: skip


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke")
    return out, smoke.generate(out, SIZES, LANGUAGES)


def _rows(path: Path) -> list[dict[str, str]]:
    """A TSV file as dicts, split on tabs only (no quoting), as the real files must be read."""
    header, *lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    names = header.split("\t")
    return [dict(zip(names, line.split("\t"), strict=True)) for line in lines]


def _digests(paths: dict[str, Path]) -> dict[str, str]:
    return {key: hashlib.sha256(path.read_bytes()).hexdigest() for key, path in paths.items() if path.is_file()}


# -- files, counts, formats ------------------------------------------------------------------------


def test_every_file_of_the_layout_is_written_and_returned(generated):
    out, paths = generated
    assert set(SMOKE_RAW) | {f"corpus_{lang}" for lang in LANGUAGES} | {"synthetic"} == set(paths)
    for key, relative in SMOKE_RAW.items():
        assert paths[key] == out / relative and paths[key].exists()
    assert sorted(p.name for p in (out / "corpus").iterdir()) == sorted(f"{lang}.txt" for lang in LANGUAGES)
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".")]
    assert leftovers == []  # atomic writes leave no temporary files behind


def test_every_file_passes_the_loaders_check_with_the_requested_counts(generated):
    _, paths = generated
    counts = {key: check(kind, paths[key]) for key, kind in KINDS.items()}
    for key, size in (("xnli_dev", SIZES.xnli_dev_per_language), ("xnli_test", SIZES.xnli_test_per_language)):
        assert counts[key]["pairs"] == size * len(LANGUAGES)
        assert counts[key]["languages"] == dict.fromkeys(LANGUAGES, size)
    assert counts["mnli_train"]["pairs"] == SIZES.mnli_train
    assert counts["mnli_dev"]["pairs"] == SIZES.mnli_dev
    assert counts["stsb_train"] == {"kind": "sts-b", "pairs": SIZES.stsb_train, "scored": SIZES.stsb_train}
    assert counts["stsb_dev"] == {"kind": "sts-b", "pairs": SIZES.stsb_dev, "scored": SIZES.stsb_dev}
    assert counts["stsb_test"] == {"kind": "sts-b", "pairs": SIZES.stsb_test, "scored": 0}
    for split, size in (("train", SIZES.ud_train), ("dev", SIZES.ud_dev), ("test", SIZES.ud_test)):
        result = counts[f"ud_{split}"]
        assert result["sentences"] == size
        assert result["words"] > 5 * size
    for lang in LANGUAGES:
        lines = paths[f"corpus_{lang}"].read_text(encoding="utf-8").split("\n")
        assert lines[-1] == "" and len(lines) - 1 == SIZES.corpus_per_language
        assert all(line.strip() for line in lines[:-1])


def test_tsv_headers_are_the_distribution_columns(generated):
    _, paths = generated
    first_line = {key: paths[key].read_text(encoding="utf-8").split("\n", 1)[0].split("\t") for key in KINDS}
    assert first_line["xnli_dev"] == [
        "language", "gold_label", "sentence1_binary_parse", "sentence2_binary_parse", "sentence1_parse",
        "sentence2_parse", "sentence1", "sentence2", "promptID", "pairID", "genre", "label1", "label2", "label3",
        "label4", "label5", "sentence1_tokenized", "sentence2_tokenized", "match",
    ]  # fmt: skip
    assert first_line["mnli_train"] == [
        "index", "promptID", "pairID", "genre", "sentence1_binary_parse", "sentence2_binary_parse", "sentence1_parse",
        "sentence2_parse", "sentence1", "sentence2", "label1", "gold_label",
    ]  # fmt: skip
    assert first_line["mnli_dev"][-6:] == ["label1", "label2", "label3", "label4", "label5", "gold_label"]
    assert len(first_line["stsb_train"]) == 10 and first_line["stsb_train"][-1] == "score"
    assert first_line["stsb_test"] == first_line["stsb_train"][:-1]  # 9 columns, no score
    assert {len(line.split("\t")) for line in paths["stsb_test"].read_text().splitlines()} == {9}


def test_synthetic_note_states_what_the_data_are(generated):
    _, paths = generated
    note = paths["synthetic"].read_text(encoding="utf-8")
    assert "synthetic" in note.lower() and "not findings" in note
    assert f"seed {SIZES.seed}" in note and f"| `mnli_train` | {SIZES.mnli_train} |" in note


def test_unknown_language_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no smoke lexicon for 'xx'"):
        smoke.generate(tmp_path, SIZES, ("en", "xx"))


# -- determinism, dependencies, documented sizes ---------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_differs(generated, tmp_path):
    _, paths = generated
    again = smoke.generate(tmp_path / "again", SIZES, LANGUAGES)
    assert _digests(again) == _digests(paths)
    other = smoke.generate(tmp_path / "other", SyntheticSizes(**{**SIZES.__dict__, "seed": 14}), LANGUAGES)
    differing = {key for key, digest in _digests(other).items() if digest != _digests(paths)[key]}
    assert differing >= set(KINDS) | {f"corpus_{lang}" for lang in LANGUAGES}


_GENERATE_AND_HASH = """
import hashlib, json, sys
from pathlib import Path
from xstilts.config import SyntheticSizes
from xstilts.data import smoke
paths = smoke.generate(Path(sys.argv[1]), SyntheticSizes(**json.loads(sys.argv[2])), sys.argv[3].split(","))
print(json.dumps({k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in paths.items() if p.is_file()}))
"""


def test_output_does_not_depend_on_python_hash_seed(tmp_path):
    digests = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        command = [sys.executable, "-c", _GENERATE_AND_HASH, str(tmp_path / hash_seed), json.dumps(SIZES.__dict__),
                   ",".join(LANGUAGES)]  # fmt: skip
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=True)
        digests.append(json.loads(result.stdout))
    assert digests[0] == digests[1]


_NEW_TOP_LEVEL_MODULES = """
import sys
before = set(sys.modules)
import xstilts.data.smoke
new = {name.split(".")[0] for name in set(sys.modules) - before}
print(sorted(new - set(sys.stdlib_module_names) - {"xstilts"}))
"""


def test_generator_imports_only_the_standard_library():
    result = subprocess.run([sys.executable, "-c", _NEW_TOP_LEVEL_MODULES], cwd=REPO, capture_output=True,
                            text=True, check=True)  # fmt: skip
    assert result.stdout.strip() == "[]"


def _documented_sizes() -> dict[str, int]:
    """The sizes table of the package docstring: ``field`` (or ``a``, ``b``) and its value."""
    sizes = {}
    for match in re.finditer(r"^``(\w+)``(?:, ``(\w+)``)?\s+(\d+)\s", smoke.__doc__, flags=re.M):
        sizes.update(dict.fromkeys(filter(None, match.group(1, 2)), int(match[3])))
    return sizes


def test_params_sizes_are_the_documented_ones_and_generate_those_counts(tmp_path):
    cfg = config.load(REPO / "params.yaml")
    assert _documented_sizes() == cfg.data.synthetic.__dict__
    sizes = cfg.data.synthetic
    paths = smoke.generate(tmp_path, sizes, cfg.languages)
    assert check("mnli", paths["mnli_train"])["pairs"] == sizes.mnli_train
    assert check("xnli", paths["xnli_test"])["languages"] == dict.fromkeys(cfg.languages, sizes.xnli_test_per_language)


# -- NLI properties --------------------------------------------------------------------------------


def test_xnli_is_parallel_and_grouped_by_language(generated):
    _, paths = generated
    for key, size in (("xnli_dev", SIZES.xnli_dev_per_language), ("xnli_test", SIZES.xnli_test_per_language)):
        rows = _rows(paths[key])
        assert [row["language"] for row in rows] == [lang for lang in LANGUAGES for _ in range(size)]
        blocks = [rows[i * size : (i + 1) * size] for i in range(len(LANGUAGES))]
        columns = ("gold_label", "pairID", "promptID", "genre", "label1", "label2", "label3", "label4", "label5")
        english = [tuple(row[c] for c in columns) for row in blocks[0]]
        for block in blocks[1:]:
            assert [tuple(row[c] for c in columns) for row in block] == english
        assert len({row["pairID"] for row in blocks[0]}) == size
        # translations differ from English (only names and digits are shared)
        for block in blocks[1:]:
            assert sum(a["sentence1"] == b["sentence1"] for a, b in zip(block, blocks[0], strict=True)) == 0
    dev_ids = {row["pairID"] for row in _rows(paths["xnli_dev"])}
    assert dev_ids.isdisjoint(row["pairID"] for row in _rows(paths["xnli_test"]))


def test_every_rule_is_drawn_with_its_label():
    pairs = nli.make_pairs(random.Random("rules"), 900)
    assert {(pair.rule, pair.author_label) for pair in pairs} == {
        (rule, label) for label, rules in RULES.items() for rule in rules
    }


def test_labels_are_balanced_within_five_percent(generated):
    _, paths = generated
    for key in ("xnli_dev", "xnli_test", "mnli_train", "mnli_dev"):
        rows = _rows(paths[key])
        if key.startswith("xnli"):
            rows = [row for row in rows if row["language"] == "en"]
        shares = {label: n / len(rows) for label, n in Counter(row["gold_label"] for row in rows).items()}
        assert set(shares) == {"entailment", "neutral", "contradiction"}
        assert all(abs(share - 1 / 3) <= 0.05 for share in shares.values()), (key, shares)


def test_label_noise_is_the_documented_rate(generated):
    _, paths = generated
    rows = _rows(paths["mnli_dev"])  # label1 is the rule's (writer's) label, gold the majority vote
    changed = sum(row["label1"] != row["gold_label"] for row in rows) / len(rows)
    assert abs(changed - NOISE_RATE) < 0.02
    for row in rows:
        votes = Counter(row[f"label{i}"] for i in range(1, 6))
        assert votes[row["gold_label"]] >= 3  # gold is the majority of the five labels
    clean = [row for row in rows if row["label1"] == row["gold_label"]]
    assert any(len({row[f"label{i}"] for i in range(1, 6)}) > 1 for row in clean)  # dissent without a flip


def test_mnli_and_xnli_do_not_share_pairs(generated):
    _, paths = generated
    english = {(r["sentence1"], r["sentence2"]) for k in ("xnli_dev", "xnli_test") for r in _rows(paths[k])
               if r["language"] == "en"}  # fmt: skip
    train = {(r["sentence1"], r["sentence2"]) for r in _rows(paths["mnli_train"])}
    assert len(english & train) <= 0.02 * len(english)  # only very short pairs can coincide by chance


def test_english_lengths_are_shaped_like_mnli(generated):
    _, paths = generated
    rows = _rows(paths["mnli_train"])
    premises = [len(row["sentence1"].split()) for row in rows]
    hypotheses = [len(row["sentence2"].split()) for row in rows]
    assert 17 <= statistics.mean(premises) <= 24
    assert 8 <= statistics.mean(hypotheses) <= 12
    assert max(premises) >= 40 and max(premises) <= 70  # a long tail, capped
    assert sum(n >= 35 for n in premises) >= 0.02 * len(rows)


_HOUR = re.compile(r"\bat (\d+) o'clock")
_COMPARISON = re.compile(r"^(\w+) is (older|younger) than (\w+)$")
_EN_PLACES = tuple(LANGS["en"].places.values())


def _facts(text: str) -> tuple[dict[str, set[str]], dict[str, set[str]], set[tuple[str, str]]]:
    """Hours and places per person, and 'X is older than Y' facts, stated in an English text."""
    hours: dict[str, set[str]] = {}
    places: dict[str, set[str]] = {}
    older = set()
    for clause in re.split(r"\. |, and |\.$", text):
        if not clause:
            continue
        if match := _COMPARISON.match(clause):
            a, relation, b = match.groups()
            older.add((a, b) if relation == "older" else (b, a))
            continue
        agent = clause.split()[0]
        hours.setdefault(agent, set()).update(_HOUR.findall(clause))
        places.setdefault(agent, set()).update(p for p in _EN_PLACES if p in clause)
    return hours, places, older


def _contradiction_rule(premise: str, hypothesis: str) -> str | None:
    """Which rule makes ``hypothesis`` contradict ``premise``, judged from the English surface alone."""
    hours, places, older = _facts(premise)
    h_hours, h_places, h_older = _facts(hypothesis)
    if " does not " in hypothesis:
        return "negation"
    if any(hs - hours.get(agent, set()) and hours.get(agent) for agent, hs in h_hours.items()):
        return "number"  # the premise gives this person's hour, the hypothesis another one
    if any(ps - places.get(agent, set()) and places.get(agent) for agent, ps in h_places.items()):
        return "place"
    if any((b, a) in older for a, b in h_older):
        return "swapped roles"
    return None


def test_contradictions_differ_from_their_premise_by_a_rule(generated):
    _, paths = generated
    rows = [row for row in _rows(paths["mnli_dev"]) if row["label1"] == row["gold_label"]]  # noise-free
    seen = Counter()
    for row in rows:
        rule = _contradiction_rule(row["sentence1"], row["sentence2"])
        if row["gold_label"] == "contradiction":
            assert rule is not None, row
            seen[rule] += 1
        elif row["gold_label"] == "entailment":
            assert rule is None, row  # entailed hypotheses state nothing the premise contradicts
            assert " does not " not in row["sentence1"]  # premises are affirmative
    assert set(seen) == {"negation", "number", "place", "swapped roles"}


def test_entailed_hypotheses_only_restate_premise_facts(generated):
    _, paths = generated
    for row in _rows(paths["mnli_dev"]):
        if row["label1"] == row["gold_label"] == "entailment":
            hours, places, older = _facts(row["sentence1"])
            h_hours, h_places, h_older = _facts(row["sentence2"])
            assert all(hs <= hours.get(agent, set()) for agent, hs in h_hours.items()), row
            assert all(ps <= places.get(agent, set()) for agent, ps in h_places.items()), row
            assert h_older <= older, row


# -- scripts ---------------------------------------------------------------------------------------


def _letter_scripts(text: str) -> Counter:
    scripts = Counter()
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            scripts[next((s for s in ("LATIN", "ARABIC", "CYRILLIC", "GREEK", "DEVANAGARI", "THAI", "CJK")
                          if name.startswith(s)), name.split(" ")[0])] += 1  # fmt: skip
    return scripts


def test_every_language_is_written_in_its_own_script(generated):
    _, paths = generated
    rows = _rows(paths["xnli_test"])
    for lang in LANGUAGES:
        text = " ".join(r["sentence1"] + " " + r["sentence2"] for r in rows if r["language"] == lang)
        text += paths[f"corpus_{lang}"].read_text(encoding="utf-8")
        scripts = _letter_scripts(text)
        # every letter is in the lexicon's script (names of other scripts never appear: they are transliterated)
        expected = {"Han": "CJK"}.get(LANGS[lang].script, LANGS[lang].script.upper())
        assert set(scripts) == {expected}, (lang, scripts.most_common(3))
    by_lang = {lang: " ".join(r["sentence1"] for r in rows if r["language"] == lang) for lang in LANGUAGES}
    assert re.search("[ہےیٹڈں]", by_lang["ur"]) and not re.search("[ہےیٹڈں]", by_lang["ar"])  # Urdu letters
    assert re.search("[ăâđêôơưạảấầẩậắằẵặẹẻẽếềểệỉịọỏốồổộớờởợụủứừửữựỳỵỷỹ]", by_lang["vi"])
    assert re.search("[çğış]", by_lang["tr"]) and re.search("[äöüß]", by_lang["de"])
    assert re.search("[éèàçœ]", by_lang["fr"]) and re.search("[ñáéíóú]", by_lang["es"])


def test_thai_and_chinese_are_written_without_spaces_between_words(generated):
    _, paths = generated
    for row in _rows(paths["xnli_test"]):
        words = row["sentence1_tokenized"].split()
        if row["language"] == "zh":
            assert " " not in row["sentence1"] and len(words) > 3
        elif row["language"] == "th":
            assert row["sentence1"].count(" ") < len(words) / 2  # spaces only between clauses and around digits
        else:  # tokenized columns split punctuation off
            assert words[-1] in {".", "।", "۔"} and row["sentence1"].split()[-1] not in {".", "।", "۔"}


def test_word_order_and_agreement_follow_each_language():
    event = Event("anna", "read", "book", place="park")
    text = ((event,),)
    assert render("en", text).text == "Anna reads a book in the park."
    assert render("tr", text).text.endswith("okuyor.")  # SOV: verb last
    assert render("hi", text).text.endswith("पढ़ती है।")  # SOV, feminine agreement with Anna
    assert render("ar", text).text.startswith("تقرأ آنا")  # VSO, feminine prefix ت
    assert render("de", ((Event("anna", "read", "book", negated=True),),)).text == "Anna liest kein Buch."
    assert render("fr", ((Event("anna", "drink", "water", negated=True),),)).text == "Anna ne boit pas d'eau."
    assert render("zh", text).text == "安娜在公园看一本书。"
    assert render("ru", ((Event("david", "drink", "water", adj="cold", companion="anna"),),)).text == (
        "Давид пьёт холодную воду с Анной."
    )
    assert render("el", ((Compare("anna", "david"),),)).text == "Η Άννα είναι μεγαλύτερη από τον Δαβίδ."


# -- STS-B -----------------------------------------------------------------------------------------


def test_stsb_scores_span_the_scale_and_text_has_stray_quotes(generated):
    _, paths = generated
    rows = stsb.parse_tsv(paths["stsb_train"])
    scores = [row["score"] for row in rows]
    assert all(0.0 <= s <= 5.0 for s in scores)
    assert statistics.pstdev(scores) > 1.0
    assert min(scores) < 1.0 and max(scores) > 4.5
    assert all(re.fullmatch(r"\d\.\d\d", row["score"]) for row in _rows(paths["stsb_train"]))
    quoted = [r for k in ("stsb_train", "stsb_dev", "stsb_test") for r in stsb.parse_tsv(paths[k])
              if '"' in r["sentence1"] + r["sentence2"]]  # fmt: skip
    assert quoted and all(r[k].count('"') <= 1 for r in quoted for k in ("sentence1", "sentence2"))  # unbalanced
    identical = [r["score"] for r in rows if r["sentence1"] == r["sentence2"]]
    assert identical and min(identical) >= 4.0  # same frame, same text: near 5


# -- UD --------------------------------------------------------------------------------------------


def _blocks(path: Path) -> list[list[str]]:
    return [block.split("\n") for block in path.read_text(encoding="utf-8").rstrip("\n").split("\n\n")]


def test_every_ud_sentence_is_a_tree_with_ewt_style_annotation(generated):
    _, paths = generated
    deprels, upos, mwts, empties = Counter(), Counter(), 0, 0
    for split in ("train", "dev", "test"):
        text = paths[f"ud_{split}"].read_text(encoding="utf-8")
        assert text.endswith("\n\n") and "\n\n\n" not in text  # a blank line after every sentence
        for block in _blocks(paths[f"ud_{split}"]):
            assert block[0].startswith("# sent_id = ") and block[1].startswith("# text = ")
            words = [line.split("\t") for line in block[2:] if re.match(r"\d+\t", line)]
            assert all(len(line.split("\t")) == 10 for line in block[2:])
            heads = [int(w[6]) for w in words]
            assert [int(w[0]) for w in words] == list(range(1, len(words) + 1))
            assert heads.count(0) == 1 and all(0 <= h <= len(words) for h in heads)
            for start in range(1, len(words) + 1):  # every word reaches the root without a cycle
                node, steps = start, 0
                while node != 0:
                    node, steps = heads[node - 1], steps + 1
                    assert steps <= len(words), block
            deprels.update(w[7] for w in words)
            upos.update(w[3] for w in words)
            for i, line in enumerate(block[2:]):
                fields = line.split("\t")
                if "-" in fields[0]:
                    mwts += 1
                    first, last = map(int, fields[0].split("-"))
                    following = [block[2 + i + k].split("\t")[0] for k in range(1, last - first + 2)]
                    assert following == [str(n) for n in range(first, last + 1)]  # the range precedes its words
                    assert "".join(block[2 + i + k].split("\t")[1] for k in range(1, last - first + 2)) == fields[1]
                if "." in fields[0]:
                    empties += 1
                    assert fields[6] == fields[7] == "_" and re.fullmatch(r"\d+:conj:\w+", fields[8])
                    assert any(other.split("\t")[8].startswith(fields[0] + ":") for other in block[2:])
            # the text comment is the tokens joined by their spacing
            tokens = [line.split("\t") for line in block[2:] if re.match(r"\d+(-\d+)?\t", line)]
            skip, rebuilt = set(), ""
            for t in tokens:
                if "-" in t[0]:
                    a, b = map(int, t[0].split("-"))
                    skip.update(map(str, range(a, b + 1)))
                elif t[0] in skip:
                    continue
                rebuilt += t[1] + ("" if "SpaceAfter=No" in t[9] else " ")
            assert block[1] == "# text = " + rebuilt.rstrip()
    assert mwts > 0 and empties > 0
    assert set(upos) <= set(conllu.UPOS_TAGS) and len(upos) >= 14
    expected = {"nsubj", "obj", "obl", "det", "amod", "case", "cc", "conj", "advmod", "aux", "cop", "mark",
                "advcl", "punct", "root", "nmod", "nmod:poss", "compound", "nummod", "xcomp", "acl:relcl",
                "iobj", "orphan", "obl:tmod"}  # fmt: skip
    assert expected <= set(deprels), expected - set(deprels)


def test_ud_multiword_tokens_split_contractions_like_ewt(generated):
    _, paths = generated
    text = "".join(paths[f"ud_{s}"].read_text(encoding="utf-8") for s in ("train", "dev", "test"))
    surfaces = set(re.findall(r"^\d+-\d+\t(\S+)\t", text, flags=re.M))
    assert surfaces & {"doesn't", "don't", "didn't", "can't", "cannot", "won't", "isn't", "gonna", "wanna"}
    assert re.search(r"^\d+\tn't\tnot\tPART\tRB\tPolarity=Neg\t\d+\tadvmod\t", text, flags=re.M)


# -- lexicon ---------------------------------------------------------------------------------------


def test_lexicon_covers_every_entry_in_every_language():
    assert len(LANGS) == 15 and set(LANGS) == set(LANGUAGES)
    assert len(NOUNS) >= 30 and len(VERBS) >= 15 and len(PLACES) >= 15 and len(ADJECTIVES) >= 10
    for code, lex in LANGS.items():
        assert set(lex.names) == set(PERSONS), code
        assert set(lex.nouns) == set(NOUNS), code
        assert set(lex.verbs) == set(VERBS), code
        assert set(lex.adjectives) == set(ADJECTIVES), code
        assert set(lex.places) == set(PLACES), code
        assert set(lex.reasons) == set(REASONS), code
        for noun, (_, adjectives) in NOUNS.items():  # every adjective agrees with every noun it goes with
            tag = lex.nouns[noun][1]
            for adj in adjectives:
                forms = lex.adjectives[adj]
                assert isinstance(forms, str) or tag in forms, (code, noun, adj)
