"""The loaders on real data: byte-exact excerpts of UD English-EWT and GLUE STS-B (tests/fixtures/real/).

The excerpts are the part that runs everywhere, CI included. The expected counts are stated as numbers
and also recomputed here from the raw lines in the plainest way (regular expressions over the ID column,
tab splits), so a loader bug cannot hide behind the same bug in the test. The last tests run the loaders
over the full real files, which only the development machines have (skipped elsewhere, with the reason).
"""

import hashlib
import json
import os
import re
from pathlib import Path

import pytest

from tests.data.formats import REAL, REAL_STSB_DEV, REAL_STSB_TRAIN, REAL_UD_DEV, REAL_UD_TRAIN
from xstilts.cli import main
from xstilts.data import conllu, stsb
from xstilts.data.check import check


def raw_conllu_counts(path: Path) -> dict:
    """Counts from the raw lines: one ``# sent_id`` per sentence; IDs N (word), N-M (token), N.M (empty node)."""
    text = path.read_text(encoding="utf-8")
    return {
        "kind": "ud",
        "sentences": len(re.findall(r"^# sent_id = ", text, re.M)),
        "words": len(re.findall(r"^[0-9]+\t", text, re.M)),
        "multiword_tokens": len(re.findall(r"^[0-9]+-[0-9]+\t", text, re.M)),
        "empty_nodes": len(re.findall(r"^[0-9]+\.[0-9]+\t", text, re.M)),
    }


def raw_stsb_rows(path: Path) -> list[list[str]]:
    """The data rows of a GLUE STS-B TSV file, split on tabs (and nothing else)."""
    return [line.split("\t") for line in path.read_text(encoding="utf-8").split("\n")[1:] if line]


# -- the excerpts (run everywhere) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, expected",
    [
        (REAL_UD_DEV, {"kind": "ud", "sentences": 220, "words": 3685, "multiword_tokens": 62, "empty_nodes": 3}),
        (REAL_UD_TRAIN, {"kind": "ud", "sentences": 150, "words": 3984, "multiword_tokens": 58, "empty_nodes": 1}),
    ],
)
def test_ud_excerpt_counts(path, expected, capsys):
    assert raw_conllu_counts(path) == expected
    assert path.read_text(encoding="utf-8").count("\n\n") == expected["sentences"]  # one blank line after each
    assert check("ud", path) == expected
    assert main(["data", "check", "ud", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == expected


def test_ud_excerpt_sentence_with_two_empty_nodes_and_a_multiword_token():
    sentences = {s["sent_id"]: s for s in conllu.parse(REAL_UD_DEV)}
    sentence = sentences["answers-20111108072305AAPJTjj_ans-0005"]
    # "It's" is one token of two words; the empty nodes 10.1 and 21.1 ("has") are not words
    assert (sentence["multiword_tokens"], sentence["empty_nodes"], len(sentence["words"])) == (1, 2, 26)
    assert sentence["words"][:4] == ["It", "'s", "more", "compact"]
    assert sentence["heads"][:5] == [4, 4, 4, 0, 8]
    assert sentence["deprels"][9:12] == ["parataxis", "advmod", "orphan"]  # words 10-12: SX40, only, 3200
    assert "has" not in sentence["words"]
    assert sentence["text"].startswith("It's more compact, ISO 6400 capability (SX40 only 3200)")
    assert sentences["answers-20101109081414AAZ3hSI_ans-0002"]["empty_nodes"] == 1


def test_ud_excerpts_keep_the_long_sentences():
    dev = sorted((len(s["words"]) for s in conllu.parse(REAL_UD_DEV)), reverse=True)
    assert dev[:4] == [65, 64, 62, 50]
    train = {s["sent_id"]: len(s["words"]) for s in conllu.parse(REAL_UD_TRAIN)}
    assert sorted(train.values(), reverse=True)[:3] == [159, 135, 102]
    assert train["newsgroup-groups.google.com_alt.animals_434fe80fb3577e8e_ENG_20031011_200300-0020"] == 159
    assert train["answers-20111108104228AA6z9uZ_ans-0002"] == 135


def test_read_conllu_on_the_excerpt_matches_the_raw_word_lines():
    dataset = conllu.read_conllu(REAL_UD_TRAIN)
    assert len(dataset) == 150
    lines = [line.split("\t") for line in REAL_UD_TRAIN.read_text(encoding="utf-8").split("\n")]
    words = [fields for fields in lines if re.fullmatch(r"[0-9]+", fields[0])]
    assert [w for sentence in dataset["words"] for w in sentence] == [fields[1] for fields in words]
    assert [h for sentence in dataset["heads"] for h in sentence] == [int(fields[6]) for fields in words]
    assert [u for sentence in dataset["upos"] for u in sentence] == [fields[3] for fields in words]
    assert sum(head == 0 for sentence in dataset["heads"] for head in sentence) == 150  # one root each


@pytest.mark.parametrize("path, pairs", [(REAL_STSB_DEV, 195), (REAL_STSB_TRAIN, 303)])
def test_stsb_excerpt_counts_and_scores(path, pairs, capsys):
    raw = raw_stsb_rows(path)
    assert len(raw) == pairs and {len(fields) for fields in raw} == {10}
    rows = stsb.parse_tsv(path)
    assert [(r["sentence1"], r["sentence2"], r["score"]) for r in rows] == [
        (fields[7], fields[8], float(fields[9])) for fields in raw
    ]
    assert check("sts-b", path) == {"kind": "sts-b", "pairs": pairs, "scored": pairs}
    assert main(["data", "check", "sts-b", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == {"kind": "sts-b", "pairs": pairs, "scored": pairs}
    dataset = stsb.read_tsv(path)
    assert len(dataset) == pairs
    assert sum(dataset["score"]) == pytest.approx(sum(float(fields[9]) for fields in raw))


def test_stsb_excerpt_rows_with_stray_quotes_are_read_as_they_are():
    rows = stsb.parse_tsv(REAL_STSB_DEV)
    odd = [r for r in rows if (r["sentence1"] + r["sentence2"]).count('"') % 2]
    assert len(odd) == 7
    # index 1012 of dev.tsv: a quote opened in sentence1, a quote closed in sentence2, no quote pairing them
    row = next(r for r in rows if r["sentence1"].startswith('"I feel that people'))
    assert row["sentence1"].endswith('to use their computers," said McKechnie.')
    assert row["sentence2"] == (
        "The people who are sending these messages are infringing on my rights and everyone else's rights"
        ' to use your computer," McKechnie said.'
    )
    assert row["score"] == 4.4


# -- the full real files (development machines only) --------------------------------------------------

REAL_DATA = Path(os.environ.get("XSTILTS_REAL_DATA", "/work/shared/real-data"))
needs_real_data = pytest.mark.skipif(
    not (REAL_DATA / "SOURCES.md").is_file(),
    reason=f"the full real data files are not here ({REAL_DATA}; set XSTILTS_REAL_DATA); "
    "the excerpts in tests/fixtures/real are tested above",
)


@needs_real_data
@pytest.mark.parametrize(
    "relative, expected",
    [
        # the numbers of real-data/SOURCES.md
        ("ud-ewt-r2.13/en_ewt-ud-dev.conllu", (2001, 25149, 359, 3)),
        ("ud-ewt-r2.13/en_ewt-ud-test.conllu", (2077, 25094, 354, 2)),
        ("ud-ewt-master/en_ewt-ud-train.conllu", (12544, 204577, 2614, 37)),
    ],
)
def test_full_ud_files(relative, expected):
    sentences, words, tokens, empty = expected
    counts = {"kind": "ud", "sentences": sentences, "words": words, "multiword_tokens": tokens, "empty_nodes": empty}
    assert check("ud", REAL_DATA / relative) == counts
    assert raw_conllu_counts(REAL_DATA / relative) == counts


@needs_real_data
@pytest.mark.parametrize("split, pairs, scored", [("train", 5749, 5749), ("dev", 1500, 1500), ("test", 1379, 0)])
def test_full_stsb_files(split, pairs, scored):
    path = REAL_DATA / "sts-b" / f"{split}.tsv"
    assert check("sts-b", path) == {"kind": "sts-b", "pairs": pairs, "scored": scored}
    assert len(raw_stsb_rows(path)) == pairs
    assert len(stsb.read_tsv(path)) == pairs


def _lines(path: Path, ranges) -> bytes:
    lines = path.read_bytes().split(b"\n")
    return b"".join(b"\n".join(lines[first - 1 : last]) + b"\n" for first, last in ranges)


def _rows(path: Path, keep) -> bytes:
    header, *rows = path.read_bytes().split(b"\n")[:-1]
    return b"\n".join([header] + [row for index, row in enumerate(rows) if keep(index, row)]) + b"\n"


@needs_real_data
def test_excerpts_are_the_cuts_the_readme_describes():
    cuts = {
        REAL_UD_DEV: _lines(REAL_DATA / "ud-ewt-r2.13/en_ewt-ud-dev.conllu", [(15735, 18156), (20216, 22313)]),
        REAL_UD_TRAIN: _lines(REAL_DATA / "ud-ewt-master/en_ewt-ud-train.conllu", [(127604, 130892), (145981, 147213)]),
        REAL_STSB_DEV: _rows(REAL_DATA / "sts-b/dev.tsv", lambda i, row: i % 8 == 0 or row.count(b'"') % 2 == 1),
        REAL_STSB_TRAIN: _rows(REAL_DATA / "sts-b/train.tsv", lambda i, row: i % 19 == 0),
    }
    readme = (REAL / "README.md").read_text(encoding="utf-8")
    for excerpt, cut in cuts.items():
        assert excerpt.read_bytes() == cut, excerpt.name
        assert f"{hashlib.sha256(cut).hexdigest()}  {excerpt.name}" in readme
