"""The report over a constructed tracking store: numbers equal the runs', the markdown answers, failures are loud.

The store is filled once per module by :mod:`xstilts.perf.store` (MLflow runs with the tags, metrics and
artifacts the phases produce, plus ``results/**.json``; no training) and copied into each test's
``workdir``. The planted effect: for mbert the syntactic task (ud-parse) beats the semantic one (sts-b) by
20 points in every language, for xlmr the other way round.
"""

import json
import shutil
import zlib
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from tests.helpers import REPO
from xstilts import config, report, tracking
from xstilts.errors import MissingUpstreamError, XstiltsError
from xstilts.grid import Cell
from xstilts.perf.store import log_cell, log_evaluate, opened

GRID = ["grid.seeds=[1, 2]"]  # the default models and tasks: mbert, xlmr x none, ud-parse, sts-b
SMALL = GRID + ["grid.models=[mbert]"]
N_BOOT = 200
PAIRS = {"dev": 20, "test": 60}
RATES = {("mbert", "none"): 0.5, ("mbert", "ud-parse"): 0.7, ("mbert", "sts-b"): 0.5,
         ("xlmr", "none"): 0.55, ("xlmr", "ud-parse"): 0.45, ("xlmr", "sts-b"): 0.65}
LABELS = np.array(["entailment", "neutral", "contradiction"])


@pytest.fixture(scope="module")
def base_store(tmp_path_factory):
    """A tracking store + results/ for the GRID, built once (the SQLite schema alone takes seconds)."""
    root = tmp_path_factory.mktemp("store")
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    cfg = config.load(root / "params.yaml", GRID)
    with opened(root) as experiment:
        for model in cfg.grid.models:
            for task in cfg.grid.tasks:
                for seed in cfg.grid.seeds:
                    _log_cell(experiment, cfg, Cell(model, task, seed), root)
    return root


@pytest.fixture
def store(base_store, workdir):
    """This test's own copy of the store (runs can be altered); the artifacts stay shared and read-only."""
    shutil.copy(base_store / "mlflow.db", workdir / "mlflow.db")
    shutil.copytree(base_store / "results", workdir / "results")
    return workdir


def _predictions(cfg, model, task, seed, drop_metric=None):
    """Per-example predictions with the planted accuracy, and the metrics they imply."""
    rng = np.random.default_rng([zlib.crc32(f"{model}/{task}".encode()), seed])
    rows, metrics = [], {}
    for split, n in PAIRS.items():
        for lang in cfg.languages:
            correct = rng.random(n) < RATES[model, task]
            label = rng.integers(3, size=n)
            prediction = np.where(correct, label, (label + 1) % 3)
            rows.append(pd.DataFrame({"split": split, "language": lang, "pair_id": np.arange(n), "label": LABELS[label],
                                      "prediction": LABELS[prediction], "correct": correct}))
            metrics[f"xnli_{split}_acc_{lang}"] = float(correct.mean())
        metrics[f"xnli_{split}_acc_avg"] = float(
            np.mean([metrics[f"xnli_{split}_acc_{code}"] for code in cfg.languages])
        )
    metrics.pop(drop_metric, None)
    return pd.concat(rows, ignore_index=True), metrics


def _relog_evaluate(root, model, task, seed, artifact=True, drop_metric=None, keep=None):
    """Log the cell's evaluate run again (without its predictions artifact, without ``drop_metric``, with only
    the prediction rows that ``keep`` keeps); evaluate.json points to it."""
    cfg = config.load("params.yaml", SMALL)
    frame, metrics = _predictions(cfg, model, task, seed, drop_metric)
    if keep is not None:
        frame = frame[keep(frame)]
    experiment = tracking.experiment_id(cfg.profile)
    return log_evaluate(experiment, cfg, Cell(model, task, seed), root / "results", frame, metrics, artifact=artifact)


def _log_cell(experiment, cfg, cell, root):
    curve = [(step, 1.5 / (1 + step) + 0.01 * cell.seed) for step in range(0, 50, 10)]
    frame, metrics = _predictions(cfg, cell.model, cell.task, cell.seed)
    log_cell(experiment, cfg, cell, root / "results", frame, metrics, dev_score=0.6 + 0.05 * cell.seed, curve=curve,
             target_metrics={"dev_acc": 0.6})


def _run_id(root, model, task, seed, phase="evaluate"):
    return json.loads((root / "results" / model / task / f"seed{seed}" / f"{phase}.json").read_text())["run_id"]


def _report(overrides=SMALL, **kwargs):
    return report.run(config.load("params.yaml", overrides), Path("results"), Path("reports"), n_boot=N_BOOT, **kwargs)


# -- the report ----------------------------------------------------------------------------------------


def test_the_report_answers_per_model_with_the_runs_numbers(store):
    summary = _report(GRID, curve_seeds=1)
    client = mlflow.MlflowClient()

    csv = pd.read_csv(store / "reports" / "xnli_results.csv")
    assert list(csv.columns) == ["model", "task", "family", "seed", "split", "language", "accuracy", "run_id"]
    assert len(csv) == 2 * 3 * 2 * 2 * 15  # models x tasks x seeds x splits x languages
    for run_id, rows in csv.groupby("run_id"):
        metrics = client.get_run(run_id).data.metrics
        for row in rows.itertuples():
            assert row.accuracy == metrics[f"xnli_{row.split}_acc_{row.language}"]
    assert set(csv["family"]) == {"baseline", "syntactic", "semantic"}

    text = (store / "reports" / "xnli_syntactic_vs_semantic.md").read_text()
    assert "## Summary" in text
    better = "gives higher XNLI accuracy than"
    # the planted sign
    assert f"- **mbert**: Syntactic training (ud-parse) {better} semantic training (sts-b) by" in text
    assert f"- **xlmr**: Semantic training (sts-b) {better} syntactic training (ud-parse) by" in text
    assert "(syntactic − semantic = -" in text and "Holm correction" in text
    for heading in ("### XNLI test accuracy by language and condition", "### Syntactic − semantic contrast",
                    "### Win / tie / loss", "### Syntactic − semantic by language group",
                    "### Agreement between XNLI dev and test", "### Intermediate tasks' own dev scores",
                    "## Published reference numbers"):
        assert text.count(heading) >= 1, heading
    assert "| language | none (baseline) | ud-parse (syntactic) | Δ vs none | sts-b (semantic) | Δ vs none |" in text
    assert "| language | Δ | 95% CI | p | p (Holm) | p (BH) | W/T/L |" in text
    assert "paired bootstrap over test pairs × seeds" in text
    assert "Checkpoint selection in force (tag `xstilts.selection`): `final`" in text
    assert text.count("not comparable: smoke profile (synthetic data, tiny models)") == 4
    assert "| XLM-R base | 76.2 |" in text and "| mBERT (bert-base-multilingual-cased) | 65.4 |" in text
    assert "| ud-parse (syntactic) | 0.002 | dev LAS | 67.50 ± 3.54 |" in text  # the task's own dev score
    assert "| word order (WALS 81A) | VSO | ar |" in text and "| script | other scripts |" in text

    metrics = json.loads((store / "reports" / "metrics.json").read_text())
    mbert, xlmr = metrics["models"]["mbert"], metrics["models"]["xlmr"]
    assert mbert["syntactic_minus_semantic"]["ci_low"] > 0 > xlmr["syntactic_minus_semantic"]["ci_high"]
    ud_parse = csv.query("model == 'mbert' and task == 'ud-parse' and split == 'test'")
    assert mbert["test_avg"]["ud-parse"] == pytest.approx(ud_parse.accuracy.mean())

    figures = sorted(p.name for p in (store / "reports" / "figures").iterdir())
    assert figures == ["average_ci.png", "delta_heatmap_mbert.png", "delta_heatmap_xlmr.png",
                       "learning_curves_mbert.png", "learning_curves_xlmr.png"]
    for name in figures:
        data = (store / "reports" / "figures" / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000

    run = client.get_run(summary["run_id"])
    assert run.info.status == "FINISHED" and run.data.tags["xstilts.phase"] == "report"
    logged = {a.path for a in client.list_artifacts(summary["run_id"])}
    logged |= {a.path for a in client.list_artifacts(summary["run_id"], "figures")}
    assert {"xnli_syntactic_vs_semantic.md", "xnli_results.csv", "metrics.json", "figures/average_ci.png"} <= logged
    assert summary["evaluate_runs"] == 12 and summary["models"] == metrics["models"]


def test_the_report_is_reproducible(store):
    _report()
    first = (store / "reports" / "xnli_syntactic_vs_semantic.md").read_text()
    _report()
    assert (store / "reports" / "xnli_syntactic_vs_semantic.md").read_text() == first


# -- loud failures -------------------------------------------------------------------------------------


def test_a_grid_cell_without_evaluate_json(store):
    (store / "results" / "mbert" / "sts-b" / "seed2" / "evaluate.json").unlink()
    with pytest.raises(MissingUpstreamError) as err:
        _report()
    assert str(err.value) == (
        "results/mbert/sts-b/seed2/evaluate.json: missing (grid cell mbert/sts-b/seed2 has no evaluate result); "
        "run `dvc repro target@mbert-sts-b-2`"
    )


def test_a_run_id_not_in_the_store(store):
    path = store / "results" / "mbert" / "none" / "seed1" / "evaluate.json"
    record = json.loads(path.read_text())
    record["run_id"] = "0" * 32
    path.write_text(json.dumps(record))
    with pytest.raises(XstiltsError) as err:
        _report()
    assert str(err.value) == (
        f"MLflow run {'0' * 32} recorded in results/mbert/none/seed1/evaluate.json not found in the tracking store "
        f"sqlite:///{store / 'mlflow.db'}; run `dvc repro -f target@mbert-none-1`"
    )


def test_a_run_that_is_not_finished(store):
    run_id = _run_id(store, "mbert", "ud-parse", 1)
    mlflow.MlflowClient().set_terminated(run_id, "FAILED")
    with pytest.raises(XstiltsError) as err:
        _report()
    assert str(err.value) == (
        f"MLflow run {run_id} recorded in results/mbert/ud-parse/seed1/evaluate.json is FAILED, not FINISHED; "
        "run `dvc repro -f target@mbert-ud-parse-1`"
    )


def test_an_intermediate_run_that_is_not_finished(store):
    run_id = _run_id(store, "mbert", "sts-b", 2, "intermediate")
    mlflow.MlflowClient().set_terminated(run_id, "KILLED")
    with pytest.raises(XstiltsError) as err:
        _report()
    assert str(err.value) == (
        f"MLflow run {run_id} recorded in results/mbert/sts-b/seed2/intermediate.json is KILLED, not FINISHED; "
        "run `dvc repro -f intermediate@mbert-sts-b-2`"
    )


def test_a_missing_language_metric(store):
    run_id = _relog_evaluate(store, "mbert", "none", 2, drop_metric="xnli_test_acc_sw")
    with pytest.raises(XstiltsError) as err:
        _report()
    assert str(err.value) == (
        f"MLflow run {run_id} recorded in results/mbert/none/seed2/evaluate.json has no metric xnli_test_acc_sw; "
        "run `dvc repro -f target@mbert-none-2`"
    )


def test_mixed_profiles(store):
    run_id = _run_id(store, "mbert", "sts-b", 1)
    mlflow.MlflowClient().set_tag(run_id, "xstilts.profile", "paper")
    with pytest.raises(XstiltsError) as err:
        _report()
    assert str(err.value) == (
        f"MLflow run {run_id} recorded in results/mbert/sts-b/seed1/evaluate.json is tagged xstilts.profile='paper' "
        "but the report is for profile 'smoke' (mixed profiles); run `dvc repro -f target@mbert-sts-b-1` "
        "or report with --profile paper"
    )


def test_mixed_protocols(store):
    run_id = _run_id(store, "mbert", "none", 2)
    mlflow.MlflowClient().set_tag(run_id, "xstilts.selection", "best-en-dev")
    with pytest.raises(XstiltsError) as err:
        _report()
    assert str(err.value) == (
        f"MLflow run {run_id} recorded in results/mbert/none/seed2/evaluate.json is tagged "
        "xstilts.selection='best-en-dev' but target.selection is 'final' (mixed protocols); "
        "run `dvc repro -f target@mbert-none-2`"
    )


def test_a_run_recorded_for_another_cell(store):
    path = store / "results" / "mbert" / "none" / "seed1" / "evaluate.json"
    record = json.loads(path.read_text())
    record["run_id"] = _run_id(store, "mbert", "none", 2)
    path.write_text(json.dumps(record))
    with pytest.raises(XstiltsError, match=r"is tagged \{.*'seed': '2'\}, expected \{.*'seed': '1'\}; "
                                           r"run `dvc repro -f target@mbert-none-1`$"):
        _report()


def test_a_run_without_its_predictions_artifact(store):
    run_id = _relog_evaluate(store, "mbert", "ud-parse", 2, artifact=False)
    with pytest.raises(XstiltsError) as err:
        _report()
    assert str(err.value) == (
        f"MLflow run {run_id} (results/mbert/ud-parse/seed2/evaluate.json) has no artifact predictions.parquet; "
        "run `dvc repro -f target@mbert-ud-parse-2`"
    )


def test_predictions_that_miss_test_pairs(store):
    drop = lambda f: ~((f.split == "test") & (f.language == "sw") & (f.pair_id < 5))  # noqa: E731
    run_id = _relog_evaluate(store, "mbert", "sts-b", 1, keep=drop)
    with pytest.raises(XstiltsError) as err:
        _report()
    assert str(err.value) == (
        f"MLflow run {run_id} (results/mbert/sts-b/seed1/evaluate.json): predictions.parquet does not hold exactly "
        "the 60 shared test pairs in every language (e.g. sw: 5 missing; 0 unknown pair ids); "
        "run `dvc repro -f target@mbert-sts-b-1`"
    )


@pytest.mark.parametrize(
    "grid_tasks, message",
    [
        ("[none, ud-parse]", "grid.tasks = [none, ud-parse] has no semantic task, so the syntactic-vs-semantic "
                             "contrast is impossible; add one (sts-b) to grid.tasks in params.yaml"),
        ("[none, sts-b]", "grid.tasks = [none, sts-b] has no syntactic task, so the syntactic-vs-semantic "
                          "contrast is impossible; add one (ud-parse, ud-pos) to grid.tasks in params.yaml"),
        ("[ud-parse, sts-b]", "grid.tasks = [ud-parse, sts-b] has no baseline task, so Δ vs none is impossible; "
                              "add one (none) to grid.tasks in params.yaml"),
    ],
)
def test_a_grid_without_the_three_families(store, grid_tasks, message):
    with pytest.raises(XstiltsError) as err:
        _report(SMALL + [f"grid.tasks={grid_tasks}"])
    assert str(err.value) == message


def test_no_report_run_is_logged_when_the_report_fails(store):
    (store / "results" / "mbert" / "none" / "seed1" / "target.json").unlink()
    with pytest.raises(MissingUpstreamError, match=r"run `dvc repro target@mbert-none-1`$"):
        _report()
    runs = mlflow.search_runs(experiment_names=["xstilts-smoke"], filter_string="tags.`xstilts.phase` = 'report'",
                              output_format="list")
    assert runs == [] and not (store / "reports" / "xnli_syntactic_vs_semantic.md").exists()
