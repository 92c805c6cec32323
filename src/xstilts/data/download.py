"""Paper-profile downloads, written once into ``data/raw/``.

- Hub datasets (``facebook/xnli``, ``nyu-mll/glue``) and model checkpoints: the parquet/weight files of a
  pinned revision, laid out as the hub delivers them (``<dest>/<config>/<split>-00000-of-00001.parquet``).
  A branch name such as ``main`` is resolved to its commit sha first; the sha is recorded in
  ``<dest>/REVISION`` so a later run (or a reader of the data) knows exactly what was fetched.
- UD English-EWT: the three CoNLL-U files of a pinned release tag, checked against pinned sha256 sums;
  sums not pinned yet are recorded in ``SHA256SUMS`` (and printed) so they can be pinned in params.yaml.

Without network every function fails fast with one line naming what could not be fetched.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from xstilts.errors import XstiltsError

log = logging.getLogger(__name__)

TIMEOUT_S = 30  # per connection attempt: a dead network must fail, not hang


def fetch_hub_snapshot(
    repo_id: str,
    revision: str,
    dest: Path,
    *,
    repo_type: str = "dataset",
    allow_patterns: Sequence[str] | None = None,
) -> Path:
    """Download ``repo_id`` at ``revision`` into ``dest`` (hub layout); a no-op when already complete."""
    recorded = dest / "REVISION"
    if recorded.exists() and revision in (recorded.read_text().strip(), "main") and _has_files(dest):
        log.info("%s already in %s (revision %s)", repo_id, dest, recorded.read_text().strip())
        return dest
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", str(TIMEOUT_S))
    try:
        from huggingface_hub import HfApi, snapshot_download

        info = HfApi().repo_info(repo_id, repo_type=repo_type, revision=revision, timeout=TIMEOUT_S)
        snapshot_download(
            repo_id,
            repo_type=repo_type,
            revision=info.sha,
            local_dir=dest,
            allow_patterns=list(allow_patterns) if allow_patterns else None,
            etag_timeout=TIMEOUT_S,
        )
    except Exception as err:  # offline mode, DNS, HTTP, timeouts: all end in the same one-line message
        raise XstiltsError(
            f"cannot download {repo_type} {repo_id}@{revision} from the Hugging Face hub "
            f"({type(err).__name__}: {_first_line(err)}); check the network, or place the files under {dest}"
        ) from None
    recorded.write_text(info.sha + "\n")
    log.info("downloaded %s@%s into %s", repo_id, info.sha, dest)
    return dest


def fetch_ud(
    release: str, url_template: str, files: Mapping[str, str], sha256: Mapping[str, str | None], dest: Path
) -> dict[str, Path]:
    """Download the UD files (``split -> file name``) of ``release``; verify or record their sha256."""
    dest.mkdir(parents=True, exist_ok=True)
    sums: dict[str, str] = {}
    out: dict[str, Path] = {}
    for split, name in files.items():
        url = url_template.format(release=release, file=name)
        target = dest / name
        expected = sha256.get(split)
        if not (target.exists() and expected and sha256_of(target) == expected):
            _download(url, target)
        actual = sha256_of(target)
        if expected and actual != expected:
            target.unlink()
            raise XstiltsError(
                f"{url}: sha256 {actual} does not match data.ud.sha256.{split} = {expected} in params.yaml"
            )
        if not expected:
            log.warning("data.ud.sha256.%s is not pinned; pin it in params.yaml: %s", split, actual)
        sums[name] = actual
        out[split] = target
    (dest / "SHA256SUMS").write_text("".join(f"{digest}  {name}\n" for name, digest in sums.items()))
    (dest / "RELEASE").write_text(release + "\n")
    return out


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(url: str, target: Path) -> None:
    partial = target.with_name(target.name + ".part")  # renamed only when complete
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


def _has_files(dest: Path) -> bool:
    return any(p.is_file() and p.name != "REVISION" for p in dest.rglob("*"))


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else "no details"
