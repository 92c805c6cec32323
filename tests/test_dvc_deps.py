"""dvc.yaml's deps cover the code each stage runs, so editing a module makes `dvc status` report its stages.

The code a stage runs is derived from the source, not listed by hand: the CLI dispatches the stage's
command to one `cmd_*` function (argparse, as at run time); from the imports of that function, of the CLI
helpers it calls and of the CLI module itself, the closure follows every `xstilts` import in every
reached module, at module level and inside functions. That over-approximates (an import on a branch a
stage never takes still counts), which costs at most a needless re-run, never a stale result.
"""

import ast
import shutil

import pytest
import yaml

from tests.helpers import REPO
from xstilts.cli import build_parser

SRC = REPO / "src"
DVC = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
GRID = yaml.safe_load((REPO / "params.yaml").read_text())["grid"]
# The task registry imports every module of xstilts/tasks/ through pkgutil (no import statement names
# them), so a stage that reaches the package depends on the whole directory, new task modules included.
DISCOVERED = "xstilts.tasks"


def module_file(name: str):
    """The source file of module `name`, or None when the name is not a module (e.g. a function)."""
    base = SRC.joinpath(*name.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.exists():
            return path
    return None


def imports(nodes, where) -> set[str]:
    """The `xstilts` modules that the statements `nodes` import, with the packages that importing runs."""
    names = set()
    for node in (n for top in nodes for n in ast.walk(top)):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{where}: relative import; teach tests/test_dvc_deps.py to resolve it"
            # `from a import b`: b may be a submodule (kept) or a name defined in a (dropped below)
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    modules = set()
    for name in names:
        parts = name.split(".")
        if parts[0] != "xstilts":
            continue
        # importing a.b.c runs a/__init__.py and a/b/__init__.py too
        modules |= {".".join(parts[:i]) for i in range(1, len(parts) + 1) if module_file(".".join(parts[:i]))}
    return modules


def cli_entry(command: str) -> set[str]:
    """Modules the CLI imports to run `command`: its own imports and those of the functions it calls."""
    path = module_file("xstilts.cli")
    tree = ast.parse(path.read_text())
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    module_level = [node for node in tree.body if not isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    func = build_parser().parse_args(command.split()[1:]).func.__name__
    todo, seen = [func], set()
    while todo:  # the cmd_* function and the CLI helpers it calls (_load_config, _cell, ...)
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        calls = [node.func for node in ast.walk(functions[name]) if isinstance(node, ast.Call)]
        todo += [call.id for call in calls if isinstance(call, ast.Name) and call.id in functions]
    return {"xstilts.cli"} | imports(module_level, path) | imports([functions[name] for name in seen], path)


def closure(command: str) -> set[str]:
    """Every `xstilts` module that running `command` can import."""
    # the CLI module counts through the one command it dispatches to, not through all of its commands
    todo, seen = list(cli_entry(command) - {"xstilts.cli"}), {"xstilts.cli"}
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name == DISCOVERED:
            todo += [f"{name}.{path.stem}" for path in module_file(name).parent.glob("*.py") if path.stem != "__init__"]
        path = module_file(name)
        todo += imports([ast.parse(path.read_text())], path)
    return seen


def required_dep(module: str) -> str:
    """The path that dvc.yaml must list (or list a parent directory of) for `module`."""
    if module == DISCOVERED or module.startswith(DISCOVERED + "."):
        return str(module_file(DISCOVERED).parent.relative_to(REPO))
    return str(module_file(module).relative_to(REPO))


def expanded(stage: dict) -> tuple[str, list[str]]:
    """(cmd, deps) of one instance of a stage: matrix items take the grid's first values."""
    text = yaml.safe_dump({"cmd": stage["cmd"], "deps": stage.get("deps", [])})
    for key in stage.get("matrix", {}):
        text = text.replace(f"${{item.{key}}}", str(GRID[f"{key}s"][0]))
    assert "${" not in text, text
    one = yaml.safe_load(text)
    return one["cmd"], one["deps"]


def covered(path: str, deps: list[str]) -> bool:
    return any(path == dep or path.startswith(dep.rstrip("/") + "/") for dep in deps)


def missing_deps(stage: dict) -> list[str]:
    cmd, deps = expanded(stage)
    return sorted(path for path in {required_dep(m) for m in closure(cmd)} if not covered(path, deps))


@pytest.mark.parametrize("name", sorted(DVC))
def test_stage_deps_cover_the_code_its_command_imports(name):
    cmd, deps = expanded(DVC[name])
    missing = missing_deps(DVC[name])
    assert not missing, f"dvc.yaml stage {name} ({cmd}) runs code its deps do not list: {', '.join(missing)}"
    for dep in deps:  # and nothing listed is a typo that DVC would only report at `dvc repro`
        assert not dep.startswith("src/") or (REPO / dep).exists(), f"stage {name}: deps lists missing {dep}"


def test_the_closure_follows_imports_inside_functions_and_the_task_registry():
    """The derivation itself: lazy imports count, the registry's modules count, unrelated code does not."""
    target = closure("xstilts target --model mbert --task none --seed 1 --evaluate")
    assert {"xstilts", "xstilts.cli", "xstilts.config", "xstilts.errors"} <= target
    assert {"xstilts.phases", "xstilts.models", "xstilts.evaluate", "xstilts.train", "xstilts.heads"} <= target
    assert "xstilts.tasks.ud_parse" in target and "xstilts.parsing" in target  # discovered, then imported
    assert not {"xstilts.report", "xstilts.perf.bench", "xstilts.perf.plan"} & target
    report = closure("xstilts report")
    assert {"xstilts.report.markdown", "xstilts.report.figures", "xstilts.report.analysis", "xstilts.stats",
            "xstilts.typology"} <= report
    assert not {"xstilts.phases", "xstilts.train", "xstilts.heads"} & report
    assert required_dep("xstilts.tasks._nli") == "src/xstilts/tasks"


def test_a_module_missing_from_deps_is_reported():
    for dropped in ("src/xstilts/phases.py", "src/xstilts/models.py", "src/xstilts/tasks"):
        stage = dict(DVC["target"], deps=[dep for dep in DVC["target"]["deps"] if dep != dropped])
        assert missing_deps(stage) == [dropped]
    assert covered("src/xstilts/tasks/_nli.py", ["src/xstilts/tasks/"])
    assert not covered("src/xstilts/tasks2.py", ["src/xstilts/tasks"])


def test_editing_a_module_makes_dvc_status_report_the_stages_that_run_it(tmp_path, monkeypatch):
    """DVC itself, on a copy of the pipeline: record a lock, edit one module, ask `dvc status`."""
    from dvc.repo import Repo

    shutil.copytree(SRC, tmp_path / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    for name in ("dvc.yaml", "params.yaml", ".dvcignore"):
        shutil.copy(REPO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    repo = Repo.init(str(tmp_path), no_scm=True)
    # DVC records a stage in dvc.lock only when its outputs exist: placeholders stand in for them
    for out in (out for stage in repo.index.stages for out in stage.outs):
        path = tmp_path / out.def_path
        path = path if path.suffix else path / "placeholder"  # results/*.json are files, the rest directories
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("placeholder\n")
    repo.commit(force=True)
    assert repo.status() == {}

    def changed_after_editing(module):
        path = tmp_path / module
        original = path.read_text()
        path.write_text(original + "# edited\n")
        try:
            return {name.split("@")[0] for name in Repo(str(tmp_path)).status()}
        finally:
            path.write_text(original)

    assert changed_after_editing("src/xstilts/phases.py") == {"pretrained", "tune", "intermediate", "target"}
    assert changed_after_editing("src/xstilts/report/markdown.py") == {"report"}
    # compiled files are not code changes: a fresh clone without __pycache__/ must not look stale
    (tmp_path / "src/xstilts/tasks/__pycache__").mkdir(exist_ok=True)
    (tmp_path / "src/xstilts/tasks/__pycache__/none.cpython-399.pyc").write_bytes(b"\0")
    assert Repo(str(tmp_path)).status() == {}
