"""`xstilts fetch` and the download store, offline: the missing-files report, files placed by hand where it
says, the stages that read the store, and the download path against a local directory laid out like the hub
(``<hub>/<repo_id>/<path>``, served by a stand-in for huggingface_hub's download function)."""

import functools
import hashlib
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.data.formats import write_hub_parquet
from tests.helpers import FIXTURES, TINY_VOCAB, tiny_wordpiece
from xstilts import config
from xstilts.cli import main
from xstilts.data import fetch
from xstilts.errors import XstiltsError

XNLI_REV = "b8dd5d7af51114dbda02c0e3f6133f332186418e"
GLUE_REV = "bcdcba79d07bc864c1c254ccfcedcce55bcc9a8c"
MBERT_REV = "3f076fdb1ab68d5b2880cb87a0886f315b8146f8"
XLMR_REV = "e73636d4f797dec63c3081bb6ed5c7b0bb3f2089"
STORE = Path("data/downloads")
UD_TEXT = (FIXTURES / "ud" / "mini.conllu").read_text()
UD_SUM = hashlib.sha256(UD_TEXT.encode()).hexdigest()
# Two languages, and the UD sums of the fixture treebank that stands in for every UD file.
SMALL = ["-S", "languages=[en, de]"] + [a for split in ("train", "dev", "test")
                                        for a in ("-S", f"data.ud.sha256.{split}={UD_SUM}")]  # fmt: skip


def _missing(stderr: str) -> list[tuple[str, str]]:
    """(path, url) of each line of the missing-files report."""
    lines = stderr.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("xstilts: error: "))  # after any log lines
    assert "nothing else is needed" in lines[start]
    return [tuple(line.split()[:2]) for line in lines[start + 1:]]


@pytest.fixture(scope="session")
def tiny_mbert(tmp_path_factory) -> Path:
    """The files of a tiny BERT checkpoint, named as the hub names bert-base-multilingual-cased's."""
    from transformers import BertConfig, BertForMaskedLM

    out = tmp_path_factory.mktemp("tiny-mbert")
    tokenizer = tiny_wordpiece(out)
    BertForMaskedLM(BertConfig(vocab_size=len(TINY_VOCAB), hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                               intermediate_size=16, pad_token_id=tokenizer.pad_token_id)).save_pretrained(out)
    (out / "vocab.txt").write_text("".join(f"{token}\n" for token in TINY_VOCAB))
    return out


@pytest.fixture
def place(tiny_mbert):
    """Writes a small valid file of the kind a path names, as a user would copy it there."""
    return functools.partial(_place, checkpoint=tiny_mbert)


def _place(path: Path, checkpoint: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".conllu":
        path.write_text(UD_TEXT)
    elif "/stsb/" in str(path):
        pq.write_table(pa.table({"sentence1": ["s1", "s2"], "sentence2": ["t1", "t2"], "label": [4.5, 0.25],
                                 "idx": [0, 1]}), path)  # fmt: skip
    elif path.suffix == ".parquet":
        write_hub_parquet(path, {"premise": ["rain 0", "rain 1", "rain 2"], "hypothesis": ["a", "b", "c"],
                                 "label": [0, 1, 2]})  # fmt: skip
    else:
        shutil.copyfile(checkpoint / path.name, path)


@pytest.fixture(autouse=True)
def _default_store(monkeypatch):
    monkeypatch.delenv("XSTILTS_DOWNLOADS", raising=False)


def test_offline_it_lists_every_missing_file_at_once_with_its_place_and_url(workdir, capsys):
    assert main(["fetch", "--profile", "paper"]) == 1
    missing = _missing(capsys.readouterr().err)
    # 15 languages x 2 XNLI splits, 4 GLUE files, 3 UD files, and the checkpoints of every model in params.yaml
    assert len(missing) == 30 + 4 + 3 + 5 + 4 + 4
    paths = [path for path, _ in missing]
    assert f"{STORE}/hub/datasets/facebook/xnli/{XNLI_REV}/zh/test-00000-of-00001.parquet" in paths
    assert f"{STORE}/hub/datasets/nyu-mll/glue/{GLUE_REV}/mnli/validation_matched-00000-of-00001.parquet" in paths
    assert f"{STORE}/ud/r2.13/en_ewt-ud-dev.conllu" in paths
    assert f"{STORE}/hub/models/xlm-roberta-base/{XLMR_REV}/sentencepiece.bpe.model" in paths
    assert f"{STORE}/hub/models/bert-base-multilingual-cased/{MBERT_REV}/vocab.txt" in paths
    for path, url in missing:  # the place names the repository, the commit and the file, as the URL does
        if path.startswith(f"{STORE}/ud/"):
            assert url == f"https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/{path[len('data/downloads/ud/'):]}"
            continue
        rel = path.removeprefix(f"{STORE}/hub/").removeprefix("models/")
        assert url == "https://huggingface.co/" + re.sub(r"/([0-9a-f]{40})/", r"/resolve/\1/", rel, count=1)
    assert not (workdir / "data").exists()  # nothing was written


def test_files_placed_where_the_report_says_are_enough_for_every_stage_offline(workdir, capsys, place):
    assert main(["fetch", "--profile", "paper", "--models", "mbert", *SMALL]) == 1
    missing = _missing(capsys.readouterr().err)
    assert len(missing) == 4 + 4 + 3 + 5
    for path, _ in missing:
        place(workdir / path)
    placed = sorted(p for p in (workdir / STORE).rglob("*") if p.is_file())

    assert main(["fetch", "--profile", "paper", "--models", "mbert", *SMALL]) == 0
    table = capsys.readouterr().out.strip().splitlines()
    assert table[0].split() == ["source", "file", "size", "status"] and len(table) == 1 + 16 + 1
    assert all(line.split()[-1] == "present" for line in table[1:-1])
    assert table[-1].startswith("16 files, ") and table[-1].endswith(f"in {STORE}: 16 present")
    assert sorted(p for p in (workdir / STORE).rglob("*") if p.is_file()) == placed  # no marker file written

    # the raw stage places them in data/raw as the loaders read them, with their provenance, without network
    assert main(["prepare", "--profile", "paper", "--step", "raw", *SMALL]) == 0
    raw = workdir / "data" / "raw"
    xnli = raw / "hub" / "facebook" / "xnli"
    assert (xnli / "REVISION").read_text() == f"{XNLI_REV}\n"
    assert (raw / "hub" / "nyu-mll" / "glue" / "REVISION").read_text() == f"{GLUE_REV}\n"
    assert (raw / "ud" / "RELEASE").read_text() == "r2.13\n"
    assert f"{UD_SUM}  en_ewt-ud-dev.conllu" in (raw / "ud" / "SHA256SUMS").read_text().splitlines()
    stored = workdir / STORE / "hub/datasets/facebook/xnli" / XNLI_REV / "de" / "test-00000-of-00001.parquet"
    assert os.path.samefile(xnli / "de" / "test-00000-of-00001.parquet", stored)  # a link, not a second copy
    assert main(["prepare", "--profile", "paper", "--step", "prepared", *SMALL]) == 0
    assert (workdir / "data" / "prepared" / "xnli_test.parquet").exists()

    # the pretrained stage takes the checkpoint from the same place
    assert main(["pretrained", "--profile", "paper", "--model", "mbert", "--no-upstream", *SMALL]) == 0
    out = workdir / "models" / "pretrained" / "mbert"
    assert sorted(p.name for p in out.iterdir()) == sorted([*fetch.MODEL_FILES["bert-base-multilingual-cased"],
                                                            "REVISION"])  # fmt: skip
    assert (out / "REVISION").read_text() == f"{MBERT_REV}\n"
    from xstilts import models

    encoder, tokenizer = models.load_encoder(out)
    assert tokenizer("the dogs")["input_ids"] == [2, 5, 6, 7, 3]


def test_a_ud_file_with_another_sum_is_reported_with_both_sums(workdir, place):
    cfg = config.load("params.yaml", ["languages=[en]"], "paper")
    items = fetch.data_items(cfg)
    for item in items:
        place(item.path)
    dev = next(item for item in items if item.name == "en_ewt-ud-dev.conllu")  # the fixture, not the pinned file
    with pytest.raises(fetch.MissingDownloadsError) as err:
        fetch.ensure(items)
    assert [(item.name, problem) for item, problem in err.value.absent] == [
        (name, f"sha256 {UD_SUM} does not match data.ud.sha256.{split} = {cfg.data.ud.sha256[split]} in params.yaml")
        for split, name in (("dev", dev.name), ("test", "en_ewt-ud-test.conllu"))
    ]
    assert str(err.value).splitlines()[1].endswith(f"({err.value.absent[0][1]})")


def test_an_unpinned_sum_is_logged_for_pinning(workdir, caplog, place):
    cfg = config.load("params.yaml", ["languages=[en]", f"data.ud.sha256.dev={UD_SUM}",
                                      f"data.ud.sha256.test={UD_SUM}"], "paper")  # fmt: skip
    items = fetch.data_items(cfg)
    for item in items:
        place(item.path)
    assert set(fetch.ensure(items).values()) == {"present"}
    assert f"data.ud.sha256.train is not pinned; pin it in params.yaml: {UD_SUM}" in caplog.text


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A local directory laid out like the hub (``<hub>/<repo_id>/<path>``), and huggingface_hub's download
    function replaced by one that copies from it (recording each call); the network is "on"."""
    import huggingface_hub

    root = tmp_path / "hub"
    calls = []

    def hf_hub_download(repo_id, filename, *, repo_type=None, revision=None, local_dir=None, **kwargs):
        calls.append({"repo_id": repo_id, "filename": filename, "repo_type": repo_type, "revision": revision,
                      "local_dir": Path(local_dir)})  # fmt: skip
        source = root / repo_id / filename
        if not source.exists():
            raise FileNotFoundError(f"404 {repo_id}/{filename}")
        target = Path(local_dir) / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return str(target)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", hf_hub_download)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    return root, calls


@pytest.fixture
def ud_server(tmp_path):
    """raw.githubusercontent.com for the UD repository: <served>/<release>/<file>."""
    root = tmp_path / "served" / "r2.13"
    root.mkdir(parents=True)
    for split in ("train", "dev", "test"):
        (root / f"en_ewt-ud-{split}.conllu").write_text(UD_TEXT)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root.parent))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{{release}}/{{file}}"
    server.shutdown()


def _fill(hub_root: Path, missing, place) -> None:
    """Put each reported file into the local hub as ``<repo_id>/<path>``."""
    for path, url in missing:
        if "/hub/" not in path:
            continue
        repo_and_file = url.split("https://huggingface.co/", 1)[1].removeprefix("datasets/")
        repo_id, _, rest = repo_and_file.partition("/resolve/")
        place(hub_root / repo_id / rest.split("/", 1)[1])


def test_fetch_downloads_the_pinned_files_into_the_store_once(workdir, hub, ud_server, capsys, monkeypatch, place):
    hub_root, calls = hub
    args = ["fetch", "--profile", "paper", "--models", "mbert", *SMALL, "-S", f"data.ud.url={ud_server}"]
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(args) == 1
    missing = _missing(capsys.readouterr().err)
    _fill(hub_root, missing, place)
    monkeypatch.delenv("HF_HUB_OFFLINE")

    assert main(args) == 0
    table = capsys.readouterr().out.strip().splitlines()
    assert all(line.split()[-1] == "downloaded" for line in table[1:-1]) and table[-1].endswith("16 downloaded")
    # exactly the files the report named, each from its pinned revision, into the place the report named
    assert sorted(p.relative_to(workdir).as_posix() for p in (workdir / STORE).rglob("*")
                  if p.is_file() and ".cache" not in p.parts) == sorted(path for path, _ in missing)  # fmt: skip
    pinned = {"facebook/xnli": XNLI_REV, "nyu-mll/glue": GLUE_REV, "bert-base-multilingual-cased": MBERT_REV}
    assert len(calls) == 13 and all(call["revision"] == pinned[call["repo_id"]] for call in calls)
    for call in calls:
        kind = "models" if call["repo_type"] == "model" else "datasets"
        assert call["local_dir"] == STORE / "hub" / kind / call["repo_id"] / call["revision"]

    calls.clear()  # idempotent: what is there is not fetched again
    assert main(args) == 0
    assert calls == [] and capsys.readouterr().out.strip().endswith("16 present")


def test_a_failed_download_reports_everything_still_missing(workdir, hub, ud_server, capsys, place):
    hub_root, calls = hub
    place(hub_root / "facebook/xnli/en/validation-00000-of-00001.parquet")  # only the first file is on the "hub"
    assert main(["fetch", "--profile", "paper", "--models", "mbert", *SMALL, "-S", f"data.ud.url={ud_server}"]) == 1
    err = capsys.readouterr().err
    header, missing = next(line for line in err.splitlines() if line.startswith("xstilts: error: ")), _missing(err)
    assert f"downloading https://huggingface.co/datasets/facebook/xnli/resolve/{XNLI_REV}/en/test-" in header
    assert "failed (FileNotFoundError: 404 facebook/xnli/en/test-00000-of-00001.parquet)" in header
    assert len(missing) == 15 and len(calls) == 2  # stopped at the first failure, listed the 15 left
    assert (workdir / STORE / "hub/datasets/facebook/xnli" / XNLI_REV / "en/validation-00000-of-00001.parquet").exists()


def test_a_download_that_does_not_match_its_pinned_sum_is_removed(workdir, hub, ud_server, place):
    overrides = ["languages=[en]", f"data.ud.url={ud_server}", f"data.ud.sha256.train={'f' * 64}"]
    items = fetch.data_items(config.load("params.yaml", overrides, "paper"))
    for item in items:
        if item.hub:
            place(hub[0] / item.hub[1] / item.name)
    with pytest.raises(XstiltsError) as err:
        fetch.ensure(items)
    url = ud_server.format(release="r2.13", file="en_ewt-ud-train.conllu")
    assert str(err.value) == f"{url}: sha256 {UD_SUM} does not match data.ud.sha256.train = {'f' * 64} in params.yaml"
    assert not (workdir / STORE / "ud" / "r2.13" / "en_ewt-ud-train.conllu").exists()  # not left behind


def test_checkpoint_files_in_the_hugging_face_cache_are_used_offline(workdir, tmp_path, monkeypatch, place):
    from huggingface_hub import constants

    cache = tmp_path / "hf-cache"
    snapshot = cache / "models--bert-base-multilingual-cased" / "snapshots" / MBERT_REV
    for name in fetch.MODEL_FILES["bert-base-multilingual-cased"]:
        place(snapshot / name)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    cfg = config.load("params.yaml", [], "paper")
    items = fetch.model_items(cfg.model("mbert"), "mbert")
    assert set(fetch.ensure(items).values()) == {"HF cache"}
    assert set(fetch.ensure(items).values()) == {"present"}
    assert all(item.path.read_bytes() == (snapshot / item.name).read_bytes() for item in items)


def test_the_pretrained_phase_offline_lists_its_checkpoint_files(workdir, capsys):
    assert main(["pretrained", "--profile", "paper", "--model", "xlmr", "--no-upstream"]) == 1
    missing = _missing(capsys.readouterr().err)
    assert [Path(path).name for path, _ in missing] == list(fetch.MODEL_FILES["xlm-roberta-base"])
    assert not (workdir / "models" / "pretrained" / "xlmr").exists()


def test_the_store_moves_with_xstilts_downloads(workdir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XSTILTS_DOWNLOADS", str(tmp_path / "shared"))
    assert main(["fetch", "--profile", "paper", "--models", "mbert", *SMALL]) == 1
    assert all(path.startswith(f"{tmp_path}/shared/") for path, _ in _missing(capsys.readouterr().err))


@pytest.mark.parametrize(
    ("override", "message"),
    [("models.mbert.revision=main",
      "models.mbert.revision: 'main' is not a commit sha (40 hex digits); pin the commit, not a branch"),
     ("data.glue.revision=v1",
      "data.glue.revision: 'v1' is not a commit sha (40 hex digits); pin the commit, not a branch"),
     ("models.mbert.hub_id=someone/bert",
      "models.mbert.hub_id: which files of 'someone/bert' to fetch is not known; add them to MODEL_FILES in "
      "src/xstilts/data/fetch.py")],
)  # fmt: skip
def test_what_cannot_be_pinned_is_a_configuration_error(workdir, capsys, override, message):
    assert main(["fetch", "--profile", "paper", "--models", "mbert", "-S", override]) == 2
    assert capsys.readouterr().err.strip() == f"xstilts: error: {message}"


def test_the_smoke_profile_has_nothing_to_fetch(workdir, capsys):
    assert main(["fetch"]) == 0
    assert capsys.readouterr().out.startswith("profile smoke: nothing to fetch")
    assert not (workdir / "data").exists()
