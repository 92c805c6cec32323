"""The report: syntactic vs semantic intermediate training, read back from the MLflow tracking store.

The set of runs is the run ids recorded in ``results/<model>/<task>/seed<S>/{intermediate,target,evaluate}.json``
for exactly the cells of ``cfg.grid`` (DVC may restore those files from its run-cache without running
anything, so the files, not a search, say which runs count). Their status, tags and metrics are read in
batched searches, the per-example predictions once per evaluate run from its ``predictions.parquet``
artifact. Any gap is a loud :class:`XstiltsError` naming what is missing and the command that produces it:
the report never shows an empty or silently partial table.

Outputs in ``out_dir``: ``xnli_syntactic_vs_semantic.md`` (the analysis), ``xnli_results.csv`` (one row per
evaluate run x split x language), ``metrics.json`` (for ``dvc metrics show``) and ``figures/*.png``; all of
them are then logged as the artifacts of one MLflow run of phase ``report``.
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
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2", "#F0E442", "#000000"]
METRIC_LABELS = {"las": "LAS", "uas": "UAS", "spearman": "Spearman", "pearson": "Pearson", "acc": "accuracy"}
NOT_COMPARABLE = "not comparable: smoke profile (synthetic data, tiny models)"
ALPHA = 0.05

_T5 = "XTREME leaderboard, as reproduced in the google-research/multilingual-t5 README"
# Published zero-shot XNLI test accuracy, 15-language average (REFERENCES.md): (system, avg, our model,
# our condition to show beside it ("best": the best condition of that model), source).
REFERENCES = [
    ("mBERT (bert-base-multilingual-cased)", 65.4, "mbert", "none",
     f"XTREME (Hu et al. 2020, arXiv 2003.11080); {_T5}"),
    ("XLM-R base", 76.2, "xlmr", "none",
     "XLM-R paper (Conneau et al. 2020, arXiv 1911.02116), as listed in the microsoft/mdeberta-v3-base model card"),
    ("XLM-R large", 79.2, "xlmr-large", "none", _T5),
    ("X-STILTs (XLM-R large, best intermediate task per target)", 80.4, "xlmr-large", "best",
     f"Phang et al. 2020 (arXiv 2005.13013); {_T5}"),
]
SELECTION_WORDS = {
    "final": "the last checkpoint after the fixed training budget (no checkpoint selection)",
    "best-en-dev": "the checkpoint with the best English XNLI dev accuracy (XTREME practice; Keung et al. 2020, "
    "arXiv 2004.15001, show that it makes zero-shot results unstable)",
}


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
        names = [p.name for p in _figures(analyses, records, curve_seeds, tmp)]
    figures = [out_dir / FIGURES / name for name in names]
    _write_text(out_dir / MARKDOWN, _markdown(cfg, analyses, len(cells), n_boot, boot_seed, names))

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


# -- markdown ------------------------------------------------------------------------------------------


def _markdown(cfg, analyses: dict[str, Analysis], n_runs, n_boot, boot_seed, figures: list[str]) -> str:
    first = next(iter(analyses.values()))
    label = {t: f"{t} ({first.family[t]})" for t in first.conditions}
    n = len(cfg.languages)
    lines = ["# Zero-shot XNLI after syntactic vs semantic English intermediate-task training", ""]
    if cfg.profile == "smoke":
        lines += ["> **Smoke profile**: synthetic data and tiny models. These numbers exercise the pipeline; "
                  "they are not findings.", ""]
    lines += [
        f"Profile `{cfg.profile}`; {n_runs} evaluate runs, all FINISHED (models {', '.join(cfg.grid.models)}; "
        f"conditions {', '.join(label.values())}; seeds {', '.join(map(str, cfg.grid.seeds))}).",
        f"Checkpoint selection in force (tag `xstilts.selection`): `{cfg.target.selection}`: "
        f"{SELECTION_WORDS.get(cfg.target.selection, cfg.target.selection)}.",
        f"Statistics: paired bootstrap over XNLI test pairs (the pair ids are resampled once for all {n} languages, "
        f"whose test sets are translations of one another) combined with resampling the seeds within each condition; "
        f"{n_boot} replicates, RNG seed {boot_seed}; 95% percentile intervals; two-sided bootstrap p-values; Holm and "
        f"Benjamini–Hochberg adjustment over the {n} languages. Accuracies and Δ in points (%).",
    ]
    floor = 2 / (n_boot + 1)  # the smallest p-value n_boot replicates can give
    if floor * n >= ALPHA:
        lines.append(f"Note: with {n_boot} replicates the smallest attainable p is {floor:.4f}, so Holm cannot flag "
                     f"any language at {ALPHA} over {n} tests; use more replicates "
                     f"(default {stats.DEFAULT_REPLICATES}).")
    lines += ["", "## Summary", ""] + [f"- **{model}**: {_verdict(a)}" for model, a in analyses.items()]
    for model, a in analyses.items():
        lines += ["", f"## {model}", ""] + _model_sections(a, label)
    lines += ["", f"## Published reference numbers (XNLI zero-shot test accuracy, {n}-language average)", ""]
    lines += _references(cfg, analyses)
    lines += ["", "## Figures", ""] + [f"![{Path(name).stem}]({FIGURES}/{name})" for name in figures]
    return "\n".join(lines) + "\n"


def _verdict(a: Analysis) -> str:
    c, n = a.contrast, len(a.languages)
    syn, sem = ", ".join(a.syntactic), ", ".join(a.semantic)
    size = f"by {100 * abs(c.estimate[-1]):.2f} points on the {n}-language average"
    numbers = f"syntactic − semantic = {_signed(c.estimate[-1])}, 95% CI {_ci(c, -1)}, p = {_p(c.p_value[-1])}"
    significant = (f"{(a.holm < ALPHA).sum()} of {n} languages differ significantly after Holm correction "
                   f"({(a.bh < ALPHA).sum()} after Benjamini–Hochberg)")
    if c.low[-1] > 0:
        head = f"Syntactic training ({syn}) gives higher XNLI accuracy than semantic training ({sem}) {size}"
    elif c.high[-1] < 0:
        head = f"Semantic training ({sem}) gives higher XNLI accuracy than syntactic training ({syn}) {size}"
    else:
        head = f"No reliable difference between syntactic ({syn}) and semantic ({sem}) training"
    moves = []
    for t, e in a.vs_none.items():
        word = "raises" if e.low[-1] > 0 else "lowers" if e.high[-1] < 0 else "does not reliably move"
        moves.append(f"{t} {word} accuracy vs no intermediate task ({_signed(e.estimate[-1])}, CI {_ci(e, -1)})")
    return f"{head} ({numbers}); {significant}. Against the baseline: {'; '.join(moves)}."


def _model_sections(a: Analysis, label: dict[str, str]) -> list[str]:
    langs, test, c = a.languages, a.acc["test"], a.contrast
    out = ["### XNLI test accuracy by language and condition (mean ± sd over seeds; Δ vs none with 95% CI)", ""]
    header = ["language"] + [x for t in a.conditions for x in ([label[t]] + (["Δ vs none"] if t != "none" else []))]
    rows = []
    for i, code in enumerate(langs + ["**avg**"]):
        row = [code]
        for t in a.conditions:
            row.append(_mean_sd(test[t][:, i] if i < len(langs) else test[t].mean(axis=1)))
            if t != "none":
                row.append(f"{_signed(a.vs_none[t].estimate[i])} {_ci(a.vs_none[t], i)}")
        rows.append(row)
    out += _table(header, rows)

    out += ["", f"### Syntactic − semantic contrast ({', '.join(a.syntactic)} − {', '.join(a.semantic)})", "",
            "Test: paired bootstrap over test pairs × seeds (a family's accuracy is the mean of its tasks). "
            "W/T/L: win if the 95% CI is above 0, loss if below, tie if it includes 0.", ""]
    rows = [[code, _signed(c.estimate[i]), _ci(c, i), _p(c.p_value[i]), _p(a.holm[i]), _p(a.bh[i]), _wtl(c, i)]
            for i, code in enumerate(langs)]
    rows.append(["**avg**", _signed(c.estimate[-1]), _ci(c, -1), _p(c.p_value[-1]), "", "", _wtl(c, -1)])
    out += _table(["language", "Δ", "95% CI", "p", "p (Holm)", "p (BH)", "W/T/L"], rows)

    out += ["", "### Win / tie / loss over languages (tie: the 95% CI includes 0)", ""]
    rows = []
    for name, e in [("syntactic − semantic", c)] + [(f"{t} − none", e) for t, e in a.vs_none.items()]:
        marks = [_wtl(e, i) for i in range(len(langs))]
        rows.append([name] + [str(marks.count(m)) for m in "WTL"])
    out += _table(["comparison", "wins", "ties", "losses"], rows)

    out += ["", "### Syntactic − semantic by language group", "",
            f"Word order: {typology.WORD_ORDER_SOURCE}; * = value not re-read from the WALS data in this project "
            f"(see `xstilts.typology`). Script: {typology.SCRIPT_SOURCE}.", ""]
    rows = []
    for dimension, by_group in a.groups.items():
        for name, (members, e) in by_group.items():
            unverified = {m for m in members if not (typology.get(m) and typology.get(m).verified)}
            shown = [m + ("*" if m in unverified and dimension.startswith("word order") else "") for m in members]
            rows.append([dimension, name, " ".join(shown), _signed(e.estimate[0]), _ci(e, 0)])
    out += _table(["grouping", "group", "languages", "mean Δ", "95% CI"], rows)

    out += ["", "### Agreement between XNLI dev and test (per-language Δ, mean over seeds)", ""]
    rows = [[g["comparison"], _num(g["r"]), f"{g['same_sign']}/{len(langs)}", _signed(g["dev"]), _signed(g["test"])]
            for g in a.agreement]
    out += _table(["comparison", "Pearson r (dev Δ, test Δ)", "same sign", "avg Δ dev", "avg Δ test"], rows)

    out += ["", "### Intermediate tasks' own dev scores beside their XNLI effect", "",
            "Is a better parser a better XNLI encoder? r: Pearson correlation over runs between the task's dev score "
            "and the run's language-average XNLI test accuracy (n/a below 3 runs).", ""]
    rows = []
    for t, own in a.own.items():
        e, name = a.vs_none[t], METRIC_LABELS.get(own["metric"], own["metric"])
        score = _mean_sd(own["values"]) if len(own["values"]) else "n/a"
        rows.append([label[t], ", ".join(own["lr"]), f"dev {name}", score, f"{_signed(e.estimate[-1])} {_ci(e, -1)}",
                     _num(own["r"]), str(own["n"])])
    out += _table(["task", "lr", "metric", "score (×100, mean ± sd)", "XNLI Δ vs none (avg)", "r", "runs"], rows)
    return out


def _references(cfg, analyses: dict[str, Analysis]) -> list[str]:
    rows = []
    for system, value, model, condition, source in REFERENCES:
        a = analyses.get(model)
        if a is None:
            ours = f"— ({model} not in grid.models)"
        else:
            shown = max(a.conditions, key=lambda t: a.acc["test"][t].mean()) if condition == "best" else condition
            ours = f"{100 * a.acc['test'][shown].mean():.1f} ({model}, {shown})"
        if cfg.profile == "smoke":
            note = NOT_COMPARABLE
        elif condition == "best":
            note = "X-STILTs chose among other intermediate tasks (e.g. MNLI, SQuAD)"
        else:
            note = "same protocol"
        rows.append([system, f"{value:.1f}", source, ours, note])
    return _table(["published system", "avg", "source", "this run", "comparability"], rows)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def _signed(x) -> str:
    return f"{100 * x:+.2f}"


def _ci(e: stats.Estimate, i: int) -> str:
    return f"[{100 * e.low[i]:+.2f}, {100 * e.high[i]:+.2f}]"


def _p(p) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _num(x) -> str:
    return f"{x:+.2f}" if np.isfinite(x) else "n/a"


def _mean_sd(values: np.ndarray) -> str:
    sd = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{100 * values.mean():.2f} ± {100 * sd:.2f}"


def _wtl(e: stats.Estimate, i: int) -> str:
    return "W" if e.low[i] > 0 else "L" if e.high[i] < 0 else "T"


# -- figures -------------------------------------------------------------------------------------------


def _figures(analyses: dict[str, Analysis], records, curve_seeds: int, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = [_averages(plt, analyses, out / "average_ci.png")]
    for model, a in analyses.items():
        paths.append(_heatmap(plt, a, out / f"delta_heatmap_{model}.png"))
        paths.append(_curves(plt, a, records, curve_seeds, out / f"learning_curves_{model}.png"))
    return sorted(paths)


def _heatmap(plt, a: Analysis, path: Path) -> Path:
    shown = [t for t in a.conditions if t != "none"]
    rows = a.languages + ["avg"]
    data = 100 * np.column_stack([a.vs_none[t].estimate for t in shown])
    limit = max(float(np.abs(data).max()), 0.01)
    fig, ax = plt.subplots(figsize=(2.2 + 1.7 * len(shown), 1.5 + 0.36 * len(rows)))
    image = ax.imshow(data, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")  # diverging, centred at 0
    for (i, j), value in np.ndenumerate(data):
        color = "white" if abs(value) > 0.6 * limit else "black"
        ax.text(j, i, f"{value:+.1f}", ha="center", va="center", fontsize=8, color=color)
    ax.set_xticks(range(len(shown)), [f"{t}\n({a.family[t]})" for t in shown])
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("intermediate task")
    ax.set_ylabel("XNLI language")
    ax.set_title(f"{a.model}: XNLI test accuracy Δ vs no intermediate task\n(points, mean over seeds; blue = better)")
    fig.colorbar(image, ax=ax, label="Δ accuracy vs none (points)")
    return _save(plt, fig, path)


def _averages(plt, analyses: dict[str, Analysis], path: Path) -> Path:
    first = next(iter(analyses.values()))
    conditions = first.conditions
    fig, ax = plt.subplots(figsize=(2.5 + 1.4 * len(conditions), 4.2))
    width = 0.6 / len(analyses)
    for k, (model, a) in enumerate(analyses.items()):
        x = np.arange(len(conditions)) + (k - (len(analyses) - 1) / 2) * width
        y = np.array([100 * a.average[t].estimate[-1] for t in conditions])
        low = np.array([100 * a.average[t].low[-1] for t in conditions])
        high = np.array([100 * a.average[t].high[-1] for t in conditions])
        ax.errorbar(x, y, yerr=[y - low, high - y], fmt="os^Dv"[k % 5], capsize=4,
                    color=OKABE_ITO[k % len(OKABE_ITO)], label=model)
    ax.set_xticks(range(len(conditions)), [f"{t}\n({first.family[t]})" for t in conditions])
    ax.set_xlabel("intermediate task")
    ax.set_ylabel(f"XNLI test accuracy, {len(first.languages)}-language avg (%)")
    ax.set_title("Zero-shot XNLI: language average with 95% bootstrap CI\n(test pairs × seeds)")
    ax.legend(title="model")
    ax.grid(axis="y", alpha=0.3)
    return _save(plt, fig, path)


def _curves(plt, a: Analysis, records, curve_seeds: int, path: Path) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    styles = ["-", "--", ":", "-."]
    for ax, phase, title in ((axes[0], "intermediate", "intermediate task"), (axes[1], "target", "target task (MNLI)")):
        drawn = 0
        for c, t in enumerate(a.conditions):
            for k, seed in enumerate(a.seeds[:curve_seeds]):
                run_id = records[a.cells[t, seed]][phase].get("run_id")
                history = tracking.metric_history(run_id, "train_loss") if run_id else []
                if history:
                    steps, values = zip(*history)
                    ax.plot(steps, values, styles[k % len(styles)], color=OKABE_ITO[c % len(OKABE_ITO)],
                            label=f"{t} s{seed}", linewidth=1.2)
                    drawn += 1
        if drawn:
            ax.legend(fontsize=7, ncol=2)
        else:
            ax.text(0.5, 0.5, "no train_loss logged", ha="center", va="center", transform=ax.transAxes)
        ax.set_xlabel("optimisation step")
        ax.set_ylabel("train_loss")
        ax.set_title(f"{a.model}: {title}")
        ax.grid(alpha=0.3)
    fig.suptitle(f"Learning curves (first {curve_seeds} seed(s) of each cell)")
    return _save(plt, fig, path)


def _save(plt, fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


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
