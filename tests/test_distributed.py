"""Data-parallel phases: `torchrun --nproc_per_node=2 -m xstilts intermediate` on the CPU (gloo) trains with
PyTorch DDP, logs one MLflow run from rank 0, writes the outputs once and takes the steps of one process."""

import json
import os
import shutil
import subprocess
import sys

import mlflow
import pytest

from tests.helpers import FAST
from xstilts import distributed, tracking
from xstilts.cli import main
from xstilts.errors import ConfigError

# sts-b on 40 examples in global batches of 8: 5 optimiser steps per epoch, 2 epochs; a checkpoint and a
# logged loss at every step. The data-parallel run caps each process's micro-batch at 2: per step, each of
# the 2 processes accumulates 2 micro-batches of 2 (2 x 2 x 2 = 8).
STSB = FAST + ["tasks.sts-b.train.batch_size=8", "tasks.sts-b.train.epochs=2", "tune.use_tuned_lr=false"]
CELL = ["intermediate", "--model", "mbert", "--task", "sts-b", "--seed", "1", "--no-upstream"]
STEPS = 10
# The two runs see the same examples in every optimiser step, with the same initial weights, schedule and
# step count, but not the same numbers: dropout masks are drawn per process for its micro-batches, and the
# gradient is summed in another order. Measured here: dev MSE 4.9889 vs 4.9867 (0.04%), Pearson -0.016 vs
# 0.013, Spearman -0.048 vs -0.029 (the tiny model barely learns sts-b's correlation in 10 steps on 40
# examples, so the MSE is the telling number). One epoch of training moves the dev MSE by 20% (5.97 -> 4.99):
# 2% tells "the same training" from "other training" (e.g. every process taking the whole recipe batch, which
# halves the steps); the correlations only have to stay within 0.1.
MSE_TOLERANCE = 0.02
CORRELATION_TOLERANCE = 0.1


def flags(overrides):
    return [a for item in overrides for a in ("-S", item)]


def runs(uri, phase="intermediate"):
    client = mlflow.MlflowClient(uri)
    experiment = client.get_experiment_by_name("xstilts-smoke")
    found = client.search_runs([experiment.experiment_id]) if experiment else []
    return [r for r in found if r.data.tags.get("xstilts.phase") == phase]


@pytest.mark.parametrize(
    ("batch", "cap", "world", "plan"),
    [
        (32, None, 1, (1, 32, 1)),  # one process: the recipe as it is
        (32, None, 2, (2, 16, 1)),  # the global batch split over the processes
        (32, 4, 2, (2, 4, 4)),  # a process's 16 in micro-batches of 4, accumulated 4 times
        (32, 12, 2, (2, 8, 2)),  # the largest micro-batch under the cap that divides the share
        (32, 64, 1, (1, 32, 1)),  # a cap above the share changes nothing
        (7, 2, 1, (1, 1, 7)),
    ],
)
def test_the_recipe_batch_is_the_global_batch(monkeypatch, batch, cap, world, plan):
    from xstilts.train import batch_plan

    monkeypatch.setenv("WORLD_SIZE", str(world))
    found = batch_plan(batch, cap, "tasks.sts-b.train.batch_size")
    assert (found.world_size, found.device_batch, found.accumulation) == plan
    assert found.world_size * found.device_batch * found.accumulation == batch
    names = ("world_size", "device_batch_size", "gradient_accumulation_steps")
    assert found.params() == dict(zip(names, plan, strict=True))


def test_a_global_batch_the_processes_cannot_share_is_one_config_error(workdir, monkeypatch, capsys):
    from xstilts.train import batch_plan

    monkeypatch.setenv("WORLD_SIZE", "3")
    with pytest.raises(ConfigError, match=r"^target.train.batch_size: the batch of 32 .* divisible by the 3 processes"):
        batch_plan(32, None, "target.train.batch_size")
    # through the CLI, before any work (no data, no model here): one line naming the key, exit code 2
    assert main([*CELL, "-S", "tasks.sts-b.train.batch_size=16"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("xstilts: error: tasks.sts-b.train.batch_size: the batch of 16") and "\n" not in err


def test_the_device_batch_cap_is_a_checked_parameter():
    from tests.helpers import REPO
    from xstilts import config

    assert config.load(REPO / "params.yaml").compute.device_batch_size is None
    assert config.load(REPO / "params.yaml", ["compute.device_batch_size=4"]).compute.device_batch_size == 4
    with pytest.raises(ConfigError, match="compute.device_batch_size"):
        config.load(REPO / "params.yaml", ["compute.device_batch_size=0"])


def test_a_checkpoint_is_complete_with_the_rng_state_of_every_rank(tmp_path, monkeypatch):
    from xstilts.train import checkpoint_files, last_checkpoint

    monkeypatch.setenv("WORLD_SIZE", "2")
    for step, ranks in ((4, (0, 1)), (8, (0,))):  # the newer one lacks rank 1's RNG state
        path = tmp_path / f"checkpoint-{step}"
        path.mkdir()
        for name in ("model.safetensors", *checkpoint_files(1)[:-1], *(f"rng_state_{r}.pth" for r in ranks)):
            (path / name).write_text("{}")
    assert last_checkpoint(tmp_path) == tmp_path / "checkpoint-4"
    assert not (tmp_path / "checkpoint-8").exists()
    monkeypatch.setenv("WORLD_SIZE", "1")  # a single process needs its own rng_state.pth
    assert last_checkpoint(tmp_path) is None


def test_other_ranks_neither_start_runs_nor_log(workdir, monkeypatch):
    from xstilts import config

    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert not distributed.is_main()
    cfg = config.load("params.yaml")
    with tracking.phase_run(cfg, "intermediate", model="mbert", task="sts-b", seed=1, params={"lr": 1}) as run:
        assert run.info.run_id is None and mlflow.active_run() is None
        tracking.log_params({"world_size": 2})
        tracking.log_metrics({"train_loss": 1.0}, step=1)
        tracking.set_tags({"selection": "final"})
        tracking.log_dict({"a": 1}, "a.json")
        assert mlflow.active_run() is None  # MLflow starts a run for a log call without one: none was made
    assert mlflow.search_runs(search_all_experiments=True, output_format="list") == []


@pytest.fixture(scope="module")
def trained(project, tmp_path_factory):
    """The cell trained in one process (in this one) and with `torchrun --nproc_per_node=2` (gloo, DDP), each in
    its own copy of the project; one tracking store (a copy of the project's, its tables made) holds both runs.
    Returns ({"single": root, "ddp": root}, tracking URI)."""
    base = tmp_path_factory.mktemp("distributed")
    roots = {kind: copy_project(project, base / kind) for kind in ("single", "ddp")}
    shutil.copy(project / "mlflow.db", base / "mlflow.db")
    uri = f"sqlite:///{base / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as patch:
        for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
            patch.delenv(name, raising=False)
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        patch.chdir(roots["single"])
        assert main([*CELL, *flags(STSB)]) == 0  # the reference, in this process (no second start-up to wait for)
        ddp = torchrun(roots["ddp"], uri)
    assert ddp.returncode == 0, ddp.stderr[-5000:]
    return roots, uri


def copy_project(source, target):
    target.mkdir()
    for name in ("params.yaml", "data", "models", "results"):
        (shutil.copytree if (source / name).is_dir() else shutil.copy)(source / name, target / name)
    return target


def torchrun(cwd, uri, script=("-m", "xstilts"), **env):
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--standalone", *script,
               *CELL, *flags([*STSB, "compute.device_batch_size=2"])]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MLFLOW_TRACKING_URI": uri, **env}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)


def outcome(root):
    """(intermediate.json, encoder + head weights) of the cell under ``root``."""
    from safetensors.torch import load_file

    out = root / "models" / "intermediate" / "mbert" / "sts-b" / "seed1"
    weights = load_file(str(out / "encoder" / "model.safetensors")) | load_file(str(out / "head" / "head.safetensors"))
    return json.loads((root / "results" / "mbert" / "sts-b" / "seed1" / "intermediate.json").read_text()), weights


def test_a_phase_under_torchrun_with_two_processes_equals_one_process(trained):
    roots, uri = trained
    client = mlflow.MlflowClient(uri)
    found = {r.data.params["world_size"]: r for r in runs(uri)}
    assert len(runs(uri)) == 2 and found.keys() == {"1", "2"}  # one run for the phase from the launch: rank 0's
    run, reference = found["2"], found["1"]
    assert run.info.status == "FINISHED"
    params = run.data.params
    assert (params["world_size"], params["device_batch_size"], params["gradient_accumulation_steps"]) == ("2", "2", "2")
    assert params["batch_size"] == "8"
    assert reference.data.params["world_size"] == "1" and reference.data.params["device_batch_size"] == "8"

    # the steps of one process, each logged once
    assert run.data.metrics["train_steps"] == reference.data.metrics["train_steps"] == STEPS
    losses = [m.step for m in client.get_metric_history(run.info.run_id, "train_loss")]
    assert sorted(losses) == list(range(1, STEPS + 1))
    for key in ("epoch_dev_pearson", "dev_pearson", "train_steps"):
        history = client.get_metric_history(run.info.run_id, key)
        assert len(history) == len({m.step for m in history}), key
    assert sorted(m.step for m in client.get_metric_history(run.info.run_id, "epoch_dev_pearson")) == [1, 2]

    # the outputs, written once by rank 0, exist when the launcher exits; the checkpoints are gone
    summary, _ = outcome(roots["ddp"])
    assert summary["run_id"] == run.info.run_id and summary["budget"]["train_steps"] == STEPS
    assert not (roots["ddp"] / "work" / "intermediate" / "mbert" / "sts-b" / "seed1").exists()

    expected, _ = outcome(roots["single"])
    metrics, expected = summary["metrics"], expected["metrics"]
    assert abs(metrics["dev_mse"] - expected["dev_mse"]) <= MSE_TOLERANCE * expected["dev_mse"], (metrics, expected)
    for key in ("dev_pearson", "dev_spearman"):
        assert abs(metrics[key] - expected[key]) <= CORRELATION_TOLERANCE, (key, metrics, expected)


# Runs the CLI with a Trainer callback that kills one rank with SIGKILL right after the checkpoint of step
# KILL_AT_STEP is complete (torchrun then stops the other rank): a kill -9 at a known point, not a race.
KILLER = """
import os, signal, sys
from transformers import TrainerCallback
import xstilts.train as train

class Kill(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        if state.global_step == int(os.environ["KILL_AT_STEP"]) and os.environ["RANK"] == os.environ["KILL_RANK"]:
            os.kill(os.getpid(), signal.SIGKILL)

fit = train.fit
train.fit = lambda *a, callbacks=(), **k: fit(*a, callbacks=[*callbacks, Kill()], **k)
from xstilts.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_a_torchrun_phase_killed_inside_an_epoch_resumes_to_the_same_weights(project, trained, tmp_path):
    """kill -9 of rank 1 after the checkpoint of step 6 (inside epoch 2), then the same torchrun command: the
    phase continues its run from that checkpoint and ends with the weights of the undisturbed launch."""
    roots, _ = trained
    root = copy_project(project, tmp_path / "p")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    (tmp_path / "killer.py").write_text(KILLER)
    killed = torchrun(root, uri, script=(str(tmp_path / "killer.py"),), KILL_AT_STEP="6", KILL_RANK="1")
    assert killed.returncode != 0
    work = root / "work" / "intermediate" / "mbert" / "sts-b" / "seed1" / "checkpoint-6"
    assert {"rng_state_0.pth", "rng_state_1.pth", "trainer_state.json"} <= {p.name for p in work.iterdir()}

    resumed = torchrun(root, uri)
    assert resumed.returncode == 0, resumed.stderr[-5000:]
    assert "resuming from work/intermediate/mbert/sts-b/seed1/checkpoint-6" in resumed.stderr
    (run,) = runs(uri)
    assert run.info.status == "FINISHED"
    (summary, weights), (expected, expected_weights) = outcome(root), outcome(roots["ddp"])
    assert summary["metrics"] == expected["metrics"]
    assert [k for k in weights if not (weights[k] == expected_weights[k]).all()] == []
