"""The import graph of src/xstilts: no cycle, and no arrow from a lower layer to a higher one.

Edges are read from the source (ast), module-level and function-level imports alike: a lazy import inside
a function is still a dependency. The task registry's discovery of its modules (pkgutil/importlib) is not
an import statement and is not an edge.
"""

import ast
from pathlib import Path

from tests.helpers import REPO

SRC = REPO / "src"

# Layers, lowest first: a module may import its own layer and the layers below it, never one above.
# Reading src/xstilts in this order shows the protocol first: data -> tasks/heads/config -> train/evaluate
# -> phases/tune -> report; the tooling (perf) and the CLI sit on top.
LAYERS = [
    ("base", ["xstilts", "xstilts.errors", "xstilts.paths", "xstilts.io", "xstilts.grid", "xstilts.lifeline",
              "xstilts.distributed"]),
    ("data and records", ["xstilts.data", "xstilts.parsing", "xstilts.stats", "xstilts.typology", "xstilts.score",
                          "xstilts.tracking"]),
    ("tasks and configuration", ["xstilts.tasks", "xstilts.heads", "xstilts.config"]),
    ("training", ["xstilts.train", "xstilts.models", "xstilts.evaluate"]),
    ("phases", ["xstilts.prepare", "xstilts.phases", "xstilts.tune", "xstilts.upstream"]),
    ("report", ["xstilts.report"]),
    ("tooling", ["xstilts.perf", "xstilts.launch"]),
    ("command line", ["xstilts.cli", "xstilts.__main__"]),
]


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / "xstilts").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The xstilts modules that ``name`` imports anywhere in its source."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            if node.module:
                found.add(node.module)
                found |= {f"{node.module}.{alias.name}" for alias in node.names}  # `from pkg import module`
    return {target for target in found if target in known and target != name}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, set(known)) for name, path in known.items()}


def layer(module: str) -> int:
    best = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or (prefix != "xstilts" and module.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > best[1]):
                best = (rank, len(prefix))
    assert best is not None, f"{module} is in no layer of tests/test_imports.py: place it"
    return best[0]


def test_the_import_graph_has_no_cycle():
    edges = graph()
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_module_imports_a_higher_layer():
    upward = [f"{a} ({LAYERS[layer(a)][0]}) -> {b} ({LAYERS[layer(b)][0]})"
              for a, targets in graph().items() for b in sorted(targets) if layer(b) > layer(a)]
    assert upward == []


def test_the_graph_sees_lazy_imports():
    # a check of the checker: cli imports phases only inside its commands, tracking nothing of the tasks
    edges = graph()
    assert "xstilts.phases" in edges["xstilts.cli"] and "xstilts.tasks" not in edges["xstilts.tracking"]
