"""Learning-rate search of an intermediate task with Optuna.

One ``xstilts tune`` invocation = one parent MLflow run (phase ``tune``) and one nested child run per
trial. Explicit nested runs rather than a callback: optuna-integration's ``MLflowCallback`` is deprecated
(removed in optuna-integration 6), and a callback only sees a trial after it ended, whereas the child run
must be active *while* the trial trains so that the trainer's loss per step and the dev metric per epoch
land in it, and so that a pruned or failed trial is recorded as such.

The search: the learning rate, log-uniform in the task's ``tasks.<task>.lr_range``; everything else as in
``params.yaml``; the objective is the task's dev metric after the last epoch (LAS for ``ud-parse``,
Spearman for ``sts-b``, accuracy for ``ud-pos``). Sampler: TPE, each trial seeded from ``--seed`` and its
trial number (parallel workers and continuations explore; a fresh study repeats); pruner: median pruner fed
the dev metric after every epoch.

Storage: by default Optuna's journal file ``.optuna/journal.log`` (append-only with file locks, safe for
several processes on one machine; one SQLite file shared by parallel workers is not). For many machines
pass any SQLAlchemy URL, e.g. ``--storage postgresql://user:password@host/db``. Running the same command
again with the same study name continues that study: N more trials are added to the earlier ones.

A worker that dies without ending its trial (kill -9, the OOM killer, a lost host) leaves it RUNNING. The
next ``xstilts tune`` of the study ends such a trial FAIL, its MLflow runs KILLED and removes its work
directory, before it runs new trials. Dead means: a recorded pid of this host (this boot and pid namespace)
that no longer runs (any storage), or, on a database storage, no heartbeat for ``GRACE_PERIOD`` seconds
(Optuna's heartbeats; the journal storage has none, so a worker of another host is never judged there).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import unquote, unquote_plus

from xstilts import distributed, grid, tasks, tracking
from xstilts.errors import ConfigError, XstiltsError
from xstilts.io import write_json

log = logging.getLogger(__name__)

JOURNAL = Path(".optuna") / "journal.log"
# Database storages: a running trial's heartbeat every HEARTBEAT_INTERVAL s, from a thread (a long epoch does
# not delay it); after GRACE_PERIOD s without one, the next worker declares the trial dead. Failing a live
# trial would lose it, so the grace period is generous: ten missed heartbeats.
HEARTBEAT_INTERVAL = 60
GRACE_PERIOD = 600
# The trials of the search for `dvc plots` (next to tuned_lr.json; the tune stage's plot in dvc.yaml)
HISTORY = "tuning_history.csv"
# How plots name a task's dev metric (the report's names; tune sits below the report and cannot import it)
METRIC_NAMES = {"las": "LAS", "uas": "UAS", "spearman": "Spearman", "pearson": "Pearson", "acc": "accuracy"}
# Query parameters that carry a secret: password, passwd, sslpassword, pwd, ... in any case
SECRET_KEY = re.compile(r"pass|pwd|secret|token", re.IGNORECASE)


def mask_url(url: str | None) -> str:
    """A storage URL safe to log and to store: every password is replaced by ``***``.

    Covered: the password of the user info, query parameters that name one (``?password=``, ``sslpassword``,
    ``pwd``, ...), a password with an unescaped ``@`` or ``/``; a text that is not a URL (``postgresql:/...``)
    or is ambiguous (two ``@``) shows its scheme only. A last check hides everything but the scheme if any
    reading of the password (:func:`_secrets`) is still in the result.
    """
    if not url:
        return f"journal:{JOURNAL}"
    if url.startswith("journal:"):
        return url
    from sqlalchemy.engine import make_url

    scheme = re.match(r"[A-Za-z][\w+.-]*(?=:)", url)
    if not scheme or "://" not in url:
        return f"{scheme[0]}:***" if scheme else "***"
    fallback = f"{scheme[0]}://***"
    rest = url.split("://", 1)[1]
    if rest.count("@") > 1:  # which "@" ends the user info? SQLAlchemy and the user may disagree
        return fallback
    # the password never reaches the parser: it cannot end up in the host or database of a misreading
    userinfo, at, location = rest.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    try:
        parsed = make_url(f"{scheme[0]}://{user}{colon and ':x'}{at}{location}")
        query = {key: "***" if SECRET_KEY.search(key) else value for key, value in parsed.query.items()}
        masked = parsed.set(query=query).render_as_string(hide_password=True).replace("%2A%2A%2A", "***")
    except Exception:  # not a URL SQLAlchemy understands
        return fallback
    return fallback if any(secret in masked for secret in _secrets(url)) else masked


def _secrets(url: str | None) -> set[str]:
    """Every reading of the passwords in ``url``, as written and percent-decoded: the user info's password
    (up to the last ``@``, so that an unescaped ``@`` stays in it; SQLAlchemy's reading too) and the values of
    query parameters whose name says password. Empty for the journal and for URLs without a password."""
    if not url or url.startswith("journal:"):
        return set()
    rest = url.partition(":")[2].lstrip("/")  # also for malformed URLs such as postgresql:/user:pw@host
    userinfo = rest.rpartition("@")[0]
    found = {userinfo.partition(":")[2], "" if "://" in url else userinfo}  # not a URL: is "x:" a scheme?
    try:
        from sqlalchemy.engine import make_url

        found.add(make_url(url).password or "")
    except Exception:
        pass
    for pair in re.split("[&;]", rest.partition("?")[2]):
        key, _, value = pair.partition("=")
        if SECRET_KEY.search(unquote_plus(key)):
            found.add(value)
    return {form for secret in found if secret for form in (secret, unquote(secret), unquote_plus(secret))}


def _scrub(text: str, url: str) -> str:
    """``text`` (an error message of SQLAlchemy or the database driver) without the URL or its passwords."""
    text = text.replace(url, mask_url(url))
    for secret in sorted(_secrets(url), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def open_storage(url: str | None):
    """Optuna storage for ``url``: None -> the journal file; ``journal:PATH`` -> that journal; else SQLAlchemy
    (with heartbeats, so that the trial of a dead worker is found and cleaned up: :func:`_end_dead_trial`)."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    if not url or url.startswith("journal:"):
        path = Path(url.split(":", 1)[1]) if url else JOURNAL
        path.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(path)))
    if url.partition("://")[2].count("@") > 1:
        raise ConfigError(f"--storage {mask_url(url)}: more than one '@'; write an '@' in the user name, password "
                          "or a parameter as %40")  # fmt: skip
    if url.startswith("sqlite"):
        log.warning("a SQLite study storage is not safe for parallel workers; use the journal file or PostgreSQL")
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    for attempt in range(8):
        try:
            with warnings.catch_warnings():  # heartbeats are "experimental" since Optuna 2.9
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url, engine_kwargs={"pool_pre_ping": True}, heartbeat_interval=HEARTBEAT_INTERVAL,
                    grace_period=GRACE_PERIOD, heartbeat_stale_trial_callback=_end_dead_trial,
                )  # fmt: skip
        except Exception as err:
            # Two workers creating the schema at once: PostgreSQL reports the loser's CREATE as a unique
            # violation or as "type/relation ... already exists". The winner's tables are there: try again.
            concurrent = isinstance(err, IntegrityError) or (
                isinstance(err, ProgrammingError) and "already exists" in str(err)
            )
            if not concurrent:  # bad scheme, missing driver, unreachable server, no permission: one line, masked
                reason = _scrub(str(err).strip(), url).splitlines()[0] if str(err).strip() else type(err).__name__
                raise ConfigError(f"--storage {mask_url(url)}: cannot open the study storage ({reason})") from None
            time.sleep(0.5 * (attempt + 1))
    raise ConfigError(f"--storage {mask_url(url)}: could not create the study tables (concurrent creation)")


def warn_if_password_logged(storage: str | None) -> bool:
    """Under `mlflow run -P storage=...`, MLflow logs the raw URL as a run parameter before xstilts starts:
    say so when that URL carries a password (it cannot be masked afterwards; MLflow params are immutable)."""
    if not _secrets(storage) or not os.environ.get("MLFLOW_RUN_ID"):
        return False
    log.warning("the --storage URL carries a password, and `mlflow run` logged it in clear as a run parameter; "
                "leave it out of the URL and set PGPASSWORD or ~/.pgpass instead")
    return True


def default_study_name(cfg, model: str, task: str) -> str:
    """Same search (profile, model, task, range, recipe, subsample) -> same name -> the study continues."""
    spec = cfg.task(task)
    search = json.dumps(
        [cfg.profile, model, task, list(spec.lr_range), str(spec.train), cfg.tune.train_subsample], sort_keys=True
    )
    return f"xstilts-{cfg.profile}-{model}-{task}-{hashlib.sha1(search.encode()).hexdigest()[:8]}"


def run(cfg, model: str, task_name: str, train_trial, n_trials: int | None = None, storage: str | None = None,
        study_name: str | None = None, seed: int = 0) -> dict:  # fmt: skip
    """Run ``n_trials`` more trials of the study; write ``results/<model>/<task>/tuned_lr.json``.

    ``train_trial(lr=, work=, report=)`` trains one trial with learning rate ``lr``, its checkpoints in
    ``work``, calling ``report(epoch, dev_metrics)`` after every epoch, and returns the final dev metrics
    (xstilts.phases.intermediate_trial). It is passed in so that the search knows nothing of training.
    """
    distributed.single_process("xstilts tune")  # parallel workers are separate `xstilts tune` processes
    task = tasks.get(task_name)
    out = grid.tuned_lr_path(model, task_name)
    label = metric_label(task.dev_metric)
    if task.head is None:
        summary = {"lr": None, "reason": f"task {task_name} does not train"}
        write_history([], out.with_name(HISTORY), label)  # a declared output: present, with no trials
        write_json(out, summary)
        return summary
    if not cfg.tune.use_tuned_lr and n_trials is None:
        summary = {
            "lr": None, "reason": "tune.use_tuned_lr is false: the intermediate phase uses tasks.<task>.train.lr"
        }
        write_history([], out.with_name(HISTORY), label)
        write_json(out, summary)
        return summary

    import optuna

    warn_if_password_logged(storage)
    n_trials = cfg.tune.n_trials if n_trials is None else n_trials
    study_name = study_name or default_study_name(cfg, model, task_name)
    low, high = cfg.task(task_name).lr_range
    study = optuna.create_study(
        study_name=study_name,
        storage=open_storage(storage),
        direction="maximize",
        sampler=_sampler(seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1),
        load_if_exists=True,
    )
    _fail_dead_trials(study)
    params = {
        "storage": mask_url(storage), "study_name": study_name, "n_trials": n_trials, "lr_low": low,
        "lr_high": high, "metric": f"dev_{task.dev_metric}", "train_subsample": cfg.tune.train_subsample,
        "sampler": "TPE", "pruner": "median", "sampler_seed": seed,
    }  # fmt: skip
    with tracking.phase_run(cfg, "tune", model=model, task=task_name, seed=seed, family=task.family,
                            name=f"tune {model} {task_name}", params=params) as parent:  # fmt: skip
        study.optimize(
            lambda trial: _objective(trial, model, task_name, low, high, parent.info.run_id, train_trial),
            n_trials=n_trials,
            catch=(),  # a failing trial is a bug to see, not a value to skip
        )
        counts = trial_counts(study)
        if not counts["n_trials_complete"]:
            raise XstiltsError(f"study {study_name}: no trial completed ({counts['n_trials_pruned']} pruned, "
                               f"{counts['n_trials_failed']} failed); run more trials")  # fmt: skip
        best = study.best_trial
        summary = {
            "lr": best.params["lr"], "value": best.value, "metric": f"dev_{task.dev_metric}",
            "study_name": study_name, "storage": mask_url(storage), **counts, "best_trial": best.number,
            "run_id": parent.info.run_id,
        }  # fmt: skip
        tracking.log_params({"best_lr": best.params["lr"]})
        tracking.log_metrics({"best_lr": best.params["lr"], "best_value": best.value, **counts})
        _log_plots(study, label)
    write_history(study.get_trials(deepcopy=False), out.with_name(HISTORY), label)
    write_json(out, summary)
    log.info("study %s: best lr %.3g (%s %.4f) after %d trials", study_name, summary["lr"], summary["metric"],
             summary["value"], summary["n_trials_total"])  # fmt: skip
    return summary


def trial_counts(study) -> dict[str, int]:
    """``n_trials_total``: every trial of the study, over all invocations and workers (trials still running
    in a parallel worker included); ``n_trials_complete``/``_pruned``/``_failed``: those that ended so."""
    from optuna.trial import TrialState

    states = [t.state for t in study.get_trials(deepcopy=False)]
    counts = {"complete": TrialState.COMPLETE, "pruned": TrialState.PRUNED, "failed": TrialState.FAIL}
    return {"n_trials_total": len(states)} | {f"n_trials_{name}": states.count(state) for name, state in counts.items()}


def tuned_lr(cfg, model: str, task: str) -> float | None:
    """The learning rate the intermediate phase should use: the tuned one when enabled and present."""
    path = grid.tuned_lr_path(model, task)
    if not cfg.tune.use_tuned_lr or not path.exists():
        return None
    return json.loads(path.read_text()).get("lr")


def _objective(trial, model: str, task_name: str, low: float, high: float, parent_run_id: str, train_trial) -> float:
    import optuna

    # first of all, so that whoever finds this trial RUNNING after a kill -9 can tell and clean up
    trial.set_user_attr("worker", _this_worker())
    trial.set_user_attr("mlflow_parent_run_id", parent_run_id)
    work = grid.trial_work_dir(model, task_name, trial.number, os.getpid())
    trial.set_user_attr("work_dir", str(work.resolve()))
    lr = trial.suggest_float("lr", low, high, log=True)
    with tracking.trial_run(trial.number, {"lr": lr}) as child:
        trial.set_user_attr("mlflow_run_id", child.info.run_id)

        def report(epoch: int, metrics: dict) -> None:
            trial.report(metrics[tasks.get(task_name).dev_metric], epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned after epoch {epoch}")

        metrics = train_trial(lr=lr, work=work, report=report)
        return metrics[tasks.get(task_name).dev_metric]


def _sampler(seed: int):
    """TPE whose randomness comes from (``seed``, trial number) rather than from one stream per process.

    One seeded stream per process made parallel workers draw the same learning rates, and every
    continuation of a study repeat the first ones. Trial numbers are unique across workers and grow across
    continuations, so each trial gets its own draw, while the same command on a fresh study still gives the
    same rates. After its startup trials TPE samples from its model of the finished trials, as usual.
    """
    import numpy as np
    from optuna.samplers import TPESampler

    class TrialSeededTPE(TPESampler):
        def before_trial(self, study, trial) -> None:
            trial_seed = int(np.random.SeedSequence([seed, trial.number]).generate_state(1)[0])
            self._rng.rng.seed(trial_seed)  # TPE's own draws (candidates from its Parzen estimators)
            self._random_sampler._rng.rng.seed(trial_seed)  # the startup trials' uniform draws
            super().before_trial(study, trial)

    return TrialSeededTPE(seed=seed)


# -- trials of dead workers -----------------------------------------------------------------------------


def _this_worker() -> dict:
    """Who runs a trial: the pid, and where that pid names this one process (:func:`_pid_space`)."""
    return {"host": socket.gethostname(), "pid_space": _pid_space(), "pid": os.getpid()}


def _pid_space() -> str:
    """This boot of this host's kernel and this pid namespace (a container may have its own)."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip() + " " + os.readlink("/proc/self/ns/pid")
    except OSError:  # not Linux: the host name alone
        return "?"


def _worker_alive(worker: dict | None) -> bool | None:
    """Whether the process that recorded ``worker`` still runs; None when that cannot be known from here
    (another host, or a trial that died before recording its worker)."""
    here = _this_worker()
    if not worker or (worker.get("host"), worker.get("pid_space")) != (here["host"], here["pid_space"]):
        return None
    try:
        os.kill(worker["pid"], 0)  # signal 0: only asks whether the pid exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, and belongs to someone else
        return True
    return True


def _fail_dead_trials(study) -> None:
    """Trials left RUNNING by a dead worker of this host end FAIL and are cleaned up (:func:`_end_dead_trial`).

    Workers of other hosts: on a database storage, Optuna fails trials without a heartbeat for
    ``GRACE_PERIOD`` seconds before every new trial (``fail_stale_trials`` in ``study.optimize``), and calls
    :func:`_end_dead_trial` for each."""
    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.trial import TrialState

    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if _worker_alive(trial.user_attrs.get("worker")) is False:
            try:
                study.tell(trial.number, state=TrialState.FAIL)
            except UpdateFinishedTrialError:  # another worker starting at the same time got there first
                continue
            _end_dead_trial(study, trial)


def _end_dead_trial(study, trial) -> None:
    """The rest of a trial whose worker died (Optuna has failed it): its worker's MLflow runs end KILLED, its
    work directory goes (if on this host). Also Optuna's callback for trials whose heartbeat stopped."""
    worker = trial.user_attrs.get("worker") or {}
    alive = _worker_alive(worker)
    if alive:  # heartbeat-stale yet running here (a stalled database connection): leave its runs and files
        log.warning("study %s: trial %d was failed for lack of heartbeats, but its worker (pid %s) still runs",
                    study.study_name, trial.number, worker.get("pid"))  # fmt: skip
        return
    if trial.user_attrs.get("mlflow_parent_run_id"):
        tracking.end_dead_tune_runs(trial.user_attrs["mlflow_parent_run_id"])
    if alive is False and trial.user_attrs.get("work_dir"):
        shutil.rmtree(trial.user_attrs["work_dir"], ignore_errors=True)
    log.warning("study %s: trial %d was left RUNNING by a worker that died (pid %s on %s): now FAIL, its MLflow "
                "runs KILLED", study.study_name, trial.number, worker.get("pid"), worker.get("host", "?"))  # fmt: skip


def metric_label(metric: str | None) -> str:
    """``dev LAS`` for ``las``: the axis label of a search's objective (Optuna says "Objective Value")."""
    return f"dev {METRIC_NAMES.get(metric, metric)}" if metric else "dev metric"


def write_history(trials, path: Path, label: str) -> Path:
    """The completed ``trials`` in trial order, for ``dvc plots``: per trial its learning rate and dev metric
    (series ``trial``) and the best value so far with its rate (series ``best so far``). The metric's name
    ``label`` is the last column: dvc takes it as the y field and the axis label. Pruned and failed trials
    have no final value and are left out."""
    import csv

    from optuna.trial import TrialState

    rows, best = [], None
    for t in sorted((t for t in trials if t.state == TrialState.COMPLETE), key=lambda t: t.number):
        if best is None or t.value > best.value:
            best = t
        rows += [[t.number, t.params["lr"], "trial", t.value], [t.number, best.params["lr"], "best so far", best.value]]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerows([["trial", "lr", "series", label], *rows])
    os.replace(tmp, path)
    return path


def figures(study, label: str) -> list:
    """``[(name, figure)]``: Optuna's optimisation history and learning rate vs dev metric, the objective
    named ``label`` (not "Objective Value"), the history's legend outside the axes (it hid trials)."""
    import matplotlib

    matplotlib.use("Agg")
    from optuna.visualization import matplotlib as optuna_plots

    out = []
    for name, plot in (("optimization_history", optuna_plots.plot_optimization_history),
                       ("lr_vs_metric", lambda s: optuna_plots.plot_slice(s, params=["lr"]))):  # fmt: skip
        axes = plot(study)
        ax = axes[0] if hasattr(axes, "__len__") else axes
        ax.set_ylabel(label)
        handles, names = ax.get_legend_handles_labels()
        if handles:
            names = [n.replace("Objective Value", label) for n in names]
            ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
        figure = ax.get_figure()
        figure.set_size_inches(7, 4.5)
        out.append((name, figure))
    return out


def _log_plots(study, label: str) -> None:
    """:func:`figures` as PNG artifacts of the parent run."""
    import matplotlib.pyplot as plt

    with tempfile.TemporaryDirectory() as tmp:
        for name, figure in figures(study, label):
            path = Path(tmp) / f"{name}.png"
            figure.savefig(path, dpi=120, bbox_inches="tight")  # "tight": the legend outside stays in
            plt.close(figure)
            tracking.log_artifact(path, "figures")
