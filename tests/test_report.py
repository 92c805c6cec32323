"""The report over constructed tracking stores: numbers equal the runs', the markdown answers, failures are loud.

The stores are filled once per module by :mod:`xstilts.perf.store` (MLflow runs with the tags, metrics and
artifacts the phases produce, plus ``results/**.json``; no training). ``base_store`` (copied into each test's
``workdir``) plants one effect: for mbert the syntactic task (ud-parse) beats the semantic one (sts-b) by 20
points in every language, for xlmr the other way round; its runs log no per-epoch XNLI and no budget (older
runs). ``planted`` (3 seeds, reported once) plants a transfer-gap change, a contrast whose sign flips under
oracle checkpoint selection, a Δ proportional to the typological distance, a budget confound and a seed
effect shared by all conditions.
"""

import json
import re
import shutil
import zlib
from pathlib import Path

import mlflow
import numpy as np
import optuna
import pandas as pd
import pytest
from mlflow.entities import Metric

from tests.helpers import REPO
from xstilts import config, report, tasks, tracking, typology
from xstilts.errors import MissingUpstreamError, XstiltsError
from xstilts.grid import Cell
from xstilts.perf.store import epoch_metrics, log_cell, log_evaluate, opened
from xstilts.report import markdown

GRID = ["grid.seeds=[1, 2]"]  # the default models and tasks: mbert, xlmr x none, ud-parse, sts-b
SMALL = GRID + ["grid.models=[mbert]"]
N_BOOT = 200
PAIRS = {"dev": 20, "test": 60}
RATES = {("mbert", "none"): 0.5, ("mbert", "ud-parse"): 0.7, ("mbert", "sts-b"): 0.5,
         ("xlmr", "none"): 0.55, ("xlmr", "ud-parse"): 0.45, ("xlmr", "sts-b"): 0.65}
LABELS = np.array(["entailment", "neutral", "contradiction"])
LR_RANGE = {"lr": optuna.distributions.FloatDistribution(1e-5, 1e-2, log=True)}


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
    # the dev metric after every epoch (epoch_dev_<metric>, as the phases log it): the learning curves
    epochs = {"intermediate": f"epoch_dev_{tasks.get(cell.task).dev_metric}", "target": "epoch_dev_acc"}
    for phase, key in epochs.items():
        run_id = _run_id(root, cell.model, cell.task, cell.seed, phase)
        if run_id:
            points = [Metric(key, 0.4 + 0.1 * epoch + 0.01 * cell.seed, 0, epoch) for epoch in (1, 2, 3)]
            mlflow.MlflowClient().log_batch(run_id, metrics=points)


def _run_id(root, model, task, seed, phase="evaluate"):
    return json.loads((root / "results" / model / task / f"seed{seed}" / f"{phase}.json").read_text())["run_id"]


def _report(overrides=SMALL, **kwargs):
    return report.run(config.load("params.yaml", overrides), Path("results"), Path("reports"), n_boot=N_BOOT, **kwargs)


# -- the report ----------------------------------------------------------------------------------------


def test_the_report_answers_per_model_with_the_runs_numbers(store):
    summary = _report(GRID, curve_seeds=1)
    client = mlflow.MlflowClient()

    csv = pd.read_csv(store / "reports" / "xnli_results.csv")
    assert list(csv.columns) == ["model", "task", "family", "seed", "split", "language", "accuracy"]
    assert len(csv) == 2 * 3 * 2 * 2 * 15  # models x tasks x seeds x splits x languages
    runs = json.loads((store / "reports" / "runs.json").read_text())  # the run ids live here only
    assert runs["report"] == summary["run_id"]
    evaluate = {(model, r["task"], r["seed"]): r["evaluate"] for model, cells in runs["runs"].items() for r in cells}
    assert evaluate["mbert", "sts-b", 2] == _run_id(store, "mbert", "sts-b", 2)
    for (model, task, seed), rows in csv.groupby(["model", "task", "seed"]):
        metrics = client.get_run(evaluate[model, task, seed]).data.metrics
        for row in rows.itertuples():
            assert row.accuracy == metrics[f"xnli_{row.split}_acc_{row.language}"]
    assert set(csv["family"]) == {"baseline", "syntactic", "semantic"}

    text = (store / "reports" / "xnli_syntactic_vs_semantic.md").read_text()
    assert "## Summary" in text
    better = "gives higher XNLI accuracy than"
    # the planted sign
    assert f"- **mbert**: Syntactic training (ud-parse) {better} semantic training (sts-b) by" in text
    assert f"- **xlmr**: Semantic training (sts-b) {better} syntactic training (ud-parse) by" in text
    assert "(syntactic − semantic = -" in text and "Holm correction over the family of 90 tests" in text
    for heading in ("### XNLI test accuracy by language and condition", "### Syntactic − semantic contrast",
                    "### Win / tie / loss", "### Transfer gap", "### Target-task competence",
                    "### Intermediate-task budget", "### Checkpoint selection",
                    "### Syntactic − semantic Δ vs syntactic distance from English",
                    "### Syntactic − semantic by language group", "### Agreement between XNLI dev and test",
                    "### Intermediate tasks' own dev scores", "## Protocol deviations",
                    "## Published reference numbers"):
        assert text.count(heading) >= 1, heading
    assert "| language | none (baseline) | ud-parse (syntactic) | Δ vs none | sts-b (semantic) | Δ vs none |" in text
    assert "| language | Δ | 95% CI | p (unadjusted) | p (Holm) | p (BH) | W/T/L |" in text
    assert "Paired bootstrap over test pairs × seeds" in text
    assert "resampling the seeds jointly for all conditions of a model" in text
    assert ("Family of tests: every model (mbert, xlmr) × every comparison (syntactic − semantic, ud-parse − none, "
            "sts-b − none) × every language (15) = 90 tests") in text
    assert "Checkpoint selection in force (tag `xstilts.selection`): `final`" in text
    assert text.count("not comparable: smoke profile (synthetic data, tiny models)") == 4
    assert "| XLM-R base | 76.2 |" in text and "| mBERT (bert-base-multilingual-cased) | 65.4 |" in text
    assert "| ud-parse (syntactic) | 0.002 | params | dev LAS | 67.50 ± n/a |" in text  # the task's own dev score
    assert "| word order (WALS) | VSO | ar |" in text and "| word order (WALS) | SVO/SOV | de |" in text
    assert "| script | other scripts |" in text
    # runs without per-epoch XNLI or budget metrics (older runs): said, not a crash
    assert text.count("not logged: 6 of 6 target runs have no complete per-epoch XNLI dev/test history") == 2
    assert "| ud-parse (syntactic) | not logged | not logged | not logged | not logged |" in text

    metrics = json.loads((store / "reports" / "metrics.json").read_text())
    mbert, xlmr = metrics["models"]["mbert"], metrics["models"]["xlmr"]
    assert mbert["syntactic_minus_semantic"]["ci_low"] > 0 > xlmr["syntactic_minus_semantic"]["ci_high"]
    ud_parse = csv.query("model == 'mbert' and task == 'ud-parse' and split == 'test'")
    assert mbert["test_avg"]["ud-parse"] == pytest.approx(ud_parse.accuracy.mean())

    figures = sorted(p.name for p in (store / "reports" / "figures").iterdir())
    assert figures == ["average_ci.png", "delta_heatmap_mbert.png", "delta_heatmap_xlmr.png",
                       "learning_curves_mbert.png", "learning_curves_xlmr.png", "transfer_gap.png",
                       "typology_distance.png"]
    for name in figures:
        data = (store / "reports" / "figures" / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000
        assert f"![{Path(name).stem}](figures/{name})" in text

    run = client.get_run(summary["run_id"])
    assert run.info.status == "FINISHED" and run.data.tags["xstilts.phase"] == "report"
    logged = {a.path for a in client.list_artifacts(summary["run_id"])}
    logged |= {a.path for a in client.list_artifacts(summary["run_id"], "figures")}
    assert {"xnli_syntactic_vs_semantic.md", "analysis.json", "xnli_results.csv", "metrics.json",
            "figures/average_ci.png"} <= logged
    assert summary["evaluate_runs"] == 12 and summary["models"] == metrics["models"]


def test_analysis_json_renders_the_markdown_again(store):
    _report(GRID)
    analysis = json.loads((store / "reports" / "analysis.json").read_text())  # plain JSON: no NaN
    assert set(analysis) == {"schema", "profile", "selection", "languages", "grid", "evaluate_runs", "statistics",
                             "warnings", "sources", "per_model", "protocol", "published", "figures"}
    assert set(analysis["per_model"]["mbert"]) >= {"accuracy", "comparisons", "transfer_gap", "competence", "budget",
                                                    "checkpoint_selection", "typology", "groups", "agreement", "own"}
    assert markdown.render(analysis) == (store / "reports" / "xnli_syntactic_vs_semantic.md").read_text()


def test_every_number_that_the_csv_gives_agrees(store):
    _report(GRID)
    analysis = json.loads((store / "reports" / "analysis.json").read_text())
    csv = pd.read_csv(store / "reports" / "xnli_results.csv")
    langs = analysis["languages"]
    others = [code for code in langs if code != "en"]
    close = lambda x: pytest.approx(x, abs=1e-9)  # noqa: E731
    for model, m in analysis["per_model"].items():
        rows = csv[csv.model == model]
        mean = {(split, task): rows[(rows.split == split) & (rows.task == task)].groupby("language").accuracy.mean()
                for split in ("dev", "test") for task in rows.task.unique()}
        for (split, task), by_lang in mean.items():
            spread = m["accuracy"][split][task]
            assert spread["mean"] == [close(by_lang[code]) for code in langs]
            assert spread["avg_mean"] == close(by_lang[langs].mean())
        for c in m["comparisons"]:
            delta = (sum(mean["test", t] for t in c["a"]) / len(c["a"])
                     - sum(mean["test", t] for t in c["b"]) / len(c["b"]))
            assert c["estimate"] == [close(delta[code]) for code in langs], c["name"]
            assert c["avg"]["estimate"] == close(delta[langs].mean())
        for row in m["transfer_gap"]["conditions"]:
            test = mean["test", row["task"]]
            assert (row["en"], row["others"]) == (close(test["en"]), close(test[others].mean()))
            assert row["gap"] == close(test["en"] - test[others].mean())
            if row["change_vs_none"] is not None:
                base = mean["test", "none"]
                change = test["en"] - test[others].mean() - (base["en"] - base[others].mean())
                assert row["change_vs_none"]["estimate"] == close(change)
        contrast = next(c for c in m["comparisons"] if c["name"] == "syntactic − semantic")
        t = m["typology"]
        assert t["delta"] == [close(contrast["estimate"][langs.index(code)]) for code in t["languages"]]
        for row in m["competence"]:
            assert row["xnli_avg"] == close(mean["test", row["task"]][langs].mean())
            assert row["xnli_en"] == close(mean["test", row["task"]]["en"])
    for ref in analysis["published"]:
        if ref["ours"] is not None:
            assert ref["ours"] == close(analysis["per_model"][ref["model"]]["accuracy"]["test"]["none"]["avg_mean"])
    metrics = json.loads((store / "reports" / "metrics.json").read_text())
    for model, numbers in metrics["models"].items():
        for task, value in numbers["test_avg"].items():
            assert value == pytest.approx(analysis["per_model"][model]["accuracy"]["test"][task]["avg_mean"], abs=1e-6)


def test_metrics_json_holds_numbers_only(store):
    _report()
    metrics = json.loads((store / "reports" / "metrics.json").read_text())

    def leaves(tree):
        for value in tree.values():
            yield from leaves(value) if isinstance(value, dict) else [value]

    found = list(leaves(metrics))
    assert found and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in found)


def test_one_seed_is_said_at_the_top_and_spreads_are_n_a(store):
    _report(SMALL[1:] + ["grid.seeds=[1]"])
    text = (store / "reports" / "xnli_syntactic_vs_semantic.md").read_text()
    top = text[: text.index("## Summary")]
    assert "> **Warning**: only 1 seed per condition (1): the spread over seeds is shown as n/a" in top
    assert "± 0.00" not in text and re.search(r"^\| en \| \d+\.\d\d ± n/a \| ", text, re.M)
    analysis = json.loads((store / "reports" / "analysis.json").read_text())
    test = analysis["per_model"]["mbert"]["accuracy"]["test"]["none"]
    assert test["sd"] is None and test["avg_sd"] is None


def test_the_deviation_table_lists_the_differences_and_no_protocol_is_called_the_same(store):
    _report(SMALL[1:] + ["grid.seeds=[1]"])
    text = (store / "reports" / "xnli_syntactic_vs_semantic.md").read_text()
    analysis = json.loads((store / "reports" / "analysis.json").read_text())
    assert "same protocol" not in text.lower() and "same protocol" not in json.dumps(analysis).lower()
    rows = {(r["key"], r["per"]): r for r in analysis["protocol"]["rows"]}
    warmup = rows["target.warmup_ratio", "mbert"]  # the smoke recipe's warm-up; XTREME has none
    assert warmup["xtreme"]["value"] == 0.0 and warmup["vs_xtreme"] == ("same" if warmup["ours"]["value"] == 0
                                                                         else "differs")
    pooler = rows["target.head", "mbert"]
    assert pooler["vs_xtreme"] == "differs" and "pretrained pooler" in pooler["xtreme"]["text"]
    assert rows["target.head", "xlmr"]["vs_xtreme"] == "same"
    for key, xstilts, xtreme in (("target.lr", 1e-5, 3e-5), ("target.epochs", 2, 5), ("target.max_length", 256, 128)):
        large = rows[key, "xlmr-large"]  # listed though xlmr-large is not in this grid
        assert (large["xstilts"]["value"], large["xtreme"]["value"]) == (xstilts, xtreme), key
        assert "(configured; not in this grid)" in large["ours"]["text"]
    final = rows["intermediate.checkpoint", "ud-parse"]
    assert final["ours"]["value"] == "final" and "no selection" in final["ours"]["text"]
    assert rows["target.selection", None]["vs_xtreme"] == "differs"
    seeds = rows["seeds", None]
    assert (seeds["ours"]["value"], seeds["xtreme"]["value"], seeds["vs_xtreme"]) == (1, 1, "same")
    assert rows["intermediate.lr_source", "sts-b"]["ours"]["text"] == "fixed (params.yaml)"
    for key in ("target.precision", "target.weight_decay", "target.batch_size", "intermediate.lr",
                "intermediate.epochs", "intermediate.max_length", "models"):
        assert any(k == key for k, _ in rows), key
    assert "| classification head (pooler) | mbert |" in text
    assert "Sources:" in text and "google-research/xtreme scripts/train_xnli.sh" in text


# -- planted effects -----------------------------------------------------------------------------------

N_PAIRS = 600
K = 0.3  # xlmr: ud-parse - sts-b = K x syntactic distance from English, per language
SEED_SHIFT = {1: -30, 2: 0, 3: 30}  # right pairs lost or gained by a seed, the same in every condition
BUDGETS = {"ud-parse": {"train_examples": 12544, "train_steps": 3920, "train_tokens": 2.6e5, "train_seconds": 600},
           "sts-b": {"train_examples": 5749, "train_steps": 540, "train_tokens": 1.5e5, "train_seconds": 80}}
COMPETENCE = {"none": 0.80, "ud-parse": 0.82, "sts-b": 0.78}


def _planted_correct(languages, model, task, seed):
    """``[languages, pairs]``: 60% right in the same pairs of every language; a seed moves every condition alike;
    mbert: ud-parse gets 30 more English pairs right (+5 points in English only: the transfer gap widens);
    xlmr: ud-parse gets K x distance more right in every other language (Δ proportional to the distance)."""
    base = np.arange(N_PAIRS) % 10 < 6
    wrong, right = np.flatnonzero(~base), np.flatnonzero(base)
    correct = np.tile(base, (len(languages), 1))
    shift = SEED_SHIFT[seed]
    if shift > 0:
        correct[:, wrong[-shift:]] = True
    elif shift < 0:
        correct[:, right[shift:]] = False
    for i, code in enumerate(languages):
        gain = 0
        if (model, task, code) == ("mbert", "ud-parse", "en"):
            gain = 30
        elif (model, task) == ("xlmr", "ud-parse") and code != "en":
            gain = round(K * typology.syntactic_distance(code) * N_PAIRS)
        correct[i, wrong[:gain]] = True  # nested across languages: the first `gain` wrong pairs
    return correct


def _planted_epochs(languages, task):
    """mbert's per-epoch XNLI (3 epochs): ud-parse beats sts-b at the final epoch and at the best English dev
    epoch, but sts-b's own-language dev picks its first epoch, where its test accuracy is highest: the oracle
    flips the sign."""
    n = len(languages)
    rising = np.array([0.55, 0.60, 0.65])[:, None].repeat(n, 1)
    if task == "none":
        dev = test = np.full((3, n), 0.6)
    elif task == "ud-parse":
        dev, test = rising - 0.05, rising
    else:
        dev = np.array([0.80, 0.60, 0.55])[:, None].repeat(n, 1)
        test = np.array([0.75, 0.62, 0.60])[:, None].repeat(n, 1)
        en = languages.index("en")
        dev[:, en], test[:, en] = [0.50, 0.55, 0.60], [0.50, 0.55, 0.60]
    return epoch_metrics(languages, dev, test)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A store with planted effects (3 seeds), reported once: (analysis dict, markdown)."""
    root = tmp_path_factory.mktemp("planted")
    cfg = config.load(REPO / "params.yaml", ["grid.seeds=[1, 2, 3]"])
    langs = list(cfg.languages)
    with opened(root) as experiment:
        for model in cfg.grid.models:
            for task in cfg.grid.tasks:
                for seed in cfg.grid.seeds:
                    correct = _planted_correct(langs, model, task, seed)
                    frame = pd.DataFrame({"split": "test", "language": np.repeat(langs, N_PAIRS),
                                          "pair_id": np.tile(np.arange(N_PAIRS), len(langs)),
                                          "correct": correct.ravel()})
                    metrics = {f"xnli_{split}_acc_{code}": float(c.mean())
                               for split in ("dev", "test") for code, c in zip(langs, correct, strict=True)}
                    log_cell(experiment, cfg, Cell(model, task, seed), root / "results", frame, metrics,
                             dev_score=0.5, target_metrics={"dev_acc": COMPETENCE[task]},
                             epochs=_planted_epochs(langs, task) if model == "mbert" else None,
                             budget=BUDGETS.get(task) if model == "mbert" else None,
                             lr_source="tuned" if task == "ud-parse" else "params")
        report.run(cfg, root / "results", root / "reports", n_boot=N_BOOT)
    return (json.loads((root / "reports" / "analysis.json").read_text()),
            (root / "reports" / "xnli_syntactic_vs_semantic.md").read_text())


def test_a_planted_transfer_gap_change(planted):
    analysis, text = planted
    rows = {r["task"]: r for r in analysis["per_model"]["mbert"]["transfer_gap"]["conditions"]}
    change = rows["ud-parse"]["change_vs_none"]
    assert change["estimate"] == pytest.approx(0.05) and 0 < change["low"] < 0.05 < change["high"]
    assert rows["sts-b"]["change_vs_none"]["estimate"] == pytest.approx(0.0)
    assert rows["ud-parse"]["gap"] == pytest.approx(rows["none"]["gap"] + 0.05)
    assert "| ud-parse (syntactic) | 65.00 | 60.00 | +5.00 | +5.00 |" in text


def test_a_contrast_whose_sign_flips_under_oracle_selection(planted):
    analysis, text = planted
    selection = analysis["per_model"]["mbert"]["checkpoint_selection"]
    assert selection["logged"] and selection["epochs"] == [1, 2, 3]
    rules = selection["rules"]
    assert rules["final"]["contrast_avg"] == pytest.approx(0.05)
    assert rules["en_dev"]["contrast_avg"] == pytest.approx(0.05)
    assert rules["oracle"]["contrast_avg"] == pytest.approx((0.05 - 14 * 0.10) / 15)
    assert rules["oracle"]["mean_epoch"]["sts-b"] == pytest.approx((3 + 14 * 1) / 15)
    assert selection["same_sign"] is False
    assert "does NOT keep its sign across the 3 rules" in text
    assert "the sign of the average contrast changes with the checkpoint-selection rule" in text
    assert not analysis["per_model"]["xlmr"]["checkpoint_selection"]["logged"]  # older runs: said, no crash
    assert "checkpoint_selection.png" in " ".join(analysis["figures"])


def test_a_planted_correlation_with_typological_distance(planted):
    analysis, _ = planted
    t = analysis["per_model"]["xlmr"]["typology"]
    assert t["languages"] == [code for code in analysis["languages"] if code != "en"]
    assert t["delta"] == [pytest.approx(K * d, abs=1 / N_PAIRS) for d in t["distance"]]
    for name in ("pearson", "spearman"):
        r = t[name]
        assert r["r"] > 0.99 and 0.9 < r["low"] <= r["high"] <= 1.0, name


def test_the_budget_confound_is_shown_and_named(planted):
    analysis, text = planted
    budget = analysis["per_model"]["mbert"]["budget"]
    assert budget["ratio"]["train_steps"] == pytest.approx(3920 / 540)
    assert budget["confounded"] and budget["logged"]
    assert "compute/data confound: the syntactic task trained on 7.26× the optimiser steps and 1.73× the tokens" in text
    assert "| ud-parse (syntactic) | 12,544 | 3,920 | 260,000 | 600 |" in text
    assert not analysis["per_model"]["xlmr"]["budget"]["logged"]


def test_competence_and_seeds_shared_by_the_conditions(planted):
    analysis, text = planted
    competence = {r["task"]: r for r in analysis["per_model"]["mbert"]["competence"]}
    assert {t: r["mnli_dev_acc"] for t, r in competence.items()} == pytest.approx(COMPETENCE)
    assert competence["none"]["mnli_dev_acc_sd"] == pytest.approx(0.0) and competence["none"]["runs"] == 3
    # sts-b is none in every seed and pair: a seed effect shared by the conditions cancels in the difference
    sts = next(c for c in analysis["per_model"]["mbert"]["comparisons"] if c["name"] == "sts-b − none")
    assert sts["avg"]["low"] == sts["avg"]["high"] == 0
    assert analysis["warnings"] == [] and "> **Warning**" not in text
    own = {o["task"]: o for o in analysis["per_model"]["mbert"]["own"]}
    assert own["ud-parse"]["lr_source"] == ["tuned"]


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
    _report()  # the workspace's predictions.parquet is the file the run wrote (tests/test_moved.py)
    (store / "results" / "mbert" / "ud-parse" / "seed2" / "predictions.parquet").unlink()
    with pytest.raises(XstiltsError) as err:
        _report()
    message = str(err.value)
    assert message.startswith(
        f"MLflow run {run_id} (results/mbert/ud-parse/seed2/evaluate.json) has no artifact predictions.parquet ("
    )
    assert message.endswith(
        "and results/mbert/ud-parse/seed2/predictions.parquet is missing; run `dvc repro -f target@mbert-ud-parse-2`"
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


# -- git-tracked files that stay put, dvc plots, figures to trust --------------------------------------

TRACKED = ("xnli_syntactic_vs_semantic.md", "xnli_results.csv", "analysis.json", "metrics.json", "figures", "plots")


def _tracked(reports: Path) -> dict[str, bytes]:
    """The report's git-tracked files (dvc.yaml: cache: false), by path."""
    paths = [p for name in TRACKED for p in ([reports / name] if (reports / name).is_file()
                                             else sorted((reports / name).rglob("*")))]
    return {str(p.relative_to(reports)): p.read_bytes() for p in paths if p.is_file()}


def test_the_same_numbers_from_new_runs_leave_the_git_tracked_files_byte_identical(store):
    first = _report(curve_seeds=1)
    before = _tracked(store / "reports")
    assert {"plots/xnli_by_language.csv", "plots/learning_curves/ud-parse.csv", "figures/average_ci.png"} <= set(before)
    cfg = config.load("params.yaml", SMALL)
    experiment = tracking.experiment_id(cfg.profile)
    for task in cfg.grid.tasks:  # the whole grid logged again: every run id changes, no number does
        for seed in cfg.grid.seeds:
            _log_cell(experiment, cfg, Cell("mbert", task, seed), store)
    second = _report(curve_seeds=1)
    assert second["run_id"] != first["run_id"]
    assert _tracked(store / "reports") == before
    ids = json.loads((store / "reports" / "runs.json").read_text())
    assert ids["runs"]["mbert"][0]["target"] == _run_id(store, "mbert", "none", 1, "target")
    for name, data in before.items():  # no run id and no date in any of them
        assert b"run_id" not in data and _run_id(store, "mbert", "none", 1).encode() not in data, name
        assert not re.search(rb"20\d\d-\d\d-\d\d", data), name


def test_metrics_json_holds_no_string_at_any_depth(planted):
    # the planted store logs budgets and per-epoch XNLI: every section of metrics.json is filled
    analysis, _ = planted
    metrics = report.build._metrics(analysis)

    def leaves(tree):
        for value in tree.values():
            yield from leaves(value) if isinstance(value, dict) else [value]

    assert set(metrics["models"]["mbert"]) == {"test_avg", "syntactic_minus_semantic", "delta_vs_none", "transfer_gap"}
    assert all(type(v) in (int, float) for v in leaves(metrics))


def test_dvc_plots_show_draws_every_plot(store, tmp_path):
    import subprocess
    import sys

    from xstilts import tune

    _report(curve_seeds=1)
    repo = tmp_path / "repo"
    repo.mkdir()
    dvc = [sys.executable, "-m", "dvc"]
    subprocess.run([*dvc, "init", "--no-scm", "-q"], cwd=repo, check=True)
    shutil.copytree(REPO / ".dvc" / "plots", repo / ".dvc" / "plots")  # the custom templates
    for name in ("plots", "figures"):
        shutil.copytree(store / "reports" / name, repo / "reports" / name)
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy(REPO / name, repo / name)
    study = optuna.create_study(direction="maximize")
    for lr, value in ((1e-4, 0.5), (3e-4, 0.7), (1e-3, 0.6)):
        study.add_trial(optuna.trial.create_trial(params={"lr": lr}, distributions=LR_RANGE, value=value))
    tune.write_history(study.get_trials(), repo / "results" / "mbert" / "ud-parse" / tune.HISTORY, "dev LAS")
    shown = subprocess.run([*dvc, "plots", "show", "--json"], cwd=repo, check=True, capture_output=True, text=True)
    rendered = {plot_id: found[0] for plot_id, found in json.loads(shown.stdout)["data"].items() if found}
    assert rendered["reports/figures/average_ci.png"]["type"] == "image"
    plots = {plot_id: found["content"] for plot_id, found in rendered.items() if found["type"] == "vega"}
    curves = "reports/plots/learning_curves/"
    for plot_id, y in ((f"{curves}ud-parse.csv", "dev LAS"), (f"{curves}sts-b.csv", "dev Spearman"),
                       (f"{curves}target-mnli.csv", "MNLI dev accuracy"),
                       ("results/mbert/ud-parse/tuning_history.csv", "dev LAS")):
        assert plots[plot_id]["encoding"]["y"]["title"] == y, plot_id
        assert {row["series"] for row in plots[plot_id]["data"]["values"]} > set(), plot_id
    bars = plots["xnli_by_language"]
    assert len(bars["data"]["values"]) == 3 * 15  # mbert x conditions x languages
    assert bars["spec"]["layer"][1]["encoding"]["x"] == {"datum": 0.3333}  # the chance line


def test_figures_show_chance_legends_outside_and_each_tasks_own_metric(store, monkeypatch):
    import matplotlib.pyplot as plt

    from xstilts.report import figures

    drawn, renderers, save = {}, {}, figures._save

    def keep(plt, fig, path):  # the figure, and its renderer while it has one (closing drops it)
        drawn[path.name], renderers[path.name] = fig, fig.canvas.get_renderer()
        return save(plt, fig, path)

    monkeypatch.setattr(figures, "_save", keep)
    _report(curve_seeds=1)
    average = drawn["average_ci.png"].axes[0]
    assert [line.get_ydata()[0] for line in average.lines if line.get_linestyle() == "--"] == [pytest.approx(100 / 3)]
    renderer = renderers["average_ci.png"]
    assert not average.get_legend().get_window_extent(renderer).overlaps(average.get_window_extent(renderer))

    curves = drawn["learning_curves_mbert.png"].axes
    assert [ax.get_ylabel() for ax in curves] == ["dev LAS", "dev Spearman", "MNLI dev accuracy (%)"]
    assert curves[0].get_title() == "ud-parse, lr 0.002" and len(curves[0].lines) == 1
    assert any(list(line.get_ydata()) == [pytest.approx(100 / 3)] * 2 for line in curves[2].lines)
    renderer = renderers["learning_curves_mbert.png"]
    for ax in curves:
        assert not ax.get_legend().get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))

    # a Holm-significant language is marked; the avg row (not in the family) never is
    analysis = json.loads((store / "reports" / "analysis.json").read_text())
    m = analysis["per_model"]["mbert"]
    m["comparisons"][1]["p_holm"][0] = 0.001  # ud-parse − none in the first language
    figures._heatmap(plt, analysis, m, store / "heatmap.png")
    ax = drawn["heatmap.png"].axes[0]
    marked = [(t.get_position(), t.get_text()) for t in ax.texts if t.get_text().endswith("*")]
    assert [position for position, _ in marked] == [(0, 0)]
    assert "* Holm-adjusted p < 0.05" in ax.get_title()


def test_learning_rates_are_shown_to_three_significant_digits():
    assert [markdown.format_lr(x) for x in ("0.000512345678", 2e-05, "0.002", "?")] == ["0.000512", "2e-05", "0.002",
                                                                                      "?"]


def test_a_p_value_in_running_text_reads_as_a_relation():
    from xstilts.report.markdown import _p_relation

    assert [_p_relation(p) for p in (0.0004, 0.0421, None)] == ["< 0.001", "= 0.042", "= n/a"]
