"""Learning-rate search: nested MLflow runs, continued studies, parallel workers, pruning, storages."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import mlflow
import optuna
import pytest

from tests.helpers import FAST
from xstilts import tune as tune_module
from xstilts.cli import main
from xstilts.tune import mask_url

TUNE = FAST + ["tune.train_subsample=20", "tasks.sts-b.train.epochs=2"]


def tune(*args, overrides=TUNE):
    return main(["tune", *args, *[a for item in overrides for a in ("-S", item)]])


def _runs():
    return mlflow.search_runs(experiment_names=["xstilts-smoke"], output_format="list")


def test_three_trials_then_two_more_continue_the_study(cell):
    assert tune("--task", "sts-b", "--model", "mbert", "--n-trials", "3") == 0
    result = json.loads((cell / "results" / "mbert" / "sts-b" / "tuned_lr.json").read_text())
    assert result["n_trials_total"] == 3 and result["metric"] == "dev_spearman"
    parents = [r for r in _runs() if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in _runs() if r.data.tags.get("mlflow.parentRunId") == parents[0].info.run_id]
    assert len(parents) == 1 and len(children) == 3
    parent = parents[0]
    assert parent.info.status == "FINISHED" and parent.data.tags["xstilts.phase"] == "tune"
    assert float(parent.data.params["best_lr"]) == pytest.approx(result["lr"])
    assert parent.data.metrics["n_trials_total"] == 3
    assert parent.data.params["storage"] == "journal:.optuna/journal.log"
    from xstilts import config

    low, high = config.load("params.yaml").tasks["sts-b"].lr_range
    for child in children:
        assert low <= float(child.data.params["lr"]) <= high
        assert child.data.tags["xstilts.task"] == "sts-b" and child.data.tags["xstilts.trial"].isdigit()
        assert child.data.tags["optuna.state"] in ("COMPLETE", "PRUNED")
        assert "epoch_dev_spearman" in child.data.metrics
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(parent.info.run_id, "figures")}
    assert artifacts == {"figures/optimization_history.png", "figures/lr_vs_metric.png"}

    assert tune("--task", "sts-b", "--model", "mbert", "--n-trials", "2") == 0
    result = json.loads((cell / "results" / "mbert" / "sts-b" / "tuned_lr.json").read_text())
    assert result["n_trials_total"] == 5 and result["n_trials_failed"] == 0
    assert result["n_trials_complete"] + result["n_trials_pruned"] == 5
    newest = max((r for r in _runs() if "mlflow.parentRunId" not in r.data.tags), key=lambda r: r.info.start_time)
    assert newest.data.metrics["n_trials_total"] == 5
    lrs = [t.params["lr"] for t in _study(result["study_name"]).trials]
    assert lrs[3] != lrs[0] and len(set(lrs)) == 5  # the continuation explores: no replay of the first draws


def test_the_same_command_on_a_fresh_study_draws_the_same_rates(cell):
    for name in ("fresh-a", "fresh-b"):
        assert tune("--task", "sts-b", "--model", "mbert", "--n-trials", "2", "--study-name", name) == 0
    assert [t.params["lr"] for t in _study("fresh-a").trials] == [t.params["lr"] for t in _study("fresh-b").trials]


def _study(name, storage=None):
    from xstilts.tune import open_storage

    return optuna.load_study(study_name=name, storage=open_storage(storage))


def test_a_pruned_trial_is_recorded_as_pruned(cell, monkeypatch):
    # a pruner that prunes every trial after its first report: the trial and its run say so
    monkeypatch.setattr(optuna.pruners, "MedianPruner", lambda **kwargs: optuna.pruners.ThresholdPruner(upper=-2.0))
    code = tune("--task", "sts-b", "--model", "mbert", "--n-trials", "1", "--study-name", "always-pruned")
    assert code == 1  # no trial completed: the study has no best trial, which is an error
    (child,) = [r for r in _runs() if "mlflow.parentRunId" in r.data.tags]
    assert child.data.tags["optuna.state"] == "PRUNED"
    from xstilts.tune import open_storage

    study = optuna.load_study(study_name="always-pruned", storage=open_storage(None))
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.PRUNED]


def test_two_parallel_workers_share_one_study(cell):
    env = {**os.environ}
    args = [sys.executable, "-m", "xstilts", "tune", "--task", "sts-b", "--model", "mbert", "--n-trials", "2",
            "--study-name", "parallel", *[a for item in TUNE for a in ("-S", item)]]  # fmt: skip
    workers = [
        subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err[-3000:]
    from xstilts.tune import open_storage

    study = optuna.load_study(study_name="parallel", storage=open_storage(None))
    numbers = sorted(t.number for t in study.trials)
    assert numbers == [0, 1, 2, 3]  # no lost and no duplicated trials
    assert len({t.params["lr"] for t in study.trials}) == 4  # each worker explores: no rate drawn twice
    children = [r for r in _runs() if "mlflow.parentRunId" in r.data.tags]
    assert len(children) == 4 and all(r.info.status == "FINISHED" for r in _runs())


def _worker(*args, log):
    """A `xstilts tune` worker process with one trial long enough to be killed in its middle."""
    overrides = [*TUNE, "tasks.sts-b.train.epochs=1000"]
    return subprocess.Popen(
        [sys.executable, "-m", "xstilts", "tune", "--task", "sts-b", "--model", "mbert", "--n-trials", "1",
         *args, *[a for item in overrides for a in ("-S", item)]],
        stdout=log, stderr=log,
    )  # fmt: skip


def _kill_in_its_trial(worker, cell, timeout=300):
    """kill -9 ``worker`` once its trial trains (its work directory exists); returns that directory."""
    deadline = time.time() + timeout
    while not (work := list((cell / "work" / "tune" / "mbert" / "sts-b").glob(f"trial*-{worker.pid}"))):
        assert worker.poll() is None, (cell / "worker.log").read_text()[-3000:]
        assert time.time() < deadline, "the worker's trial never started"
        time.sleep(0.5)
    worker.kill()
    worker.wait()  # reaped: its pid no longer exists
    return work[0]


def test_a_killed_worker_leaves_no_trial_or_run_running(cell):
    with open(cell / "worker.log", "w") as log:
        work = _kill_in_its_trial(_worker("--study-name", "orphan", log=log), cell)
    (child,) = [r for r in _runs() if "mlflow.parentRunId" in r.data.tags]
    assert child.info.status == "RUNNING" and work.is_dir()  # what kill -9 leaves behind
    live = _study("orphan").ask()  # the trial of a live parallel worker of this host: this test process
    live.set_user_attr("worker", tune_module._this_worker())

    assert tune("--task", "sts-b", "--model", "mbert", "--n-trials", "1", "--study-name", "orphan") == 0
    assert [t.state.name for t in _study("orphan").trials] == ["FAIL", "RUNNING", "COMPLETE"]
    runs = {r.info.run_id: r for r in _runs()}
    old_child, old_parent = runs[child.info.run_id], runs[child.data.tags["mlflow.parentRunId"]]
    assert old_child.info.status == "KILLED" and old_child.data.tags["optuna.state"] == "FAIL"
    assert old_parent.info.status == "KILLED"
    assert [r.info.status for r in runs.values()].count("RUNNING") == 0
    assert not work.exists()
    result = json.loads((cell / "results" / "mbert" / "sts-b" / "tuned_lr.json").read_text())
    counts = [result[f"n_trials_{k}"] for k in ("total", "complete", "pruned", "failed")]
    assert counts == [3, 1, 0, 1]  # the live worker's trial counts in the total only


def test_a_database_storage_fails_a_trial_whose_heartbeats_stopped(cell, monkeypatch):
    """A dead worker of another host is known by its missing heartbeats (database storages only)."""
    storage = f"sqlite:///{cell / 'study.db'}"
    with open(cell / "worker.log", "w") as log:
        work = _kill_in_its_trial(_worker("--study-name", "silent", "--storage", storage, log=log), cell)
    monkeypatch.setattr(tune_module, "_worker_alive", lambda worker: None)  # as if it had run on another host
    monkeypatch.setattr(tune_module, "GRACE_PERIOD", 1)
    time.sleep(2)  # its last heartbeat is older than the grace period

    assert tune(
        "--task", "sts-b", "--model", "mbert", "--n-trials", "1", "--study-name", "silent", "--storage", storage
    ) == 0  # fmt: skip
    assert [t.state.name for t in _study("silent", storage).trials] == ["FAIL", "COMPLETE"]
    assert sorted(r.info.status for r in _runs()) == ["FINISHED", "FINISHED", "KILLED", "KILLED"]
    assert work.is_dir()  # on another host it would not be ours to remove


def test_a_password_logged_by_mlflow_run_is_flagged(monkeypatch, caplog):
    from xstilts.tune import warn_if_password_logged

    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    assert not warn_if_password_logged("postgresql://alice:s3cret@db/optuna")  # xstilts tune: masked by us
    monkeypatch.setenv("MLFLOW_RUN_ID", "0" * 32)  # under `mlflow run`
    assert not warn_if_password_logged("postgresql://alice@db/optuna") and not warn_if_password_logged(None)
    assert warn_if_password_logged("postgresql://alice:s3cret@db/optuna")
    assert warn_if_password_logged("postgresql://alice@db/optuna?password=s3cret")
    assert "PGPASSWORD" in caplog.text and "s3cret" not in caplog.text


def test_credentials_are_masked():
    assert mask_url("postgresql://alice:s3cret@db.example:5432/optuna") == "postgresql://alice:***@db.example:5432/optuna"
    assert mask_url("postgresql://alice@db/optuna?password=s3cret&sslmode=require") == (
        "postgresql://alice@db/optuna?password=***&sslmode=require"
    )
    assert mask_url(None) == "journal:.optuna/journal.log"
    assert mask_url("postgresql:/alice:s3cret@db/optuna") == "postgresql:***"  # not a URL: the scheme only


HOSTILE = [  # a storage URL, and what of it must never be shown
    ("mysql+pymysql://bob:s3cret@h/d?charset=utf8", ["s3cret"]),
    ("postgresql://:s3cret@db/optuna", ["s3cret"]),
    ("postgresql://alice:s3cret@[::1]:5432/optuna", ["s3cret"]),
    ("postgresql://alice@db/optuna?password=s3cret", ["s3cret"]),
    ("postgresql://alice@db/optuna?sslmode=require&PassWord=s3cret", ["s3cret"]),
    ("postgresql://alice@db/optuna?sslpassword=s3cret&pwd=s3cret&pass=s3cret", ["s3cret"]),
    ("sqlite:///study.db?password=s3cret", ["s3cret"]),
    ("postgresql://alice:top@secret@db/optuna", ["top", "secret"]),  # unescaped @
    ("postgresql://alice:s3c/ret@db/optuna", ["s3c"]),
    ("postgresql://alice:s3c?ret@db/optuna?x=1", ["s3c"]),
    ("postgresql://alice:s3c%40ret@db/optuna", ["s3c"]),
    ("postgresql://alice/x:s3cret@db", ["s3cret"]),
    ("postgresql:/alice:s3cret@db/optuna", ["s3cret"]),  # malformed
    ("postgresql//alice:s3cret@db", ["s3cret"]),
    ("alice:s3cret@db", ["s3cret"]),
]


@pytest.mark.parametrize("url, secrets", HOSTILE)
def test_no_password_survives_masking(url, secrets):
    masked = mask_url(url)
    assert not [secret for secret in secrets if secret in masked], masked


@pytest.mark.parametrize(
    "url",
    ["nosuchdb://u:s3cret@h/x", "postgresql:/alice:s3cret@h/db", "postgresql://alice:top@s3cret@127.0.0.1:1/db",
     "postgresql://alice@127.0.0.1:1/db?password=s3cret", "postgresql://alice:s3cret@127.0.0.1:1/db"],
)  # fmt: skip
def test_a_bad_storage_url_is_one_clear_error(cell, capsys, url):
    assert tune("--task", "sts-b", "--model", "mbert", "--storage", url) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("xstilts: error: --storage ") and "s3cret" not in err[0]
    if url.startswith("nosuchdb"):
        assert err[0].startswith("xstilts: error: --storage nosuchdb://u:***@h/x: cannot open")


def test_a_driver_error_that_echoes_the_password_is_scrubbed(monkeypatch):
    from sqlalchemy.exc import OperationalError

    from xstilts.errors import ConfigError

    url = "postgresql://bob@db/optuna?password=s3%40cret"

    def refuse(*args, **kwargs):
        raise OperationalError("connect", {}, Exception(f"bad conninfo {url} (password=s3@cret) for user bob"))

    monkeypatch.setattr(optuna.storages, "RDBStorage", refuse)
    with pytest.raises(ConfigError) as caught:
        tune_module.open_storage(url)
    assert "bad conninfo" in str(caught.value) and "s3" not in str(caught.value)


def test_no_password_in_the_tracking_store_or_the_result(cell, capsys, caplog):
    storage = f"sqlite:///{cell / 'study.db'}?password=s3cret"
    assert tune("--task", "sts-b", "--model", "mbert", "--n-trials", "1", "--storage", storage) == 0
    parent = next(r for r in _runs() if "mlflow.parentRunId" not in r.data.tags)
    assert parent.data.params["storage"] == storage.replace("s3cret", "***")
    assert not [r for r in _runs() if "s3cret" in json.dumps([r.data.params, r.data.tags])]
    assert "s3cret" not in (cell / "results" / "mbert" / "sts-b" / "tuned_lr.json").read_text()
    assert "s3cret" not in capsys.readouterr().err + caplog.text


def test_the_baseline_has_nothing_to_tune(cell):
    assert tune("--task", "none", "--model", "mbert") == 0
    assert json.loads((cell / "results" / "mbert" / "none" / "tuned_lr.json").read_text())["lr"] is None
    assert _runs() == []


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """A throwaway PostgreSQL server on 127.0.0.1 (Debian's postgresql package), or a skip with the reason."""
    initdb = shutil.which("initdb") or next(
        iter(sorted(__import__("glob").glob("/usr/lib/postgresql/*/bin/initdb"))), None
    )
    if not initdb:
        pytest.skip("no PostgreSQL server binaries (install Debian's postgresql package)")
    try:
        import psycopg  # noqa: F401  (SQLAlchemy 2.1 drives postgresql:// URLs with psycopg 3)
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'psycopg[binary]')")
    import tempfile

    bindir = os.path.dirname(os.path.realpath(initdb))
    # the server refuses to run as root: run it as the `postgres` user, in a directory that user can reach
    runuser = shutil.which("runuser", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") or "runuser"
    user = [runuser, "-u", "postgres", "--"] if os.geteuid() == 0 else []
    base = tempfile.mkdtemp(prefix="xstilts-pg-")
    os.chmod(base, 0o777)
    data = __import__("pathlib").Path(base) / "data"
    port = _free_port()
    try:
        subprocess.run(
            [*user, initdb, "-D", str(data), "-U", "xstilts", "--auth=trust"], check=True, capture_output=True
        )
        subprocess.run([*user, f"{bindir}/pg_ctl", "-D", str(data), "-o", f"-p {port} -k {data} -h 127.0.0.1",
                        "-l", str(data / "log"), "-w", "start"], check=True, capture_output=True)  # fmt: skip
    except (subprocess.CalledProcessError, FileNotFoundError) as err:
        detail = getattr(err, "stderr", b"") or b""
        pytest.skip(f"cannot start a PostgreSQL server here: {err} {detail.decode(errors='replace')[-300:]}")
    for database in ("optuna", "race"):
        subprocess.run(
            [f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "xstilts", database], check=True
        )
    yield f"postgresql://xstilts:secret@127.0.0.1:{port}/optuna"
    subprocess.run([*user, f"{bindir}/pg_ctl", "-D", str(data), "-m", "fast", "stop"], capture_output=True)
    shutil.rmtree(base, ignore_errors=True)


def test_two_workers_on_postgresql(cell, postgres):
    args = [sys.executable, "-m", "xstilts", "tune", "--task", "sts-b", "--model", "mbert", "--n-trials", "2",
            "--storage", postgres, "--study-name", "pg", *[a for item in TUNE for a in ("-S", item)]]  # fmt: skip
    workers = [subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for worker in workers:
        _, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err[-3000:]
    study = optuna.load_study(study_name="pg", storage=postgres)
    assert sorted(t.number for t in study.trials) == [0, 1, 2, 3]
    parents = [r for r in _runs() if "mlflow.parentRunId" not in r.data.tags]
    assert {r.data.params["storage"] for r in parents} == {postgres.replace(":secret@", ":***@")}


def test_schema_creation_race_on_postgresql(postgres):
    """Workers that open an empty database at the same instant all get the storage (CI once lost this race)."""
    url = postgres.rsplit("/", 1)[0] + "/race"
    start = time.time() + 4  # after every interpreter has imported optuna
    code = ("import sys, time; from xstilts.tune import open_storage;"
            " time.sleep(max(0, float(sys.argv[2]) - time.time())); open_storage(sys.argv[1])")
    workers = [subprocess.Popen([sys.executable, "-c", code, url, str(start)], stderr=subprocess.PIPE, text=True)
               for _ in range(8)]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-2000:]
    assert optuna.get_all_study_summaries(optuna.storages.RDBStorage(url)) == []


def test_storage_error_other_than_a_race_is_one_line(monkeypatch):
    from sqlalchemy.exc import ProgrammingError

    from xstilts import tune as tune_module
    from xstilts.errors import ConfigError

    def refuse(url, **kwargs):
        raise ProgrammingError("CREATE TABLE studies", {}, Exception("permission denied for schema public"))

    monkeypatch.setattr(optuna.storages, "RDBStorage", refuse)
    with pytest.raises(ConfigError, match=r"postgresql://bob:\*\*\*@db/optuna: cannot open .*permission denied"):
        tune_module.open_storage("postgresql://bob:pw@db/optuna")


# -- the search's history for dvc plots, and its figures -------------------------------------------------


def _finished_study(values):
    """A study whose trials ended with ``values`` (None: pruned), without training."""
    from optuna.trial import TrialState, create_trial

    study = optuna.create_study(direction="maximize")
    lr = {"lr": optuna.distributions.FloatDistribution(1e-5, 1e-2, log=True)}
    for i, value in enumerate(values):
        state = TrialState.PRUNED if value is None else TrialState.COMPLETE
        study.add_trial(create_trial(params={"lr": 1e-4 * (i + 1)}, distributions=lr, value=value, state=state))
    return study


def test_the_history_has_each_completed_trial_and_the_best_so_far(tmp_path):
    study = _finished_study([0.5, None, 0.4, 0.7])
    path = tune_module.write_history(study.get_trials(), tmp_path / "tuning_history.csv", "dev LAS")
    assert path.read_text().splitlines() == [
        "trial,lr,series,dev LAS",
        "0,0.0001,trial,0.5", "0,0.0001,best so far,0.5",
        "2,0.00030000000000000003,trial,0.4", "2,0.0001,best so far,0.5",
        "3,0.0004,trial,0.7", "3,0.0004,best so far,0.7",
    ]


def test_the_baseline_writes_an_empty_history(workdir):
    from xstilts import config

    tune_module.run(config.load("params.yaml"), "mbert", "none", train_trial=None)
    history = workdir / "results" / "mbert" / "none" / tune_module.HISTORY
    assert history.read_text() == "trial,lr,series,dev metric\n"  # a declared DVC output, with no trials


def test_optuna_figures_name_the_metric_and_keep_the_legend_off_the_trials():
    import matplotlib.pyplot as plt

    figures = dict(tune_module.figures(_finished_study([0.5, 0.6, 0.4]), "dev Spearman"))
    assert set(figures) == {"optimization_history", "lr_vs_metric"}
    for figure in figures.values():
        assert figure.axes[0].get_ylabel() == "dev Spearman"
    history = figures["optimization_history"].axes[0]
    legend = history.get_legend()
    assert "Objective Value" not in [t.get_text() for t in legend.get_texts()]
    renderer = figures["optimization_history"].canvas.get_renderer()
    assert not legend.get_window_extent(renderer).overlaps(history.get_window_extent(renderer))
    for figure in figures.values():
        plt.close(figure)
