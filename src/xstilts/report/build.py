"""The report's inputs and outputs: the set of runs and its checks, the predictions, the files, the MLflow run."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

import xstilts.report.analysis as analysis
import xstilts.report.plots as plots
import xstilts.report.protocol as protocol
from xstilts import stats, tasks, tracking, typology
from xstilts.errors import MissingUpstreamError, XstiltsError
from xstilts.grid import Cell
from xstilts.io import replacing_dir, write_json
from xstilts.report.analysis import ALPHA, SPLITS
from xstilts.report.figures import draw
from xstilts.report.markdown import METRIC_LABELS, format_lr, render
from xstilts.report.selection import keys as epoch_keys

log = logging.getLogger(__name__)

MARKDOWN, CSV, METRICS, ANALYSIS, FIGURES, PLOTS, RUNS = (
    "xnli_syntactic_vs_semantic.md", "xnli_results.csv", "metrics.json", "analysis.json", "figures", "plots",
    "runs.json",
)
SCHEMA = 2  # of analysis.json (2: the run ids moved to runs.json)
CSV_COLUMNS = ["model", "task", "family", "seed", "split", "language", "accuracy"]
PHASES = ("intermediate", "target", "evaluate")
FAMILY_ORDER = {"baseline": 0, "syntactic": 1, "semantic": 2}


def _redo(cell: Cell, phase: str, force: bool = False) -> str:
    """The command that produces ``phase`` of ``cell`` again (evaluation runs inside the target stage)."""
    return f"`dvc repro {'-f ' if force else ''}{cell.stage(phase)}`"


def run(
    cfg,
    results_dir: Path = Path("results"),
    out_dir: Path = Path("reports"),
    *,
    n_boot: int = stats.DEFAULT_REPLICATES,
    boot_seed: int = 0,
    curve_seeds: int = 3,
) -> dict:
    """Write the report files, log them as an MLflow ``report`` run and return a summary.

    ``n_boot`` bootstrap replicates drawn with RNG seed ``boot_seed``; learning curves show the first
    ``curve_seeds`` seeds of each cell (read in one batched history query). Returns ``{"run_id",
    "profile", "selection", "evaluate_runs", "files", "models"}``, ``models`` as in ``metrics.json``.
    """
    results_dir, out_dir = Path(results_dir), Path(out_dir)
    conditions = _conditions(cfg)
    cells = [Cell(m, t, s) for m in cfg.grid.models for t in conditions for s in cfg.grid.seeds]
    records = _read_records(cells, results_dir)
    runs = tracking.get_runs(r["run_id"] for rec in records.values() for r in rec.values() if r.get("run_id"))
    _check_runs(cfg, cells, records, runs, results_dir)
    evaluated = {cell: runs[records[cell]["evaluate"]["run_id"]] for cell in cells}
    correct = _read_predictions(cfg, cells, evaluated, results_dir)
    # the per-epoch XNLI of the target runs, in one batched read (runs without it: "not logged")
    histories = tracking.metric_histories(
        (records[cell]["target"]["run_id"] for cell in cells), epoch_keys(cfg.languages)
    )
    result = _analysis(cfg, conditions, cells, records, runs, evaluated, correct, histories, n_boot, boot_seed)
    # Run ids change on every repro: they go to runs.json (a DVC-cached output, git-ignored) and nowhere else,
    # so that the git-tracked report files of an unchanged grid stay byte for byte the same.
    run_ids = {model: m.pop("runs") for model, m in result["per_model"].items()}
    curves = _learning_curves(result, run_ids, curve_seeds)

    out_dir.mkdir(parents=True, exist_ok=True)
    _write_csv(out_dir / CSV, cfg, cells, evaluated)
    metrics = _metrics(result)
    write_json(out_dir / METRICS, metrics)
    with replacing_dir(out_dir / FIGURES) as tmp:  # no stale figures of models no longer in the grid
        names = [p.name for p in draw(result, curves, curve_seeds, tmp)]
    with replacing_dir(out_dir / PLOTS) as tmp:
        plot_files = [p.relative_to(tmp) for p in plots.write(result, curves, tmp)]
    result["figures"] = [f"{FIGURES}/{name}" for name in names]
    write_json(out_dir / ANALYSIS, result)
    _write_text(out_dir / MARKDOWN, render(result))

    files = [out_dir / MARKDOWN, out_dir / ANALYSIS, out_dir / CSV, out_dir / METRICS,
             *(out_dir / FIGURES / name for name in names), *(out_dir / PLOTS / name for name in plot_files)]
    params = {"n_boot": n_boot, "boot_seed": boot_seed, "evaluate_runs": len(cells), "selection": cfg.target.selection}
    with tracking.phase_run(cfg, "report", params=params) as report_run:
        tracking.log_metrics(_flat(metrics["models"]))
        for path in files:
            tracking.log_artifact(path, str(path.parent.relative_to(out_dir)) if path.parent != out_dir else None)
    write_json(out_dir / RUNS, {"report": report_run.info.run_id, "runs": run_ids})
    files.append(out_dir / RUNS)
    log.info("report written to %s (MLflow run %s)", out_dir, report_run.info.run_id)
    return {
        "run_id": report_run.info.run_id, "profile": cfg.profile, "selection": cfg.target.selection,
        "evaluate_runs": len(cells), "files": [str(f) for f in files], "models": metrics["models"],
    }


def _analysis(cfg, conditions, cells, records, runs, evaluated, correct, histories, n_boot, boot_seed) -> dict:
    """The analysis dict (plain JSON) that the Markdown, the figures and analysis.json show."""
    per_model = {
        model: analysis.analyse(cfg, model, conditions, records, runs, evaluated, correct, histories, n_boot, boot_seed)
        for model in cfg.grid.models
    }
    family = analysis.adjust(per_model)
    seeds = list(cfg.grid.seeds)
    warnings = []
    if len(seeds) < analysis.MIN_SEEDS:
        warnings.append(
            f"only {len(seeds)} seed{'s' if len(seeds) != 1 else ''} per condition ({', '.join(map(str, seeds))}): the "
            "spread over seeds is shown as n/a and the intervals reflect the test pairs "
            f"{'only' if len(seeds) == 1 else 'and these few seeds'}; run at least {analysis.MIN_SEEDS} seeds, e.g. "
            "`dvc exp run -S 'grid.seeds=[1,2,3]'` (`xstilts plan` shows the cost)"
        )
    by_model = {m: {"target": [], **{f"intermediate:{t}": [] for t in conditions}} for m in cfg.grid.models}
    for cell in cells:
        for phase in ("intermediate", "target"):
            run_id = records[cell][phase].get("run_id")
            if run_id:
                key = "target" if phase == "target" else f"intermediate:{cell.task}"
                by_model[cell.model][key].append(runs[run_id])
    accuracy_avg = {m: {t: per_model[m]["accuracy"]["test"][t]["avg_mean"] for t in conditions} for m in per_model}
    n_pairs = next(iter(correct.values())).shape[1]
    return analysis.plain({
        "schema": SCHEMA,
        "profile": cfg.profile,
        "selection": cfg.target.selection,
        "languages": list(cfg.languages),
        "grid": {"models": list(cfg.grid.models), "seeds": seeds,
                 "conditions": [{"task": t, "family": tasks.get(t).family} for t in conditions]},
        "evaluate_runs": len(cells),
        "statistics": {"replicates": n_boot, "rng_seed": boot_seed, "level": analysis.LEVEL, "alpha": ALPHA,
                       "min_p": 2 / (n_boot + 1), "test_pairs": n_pairs, "seed_resampling": "joint", "family": family},
        "warnings": warnings,
        "sources": {"word_order": typology.WORD_ORDER_SOURCE, "script": typology.SCRIPT_SOURCE,
                    "distance": typology.URIEL_SOURCE},
        "per_model": per_model,
        "protocol": protocol.table(cfg, conditions, by_model),
        "published": protocol.published(accuracy_avg, cfg.profile),
        "figures": [],
    })


# -- the set of runs and its checks --------------------------------------------------------------------


def _conditions(cfg) -> list[str]:
    """Grid tasks ordered none, syntactic, semantic; the analysis needs all three families."""
    grid = list(cfg.grid.tasks)
    families = {t: tasks.get(t).family for t in grid}
    needs = {"baseline": "Δ vs none", "syntactic": "the syntactic-vs-semantic contrast",
             "semantic": "the syntactic-vs-semantic contrast"}
    for family, what in needs.items():
        if family not in families.values():
            options = ", ".join(n for n, t in tasks.registry().items() if t.family == family)
            raise XstiltsError(
                f"grid.tasks = [{', '.join(grid)}] has no {family} task, so {what} is impossible; "
                f"add one ({options}) to grid.tasks in params.yaml"
            )
    return sorted(grid, key=lambda t: (FAMILY_ORDER[families[t]], grid.index(t)))


def _read_records(cells: list[Cell], results_dir: Path) -> dict[Cell, dict[str, dict]]:
    records = {}
    for cell in cells:
        records[cell] = {}
        for phase in PHASES:
            path = cell.result(phase, results_dir)
            if not path.is_file():
                raise MissingUpstreamError(
                    f"{path}: missing (grid cell {cell} has no {phase} result); "
                    f"run {_redo(cell, phase)}"
                )
            try:
                records[cell][phase] = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as err:
                raise XstiltsError(f"{path}: not valid JSON ({err}); run {_redo(cell, phase, force=True)}") from None
    return records


def _check_runs(cfg, cells, records, runs, results_dir) -> None:
    """Every recorded run exists, is FINISHED, belongs to its cell and to cfg's profile and protocol."""
    uri = tracking.tracking_uri()
    for cell in cells:
        for phase in PHASES:
            run_id = records[cell][phase].get("run_id")
            if run_id is None and phase == "intermediate" and tasks.get(cell.task).head is None:
                continue  # the baseline trains nothing and logs no run

            def fail(what: str, alternative: str = "", *, cell=cell, phase=phase, run_id=run_id):
                where, redo = cell.result(phase, results_dir), _redo(cell, phase, force=True)
                return XstiltsError(f"MLflow run {run_id} recorded in {where} {what}; run {redo}{alternative}")

            run = runs.get(run_id)
            if run is None:
                raise fail(f"not found in the tracking store {uri}")
            if run.info.lifecycle_stage == "deleted":
                raise fail(f"is deleted in the tracking store {uri}")
            if run.info.status != "FINISHED":
                raise fail(f"is {run.info.status}, not FINISHED")
            tags = {k.removeprefix(tracking.TAG_PREFIX): v for k, v in run.data.tags.items()}
            expected = {"phase": phase, "model": cell.model, "task": cell.task, "seed": str(cell.seed)}
            found = {k: tags.get(k) for k in expected}
            if found != expected:
                raise fail(f"is tagged {found}, expected {expected}")
            profile = tags.get("profile")
            if profile != cfg.profile:
                raise fail(f"is tagged xstilts.profile={profile!r} but the report is for profile {cfg.profile!r} "
                           "(mixed profiles)", f" or report with --profile {profile}")
            if phase != "evaluate":
                continue
            if tags.get("selection") != cfg.target.selection:
                raise fail(f"is tagged xstilts.selection={tags.get('selection')!r} but target.selection is "
                           f"{cfg.target.selection!r} (mixed protocols)")
            for name in (f"xnli_{split}_acc_{lang}" for split in SPLITS for lang in cfg.languages):
                if name not in run.data.metrics:
                    raise fail(f"has no metric {name}")


def _read_predictions(cfg, cells, evaluated, results_dir) -> dict[Cell, np.ndarray]:
    """Each evaluate run's test predictions, read once, as a ``[languages, pairs]`` bool matrix.

    XNLI is parallel: every language and every run must hold the same test pair ids (those of the first
    run), and the matrix must reproduce the run's logged per-language accuracy.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    languages = pa.array(list(cfg.languages))
    reference, out = None, {}
    with tempfile.TemporaryDirectory() as download_dir:
        for cell in cells:
            run = evaluated[cell]
            where = f"MLflow run {run.info.run_id} ({cell.result('evaluate', results_dir)})"
            redo = _redo(cell, "evaluate", force=True)
            path = _predictions_file(cell, run, results_dir, download_dir, where, redo)
            table = pq.ParquetFile(path).read(columns=["split", "language", "pair_id", "correct"])  # no dataset layer
            table = table.filter(pc.equal(table["split"], "test"))
            lang = pc.index_in(table["language"], value_set=languages)
            keep = pc.is_valid(lang)
            lang = pc.filter(lang, keep).to_numpy(zero_copy_only=False)
            pair = pc.filter(table["pair_id"], keep).to_numpy(zero_copy_only=False)
            good = pc.filter(table["correct"], keep).to_numpy(zero_copy_only=False).astype(bool)
            if reference is None:
                reference = np.unique(pair[lang == 0])
                if not len(reference):
                    raise XstiltsError(
                        f"{where}: predictions.parquet has no test rows in {cfg.languages[0]}; run {redo}"
                    )
            index = np.clip(np.searchsorted(reference, pair), 0, len(reference) - 1)
            known = reference[index] == pair
            matrix = np.full((len(cfg.languages), len(reference)), -1, dtype=np.int8)
            matrix[lang[known], index[known]] = good[known]
            missing = (matrix < 0).sum(axis=1)
            if not known.all() or len(pair) != matrix.size or missing.any():
                worst = cfg.languages[int(np.argmax(missing))]
                raise XstiltsError(
                    f"{where}: predictions.parquet does not hold exactly the {len(reference)} shared test pairs in "
                    f"every language (e.g. {worst}: {missing.max()} missing; {(~known).sum()} unknown pair ids); "
                    f"run {redo}"
                )
            for code, accuracy in zip(cfg.languages, matrix.mean(axis=1), strict=True):
                metric = run.data.metrics[f"xnli_test_acc_{code}"]
                if not abs(accuracy - metric) <= 1e-6:
                    raise XstiltsError(
                        f"{where}: predictions.parquet gives test accuracy {accuracy:.6f} in {code} but the run's "
                        f"metric xnli_test_acc_{code} is {metric:.6f}; run {redo}"
                    )
            out[cell] = matrix.astype(bool)
    return out


def _predictions_file(cell, run, results_dir, download_dir, where: str, redo: str) -> Path:
    """The evaluate run's predictions.parquet: the workspace's copy (the DVC output) when its sha256 is the one
    the run recorded, else the run's artifact from the tracking store.

    The workspace's copy comes first because a moved or copied project's runs name the artifact paths of
    the folder (or machine) that ran them; where neither is usable the error says what differs and where,
    and asks for a new evaluation only when the data is nowhere.
    """
    local = cell.predictions(results_dir)
    recorded = run.data.tags.get(tracking.TAG_PREFIX + tracking.PREDICTIONS_SHA256)
    found = tracking.file_sha256(local) if local.is_file() else None
    if found is not None and found == recorded:
        return local
    try:
        return tracking.artifact_file(run, "predictions.parquet", download_dir)
    except FileNotFoundError as err:
        missing = f"has no artifact predictions.parquet ({err})"
    if found is None:
        raise XstiltsError(f"{where} {missing} and {local} is missing; run {redo}")
    if recorded is None:
        differs = "the run recorded no sha256 of its predictions to check it against (a run of older xstilts)"
    else:
        differs = f"its sha256 {found[:12]}… is not the {recorded[:12]}… that the run recorded"
    raise XstiltsError(f"{where} {missing}, and {local} is not the file the run wrote: {differs}; restore the "
                       f"file that run wrote (e.g. `dvc checkout {local}`)")


# -- metrics.json and the other files ------------------------------------------------------------------


def _metrics(result: dict) -> dict:
    """A few numbers per model for ``dvc metrics show`` (accuracies as fractions; numbers only, no strings)."""
    models = {}
    for model, m in result["per_model"].items():
        c = next(x for x in m["comparisons"] if x["name"] == analysis.CONTRAST)
        gap = {r["task"]: r for r in m["transfer_gap"]["conditions"]}
        models[model] = {
            "test_avg": {t: _round(s["avg_mean"]) for t, s in m["accuracy"]["test"].items()},
            "syntactic_minus_semantic": {
                "avg": _round(c["avg"]["estimate"]), "ci_low": _round(c["avg"]["low"]),
                "ci_high": _round(c["avg"]["high"]), "p": _round(c["avg"]["p"]),
                "languages_holm": c["significant_holm"], "languages_bh": c["significant_bh"],
            },
            "delta_vs_none": {x["a"][0]: _round(x["avg"]["estimate"]) for x in m["comparisons"] if x["b"] == ["none"]},
            "transfer_gap": {t: _round(r["gap"]) for t, r in gap.items()},
        }
        models[model] = _numbers_only(models[model])
    return {"evaluate_runs": result["evaluate_runs"], "models": models}


def _learning_curves(a: dict, run_ids: dict, curve_seeds: int) -> dict:
    """The dev metric after every epoch (``epoch_dev_<metric>``) of the first ``curve_seeds`` seeds, read in one
    batched history query: per model, one panel per trained intermediate task on its own metric (LAS,
    Spearman, ...) and one for the target task (English MNLI dev accuracy, every condition).
    ``{model: [{"task", "label", "title", "series": [{"label", "points": [(epoch, value), ...]}]}]}``."""
    seeds = a["grid"]["seeds"][:curve_seeds]
    conditions = [c["task"] for c in a["grid"]["conditions"]]
    trained = [t for t in conditions if tasks.get(t).dev_metric is not None]
    keys = [f"epoch_dev_{tasks.get(t).dev_metric}" for t in trained] + ["epoch_dev_acc"]
    ids = [r[phase] for runs in run_ids.values() for r in runs if r["seed"] in seeds
           for phase in ("intermediate", "target") if r[phase]]
    histories = tracking.metric_histories(ids, keys) if ids else {}

    def points(run_id, key):
        return histories.get(run_id, {}).get(key, []) if run_id else []

    out = {}
    for model, runs in run_ids.items():
        cell = {(r["task"], r["seed"]): r for r in runs}
        rates = {own["task"]: own["lr"] for own in a["per_model"][model]["own"]}
        panels = []
        for t in trained:
            metric = tasks.get(t).dev_metric
            panels.append({
                "task": t, "label": f"dev {METRIC_LABELS.get(metric, metric)}",
                "title": f"{t}, lr {', '.join(format_lr(x) for x in rates.get(t, [])) or 'n/a'}",
                "series": [{"label": f"seed {s}", "points": points(cell[t, s]["intermediate"], f"epoch_dev_{metric}")}
                           for s in seeds],
            })  # fmt: skip
        panels.append({
            "task": "target-mnli", "label": "MNLI dev accuracy", "title": "target task: MNLI (English)",
            "series": [{"label": f"{t} seed {s}", "points": points(cell[t, s]["target"], "epoch_dev_acc")}
                       for t in conditions for s in seeds],
        })  # fmt: skip
        out[model] = panels
    return out


def _round(x):
    return None if x is None else round(float(x), 6)


def _numbers_only(tree: dict) -> dict:
    """Drop entries without a number (not logged): dvc metrics and MLflow take numbers only."""
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            value = _numbers_only(value)
            if value:
                out[key] = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = value
    return out


def _write_csv(path: Path, cfg, cells: list[Cell], evaluated) -> None:
    import pandas as pd

    rows = [
        [c.model, c.task, tasks.get(c.task).family, c.seed, split, lang,
         evaluated[c].data.metrics[f"xnli_{split}_acc_{lang}"]]
        for c in cells for split in SPLITS for lang in cfg.languages
    ]
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pd.DataFrame(rows, columns=CSV_COLUMNS).to_csv(tmp, index=False)  # full precision: equal to the runs' metrics
    os.replace(tmp, path)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _flat(tree: dict, prefix: str = "") -> dict[str, float]:
    """``{"mbert": {"test_avg": {"none": x}}}`` -> ``{"mbert.test_avg.none": x}`` (MLflow metric names)."""
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = float(value)
    return out
