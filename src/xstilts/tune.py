"""Learning-rate search of an intermediate task with Optuna (issue #4).

One ``xstilts tune`` invocation = one parent MLflow run (phase ``tune``) and one nested child run per
trial. Explicit nested runs rather than a callback: optuna-integration's ``MLflowCallback`` is deprecated
(removed in optuna-integration 6), and a callback only sees a trial after it ended, whereas the child run
must be active *while* the trial trains so that the trainer's loss per step and the dev metric per epoch
land in it, and so that a pruned or failed trial is recorded as such.

The search: the learning rate, log-uniform in the task's ``tasks.<task>.lr_range``; everything else as in
``params.yaml``; the objective is the task's dev metric after the last epoch (LAS for ``ud-parse``,
Spearman for ``sts-b``, accuracy for ``ud-pos``). Sampler: TPE seeded with ``--seed``; pruner: median
pruner fed the dev metric after every epoch.

Storage: by default Optuna's journal file ``.optuna/journal.log`` (append-only with file locks, safe for
several processes on one machine; one SQLite file shared by parallel workers is not). For many machines
pass any SQLAlchemy URL, e.g. ``--storage postgresql://user:password@host/db``. Running the same command
again with the same study name continues that study: N more trials are added to the earlier ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from xstilts import paths, tasks, tracking
from xstilts.errors import ConfigError, XstiltsError
from xstilts.io import write_json

log = logging.getLogger(__name__)

JOURNAL = Path(".optuna") / "journal.log"
TUNED_LR = "tuned_lr.json"


def tuned_lr_path(model: str, task: str) -> Path:
    return paths.RESULTS / model / task / TUNED_LR


def mask_url(url: str | None) -> str:
    """A storage URL safe to log: the password is replaced by ``***``."""
    if not url:
        return f"journal:{JOURNAL}"
    if "://" not in url:
        return url
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy understands: drop anything between :// and @
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}" if "@" in rest else url


def open_storage(url: str | None):
    """Optuna storage for ``url``: None -> the journal file; ``journal:PATH`` -> that journal; else SQLAlchemy."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    if not url or url.startswith("journal:"):
        path = Path(url.split(":", 1)[1]) if url else JOURNAL
        path.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(path)))
    if url.startswith("sqlite"):
        log.warning("a SQLite study storage is not safe for parallel workers; use the journal file or PostgreSQL")
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    for attempt in range(8):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs={"pool_pre_ping": True})
        except Exception as err:
            # Two workers creating the schema at once: PostgreSQL reports the loser's CREATE as a unique
            # violation or as "type/relation ... already exists". The winner's tables are there: try again.
            concurrent = isinstance(err, IntegrityError) or (isinstance(err, ProgrammingError) and "already exists" in str(err))
            if not concurrent:  # bad scheme, missing driver, unreachable server, no permission: one line, masked
                reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
                raise ConfigError(f"--storage {mask_url(url)}: cannot open the study storage ({reason})") from None
            time.sleep(0.5 * (attempt + 1))
    raise ConfigError(f"--storage {mask_url(url)}: could not create the study tables (concurrent creation)")


def warn_if_password_logged(storage: str | None) -> bool:
    """Under `mlflow run -P storage=...`, MLflow logs the raw URL as a run parameter before xstilts starts:
    say so when that URL carries a password (it cannot be masked afterwards; MLflow params are immutable)."""
    if not storage or mask_url(storage) == storage or not os.environ.get("MLFLOW_RUN_ID"):
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


def run(cfg, model: str, task_name: str, n_trials: int | None = None, storage: str | None = None,
        study_name: str | None = None, seed: int = 0) -> dict:  # fmt: skip
    """Run ``n_trials`` more trials of the study; write ``results/<model>/<task>/tuned_lr.json``."""
    task = tasks.get(task_name)
    out = tuned_lr_path(model, task_name)
    if task.head is None:
        summary = {"lr": None, "reason": f"task {task_name} does not train"}
        write_json(out, summary)
        return summary
    if not cfg.tune.use_tuned_lr and n_trials is None:
        summary = {"lr": None, "reason": "tune.use_tuned_lr is false: the intermediate phase uses tasks.<task>.train.lr"}
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
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1),
        load_if_exists=True,
    )
    params = {
        "storage": mask_url(storage), "study_name": study_name, "n_trials": n_trials, "lr_low": low,
        "lr_high": high, "metric": f"dev_{task.dev_metric}", "train_subsample": cfg.tune.train_subsample,
        "sampler": "TPE", "pruner": "median", "sampler_seed": seed,
    }  # fmt: skip
    with tracking.phase_run(cfg, "tune", model=model, task=task_name, seed=seed, params=params) as parent:
        study.optimize(
            lambda trial: _objective(trial, cfg, model, task_name, seed, low, high),
            n_trials=n_trials,
            catch=(),  # a failing trial is a bug to see, not a value to skip
        )
        finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        if not finished:
            raise XstiltsError(f"study {study_name}: no trial completed (all were pruned); run more trials")
        best = study.best_trial
        summary = {
            "lr": best.params["lr"], "value": best.value, "metric": f"dev_{task.dev_metric}",
            "study_name": study_name, "storage": mask_url(storage), "n_trials_total": len(study.trials),
            "best_trial": best.number, "run_id": parent.info.run_id,
        }  # fmt: skip
        tracking.log_params({"best_lr": best.params["lr"]})
        tracking.log_metrics({"best_lr": best.params["lr"], "best_value": best.value, "n_trials_total": len(study.trials)})
        _log_plots(study)
    write_json(out, summary)
    log.info("study %s: best lr %.3g (%s %.4f) after %d trials", study_name, summary["lr"], summary["metric"],
             summary["value"], summary["n_trials_total"])  # fmt: skip
    return summary


def tuned_lr(cfg, model: str, task: str) -> float | None:
    """The learning rate the intermediate phase should use: the tuned one when enabled and present."""
    path = tuned_lr_path(model, task)
    if not cfg.tune.use_tuned_lr or not path.exists():
        return None
    return json.loads(path.read_text()).get("lr")


def _objective(trial, cfg, model: str, task_name: str, seed: int, low: float, high: float) -> float:
    import optuna

    from xstilts import phases

    lr = trial.suggest_float("lr", low, high, log=True)
    with tracking.trial_run(trial.number, {"lr": lr}) as child:
        trial.set_user_attr("mlflow_run_id", child.info.run_id)

        def report(epoch: int, metrics: dict) -> None:
            trial.report(metrics[tasks.get(task_name).dev_metric], epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned after epoch {epoch}")

        metrics = phases.intermediate_trial(cfg, model, task_name, seed, lr, trial.number, report)
        return metrics[tasks.get(task_name).dev_metric]


def _log_plots(study) -> None:
    """Optimisation history and learning rate vs dev metric, as PNG artifacts of the parent run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from optuna.visualization import matplotlib as optuna_plots

    with tempfile.TemporaryDirectory() as tmp:
        for name, plot in (("optimization_history", optuna_plots.plot_optimization_history),
                           ("lr_vs_metric", lambda s: optuna_plots.plot_slice(s, params=["lr"]))):  # fmt: skip
            axes = plot(study)
            figure = (axes[0] if hasattr(axes, "__len__") else axes).get_figure()
            figure.set_size_inches(7, 4.5)
            figure.tight_layout()
            path = Path(tmp) / f"{name}.png"
            figure.savefig(path, dpi=120)
            plt.close(figure)
            tracking.log_artifact(path, "figures")
