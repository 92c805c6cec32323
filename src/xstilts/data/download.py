"""Transport of the paper profile's downloads: one file at a time, into the place it is asked to go.

What is fetched and where it goes is :mod:`xstilts.data.fetch`; this module only moves bytes:

- hub files (datasets and model checkpoints) through ``huggingface_hub`` at a pinned commit, taken from the
  Hugging Face cache (``HF_HOME``/``HF_HUB_CACHE``) when it already holds them;
- other files (UD English-EWT from raw.githubusercontent.com) with urllib.

A file appears under its final name only when complete (a ``.part`` file, or huggingface_hub's own
incomplete file, is renamed into place), so a file that exists is whole.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from xstilts.errors import XstiltsError

log = logging.getLogger(__name__)

TIMEOUT_S = 30  # per connection attempt: a dead network must fail, not hang


def offline() -> bool:
    """Whether the network must not be used: ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) is set, read as
    huggingface_hub reads it, but now rather than when huggingface_hub was imported."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.upper() in {"1", "ON", "YES", "TRUE"}


def hub_url(repo_type: str, repo_id: str, revision: str, filename: str) -> str:
    """The URL the hub serves ``filename`` of ``repo_id`` at ``revision`` from (honours ``HF_ENDPOINT``)."""
    from huggingface_hub import hf_hub_url

    return hf_hub_url(repo_id, filename, repo_type=repo_type, revision=revision)


def from_hf_cache(repo_type: str, repo_id: str, revision: str, filename: str, target: Path) -> bool:
    """Copy ``filename`` from the Hugging Face cache (``HF_HUB_CACHE``) to ``target`` if the cache holds it at
    ``revision``; no network. Returns whether it did."""
    import huggingface_hub

    cached = huggingface_hub.try_to_load_from_cache(repo_id, filename, revision=revision, repo_type=repo_type)
    if not isinstance(cached, str):  # None (unknown) or the "known to be absent" sentinel
        return False
    link_or_copy(Path(cached).resolve(), target)
    log.info("took %s of %s@%s from the Hugging Face cache", filename, repo_id, revision)
    return True


def hub_file(repo_type: str, repo_id: str, revision: str, filename: str, local_dir: Path) -> Path:
    """Download ``filename`` of ``repo_id`` at ``revision`` to ``local_dir / filename``."""
    import huggingface_hub

    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", str(TIMEOUT_S))
    path = huggingface_hub.hf_hub_download(
        repo_id, filename, repo_type=repo_type, revision=revision, local_dir=local_dir, etag_timeout=TIMEOUT_S
    )
    log.info("downloaded %s of %s@%s", filename, repo_id, revision)
    return Path(path)


def download_url(url: str, target: Path) -> None:
    """Download ``url`` to ``target`` (via ``target.part``, renamed when complete)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out)
    except (urllib.error.URLError, OSError) as err:
        partial.unlink(missing_ok=True)
        reason = getattr(err, "reason", None) or err
        raise XstiltsError(
            f"cannot download {url} ({reason}); check the network, or place the file at {target}"
        ) from err
    os.replace(partial, target)
    log.info("downloaded %s", url)


def link_or_copy(source: Path, target: Path) -> None:
    """``target`` as a hard link to ``source`` (no second copy on disk), or a copy where the file system
    cannot link (another device); replaces ``target`` atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        os.link(source, partial)
    except OSError:
        shutil.copyfile(source, partial)
    os.replace(partial, target)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else "no details"
