"""Where things live on disk (all DVC outputs, git-ignored), relative to the repository root.

dvc.yaml names the same paths for its stage outputs; tests check that the two agree.
"""

from __future__ import annotations

from pathlib import Path

DATA_RAW = Path("data/raw")
DATA_PREPARED = Path("data/prepared")
MODELS = Path("models")
RESULTS = Path("results")

# Raw layout of the smoke profile: the canonical distribution formats (see xstilts.data.*).
SMOKE_RAW = {
    "xnli_dev": "xnli/xnli.dev.tsv",  # XNLI 1.0 TSV
    "xnli_test": "xnli/xnli.test.tsv",
    "mnli_train": "mnli/train.tsv",  # GLUE MNLI TSV
    "mnli_dev": "mnli/dev_matched.tsv",
    "stsb_train": "sts-b/train.tsv",  # GLUE STS-B TSV (10 columns; test has 9, no score)
    "stsb_dev": "sts-b/dev.tsv",
    "stsb_test": "sts-b/test.tsv",
    "ud_train": "ud/en_ewt-ud-train.conllu",  # CoNLL-U
    "ud_dev": "ud/en_ewt-ud-dev.conllu",
    "ud_test": "ud/en_ewt-ud-test.conllu",
    "corpus": "corpus",  # one <lang>.txt per language: raw text, one sentence per line (MLM warm-up)
}

# Raw layout of the paper profile: hub snapshots (parquet, as the hub lays them out) and UD files.
HUB_RAW = Path("hub")  # data/raw/hub/<owner>/<name>/... as delivered by the hub
UD_FILES = {"train": "en_ewt-ud-train.conllu", "dev": "en_ewt-ud-dev.conllu", "test": "en_ewt-ud-test.conllu"}
UD_RAW = Path("ud")
# The paper profile's downloads (xstilts.data.fetch): datasets and checkpoints at their pinned revisions. Not a
# DVC output, so that `dvc repro` never deletes them; `prepare --step raw` and `pretrained` place them from here.
DOWNLOADS = Path("data/downloads")
UD_DEV_GOLD = "ud_dev.conllu"  # in data/prepared/: the raw gold dev CoNLL-U, copied byte for byte
WORK = Path("work")  # checkpoints while a phase trains (git- and DVC-ignored)
