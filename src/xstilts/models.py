"""Encoders: phase (i) (the pretrained MLM) and encoder-only transfer between phases.

After the pretrained phase every model lives in ``models/pretrained/<model>/`` and nothing needs the
network: the paper profile snapshots the hub checkpoint there once; the smoke profile builds a tiny model
of the same family (BERT + WordPiece for ``mbert``, XLM-R + Unigram for ``xlmr``), trains its tokenizer
on the synthetic multilingual corpus and gives it a short MLM warm-up there.

Only the encoder crosses a phase boundary (X-STILTs' "partial" load): an intermediate phase saves
``encoder/`` (``save_pretrained`` of the bare encoder + tokenizer) and ``head/`` separately; the target
phase loads ``encoder/`` and puts a fresh head on it. The baseline task ``none`` writes ``encoder.json``
pointing at the pretrained model instead of copying it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from pathlib import Path

from xstilts.errors import MissingUpstreamError

log = logging.getLogger(__name__)

PASSTHROUGH = "encoder.json"


BERT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
XLMR_SPECIALS = {"bos_id": 0, "pad_id": 1, "eos_id": 2, "unk_id": 3}  # <s> <pad> </s> <unk>, as in XLM-R; then <mask>


def train_tokenizer(tiny, texts: list[str]):
    """A tokenizer of the real model's kind, with a vocabulary learnt on ``texts``.

    The vocabularies are learnt by SentencePiece, not by the `tokenizers` trainers: those give a different
    vocabulary on every run (hash-map order breaks ties between equally frequent merges,
    huggingface/tokenizers#1794; the Unigram trainer's scores vary too), and the smoke pipeline must give
    the same numbers for the same seed. SentencePiece with one thread is deterministic.
    """
    from transformers import BertTokenizer, XLMRobertaTokenizer

    if tiny.tokenizer == "wordpiece":  # mBERT: cased WordPiece over BERT's basic tokenization
        from tokenizers.normalizers import BertNormalizer
        from tokenizers.pre_tokenizers import BertPreTokenizer

        normalizer = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
        split = BertPreTokenizer()  # whitespace and punctuation; CJK characters were spaced out above
        words = [" ".join(w for w, _ in split.pre_tokenize_str(normalizer.normalize_str(t))) for t in texts]
        processor = _sentencepiece(words, "bpe", tiny.vocab_size, unk_id=0, bos_id=-1, eos_id=-1)
        # SentencePiece marks a word's first piece with "▁"; WordPiece marks the others with "##"
        pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size()) if not processor.is_unknown(i)]
        tokens = [piece[1:] if piece.startswith("\u2581") else f"##{piece}" for piece in pieces]
        alphabet = sorted({c for word in words for c in word if not c.isspace()})
        tokens += alphabet + [f"##{c}" for c in alphabet]  # no word of the corpus becomes [UNK]
        vocab = list(dict.fromkeys(BERT_SPECIALS + [t for t in tokens if t and t != "##"]))
        return BertTokenizer(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=False, strip_accents=None)
    processor = _sentencepiece(texts, "unigram", tiny.vocab_size, user_defined_symbols=["<mask>"], **XLMR_SPECIALS)
    vocab = [(processor.id_to_piece(i), processor.get_score(i)) for i in range(processor.get_piece_size())]
    return XLMRobertaTokenizer(vocab=vocab)


def _sentencepiece(texts: list[str], model_type: str, vocab_size: int, **options):
    """A SentencePiece model of ``model_type`` trained in memory on ``texts`` (identity normalisation: the
    Hugging Face tokenizer that uses the vocabulary sees the raw text)."""
    import io

    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_writer=model, model_type=model_type, vocab_size=vocab_size,
        hard_vocab_limit=False, character_coverage=1.0, normalization_rule_name="identity", num_threads=1,
        minloglevel=2, **options,
    )
    return spm.SentencePieceProcessor(model_proto=model.getvalue())


def tiny_masked_lm(tiny, tokenizer):
    """A randomly initialised masked LM of the tiny architecture (weights seeded by the caller)."""
    from transformers import BertConfig, BertForMaskedLM, XLMRobertaConfig, XLMRobertaForMaskedLM

    shape = dict(
        vocab_size=len(tokenizer),
        hidden_size=tiny.hidden_size,
        num_hidden_layers=tiny.num_layers,
        num_attention_heads=tiny.num_heads,
        intermediate_size=tiny.intermediate_size,
        pad_token_id=tokenizer.pad_token_id,
    )
    if tiny.family == "bert":
        return BertForMaskedLM(BertConfig(max_position_embeddings=tiny.max_position, type_vocab_size=2, **shape))
    # XLM-R offsets positions by padding_idx + 1, hence the two extra position slots (as in the real model)
    config = XLMRobertaConfig(
        max_position_embeddings=tiny.max_position + 2,
        type_vocab_size=1,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        **shape,
    )
    return XLMRobertaForMaskedLM(config)


def build_smoke_model(cfg, model: str, corpus, out_dir: Path, work_dir: Path, seed: int) -> dict[str, float]:
    """Tokenizer + tiny MLM + warm-up on ``corpus`` (a Dataset with a ``text`` column); saved to out_dir."""
    from transformers import DataCollatorForLanguageModeling, set_seed

    from xstilts import train

    spec = cfg.model(model)
    mlm = cfg.pretrained.mlm
    texts = list(corpus["text"])
    tokenizer = train_tokenizer(spec.tiny, texts)
    set_seed(seed)  # the tiny model's initial weights
    masked_lm = tiny_masked_lm(spec.tiny, tokenizer)

    def tokenize(batch):
        encoded = tokenizer(batch["text"], truncation=True, max_length=mlm.max_length)
        encoded["length"] = [len(ids) for ids in encoded["input_ids"]]
        return encoded

    features = corpus.map(tokenize, batched=True, remove_columns=corpus.column_names, desc="tokenizing corpus")
    masking = SeededMasking(
        DataCollatorForLanguageModeling(tokenizer, mlm_probability=cfg.pretrained.mask_probability), seed
    )
    metrics = train.fit(
        masked_lm, features, masking, mlm, seed=seed, work_dir=work_dir, callbacks=[masking.follow_epochs()]
    )
    masked_lm.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return {"mlm_train_loss": metrics["train_loss"], "vocab_size": len(tokenizer)}


def snapshot_hub_model(spec, out_dir: Path, name: str = "") -> Path:
    """Paper profile: the pinned checkpoint's files (``xstilts.data.fetch.MODEL_FILES``: config, safetensors
    weights, tokenizer) placed into ``out_dir`` from the download store, where ``xstilts fetch`` puts them (what
    is missing there is downloaded first, unless offline); ``out_dir/REVISION`` records the commit."""
    from xstilts.data import fetch
    from xstilts.io import replacing_dir

    items = fetch.model_items(spec, name)
    fetch.ensure(items)
    with replacing_dir(out_dir) as tmp:
        fetch.place(items, tmp)
    return Path(out_dir)


def encoder_path(phase_dir: Path) -> Path:
    """The encoder an intermediate phase produced (following the baseline's pass-through pointer)."""
    pointer = phase_dir / PASSTHROUGH
    if pointer.exists():
        return Path(json.loads(pointer.read_text())["encoder"])
    return phase_dir / "encoder"


def load_encoder(path: Path):
    """(encoder, tokenizer) from a local directory; any masked-LM head stored there is dropped."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    path = Path(path)
    if not (path / "config.json").exists():
        raise MissingUpstreamError(f"{path}: no model there; run the phase that produces it (see `dvc dag`)")
    hf_logging.set_verbosity_error()  # the "unexpected lm_head keys" report is expected: we drop that head
    return AutoModel.from_pretrained(path, add_pooling_layer=False), AutoTokenizer.from_pretrained(path)


class SeededMasking:
    """The MLM collator, with each batch's masks drawn from a seed of (phase seed, epoch, the batch's tokens).

    With the global RNG the masks would depend on when a batch is collated, and accelerate collates one
    batch ahead of training: a run resumed inside an epoch would mask differently from the uninterrupted
    run (and shift its dropout). Here collation runs inside ``torch.random.fork_rng``, leaving the global RNG
    as it was. The ``length`` column (only for length-grouped sampling) is not fed to the collator.
    """

    def __init__(self, collator, seed: int):
        self.collator, self.seed, self.epoch = collator, seed, 0

    def __call__(self, features):
        import torch

        features = [{k: v for k, v in f.items() if k != "length"} for f in features]
        key = json.dumps([self.seed, self.epoch, [list(f["input_ids"]) for f in features]])
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little") >> 1)
            return self.collator(features)

    def follow_epochs(self):
        """A Trainer callback that tells this collator the epoch (also after a resume inside an epoch)."""
        from transformers import TrainerCallback

        masking = self

        class FollowEpochs(TrainerCallback):
            def on_epoch_begin(self, args, state, control, **kwargs):
                masking.epoch = math.floor(state.epoch or 0)

        return FollowEpochs()


# Where the package's classification head (xstilts.heads.ClassificationHead: dense + tanh over the first
# token, then a linear layer) sits in transformers' sequence-classification class of each architecture,
# whose forward computes the same function: BERT's pooler (dense + tanh over [CLS]) and classifier,
# RoBERTa's (XLM-R's) classification head (dense, tanh, out_proj over <s>). Dropout only acts in training.
CLASSIFIER_WEIGHTS = {
    "bert": {"pool.dense.": "bert.pooler.dense.", "out.": "classifier."},
    "xlm-roberta": {"pool.dense.": "classifier.dense.", "out.": "classifier.out_proj."},
}
HF_EXPORT = "hf"  # the sub-directory of a target model that holds it as a transformers model


def export_sequence_classifier(encoder, tokenizer, head, labels, out_dir: Path):
    """Save ``encoder`` + classification ``head`` as a plain transformers sequence-classification model
    (``AutoModelForSequenceClassification`` / ``pipeline("text-classification", ...)``) with ``labels`` as
    its id2label; returns the model (in eval mode)."""
    from transformers import AutoModelForSequenceClassification

    kind = encoder.config.model_type
    if kind not in CLASSIFIER_WEIGHTS:
        raise ValueError(f"no sequence-classification export for {kind!r} (known: {', '.join(CLASSIFIER_WEIGHTS)})")
    config = encoder.config.__class__.from_dict(encoder.config.to_dict())
    config.id2label = dict(enumerate(labels))
    config.label2id = {label: i for i, label in enumerate(labels)}
    config.classifier_dropout = head.config["options"]["dropout"]
    model = AutoModelForSequenceClassification.from_config(config)
    prefix = model.base_model_prefix
    state = {f"{prefix}.{name}": tensor for name, tensor in encoder.state_dict().items()}
    for name, tensor in head.state_dict().items():
        old, new = next((o, n) for o, n in CLASSIFIER_WEIGHTS[kind].items() if name.startswith(o))
        state[new + name.removeprefix(old)] = tensor
    model.load_state_dict(state, strict=True)  # every weight of the model comes from the package's model
    model.eval()
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return model


def encoder_with_head(encoder, head):
    """The trainable model of a phase: the shared encoder and the task's head (see xstilts.heads)."""
    import torch

    class EncoderWithHead(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.head = encoder, head

        def forward(self, input_ids, attention_mask, token_type_ids=None, **batch):
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            return self.head(hidden, batch)

    return EncoderWithHead()
