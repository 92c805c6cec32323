"""Inference: length-sorted batches under ``torch.inference_mode``; zero-shot XNLI in one pass.

XNLI dev and test of all languages are encoded together and predicted in one length-sorted pass (so
batches hold sentences of similar length whatever their language), then scored per split and language.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from xstilts import paths
from xstilts.errors import MissingUpstreamError

log = logging.getLogger(__name__)

XNLI_SPLITS = {"dev": "xnli_dev", "test": "xnli_test"}


def load_prepared(split: str, prepared_dir: Path = paths.DATA_PREPARED):
    """One prepared split as a ``datasets.Dataset``."""
    import datasets

    path = Path(prepared_dir) / f"{split}.parquet"
    if not path.exists():
        raise MissingUpstreamError(f"{path}: prepared data missing; run `dvc repro prepare` (or `xstilts prepare`)")
    return datasets.Dataset.from_parquet(str(path))


def predict(model, features, collator, batch_size: int, postprocess, desc: str = "predicting") -> list[dict]:
    """Per-example predictions of ``model`` over ``features`` (a Dataset of encoded examples), in order."""
    rows = features.to_list()
    order = np.argsort([row["length"] for row in rows], kind="stable")
    device = next(model.parameters()).device
    predictions: list[dict | None] = [None] * len(rows)
    was_training = model.training
    model.eval()
    # On a GPU, predict under bf16 autocast as training does (Trainer's bf16=True): about 2x the fp32
    # examples/s on an H200 (docs/performance.md); outputs go back to fp32 before scoring.
    bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
    with torch.inference_mode(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        for start in tqdm(range(0, len(rows), batch_size), desc=desc, leave=False):
            index = order[start : start + batch_size]
            batch = collator([rows[i] for i in index])
            outputs = model(**{k: v.to(device) for k, v in batch.items()})
            if bf16:
                outputs = {
                    k: v.float() if torch.is_tensor(v) and v.is_floating_point() else v for k, v in outputs.items()
                }
            for i, prediction in zip(index, postprocess(outputs, batch), strict=True):
                predictions[i] = prediction
    model.train(was_training)
    return predictions


def evaluate_split(
    model, tokenizer, task, dataset, vocab, max_length: int, batch_size: int, desc: str = "dev"
) -> tuple[dict, list]:
    """Encode ``dataset`` for ``task``, predict, score; returns (metrics, predictions)."""
    from xstilts.train import PadCollator

    features = task.encode_dataset(dataset, tokenizer, max_length, vocab)
    predictions = predict(
        model,
        features,
        PadCollator(task.pad_values(tokenizer)),
        batch_size,
        lambda outputs, batch: task.postprocess(outputs, batch, vocab),
        desc=f"{task.name} {desc}",
    )
    return task.score(predictions, dataset, vocab), predictions


class ZeroShotXnli:
    """Zero-shot XNLI: dev and test of ``languages``, loaded and encoded once; call it with a model for
    ``(metrics, predictions DataFrame)`` from one length-sorted pass over every split and language.

    The target phase calls one after every epoch, the evaluate phase once (:func:`evaluate_xnli`): the
    same rows, encoding, batches and scoring, so the last epoch's numbers are the evaluate run's.
    Metric names are part of the package's contract (README, "Pipeline and outputs"):
    ``xnli_<split>_acc_<lang>`` and ``xnli_<split>_acc_avg`` (the unweighted mean over the languages).
    """

    def __init__(self, tokenizer, languages, max_length: int, batch_size: int):
        import datasets

        from xstilts.tasks._nli import NLI
        from xstilts.train import PadCollator

        self.languages, self.batch_size, self.vocab = list(languages), batch_size, NLI.label_vocab(None)
        parts = []
        for split, name in XNLI_SPLITS.items():
            part = load_prepared(name)
            missing = sorted(set(self.languages) - set(part.unique("language")))
            if missing:
                raise MissingUpstreamError(f"{paths.DATA_PREPARED / name}.parquet: no rows for {', '.join(missing)}")
            parts.append(part.add_column("split", [split] * len(part)))
        wanted = set(self.languages)
        everything = datasets.concatenate_datasets(parts).filter(lambda lang: lang in wanted, input_columns="language")
        self.features = NLI.encode_dataset(everything, tokenizer, max_length, self.vocab, desc="encoding XNLI")
        self.collator = PadCollator(NLI.pad_values(tokenizer))
        self.rows = everything.select_columns(["split", "language", "pair_id", "label"]).to_pandas()

    def __call__(self, model):
        from xstilts.tasks._nli import NLI

        predictions = predict(model, self.features, self.collator, self.batch_size,
                              lambda outputs, batch: NLI.postprocess(outputs, batch, self.vocab),
                              desc="zero-shot XNLI")  # fmt: skip
        frame = self.rows.copy()
        frame["prediction"] = [p["prediction"] for p in predictions]
        frame["correct"] = frame["prediction"] == frame["label"]
        metrics = {}
        for split in XNLI_SPLITS:
            per_language = frame[frame["split"] == split].groupby("language")["correct"].mean()
            metrics |= {f"xnli_{split}_acc_{lang}": float(per_language[lang]) for lang in self.languages}
            metrics[f"xnli_{split}_acc_avg"] = float(np.mean([per_language[lang] for lang in self.languages]))
        return metrics, frame


def evaluate_xnli(model, tokenizer, languages, max_length: int, batch_size: int):
    """Zero-shot XNLI accuracy for every split and language; returns (metrics, predictions DataFrame)."""
    return ZeroShotXnli(tokenizer, languages, max_length, batch_size)(model)
