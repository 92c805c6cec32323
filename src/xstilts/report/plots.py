"""The data files of ``dvc plots show`` / ``dvc plots diff`` (``reports/plots/``, declared in dvc.yaml's
top-level ``plots:``): small CSVs in long form, each row one point of a named series, so that one custom
template (``.dvc/plots/``) colours by the ``series`` or ``condition`` column. Git-tracked, hence no run ids,
and numbers rounded to 6 digits so that re-running the same grid writes the same bytes."""

from __future__ import annotations

import csv
from pathlib import Path

XNLI = "xnli_by_language.csv"
CURVES = "learning_curves"


def write(a: dict, curves: dict, out: Path) -> list[Path]:
    """The plot data of the analysis dict ``a`` and the learning ``curves`` (see ``build._learning_curves``)
    into ``out``; returns the paths written."""
    rows = [[code, model, t, _num(m["accuracy"]["test"][t]["mean"][i])]
            for model, m in a["per_model"].items() for t in m["accuracy"]["test"]
            for i, code in enumerate(a["languages"])]
    paths = [_csv(out / XNLI, ["language", "model", "condition", "accuracy"], rows)]
    panels: dict[str, tuple[str, list]] = {}  # one file per task: the models side by side, on one metric
    for model, model_panels in curves.items():
        for panel in model_panels:
            label, points = panels.setdefault(panel["task"], (panel["label"], []))
            points += [[epoch, f"{model} {series['label']}", _num(value)]
                       for series in panel["series"] for epoch, value in series["points"]]
    for task, (label, points) in panels.items():
        # the metric's name is the last column: dvc takes it as the y field and as the y axis label
        paths.append(_csv(out / CURVES / f"{task}.csv", ["epoch", "series", label], points))
    return paths


def _num(x) -> float | str:
    return "" if x is None else round(float(x), 6)


def _csv(path: Path, header: list[str], rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path
