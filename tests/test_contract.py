"""The task registry, params.yaml, dvc.yaml and MLproject agree (DESIGN Part 1 names)."""

import yaml

from tests.helpers import REPO
from xstilts import config, paths, tasks
from xstilts.cli import build_parser
from xstilts.grid import Cell

DVC = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
MLPROJECT = yaml.safe_load((REPO / "MLproject").read_text())
CFG = config.load(REPO / "params.yaml")


def test_registry_matches_params_and_design_names():
    assert set(tasks.registry()) == set(CFG.tasks)
    assert {"none", "ud-parse", "sts-b"} <= set(tasks.registry())
    families = {name: task.family for name, task in tasks.registry().items()}
    assert families["ud-parse"] == "syntactic" and families["sts-b"] == "semantic" and families["none"] == "baseline"
    for name, task in tasks.registry().items():
        assert (task.head is None) == (CFG.tasks[name].train is None), name
        if task.head:
            assert task.dev_metric and task.train_split and task.dev_split, name


def test_grid_is_what_dvc_expands():
    for stage in ("intermediate", "target"):
        assert DVC[stage]["matrix"] == {"model": "${grid.models}", "task": "${grid.tasks}", "seed": "${grid.seeds}"}
    assert DVC["pretrained"]["matrix"] == {"model": "${grid.models}"}
    assert {"mbert", "xlmr"} <= set(CFG.grid.models) and set(CFG.grid.tasks) == {"none", "ud-parse", "sts-b"}


def test_dvc_outputs_are_where_the_code_writes():
    item = {"${item.model}": "M", "${item.task}": "T", "${item.seed}": "1"}

    def outs(stage):
        names = [next(iter(o)) if isinstance(o, dict) else o for o in DVC[stage]["outs"]]
        for key, value in item.items():
            names = [n.replace(key, value) for n in names]
        return set(names)

    assert outs("raw") == {str(paths.DATA_RAW)} and outs("prepare") == {str(paths.DATA_PREPARED)}
    cell = Cell("M", "T", 1)
    assert str(cell.model_dir("intermediate")) in outs("intermediate")
    assert str(cell.result("intermediate")) in outs("intermediate")
    assert str(cell.model_dir("target")) in outs("target")
    for path in (cell.result("target"), cell.result("evaluate"), cell.predictions()):
        assert str(path) in outs("target")


def test_every_stage_and_entry_point_calls_an_existing_cli_command():
    commands = set(build_parser()._subparsers._group_actions[0].choices)
    for name, stage in DVC.items():
        assert stage["cmd"].split()[0] == "xstilts" and stage["cmd"].split()[1] in commands, name
    for name, entry in MLPROJECT["entry_points"].items():
        words = entry["command"].split()
        if name == "main":
            assert words == ["dvc", "repro"]
            continue
        assert words[:2] == ["xstilts", name] and name in commands
        for parameter in entry.get("parameters", {}):
            flag = parameter.replace("_", "-")
            assert f"--{flag} {{{parameter}}}" in entry["command"], (name, parameter)


def test_entry_points_of_design_exist():
    assert {"main", "prepare", "intermediate", "target", "evaluate", "tune"} <= set(MLPROJECT["entry_points"])
    assert set(MLPROJECT["entry_points"]["tune"]["parameters"]) >= {"task", "model", "n_trials", "storage"}
    assert set(MLPROJECT["entry_points"]["intermediate"]["parameters"]) >= {"model", "task", "seed", "lr"}


def test_params_sections_that_stages_depend_on_exist():
    raw = yaml.safe_load((REPO / "params.yaml").read_text())
    for name, stage in DVC.items():
        for key in stage.get("params", []):
            node = raw
            for part in key.replace("${item.model}", "mbert").replace("${item.task}", "sts-b").split("."):
                assert part in node, (name, key)
                node = node[part]
