"""The report: syntactic vs semantic intermediate training, read back from the MLflow tracking store.

The set of runs is the run ids recorded in ``results/<model>/<task>/seed<S>/{intermediate,target,evaluate}.json``
for exactly the cells of ``cfg.grid`` (DVC may restore those files from its run-cache without running
anything, so the files, not a search, say which runs count). Their status, tags and metrics are read in
batched searches, the per-example predictions once per evaluate run from its ``predictions.parquet``
artifact. Any gap is a loud :class:`XstiltsError` naming what is missing and the command that produces it:
the report never shows an empty or silently partial table.

Outputs in ``out_dir``: ``xnli_syntactic_vs_semantic.md`` (the analysis, :mod:`xstilts.report_markdown`),
``xnli_results.csv`` (one row per evaluate run x split x language), ``metrics.json`` (for ``dvc metrics
show``) and ``figures/*.png`` (:mod:`xstilts.report_figures`); all of them are then logged as the artifacts
of one MLflow run of phase ``report``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from xstilts import stats, tasks, tracking, typology
from xstilts.errors import MissingUpstreamError, XstiltsError
from xstilts.io import replacing_dir, write_json

log = logging.getLogger(__name__)

MARKDOWN, CSV, METRICS, FIGURES = "xnli_syntactic_vs_semantic.md", "xnli_results.csv", "metrics.json", "figures"
CSV_COLUMNS = ["model", "task", "family", "seed", "split", "language", "accuracy", "run_id"]
SPLITS = ("dev", "test")
PHASES = ("intermediate", "target", "evaluate")
FAMILY_ORDER = {"baseline": 0, "syntactic": 1, "semantic": 2}
ALPHA = 0.05  # significance level of the per-language tests

@dataclasses.dataclass(frozen=True)
class Cell:
    model: str
    task: str
    seed: int

    def record(self, results_dir: Path, phase: str) -> Path:
        return Path(results_dir) / self.model / self.task / f"seed{self.seed}" / f"{phase}.json"

    def command(self, phase: str, force: bool = False) -> str:
        """The DVC stage that produces ``phase`` for this cell (evaluation runs inside the target stage)."""
        stage = "intermediate" if phase == "intermediate" else "target"
        return f"`dvc repro {'-f ' if force else ''}{stage}@{self.model}-{self.task}-{self.seed}`"


@dataclasses.dataclass
class Analysis:
    """What the markdown, the figures and metrics.json show for one model."""

    model: str
    languages: list[str]
    conditions: list[str]  # none, syntactic tasks, semantic tasks
    family: dict[str, str]
    seeds: list[int]
    cells: dict[tuple[str, int], Cell]
    acc: dict[str, dict[str, np.ndarray]]  # split -> task -> [seeds, languages], the runs' metrics
    contrast: stats.Estimate  # syntactic - semantic, per language then the average
    holm: np.ndarray
    bh: np.ndarray
    vs_none: dict[str, stats.Estimate]  # task - none
    average: dict[str, stats.Estimate]  # each condition's accuracy
    groups: dict[str, dict[str, tuple[list[str], stats.Estimate]]]  # dimension -> group -> (languages, contrast)
    agreement: list[dict]  # dev vs test
    own: dict[str, dict]  # task -> its own dev score across runs

    @property
    def syntactic(self) -> list[str]:
        return [t for t in self.conditions if self.family[t] == "syntactic"]

    @property
    def semantic(self) -> list[str]:
        return [t for t in self.conditions if self.family[t] == "semantic"]


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
    ``curve_seeds`` seeds of each cell (one metric-history request per curve). Returns ``{"run_id",
    "profile", "selection", "evaluate_runs", "files", "models"}``, ``models`` as in ``metrics.json``.
    """
    from xstilts import report_figures, report_markdown  # they build on this module's Analysis

    results_dir, out_dir = Path(results_dir), Path(out_dir)
    conditions = _conditions(cfg)
    cells = [Cell(m, t, s) for m in cfg.grid.models for t in conditions for s in cfg.grid.seeds]
    records = _read_records(cells, results_dir)
    runs = tracking.get_runs(r["run_id"] for rec in records.values() for r in rec.values() if r.get("run_id"))
    _check_runs(cfg, cells, records, runs, results_dir)
    evaluated = {cell: runs[records[cell]["evaluate"]["run_id"]] for cell in cells}
    correct = _read_predictions(cfg, cells, evaluated, results_dir)
    analyses = {
        model: _analyse(cfg, model, conditions, records, runs, evaluated, correct, n_boot, boot_seed)
        for model in cfg.grid.models
    }

    out_dir.mkdir(parents=True, exist_ok=True)
    _write_csv(out_dir / CSV, cfg, cells, evaluated)
    metrics = _metrics(cfg, analyses, len(cells))
    write_json(out_dir / METRICS, metrics)
    with replacing_dir(out_dir / FIGURES) as tmp:  # no stale figures of models no longer in the grid
        names = [p.name for p in report_figures.draw(analyses, records, curve_seeds, tmp)]
    figures = [out_dir / FIGURES / name for name in names]
    text = report_markdown.render(cfg, analyses, len(cells), n_boot, boot_seed, [f"{FIGURES}/{name}" for name in names])
    _write_text(out_dir / MARKDOWN, text)

    files = [out_dir / MARKDOWN, out_dir / CSV, out_dir / METRICS, *figures]
    params = {"n_boot": n_boot, "boot_seed": boot_seed, "evaluate_runs": len(cells), "selection": cfg.target.selection}
    with tracking.phase_run(cfg, "report", params=params) as report_run:
        tracking.log_metrics(_flat(metrics["models"]))
        for path in files:
            tracking.log_artifact(path, FIGURES if path.parent.name == FIGURES else None)
    log.info("report written to %s (MLflow run %s)", out_dir, report_run.info.run_id)
    return {
        "run_id": report_run.info.run_id, "profile": cfg.profile, "selection": cfg.target.selection,
        "evaluate_runs": len(cells), "files": [str(f) for f in files], "models": metrics["models"],
    }


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
            path = cell.record(results_dir, phase)
            if not path.is_file():
                raise MissingUpstreamError(
                    f"{path}: missing (grid cell {cell.model}/{cell.task}/seed{cell.seed} has no {phase} result); "
                    f"run {cell.command(phase)}"
                )
            try:
                records[cell][phase] = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as err:
                raise XstiltsError(f"{path}: not valid JSON ({err}); run {cell.command(phase, force=True)}") from None
    return records


def _check_runs(cfg, cells, records, runs, results_dir) -> None:
    """Every recorded run exists, is FINISHED, belongs to its cell and to cfg's profile and protocol."""
    uri = tracking.tracking_uri()
    for cell in cells:
        for phase in PHASES:
            run_id = records[cell][phase].get("run_id")
            if run_id is None and phase == "intermediate" and tasks.get(cell.task).head is None:
                continue  # the baseline trains nothing and logs no run

            def fail(what: str, alternative: str = ""):
                where, redo = cell.record(results_dir, phase), cell.command(phase, force=True)
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
            where = f"MLflow run {run.info.run_id} ({cell.record(results_dir, 'evaluate')})"
            redo = cell.command("evaluate", force=True)
            try:
                path = tracking.artifact_file(run, "predictions.parquet", download_dir)
            except FileNotFoundError:
                raise XstiltsError(f"{where} has no artifact predictions.parquet; run {redo}") from None
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
            for code, accuracy in zip(cfg.languages, matrix.mean(axis=1)):
                metric = run.data.metrics[f"xnli_test_acc_{code}"]
                if not abs(accuracy - metric) <= 1e-6:
                    raise XstiltsError(
                        f"{where}: predictions.parquet gives test accuracy {accuracy:.6f} in {code} but the run's "
                        f"metric xnli_test_acc_{code} is {metric:.6f}; run {redo}"
                    )
            out[cell] = matrix.astype(bool)
    return out


# -- analysis ------------------------------------------------------------------------------------------


def _analyse(cfg, model, conditions, records, runs, evaluated, correct, n_boot, boot_seed) -> Analysis:
    langs, seeds = list(cfg.languages), list(cfg.grid.seeds)
    family = {t: tasks.get(t).family for t in conditions}
    syntactic = [t for t in conditions if family[t] == "syntactic"]
    semantic = [t for t in conditions if family[t] == "semantic"]
    cells = {(t, s): Cell(model, t, s) for t in conditions for s in seeds}
    acc = {
        split: {t: np.array([[evaluated[cells[t, s]].data.metrics[f"xnli_{split}_acc_{lang}"] for lang in langs]
                             for s in seeds]) for t in conditions}
        for split in SPLITS
    }
    boot = stats.bootstrap({t: np.stack([correct[cells[t, s]] for s in seeds]) for t in conditions}, n_boot, boot_seed)
    contrast = stats.contrast(boot, syntactic, semantic)

    point, reps = stats.difference(boot, syntactic, semantic)
    groups: dict[str, dict] = {}
    for dimension, by_group in typology.groups(langs).items():
        groups[dimension] = {}
        for name, members in by_group.items():
            idx = [langs.index(code) for code in members]
            estimate = stats.summarise(point[idx].mean(keepdims=True), reps[:, idx].mean(axis=1, keepdims=True))
            groups[dimension][name] = (members, estimate)

    def delta(split, a, b):  # per-language difference of the group means of the runs' metrics
        return np.mean([acc[split][t].mean(0) for t in a], 0) - np.mean([acc[split][t].mean(0) for t in b], 0)

    agreement = []
    for name, a, b in [("syntactic − semantic", syntactic, semantic)] + [
        (f"{t} − none", [t], ["none"]) for t in conditions if t != "none"
    ]:
        dev, test = delta("dev", a, b), delta("test", a, b)
        same_sign = int((np.sign(dev) == np.sign(test)).sum())
        agreement.append({"comparison": name, "r": _pearson(dev, test), "same_sign": same_sign,
                          "dev": float(dev.mean()), "test": float(test.mean())})

    own = {}
    for t in conditions:
        metric = tasks.get(t).dev_metric
        if metric is None:
            continue
        trained = [runs[records[cells[t, s]]["intermediate"]["run_id"]].data for s in seeds]
        scores = [data.metrics.get(f"dev_{metric}") for data in trained]
        kept = [i for i, v in enumerate(scores) if v is not None]
        values = np.array([scores[i] for i in kept])
        xnli = acc["test"][t].mean(axis=1)[kept]  # each run's language-average XNLI test accuracy
        rates = sorted({data.params.get("lr", "?") for data in trained})  # tuned or params.yaml (issue #4)
        own[t] = {"metric": metric, "values": values, "r": _pearson(values, xnli), "n": len(kept), "lr": rates}

    return Analysis(
        model=model, languages=langs, conditions=conditions, family=family, seeds=seeds, cells=cells, acc=acc,
        contrast=contrast, holm=stats.holm(contrast.p_value[:-1]), bh=stats.benjamini_hochberg(contrast.p_value[:-1]),
        vs_none={t: stats.contrast(boot, [t], ["none"]) for t in conditions if t != "none"},
        average={t: stats.summarise(*stats.with_average(*stats.accuracy(boot, [t]))) for t in conditions},
        groups=groups, agreement=agreement, own=own,
    )


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson r; NaN (shown as n/a) below 3 points or without spread."""
    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def _metrics(cfg, analyses: dict[str, Analysis], n_runs: int) -> dict:
    """A few numbers per model for ``dvc metrics show`` (accuracies as fractions)."""
    models = {}
    for model, a in analyses.items():
        c = a.contrast
        models[model] = {
            "test_avg": {t: round(float(a.acc["test"][t].mean()), 6) for t in a.conditions},
            "syntactic_minus_semantic": {
                "avg": round(float(c.estimate[-1]), 6), "ci_low": round(float(c.low[-1]), 6),
                "ci_high": round(float(c.high[-1]), 6), "p": round(float(c.p_value[-1]), 6),
                "languages_holm": int((a.holm < ALPHA).sum()), "languages_bh": int((a.bh < ALPHA).sum()),
            },
            "delta_vs_none": {t: round(float(e.estimate[-1]), 6) for t, e in a.vs_none.items()},
        }
    return {"profile": cfg.profile, "selection": cfg.target.selection, "evaluate_runs": n_runs, "models": models}


# -- files ---------------------------------------------------------------------------------------------


def _write_csv(path: Path, cfg, cells: list[Cell], evaluated) -> None:
    import pandas as pd

    rows = [
        [c.model, c.task, tasks.get(c.task).family, c.seed, split, lang,
         evaluated[c].data.metrics[f"xnli_{split}_acc_{lang}"], evaluated[c].info.run_id]
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
