"""The prepare phase: raw data (downloaded or synthetic) -> tokenizer-independent parquet.

``data/raw/`` holds the files in their distribution formats: for the smoke profile the synthetic files of
:mod:`xstilts.data.smoke`; for the paper profile hub parquet snapshots and the pinned UD CoNLL-U files.
``data/prepared/`` holds one parquet file per split, which is all that the phases after this one read:

=====================================  ============================================================
``xnli_dev``, ``xnli_test``            pair_id, language, premise, hypothesis, label
``mnli_train``, ``mnli_dev``           premise, hypothesis, label
``stsb_train``, ``stsb_dev``           sentence1, sentence2, score
``ud_train``, ``ud_dev``, ``ud_test``  sent_id, text, words, upos, heads, deprels
``corpus``                             language, text (smoke profile only: the MLM warm-up corpus)
=====================================  ============================================================

plus ``ud_dev.conllu`` (the gold dev treebank as distributed, for scoring the parser's dev predictions)
and ``manifest.json`` (row counts and sha256 of every raw and prepared file). Each output directory is
built under a temporary name and renamed into place, so an interrupted run never leaves a half-written
output.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from xstilts import paths
from xstilts.data import conllu, download, mnli, stsb, xnli
from xstilts.errors import MissingUpstreamError
from xstilts.io import replacing_dir, write_json

log = logging.getLogger(__name__)

def run(cfg, step: str = "all", raw_dir: Path = paths.DATA_RAW, out_dir: Path = paths.DATA_PREPARED) -> dict:
    """Run the requested step(s); returns the manifest when the prepared step ran."""
    if step in ("raw", "all"):
        make_raw(cfg, Path(raw_dir))
    if step in ("prepared", "all"):
        return make_prepared(cfg, Path(raw_dir), Path(out_dir))
    return {}


def make_raw(cfg, raw_dir: Path) -> None:
    """Smoke: generate the synthetic files. Paper: place the pinned hub and UD files from the download store
    (:mod:`xstilts.data.fetch`; what is missing there is downloaded first, unless offline)."""
    if cfg.profile == "smoke":
        from xstilts.data import smoke

        with replacing_dir(raw_dir) as tmp:
            smoke.generate(tmp, cfg.data.synthetic, cfg.languages)
        return
    from xstilts.data import fetch

    items = fetch.data_items(cfg)
    fetch.ensure(items)  # first, so that a missing file leaves data/raw as it was
    with replacing_dir(raw_dir) as tmp:
        fetch.place(items, tmp)


def load_raw(cfg, raw_dir: Path) -> dict:
    """Read every raw split with its loader; returns ``name -> datasets.Dataset`` (the prepared splits' names)."""
    if not raw_dir.exists():
        raise MissingUpstreamError(f"{raw_dir}: raw data missing; run `xstilts prepare --step raw` (or `dvc repro`)")
    ud_dir = raw_dir / paths.UD_RAW
    splits = {f"ud_{split}": (conllu.read_conllu, ud_dir / name) for split, name in paths.UD_FILES.items()}
    if cfg.profile == "smoke":
        raw = {key: raw_dir / rel for key, rel in paths.SMOKE_RAW.items()}
        splits |= {
            "xnli_dev": (lambda p: xnli.read_tsv(p, cfg.languages), raw["xnli_dev"]),
            "xnli_test": (lambda p: xnli.read_tsv(p, cfg.languages), raw["xnli_test"]),
            "mnli_train": (mnli.read_tsv, raw["mnli_train"]),
            "mnli_dev": (mnli.read_tsv, raw["mnli_dev"]),
            "stsb_train": (stsb.read_tsv, raw["stsb_train"]),
            "stsb_dev": (stsb.read_tsv, raw["stsb_dev"]),
            "corpus": (lambda p: read_corpus(p, cfg.languages), raw["corpus"]),
        }
    else:
        xnli_dir = raw_dir / paths.HUB_RAW / cfg.data.xnli.repo_id
        glue_dir = raw_dir / paths.HUB_RAW / cfg.data.glue.repo_id
        splits |= {
            "xnli_dev": (lambda p: xnli.read_hub(p, "validation", cfg.languages), xnli_dir),
            "xnli_test": (lambda p: xnli.read_hub(p, "test", cfg.languages), xnli_dir),
            "mnli_train": (lambda p: mnli.read_hub(p, "train"), glue_dir),
            "mnli_dev": (lambda p: mnli.read_hub(p, "validation_matched"), glue_dir),
            "stsb_train": (lambda p: stsb.read_hub(p, "train"), glue_dir),
            "stsb_dev": (lambda p: stsb.read_hub(p, "validation"), glue_dir),
        }
    loaded = {}
    for name, (reader, path) in sorted(splits.items()):
        log.info("reading %s from %s", name, path)
        loaded[name] = reader(path)
    return loaded


def read_corpus(corpus_dir: Path, languages):
    """The smoke MLM corpus: ``<lang>.txt`` files, one sentence per line -> Dataset(language, text)."""
    import datasets

    rows = {"language": [], "text": []}
    for lang in languages:
        path = Path(corpus_dir) / f"{lang}.txt"
        if not path.exists():
            raise MissingUpstreamError(f"{path}: corpus file missing; run `xstilts prepare --step raw`")
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows["language"] += [lang] * len(lines)
        rows["text"] += lines
    return datasets.Dataset.from_dict(rows)


def make_prepared(cfg, raw_dir: Path, out_dir: Path) -> dict:
    """Convert raw -> parquet, write the manifest, log one MLflow run (phase ``prepare``)."""
    from xstilts import tracking

    loaded = load_raw(cfg, raw_dir)
    with tracking.phase_run(cfg, "prepare", params={"profile": cfg.profile, "languages": list(cfg.languages)}):
        with replacing_dir(out_dir) as tmp:
            manifest = {"profile": cfg.profile, "synthetic": cfg.profile == "smoke", "splits": {}, "raw": {}}
            for name, dataset in loaded.items():
                target = tmp / f"{name}.parquet"
                dataset.to_parquet(str(target))
                manifest["splits"][name] = {"rows": len(dataset), "sha256": download.sha256_of(target)}
            # the gold dev treebank as distributed, so the parser's dev predictions can be written in its
            # exact layout (comments, multiword tokens) for any CoNLL-U scorer (tasks.ud_parse)
            gold = tmp / paths.UD_DEV_GOLD
            shutil.copyfile(raw_dir / paths.UD_RAW / paths.UD_FILES["dev"], gold)
            manifest["files"] = {paths.UD_DEV_GOLD: download.sha256_of(gold)}
            for path in sorted(p for p in raw_dir.rglob("*") if p.is_file()):
                manifest["raw"][str(path.relative_to(raw_dir))] = download.sha256_of(path)
            write_json(tmp / "manifest.json", manifest)
        tracking.log_metrics({f"rows_{name}": split["rows"] for name, split in manifest["splits"].items()})
        tracking.log_dict(manifest, "manifest.json")
    log.info("prepared %d splits into %s", len(loaded), out_dir)
    return manifest
