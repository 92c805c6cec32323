"""A grid cell names everything derived from it, in one place."""

from pathlib import Path

from xstilts import grid
from xstilts.grid import Cell


def test_a_cell_names_its_paths_stages_and_run():
    cell = Cell("xlmr", "ud-parse", 3)
    assert str(cell) == "xlmr/ud-parse/seed3"
    assert cell.model_dir("intermediate") == Path("models/intermediate/xlmr/ud-parse/seed3")
    assert cell.model_dir("target") == Path("models/target/xlmr/ud-parse/seed3")
    assert cell.result("evaluate") == Path("results/xlmr/ud-parse/seed3/evaluate.json")
    assert cell.result("target", Path("/elsewhere/results")) == Path(
        "/elsewhere/results/xlmr/ud-parse/seed3/target.json"
    )
    assert cell.predictions() == Path("results/xlmr/ud-parse/seed3/predictions.parquet")
    assert cell.work_dir("target") == Path("work/target/xlmr/ud-parse/seed3")
    # evaluation runs inside the target stage
    assert [cell.stage(p) for p in ("intermediate", "target", "evaluate")] == [
        "intermediate@xlmr-ud-parse-3", "target@xlmr-ud-parse-3", "target@xlmr-ud-parse-3"]
    assert cell.run_name("target") == "target xlmr ud-parse s3"


def test_what_belongs_to_less_than_a_cell():
    assert grid.pretrained_dir("mbert") == Path("models/pretrained/mbert")
    assert grid.pretrained_result("mbert") == Path("results/mbert/pretrained.json")
    assert grid.pretrained_stage("mbert") == "pretrained@mbert"
    assert grid.tuned_lr_path("mbert", "sts-b") == Path("results/mbert/sts-b/tuned_lr.json")
    assert grid.tune_stage("mbert", "sts-b") == "tune@mbert-sts-b"
    assert grid.trial_work_dir("mbert", "sts-b", 4, 999) == Path("work/tune/mbert/sts-b/trial4-999")


def test_cells_are_values():
    assert Cell("mbert", "none", 1) == Cell("mbert", "none", 1)
    assert len({Cell("mbert", "none", 1), Cell("mbert", "none", 1), Cell("mbert", "none", 2)}) == 2
    assert sorted([Cell("xlmr", "a", 1), Cell("mbert", "b", 2)])[0].model == "mbert"


def test_the_names_are_those_dvc_gives_the_stages():
    from dvc.repo import Repo

    from tests.helpers import REPO
    from xstilts import config

    cfg = config.load(REPO / "params.yaml")
    with Repo(str(REPO)) as repo:
        names = {stage.addressing for stage in repo.index.stages}
    for model in cfg.grid.models:
        assert grid.pretrained_stage(model) in names
        for task in cfg.grid.tasks:
            assert grid.tune_stage(model, task) in names
            for seed in cfg.grid.seeds:
                cell = Cell(model, task, seed)
                assert {cell.stage("intermediate"), cell.stage("target")} <= names
