"""The only module that talks to MLflow: one run per phase, with the tags, params and metrics of DESIGN.

Tracking store: ``MLFLOW_TRACKING_URI`` if set, else MLflow's own default (``sqlite:///mlflow.db`` in the
working directory, i.e. the repository root under DVC and ``mlflow run``).

A phase started by ``mlflow run . -e <phase>`` adopts the run that ``mlflow run`` created for it
(``MLFLOW_RUN_ID``), so one entry point invocation is one run. Any other phase process (a DVC stage, a
direct ``xstilts`` call, a stage under ``mlflow run . -e main``) starts its own run in the experiment
``xstilts-<profile>``; under a parent ``mlflow run`` it records that run as its parent.

No run is ever left RUNNING by us: an exception ends it FAILED, an interrupt (Ctrl-C, SIGTERM) KILLED.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from xstilts import tasks

log = logging.getLogger(__name__)

TAG_PREFIX = "xstilts."


def experiment_name(profile: str) -> str:
    return f"xstilts-{profile}"


def run_name(phase: str, model: str | None = None, task: str | None = None, seed: int | None = None) -> str:
    """Readable run name, e.g. ``intermediate mbert sts-b s1``."""
    parts = [phase, model, task, None if seed is None else f"s{seed}"]
    return " ".join(p for p in parts if p)


def phase_tags(
    phase: str, profile: str, model: str | None = None, task: str | None = None, seed: int | None = None
) -> dict[str, str]:
    """The tags every run carries (DESIGN Part 1); absent dimensions are tagged ``-``."""
    family = tasks.get(task).family if task else "-"
    tags = {
        "phase": phase,
        "profile": profile,
        "model": model or "-",
        "task": task or "-",
        "family": family,
        "seed": "-" if seed is None else str(seed),
    }
    out = {TAG_PREFIX + k: v for k, v in tags.items()}
    commit = git_commit()
    if commit:
        out["mlflow.source.git.commit"] = commit
        out[TAG_PREFIX + "git_commit"] = commit
    if os.environ.get("DVC_STAGE"):
        out[TAG_PREFIX + "dvc_stage"] = os.environ["DVC_STAGE"]
    return out


def git_commit() -> str | None:
    """HEAD of the repository in the working directory, with ``-dirty`` if tracked files changed."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.strip() + ("-dirty" if dirty.stdout.strip() else "")


@contextlib.contextmanager
def phase_run(
    cfg,
    phase: str,
    *,
    model: str | None = None,
    task: str | None = None,
    seed: int | None = None,
    params: Mapping[str, Any] | None = None,
) -> Iterator[Any]:
    """Start (or adopt) the MLflow run of one phase; yields the active ``mlflow.ActiveRun``."""
    import mlflow

    launched_run = os.environ.get("MLFLOW_RUN_ID")  # set by `mlflow run` for the entry point's own run
    adopt = launched_run is not None and _entry_point(launched_run) == phase
    tags = phase_tags(phase, cfg.profile, model, task, seed)
    name = run_name(phase, model, task, seed)
    if adopt:
        run = mlflow.start_run(run_id=launched_run)
        mlflow.set_tag("mlflow.runName", name)
    else:
        mlflow.set_experiment(experiment_name(cfg.profile))
        if launched_run:
            tags["mlflow.parentRunId"] = launched_run
        with _without_env("MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID"):  # or mlflow would adopt/redirect the run
            run = mlflow.start_run(run_name=name)
    mlflow.set_tags(tags)
    if params:
        mlflow.log_params({k: _param_value(v) for k, v in params.items()})
    log_config(cfg)
    log.info("MLflow run %s (%s) in %s", run.info.run_id, name, mlflow.get_tracking_uri())
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield run
    except KeyboardInterrupt:
        mlflow.end_run("KILLED")
        raise
    except BaseException:
        mlflow.end_run("FAILED")
        raise
    else:
        mlflow.end_run("FINISHED")
    finally:
        signal.signal(signal.SIGTERM, previous)
        if launched_run and not adopt:  # mlflow.end_run unsets it; later phases in this process need it
            os.environ["MLFLOW_RUN_ID"] = launched_run


def log_config(cfg) -> None:
    """Attach the resolved configuration (after profile blocks and overrides) as ``config.yaml``."""
    import mlflow

    with tempfile.TemporaryDirectory() as tmp:
        mlflow.log_artifact(str(cfg.dump(Path(tmp) / "config.yaml")))


def set_tags(tags: Mapping[str, Any]) -> None:
    """Extra ``xstilts.*`` tags of the active run (e.g. the checkpoint-selection rule)."""
    import mlflow

    mlflow.set_tags({TAG_PREFIX + k: str(v) for k, v in tags.items()})


def log_metrics(metrics: Mapping[str, float], step: int | None = None) -> None:
    import mlflow

    mlflow.log_metrics({k: float(v) for k, v in metrics.items()}, step=step)


def log_artifact(path: str | Path, artifact_path: str | None = None) -> None:
    import mlflow

    mlflow.log_artifact(str(path), artifact_path)


def log_dict(data: Any, name: str) -> None:
    import mlflow

    mlflow.log_text(json.dumps(data, indent=2, ensure_ascii=False), name)


@contextlib.contextmanager
def _without_env(*names: str) -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _entry_point(run_id: str) -> str | None:
    import mlflow

    try:
        return mlflow.MlflowClient().get_run(run_id).data.tags.get("mlflow.project.entryPoint")
    except mlflow.exceptions.MlflowException:
        return None


def _param_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text[:6000]  # MLflow's limit on a param value


def _raise_interrupt(signum, frame):  # SIGTERM (DVC, mlflow run, kill) ends the run KILLED, like Ctrl-C
    raise KeyboardInterrupt(f"signal {signum}")
