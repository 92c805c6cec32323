"""The target model exported as a transformers sequence-classification model computes the package's logits."""

import pytest
import torch
from transformers import AutoModelForSequenceClassification, BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

from tests.helpers import tiny_wordpiece
from xstilts import heads, models
from xstilts.data import NLI_LABELS

SHAPE = {"vocab_size": 30, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 24}


@pytest.mark.parametrize(
    ("encoder", "expected"),
    [
        (lambda: BertModel(BertConfig(**SHAPE), add_pooling_layer=False), "BertForSequenceClassification"),
        (lambda: XLMRobertaModel(XLMRobertaConfig(pad_token_id=1, **SHAPE), add_pooling_layer=False),
         "XLMRobertaForSequenceClassification"),
    ],
)
def test_the_exported_model_gives_the_packages_logits(tmp_path, encoder, expected):
    torch.manual_seed(0)
    encoder = encoder()
    head = heads.build_head("classification", SHAPE["hidden_size"], num_labels=3)
    with torch.no_grad():  # a trained head's bias is not zero, as a fresh one's is
        head.out.bias.normal_()
    net = models.encoder_with_head(encoder, head).eval()
    tokenizer = tiny_wordpiece(tmp_path / "tokenizer")  # saved beside the model; the ids below are fed directly
    models.export_sequence_classifier(encoder, tokenizer, head, list(NLI_LABELS), tmp_path / "hf")

    exported = AutoModelForSequenceClassification.from_pretrained(tmp_path / "hf")
    assert type(exported).__name__ == expected
    assert exported.config.id2label == dict(enumerate(NLI_LABELS))
    assert exported.config.label2id == {label: i for i, label in enumerate(NLI_LABELS)}
    ids = torch.tensor([[2, 5, 6, 7, 3, 8, 9, 3], [2, 13, 14, 3, 10, 3, 1, 1]])
    mask = (ids != 1).long()
    with torch.no_grad():
        ours = net(input_ids=ids, attention_mask=mask)["logits"]
        theirs = exported(input_ids=ids, attention_mask=mask).logits
    torch.testing.assert_close(theirs, ours, rtol=0, atol=1e-6)
