"""A team's setup (docs/team.md): the MLflow tracking server of scripts/tracking_server.sh (runs in PostgreSQL,
proxied artifacts, basic auth) and a shared DVC remote.

One throwaway PostgreSQL and one server (two workers, users alice and bob) serve the whole session. Every
command runs against it unchanged, with nothing but MLFLOW_TRACKING_URI/_USERNAME/_PASSWORD set: two phases
at once (two writers, two users), a 2-trial tune (nested runs) and the report over a synthetic grid (its
predictions downloaded through the server). The end-to-end `dvc repro` / `dvc push` / `git clone` / `dvc pull`
of the real project is marked slow (minutes).
"""

import glob
import importlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml

from tests.helpers import FAST, REPO
from xstilts import config, tracking
from xstilts.cli import main
from xstilts.grid import Cell
from xstilts.perf.store import log_cell

ADMIN_PASSWORD = "admin-" + secrets.token_hex(8)  # MLflow wants at least 12 characters
USERS = {"alice": "alice-" + secrets.token_hex(8), "bob": "bob-" + secrets.token_hex(8)}
PASSWORDS = [ADMIN_PASSWORD, *USERS.values()]
TUNE = FAST + ["tune.train_subsample=20"]
GRID = ["grid.models=[mbert]", "grid.seeds=[1]", "report.bootstrap_replicates=200"]  # tasks: none, ud-parse, sts-b


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _args(overrides):
    return [a for item in overrides for a in ("-S", item)]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """PostgreSQL and `scripts/tracking_server.sh` (basic auth, proxied artifacts) on 127.0.0.1, with the users
    alice and bob; stopped after the session. Skips, with the reason, where PostgreSQL or mlflow[auth] is
    missing; a server that does not start is a failure."""
    initdb = shutil.which("initdb") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))), None)
    if not initdb:
        pytest.skip("no PostgreSQL server binaries (install Debian's postgresql package; .ci/run does)")
    for module, package in (("psycopg", "psycopg[binary]"), ("flask_wtf", "mlflow[auth]")):
        try:
            importlib.import_module(module)
        except ImportError:
            pytest.skip(f"{module} is not installed (pip install '{package}')")
    import requests

    bindir = os.path.dirname(os.path.realpath(initdb))
    # PostgreSQL refuses to run as root: run it as the `postgres` user, in a directory that user can reach
    runuser = shutil.which("runuser", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") or "runuser"
    user = [runuser, "-u", "postgres", "--"] if os.geteuid() == 0 else []
    base = Path(tempfile.mkdtemp(prefix="xstilts-team-"))
    os.chmod(base, 0o777)
    data, pg_port = base / "pg", _free_port()
    try:
        subprocess.run([*user, initdb, "-D", str(data), "-U", "xstilts", "--auth=trust"], check=True,
                       capture_output=True)  # fmt: skip
        subprocess.run([*user, f"{bindir}/pg_ctl", "-D", str(data), "-o", f"-p {pg_port} -k {data} -h 127.0.0.1",
                        "-l", str(data / "log"), "-w", "start"], check=True, capture_output=True)  # fmt: skip
        subprocess.run([f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "xstilts", "mlflow"],
                       check=True, capture_output=True)  # fmt: skip
    except (subprocess.CalledProcessError, FileNotFoundError) as err:
        detail = (getattr(err, "stderr", b"") or b"").decode(errors="replace")[-300:]
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"cannot start a PostgreSQL server here: {err} {detail}")

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env |= {"PYTHON": sys.executable, "MLFLOW_FLASK_SERVER_SECRET_KEY": secrets.token_hex(16),
            "MLFLOW_AUTH_ADMIN_PASSWORD": ADMIN_PASSWORD}  # fmt: skip
    log_path = base / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            ["bash", str(REPO / "scripts" / "tracking_server.sh"), "--backend-store-uri",
             f"postgresql://xstilts@127.0.0.1:{pg_port}/mlflow", "--artifacts-destination", str(base / "artifacts"),
             "--port", str(port), "--workers", "2"],
            cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def stop():
        with_group = process.poll() is None
        if with_group:
            os.killpg(process.pid, signal.SIGTERM)  # the server and its workers: the group this fixture started
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        subprocess.run([*user, f"{bindir}/pg_ctl", "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)

    try:
        deadline = time.time() + 240
        while True:
            if process.poll() is not None:
                pytest.fail(f"the tracking server exited ({process.returncode}):\n{log_path.read_text()[-3000:]}")
            try:
                if requests.get(f"{url}/health", timeout=30).ok:
                    break
            except requests.RequestException:  # not listening yet, or its workers still load the app
                pass
            if time.time() > deadline:
                pytest.fail(f"the tracking server did not answer in 240 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        for name, password in USERS.items():
            created = requests.post(f"{url}/api/2.0/mlflow/users/create", json={"username": name, "password": password},
                                    auth=("admin", ADMIN_PASSWORD), timeout=60)  # fmt: skip
            assert created.ok, created.text
    except BaseException:
        stop()
        raise
    yield SimpleNamespace(url=url, artifacts=base / "artifacts", log=log_path)
    stop()


def _client_env(server, user="alice") -> dict[str, str]:
    return {"MLFLOW_TRACKING_URI": server.url, "MLFLOW_TRACKING_USERNAME": user,
            "MLFLOW_TRACKING_PASSWORD": USERS[user]}  # fmt: skip


@pytest.fixture
def as_user(server, monkeypatch):
    """Point this process at the server as ``user`` (alice unless called again)."""

    def switch(user="alice"):
        for name, value in _client_env(server, user).items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
        monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)

    switch()
    return switch


def _all_runs() -> dict:
    from mlflow.entities import ViewType

    client = mlflow.MlflowClient()
    experiments = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL)]
    return {r.info.run_id: r for r in client.search_runs(experiments, run_view_type=ViewType.ALL, max_results=5000)}


def _artifact_texts(run_id: str, path: str | None = None) -> dict[str, str]:
    """Every artifact file of the run, downloaded through the server, as text (binary files as latin-1)."""
    client, out = mlflow.MlflowClient(), {}
    for item in client.list_artifacts(run_id, path):
        if item.is_dir:
            out |= _artifact_texts(run_id, item.path)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=item.path, dst_path=tmp)
                out[item.path] = Path(local).read_bytes().decode("latin-1")
    return out


def _assert_no_password(runs, *texts):
    checked = set()
    for run in runs:
        logged = json.dumps([run.data.params, run.data.tags, run.info.artifact_uri])
        assert not [p for p in PASSWORDS if p in logged], run.info.run_id
        for name, text in _artifact_texts(run.info.run_id).items():
            assert not [p for p in PASSWORDS if p in text], (run.info.run_id, name)
            checked.add(Path(name).name)
    assert checked & {"config.yaml", "metrics.json"}  # the artifacts were read
    for text in texts:
        assert not [p for p in PASSWORDS if p in text]


def _no_local_store(root: Path):
    assert not [p for p in ("mlflow.db", "mlruns", "mlartifacts") if (root / p).exists()]


def test_an_unauthenticated_request_is_refused(server, cell, monkeypatch, capsys):
    import requests

    search = f"{server.url}/api/2.0/mlflow/experiments/search?max_results=1"
    assert requests.get(search, timeout=60).status_code == 401
    assert requests.get(search, auth=("alice", "wrong-password-0"), timeout=60).status_code == 401
    assert requests.get(f"{server.url}/api/2.0/mlflow-artifacts/artifacts", timeout=60).status_code == 401
    assert requests.get(search, auth=("alice", USERS["alice"]), timeout=60).status_code == 200

    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)  # no user name, no password: one line, nothing written
    monkeypatch.delenv("MLFLOW_TRACKING_USERNAME", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_PASSWORD", raising=False)
    code = main(["intermediate", "--model", "mbert", "--task", "sts-b", "--seed", "1", "--no-upstream", *_args(FAST)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert f"xstilts: error: MLflow tracking server {server.url}: refused the credentials (401)" in err
    assert not (cell / "models" / "intermediate").exists() and not (cell / "results" / "mbert" / "sts-b").exists()


def test_a_server_that_is_down_is_one_line_and_writes_nothing(cell):
    down = f"http://127.0.0.1:{_free_port()}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}, "MLFLOW_TRACKING_URI": down,
           "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "xstilts", "intermediate", "--model", "mbert", "--task", "sts-b", "--seed", "1",
         "--no-upstream", *_args(FAST)], env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("xstilts: error:")]
    assert errors == [f"xstilts: error: MLflow tracking server {down}: cannot connect after 1 retries (Connection "
                      "refused); is the server running? (MLFLOW_HTTP_REQUEST_MAX_RETRIES, _BACKOFF_FACTOR and "
                      "_TIMEOUT set the retries)"], done.stderr[-3000:]  # fmt: skip
    assert "Traceback" not in done.stderr
    assert not (cell / "models" / "intermediate").exists() and not (cell / "results" / "mbert" / "sts-b").exists()
    _no_local_store(cell)


def test_two_writers_and_a_tune_through_the_server(server, cell, as_user, capsys, caplog):
    """Two phases at once (alice and bob: the default permission EDIT lets both write to the shared
    experiment), then a 2-trial tune: every run FINISHED with all its metrics, artifacts on the server."""
    as_user("alice")
    before = set(_all_runs())
    command = [sys.executable, "-m", "xstilts", "intermediate", "--model", "mbert", "--task", "sts-b",
               "--no-upstream", *_args(FAST)]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    writers = [subprocess.Popen([*command, "--seed", str(seed)], env=env | _client_env(server, user),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for seed, user in ((1, "alice"), (2, "bob"))]  # fmt: skip
    outputs = [writer.communicate(timeout=600)[0] for writer in writers]
    assert [w.returncode for w in writers] == [0, 0], "\n".join(o[-3000:] for o in outputs)

    assert main(["tune", "--task", "sts-b", "--model", "mbert", "--n-trials", "2", *_args(TUNE)]) == 0

    runs = {k: v for k, v in _all_runs().items() if k not in before}
    assert all(r.info.status == "FINISHED" for r in runs.values())
    phases = [r.data.tags.get("xstilts.phase") for r in runs.values()]
    assert sorted(phases) == ["intermediate", "intermediate", "tune", "tune", "tune"]
    client = mlflow.MlflowClient()
    for seed, user in ((1, "alice"), (2, "bob")):
        summary = json.loads((cell / "results" / "mbert" / "sts-b" / f"seed{seed}" / "intermediate.json").read_text())
        run = runs[summary["run_id"]]
        assert run.data.tags["mlflow.user"] == user
        assert {k: run.data.metrics[k] for k in summary["metrics"]} == pytest.approx(summary["metrics"])
        assert [m.step for m in client.get_metric_history(run.info.run_id, "epoch_dev_spearman")] == [1, 2]
        assert client.get_metric_history(run.info.run_id, "train_loss")
    tune_runs = [r for r in runs.values() if r.data.tags["xstilts.phase"] == "tune"]
    parent = next(r for r in tune_runs if "xstilts.trial" not in r.data.tags)
    children = [r for r in runs.values() if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(children) == 2 and parent.data.metrics["n_trials_total"] == 2
    assert all("epoch_dev_spearman" in c.data.metrics for c in children)
    # artifacts live on the server (proxied), not in the project: no mlflow.db, no mlruns/ here
    assert all(r.info.artifact_uri.startswith("mlflow-artifacts:") for r in runs.values())
    assert list(server.artifacts.rglob(f"{summary['run_id']}/artifacts/config.yaml"))
    _no_local_store(cell)
    _assert_no_password(runs.values(), *outputs, capsys.readouterr().err, caplog.text)


def _predictions(cfg, rate):
    rng = np.random.default_rng(int(rate * 100))
    rows, metrics = [], {}
    for split, n in (("dev", 10), ("test", 30)):
        for lang in cfg.languages:
            correct = rng.random(n) < rate
            rows.append(pd.DataFrame({"split": split, "language": lang, "pair_id": np.arange(n), "label": "neutral",
                                      "prediction": np.where(correct, "neutral", "entailment"), "correct": correct}))
            metrics[f"xnli_{split}_acc_{lang}"] = float(correct.mean())
        metrics[f"xnli_{split}_acc_avg"] = float(np.mean([metrics[f"xnli_{split}_acc_{c}"] for c in cfg.languages]))
    return pd.concat(rows, ignore_index=True), metrics


def test_the_report_reads_runs_and_predictions_through_the_server(server, workdir, as_user, capsys, caplog):
    as_user("bob")
    cfg = config.load("params.yaml", GRID)
    experiment = tracking.experiment_id(cfg.profile)
    for i, task in enumerate(cfg.grid.tasks):
        frame, metrics = _predictions(cfg, 0.5 + 0.1 * i)
        log_cell(experiment, cfg, Cell("mbert", task, 1), Path("results"), frame, metrics, dev_score=0.6,
                 curve=[(0, 1.0), (10, 0.5)], target_metrics={"dev_acc": 0.6})  # fmt: skip
    for path in Path("results").rglob("predictions.parquet"):
        path.unlink()  # the report must download each evaluate run's predictions through the server
    as_user("alice")
    assert main(["report", *_args(GRID)]) == 0
    metrics = json.loads((workdir / "reports" / "metrics.json").read_text())
    assert "mbert" in metrics["models"]
    report_run = max((r for r in _all_runs().values() if r.data.tags.get("xstilts.phase") == "report"),
                     key=lambda r: r.info.start_time)  # fmt: skip
    assert report_run.info.status == "FINISHED" and report_run.info.artifact_uri.startswith("mlflow-artifacts:")
    assert "metrics.json" in {a.path for a in mlflow.MlflowClient().list_artifacts(report_run.info.run_id)}
    _no_local_store(workdir)
    _assert_no_password([report_run], capsys.readouterr().err, caplog.text)

    # the server goes away: one line naming it, and the report's files stay as they were
    written = {p: p.read_bytes() for p in (workdir / "reports").rglob("*") if p.is_file()}
    os.environ["MLFLOW_TRACKING_URI"] = down = f"http://127.0.0.1:{_free_port()}"  # as_user's monkeypatch restores it
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
    try:
        assert main(["report", *_args(GRID)]) == 1
    finally:
        del os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"]
    assert f"MLflow tracking server {down}: cannot connect" in capsys.readouterr().err
    assert written == {p: p.read_bytes() for p in (workdir / "reports").rglob("*") if p.is_file()}


# -- a shared DVC remote: the real project, the smallest grid -----------------------------------------------

SMALLEST = {  # written into the copy's params.yaml (into the smoke blocks where the smoke profile has its own)
    ("grid", "models"): ["mbert"],
    ("pretrained", "mlm", "epochs"): 1,
    ("tune", "use_tuned_lr"): False,
    ("tasks", "ud-parse", "smoke", "train", "epochs"): 1,
    ("tasks", "sts-b", "smoke", "train", "epochs"): 1,
    ("target", "smoke", "train", "epochs"): 1,
    ("report", "bootstrap_replicates"): 200,
    **{("data", "synthetic", *item.split("=")[0].split(".")[2:]): int(item.split("=")[1])
       for item in FAST if item.startswith("data.synthetic.")},
}  # fmt: skip


def _git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.mark.slow
def test_a_colleague_pulls_the_grid_and_reports_without_training(server, tmp_path):
    """`dvc repro` of the real project (smallest grid) against the server, `dvc push` to a shared remote; a
    colleague's `git clone` + `dvc pull` is up to date (`dvc repro` runs no stage) and `xstilts report` runs
    there against the server."""
    project, clone, remote = tmp_path / "project", tmp_path / "clone", tmp_path / "remote"
    files = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO).split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, project / name)
    params = yaml.safe_load((project / "params.yaml").read_text())
    for keys, value in SMALLEST.items():
        node = params
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_"))} | _client_env(server)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"  # dvc and xstilts of this environment

    def run(*command, cwd):
        done = subprocess.run(command, cwd=cwd, env=env | {"PYTHONPATH": str(cwd / "src")}, capture_output=True,
                              text=True, timeout=1800)  # fmt: skip
        assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout + done.stderr

    _git("init", "-q", cwd=project)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "add", "-A", cwd=project)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "smallest grid", cwd=project)
    run("dvc", "remote", "add", "-d", "team", str(remote), cwd=project)
    started = time.time()
    run("dvc", "repro", cwd=project)
    repro_seconds = time.time() - started
    run("dvc", "push", cwd=project)
    _no_local_store(project)
    _git("add", "-A", cwd=project)  # dvc.lock, .dvc/config (the remote) and the report's files
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "grid results", cwd=project)

    _git("clone", "-q", str(project), str(clone), cwd=tmp_path)
    run("dvc", "pull", cwd=clone)
    assert "up to date" in run("dvc", "status", cwd=clone)
    assert "Running stage" not in run("dvc", "repro", cwd=clone)
    before = set(_all_runs_as(server))
    run("xstilts", "report", cwd=clone)
    new = [r for k, r in _all_runs_as(server).items() if k not in before]
    assert [r.data.tags["xstilts.phase"] for r in new] == ["report"]  # nothing trained
    _no_local_store(clone)
    print(f"dvc repro of the smallest grid: {repro_seconds:.0f} s")


def _all_runs_as(server):
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _client_env(server).items():
            patch.setenv(name, value)
        return _all_runs()
