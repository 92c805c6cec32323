"""CoNLL-U -> sentences over syntactic words (basic tree); multiword tokens and empty nodes counted."""

import pytest

from tests.data.formats import UD_MINI, UD_NO_FINAL_NEWLINE, assert_data_error
from xstilts.data import conllu


def word(index, form, upos="NOUN", head="0", deprel="root"):
    return "\t".join([str(index), form, form.lower(), upos, "_", "_", str(head), deprel, "_", "_"])


def span(ids, form):
    return "\t".join([ids, form] + ["_"] * 8)


def write(tmp_path, *lines, name="bad.conllu"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return path


GOOD = [word(1, "Fine", "ADJ", 0, "root")]  # a valid one-word sentence to put before a bad one


def test_parse_values():
    sentences = conllu.parse(UD_MINI)
    assert sentences[0] == {
        "sent_id": "fixture-001",
        "text": "I'm gonna leave.",
        "words": ["I", "'m", "gon", "na", "leave", "."],
        "upos": ["PRON", "AUX", "VERB", "PART", "VERB", "PUNCT"],
        "heads": [3, 3, 0, 5, 3, 3],
        "deprels": ["nsubj", "aux", "root", "mark", "xcomp", "punct"],
        "multiword_tokens": 1,
        "empty_nodes": 0,
    }
    # the empty node 5.1 is not a word: the basic tree keeps 7 words
    assert sentences[1]["words"] == ["I", "like", "tea", "and", "she", "coffee", "."]
    assert sentences[1]["heads"] == [2, 0, 2, 5, 2, 5, 2]
    assert sentences[1]["deprels"] == ["nsubj", "root", "obj", "cc", "conj", "orphan", "punct"]
    assert (sentences[1]["multiword_tokens"], sentences[1]["empty_nodes"]) == (0, 1)
    assert sentences[2]["words"] == ["My", "dog", "can", "not", "swim", "."]
    assert sentences[2]["deprels"][0] == "nmod:poss"


def test_no_final_newline_and_missing_comments():
    sentences = conllu.parse(UD_NO_FINAL_NEWLINE)
    assert [s["sent_id"] for s in sentences] == ["tail-1", None]
    assert sentences[0]["text"] == '"Hi!"'
    assert sentences[0]["words"] == ['"', "Hi", "!", '"']
    assert sentences[1] == {
        "sent_id": None,
        "text": None,
        "words": ["Thanks"],
        "upos": ["NOUN"],
        "heads": [0],
        "deprels": ["root"],
        "multiword_tokens": 0,
        "empty_nodes": 0,
    }


def test_windows_line_ends_and_extra_blank_lines(tmp_path):
    path = tmp_path / "crlf.conllu"
    path.write_bytes(
        ("# sent_id = a\r\n" + word(1, "Hi", "INTJ") + "\r\n\r\n\r\n" + word(1, "Yo", "INTJ") + "\r\n").encode()
    )
    assert [(s["sent_id"], s["words"], s["deprels"]) for s in conllu.parse(path)] == [
        ("a", ["Hi"], ["root"]),
        (None, ["Yo"], ["root"]),
    ]


def test_read_conllu_dataset():
    dataset = conllu.read_conllu(UD_MINI)
    assert dataset.column_names == ["sent_id", "text", "words", "upos", "heads", "deprels"]
    assert dataset["sent_id"] == ["fixture-001", "fixture-002", "fixture-003"]
    assert dataset[2]["heads"] == [2, 5, 5, 5, 0, 5]
    assert dataset[2]["upos"] == ["PRON", "NOUN", "AUX", "PART", "VERB", "PUNCT"]
    assert conllu.read_conllu(UD_NO_FINAL_NEWLINE)["text"] == ['"Hi!"', None]


def test_check():
    assert conllu.check(UD_MINI) == {"kind": "ud", "sentences": 3, "words": 19, "multiword_tokens": 2, "empty_nodes": 1}
    assert conllu.check(UD_NO_FINAL_NEWLINE) == {
        "kind": "ud",
        "sentences": 2,
        "words": 5,
        "multiword_tokens": 0,
        "empty_nodes": 0,
    }


def test_upos_tags_are_the_17_of_ud_v2():
    assert len(set(conllu.UPOS_TAGS)) == 17 and "PUNCT" in conllu.UPOS_TAGS and "CONJ" not in conllu.UPOS_TAGS


@pytest.mark.parametrize(
    "lines, line, message",
    [
        # the bad sentence starts on line 3, after GOOD and a blank line
        ([word(1, "a") + "\t_"], 3, "expected 10 tab-separated columns, got 11"),
        (["1 a a NOUN _ _ 0 root _ _"], 3, "expected 10 tab-separated columns, got 1"),
        ([word(2, "a")], 3, "word id 2 out of order (expected 1)"),
        ([word(1, "a"), word(3, "b", head=1, deprel="dep")], 4, "word id 3 out of order (expected 2)"),
        ([word(1, "a"), word(1, "b", head=1, deprel="dep")], 4, "word id 1 out of order (expected 2)"),
        ([span("a", "x")], 3, "malformed id 'a' (expected N, N-M or N.M)"),
        ([span("01", "x")], 3, "malformed id '01' (expected N, N-M or N.M)"),
        ([span("1.", "x")], 3, "malformed id '1.' (expected N, N-M or N.M)"),
        ([span("2-3", "xy"), word(1, "a")], 3, "multiword token 2-3 does not match the following words (next word: 1)"),
        ([span("1-1", "x"), word(1, "a")], 3, "multiword token 1-1 does not match the following words (next word: 1)"),
        (
            [span("1-3", "xyz"), word(1, "a"), word(2, "b", head=1, deprel="dep")],
            3,
            "multiword token 1-3 does not match the following words (sentence ends at word 2)",
        ),
        (
            [
                span("1-3", "xyz"),
                word(1, "a"),
                span("2-3", "yz"),
                word(2, "b", head=1, deprel="dep"),
                word(3, "c", head=1, deprel="dep"),
            ],
            5,
            "multiword token 2-3 does not match the following words (next word: 2)",
        ),
        ([word(1, "a"), span("2.1", "e")], 4, "empty node 2.1 out of order (it follows word 1)"),
        ([word(1, "a", head="_")], 3, "head '_' is not an integer"),
        ([word(1, "a", head="1.5")], 3, "head '1.5' is not an integer"),
        ([word(1, "a"), word(2, "b", head=3, deprel="dep")], 4, "head 3 out of range [0, 2]"),
        ([word(1, "a"), word(2, "b", head=-1, deprel="dep")], 4, "head -1 out of range [0, 2]"),
        (["# sent_id = nothing", "# text ="], 3, "empty sentence (no words)"),
        (["# sent_id = only-a-span", span("1-2", "ab")], 3, "empty sentence (no words)"),
        ([word(1, "a", head=2), word(2, "b", head=1)], 3, "expected exactly one root (head 0), found 0"),
        ([word(1, "a"), word(2, "b", head=1), word(3, "c")], 5, "expected exactly one root (head 0), found 2"),
        ([word(1, "a"), word(2, "b", head=3), word(3, "c", head=2)], 4, "cycle 2 -> 3 -> 2 (not a tree)"),
        ([word(1, "a"), word(2, "b", head=2)], 4, "cycle 2 -> 2 (not a tree)"),
        (
            [word(1, "a", upos="CONJ")],
            3,
            "unknown UPOS 'CONJ' (allowed: the 17 UD v2 tags " + " ".join(conllu.UPOS_TAGS) + ")",
        ),
    ],
)
def test_errors_name_the_line(tmp_path, lines, line, message):
    path = write(tmp_path, *GOOD, "", *lines)
    assert_data_error(lambda: conllu.check(path), path, line, message)


def test_empty_and_missing_files(tmp_path):
    path = tmp_path / "empty.conllu"
    path.write_text("\n\n")
    assert_data_error(lambda: conllu.parse(path), path, 1, "empty file")
    assert_data_error(lambda: conllu.read_conllu(tmp_path / "no.conllu"), tmp_path / "no.conllu", 0, "file not found")
