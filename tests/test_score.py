"""`xstilts score ud GOLD SYSTEM` against the official CoNLL 2018 scorer, and conllu.write_predicted.

The oracle is ``udtools.udeval`` (the `test` extra): the UD project's packaging of the CoNLL 2018 shared
task scorer conll18_ud_eval.py, extended for the IWPT 2020 enhanced-graph metrics; its loading, word
alignment and UAS/LAS code are those of the 2018 script. System files are the real UD EWT dev excerpt
with seeded errors that keep every sentence a tree, written by ``write_predicted`` as the
ud-parse phase writes its predictions.
"""

import json
import subprocess
import sys

import numpy as np
import pytest
from udtools import udeval

from tests.helpers import FIXTURES
from xstilts.cli import main
from xstilts.data import conllu

REAL_DEV = FIXTURES / "real" / "en_ewt-ud-dev-excerpt.conllu"
MINI = FIXTURES / "ud" / "mini.conllu"


def _score(capsys, gold, system) -> dict:
    assert main(["score", "ud", str(gold), str(system)]) == 0
    return json.loads(capsys.readouterr().out)


def _official(gold, system) -> dict:
    return udeval.evaluate(udeval.load_conllu_file(str(gold)), udeval.load_conllu_file(str(system)))


def _gold_copy(out, gold_path=REAL_DEV):
    """``write_predicted`` with the gold heads and deprels as the predictions."""
    gold = conllu.parse(gold_path)
    return conllu.write_predicted(gold_path, [s["heads"] for s in gold], [s["deprels"] for s in gold], out)


def _dominates(heads: list[int], word: int, node: int) -> bool:
    """Whether ``word`` is ``node`` or one of its ancestors (heads 1-based, 0 = ROOT)."""
    while node != 0:
        if node == word:
            return True
        node = heads[node - 1]
    return False


def _corrupt(sentences: list[dict], rng) -> tuple[list, list, list, list]:
    """Predicted heads and deprels: gold with seeded errors, every sentence still a tree.

    Per word: with probability 0.15 a non-root word is re-attached to a random word outside its own
    subtree; with 0.1 its relation becomes another universal relation; with 0.2 only its subtype
    changes (``nmod:poss`` -> ``nmod``, ``obj`` -> ``obj:xx``), which LAS must not count as an error.
    Also returns, per word, whether the head and whether the head or universal relation is wrong.
    """
    relations = sorted({rel.split(":")[0] for s in sentences for rel in s["deprels"]})
    all_heads, all_rels, head_wrong, label_wrong = [], [], [], []
    for s in sentences:
        heads, rels, n = list(s["heads"]), list(s["deprels"]), len(s["heads"])
        for i in range(n):
            if heads[i] != 0 and rng.random() < 0.15:
                options = [j for j in range(1, n + 1) if j != heads[i] and not _dominates(heads, i + 1, j)]
                if options:
                    heads[i] = int(rng.choice(options))
            universal, draw = rels[i].split(":")[0], rng.random()
            if draw < 0.1:
                rels[i] = str(rng.choice([r for r in relations if r != universal]))
            elif draw < 0.3:
                rels[i] = universal if ":" in rels[i] else universal + ":xx"
        all_heads.append(heads)
        all_rels.append(rels)
        head_wrong.append([p != g for p, g in zip(heads, s["heads"], strict=True)])
        label_wrong.append(
            [
                p != g or a.split(":")[0] != b.split(":")[0]
                for p, g, a, b in zip(heads, s["heads"], rels, s["deprels"], strict=True)
            ]
        )
    return all_heads, all_rels, head_wrong, label_wrong


# ------------------------------------------------------------------------------- agreement and values
def test_agrees_with_the_official_conll18_scorer_on_real_data(tmp_path, capsys):
    gold = conllu.parse(REAL_DEV)
    heads, rels, head_wrong, label_wrong = _corrupt(gold, np.random.default_rng(2018))
    system = conllu.write_predicted(REAL_DEV, heads, rels, tmp_path / "system.conllu")

    ours, official = _score(capsys, REAL_DEV, system), _official(REAL_DEV, system)
    assert ours["uas"] == pytest.approx(official["UAS"].f1, abs=1e-9)
    assert ours["las"] == pytest.approx(official["LAS"].f1, abs=1e-9)
    assert ours["words"] == official["UAS"].gold_total == official["Words"].gold_total == 3685
    assert 0.7 < ours["las"] < ours["uas"] < 0.95  # the errors are there, and labels add some

    # Punctuation-excluded scores from the record of the errors, word by word.
    punct = [upos == "PUNCT" for s in gold for upos in s["upos"]]
    head_wrong = [w for sentence in head_wrong for w in sentence]
    label_wrong = [w for sentence in label_wrong for w in sentence]
    kept = punct.count(False)
    head_errors = sum(w for w, p in zip(head_wrong, punct, strict=True) if not p)
    label_errors = sum(w for w, p in zip(label_wrong, punct, strict=True) if not p)
    assert ours["words_nopunct"] == kept == 3685 - 452
    assert ours["uas_nopunct"] == pytest.approx(1 - head_errors / kept, abs=1e-12)
    assert ours["las_nopunct"] == pytest.approx(1 - label_errors / kept, abs=1e-12)
    # punctuation errors, which uas counts and nopunct not
    assert sum(w for w, p in zip(head_wrong, punct, strict=True) if p) > 10
    assert ours["uas"] == pytest.approx(1 - sum(head_wrong) / 3685, abs=1e-12)


def test_subtype_only_changes_keep_las_at_one_like_the_official_scorer(tmp_path, capsys):
    gold = conllu.parse(REAL_DEV)
    rels = [[rel.split(":")[0] if ":" in rel else rel + ":xx" for rel in s["deprels"]] for s in gold]
    system = conllu.write_predicted(REAL_DEV, [s["heads"] for s in gold], rels, tmp_path / "system.conllu")
    assert "\tnmod\t" in system.read_text() and "\tnmod:poss\t" not in system.read_text()
    ours, official = _score(capsys, REAL_DEV, system), _official(REAL_DEV, system)
    assert ours["las"] == official["LAS"].f1 == 1.0
    assert ours["las_nopunct"] == 1.0


def test_gold_against_itself_and_against_its_predicted_copy_is_perfect(tmp_path, capsys):
    perfect = {"uas": 1.0, "las": 1.0, "uas_nopunct": 1.0, "las_nopunct": 1.0, "words": 3685, "words_nopunct": 3233}
    assert _score(capsys, REAL_DEV, REAL_DEV) == perfect
    copy = _gold_copy(tmp_path / "p.conllu")
    assert _score(capsys, REAL_DEV, copy) == perfect
    assert (_official(REAL_DEV, copy)["UAS"].f1, _official(REAL_DEV, copy)["LAS"].f1) == (1.0, 1.0)


def test_score_ud_starts_without_heavy_libraries():
    code = (
        "import sys\nfrom xstilts.cli import main\n"
        f"main(['score', 'ud', {str(MINI)!r}, {str(MINI)!r}])\n"
        "print([m for m in ('torch', 'scipy', 'transformers', 'datasets', 'mlflow', 'pandas') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.splitlines()[0])["words"] == 19
    assert out.splitlines()[1] == "[]"


# ---------------------------------------------------------------------------------------- misalignment
def _blocks(path) -> list[str]:
    return [block for block in path.read_text(encoding="utf-8").split("\n\n") if block.strip()]


def _write(path, blocks: list[str]):
    path.write_text("\n\n".join(blocks) + "\n\n", encoding="utf-8")
    return path


def _line_of(blocks: list[str], k: int, offset: int) -> int:
    """File line (from 1) of line ``offset`` (from 0) of block ``k`` in a file written by :func:`_write`."""
    return sum(block.count("\n") + 2 for block in blocks[:k]) + offset + 1


def _refused(capsys, gold, system) -> tuple[int, str]:
    """(line, message) of the one-line error, which must name the system file."""
    assert main(["score", "ud", str(gold), str(system)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    (error,) = captured.err.strip().splitlines()
    assert error.startswith(f"{system}:")
    line, message = error[len(f"{system}:") :].split(": ", 1)
    return int(line), message


@pytest.fixture
def predicted(tmp_path):
    """Blocks of a perfect prediction file of the real excerpt (gold heads, no empty nodes)."""
    return _blocks(_gold_copy(tmp_path / "p.conllu"))


def test_a_missing_last_sentence_points_at_the_end_of_the_system_file(tmp_path, capsys, predicted):
    system = _write(tmp_path / "short.conllu", predicted[:-1])
    gold_start = conllu.parse(REAL_DEV, lines=True)[-1]["first_line"]
    line, message = _refused(capsys, REAL_DEV, system)
    assert line == system.read_text().count("\n")  # the final blank line, where sentence 220 should start
    assert message == (
        f"sentence 220 is missing: this file ends after 219 sentences, gold has 220"
        f" (sentence 220 starts at {REAL_DEV}:{gold_start})"
    )


def test_a_missing_middle_sentence_points_at_the_first_word_that_differs(tmp_path, capsys, predicted):
    k = 100
    gold = conllu.parse(REAL_DEV, lines=True)
    assert gold[k]["words"][0] != gold[k + 1]["words"][0]
    system = _write(tmp_path / "short.conllu", predicted[:k] + predicted[k + 1 :])
    first_word = next(i for i, text in enumerate(predicted[k + 1].split("\n")) if not text.startswith("#"))
    line, message = _refused(capsys, REAL_DEV, system)
    assert line == _line_of(predicted[:k] + predicted[k + 1 :], k, first_word)
    assert message.startswith(f"sentence {k + 1} ({gold[k]['sent_id']}), word 1 is {gold[k + 1]['words'][0]!r}, ")
    assert message.endswith(f"at {REAL_DEV}:{gold[k]['lines'][0]}; gold has 220 sentences, this file 219")


def test_an_extra_sentence_is_named_by_its_first_line(tmp_path, capsys, predicted):
    system = _write(tmp_path / "long.conllu", predicted + predicted[:1])
    line, message = _refused(capsys, REAL_DEV, system)
    assert line == _line_of(predicted, 220, 0)
    assert message == "extra sentence 221: gold has 220 sentences"


def test_a_changed_form_points_at_its_line(tmp_path, capsys, predicted):
    k, word = 50, 3
    block = predicted[k].split("\n")
    offset = [i for i, text in enumerate(block) if text.split("\t")[0] == str(word)][0]
    fields = block[offset].split("\t")
    fields[1] += "x"
    block[offset] = "\t".join(fields)
    blocks = predicted[:k] + ["\n".join(block)] + predicted[k + 1 :]
    gold = conllu.parse(REAL_DEV, lines=True)[k]
    line, message = _refused(capsys, REAL_DEV, _write(tmp_path / "form.conllu", blocks))
    assert line == _line_of(blocks, k, offset)
    form = gold["words"][word - 1]
    assert message == (
        f"sentence {k + 1} ({gold['sent_id']}), word {word} is {form + 'x'!r}, gold has {form!r}"
        f" at {REAL_DEV}:{gold['lines'][word - 1]}"
    )


def test_an_extra_word_points_at_its_line(tmp_path, capsys, predicted):
    k = 30
    n = len(conllu.parse(REAL_DEV)[k]["words"])
    blocks = list(predicted)
    blocks[k] += f"\n{n + 1}\textra\textra\tX\t_\t_\t1\tdep\t_\t_"  # a leaf: the sentence stays a tree
    line, message = _refused(capsys, REAL_DEV, _write(tmp_path / "extra.conllu", blocks))
    assert line == _line_of(blocks, k, blocks[k].count("\n"))
    assert message.endswith(f"extra word {n + 1} 'extra', gold has {n} words")


def test_a_missing_last_word_points_at_the_blank_line_after_the_sentence(tmp_path, capsys, predicted):
    gold = conllu.parse(REAL_DEV, lines=True)
    # A sentence whose last word is a leaf outside any multiword token, so that dropping it leaves a tree.
    k = next(
        k for k, s in enumerate(gold)
        if s["heads"][-1] != 0 and len(s["words"]) not in s["heads"] and not s["multiword_tokens"]
    )  # fmt: skip
    n = len(gold[k]["words"])
    blocks = list(predicted)
    blocks[k] = blocks[k].rsplit("\n", 1)[0]
    line, message = _refused(capsys, REAL_DEV, _write(tmp_path / "fewer.conllu", blocks))
    assert line == _line_of(blocks, k, blocks[k].count("\n") + 1)
    assert message.endswith(
        f"ends after word {n - 1}, gold has {n} words and goes on with {gold[k]['words'][-1]!r}"
        f" at {REAL_DEV}:{gold[k]['lines'][-1]}"
    )


# ------------------------------------------------------------------------------------- write_predicted
def test_write_predicted_replaces_head_and_deprel_only_and_drops_empty_nodes(tmp_path):
    gold = conllu.parse(MINI)
    heads = [[(h % len(s["heads"])) + 1 if h else 0 for h in s["heads"]] for s in gold]  # any values: not checked
    rels = [[f"rel{i}" for i in range(len(s["heads"]))] for s in gold]
    out = conllu.write_predicted(MINI, heads, rels, tmp_path / "sub" / "pred.conllu")
    assert sorted(p.name for p in out.parent.iterdir()) == ["pred.conllu"]  # no temporary file left behind

    gold_lines = MINI.read_bytes().split(b"\n")
    out_lines = out.read_bytes().split(b"\n")
    kept = [line for line in gold_lines if not line.startswith(b"5.1\t")]
    assert len(out_lines) == len(kept) == len(gold_lines) - 1
    words = iter((h, r) for sh, sr in zip(heads, rels, strict=True) for h, r in zip(sh, sr, strict=True))
    for g, o in zip(kept, out_lines, strict=True):
        g_fields, o_fields = g.split(b"\t"), o.split(b"\t")
        if len(g_fields) == 10 and g_fields[0].isdigit():
            head, rel = next(words)
            assert o_fields[:6] == g_fields[:6] and o_fields[9] == g_fields[9]
            assert o_fields[6:9] == [str(head).encode(), rel.encode(), b"_"]
        else:  # comments, multiword-token lines, blank lines: byte for byte
            assert o == g
    assert next(words, None) is None


def test_write_predicted_keeps_the_real_file_byte_for_byte_but_deps_and_empty_nodes(tmp_path):
    out = _gold_copy(tmp_path / "p")
    expected = []
    for line in REAL_DEV.read_bytes().split(b"\n"):
        fields = line.split(b"\t")
        if b"." in fields[0] and len(fields) == 10:
            continue  # empty node
        if len(fields) == 10 and fields[0].isdigit():
            fields[8] = b"_"
        expected.append(b"\t".join(fields))
    assert out.read_bytes().split(b"\n") == expected
    assert len(expected) == REAL_DEV.read_bytes().count(b"\n") + 1 - 3  # the excerpt's three empty nodes


def test_write_predicted_ends_the_last_sentence_with_a_blank_line(tmp_path):
    out = _gold_copy(tmp_path / "p", FIXTURES / "ud" / "no_final_newline.conllu")
    assert out.read_text().endswith("\n\n")
    assert _official(out, out)["LAS"].f1 == 1.0  # the official scorer rejects a file without it


def test_write_predicted_refuses_predictions_that_do_not_fit(tmp_path):
    gold = conllu.parse(MINI)
    heads, rels = [s["heads"] for s in gold], [s["deprels"] for s in gold]
    out = tmp_path / "p.conllu"
    with pytest.raises(ValueError, match="has 3 sentences, got 2 head and 2 deprel sequences"):
        conllu.write_predicted(MINI, heads[:2], rels[:2], out)
    with pytest.raises(ValueError, match="sentence 2 of .* has 7 words, got 6 heads and 7 deprels"):
        conllu.write_predicted(MINI, [heads[0], heads[1][:-1], heads[2]], rels, out)
    with pytest.raises(ValueError, match="got 3 head and 2 deprel sequences"):
        conllu.write_predicted(MINI, heads, rels[:2], out)
    assert list(tmp_path.iterdir()) == []
