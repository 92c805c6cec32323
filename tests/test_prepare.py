"""`xstilts prepare`: raw (generated or downloaded) -> data/prepared/, through the real CLI."""

import json

import mlflow
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.data.formats import write_hub_parquet
from tests.helpers import FIXTURES, TINY_DATA
from xstilts.cli import main
from xstilts.data.download import sha256_of

LANGS = ["en", "ar", "bg", "de", "el", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh"]


def _overrides(items):
    return [arg for item in items for arg in ("-S", item)]


def test_smoke_prepare_writes_every_split_and_logs_one_run(workdir):
    assert main(["prepare", *_overrides(TINY_DATA)]) == 0
    prepared = workdir / "data" / "prepared"
    manifest = json.loads((prepared / "manifest.json").read_text())
    assert manifest["synthetic"] is True and manifest["profile"] == "smoke"
    rows = {name: split["rows"] for name, split in manifest["splits"].items()}
    assert rows == {
        "corpus": 20 * 15, "mnli_dev": 30, "mnli_train": 60, "stsb_dev": 20, "stsb_train": 40,
        "ud_dev": 10, "ud_test": 10, "ud_train": 30, "xnli_dev": 12 * 15, "xnli_test": 15 * 15,
    }
    for name, split in manifest["splits"].items():
        assert sha256_of(prepared / f"{name}.parquet") == split["sha256"]
    xnli = pq.read_table(prepared / "xnli_test.parquet").to_pydict()
    assert sorted(set(xnli["language"])) == sorted(LANGS)
    assert set(xnli["label"]) == {0, 1, 2} and set(xnli["pair_id"]) == set(range(15))
    ud = pq.read_table(prepared / "ud_train.parquet").to_pydict()
    assert all(len(w) == len(h) == len(r) for w, h, r in zip(ud["words"], ud["heads"], ud["deprels"], strict=True))
    assert "SYNTHETIC.md" in manifest["raw"] and (workdir / "data" / "raw" / "SYNTHETIC.md").exists()

    (run,) = mlflow.search_runs(experiment_names=["xstilts-smoke"], output_format="list")
    assert run.info.status == "FINISHED" and run.data.tags["xstilts.phase"] == "prepare"
    assert run.data.metrics["rows_mnli_train"] == 60
    # a second run replaces the outputs in place (no leftovers of the temporary directories)
    assert main(["prepare", "--step", "prepared", *_overrides(TINY_DATA)]) == 0
    assert sorted(p.name for p in (workdir / "data").iterdir()) == ["prepared", "raw"]


def test_prepared_step_without_raw_data_names_the_command(workdir, capsys):
    assert main(["prepare", "--step", "prepared"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "xstilts: error: data/raw: raw data missing; run `xstilts prepare --step raw` (or `dvc repro`)"


def _hub_parquet(path, columns):
    if "premise" in columns:  # NLI files name their labels in the features metadata, as the hub's do
        write_hub_parquet(path, columns)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)


@pytest.fixture
def paper_raw(workdir):
    """data/raw laid out as the hub and the UD repository deliver it (two languages, a few rows)."""
    raw = workdir / "data" / "raw"
    xnli = raw / "hub" / "facebook" / "xnli"
    for lang, word in (("en", "rain"), ("de", "Regen")):
        for split in ("validation", "test"):
            _hub_parquet(
                xnli / lang / f"{split}-00000-of-00001.parquet",
                {"premise": [f"{word} {i}" for i in range(3)], "hypothesis": ["a", "b", "c"], "label": [0, 1, 2]},
            )
    (xnli / "REVISION").write_text("b8dd5d7af51114dbda02c0e3f6133f332186418e\n")
    glue = raw / "hub" / "nyu-mll" / "glue"
    for split in ("train", "validation_matched"):
        _hub_parquet(glue / "mnli" / f"{split}-00000-of-00001.parquet",
                     {"premise": ["p1", "p2"], "hypothesis": ["h1", "h2"], "label": [2, 0], "idx": [0, 1]})
    for split, labels in (("train", [4.5, 0.25]), ("validation", [3.0, 1.0]), ("test", [-1.0, -1.0])):
        _hub_parquet(glue / "stsb" / f"{split}-00000-of-00001.parquet",
                     {"sentence1": ["s1", "s2"], "sentence2": ["t1", "t2"], "label": labels, "idx": [0, 1]})
    (glue / "REVISION").write_text("0" * 40 + "\n")
    ud = raw / "ud"
    ud.mkdir()
    for split in ("train", "dev", "test"):
        (ud / f"en_ewt-ud-{split}.conllu").write_text((FIXTURES / "ud" / "mini.conllu").read_text())
    return raw


def test_paper_prepare_reads_hub_and_ud_layouts_offline(paper_raw, workdir):
    code = main(["prepare", "--profile", "paper", "--step", "prepared", "-S", "languages=[en, de]"])
    assert code == 0
    manifest = json.loads((workdir / "data" / "prepared" / "manifest.json").read_text())
    assert manifest["synthetic"] is False and "corpus" not in manifest["splits"]
    assert manifest["splits"]["xnli_test"]["rows"] == 6 and manifest["splits"]["mnli_train"]["rows"] == 2
    stsb = pq.read_table(workdir / "data" / "prepared" / "stsb_train.parquet").to_pydict()
    assert stsb["score"] == [4.5, 0.25]
    xnli = pq.read_table(workdir / "data" / "prepared" / "xnli_dev.parquet").to_pydict()
    assert xnli["premise"][:4] == ["rain 0", "rain 1", "rain 2", "Regen 0"] and xnli["pair_id"][3] == 0


def test_paper_raw_step_offline_lists_every_missing_file_and_keeps_data_raw(workdir, capsys):
    (workdir / "data" / "raw").mkdir(parents=True)
    (workdir / "data" / "raw" / "kept").write_text("")
    assert main(["prepare", "--profile", "paper", "--step", "raw"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("xstilts: error: 37 file(s) needed by the paper profile are missing from data/downloads")
    assert len(err) == 1 + 15 * 2 + 4 + 3  # one line per file: XNLI dev/test x 15, 4 GLUE files, 3 UD files
    assert (workdir / "data" / "raw" / "kept").exists()  # untouched (xstilts.data.fetch, tests/data/test_fetch.py)
