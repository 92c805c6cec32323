"""The only module that talks to MLflow: one run per phase, with the tags, params and metrics every run carries.

Tracking store: ``MLFLOW_TRACKING_URI`` if set, else MLflow's own default (``sqlite:///mlflow.db`` in the
working directory, i.e. the repository root under DVC and ``mlflow run``).

A phase started by ``mlflow run . -e <phase>`` adopts the run that ``mlflow run`` created for it
(``MLFLOW_RUN_ID``), so one entry point invocation is one run. Any other phase process (a DVC stage, a
direct ``xstilts`` call, a stage under ``mlflow run . -e main``) starts its own run in the experiment
``xstilts-<profile>``; under a parent ``mlflow run`` it records that run as its parent.

No run is ever left RUNNING by us: an exception ends it FAILED, an interrupt (Ctrl-C, SIGTERM) KILLED.

In a data-parallel launch (torchrun, xstilts.distributed) rank 0 alone starts the run and logs: on the other
ranks :func:`phase_run` yields a stand-in without an MLflow run and every logging function here
(:func:`_main_only`) does nothing, so they neither create runs nor add points.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import types
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from xstilts import distributed
from xstilts.errors import XstiltsError

log = logging.getLogger(__name__)

TAG_PREFIX = "xstilts."
TRAINING_PHASES = ("pretrained", "intermediate", "target", "tune")
# What each phase's run is, for its description in the UI.
PHASE_NOTES = {
    "prepare": "the prepared data (data/prepared/)",
    "pretrained": "the pretrained masked LM",
    "tune": "the learning-rate search of an intermediate task (one child run per trial)",
    "intermediate": "English intermediate-task training of the pretrained encoder",
    "target": "English MNLI training of a fresh 3-way head on the intermediate encoder",
    "evaluate": "zero-shot XNLI of the target model: accuracy per split and language, per-example predictions",
    "report": "the analysis of the grid's evaluate runs (reports/)",
}


def experiment_name(profile: str) -> str:
    return f"xstilts-{profile}"


def phase_tags(
    phase: str,
    profile: str,
    model: str | None = None,
    task: str | None = None,
    seed: int | None = None,
    family: str | None = None,
) -> dict[str, str]:
    """The tags every run carries (the contract's names); absent dimensions are tagged ``-``."""
    tags = {
        "phase": phase,
        "profile": profile,
        "model": model or "-",
        "task": task or "-",
        "family": family or "-",
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


NOTE = "mlflow.note.content"  # the description the MLflow UI shows (and edits) of an experiment or a run


def describe_experiment(experiment_id: str, profile: str) -> None:
    """Label an experiment that xstilts logs to for MLflow's UI: kind ``custom_model_development`` (else
    MLflow 3 opens it in its GenAI view, without the runs table) and, unless it has one (a description
    written in the UI stays), a description of the grid."""
    import mlflow

    client = mlflow.MlflowClient()
    tags = client.get_experiment(experiment_id).tags
    if tags.get("mlflow.experimentKind") != "custom_model_development":
        client.set_experiment_tag(experiment_id, "mlflow.experimentKind", "custom_model_development")
    if NOTE not in tags:
        client.set_experiment_tag(experiment_id, NOTE, (
            f"xstilts, profile `{profile}`: does English intermediate-task training (syntactic, semantic or none) "
            "change zero-shot cross-lingual accuracy on XNLI? Each grid cell (model, intermediate task, seed) has "
            "one run per phase: pretrained -> intermediate -> target (MNLI) -> evaluate.\n\n"
            "The XNLI accuracies (`xnli_<split>_acc_<lang>`, `xnli_<split>_acc_avg`) are on the **evaluate** runs: "
            "filter with `tags.xstilts.phase = 'evaluate'` and compare them (their params say what differs). "
            "Each run's description links its upstream runs; the Dataset column shows the data a run used."
        ))  # fmt: skip


def run_note(phase: str, profile: str, upstream: Mapping[str, str | None], model=None, task=None, seed=None,
             family=None) -> str:  # fmt: skip
    """A run's description (Markdown): the phase, its cell and profile, and links to its upstream runs."""
    what = [(k, v) for k, v in (("model", model), ("task", task), ("family", family), ("seed", seed)) if v is not None]
    lines = [f"**{phase}**: {PHASE_NOTES.get(phase, phase)}.", "",
             ", ".join(f"{k} `{v}`" for k, v in [*what, ("profile", profile)]) + "."]  # fmt: skip
    if upstream:
        lines += ["", "Upstream runs:"]
        lines += [f"- {name}: {_run_link(run_id) if run_id else 'no run (nothing trained)'}"
                  for name, run_id in upstream.items()]  # fmt: skip
    return "\n".join(lines)


def _run_link(run_id: str) -> str:
    """A link to the run in the MLflow UI (relative: it works wherever the UI is served)."""
    import mlflow

    try:
        experiment = mlflow.MlflowClient().get_run(run_id).info.experiment_id
    except mlflow.exceptions.MlflowException:
        return f"`{run_id}` (not in this tracking store)"
    return f"[`{run_id}`](#/experiments/{experiment}/runs/{run_id})"


@contextlib.contextmanager
def phase_run(
    cfg,
    phase: str,
    *,
    model: str | None = None,
    task: str | None = None,
    seed: int | None = None,
    family: str | None = None,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    resume: str | None = None,
    upstream: Mapping[str, str | None] | None = None,
) -> Iterator[Any]:
    """Start (or adopt) the MLflow run of one phase; yields the active ``mlflow.ActiveRun``.

    ``model``/``task``/``seed``/``family`` become the run's tags; ``name`` its name (default: the phase).
    The run's description (the UI's, tag ``mlflow.note.content``) says what it is and links the runs of
    ``upstream``, ``{phase: run id or None}`` nearest first; its experiment is labelled for the UI
    (:func:`describe_experiment`).

    ``resume``: the run of an interrupted earlier attempt whose checkpoint this phase continues from
    (xstilts.train.WorkDir): that run is continued, so one phase is one run however often it was killed.
    Under ``mlflow run``, which has already created this attempt's run, the old one is ended KILLED instead
    and named in the tag ``xstilts.resumed_from_run``.
    """
    import mlflow

    from xstilts import lifeline

    if not distributed.is_main():  # another rank of a data-parallel launch: rank 0 owns the phase's run
        lifeline.watch_launcher()
        yield OTHER_RANK_RUN
        return
    check_store()  # an unreachable server or refused credentials: one line, before the phase writes anything
    lifeline.watch_launcher()  # under DVC or `mlflow run`: end (KILLED) when the launching process dies
    launched_run = os.environ.get("MLFLOW_RUN_ID")  # set by `mlflow run` for the entry point's own run
    adopt = launched_run is not None and _entry_point(launched_run) == phase
    tags = phase_tags(phase, cfg.profile, model, task, seed, family)
    name = name or phase
    if resume and (adopt or not _resumable(resume)):
        end_orphan_run(resume)
        tags[TAG_PREFIX + "resumed_from_run"] = resume
        resume = None
    # MLflow's CPU/GPU charts for training runs on a GPU (torch is loaded by then: the phase trains with it)
    system_metrics = phase in TRAINING_PHASES and "torch" in sys.modules and sys.modules["torch"].cuda.is_available()
    if adopt:
        run = mlflow.start_run(run_id=launched_run, log_system_metrics=system_metrics)
        mlflow.set_tag("mlflow.runName", name)
    elif resume:
        with _without_env("MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID"):
            run = mlflow.start_run(run_id=resume, log_system_metrics=system_metrics)
        log.info("continuing MLflow run %s of the interrupted attempt", resume)
    else:
        with _store_lock():
            mlflow.set_experiment(experiment_name(cfg.profile))
        if launched_run:
            tags["mlflow.parentRunId"] = launched_run
        with _without_env("MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID"):  # or mlflow would adopt/redirect the run
            run = mlflow.start_run(run_name=name, log_system_metrics=system_metrics)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:  # from here on the run is ended whatever happens, its own set-up included
        describe_experiment(run.info.experiment_id, cfg.profile)
        tags[NOTE] = run_note(phase, cfg.profile, upstream or {}, model, task, seed, family)
        mlflow.set_tags(tags)
        if params:
            log_params(params)
        log_config(cfg)
        log.info("MLflow run %s (%s) in %s", run.info.run_id, name, tracking_uri())
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


@contextlib.contextmanager
def trial_run(number: int, params: Mapping[str, Any]) -> Iterator[Any]:
    """A child run of the active (tune) run for one Optuna trial, tagged with the trial's final state.

    COMPLETE and PRUNED trials end FINISHED (pruning is a normal outcome, recorded in ``optuna.state``);
    a failing trial ends FAILED, an interrupted one KILLED.
    """
    import mlflow
    import optuna

    parent = mlflow.active_run()
    parent_tags = mlflow.get_run(parent.info.run_id).data.tags  # the ActiveRun object's tags are stale
    tags = {k: v for k, v in parent_tags.items() if k.startswith(TAG_PREFIX) or k == "mlflow.source.git.commit"}
    tags |= {TAG_PREFIX + "trial": str(number), "mlflow.parentRunId": parent.info.run_id}
    lr = params.get("lr")
    name = f"trial {number}" + (f" lr={lr:.2e}" if isinstance(lr, float) else "")
    # under `mlflow run -e tune`, MLFLOW_RUN_ID names the parent, and start_run would resume it instead
    # of starting a child
    with _without_env("MLFLOW_RUN_ID"):
        run = mlflow.start_run(run_name=name, nested=True, tags=tags)
    log_params(params)
    try:
        yield run
    except optuna.TrialPruned:
        mlflow.set_tag("optuna.state", "PRUNED")
        mlflow.end_run("FINISHED")
        raise
    except KeyboardInterrupt:
        mlflow.set_tag("optuna.state", "FAIL")
        mlflow.end_run("KILLED")
        raise
    except BaseException:
        mlflow.set_tag("optuna.state", "FAIL")
        mlflow.end_run("FAILED")
        raise
    else:
        mlflow.set_tag("optuna.state", "COMPLETE")
        mlflow.end_run("FINISHED")


# What phase_run yields on the ranks of a data-parallel launch other than 0: no run (its id is rank 0's business).
OTHER_RANK_RUN = types.SimpleNamespace(info=types.SimpleNamespace(run_id=None, experiment_id=None, run_name=None))


def _main_only(log_fn: Callable) -> Callable:
    """``log_fn`` on rank 0 only: the other ranks of a data-parallel launch have no run to log to (MLflow would
    start one for them)."""
    import functools

    @functools.wraps(log_fn)
    def on_main(*args, **kwargs):
        return log_fn(*args, **kwargs) if distributed.is_main() else None

    return on_main


@_main_only
def log_params(params: Mapping[str, Any]) -> None:
    """Log params to the active run. A run started by `mlflow run` already holds the entry point's raw
    parameters (e.g. ``lr=''`` for "as in params.yaml"); MLflow refuses to change a param, so a resolved
    value that differs is logged as ``<name>_resolved``."""
    import mlflow

    run_id = mlflow.active_run().info.run_id
    logged = mlflow.get_run(run_id).data.params
    values = {k: _param_value(v) for k, v in params.items()}
    mlflow.log_params({(f"{k}_resolved" if k in logged and logged[k] != v else k): v for k, v in values.items()})


def param(run, name: str) -> str | None:
    """The value of param ``name`` that the phase used: ``<name>_resolved`` where :func:`log_params` had to
    log it under that name (a run started by `mlflow run` holds the entry point's raw value, e.g. ``''``)."""
    params = run.data.params
    return params.get(f"{name}_resolved", params.get(name))


@_main_only
def log_config(cfg) -> None:
    """Attach the resolved configuration (after profile blocks and overrides) as ``config.yaml``."""
    import mlflow

    with tempfile.TemporaryDirectory() as tmp:
        _store_artifact(lambda: mlflow.log_artifact(str(cfg.dump(Path(tmp) / "config.yaml"))))


@_main_only
def set_tags(tags: Mapping[str, Any]) -> None:
    """Extra ``xstilts.*`` tags of the active run (e.g. the checkpoint-selection rule)."""
    import mlflow

    mlflow.set_tags({TAG_PREFIX + k: str(v) for k, v in tags.items()})


@_main_only
def log_metrics(metrics: Mapping[str, float], step: int | None = None) -> None:
    import mlflow

    mlflow.log_metrics({k: float(v) for k, v in metrics.items()}, step=step)


@_main_only
def log_artifact(path: str | Path, artifact_path: str | None = None) -> None:
    import mlflow

    _store_artifact(lambda: mlflow.log_artifact(str(path), artifact_path))


def _store_artifact(upload) -> None:
    """Run ``upload`` (an artifact upload to the active run); a local artifact folder that cannot be written
    is a warning, not a failure: the experiment of a moved or copied project names the folder where it was
    created (MLflow records it absolute, and it cannot be changed), and the phase's outputs are in the
    workspace anyway (the report checks the predictions there against the digest the run recorded)."""
    import mlflow

    try:
        upload()
    except OSError as err:
        if err.errno not in (errno.ENOENT, errno.ENOTDIR, errno.EACCES, errno.EPERM, errno.EROFS):
            raise  # a full disk or an I/O error is a failure, not a moved project
        log.warning("MLflow run %s: artifact not stored (%s: %s); the experiment's artifact folder was recorded "
                    "where the project was first run", mlflow.active_run().info.run_id, type(err).__name__, err)


PREDICTIONS_SHA256 = "predictions_sha256"


def file_sha256(path: str | Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def predictions_digest(path: str | Path) -> dict[str, str]:
    """What the evaluate phase records of its ``predictions.parquet``, in ``evaluate.json`` and (prefixed
    ``xstilts.``) as its run's tag: the file's sha256, so that the report can trust the workspace's copy
    (a DVC output) where the run's artifact path is of another machine or folder."""
    return {PREDICTIONS_SHA256: file_sha256(path)}


DIGEST_CHARS = 36  # the most a tracking store keeps of a dataset's digest


@_main_only
def log_datasets(datasets) -> None:
    """The datasets of the active run (the UI's Dataset column), in one call: ``(name, path, sha256,
    context)`` each, context ``training``, ``validation`` or ``test``; only their name, path and digest
    are logged, not the data."""
    import warnings

    import mlflow
    from mlflow.data.dataset_source_registry import resolve_dataset_source
    from mlflow.data.meta_dataset import MetaDataset

    with warnings.catch_warnings():  # a local path matches two of MLflow's equivalent local sources: it says so
        warnings.simplefilter("ignore", UserWarning)
        found = [(MetaDataset(resolve_dataset_source(str(path)), name, sha256 and sha256[:DIGEST_CHARS]), context)
                 for name, path, sha256, context in datasets]  # fmt: skip
    mlflow.log_inputs([d for d, _ in found], [c for _, c in found], [None] * len(found))


@_main_only
def log_dict(data: Any, name: str) -> None:
    import mlflow

    _store_artifact(lambda: mlflow.log_text(json.dumps(data, indent=2, ensure_ascii=False), name))


@contextlib.contextmanager
def _store_lock() -> Iterator[None]:
    """Serialise creating a SQLite store and its experiment: two processes starting at once (parallel
    tuning workers, say) would otherwise both run MLflow's schema migrations or create the experiment."""
    import mlflow

    uri = mlflow.get_tracking_uri()
    if not uri.startswith("sqlite:///"):
        yield
        return
    from filelock import FileLock

    with FileLock(uri[len("sqlite:///") :] + ".lock", timeout=300):
        yield


@contextlib.contextmanager
def _without_env(*names: str) -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def end_orphan_run(run_id: str) -> None:
    """End ``run_id`` KILLED if it is still RUNNING: its process was killed without a chance to end it."""
    import mlflow

    client = mlflow.MlflowClient()
    try:
        status = client.get_run(run_id).info.status
    except mlflow.exceptions.MlflowException:
        return  # not in this tracking store (deleted, or another store): nothing to end
    if status == "RUNNING":
        client.set_terminated(run_id, "KILLED")
        log.warning("MLflow run %s of an interrupted attempt was still RUNNING: ended KILLED", run_id)


def _resumable(run_id: str) -> bool:
    """A run of this store that did not finish (RUNNING after kill -9, KILLED after SIGTERM, FAILED)."""
    import mlflow

    try:
        run = mlflow.MlflowClient().get_run(run_id)
    except mlflow.exceptions.MlflowException:
        return False
    return run.info.lifecycle_stage == "active" and run.info.status != "FINISHED"


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


# -- reading runs back (the report) ---------------------------------------------------------------------

SEARCH_BATCH = 100  # run ids per `attributes.run_id IN (...)` search: keeps each filter string and query small


def tracking_uri() -> str:
    """The tracking store's URI for messages and logs: a user name or password written into it is left out."""
    import mlflow

    return shown_uri(mlflow.get_tracking_uri())


def shown_uri(uri: str) -> str:
    """``uri`` without its user info (``http://alice:pw@host`` -> ``http://host``); credentials belong in
    MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (a server) or PGPASSWORD (a database)."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return uri
    location, slash, path = rest.partition("/")
    return f"{scheme}://{location.rpartition('@')[2]}{slash}{path}"


class TrackingStoreError(XstiltsError):
    """The tracking server cannot be reached or refuses this client."""


def check_store() -> None:
    """For a tracking server (``http(s)://``): one request, so that a server that is down, or refuses the
    credentials, is one line naming its URI (TrackingStoreError) before a command writes anything. Transient
    errors are retried as MLflow's client settings say: MLFLOW_HTTP_REQUEST_MAX_RETRIES (default 7),
    MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR (2: waits of 2, 4, 8, ... s), MLFLOW_HTTP_REQUEST_TIMEOUT (120 s)."""
    import mlflow

    uri = mlflow.get_tracking_uri()
    if not uri.startswith(("http://", "https://")):
        return
    try:
        mlflow.MlflowClient().search_experiments(max_results=1)
    except (mlflow.exceptions.MlflowException, OSError) as err:
        text = str(err).replace(uri, shown_uri(uri))
        status = getattr(err, "get_http_status_code", lambda: None)()
        if status == 401 or "error code 401" in text:
            reason = "refused the credentials (401): set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD"
        elif status == 403 or "error code 403" in text:
            reason = "denied this user access (403): ask the server's admin for a permission"
        elif "Max retries exceeded" in text or "ConnectionError" in text or "connect" in text.lower():
            retries = os.environ.get("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "7")
            reason = (f"cannot connect after {retries} retries ({_connect_reason(text)}); is the server running? "
                      "(MLFLOW_HTTP_REQUEST_MAX_RETRIES, _BACKOFF_FACTOR and _TIMEOUT set the retries)")  # fmt: skip
        else:
            reason = text.strip().splitlines()[0][:300] if text.strip() else type(err).__name__
        raise TrackingStoreError(f"MLflow tracking server {shown_uri(uri)}: {reason}") from None


def _connect_reason(text: str) -> str:
    import re

    found = re.search(r"\[Errno -?\d+\] ([^'\")]+)|(Read timed out|timed out|Name or service not known)", text)
    return (found[1] or found[2]).strip() if found else "no answer"


def get_runs(run_ids, batch_size: int = SEARCH_BATCH) -> dict[str, Any]:
    """The runs with these ids (info, tags, params, latest metrics), fetched in batches of searches.

    One search per ``batch_size`` ids over all experiments (a run adopted from ``mlflow run`` may live
    outside ``xstilts-<profile>``), deleted runs included so that the caller can say so. Ids the store does
    not know are absent from the result.
    """
    import re

    import mlflow
    from mlflow.entities import ViewType

    check_store()  # the report's first request: a server that is down is one line, before any output
    ids = sorted({i for i in run_ids if re.fullmatch(r"[0-9A-Za-z_-]+", str(i))})  # quoted into a filter
    if not ids:
        return {}
    client = mlflow.MlflowClient()
    experiments = _all_experiment_ids(client)
    found: dict[str, Any] = {}
    for start in range(0, len(ids), batch_size):
        quoted = ", ".join(f"'{run_id}'" for run_id in ids[start : start + batch_size])
        token = None
        while True:
            page = client.search_runs(
                experiments,
                f"attributes.run_id IN ({quoted})",
                run_view_type=ViewType.ALL,
                max_results=batch_size,
                page_token=token,
            )
            found.update((run.info.run_id, run) for run in page)
            token = page.token
            if not token:
                break
    return found


def metric_history(run_id: str, key: str) -> list[tuple[int, float]]:
    """All logged ``(step, value)`` of one metric of one run, in step order."""
    import mlflow

    history = mlflow.MlflowClient().get_metric_history(run_id, key)
    return sorted((m.step, m.value) for m in history)


HISTORY_BATCH = 100  # run ids per metric-history query of a SQL store


def metric_histories(run_ids, keys) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """``{run_id: {key: [(step, value), ...]}}`` of many runs and metrics, in step order and, within a step,
    in the order they were logged (a key a run never logged is absent from its dict).

    A SQL store answers one query per ``HISTORY_BATCH`` runs for all ``keys`` together (read from its metric
    table: the per-key ``get_metric_history_bulk`` of MLflow's SQL store builds an ORM object per value and
    took 8 s for 1,000 runs x 30 keys x 3 epochs, this 1 s); any other store (a tracking server) one
    history request per run and key, issued from a few threads.
    """
    import mlflow

    ids, keys = sorted(set(run_ids)), list(dict.fromkeys(keys))
    out: dict[str, dict[str, list[tuple[int, float]]]] = {run_id: {} for run_id in ids}
    client = mlflow.MlflowClient()
    store = getattr(getattr(client, "_tracking_client", None), "store", None)
    if ids and keys:
        rows = _sql_histories(store, ids, keys)
        if rows is None:
            rows = _histories_by_request(client, ids, keys)
        for run_id, key, step, _timestamp, value in sorted(rows, key=lambda row: row[:4]):
            out[run_id].setdefault(key, []).append((int(step), float(value)))
    return out


def _sql_histories(store, ids: list[str], keys: list[str]):
    """All ``(run_id, key, step, timestamp, value)`` of ``keys`` in runs ``ids`` from a SQL store; None for
    another store."""
    try:
        from mlflow.store.tracking.dbmodels.models import SqlMetric
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    except ImportError:
        return None
    if not isinstance(store, SqlAlchemyStore):
        return None
    rows = []
    for start in range(0, len(ids), HISTORY_BATCH):
        with store.ManagedSessionMaker() as session:
            query = session.query(
                SqlMetric.run_uuid, SqlMetric.key, SqlMetric.step, SqlMetric.timestamp, SqlMetric.value,
                SqlMetric.is_nan,
            ).filter(
                SqlMetric.run_uuid.in_(ids[start : start + HISTORY_BATCH]),
                # `key || ''`: no index on the key, so that the store looks the runs up by their id; on the
                # key (its primary key's first column) SQLite read every run's values of the keys per batch,
                # which grew with the square of the runs
                (SqlMetric.key + "").in_(keys),
            )
            # the store keeps a NaN as value 0 with is_nan set (as MLflow's own reader turns it back)
            rows.extend((*row[:4], float("nan") if row[5] else row[4]) for row in query.all())
    return rows


def _histories_by_request(client, ids: list[str], keys: list[str]) -> list[tuple[str, str, int, int, float]]:
    import concurrent.futures

    def one(run_id: str, key: str) -> list[tuple[str, str, int, int, float]]:
        return [(run_id, key, m.step, m.timestamp, m.value) for m in client.get_metric_history(run_id, key)]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return [row for rows in pool.map(lambda a: one(*a), [(r, k) for r in ids for k in keys]) for row in rows]


def artifact_file(run, path: str, download_dir: str | Path) -> Path:
    """A local path of artifact ``path`` of ``run``: the stored file itself when the artifact store is a
    local directory (no copy), else a download under ``download_dir``. Raises ``FileNotFoundError``."""
    import urllib.parse

    import mlflow

    uri = f"{run.info.artifact_uri.rstrip('/')}/{path}"
    local = urllib.parse.urlparse(uri).scheme in ("", "file")
    target = None
    if not local:
        target = Path(download_dir) / run.info.run_id
        target.mkdir(parents=True, exist_ok=True)
    try:
        found = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=target and str(target)))
    except (mlflow.exceptions.MlflowException, OSError) as err:
        raise FileNotFoundError(f"{uri}: {err}") from None
    if not found.is_file():
        raise FileNotFoundError(uri)
    return found


def _all_experiment_ids(client) -> list[str]:
    from mlflow.entities import ViewType

    ids, token = [], None
    while True:
        page = client.search_experiments(view_type=ViewType.ALL, max_results=1000, page_token=token)
        ids.extend(e.experiment_id for e in page)
        token = page.token
        if not token:
            return ids


# -- tuning workers that died -------------------------------------------------------------------------


def end_dead_tune_runs(parent_run_id: str) -> None:
    """End KILLED the tune run of a worker that died without ending it (kill -9, a lost host) and its trial
    runs still RUNNING (tagged ``optuna.state`` FAIL, as Optuna now records the trial). The child runs are
    searched rather than taken from the trial: a kill right after a child run started leaves no record of it."""
    import mlflow

    client = mlflow.MlflowClient()
    try:
        experiment = client.get_run(parent_run_id).info.experiment_id
    except mlflow.exceptions.MlflowException:
        return  # not in this tracking store
    running = f"tags.mlflow.parentRunId = '{parent_run_id}' AND attributes.status = 'RUNNING'"
    for child in client.search_runs([experiment], running):
        client.set_tag(child.info.run_id, "optuna.state", "FAIL")
        end_orphan_run(child.info.run_id)
    end_orphan_run(parent_run_id)


# -- runs outside a phase: constructed stores (the bench, the tests) and scratch runs -------------------


def experiment_id(profile: str, artifact_root: str | Path | None = None) -> str:
    """The id of ``xstilts-<profile>`` in the active tracking store, created if absent (with its artifacts
    under ``artifact_root`` when given, else where the store puts them by default), labelled for the UI
    (:func:`describe_experiment`)."""
    import mlflow

    client = mlflow.MlflowClient()
    name = experiment_name(profile)
    found = client.get_experiment_by_name(name)
    if found:
        experiment = found.experiment_id
    else:
        location = Path(artifact_root).resolve().as_uri() if artifact_root else None
        experiment = client.create_experiment(name, artifact_location=location)
    describe_experiment(experiment, profile)
    return experiment


def log_finished_run(
    experiment: str,
    tags: Mapping[str, str],
    metrics: Mapping[str, float] | None = None,
    history: Mapping[str, list[tuple[int, float]]] | None = None,
    params: Mapping[str, Any] | None = None,
    artifact: str | Path | None = None,
) -> str:
    """Log one FINISHED run to experiment id ``experiment`` without making it the active run: ``tags`` as
    given (full names), ``metrics`` at step 0, ``history`` as ``{key: [(step, value), ...]}``, ``params``,
    and one artifact file; metrics and params in one batch call. Returns the run id."""
    import mlflow
    from mlflow.entities import Metric, Param

    client = mlflow.MlflowClient()
    run_id = client.create_run(experiment, tags=dict(tags)).info.run_id
    batch = [Metric(k, float(v), 0, 0) for k, v in (metrics or {}).items()]
    batch += [Metric(k, float(v), 0, step) for k, points in (history or {}).items() for step, v in points]
    values = [Param(k, _param_value(v)) for k, v in (params or {}).items()]
    if batch or values:
        client.log_batch(run_id, metrics=batch, params=values)
    if artifact is not None:
        client.log_artifact(run_id, str(artifact))
    client.set_terminated(run_id, "FINISHED")
    return run_id


@contextlib.contextmanager
def scratch_run(experiment: str) -> Iterator[Any]:
    """An active run in experiment id ``experiment`` outside any phase, for code that logs to the active run
    (the bench times ``train.fit`` with its MLflow logging); ends FINISHED, or FAILED on an exception."""
    import mlflow

    with mlflow.start_run(experiment_id=experiment) as run:
        yield run
