"""The deviation table: each protocol element of this run beside X-STILTs (jiant) and XTREME, with sources.

The published values, their sources and the published XNLI numbers are data: ``protocols.yaml`` beside
this module (package data). This run's values are computed here from the configuration (the target recipe
of each model, the intermediate recipes, the selection rule, the seeds) and from the runs (the learning
rates they logged and the ``xstilts.lr_source`` tag of the intermediate runs); a row is "same" when the
values are equal, "differs" when not, "—" when the reference states no value or does not apply.
"""

from __future__ import annotations

import functools
import math
from importlib import resources

import yaml

from xstilts import tasks, tracking

DATA = "protocols.yaml"
REFERENCES = ("xstilts", "xtreme")
PRECISION = "bf16 autocast on a GPU with bf16, else fp32 (xstilts.train; the device is not logged)"
HEAD = "fresh dense + tanh on the first token (xstilts.heads; BERT's pretrained pooler is not used)"
OPTIMIZER = "AdamW eps 1e-8, grad-norm 1.0, linear schedule"
SELECTION = {
    "final": ("final", "final epoch after the fixed budget (no selection)"),
    "best-en-dev": ("best XNLI English dev per epoch",
                    "best XNLI English dev accuracy after each epoch (xstilts.phases.target; params.yaml's comment "
                    "says English MNLI dev: the code selects on XNLI English dev)"),
}


@functools.cache
def data() -> dict:
    """``protocols.yaml``: references, sources, rows and the published numbers."""
    return yaml.safe_load(resources.files("xstilts.report").joinpath(DATA).read_text(encoding="utf-8"))


def target_recipe(cfg, model: str):
    """The target recipe (a TrainSpec) of ``model``: ``cfg.target_train(model)`` (per-model overrides) where
    the configuration has it, else the shared ``cfg.target.train``."""
    method = getattr(cfg, "target_train", None)
    return method(model) if callable(method) else cfg.target.train


def table(cfg, conditions: list[str], runs_by_model: dict[str, dict[str, list]]) -> dict:
    """The deviation table. ``runs_by_model[model][phase]``: the runs of that phase (``intermediate`` runs
    also by task under ``intermediate:<task>``) for the models of the grid."""
    spec = data()
    rows = []
    trained = [t for t in conditions if tasks.get(t).head is not None]
    for row in spec["rows"]:
        per = row.get("per")
        keys = list(cfg.models) if per == "model" else trained if per == "task" else [None]
        for which in keys:
            ours_value, ours_text = _ours(cfg, row["key"], which, runs_by_model)
            entry = {"key": row["key"], "element": row["element"], "per": which,
                     "ours": {"value": ours_value, "text": ours_text}}
            if per == "model" and which not in cfg.grid.models:
                entry["ours"]["text"] += " (configured; not in this grid)"
            for ref in REFERENCES:
                theirs = _reference(row[ref], which if per == "model" else None)
                entry[ref] = theirs
                entry[f"vs_{ref}"] = _compare(ours_value, theirs["value"], row.get("compare", "equal"))
            rows.append(entry)
    differs = sorted({r["element"] for r in rows if "differs" in (r["vs_xstilts"], r["vs_xtreme"])})
    return {"references": spec["references"], "sources": spec["sources"], "rows": rows, "differs": differs}


def published(acc_avg: dict[str, dict[str, float]], profile: str) -> list[dict]:
    """The published XNLI averages, each beside the condition of ours that corresponds by definition."""
    out = []
    for ref in data()["published"]:
        model, condition = ref.get("model"), ref.get("condition")
        ours = acc_avg.get(model, {}).get(condition) if model and condition else None
        if profile == "smoke":
            note = "not comparable: smoke profile (synthetic data, tiny models)"
        elif model is None:
            note = ref.get("note", "no corresponding condition")
        else:
            note = "protocol differs in the rows of the deviation table"
        out.append({"system": ref["system"], "avg": ref["avg"], "source": ref["source"], "model": model,
                    "condition": condition, "ours": ours, "in_grid": model in acc_avg if model else False,
                    "note": note})
    return out


def _reference(entry: dict, model: str | None) -> dict:
    if "models" in entry:
        models = entry["models"]
        chosen = models.get(model, models.get("default", {"value": None, "text": "—"}))
    else:
        chosen = entry
    return {"value": chosen.get("value"), "text": str(chosen.get("text", "—")), "source": entry.get("source")}


def _compare(ours, theirs, how: str) -> str:
    if ours is None or theirs is None:
        return "—"
    if how == "subset":
        return "same" if set(ours) <= set(theirs) else "differs"
    if isinstance(ours, (int, float)) and isinstance(theirs, (int, float)):
        return "same" if math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12) else "differs"
    return "same" if ours == theirs else "differs"


def _logged(runs: list, name: str) -> list:
    """The distinct values of param ``name`` over ``runs`` (numbers where they parse), in order."""
    values = []
    for run in runs:
        raw = tracking.param(run, name)
        if raw is None:
            continue
        try:
            value = float(raw)
            value = int(value) if value.is_integer() and "." not in raw and "e" not in raw.lower() else value
        except ValueError:
            value = raw
        if value not in values:
            values.append(value)
    return values


def _number(value, runs: list, name: str) -> tuple:
    """This run's value of a recipe number: the value the runs logged (param ``name``), else the configured one."""
    logged = _logged(runs, name)
    if len(logged) == 1:
        return logged[0], f"{logged[0]:.3g}" if isinstance(logged[0], float) else str(logged[0])
    if len(logged) > 1:
        shown = ", ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in logged)
        return logged, shown + " (differ across runs)"
    return value, f"{value:.3g}" if isinstance(value, float) else str(value)


def _ours(cfg, key: str, which, runs_by_model) -> tuple:
    """(value, text) of this run for row ``key`` (``which``: the model or task of a per-model/per-task row)."""
    grid = cfg.grid
    if key == "models":
        if cfg.profile == "smoke":
            names = ", ".join(grid.models)
            return [f"tiny {m}" for m in grid.models], f"tiny stand-ins of {names} (smoke profile)"
        return list(grid.models), ", ".join(f"{m} ({cfg.models[m].hub_id})" for m in grid.models)
    if key == "seeds":
        return len(grid.seeds), f"{len(grid.seeds)} ({', '.join(map(str, grid.seeds))})"
    if key == "target.selection":
        value, text = SELECTION.get(cfg.target.selection, (cfg.target.selection, cfg.target.selection))
        return value, f"`{cfg.target.selection}`: {text}"
    if key == "target.optimizer":
        return OPTIMIZER, "AdamW (eps 1e-8), gradient norm clipped at 1.0, linear schedule (xstilts.train)"
    if key.startswith("target."):
        name = key.removeprefix("target.")
        if name == "precision":
            return "bf16/fp32", PRECISION
        if name == "head":
            return "fresh", HEAD
        recipe = target_recipe(cfg, which)
        runs = runs_by_model.get(which, {}).get("target", [])
        return _number(getattr(recipe, name), runs, name)
    if key.startswith("intermediate."):
        name, recipe = key.removeprefix("intermediate."), cfg.task(which).train
        runs = [r for by_phase in runs_by_model.values() for r in by_phase.get(f"intermediate:{which}", [])]
        if name == "checkpoint":
            return "final", "final model after the fixed budget (no selection on the task's dev set)"
        if name == "lr_source":
            found = sorted({r.data.tags.get("xstilts.lr_source", "not tagged") for r in runs})
            value = "fixed" if found and set(found) <= {"params", "override", "cli"} else found or None
            words = {"tuned": "tuned (Optuna on the task's dev set)", "params": "fixed (params.yaml)",
                     "override": "fixed (-S override)", "cli": "fixed (--lr)"}
            return value, ", ".join(words.get(f, f) for f in found) or "no runs"
        return _number(getattr(recipe, name), runs, name)  # tuned rates may differ by model: all shown
    raise KeyError(f"{key}: no value of this run for this row of {DATA}")
