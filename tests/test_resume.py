"""Faults injected into a running phase: kill -9 at a checkpoint, a half-written checkpoint, other settings on
re-run, a dying launcher, a diverging loss. Each must be survived with the numbers of an undisturbed run."""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import mlflow
import pytest
from safetensors.torch import load_file

from tests.helpers import FAST
from xstilts.cli import main

# ud-parse on 30 sentences in batches of 4: 8 steps per epoch, 4 epochs, a checkpoint every 4 steps
PARSE = FAST + ["tasks.ud-parse.train.batch_size=4", "tasks.ud-parse.train.epochs=4"]
CELL = ["intermediate", "--model", "mbert", "--task", "ud-parse", "--seed", "1", "--no-upstream"]

# Runs the CLI with one extra Trainer callback that kills the process with SIGKILL right after the
# checkpoint of step KILL_AT_STEP is complete: a kill -9 at a known point instead of a race.
KILLER = textwrap.dedent("""
    import os, signal, sys
    from transformers import TrainerCallback
    import xstilts.train as train

    class Kill(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            if state.global_step == int(os.environ["KILL_AT_STEP"]):
                os.kill(os.getpid(), signal.SIGKILL)

    fit = train.fit
    train.fit = lambda *a, callbacks=(), **k: fit(*a, callbacks=[*callbacks, Kill()], **k)
    from xstilts.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def flags(overrides):
    return [a for item in overrides for a in ("-S", item)]


def run_cli(cwd, *args, kill_at=None, overrides=PARSE):
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{cwd / 'mlflow.db'}"}
    command = [sys.executable, "-m", "xstilts"]
    if kill_at is not None:
        command = [sys.executable, "-c", KILLER]
        env["KILL_AT_STEP"] = str(kill_at)
    return subprocess.run(command + list(args) + flags(overrides), cwd=cwd, env=env, capture_output=True, text=True)


def copy_project(source: Path, target: Path) -> Path:
    target.mkdir()
    for name in ("params.yaml", "data", "models", "results"):
        (shutil.copytree if (source / name).is_dir() else shutil.copy)(source / name, target / name)
    return target


def outcome(cwd: Path) -> tuple[dict, dict]:
    """(intermediate.json metrics, encoder + head weights) of the cell."""
    out = cwd / "models" / "intermediate" / "mbert" / "ud-parse" / "seed1"
    weights = load_file(str(out / "encoder" / "model.safetensors")) | load_file(str(out / "head" / "head.safetensors"))
    summary = json.loads((cwd / "results" / "mbert" / "ud-parse" / "seed1" / "intermediate.json").read_text())
    return summary["metrics"], weights


def runs(cwd: Path, phase="intermediate"):
    client = mlflow.MlflowClient(f"sqlite:///{cwd / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("xstilts-smoke")
    found = client.search_runs([experiment.experiment_id]) if experiment else []
    return [r for r in found if r.data.tags.get("xstilts.phase") == phase]


@pytest.fixture(scope="module")
def undisturbed(project, tmp_path_factory):
    """The cell trained once without interruption: the numbers every resumed run must reproduce."""
    cwd = copy_project(project, tmp_path_factory.mktemp("undisturbed") / "p")
    done = run_cli(cwd, *CELL)
    assert done.returncode == 0, done.stderr[-3000:]
    return outcome(cwd)


@pytest.mark.parametrize(
    ("kill_at", "where"),
    [
        (20, "inside epoch 3 of 4"),
        (16, "at the end of epoch 2"),
        (32, "after the last step, before the last evaluation"),
    ],
)
def test_a_phase_killed_at_a_checkpoint_resumes_to_the_same_numbers(project, tmp_path, undisturbed, kill_at, where):
    cwd = copy_project(project, tmp_path / "p")
    killed = run_cli(cwd, *CELL, kill_at=kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    work = cwd / "work" / "intermediate" / "mbert" / "ud-parse" / "seed1"
    assert (work / f"checkpoint-{kill_at}" / "trainer_state.json").exists()
    (run,) = runs(cwd)
    assert run.info.status == "RUNNING"  # what kill -9 leaves behind

    resumed = run_cli(cwd, *CELL)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"resuming from {Path('work/intermediate/mbert/ud-parse/seed1') / f'checkpoint-{kill_at}'}" in resumed.stderr
    metrics, weights = outcome(cwd)
    expected_metrics, expected_weights = undisturbed
    assert metrics == expected_metrics, where
    assert weights.keys() == expected_weights.keys()
    different = [name for name in weights if not (weights[name] == expected_weights[name]).all()]
    assert different == [], f"resumed {where}: tensors differ from the undisturbed run: {different[:5]}"
    (run,) = runs(cwd)  # the resumed phase continued its own MLflow run
    assert run.info.status == "FINISHED"
    history = mlflow.MlflowClient(f"sqlite:///{cwd / 'mlflow.db'}").get_metric_history(run.info.run_id, "epoch_dev_las")
    assert sorted({m.step for m in history}) == [1, 2, 3, 4]
    assert not work.exists()


def test_an_incomplete_checkpoint_is_removed_and_the_last_complete_one_resumed(project, tmp_path, undisturbed):
    cwd = copy_project(project, tmp_path / "p")
    assert run_cli(cwd, *CELL, kill_at=20).returncode == -signal.SIGKILL
    work = cwd / "work" / "intermediate" / "mbert" / "ud-parse" / "seed1"
    # what a full disk while writing checkpoint-24 leaves: the weights, no trainer_state.json
    shutil.copytree(work / "checkpoint-20", work / "checkpoint-24")
    (work / "checkpoint-24" / "trainer_state.json").unlink()

    resumed = run_cli(cwd, *CELL)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "removing incomplete checkpoint work/intermediate/mbert/ud-parse/seed1/checkpoint-24" in resumed.stderr
    assert "checkpoint-20" in resumed.stderr
    assert outcome(cwd)[0] == undisturbed[0]


def test_a_checkpoint_of_other_settings_is_not_resumed(project, tmp_path):
    cwd = copy_project(project, tmp_path / "p")
    assert run_cli(cwd, *CELL, "--lr", "2e-3", kill_at=20).returncode == -signal.SIGKILL
    (killed,) = runs(cwd)

    rerun = run_cli(cwd, *CELL, "--lr", "1e-3")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "made with other settings (recipe.lr 0.002 -> 0.001); starting fresh" in rerun.stderr
    assert "resuming from" not in rerun.stderr
    summary = json.loads((cwd / "results" / "mbert" / "ud-parse" / "seed1" / "intermediate.json").read_text())
    assert summary["recipe"]["lr"] == 0.001 and summary["lr_source"] == "cli"
    statuses = {r.info.run_id: (r.info.status, r.data.params.get("lr")) for r in runs(cwd)}
    assert statuses.pop(killed.info.run_id) == ("KILLED", "0.002")  # the orphan of kill -9, ended
    assert list(statuses.values()) == [("FINISHED", "0.001")]


def test_the_pretrained_phase_resumes_to_the_same_model(project, tmp_path):
    # its MLM masks come from a seeded collator, so a resumed run masks (and drops out) as an undisturbed one
    mlm = FAST + ["pretrained.mlm.epochs=2", "pretrained.mlm.batch_size=16"]
    command = ["pretrained", "--model", "mbert", "--no-upstream"]
    cwd = copy_project(project, tmp_path / "p")
    assert run_cli(cwd, *command, overrides=mlm).returncode == 0
    expected = load_file(str(cwd / "models" / "pretrained" / "mbert" / "model.safetensors"))
    killed = run_cli(cwd, *command, overrides=mlm, kill_at=24)  # 19 steps per epoch: inside epoch 2
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    resumed = run_cli(cwd, *command, overrides=mlm)
    assert resumed.returncode == 0 and "resuming from" in resumed.stderr, resumed.stderr[-3000:]
    weights = load_file(str(cwd / "models" / "pretrained" / "mbert" / "model.safetensors"))
    assert [n for n in weights if not (weights[n] == expected[n]).all()] == []


def test_a_diverging_loss_stops_the_phase_with_one_line_and_no_output(cell, capsys, monkeypatch):
    import torch

    from xstilts import heads

    forward = heads.BiaffineParserHead.forward
    calls = {"n": 0}

    def poisoned(self, hidden, batch):  # the 5th training batch has a NaN loss
        result = forward(self, hidden, batch)
        if self.training and "loss" in result:
            calls["n"] += 1
            if calls["n"] == 5:
                result["loss"] = result["loss"] * torch.tensor(float("nan"))
        return result

    monkeypatch.setattr(heads.BiaffineParserHead, "forward", poisoned)
    code = main([*CELL, *flags(PARSE)])
    err = capsys.readouterr().err
    assert code == 1
    assert [line for line in err.splitlines() if "error" in line] == [
        "xstilts: error: training diverged at step 5 of 32: the loss is nan (learning rate 0.002); "
        "nothing was written, try a lower learning rate"
    ]
    assert "Traceback" not in err
    assert not (cell / "models" / "intermediate" / "mbert" / "ud-parse").exists()
    assert not (cell / "results" / "mbert" / "ud-parse").exists()
    (run,) = runs(cell)
    assert run.info.status == "FAILED"


@pytest.mark.parametrize("launcher", ["dvc", "mlflow-like"])
def test_a_phase_dies_with_its_launcher(cell, launcher):
    """kill -9 of `dvc repro` (or of any launcher that sets MLFLOW_RUN_ID) ends its training child."""
    slow = PARSE + ["tasks.ud-parse.train.epochs=400"]
    stage = " ".join([sys.executable, "-m", "xstilts", *CELL, *flags(slow)])
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{cell / 'mlflow.db'}"}
    if launcher == "dvc":
        subprocess.run(["git", "init", "-q"], cwd=cell, check=True)
        subprocess.run([str(Path(sys.executable).parent / "dvc"), "init", "-q"], cwd=cell, check=True)
        (cell / "dvc.yaml").write_text(f"stages:\n  parse:\n    cmd: {stage}\n")
        command = [str(Path(sys.executable).parent / "dvc"), "repro", "parse"]
    else:  # a launcher like `mlflow run`: a Python parent, a shell in between
        parent = mlflow.MlflowClient(f"sqlite:///{cell / 'mlflow.db'}")
        experiment = parent.create_experiment("launcher")
        env["MLFLOW_RUN_ID"] = parent.create_run(experiment).info.run_id
        command = [sys.executable, "-c", f"import subprocess; subprocess.run(['bash', '-c', {stage!r}])"]
    launched = subprocess.Popen(command, cwd=cell, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    work = cell / "work" / "intermediate" / "mbert" / "ud-parse" / "seed1"
    deadline = time.time() + 300
    while not list(work.glob("checkpoint-*")) and time.time() < deadline:
        time.sleep(0.5)
    assert list(work.glob("checkpoint-*")), "the phase never wrote a checkpoint"
    launched.kill()
    launched.wait()

    deadline = time.time() + 60
    while time.time() < deadline and _phase_processes(cell):
        time.sleep(0.5)
    assert _phase_processes(cell) == [], "the phase kept running after its launcher was killed"
    (run,) = runs(cell)
    assert run.info.status == "KILLED"
    assert not (cell / "models" / "intermediate" / "mbert" / "ud-parse").exists()


def _phase_processes(cwd: Path) -> list[int]:
    """Pids of `xstilts intermediate` processes working in ``cwd``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            if b"intermediate" in cmdline and b"xstilts" in cmdline and Path(os.readlink(proc / "cwd")) == cwd:
                found.append(int(proc.name))
        except (OSError, ValueError):
            continue
    return found
