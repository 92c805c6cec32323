"""A moved or copied project: its runs name artifact paths of a folder that is gone, and the report reads
the workspace's predictions (DVC outputs) when they are the files the runs wrote."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers import REPO
from xstilts import config, report
from xstilts.errors import XstiltsError
from xstilts.grid import Cell
from xstilts.perf.store import log_cell, opened

GRID = ["grid.models=[mbert]", "grid.seeds=[1]"]
PAIRS = 12


def _predictions(cfg, seed):
    """Random per-example XNLI predictions of one cell and the accuracies they imply."""
    rng = np.random.default_rng(seed)
    rows, metrics = [], {}
    for split in ("dev", "test"):
        for lang in cfg.languages:
            correct = rng.random(PAIRS) < 0.6
            rows.append(pd.DataFrame({"split": split, "language": lang, "pair_id": np.arange(PAIRS),
                                      "correct": correct}))
            metrics[f"xnli_{split}_acc_{lang}"] = float(correct.mean())
        metrics[f"xnli_{split}_acc_avg"] = float(np.mean([metrics[f"xnli_{split}_acc_{c}"] for c in cfg.languages]))
    return pd.concat(rows, ignore_index=True), metrics


@pytest.fixture
def original(tmp_path, monkeypatch):
    """A small grid's tracking store (artifacts inside the project folder), results/ and predictions, in the
    folder where its runs were logged."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    cfg = config.load(root / "params.yaml", GRID)
    with opened(root) as experiment:
        for i, task in enumerate(cfg.grid.tasks):
            frame, metrics = _predictions(cfg, i)
            log_cell(experiment, cfg, Cell("mbert", task, 1), root / "results", frame, metrics)
    monkeypatch.chdir(root)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
    return root


@pytest.fixture
def moved(original, tmp_path, monkeypatch):
    """The project renamed; a file where its folder was, so that nothing can be read or written there."""
    root = tmp_path / "moved"
    original.rename(root)
    original.write_text("")
    monkeypatch.chdir(root)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
    return root


def _tamper(root: Path, task: str) -> None:
    """Flip one test prediction of the cell's workspace predictions.parquet."""
    path = Cell("mbert", task, 1).predictions(root / "results")
    frame = pd.read_parquet(path)
    frame.loc[frame.index[frame.split == "test"][0], "correct"] ^= True
    frame.to_parquet(path, index=False)


def _report():
    cfg = config.load("params.yaml", GRID)
    return report.run(cfg, Path("results"), Path("reports"), n_boot=50, curve_seeds=1)


def test_a_moved_project_reports_from_its_workspace_predictions(moved, original):
    summary = _report()
    assert summary["evaluate_runs"] == 3 and (moved / "reports" / "xnli_syntactic_vs_semantic.md").is_file()
    assert original.is_file()  # nothing was read from or written to the old folder


def test_tampered_predictions_fall_back_to_the_runs_artifact(original):
    _tamper(original, "sts-b")
    assert _report()["evaluate_runs"] == 3  # the tampered file would not give the run's accuracies


def test_tampered_predictions_in_a_moved_project_say_what_differs(moved):
    _tamper(moved, "sts-b")
    with pytest.raises(XstiltsError) as err:
        _report()
    message = str(err.value)
    assert "results/mbert/sts-b/seed1/predictions.parquet is not the file the run wrote: its sha256 " in message
    assert "has no artifact predictions.parquet (file://" in message and "dvc checkout" in message
    assert "dvc repro" not in message  # the data exists: no retraining
