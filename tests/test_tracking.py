"""MLflow runs: tags of DESIGN Part 1, readable names, never left RUNNING."""

import contextlib
import os
import signal

import mlflow
import pytest

from tests.helpers import REPO
from xstilts import config, tracking


@pytest.fixture
def cfg(workdir):
    return config.load(REPO / "params.yaml")


def _only_run(name="xstilts-smoke"):
    runs = mlflow.search_runs(experiment_names=[name], output_format="list")
    assert len(runs) == 1
    return runs[0]


def test_a_finished_run_has_the_design_tags_params_and_config(cfg, monkeypatch):
    monkeypatch.setenv("DVC_STAGE", "intermediate@mbert-sts-b-1")
    with tracking.phase_run(cfg, "intermediate", model="mbert", task="sts-b", seed=1, family="semantic",
                            name="intermediate mbert sts-b s1", params={"lr": 0.002}):
        tracking.log_metrics({"dev_spearman": 0.5})
    run = _only_run()
    assert run.info.status == "FINISHED"
    tags = run.data.tags
    assert tags["mlflow.runName"] == "intermediate mbert sts-b s1"
    expected = {
        "phase": "intermediate", "profile": "smoke", "model": "mbert", "task": "sts-b", "family": "semantic",
        "seed": "1",
    }  # fmt: skip
    assert {k: tags[f"xstilts.{k}"] for k in expected} == expected
    assert tags["xstilts.dvc_stage"] == "intermediate@mbert-sts-b-1"
    assert run.data.params["lr"] == "0.002"
    assert run.data.metrics["dev_spearman"] == 0.5
    artifacts = [a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id)]
    assert "config.yaml" in artifacts


def test_an_exception_ends_the_run_failed(cfg):
    with pytest.raises(ZeroDivisionError), tracking.phase_run(cfg, "prepare"):
        raise ZeroDivisionError("division by zero")
    assert _only_run().info.status == "FAILED"


def test_sigterm_ends_the_run_killed(cfg):
    with pytest.raises(KeyboardInterrupt), tracking.phase_run(cfg, "prepare"):
        os.kill(os.getpid(), signal.SIGTERM)
    assert _only_run().info.status == "KILLED"


def test_a_run_launched_by_mlflow_run_for_this_phase_is_adopted(cfg, monkeypatch):
    mlflow.set_experiment("Default-like")
    with mlflow.start_run(tags={"mlflow.project.entryPoint": "intermediate"}) as launched:
        pass
    monkeypatch.setenv("MLFLOW_RUN_ID", launched.info.run_id)
    with tracking.phase_run(cfg, "intermediate", model="xlmr", task="ud-parse", seed=2) as run:
        assert run.info.run_id == launched.info.run_id
    adopted = mlflow.get_run(launched.info.run_id)
    assert adopted.data.tags["xstilts.phase"] == "intermediate" and adopted.info.status == "FINISHED"


def test_trials_under_a_tune_run_launched_by_mlflow_run_are_its_children(cfg, monkeypatch):
    import optuna

    mlflow.set_experiment("Default-like")
    with mlflow.start_run(tags={"mlflow.project.entryPoint": "tune"}) as launched:
        pass
    monkeypatch.setenv("MLFLOW_RUN_ID", launched.info.run_id)
    with tracking.phase_run(cfg, "tune", model="xlmr", task="ud-parse") as parent:
        for number in range(3):
            with (
                pytest.raises(optuna.TrialPruned) if number == 2 else contextlib.nullcontext(),
                tracking.trial_run(number, {"lr": 1e-3 * (number + 1)}),
            ):
                if number == 2:
                    raise optuna.TrialPruned()
                tracking.log_metrics({"dev_las": 0.5})
    assert parent.info.run_id == launched.info.run_id
    runs = mlflow.search_runs(experiment_names=["Default-like"], output_format="list")
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == launched.info.run_id]
    assert sorted(r.data.tags["xstilts.trial"] for r in children) == ["0", "1", "2"]
    assert launched.info.run_id not in {r.info.run_id for r in children}
    adopted = mlflow.get_run(launched.info.run_id)
    assert adopted.info.status == "FINISHED"
    assert "xstilts.trial" not in adopted.data.tags and "lr" not in adopted.data.params
    assert all(r.info.status == "FINISHED" for r in children)


def test_a_phase_under_another_entry_point_is_nested_in_its_own_experiment(cfg, monkeypatch):
    mlflow.set_experiment("Default-like")
    with mlflow.start_run(tags={"mlflow.project.entryPoint": "main"}) as parent:
        pass
    monkeypatch.setenv("MLFLOW_RUN_ID", parent.info.run_id)
    with tracking.phase_run(cfg, "prepare") as run:
        assert run.info.run_id != parent.info.run_id
    child = _only_run()
    assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert os.environ["MLFLOW_RUN_ID"] == parent.info.run_id  # left as it was for later phases


def test_every_experiment_xstilts_uses_opens_on_its_runs_and_keeps_a_users_description(cfg, monkeypatch):
    client = mlflow.MlflowClient()
    older = client.create_experiment("xstilts-smoke")  # made before xstilts labelled its experiments
    assert tracking.experiment_id("smoke") == older
    mlflow.set_experiment("Default-like")  # e.g. `mlflow run --experiment-name Default-like`
    with mlflow.start_run(tags={"mlflow.project.entryPoint": "intermediate"}) as launched:
        pass
    client.set_experiment_tag(launched.info.experiment_id, "mlflow.note.content", "my own notes")
    monkeypatch.setenv("MLFLOW_RUN_ID", launched.info.run_id)
    with tracking.phase_run(cfg, "intermediate", model="xlmr", task="ud-parse", seed=2):
        pass
    for experiment, note in ((older, "xstilts, profile `smoke`: "), (launched.info.experiment_id, "my own notes")):
        tags = client.get_experiment(experiment).tags
        assert tags["mlflow.experimentKind"] == "custom_model_development"
        assert tags["mlflow.note.content"].startswith(note)


def test_a_param_that_mlflow_run_held_raw_is_read_from_its_resolved_name():
    """Under `mlflow run` the entry point's raw `lr=''` is the run's `lr`; the phase's value is `lr_resolved`,
    and the report (protocol table, own-dev-score table) must read that one."""
    from types import SimpleNamespace

    from xstilts import tracking
    from xstilts.report.protocol import _logged

    by_mlflow_run = SimpleNamespace(data=SimpleNamespace(params={"lr": "''", "lr_resolved": "0.00127"}))
    by_dvc = SimpleNamespace(data=SimpleNamespace(params={"lr": "0.00131"}))
    assert tracking.param(by_mlflow_run, "lr") == "0.00127" and tracking.param(by_dvc, "lr") == "0.00131"
    assert _logged([by_mlflow_run, by_dvc], "lr") == [0.00127, 0.00131]
