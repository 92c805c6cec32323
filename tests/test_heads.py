"""Task heads (xstilts.heads): shapes, losses against hand computations, masking, save/load."""

import json
import math

import pytest
import torch

from xstilts.heads import HEADS, build_head, gather_words, load_head, save_head
from xstilts.parsing import attachment_scores, decode_batch, is_tree

H = 8


def hidden_states(B=2, T=7, seed=0):
    return torch.randn(B, T, H, generator=torch.Generator().manual_seed(seed))


def randomise(module, seed=0):
    """Give every parameter non-trivial values (the biaffine weights start at zero)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.5)
    return module


def hand_cross_entropy(rows, gold):
    """Mean of logsumexp(row) - row[gold] over plain Python lists."""
    losses = [
        math.log(sum(math.exp(v) for v in row if v != -math.inf)) - row[g] for row, g in zip(rows, gold, strict=True)
    ]
    return sum(losses) / len(losses)


# ---------------------------------------------------------------------------------------- registry
def test_registry_holds_the_four_kinds():
    assert set(HEADS) == {"classification", "regression", "tagging", "biaffine"}
    for kind, cls in HEADS.items():
        assert cls.kind == kind


def test_unknown_kind_lists_known_kinds():
    known = "biaffine, classification, regression, tagging"
    with pytest.raises(ValueError, match=f"unknown head kind 'span'; known kinds: {known}"):
        build_head("span", H)


def test_bad_option_is_a_value_error():
    with pytest.raises(ValueError, match="classification"):
        build_head("classification", H, num_labels=3, dropuot=0.1)
    with pytest.raises(ValueError, match="tagging"):
        build_head("tagging", H)  # num_labels missing


def test_config_records_resolved_options():
    head = build_head("biaffine", H, num_labels=5, arc_mlp=16)
    assert head.kind == "biaffine"
    assert head.config == {
        "kind": "biaffine",
        "hidden_size": H,
        "options": {"num_labels": 5, "arc_mlp": 16, "label_mlp": 100, "dropout": 0.33},
    }
    json.dumps(head.config)


# ------------------------------------------------------------------------------ classification etc.
def set_pooler_identity(head):
    with torch.no_grad():
        head.pool.dense.weight.copy_(torch.eye(H))
        head.pool.dense.bias.zero_()


def test_classification_shapes_and_loss_by_hand():
    head = build_head("classification", H, num_labels=3, dropout=0.0)
    set_pooler_identity(head)
    with torch.no_grad():  # logit c = sum of tanh(first-token features) * (c + 1) - c
        head.out.weight.copy_(torch.arange(1.0, 4.0)[:, None].expand(3, H))
        head.out.bias.copy_(-torch.arange(3.0))
    hidden = hidden_states()
    labels = torch.tensor([2, 0])
    out = head(hidden, {"labels": labels})
    assert out["logits"].shape == (2, 3)
    t = torch.tanh(hidden[:, 0]).sum(-1).tolist()
    rows = [[t[b] * (c + 1) - c for c in range(3)] for b in range(2)]
    assert torch.allclose(out["logits"], torch.tensor(rows), atol=1e-5)
    assert out["loss"].item() == pytest.approx(hand_cross_entropy(rows, [2, 0]), abs=1e-5)
    assert "loss" not in head(hidden, {})  # no gold labels, no loss


def test_classification_uses_only_the_first_token():
    head = build_head("classification", H, num_labels=3).eval()
    hidden = hidden_states()
    changed = hidden.clone()
    changed[:, 1:] += 5.0
    assert torch.equal(head(hidden, {})["logits"], head(changed, {})["logits"])


def test_regression_shapes_and_mse_by_hand():
    head = build_head("regression", H, dropout=0.0)
    set_pooler_identity(head)
    with torch.no_grad():
        head.out.weight.fill_(2.0)
        head.out.bias.fill_(0.5)
    hidden = hidden_states(B=3)
    labels = torch.tensor([1.0, 4.5, 0.0])
    out = head(hidden, {"labels": labels})
    assert out["predictions"].shape == (3,)
    predictions = [2.0 * v + 0.5 for v in torch.tanh(hidden[:, 0]).sum(-1).tolist()]
    assert out["predictions"].tolist() == pytest.approx(predictions, abs=1e-5)
    mse = sum((p - y) ** 2 for p, y in zip(predictions, labels.tolist(), strict=True)) / 3
    assert out["loss"].item() == pytest.approx(mse, rel=1e-5)


# ------------------------------------------------------------------------------------------ tagging
def position_hidden(B=2, T=9):
    """hidden[b, t] = [t, b, 0, ...]: a gathered vector says which position it came from."""
    hidden = torch.zeros(B, T, H)
    hidden[:, :, 0] = torch.arange(T, dtype=torch.float)
    hidden[:, :, 1] = torch.arange(B, dtype=torch.float)[:, None]
    return hidden


# two sentences: words start at sub-tokens 1, 2, 5 and 1, 3 (position 0 is [CLS]/<s>); padding
# entries are arbitrary (-100, 999) and must neither crash nor be used
WORD_INDEX = torch.tensor([[1, 2, 5], [1, 3, -100]])
WORD_MASK = torch.tensor([[True, True, True], [True, True, False]])


def test_gather_words_picks_first_sub_tokens():
    words = gather_words(position_hidden(), torch.tensor([[1, 2, 5], [1, 3, 999]]), WORD_MASK)
    assert words.shape == (2, 3, H)
    assert words[..., 0].tolist() == [[1, 2, 5], [1, 3, 0]]
    assert words[..., 1].tolist() == [[0, 0, 0], [1, 1, 1]]


def test_tagging_shapes_and_loss_excludes_padding():
    head = build_head("tagging", H, num_labels=4, dropout=0.0)
    with torch.no_grad():  # logit c = position * (c - 1): known logits from the gathered position
        head.out.weight.zero_()
        head.out.weight[:, 0] = torch.arange(4.0) - 1
        head.out.bias.zero_()
    labels = torch.tensor([[0, 3, 1], [2, 3, -100]])
    out = head(position_hidden(), {"word_index": WORD_INDEX, "word_mask": WORD_MASK, "labels": labels})
    assert out["logits"].shape == (2, 3, 4)
    positions, gold = [1, 2, 5, 1, 3], [0, 3, 1, 2, 3]
    rows = [[p * (c - 1) for c in range(4)] for p in positions]
    assert out["loss"].item() == pytest.approx(hand_cross_entropy(rows, gold), abs=1e-5)
    # a label left on a padded word (mask False) is ignored too
    stray = labels.clone()
    stray[1, 2] = 0
    again = head(position_hidden(), {"word_index": WORD_INDEX, "word_mask": WORD_MASK, "labels": stray})
    assert again["loss"].item() == pytest.approx(out["loss"].item())


def test_tagging_loss_without_real_words_is_zero_not_nan():
    head = build_head("tagging", H, num_labels=4)
    no_words = torch.zeros_like(WORD_MASK)
    batch = {"word_index": WORD_INDEX, "word_mask": no_words, "labels": torch.full((2, 3), -100)}
    loss = head(position_hidden(), batch)["loss"]
    assert loss.item() == 0.0
    loss.backward()


# ----------------------------------------------------------------------------------------- biaffine
def parser(num_labels=3, seed=0, **options):
    options = {"arc_mlp": 6, "label_mlp": 5, "dropout": 0.0, **options}
    return randomise(build_head("biaffine", H, num_labels=num_labels, **options), seed).eval()


PARSE_BATCH = {
    "word_index": WORD_INDEX,
    "word_mask": WORD_MASK,
    "heads": torch.tensor([[2, 0, 2], [0, 1, -100]]),
    "rels": torch.tensor([[1, 0, 2], [0, 2, -100]]),
}


def test_biaffine_shapes_and_masks():
    out = parser()(hidden_states(T=9), PARSE_BATCH)
    arcs, labels = out["arc_scores"], out["label_scores"]
    assert arcs.shape == (2, 3, 4) and labels.shape == (2, 3, 4, 3)
    for b in range(2):
        for i in range(3):
            assert arcs[b, i, i + 1] == -math.inf  # no word heads itself
    assert torch.isinf(arcs[1, :, 3]).all()  # the padded word of sentence 2 is never a head
    assert torch.isfinite(arcs[0, :, 0]).all() and torch.isfinite(arcs[1, :, 0]).all()  # ROOT always is
    assert int((arcs == -math.inf).sum()) == 2 * 3 + 3 - 1  # diagonals + padded column (overlap once)


def test_biaffine_root_is_position_zero_and_words_their_first_sub_token():
    head = parser()
    hidden = hidden_states(T=9)
    base = head(hidden, PARSE_BATCH)["arc_scores"]

    def diff(position):
        changed = hidden.clone()
        changed[:, position] += 3.0
        return (head(changed, PARSE_BATCH)["arc_scores"] != base)[0]  # sentence 1: words at 1, 2, 5

    root = diff(0)  # only the ROOT column moves
    assert root[:, 0].all() and not root[:, 1:].any()
    word3 = diff(5)  # word 3: its row (as dependent) and column 3 (as head) move
    assert word3[2, [0, 1, 2]].all() and word3[[0, 1], 3].all()
    assert not word3[[0, 1]][:, [0, 1, 2]].any()
    assert not diff(3).any() and not diff(4).any() and not diff(8).any()  # non-first sub-tokens


def test_biaffine_loss_by_hand():
    head = parser()
    out = head(hidden_states(T=9), PARSE_BATCH)
    arcs, labels = out["arc_scores"].tolist(), out["label_scores"]
    real = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    gold_heads, gold_rels = PARSE_BATCH["heads"], PARSE_BATCH["rels"]
    arc_loss = hand_cross_entropy([arcs[b][i] for b, i in real], [int(gold_heads[b, i]) for b, i in real])
    label_rows = [labels[b, i, gold_heads[b, i]].tolist() for b, i in real]  # labels at the GOLD head
    label_loss = hand_cross_entropy(label_rows, [int(gold_rels[b, i]) for b, i in real])
    assert out["loss"].item() == pytest.approx(arc_loss + label_loss, rel=1e-5)
    # the padded word carries no gold annotation and changes nothing; arcs-only loss without rels
    arcs_only = head(hidden_states(T=9), {k: v for k, v in PARSE_BATCH.items() if k != "rels"})
    assert arcs_only["loss"].item() == pytest.approx(arc_loss, rel=1e-5)


def test_biaffine_decoding_never_picks_padding_or_self():
    head = parser(seed=3)
    out = head(hidden_states(T=9, seed=3), PARSE_BATCH)
    heads, _ = decode_batch(out["arc_scores"], out["label_scores"], WORD_MASK.sum(1))
    for h, n in zip(heads, [3, 2], strict=True):
        assert len(h) == n and is_tree(h) and h.max() <= n
    assert (out["arc_scores"].argmax(-1)[1, :2] <= 2).all()


def test_gradients_reach_the_encoder_states():
    for kind, options, batch in [
        ("classification", {"num_labels": 3}, {"labels": torch.tensor([0, 1])}),
        ("regression", {}, {"labels": torch.tensor([0.5, 1.0])}),
        ("tagging", {"num_labels": 3}, {**PARSE_BATCH, "labels": PARSE_BATCH["rels"]}),
        ("biaffine", {"num_labels": 3, "arc_mlp": 6, "label_mlp": 5}, PARSE_BATCH),
    ]:
        hidden = hidden_states(T=9).requires_grad_()
        randomise(build_head(kind, H, **options))(hidden, batch)["loss"].backward()
        assert hidden.grad is not None and hidden.grad.abs().sum() > 0, kind


def test_parser_overfits_three_sentences():
    torch.manual_seed(0)
    # 3 sentences (4, 5 and 3 words), some words split in two sub-tokens; fixed random "encoder" states
    word_index = torch.tensor([[1, 2, 4, 5, 0], [1, 3, 4, 5, 7], [1, 2, 3, 0, 0]])
    word_mask = torch.tensor([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.bool)
    gold_heads = [[2, 0, 4, 2], [3, 3, 0, 5, 3], [0, 1, 1]]
    gold_rels = [[1, 0, 3, 2], [1, 2, 0, 3, 1], [0, 2, 3]]
    pad = lambda rows: torch.tensor([r + [-100] * (5 - len(r)) for r in rows])  # noqa: E731
    batch = {"word_index": word_index, "word_mask": word_mask, "heads": pad(gold_heads), "rels": pad(gold_rels)}
    hidden = torch.randn(3, 9, H)
    head = build_head("biaffine", H, num_labels=4, arc_mlp=16, label_mlp=8, dropout=0.0)
    optimiser = torch.optim.Adam(head.parameters(), lr=0.02)
    losses = []
    for _ in range(150):
        loss = head(hidden, batch)["loss"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]
    with torch.no_grad():
        out = head.eval()(hidden, batch)
    heads, rels = decode_batch(out["arc_scores"], out["label_scores"], word_mask.sum(1))
    names = ["root", "nsubj", "obj", "punct"]
    scores = attachment_scores(
        gold_heads,
        [[names[r] for r in s] for s in gold_rels],
        heads,
        [[names[r] for r in s] for s in rels],
        [["X"] * len(s) for s in gold_heads],
    )
    assert scores["uas"] == 1.0 and scores["las"] == 1.0


# ---------------------------------------------------------------------------------------- save/load
@pytest.mark.parametrize(
    "kind, options, batch",
    [
        ("classification", {"num_labels": 3}, {}),
        ("regression", {"dropout": 0.2}, {}),
        ("tagging", {"num_labels": 5}, {"word_index": WORD_INDEX, "word_mask": WORD_MASK}),
        ("biaffine", {"num_labels": 4, "arc_mlp": 7, "label_mlp": 3}, PARSE_BATCH),
    ],
)
def test_save_load_round_trip(tmp_path, kind, options, batch):
    head = randomise(build_head(kind, H, **options), seed=11).eval()
    save_head(head, tmp_path / "head")
    assert sorted(p.name for p in (tmp_path / "head").iterdir()) == ["head.json", "head.safetensors"]
    assert json.loads((tmp_path / "head" / "head.json").read_text()) == head.config
    loaded = load_head(tmp_path / "head").eval()
    assert type(loaded) is type(head) and loaded.config == head.config
    hidden = hidden_states(T=9)
    expected, got = head(hidden, batch), loaded(hidden, batch)
    assert expected.keys() == got.keys()
    for key in expected:
        assert torch.equal(expected[key], got[key]), key


# ----------------------------------------------------------------------------------- truncation
def test_visible_arcs_ignore_cut_off_words_and_cut_off_heads():
    from xstilts.heads import visible_arcs

    word_mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 0, 0, 0]])  # 3 of 5 words left; 2 words, then padding
    gold = torch.tensor([[2, 0, 4, 2, 3], [0, 1, -100, -100, -100]])  # word 3's head is word 4, cut off
    assert visible_arcs(gold, word_mask).tolist() == [[2, 0, -100, -100, -100], [0, 1, -100, -100, -100]]


def test_a_real_sentence_longer_than_max_length_gives_a_finite_loss_and_gradients(project):
    """The 159-word EWT train sentence at max_length 64 with the tiny mBERT's WordPiece vocabulary: before the
    fix, a visible word whose gold head was cut off put its target on a -inf column: an infinite loss."""
    from tests.data.formats import REAL_UD_TRAIN
    from xstilts.data import conllu
    from xstilts.heads import masked_cross_entropy
    from xstilts.models import encoder_with_head, load_encoder
    from xstilts.tasks import get
    from xstilts.train import PadCollator

    sentence = max(conllu.parse(REAL_UD_TRAIN), key=lambda s: len(s["words"]))
    assert len(sentence["words"]) == 159
    encoder, tokenizer = load_encoder(project / "models" / "pretrained" / "mbert")
    task = get("ud-parse")
    vocab = sorted(set(sentence["deprels"]))
    columns = {key: [sentence[key]] for key in ("words", "heads", "deprels")}
    features = task.encode(columns, tokenizer, 64, vocab)
    batch = PadCollator(task.pad_values(tokenizer))([{k: v[0] for k, v in features.items()}])
    visible = int(batch["word_mask"].sum())
    assert batch["input_ids"].shape[1] == 64 and 0 < visible < 159
    heads = torch.tensor(sentence["heads"])
    assert (heads[:visible] > visible).any(), "the test needs a visible word whose head was cut off"

    torch.manual_seed(0)
    net = encoder_with_head(encoder, build_head("biaffine", encoder.config.hidden_size, num_labels=len(vocab)))
    randomise(net.head)
    out = net(**batch)
    assert torch.isfinite(out["loss"])
    out["loss"].backward()
    assert all(p.grad is not None for p in net.head.parameters())  # else the check below could be vacuous
    assert all(torch.isfinite(p.grad).all() for p in net.parameters() if p.grad is not None)
    # the fault it guards against: the old target (masked by word_mask only) gives an infinite arc loss
    old_target = batch["heads"].masked_fill(~batch["word_mask"].bool(), -100)
    assert torch.isinf(masked_cross_entropy(out["arc_scores"].detach(), old_target))
