"""The paper profile's downloads: fetched once (``xstilts fetch``) into one store, then read offline.

The store is ``data/downloads/`` (or ``$XSTILTS_DOWNLOADS``). It is not a DVC output, so ``dvc repro``
never deletes it, and it travels with a copy of the project. Each file's place names what it is, as its
URL does::

    hub/datasets/<repo_id>/<revision>/<path>   <- https://huggingface.co/datasets/<repo_id>/resolve/<revision>/<path>
    hub/models/<hub_id>/<revision>/<file>      <- https://huggingface.co/<hub_id>/resolve/<revision>/<file>
    ud/<release>/<file>                        <- data.ud.url with {release} and {file}

so a file copied there by hand is as good as a downloaded one. **Complete** means: every expected file is
there, and each UD file whose sha256 is pinned in params.yaml has that sum; there is no marker file. The
revision is part of the place, so files of another revision are never taken for the pinned one.

The stages read the store and touch the network only for what is missing: ``xstilts prepare --step raw``
(paper) places the dataset files into ``data/raw/`` (``hub/<repo_id>/<path>``, ``ud/<file>``) and
``xstilts pretrained`` (paper) the checkpoint's files into ``models/pretrained/<model>/``, as hard links
where the file system allows (else copies), with ``REVISION`` (hub) or ``RELEASE`` and ``SHA256SUMS`` (UD)
beside them for provenance. With ``HF_HUB_OFFLINE`` set, or when a download fails, every missing file is
reported at once, one line each: where to put it and the URL it comes from.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xstilts import paths
from xstilts.data import download
from xstilts.errors import ConfigError, XstiltsError

log = logging.getLogger(__name__)

XNLI_SPLITS = ("validation", "test")
# The GLUE files the paper profile reads (MNLI train / dev matched, STS-B train / dev; STS-B test has no scores).
GLUE_FILES = (
    "mnli/train-00000-of-00001.parquet",
    "mnli/validation_matched-00000-of-00001.parquet",
    "stsb/train-00000-of-00001.parquet",
    "stsb/validation-00000-of-00001.parquet",
)
# The files of each checkpoint that the phases read: the config, the safetensors weights and the tokenizer
# (tokenizer.json is what transformers loads; the vocabulary it was built from comes along). Exact names, so
# that completeness can be decided offline; every name exists in the repository at the pinned revisions of
# params.yaml. XLM-R's repositories hold no tokenizer settings the phases need (special tokens are in
# tokenizer.json, and every tokenization truncates at an explicit max_length).
_BERT_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt")
_XLMR_FILES = ("config.json", "model.safetensors", "sentencepiece.bpe.model", "tokenizer.json")
MODEL_FILES = {  # hub id -> files; the hub serves the legacy ids and the owner-prefixed ones alike
    "bert-base-multilingual-cased": _BERT_FILES,
    "google-bert/bert-base-multilingual-cased": _BERT_FILES,
    "xlm-roberta-base": _XLMR_FILES,
    "FacebookAI/xlm-roberta-base": _XLMR_FILES,
    "xlm-roberta-large": _XLMR_FILES,
    "FacebookAI/xlm-roberta-large": _XLMR_FILES,
}
COMMIT = re.compile(r"[0-9a-f]{40}")


class MissingDownloadsError(XstiltsError):
    """Files of the store are missing and cannot be downloaded now: one line per file, its place and URL."""

    def __init__(self, absent: Sequence[tuple[Item, str]], why: str):
        self.absent = list(absent)
        relative = "" if store().is_absolute() else f" (relative to {Path.cwd()})"
        lines = [
            f"{len(self.absent)} file(s) needed by the paper profile are missing from {store()} and {why}. "
            f"Put each file at the path on the left{relative}, downloaded from the URL on the right, and run the "
            "command again; nothing else is needed:"
        ]
        lines += [f"  {item.path}  {item.url}" + (f"  ({problem})" if problem else "") for item, problem in absent]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Item:
    """One file of the store, and where a stage places it."""

    source: str  # what it belongs to, for tables: "facebook/xnli@b8dd5d7", "UD_English-EWT@r2.13"
    base: Path  # the store directory of its repository at its revision (or of the UD release)
    name: str  # its path below ``base``, as in the repository
    url: str
    out_dir: str  # where a stage places it, relative to the stage's output directory ("" = the top)
    version_file: str  # the provenance file written beside it there: REVISION or RELEASE
    version: str
    hub: tuple[str, str, str] | None = None  # (repo type, repo id, revision) of a hub file
    sha256: str | None = None  # the sum pinned in params.yaml (UD)
    pin_key: str | None = None  # the params.yaml key of that sum, e.g. data.ud.sha256.dev

    @property
    def path(self) -> Path:
        return self.base / self.name


def store() -> Path:
    return Path(os.environ.get("XSTILTS_DOWNLOADS") or paths.DOWNLOADS)


def _commit(revision: str, key: str) -> str:
    if not COMMIT.fullmatch(revision):
        raise ConfigError(f"{key}: {revision!r} is not a commit sha (40 hex digits); pin the commit, not a branch")
    return revision


def _hub_items(repo_type: str, repo_id: str, revision: str, key: str, names: Iterable[str], out_dir: str):
    revision = _commit(revision, key)
    base = store() / "hub" / f"{repo_type}s" / repo_id / revision
    return [
        Item(f"{repo_id}@{revision[:7]}", base, name, download.hub_url(repo_type, repo_id, revision, name), out_dir,
             "REVISION", revision, hub=(repo_type, repo_id, revision))  # fmt: skip
        for name in names
    ]


def data_items(cfg) -> list[Item]:
    """The dataset files the paper profile's prepare phase reads: XNLI dev/test of ``cfg.languages``,
    MNLI and STS-B train/dev, and the UD English-EWT files of the pinned release."""
    xnli, glue, ud = cfg.data.xnli, cfg.data.glue, cfg.data.ud
    xnli_files = [f"{lang}/{split}-00000-of-00001.parquet" for lang in cfg.languages for split in XNLI_SPLITS]
    items = _hub_items("dataset", xnli.repo_id, xnli.revision, "data.xnli.revision", xnli_files,
                       f"{paths.HUB_RAW}/{xnli.repo_id}")  # fmt: skip
    items += _hub_items("dataset", glue.repo_id, glue.revision, "data.glue.revision", GLUE_FILES,
                        f"{paths.HUB_RAW}/{glue.repo_id}")  # fmt: skip
    base = store() / "ud" / ud.release
    items += [
        Item(f"UD_English-EWT@{ud.release}", base, name, ud.url.format(release=ud.release, file=name),
             str(paths.UD_RAW), "RELEASE", ud.release, sha256=ud.sha256.get(split), pin_key=f"data.ud.sha256.{split}")
        for split, name in paths.UD_FILES.items()
    ]  # fmt: skip
    return items


def model_items(spec, name: str = "") -> list[Item]:
    """The checkpoint files of a model (``spec``: its ``hub_id`` and ``revision``; ``name``: its name in
    params.yaml, for messages)."""
    key = f"models.{name or '<model>'}"
    if spec.hub_id not in MODEL_FILES:
        raise ConfigError(
            f"{key}.hub_id: which files of {spec.hub_id!r} to fetch is not known; "
            "add them to MODEL_FILES in src/xstilts/data/fetch.py"
        )
    return _hub_items("model", spec.hub_id, spec.revision, f"{key}.revision", MODEL_FILES[spec.hub_id], "")


def paper_items(cfg, models: Sequence[str]) -> list[Item]:
    return data_items(cfg) + [item for model in models for item in model_items(cfg.model(model), model)]


def problem(item: Item) -> str | None:
    """None when ``item`` is complete in the store, else what is wrong (``""``: it is not there)."""
    if not item.path.is_file():
        return ""
    if item.sha256 and (actual := download.sha256_of(item.path)) != item.sha256:
        return f"sha256 {actual} does not match {item.pin_key} = {item.sha256} in params.yaml"
    return None


def ensure(items: Sequence[Item]) -> dict[Item, str]:
    """Make every item complete in the store; returns how each got there: ``present``, ``HF cache`` or
    ``downloaded``. Downloads only what is missing, and nothing with ``HF_HUB_OFFLINE`` set; what cannot be
    downloaded is raised as one :class:`MissingDownloadsError` listing every missing file."""
    how, absent = {}, []
    for item in items:
        wrong = problem(item)
        if wrong is None:
            how[item] = "present"
        elif wrong == "" and item.hub and download.from_hf_cache(*item.hub, item.name, item.path):
            how[item] = "HF cache"
        else:
            absent.append((item, wrong))
    if absent and download.offline():
        raise MissingDownloadsError(absent, "HF_HUB_OFFLINE is set, so nothing was downloaded")
    for index, (item, _) in enumerate(absent):
        try:
            if item.hub:
                download.hub_file(*item.hub, item.name, item.base)
            else:
                download.download_url(item.url, item.path)
        except Exception as err:  # offline, DNS, HTTP, timeouts: all end in the list of what is still missing
            reason = f"{type(err).__name__}: {download.first_line(err)}"
            raise MissingDownloadsError(absent[index:], f"downloading {item.url} failed ({reason})") from None
        wrong = problem(item)
        if wrong:
            item.path.unlink()  # a bad file is not left behind
            raise XstiltsError(f"{item.url}: {wrong}")
        how[item] = "downloaded"
    for item in items:
        if item.pin_key and not item.sha256:
            log.warning("%s is not pinned; pin it in params.yaml: %s", item.pin_key, download.sha256_of(item.path))
    return how


def place(items: Sequence[Item], dest: Path) -> None:
    """Put the (complete) items into a stage's output directory ``dest``, each at ``out_dir/name``, with the
    provenance files: REVISION of each hub repository, RELEASE and SHA256SUMS of UD."""
    dest = Path(dest)
    groups: dict[str, list[Item]] = {}
    for item in items:
        download.link_or_copy(item.path, dest / item.out_dir / item.name)
        groups.setdefault(item.out_dir, []).append(item)
    for out_dir, group in groups.items():
        (dest / out_dir / group[0].version_file).write_text(group[0].version + "\n")
        if group[0].pin_key:  # UD: the sums, pinned or (README) to be pinned
            sums = "".join(f"{download.sha256_of(item.path)}  {item.name}\n" for item in group)
            (dest / out_dir / "SHA256SUMS").write_text(sums)


def fetch(cfg, models: Sequence[str]) -> list[dict]:
    """``xstilts fetch``: every file the paper profile needs for ``models``; one row per file."""
    items = paper_items(cfg, models)
    how = ensure(items)
    return [{"source": item.source, "file": item.name, "bytes": item.path.stat().st_size, "status": how[item],
             "path": str(item.path)} for item in items]  # fmt: skip


def format_table(rows: Sequence[dict]) -> str:
    table = [("source", "file", "size", "status")]
    table += [(row["source"], row["file"], _size(row["bytes"]), row["status"]) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(4)]
    lines = []
    for line in table:  # sizes right-aligned
        cells = (c.rjust(w) if i == 2 else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True)))
        lines.append("  ".join(cells).rstrip())
    counts = {status: sum(row["status"] == status for row in rows) for status in ("downloaded", "HF cache", "present")}
    lines.append(
        f"{len(rows)} files, {_size(sum(row['bytes'] for row in rows))} in {store()}: "
        + ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    )
    return "\n".join(lines)


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"
