"""The ud-parse task (xstilts.tasks.ud_parse): encoding, tree decoding of head outputs, UAS/LAS, CoNLL-U out."""

import shutil

import datasets
import pytest
import torch

from tests.helpers import FIXTURES, TOKEN_ID
from xstilts import paths
from xstilts.data import conllu
from xstilts.score import score_ud
from xstilts.tasks import get
from xstilts.tasks.ud_parse import TASK
from xstilts.train import PadCollator

VOCAB = ["det", "nsubj", "punct", "root"]
DET, NSUBJ, PUNCT, ROOT = range(4)
PAD = TOKEN_ID["[PAD]"]
EXAMPLES = {
    "words": [["the", "dogs", "sat", "."], ["a", "cat"]],
    "heads": [[2, 3, 0, 3], [2, 0]],
    "deprels": [["det", "nsubj", "root", "punct"], ["det", "amod"]],  # amod: not in VOCAB
}


def test_the_registry_holds_it_as_the_syntactic_task():
    assert get("ud-parse") is TASK
    assert (TASK.family, TASK.head, TASK.dev_metric) == ("syntactic", "biaffine", "las")
    assert (TASK.train_split, TASK.dev_split) == ("ud_train", "ud_dev")


def test_label_vocab_keeps_subtypes_sorted_and_sizes_the_head():
    train = datasets.Dataset.from_dict({"deprels": [["root", "nmod:poss", "det"], ["det", "root", "nmod"]]})
    vocab = TASK.label_vocab(train)
    assert vocab == ["det", "nmod", "nmod:poss", "root"]
    assert TASK.head_options(vocab) == {"num_labels": 4}


def test_pad_values_ignore_padded_words_in_both_losses(wordpiece):
    assert TASK.pad_values(wordpiece) == {"input_ids": PAD, "heads": -100, "rels": -100}


def test_encode_gives_first_sub_tokens_and_hides_cut_words_from_the_loss(wordpiece):
    features = TASK.encode(EXAMPLES, wordpiece, 5, VOCAB)
    # [CLS] the dog ##s [SEP]: "sat" and "." are cut off; [CLS] a cat [SEP]
    ids = TOKEN_ID
    assert features["input_ids"] == [[2, ids["the"], ids["dog"], ids["##s"], 3], [2, ids["a"], ids["cat"], 3]]
    assert features["word_index"] == [[1, 2, 0, 0], [1, 2]]
    assert features["word_mask"] == [[1, 1, 0, 0], [1, 1]]
    assert features["length"] == [5, 4]
    # a visible word keeps its gold head even when that head was cut off (the head masks that arc itself)
    assert features["heads"] == [[2, 3, -100, -100], [2, 0]]
    assert features["rels"] == [[DET, NSUBJ, -100, -100], [DET, -100]]  # an unknown relation is ignored too
    whole = TASK.encode(EXAMPLES, wordpiece, 32, VOCAB)
    assert whole["word_mask"] == [[1, 1, 1, 1], [1, 1]] and whole["heads"] == [[2, 3, 0, 3], [2, 0]]
    assert whole["rels"] == [[DET, NSUBJ, ROOT, PUNCT], [DET, -100]] and whole["length"] == [7, 4]


def test_encode_dataset_keeps_only_the_features(wordpiece):
    features = TASK.encode_dataset(datasets.Dataset.from_dict(EXAMPLES), wordpiece, 5, VOCAB)
    assert sorted(features.column_names) == sorted(
        ["input_ids", "token_type_ids", "attention_mask", "word_index", "word_mask", "length", "heads", "rels"]
    )
    assert features["rels"] == TASK.encode(EXAMPLES, wordpiece, 5, VOCAB)["rels"]


# -------------------------------------------------------------------------------------- postprocess
def head_outputs(W, arcs, labels):
    """Biaffine-head-like outputs: arcs ``{(b, dep, head): score}`` (1-based dep), -10 elsewhere;
    labels ``{(b, dep, head): label id}`` scored 1, 0 elsewhere."""
    B = 1 + max(b for b, _, _ in arcs)
    arc_scores = torch.full((B, W, W + 1), -10.0)
    label_scores = torch.zeros(B, W, W + 1, len(VOCAB))
    for (b, dep, head), score in arcs.items():
        arc_scores[b, dep - 1, head] = score
    for (b, dep, head), label in labels.items():
        label_scores[b, dep - 1, head, label] = 1.0
    return {"arc_scores": arc_scores, "label_scores": label_scores}


def test_postprocess_decodes_the_best_single_rooted_tree_over_the_visible_words(wordpiece):
    examples = {"words": [["the", "dogs", "sat", "."], ["a", "cat"]], "heads": [[2, 3, 0, 3], [2, 0]],
                "deprels": [["det", "nsubj", "root", "punct"], ["det", "root"]]}  # fmt: skip
    features = TASK.encode(examples, wordpiece, 6, VOCAB)  # [CLS] the dog ##s sat [SEP]: "." is cut off
    batch = PadCollator(TASK.pad_values(wordpiece))([{k: v[i] for k, v in features.items()} for i in range(2)])
    assert batch["word_mask"].tolist() == [[1, 1, 1, 0], [1, 1, 0, 0]]
    assert batch["heads"].tolist() == [[2, 3, 0, -100], [2, 0, -100, -100]]
    assert batch["input_ids"][1].tolist()[-2:] == [PAD, PAD]
    outputs = head_outputs(
        4,
        {
            # sentence 0: the greedy heads 1->2, 2->1 form a cycle; the best tree is 1->3, 2->1, 3->ROOT
            # (5 + 3 + 5 = 13 against 1->2, 2->3: 5 + 1 + 5). The cut word 4 scores 100 as a head: never chosen.
            (0, 1, 0): -5, (0, 1, 2): 5, (0, 1, 3): 3, (0, 1, 4): 100,
            (0, 2, 0): -5, (0, 2, 1): 5, (0, 2, 3): 1, (0, 2, 4): 100,
            (0, 3, 0): 5, (0, 3, 1): 0, (0, 3, 2): 0, (0, 3, 4): 100,
            (0, 4, 0): 100,
            # sentence 1: both words prefer ROOT; one root only: 1->ROOT, 2->1 (5 + 4) beats 2->ROOT, 1->2 (5 + 0)
            (1, 1, 0): 5, (1, 1, 2): 0,
            (1, 2, 0): 5, (1, 2, 1): 4,
        },  # fmt: skip
        {
            (0, 1, 3): NSUBJ, (0, 1, 2): PUNCT, (0, 1, 4): PUNCT,  # the label is read at the chosen head
            (0, 2, 1): DET, (0, 2, 3): PUNCT,
            (0, 3, 0): ROOT,
            (1, 1, 0): ROOT, (1, 1, 2): DET,
            (1, 2, 1): NSUBJ, (1, 2, 0): DET,
        },  # fmt: skip
    )
    outputs["label_scores"][0, 0, 2, PUNCT] = 9.0  # a higher label at the greedy (wrong) head changes nothing
    predictions = TASK.postprocess(outputs, batch, VOCAB)
    assert predictions == [
        {"heads": [3, 1, 0], "deprels": ["nsubj", "det", "root"]},
        {"heads": [0, 1], "deprels": ["root", "nsubj"]},
    ]
    assert all(type(h) is int for p in predictions for h in p["heads"])


def test_postprocess_of_a_sentence_with_no_visible_word_is_empty():
    outputs = head_outputs(2, {(0, 1, 0): 1, (1, 1, 0): 1, (1, 2, 1): 1}, {(1, 1, 0): ROOT, (1, 2, 1): DET})
    batch = {"word_mask": torch.tensor([[0, 0], [1, 1]])}
    assert TASK.postprocess(outputs, batch, VOCAB) == [
        {"heads": [], "deprels": []},
        {"heads": [0, 1], "deprels": ["root", "det"]},
    ]


def test_postprocess_parses_every_visible_word_when_a_middle_word_has_no_sub_token(wordpiece):
    examples = {"words": [["a", "\u00ad", "cat"]], "heads": [[3, 3, 0]], "deprels": [["det", "punct", "root"]]}
    features = TASK.encode(examples, wordpiece, 32, VOCAB)
    assert features["word_mask"] == [[1, 0, 1]]  # the soft hyphen tokenizes to nothing
    batch = PadCollator(TASK.pad_values(wordpiece))([{k: v[0] for k, v in features.items()}])
    outputs = head_outputs(3, {(0, 1, 3): 5, (0, 2, 3): 5, (0, 3, 0): 5}, {(0, 1, 3): DET, (0, 3, 0): ROOT})
    (prediction,) = TASK.postprocess(outputs, batch, VOCAB)
    assert prediction == {"heads": [3, -1, 0], "deprels": ["det", "_", "root"]}  # "cat" was seen: it is parsed


# -------------------------------------------------------------------------------------------- score
GOLD = {
    "words": [["the", "dogs", "sat", "."], ["my", "dog", "!"]],
    "heads": [[2, 3, 0, 3], [2, 0, 2]],
    "deprels": [["det", "nsubj", "root", "punct"], ["nmod:poss", "root", "punct"]],
    "upos": [["DET", "NOUN", "VERB", "PUNCT"], ["PRON", "NOUN", "PUNCT"]],
}


def test_score_counts_cut_off_words_as_wrong_and_compares_universal_labels():
    predictions = [
        # words 3-4 cut off by truncation; word 3's gold head is ROOT (0), so a 0-padding would score it right
        {"heads": [2, 3], "deprels": ["det", "obj"]},  # word 1 right, word 2: head right, label wrong
        # word 1: "nmod" for gold "nmod:poss" is right (subtypes dropped); word 3: wrong head
        {"heads": [2, 0, 1], "deprels": ["nmod", "root", "punct"]},
    ]
    scores = TASK.score(predictions, datasets.Dataset.from_dict(GOLD), VOCAB)
    assert scores == {
        "uas": 4 / 7, "las": 3 / 7,
        "uas_nopunct": 4 / 5, "las_nopunct": 3 / 5,  # the two PUNCT words left out
        "words": 7, "words_nopunct": 5,
    }  # fmt: skip


def test_score_of_the_gold_trees_is_one_and_subtypes_count_both_ways():
    gold = datasets.Dataset.from_dict(GOLD)
    perfect = [{"heads": h, "deprels": r} for h, r in zip(GOLD["heads"], GOLD["deprels"], strict=True)]
    assert TASK.score(perfect, gold, VOCAB)["las"] == 1.0
    subtyped = [{"heads": [2, 3, 0, 3], "deprels": ["det:predet", "nsubj:pass", "root", "punct"]},
                {"heads": [2, 0, 2], "deprels": ["nmod:tmod", "root", "punct"]}]  # fmt: skip
    assert TASK.score(subtyped, gold, VOCAB)["las"] == 1.0
    wrong_heads = [{"heads": [3, 3, 0, 2], "deprels": GOLD["deprels"][0]}, perfect[1]]
    scores = TASK.score(wrong_heads, gold, VOCAB)
    assert (scores["uas"], scores["las"]) == (5 / 7, 5 / 7)  # a right label on a wrong head is wrong


# ------------------------------------------------------------------------------- write_predictions
@pytest.fixture
def gold_dev(tmp_path, monkeypatch):
    """``data/prepared/ud_dev.conllu`` in a scratch cwd: the fixture file (6, 7 and 6 words, multiword
    tokens, an empty node)."""
    gold = tmp_path / paths.DATA_PREPARED / paths.UD_DEV_GOLD
    gold.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "ud" / "mini.conllu", gold)
    monkeypatch.chdir(tmp_path)
    return gold


PREDICTED = [
    {"heads": [3, 3, 0, 3, 3, 3], "deprels": ["nsubj", "aux", "root", "obj", "xcomp", "punct"]},
    {"heads": [2, 0, 2, 2], "deprels": ["nsubj", "root", "obj", "cc"]},  # words 5-7 cut off
    {"heads": [], "deprels": []},  # every word cut off
]


def test_write_predictions_attaches_cut_words_to_the_predicted_root(gold_dev, tmp_path):
    dataset = conllu.read_conllu(gold_dev)
    written = TASK.write_predictions(PREDICTED, dataset, tmp_path / "out" / "dev_predictions")
    assert written == [tmp_path / "out" / "dev_predictions" / "dev.conllu"]

    gold, system = conllu.parse(gold_dev), conllu.parse(written[0])  # a valid CoNLL-U file (trees checked)
    assert [s["heads"] for s in system] == [[3, 3, 0, 3, 3, 3], [2, 0, 2, 2, 2, 2, 2], [0, 1, 1, 1, 1, 1]]
    assert [s["deprels"] for s in system] == [
        ["nsubj", "aux", "root", "obj", "xcomp", "punct"],
        ["nsubj", "root", "obj", "cc", "dep", "dep", "dep"],
        ["dep"] * 6,
    ]
    for key in ("sent_id", "text", "words", "upos", "multiword_tokens"):
        assert [s[key] for s in system] == [s[key] for s in gold], key
    assert conllu.check(written[0])["empty_nodes"] == 0  # the enhanced graph is not predicted

    # every line but the words' HEAD/DEPREL/DEPS and the empty node is copied as it was
    gold_lines, system_lines = gold_dev.read_text().splitlines(), written[0].read_text().splitlines()
    kept = [line for line in gold_lines if not line.startswith("5.1\t")]
    assert len(system_lines) == len(kept)
    for g, s in zip(kept, system_lines, strict=True):
        g_fields, s_fields = g.split("\t"), s.split("\t")
        if len(g_fields) == 10 and g_fields[0].isdigit():
            assert s_fields[:6] + s_fields[9:] == g_fields[:6] + g_fields[9:] and s_fields[8] == "_"
        else:
            assert s == g

    # the file scores the attached cut words as a scorer would (two of them happen to be right);
    # the phase's own score counts every cut word as wrong
    assert score_ud(gold_dev, written[0])["uas"] == 10 / 19
    assert TASK.score(PREDICTED, dataset, VOCAB)["uas"] == 8 / 19


def test_write_predictions_refuses_predictions_for_other_sentences(gold_dev, tmp_path):
    with pytest.raises(ValueError):
        TASK.write_predictions(PREDICTED[:2], conllu.read_conllu(gold_dev), tmp_path / "out")


def test_write_predictions_keeps_the_gold_file_and_writes_nothing_else(gold_dev, tmp_path):
    before = gold_dev.read_bytes()
    TASK.write_predictions(PREDICTED, conllu.read_conllu(gold_dev), tmp_path / "out")
    assert gold_dev.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dev.conllu"]
    assert [len(s["words"]) for s in conllu.parse(tmp_path / "out" / "dev.conllu")] == [6, 7, 6]
