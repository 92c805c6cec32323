"""The DVC pipeline on a SLURM cluster (``xstilts launch slurm``): one batch job per stage that is not up to date.

DVC owns the pipeline, so DVC answers both questions: which stages are not up to date (``Repo.status``, as
``dvc status``) and how they depend on each other (``Repo.index.graph``, as ``dvc dag``). Every such stage and
every stage downstream of one (an upstream re-run may change its inputs) becomes a job that runs
``dvc repro --single-item <stage>``: DVC runs the stage's command and records it in ``dvc.lock`` exactly as
``dvc repro`` would (or skips it, when its upstream job left its inputs unchanged). The jobs' dependencies
(``--dependency=afterok:<ids>``) are the DAG's edges, so a failed job cancels everything downstream of it
(``--kill-on-invalid-dep=yes``) and nothing else.

The workspace, with dvc.yaml, dvc.lock, the DVC cache and the outputs, is one directory on a filesystem that
every node mounts; the jobs share it, and the MLflow tracking store (see :func:`tracking_uri`).

Launching again submits only what is still missing: stages that are up to date are skipped, and so are stages
whose job (recorded in ``logs/slurm/jobs.json``) is still pending or running in ``squeue``; a new job that
needs one of those waits for it. A queued job whose upstream is submitted again is cancelled and submitted
again after it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import getpass
import json
import os
import shlex
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

from xstilts.errors import XstiltsError

LOG_DIR = Path("logs/slurm")
STATE_FILE = LOG_DIR / "jobs.json"  # stage -> its last job: id, dependencies, script, log
# squeue states of a job that will still run (or is running); any other state, or no longer listed, is over
ACTIVE_STATES = {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD",
                 "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "RESV_DEL_HOLD"}  # fmt: skip
# a pending job whose dependency failed never runs (clusters without kill_invalid_depend keep it queued)
DEAD_REASONS = {"DependencyNeverSatisfied"}


class LaunchError(XstiltsError):
    exit_code = 1


@dataclasses.dataclass(frozen=True)
class Pipeline:
    """The stages of dvc.yaml in an order that puts every stage after its upstream, and what DVC says of them."""

    order: tuple[str, ...]
    upstream: dict[str, tuple[str, ...]]  # stage -> the stages whose outputs it depends on (direct edges)
    # whether a stage is not up to date (`dvc status <stage>`); asked only of stages no job of which is queued
    # or running upstream: DVC cannot read outputs that a running job writes (its rwlock), nor need it
    is_stale: Callable[[str], bool]


@dataclasses.dataclass(frozen=True)
class Plan:
    submit: tuple[str, ...]  # in the pipeline's order
    keep: dict[str, str]  # stage -> the id of its queued or running job, which stays
    cancel: dict[str, str]  # stage -> the id of a queued job that must run after a job submitted now


def stage_kind(stage: str) -> str:
    """``target@mbert-none-1`` -> ``target``: the block of ``cluster`` in params.yaml that sizes its job."""
    return stage.split("@", 1)[0]


@contextlib.contextmanager
def read_pipeline(root: Path) -> Iterator[Pipeline]:
    """The DAG of the DVC project at ``root`` and its stages' status, from DVC itself, while DVC's repo lock
    is held (jobs wait for it: they run `dvc --wait-for-lock`)."""
    from dvc.lock import LockError
    from dvc.repo import Repo, lock_repo

    # _wait_for_lock is the Python side of `dvc --wait-for-lock`: running jobs take DVC's repo lock briefly
    with Repo(str(root), _wait_for_lock=True) as repo, lock_repo(repo):
        graph = repo.index.graph  # edges: stage -> a stage that produces one of its dependencies
        stages = {stage.addressing: stage for stage in repo.index.stages if getattr(stage, "cmd", None)}
        names = {stage: name for name, stage in stages.items()}
        upstream = {name: tuple(names[up] for up in graph.successors(stage) if up in names)
                    for name, stage in stages.items()}  # fmt: skip
        order = _topological(list(stages), upstream)
        position = {name: i for i, name in enumerate(order)}
        upstream = {name: tuple(sorted(ups, key=position.__getitem__)) for name, ups in upstream.items()}

        def is_stale(name: str) -> bool:
            try:
                return bool(stages[name].status())
            except LockError as err:  # a `dvc repro` that no recorded job runs writes what this stage reads
                raise LaunchError(f"dvc status {name}: {err}") from err

        yield Pipeline(order, upstream, is_stale)


def _topological(names: list[str], upstream: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """``names`` with every stage after its upstream; otherwise in dvc.yaml's order (stable, readable)."""
    done: list[str] = []
    placed: set[str] = set()
    while len(done) < len(names):
        ready = [n for n in names if n not in placed and all(u in placed for u in upstream[n])]
        if not ready:  # DVC rejects cyclic pipelines; kept as a guard
            raise LaunchError("the DVC pipeline has a cycle")
        done.append(ready[0])
        placed.add(ready[0])
    return tuple(done)


def plan(pipeline: Pipeline, queued: dict[str, str]) -> Plan:
    """What to submit, given the stages whose jobs are still queued or running (``queued``: stage -> job id).

    A stage is submitted when it is not up to date, or downstream of a stage that is submitted or queued
    (that job may change its inputs); not when its own job is queued, unless an upstream stage is submitted
    now: then that queued job would run before (or never after) its new input, so it is cancelled and
    submitted again.
    """
    submit: list[str] = []
    keep: dict[str, str] = {}
    cancel: dict[str, str] = {}
    for stage in pipeline.order:
        ups = pipeline.upstream[stage]
        replaced_upstream = any(u in submit for u in ups)
        if stage in queued and not replaced_upstream:
            keep[stage] = queued[stage]
            continue
        if stage in queued:
            cancel[stage] = queued[stage]
        # in this order: the status is asked last, when nothing upstream decides already
        if stage in queued or replaced_upstream or any(u in keep for u in ups) or pipeline.is_stale(stage):
            submit.append(stage)
    return Plan(tuple(submit), keep, cancel)


def tracking_uri(given: str | None, root: Path) -> str:
    """The MLflow tracking URI every job gets: ``given`` (--tracking-uri), else $MLFLOW_TRACKING_URI, else
    MLflow's default (``sqlite:///mlflow.db`` in the repository root). A relative SQLite or file store is made
    absolute, so that it names the same store whatever directory a job starts in."""
    uri = given or os.environ.get("MLFLOW_TRACKING_URI") or "sqlite:///mlflow.db"
    if "://" in uri and urllib.parse.urlsplit(uri).password:  # the job scripts are files: no password in them
        raise LaunchError("the tracking URI carries a password: give it as MLFLOW_TRACKING_USERNAME and "
                          "MLFLOW_TRACKING_PASSWORD in the environment instead (sbatch passes the environment on "
                          "to the jobs; docs/team.md)")  # fmt: skip
    if uri.startswith("sqlite:///"):
        path = uri[len("sqlite:///") :]
        return uri if path.startswith("/") or path == ":memory:" else f"sqlite:///{(root / path).resolve()}"
    if uri.startswith("file:") and not uri.startswith("file:/"):
        return (root / uri[len("file:") :]).resolve().as_uri()
    if "://" not in uri and not uri.startswith("file:"):  # a plain path: MLflow's file store
        return str((root / uri).resolve())
    return uri


def job_script(stage: str, resources, *, root: Path, uri: str, partition: str | None) -> str:
    """The batch script of ``stage``; its dependencies go on sbatch's command line (they are job ids)."""
    log = (root / LOG_DIR / f"{stage}-%j.log").resolve()
    options = [
        f"--job-name=xstilts:{stage}",
        f"--output={log}",
        f"--chdir={root.resolve()}",
        f"--cpus-per-task={resources.cpus}",
        f"--mem={resources.mem}",
        f"--time={resources.time}",
        "--kill-on-invalid-dep=yes",  # a failed upstream job cancels this one instead of leaving it queued
        "--export=ALL",  # this environment (HF_HUB_OFFLINE, MLflow credentials), whatever the site's default
    ]
    if partition or resources.partition:
        options.append(f"--partition={partition or resources.partition}")
    if resources.gpus:
        options.append(f"--gres=gpu:{resources.gpus}")
    bin_dir = Path(sys.executable).parent  # this environment's dvc and xstilts (the stages' commands)
    lines = ["#!/bin/bash", *(f"#SBATCH {option}" for option in options), "", "set -euo pipefail",
             f"export PATH={shlex.quote(str(bin_dir))}:\"$PATH\"",
             f"export MLFLOW_TRACKING_URI={shlex.quote(uri)}",
             # a run id of the shell that launched would make every job continue (or nest under) that run
             "unset MLFLOW_RUN_ID MLFLOW_EXPERIMENT_ID",
             # torch's threads = the CPUs SLURM gave the job, not the whole node that other jobs share
             'export OMP_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
             f"echo \"xstilts: {stage}: job $SLURM_JOB_ID on $(hostname) from $(date -Iseconds)\"",
             # DVC's repo lock (.dvc/tmp/lock) guards its bookkeeping: reading dvc.yaml and dvc.lock, checking
             # the stage, saving its outputs to the cache and writing its entry of dvc.lock. `dvc repro`
             # releases that lock while the stage's command runs and takes it again afterwards, so that jobs
             # of independent stages run at once; but by default it gives up after 3 s of waiting, which is
             # how concurrent `dvc repro`s in one workspace fail (treeverse/dvc#10465, #755). --wait-for-lock
             # makes both acquisitions wait: the lock sections of concurrent jobs run one at a time, the
             # commands in parallel. An outer lock (flock) around the whole `dvc repro` would serialise the
             # commands too; running the command outside DVC and then `dvc commit` would skip what
             # `dvc repro` does around it (removing stale outputs, the run-cache, skipping an unchanged stage).
             f"dvc --wait-for-lock repro --single-item {shlex.quote(stage)}",
             f"echo \"xstilts: {stage}: done $(date -Iseconds)\"", ""]  # fmt: skip
    return "\n".join(lines)


# -- SLURM ------------------------------------------------------------------------------------------------


def _slurm(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        raise LaunchError(f"{command[0]} not found: run this on a SLURM login node (or use --dry-run)")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise LaunchError(f"`{shlex.join(command)}` failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def queue(job_ids) -> dict[str, tuple[str, str]]:
    """job id -> (state, reason) of the given jobs that squeue still lists."""
    wanted = set(job_ids)
    if not wanted:
        return {}
    listed = {}
    for line in _slurm(["squeue", "--noheader", f"--user={getpass.getuser()}", "--format=%i|%T|%r"]).splitlines():
        job, state, reason = (line.strip().split("|") + ["", ""])[:3]
        if job in wanted:
            listed[job] = (state, reason)
    return listed


def read_state(root: Path) -> dict[str, dict]:
    path = root / STATE_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def write_state(root: Path, state: dict[str, dict]) -> None:
    path = root / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def queued_stages(state: dict[str, dict]) -> tuple[dict[str, str], dict[str, str]]:
    """(stage -> job id of its job that will still run, stage -> job id of a queued job that never will)."""
    listed = queue(entry["job_id"] for entry in state.values())
    alive, dead = {}, {}
    for stage, entry in state.items():
        state_reason = listed.get(entry["job_id"])
        if state_reason is None or state_reason[0] not in ACTIVE_STATES:
            continue
        (dead if state_reason[1] in DEAD_REASONS else alive)[stage] = entry["job_id"]
    return alive, dead


# -- the commands -------------------------------------------------------------------------------------------


def slurm(cfg, root: Path, *, partition: str | None = None, uri: str | None = None, dry_run: bool = False) -> str:
    """Submit (or with ``dry_run`` show) the jobs of every stage that is not up to date; returns the report."""
    root = Path(root).resolve()
    if not (root / "dvc.yaml").exists():
        raise LaunchError(f"{root}: no dvc.yaml here (run `xstilts launch` in the repository root)")
    state = read_state(root)
    # a dry run shows the queue's jobs too where squeue is at hand (on a login node), and works without it
    alive, dead = queued_stages(state) if state and (not dry_run or shutil.which("squeue")) else ({}, {})
    with read_pipeline(root) as pipeline:
        kinds = {f.name for f in dataclasses.fields(cfg.cluster)}
        unknown = sorted({stage_kind(s) for s in pipeline.order} - kinds)
        if unknown:
            raise LaunchError(f"params.yaml: cluster has no resources for the stage kind(s) {', '.join(unknown)}")
        work = plan(pipeline, alive)
    uri = tracking_uri(uri, root)
    scripts = {stage: job_script(stage, getattr(cfg.cluster, stage_kind(stage)), root=root, uri=uri,
                                 partition=partition) for stage in work.submit}  # fmt: skip
    lines = []
    if uri.startswith("sqlite:") or "://" not in uri:
        lines.append(f"note: jobs track to {uri}: a file on the shared filesystem that jobs on several nodes "
                     "write at once; a tracking server is safer there (docs/cluster.md)")  # fmt: skip
    if dry_run:
        for stage in work.submit:
            lines += [f"# ---- {stage} ----", scripts[stage]]
        lines.append(_graph(work, pipeline, None))
        return "\n".join(lines)

    stale_jobs = {**dead, **work.cancel}
    if stale_jobs:
        _slurm(["scancel", *stale_jobs.values()])
    ids: dict[str, str] = dict(work.keep)
    script_dir = root / LOG_DIR / "scripts"
    script_dir.mkdir(parents=True, exist_ok=True)
    for stage in work.submit:
        after = [ids[u] for u in pipeline.upstream[stage] if u in ids]
        path = script_dir / f"{stage}.sh"
        path.write_text(scripts[stage], encoding="utf-8")
        dependency = [f"--dependency=afterok:{':'.join(after)}"] if after else []
        job = _slurm(["sbatch", "--parsable", *dependency, str(path)]).strip().split(";")[0]  # "id" or "id;cluster"
        ids[stage] = job
        submitted = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        state[stage] = {"job_id": job, "after": after, "script": str(path.relative_to(root)),
                        "log": str(LOG_DIR / f"{stage}-{job}.log"), "submitted": submitted}  # fmt: skip
        write_state(root, state)  # after every job: an interrupted launch still knows what it submitted
    if stale_jobs:
        lines.append("cancelled queued jobs that could not run after their new upstream: "
                     + ", ".join(f"{s} ({j})" for s, j in stale_jobs.items()))  # fmt: skip
    lines.append(_graph(work, pipeline, ids))
    return "\n".join(lines)


def _graph(work: Plan, pipeline: Pipeline, ids: dict[str, str] | None) -> str:
    """The jobs and their afterok edges, one line per job; ``ids`` None for a dry run (edges by stage)."""
    if not work.submit:
        kept = f" ({len(work.keep)} queued or running: xstilts launch status)" if work.keep else ""
        return f"nothing to submit: every stage is up to date or has a queued job{kept}"
    rows = [("job", "stage", "kind", "after (afterok)")]
    for stage in work.submit:
        after = []
        for up in pipeline.upstream[stage]:
            if up in work.submit:
                after.append(up if ids is None else f"{ids[up]} ({up})")
            elif up in work.keep:
                after.append(f"{work.keep[up]} ({up}, queued)")
        rows.append((ids[stage] if ids else "-", stage, stage_kind(stage), ", ".join(after) or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    table = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip() for a, b, c, d in rows]
    head = (f"would submit {len(work.submit)} jobs (dry run; nothing submitted)" if ids is None else
            f"submitted {len(work.submit)} jobs; logs: {LOG_DIR}/<stage>-<job>.log, state: {STATE_FILE}")  # fmt: skip
    if work.keep:
        head += f"; {len(work.keep)} stage(s) already queued or running, not submitted again"
    return "\n".join([head, *table])


def status(root: Path) -> str:
    """The jobs of the last launches: stage, job id, its state in squeue (or `ended`), and its log."""
    root = Path(root).resolve()
    state = read_state(root)
    if not state:
        return f"no jobs recorded in {STATE_FILE}"
    listed = queue(entry["job_id"] for entry in state.values()) if shutil.which("squeue") else {}
    rows = [("job", "stage", "state", "log")]
    for stage, entry in state.items():
        state_reason = listed.get(entry["job_id"])
        shown = "ended (see its log; `dvc status` says whether it was recorded)" if state_reason is None else (
            state_reason[0] + (f" ({state_reason[1]})" if state_reason[1] not in ("", "None") else ""))  # fmt: skip
        log = entry["log"].replace("%j", entry["job_id"])
        rows.append((entry["job_id"], stage, shown, log))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}" for a, b, c, d in rows)


def cancel(root: Path) -> str:
    """Cancel every recorded job that is still queued or running."""
    root = Path(root).resolve()
    state = read_state(root)
    alive, dead = queued_stages(state) if state else ({}, {})
    jobs = {**alive, **dead}
    if not jobs:
        return "no queued or running jobs to cancel"
    _slurm(["scancel", *jobs.values()])
    return "cancelled: " + ", ".join(f"{s} ({j})" for s, j in jobs.items())
