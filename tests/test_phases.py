"""The phases end to end at reduced scale, through the real CLI, in a scratch project directory."""

import hashlib
import json
import math
import signal
import subprocess
import sys
import time

import mlflow
import pandas as pd
import pytest

from tests.helpers import FAST, pearson_spearman, predict_dev_again
from xstilts.cli import main

LANGS = ["en", "ar", "bg", "de", "el", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh"]


def xstilts(*args, overrides=FAST):
    code = main([*args, *[a for item in overrides for a in ("-S", item)]])
    assert code == 0, args
    return code


def runs(phase=None):
    found = mlflow.search_runs(experiment_names=["xstilts-smoke"], output_format="list")
    return [r for r in found if phase is None or r.data.tags.get("xstilts.phase") == phase]


def read(path):
    return json.loads(path.read_text())


def dev_metrics_again(cell, task, summary):
    """The dev metrics of the saved intermediate model, recomputed outside the phase: the parser's CoNLL-U
    dev predictions through `score_ud`; for the other tasks, the reloaded model's predictions scored here."""
    from xstilts.score import score_ud

    if task == "ud-parse":
        assert summary["truncated"].get("truncated_words_dev", 0) == 0  # else the file scores cut words apart
        predicted = cell / "models" / "intermediate" / "mbert" / task / "seed1" / "dev_predictions" / "dev.conllu"
        scores = score_ud(cell / "data" / "prepared" / "ud_dev.conllu", predicted)
        return {f"dev_{k}": v for k, v in scores.items()}
    predictions, dev = predict_dev_again(cell, "mbert", task, 1)
    if task == "sts-b":
        predicted, gold = [p["prediction"] for p in predictions], dev["score"]
        pearson, spearman = pearson_spearman(predicted, gold)
        mse = sum((p - g) ** 2 for p, g in zip(predicted, gold, strict=True)) / len(gold)
        return {"dev_pearson": pearson, "dev_spearman": spearman, "dev_mse": mse}
    gold = dev["upos"]
    # strict=False for the tags: ud_pos predicts one tag per padded word position, the sentence's words first
    right = sum(
        p == g
        for prediction, tags in zip(predictions, gold, strict=True)
        for p, g in zip(prediction["upos"], tags, strict=False)
    )
    words = sum(len(tags) for tags in gold)
    return {"dev_acc": right / words, "dev_words": words}


def test_pretrained_model_is_saved_and_tracked(project):
    summary = read(project / "results" / "mbert" / "pretrained.json")
    assert summary["metrics"]["vocab_size"] > 100
    assert (project / "models" / "pretrained" / "mbert" / "tokenizer.json").exists()
    assert not (project / "work").exists() or not any((project / "work").rglob("checkpoint-*"))


@pytest.mark.parametrize(
    ("task", "metrics"),
    [
        ("ud-parse", {"dev_uas", "dev_las", "dev_uas_nopunct", "dev_las_nopunct"}),
        ("sts-b", {"dev_pearson", "dev_spearman"}),
        ("ud-pos", {"dev_acc"}),
    ],
)
def test_intermediate_then_target_then_zero_shot_xnli(cell, task, metrics):
    xstilts("intermediate", "--model", "mbert", "--task", task, "--seed", "1", "--no-upstream")
    out = cell / "models" / "intermediate" / "mbert" / task / "seed1"
    assert (out / "encoder" / "config.json").exists() and (out / "head" / "head.json").exists()
    inter = read(cell / "results" / "mbert" / task / "seed1" / "intermediate.json")
    assert metrics <= set(inter["metrics"])
    assert inter["metrics"] == pytest.approx(dev_metrics_again(cell, task, inter), abs=1e-6)
    (run,) = runs("intermediate")
    assert run.info.run_id == inter["run_id"] and run.info.status == "FINISHED"
    assert run.data.tags["mlflow.runName"] == f"intermediate mbert {task} s1"
    assert run.data.tags["xstilts.family"] == ("semantic" if task == "sts-b" else "syntactic")
    assert {m: run.data.metrics[m] for m in metrics} == pytest.approx({m: inter["metrics"][m] for m in metrics})
    history = mlflow.MlflowClient().get_metric_history(run.info.run_id, "train_loss")
    assert len(history) >= 2  # the loss per logging step

    xstilts("target", "--model", "mbert", "--task", task, "--seed", "1", "--evaluate", "--no-upstream")
    evaluation = read(cell / "results" / "mbert" / task / "seed1" / "evaluate.json")
    predictions = pd.read_parquet(cell / "results" / "mbert" / task / "seed1" / "predictions.parquet")
    assert len(predictions) == 15 * (12 + 15)
    assert (predictions.correct == (predictions.prediction == predictions.label)).all()
    for split, per_language in (("dev", 12), ("test", 15)):
        rows = predictions[predictions.split == split]
        assert rows.groupby("language").size().to_dict() == dict.fromkeys(LANGS, per_language)
        accuracy = {lang: rows[rows.language == lang].correct.mean() for lang in LANGS}
        for lang in LANGS:
            assert evaluation["metrics"][f"xnli_{split}_acc_{lang}"] == pytest.approx(accuracy[lang]), (split, lang)
        assert evaluation["metrics"][f"xnli_{split}_acc_avg"] == pytest.approx(sum(accuracy.values()) / 15)
    (evaluate_run,) = runs("evaluate")
    assert evaluate_run.data.metrics["xnli_test_acc_avg"] == pytest.approx(evaluation["metrics"]["xnli_test_acc_avg"])
    assert evaluate_run.data.tags["xstilts.selection"] == "final"
    artifacts = [a.path for a in mlflow.MlflowClient().list_artifacts(evaluate_run.info.run_id)]
    assert "predictions.parquet" in artifacts
    assert not (cell / "work").exists() or not any((cell / "work").rglob("checkpoint-*"))


def test_baseline_passes_the_encoder_through(cell):
    xstilts("intermediate", "--model", "mbert", "--task", "none", "--seed", "2", "--no-upstream")
    pointer = read(cell / "models" / "intermediate" / "mbert" / "none" / "seed2" / "encoder.json")
    assert pointer == {"encoder": "models/pretrained/mbert"}
    assert runs("intermediate") == []  # nothing was trained, so nothing to track
    budget = read(cell / "results" / "mbert" / "none" / "seed2" / "intermediate.json")["budget"]
    assert budget == {"train_examples": 0, "train_steps": 0, "train_tokens": 0, "train_seconds": 0.0}
    xstilts("target", "--model", "mbert", "--task", "none", "--seed", "2", "--no-upstream")
    (run,) = runs("target")
    assert run.data.params["encoder"] == "models/pretrained/mbert"


def test_same_seed_same_metrics(cell):
    first = None
    for _ in range(2):
        xstilts("intermediate", "--model", "mbert", "--task", "sts-b", "--seed", "3", "--no-upstream")
        metrics = read(cell / "results" / "mbert" / "sts-b" / "seed3" / "intermediate.json")["metrics"]
        first = first or metrics
    assert metrics == first
    xstilts("intermediate", "--model", "mbert", "--task", "sts-b", "--seed", "4", "--no-upstream")
    other = read(cell / "results" / "mbert" / "sts-b" / "seed4" / "intermediate.json")["metrics"]
    assert other != first


def test_the_pretrained_phase_is_reproducible(cell):
    # the project fixture built it in another process; building it again here must give the same model
    before = read(cell / "results" / "mbert" / "pretrained.json")["metrics"]
    vocab = (cell / "models" / "pretrained" / "mbert" / "tokenizer.json").read_text()
    xstilts("pretrained", "--model", "mbert", "--no-upstream")
    assert read(cell / "results" / "mbert" / "pretrained.json")["metrics"] == before
    assert (cell / "models" / "pretrained" / "mbert" / "tokenizer.json").read_text() == vocab


def test_best_en_dev_selection_is_recorded(cell):
    xstilts("intermediate", "--model", "mbert", "--task", "none", "--seed", "1", "--no-upstream")
    xstilts("target", "--model", "mbert", "--task", "none", "--seed", "1", "--no-upstream", "--evaluate",
            overrides=FAST + ["target.selection=best-en-dev", "target.train.epochs=3"])
    summary = read(cell / "results" / "mbert" / "none" / "seed1" / "target.json")
    assert summary["selected_epoch"] in (1, 2, 3) and summary["selected_on"] == "xnli_dev_acc_en"
    (run,) = runs("target")
    assert run.data.tags["xstilts.selection"] == "best-en-dev"
    # selected on the per-epoch English XNLI dev accuracy that the run logs (no second English pass)
    client = mlflow.MlflowClient()
    curve = client.get_metric_history(run.info.run_id, "epoch_xnli_dev_acc_en")
    assert [m.step for m in curve] == [1, 2, 3]
    best = max(curve, key=lambda m: (m.value, -m.step))
    assert summary["selected_epoch"] == best.step
    # the output model is the selected epoch's: its zero-shot numbers are the evaluate run's
    evaluation = read(cell / "results" / "mbert" / "none" / "seed1" / "evaluate.json")["metrics"]
    for name in ("xnli_dev_acc_en", "xnli_test_acc_de", "xnli_test_acc_avg"):
        history = client.get_metric_history(run.info.run_id, f"epoch_{name}")
        (selected,) = [m.value for m in history if m.step == best.step]
        assert selected == pytest.approx(evaluation[name], abs=1e-12), name
    epoch_dev = client.get_metric_history(run.info.run_id, "epoch_dev_acc")
    assert summary["metrics"]["dev_acc"] == [m.value for m in epoch_dev if m.step == best.step][0]


def test_the_target_phase_logs_zero_shot_xnli_after_every_epoch(cell):
    xstilts("intermediate", "--model", "mbert", "--task", "none", "--seed", "1", "--no-upstream")
    xstilts("target", "--model", "mbert", "--task", "none", "--seed", "1", "--no-upstream", "--evaluate",
            overrides=FAST + ["target.train.epochs=2"])
    (run,) = runs("target")
    client = mlflow.MlflowClient()
    evaluation = read(cell / "results" / "mbert" / "none" / "seed1" / "evaluate.json")["metrics"]
    for split in ("dev", "test"):
        for lang in [*LANGS, "avg"]:
            history = client.get_metric_history(run.info.run_id, f"epoch_xnli_{split}_acc_{lang}")
            assert sorted(m.step for m in history) == [1, 2], (split, lang)  # exactly once per epoch
            (last,) = [m.value for m in history if m.step == 2]
            # the final model (selection `final`) on the same data: the evaluate run's number
            assert last == pytest.approx(evaluation[f"xnli_{split}_acc_{lang}"], abs=1e-12), (split, lang)
    assert sorted(m.step for m in client.get_metric_history(run.info.run_id, "epoch_dev_acc")) == [1, 2]
    assert not any(name.startswith("epoch_dev_xnli") for name in run.data.metrics)  # not dev metrics of MNLI


def test_the_phases_record_their_training_budget(cell):
    from transformers import AutoTokenizer

    from xstilts.evaluate import load_prepared

    def tokens(split, first, second, max_length):
        rows = load_prepared(split, cell / "data" / "prepared")
        encoded = tokenizer(list(rows[first]), list(rows[second]), truncation=True, max_length=max_length)
        return len(rows), sum(len(ids) for ids in encoded["input_ids"])

    tokenizer = AutoTokenizer.from_pretrained(cell / "models" / "pretrained" / "mbert")
    budget_overrides = FAST + ["tasks.sts-b.train.batch_size=16", "tasks.sts-b.train.epochs=3", "target.train.epochs=2"]
    xstilts("intermediate", "--model", "mbert", "--task", "sts-b", "--seed", "1", "--no-upstream",
            overrides=budget_overrides)
    xstilts("target", "--model", "mbert", "--task", "sts-b", "--seed", "1", "--no-upstream", overrides=budget_overrides)
    for phase, (split, first, second, batch, epochs, max_length) in {
        "intermediate": ("stsb_train", "sentence1", "sentence2", 16, 3, 96),
        "target": ("mnli_train", "premise", "hypothesis", 32, 2, 96),
    }.items():
        examples, per_epoch = tokens(split, first, second, max_length)
        summary = read(cell / "results" / "mbert" / "sts-b" / "seed1" / f"{phase}.json")
        assert summary["recipe"]["batch_size"] == batch and summary["recipe"]["max_length"] == max_length
        expected = {"train_examples": examples, "train_steps": math.ceil(examples / batch) * epochs,
                    "train_tokens": per_epoch * epochs}  # fmt: skip
        assert {k: summary["budget"][k] for k in expected} == expected, phase
        assert summary["budget"]["train_seconds"] > 0
        (run,) = runs(phase)
        assert {k: run.data.metrics[k] for k in summary["budget"]} == pytest.approx(summary["budget"]), phase


def test_missing_upstream_names_the_command(cell, capsys):
    code = main(["target", "--model", "mbert", "--task", "sts-b", "--seed", "9", "--no-upstream"])
    assert code == 1
    err = capsys.readouterr().err
    assert "models/intermediate/mbert/sts-b/seed9" in err and "Traceback" not in err


def test_upstream_is_produced_for_a_cell_outside_the_grid(cell):
    # seed 7 is not in grid.seeds: the missing intermediate phase runs in this process first
    xstilts("target", "--model", "mbert", "--task", "sts-b", "--seed", "7")
    assert (cell / "models" / "intermediate" / "mbert" / "sts-b" / "seed7" / "encoder").exists()
    assert {r.data.tags["xstilts.phase"] for r in runs()} == {"intermediate", "target"}


def test_a_killed_phase_resumes_from_its_checkpoint(cell):
    args = [
        sys.executable, "-m", "xstilts", "intermediate", "--model", "mbert", "--task", "sts-b", "--seed", "1",
        "--no-upstream",
    ]  # fmt: skip
    slow = [a for item in FAST + ["tasks.sts-b.train.epochs=40"] for a in ("-S", item)]
    process = subprocess.Popen(args + slow, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    work = cell / "work" / "intermediate" / "mbert" / "sts-b" / "seed1"
    deadline = time.time() + 240
    while not list(work.glob("checkpoint-*")) and time.time() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert list(work.glob("checkpoint-*")), "no checkpoint appeared"
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    (killed,) = runs("intermediate")
    assert killed.info.status == "KILLED"
    assert not (cell / "models" / "intermediate" / "mbert" / "sts-b" / "seed1").exists()  # no half output
    checkpoint = sorted(work.glob("checkpoint-*"))[-1].name

    resumed = subprocess.run(args + slow, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resuming from {work.relative_to(cell) / checkpoint}" in resumed.stderr
    (run,) = runs("intermediate")  # the resumed phase continued the run that SIGTERM ended KILLED
    assert run.info.run_id == killed.info.run_id and run.info.status == "FINISHED"
    assert (cell / "models" / "intermediate" / "mbert" / "sts-b" / "seed1" / "encoder").exists()


@pytest.mark.parametrize(
    ("cli", "overrides", "expected"),
    [
        (None, [], (3e-4, "tuned")),  # a tuned rate beats params.yaml
        (None, ["tune.use_tuned_lr=false"], (5e-4, "params")),
        (None, ["tasks.sts-b.train.lr=7e-4"], (7e-4, "override")),  # -S beats the tuned rate
        (None,
         ["tasks.sts-b.train={lr: 8e-4, epochs: 1, batch_size: 8, max_length: 32, warmup_ratio: 0, weight_decay: 0}"],
         (8e-4, "override")),
        (9e-4, ["tasks.sts-b.train.lr=7e-4"], (9e-4, "cli")),  # --lr beats everything
    ],
)
def test_one_learning_rate_by_the_stated_rule(workdir, cli, overrides, expected):
    from xstilts import config
    from xstilts.phases import LearningRate, learning_rate

    (workdir / "results" / "mbert" / "sts-b").mkdir(parents=True)
    (workdir / "results" / "mbert" / "sts-b" / "tuned_lr.json").write_text(json.dumps({"lr": 3e-4}))
    cfg = config.load("params.yaml", overrides)
    assert cfg.task("sts-b").train.lr in (5e-4, 7e-4, 8e-4)  # the smoke block's value, unless overridden
    assert learning_rate(cfg, "mbert", "sts-b", cli) == LearningRate(*expected)


def test_an_override_beats_the_tuned_rate_end_to_end(cell):
    (cell / "results" / "mbert" / "sts-b").mkdir(parents=True, exist_ok=True)
    (cell / "results" / "mbert" / "sts-b" / "tuned_lr.json").write_text(json.dumps({"lr": 3e-4}))
    xstilts("intermediate", "--model", "mbert", "--task", "sts-b", "--seed", "1", "--no-upstream",
            overrides=FAST + ["tasks.sts-b.train.lr=7e-4"])
    (run,) = runs("intermediate")
    assert run.data.tags["xstilts.lr_source"] == "override" and float(run.data.params["lr"]) == 7e-4
    summary = read(cell / "results" / "mbert" / "sts-b" / "seed1" / "intermediate.json")
    assert summary["recipe"]["lr"] == 7e-4 and summary["lr_source"] == "override"


# -- a killed target phase: the per-epoch zero-shot metrics are complete, once each, and as undisturbed ----

TARGET = ["target", "--model", "mbert", "--task", "none", "--seed", "1", "--no-upstream", "--evaluate"]
TARGET_FAST = FAST + ["target.train.epochs=2"]  # 60 MNLI pairs in batches of 32: steps 1-2 epoch 1, 3-4 epoch 2


def _cli(cwd, *args, kill_at=None):
    import os

    from tests.test_resume import KILLER  # the CLI with a SIGKILL right after the checkpoint of step KILL_AT_STEP

    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{cwd / 'mlflow.db'}"}
    command = [sys.executable, "-m", "xstilts"]
    if kill_at is not None:
        command, env["KILL_AT_STEP"] = [sys.executable, "-c", KILLER], str(kill_at)
    flags = [a for item in TARGET_FAST for a in ("-S", item)]
    return subprocess.run(command + list(args) + flags, cwd=cwd, env=env, capture_output=True, text=True)


def _target_project(project, cwd):
    import shutil

    cwd.mkdir()
    for name in ("params.yaml", "data", "models", "results"):
        (shutil.copytree if (project / name).is_dir() else shutil.copy)(project / name, cwd / name)
    done = _cli(cwd, "intermediate", "--model", "mbert", "--task", "none", "--seed", "1", "--no-upstream")
    assert done.returncode == 0, done.stderr[-2000:]
    return cwd


def _epoch_metrics(cwd):
    """{metric: [(step, value), ...]} of the per-epoch metrics of the cell's one target run, and its status."""
    client = mlflow.MlflowClient(f"sqlite:///{cwd / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("xstilts-smoke")
    (run,) = [r for r in client.search_runs([experiment.experiment_id]) if r.data.tags["xstilts.phase"] == "target"]
    names = [name for name in run.data.metrics if name.startswith("epoch_")]
    return {n: sorted((m.step, m.value) for m in client.get_metric_history(run.info.run_id, n)) for n in names}, run


@pytest.fixture(scope="module")
def undisturbed_target(project, tmp_path_factory):
    cwd = _target_project(project, tmp_path_factory.mktemp("target") / "p")
    done = _cli(cwd, *TARGET)
    assert done.returncode == 0, done.stderr[-2000:]
    return _epoch_metrics(cwd)[0]


@pytest.mark.parametrize(
    ("kill_at", "where"),
    [
        (2, "after the last step of epoch 1, before its evaluation (caught up when epoch 2 begins)"),
        (3, "inside epoch 2, after epoch 1 was evaluated and logged"),
        (4, "after the last step, before the last evaluation (caught up at the end)"),
    ],
)
def test_a_killed_target_phase_logs_every_epoch_once_as_undisturbed(project, tmp_path, undisturbed_target, kill_at,
                                                                     where):  # fmt: skip
    cwd = _target_project(project, tmp_path / "p")
    killed = _cli(cwd, *TARGET, kill_at=kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    resumed = _cli(cwd, *TARGET)
    assert resumed.returncode == 0 and "resuming from" in resumed.stderr, resumed.stderr[-2000:]
    metrics, run = _epoch_metrics(cwd)
    assert run.info.status == "FINISHED"
    assert {f"epoch_xnli_{s}_acc_{lang}" for s in ("dev", "test") for lang in [*LANGS, "avg"]} <= set(metrics)
    assert metrics == undisturbed_target, where  # every epoch exactly once, with the undisturbed values
    evaluation = read(cwd / "results" / "mbert" / "none" / "seed1" / "evaluate.json")["metrics"]
    assert {k: v for k, v in evaluation.items()} == {k: metrics[f"epoch_{k}"][-1][1] for k in evaluation}
    budget = read(cwd / "results" / "mbert" / "none" / "seed1" / "target.json")["budget"]
    assert (budget["train_steps"], budget["train_examples"]) == (4, 60)


# -- what a cell's runs record for the MLflow UI, and the exported model -----------------------------------


@pytest.fixture(scope="module")
def tracked(project, tmp_path_factory):
    """mbert / sts-b / seed 1 trained and evaluated once, in its own store: (root, client, experiment, runs by
    phase) for the tests of what the runs record."""
    import shutil

    root = tmp_path_factory.mktemp("tracked")
    for name in ("params.yaml", "data", "models", "results"):
        (shutil.copytree if (project / name).is_dir() else shutil.copy)(project / name, root / name)
    uri = f"sqlite:///{root / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        xstilts("intermediate", "--model", "mbert", "--task", "sts-b", "--seed", "1", "--no-upstream")
        xstilts("target", "--model", "mbert", "--task", "sts-b", "--seed", "1", "--evaluate", "--no-upstream")
    client = mlflow.MlflowClient(uri)
    experiment = client.get_experiment_by_name("xstilts-smoke")
    found = {r.data.tags["xstilts.phase"]: r for r in client.search_runs([experiment.experiment_id])}
    return root, client, experiment, found


def test_the_experiment_opens_on_the_runs_with_a_description(tracked):
    _, _, experiment, _ = tracked
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"  # not MLflow 3's GenAI view
    assert "**evaluate** runs" in experiment.tags["mlflow.note.content"]


def test_each_run_describes_itself_and_links_its_upstream_runs(tracked):
    root, _, experiment, found = tracked
    cell = root / "results" / "mbert" / "sts-b" / "seed1"
    ids = {phase: read(cell / f"{phase}.json")["run_id"] for phase in ("intermediate", "target", "evaluate")}
    pretrained = read(root / "results" / "mbert" / "pretrained.json")["run_id"]  # logged in the project's store

    def link(phase):
        return f"[`{ids[phase]}`](#/experiments/{experiment.experiment_id}/runs/{ids[phase]})"

    notes = {phase: found[phase].data.tags["mlflow.note.content"] for phase in ids}
    for phase, note in notes.items():
        assert note.startswith(f"**{phase}**: ") and "model `mbert`, task `sts-b`, family `semantic`, seed `1`, " \
            "profile `smoke`." in note, phase
    assert f"- pretrained: `{pretrained}` (not in this tracking store)" in notes["intermediate"]
    assert notes["target"].endswith(f"Upstream runs:\n- intermediate: {link('intermediate')}\n- pretrained: "
                                    f"`{pretrained}` (not in this tracking store)")
    assert f"Upstream runs:\n- target: {link('target')}\n- intermediate: {link('intermediate')}\n" in notes["evaluate"]


def test_the_evaluate_run_carries_the_cells_settings(tracked):
    root, _, _, found = tracked
    cell = root / "results" / "mbert" / "sts-b" / "seed1"
    params = found["evaluate"].data.params
    expected = {"model": "mbert", "task": "sts-b", "seed": "1", "selection": "final",
                "intermediate_lr": str(read(cell / "intermediate.json")["recipe"]["lr"]),
                "target_lr": str(read(cell / "target.json")["recipe"]["lr"])}  # fmt: skip
    assert {k: params.get(k) for k in expected} == expected
    digest = found["evaluate"].data.tags["xstilts.predictions_sha256"]
    assert digest == read(cell / "evaluate.json")["predictions_sha256"]
    assert digest == hashlib.sha256((cell / "predictions.parquet").read_bytes()).hexdigest()


def test_each_run_logs_its_datasets(tracked):
    root, _, _, found = tracked
    manifest = read(root / "data" / "prepared" / "manifest.json")["splits"]
    expected = {
        "intermediate": {"stsb_train": "training", "stsb_dev": "validation"},
        "target": {"mnli_train": "training", "mnli_dev": "validation", "xnli_dev": "validation", "xnli_test": "test"},
        "evaluate": {"xnli_dev": "validation", "xnli_test": "test"},
    }
    for phase, contexts in expected.items():
        inputs = found[phase].inputs.dataset_inputs
        logged = {i.dataset.name: (i.dataset.digest, {t.key: t.value for t in i.tags}["mlflow.data.context"])
                  for i in inputs}  # fmt: skip
        assert logged == {name: (manifest[name]["sha256"][:36], context) for name, context in contexts.items()}, phase


def test_the_training_curves_hold_everything_the_trainer_logs(tracked):
    _, client, _, found = tracked
    for phase in ("intermediate", "target"):
        run_id = found[phase].info.run_id
        steps = {key: [m.step for m in client.get_metric_history(run_id, key)]
                 for key in ("train_loss", "grad_norm", "learning_rate", "epoch")}  # fmt: skip
        assert len(steps["train_loss"]) >= 2 and len(set(steps["train_loss"])) == len(steps["train_loss"]), phase
        assert steps["grad_norm"] == steps["learning_rate"] == steps["train_loss"], phase
        assert set(steps["train_loss"]) <= set(steps["epoch"]), phase  # epoch also comes with the closing summary
        assert "train_loss_mean" in found[phase].data.metrics  # the Trainer's closing average, off the curve


def test_the_exported_model_predicts_as_the_package_in_a_pipeline(tracked):
    from transformers import pipeline

    from xstilts.data import NLI_LABELS

    root, _, _, _ = tracked
    cell = root / "results" / "mbert" / "sts-b" / "seed1"
    package = pd.read_parquet(cell / "predictions.parquet").query("split == 'test'")
    pairs = pd.read_parquet(root / "data" / "prepared" / "xnli_test.parquet")
    pairs = pairs[pairs.language.isin(["en", "de"]) & (pairs.pair_id < 6)].merge(package, on=["language", "pair_id"])
    assert len(pairs) == 12
    exported = root / "models" / "target" / "mbert" / "sts-b" / "seed1" / "hf"
    classify = pipeline("text-classification", model=str(exported))
    got = classify([{"text": p, "text_pair": h} for p, h in zip(pairs.premise, pairs.hypothesis, strict=True)])
    assert [g["label"] for g in got] == [NLI_LABELS[p] for p in pairs.prediction]
    assert classify.model.config.id2label == dict(enumerate(NLI_LABELS))
