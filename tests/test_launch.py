"""`xstilts launch slurm`: the plan (unit), the dry run (DVC, no SLURM) and a real single-node SLURM cluster.

The cluster test starts munged, slurmctld and slurmd on 127.0.0.1 in a temporary directory (Debian's
slurmctld, slurmd, slurm-client and munge packages; .ci/run installs them) and runs a reduced smoke grid
(mbert x none x seeds 1, 2 on a few rows of synthetic data) through it: jobs, afterok edges, a cancelled
job submitted again alone (with its dependent), `dvc status` clean afterwards, and the same numbers as a
local `dvc repro` of the same grid in a second copy.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO, TINY_DATA
from xstilts.cli import main
from xstilts.launch import LaunchError, Pipeline, plan, tracking_uri

BIN = Path(sys.executable).parent


# -- the plan ------------------------------------------------------------------------------------------------

CHAIN = Pipeline(
    order=("raw", "prepare", "pretrained@m", "target@m", "report"),
    upstream={"raw": (), "prepare": ("raw",), "pretrained@m": ("prepare",), "target@m": ("prepare", "pretrained@m"),
              "report": ("pretrained@m", "target@m")},  # fmt: skip
    is_stale=lambda stage: False,
)


def chain(*stale: str) -> Pipeline:
    return Pipeline(CHAIN.order, CHAIN.upstream, lambda stage: stage in stale)


def test_plan_submits_the_stale_stages_and_everything_downstream():
    work = plan(chain("pretrained@m"), {})
    assert work.submit == ("pretrained@m", "target@m", "report") and not work.keep and not work.cancel
    assert plan(CHAIN, {}).submit == ()  # all up to date


def test_plan_keeps_queued_jobs_and_submits_after_them():
    # pretrained's job still runs (its stage is stale until it ends): target and report wait for it
    work = plan(chain("pretrained@m", "target@m"), {"pretrained@m": "7"})
    assert work.submit == ("target@m", "report") and work.keep == {"pretrained@m": "7"} and not work.cancel


def test_plan_asks_no_status_of_stages_behind_a_queued_job():
    # DVC cannot read what a running job writes (its rwlock): their status is not needed, so not asked
    asked = []
    pipeline = Pipeline(CHAIN.order, CHAIN.upstream, lambda stage: asked.append(stage) or False)
    assert plan(pipeline, {"pretrained@m": "7"}).submit == ("target@m", "report")
    assert asked == ["raw", "prepare"]


def test_plan_replaces_a_queued_job_whose_upstream_is_submitted_again():
    # target's job failed (not queued any more), report's job is still queued behind it: both go again
    work = plan(chain("target@m"), {"report": "9"})
    assert work.submit == ("target@m", "report") and work.cancel == {"report": "9"} and not work.keep


def test_tracking_uri_is_absolute_for_every_job(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking_uri(None, tmp_path) == f"sqlite:///{tmp_path}/mlflow.db"  # MLflow's default, made absolute
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///store/m.db")
    assert tracking_uri(None, tmp_path) == f"sqlite:///{tmp_path}/store/m.db"
    assert tracking_uri("sqlite:////abs/m.db", tmp_path) == "sqlite:////abs/m.db"  # the flag beats the env
    assert tracking_uri("http://tracker:5000", tmp_path) == "http://tracker:5000"
    assert tracking_uri("mlruns", tmp_path) == str(tmp_path / "mlruns")
    with pytest.raises(LaunchError, match="MLFLOW_TRACKING_PASSWORD"):  # never written into a job script
        tracking_uri("https://alice:secret@tracker.example.org", tmp_path)


def test_cluster_block_is_checked_like_every_parameter():
    from xstilts import config
    from xstilts.errors import ConfigError

    params = REPO / "params.yaml"
    assert config.load(params, profile="smoke").cluster.target.gpus == 0
    paper = config.load(params, profile="paper").cluster
    assert paper.target.gpus == 1 and paper.raw.gpus == 0  # GPUs for the phases that train, not for the data
    for bad, message in (("cluster.target.mem=16GB", "SLURM's format"), ("cluster.tune.time='12 h'", "SLURM's format"),
                         ("cluster.target.time=12:00:00", "must be str"),  # YAML 1.1: 43200, unquoted
                         ("cluster.target.gpus=-1", ">= 0"), ("cluster.ddp={}", "unknown key")):  # fmt: skip
        with pytest.raises(ConfigError, match=message):
            config.load(params, [bad])


# -- the dry run: DVC's DAG, no SLURM needed --------------------------------------------------------------------


def dvc_project(root: Path) -> None:
    """dvc.yaml and params.yaml of this repository in a fresh DVC project without outputs (all stale)."""
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy(REPO / name, root / name)
    subprocess.run([BIN / "dvc", "init", "--no-scm", "-q"], cwd=root, check=True)


def test_dry_run_prints_the_scripts_and_the_dvc_dag(tmp_path, monkeypatch, capsys):
    dvc_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    code = main(["launch", "slurm", "--dry-run", "--partition", "gpu", "-S", "cluster.target.gpus=2",
                 "-S", "cluster.target.time=1-12:00:00", "--tracking-uri", "sqlite:///runs.db"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    grid = yaml.safe_load((REPO / "params.yaml").read_text())["grid"]
    models, tasks, seeds = (len(grid[key]) for key in ("models", "tasks", "seeds"))
    jobs = 3 + models * (1 + tasks + 2 * tasks * seeds)  # raw, prepare, report; pretrained, tune, intermediate, target
    table = out[out.index(f"would submit {jobs} jobs"):].splitlines()[2:]
    edges = {row.split()[1]: " ".join(row.split()[3:]) for row in table}
    assert len(edges) == jobs
    assert edges["raw"] == "-" and edges["prepare"] == "raw" and edges["pretrained@xlmr"] == "prepare"
    assert edges["tune@mbert-sts-b"] == "prepare, pretrained@mbert"
    assert edges["intermediate@mbert-sts-b-1"] == "prepare, pretrained@mbert, tune@mbert-sts-b"
    assert edges["target@xlmr-ud-parse-1"] == "prepare, pretrained@xlmr, intermediate@xlmr-ud-parse-1"
    # the report reads results/: every stage that writes there
    assert set(edges["report"].split(", ")) == {s for s in edges if s not in ("raw", "prepare", "report")}
    script = out[out.index("# ---- target@mbert-none-1 ----"):out.index("# ---- target@mbert-ud-parse-1")]
    for line in ("#SBATCH --partition=gpu", "#SBATCH --gres=gpu:2", "#SBATCH --time=1-12:00:00",
                 f"#SBATCH --output={tmp_path}/logs/slurm/target@mbert-none-1-%j.log",
                 f"export MLFLOW_TRACKING_URI=sqlite:///{tmp_path}/runs.db",
                 "dvc --wait-for-lock repro --single-item target@mbert-none-1"):  # fmt: skip
        assert line in script.splitlines(), line
    assert "--gres" not in out[out.index("# ---- raw ----"):out.index("# ---- prepare ----")]  # CPU-only stage
    assert not (tmp_path / "logs").exists()  # nothing submitted, nothing written


def test_launch_sets_only_cluster_keys(tmp_path, monkeypatch, capsys):
    dvc_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["launch", "slurm", "--dry-run", "-S", "grid.seeds=[1,2]"]) == 2
    assert "only cluster.* can be set here" in capsys.readouterr().err


# -- a real SLURM cluster on this machine ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def slurm(tmp_path_factory):
    """A single-node SLURM cluster on 127.0.0.1 (own munge socket, ports and state in a temporary directory);
    yields the environment its clients need (SLURM_CONF)."""
    binaries = [shutil.which(b) or shutil.which(b, path="/usr/sbin:/sbin") for b in ("munged", "slurmctld", "slurmd")]
    if not all(binaries) or not shutil.which("sbatch"):
        pytest.skip("SLURM is not installed (apt-get install slurmctld slurmd slurm-client munge; .ci/run does)")
    if os.geteuid() != 0:
        pytest.skip("the test cluster runs its daemons as root (SlurmUser=root)")
    munged, slurmctld, slurmd = binaries
    root = tmp_path_factory.mktemp("slurm")
    for name in ("munge", "state", "spool"):
        (root / name).mkdir()
    key = root / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    socket_path = root / "munge" / "munge.sock"
    memory = int(int(Path("/proc/meminfo").read_text().split()[1]) / 1024 * 0.5)  # MB, half of this machine
    conf = root / "slurm.conf"
    conf.write_text(f"""\
ClusterName=xstilts-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={socket_path}
SlurmUser=root
SlurmdUser=root
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs={min(os.cpu_count() or 1, 2)} RealMemory={memory} State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
""")
    env = {**os.environ, "SLURM_CONF": str(conf)}
    daemons = []
    try:
        daemons.append(subprocess.Popen(
            [munged, "-F", "--force", f"--socket={socket_path}", f"--key-file={key}",
             f"--log-file={root}/munge/munged.log", f"--pid-file={root}/munge/munged.pid",
             f"--seed-file={root}/munge/munged.seed"], env=env, stderr=subprocess.DEVNULL))  # fmt: skip
        for _ in range(50):
            if socket_path.exists():
                break
            time.sleep(0.1)
        daemons.append(subprocess.Popen([slurmctld, "-D", "-c", "-i"], env=env, stderr=subprocess.DEVNULL))
        daemons.append(subprocess.Popen([slurmd, "-D", "-N", "localhost"], env=env, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True).stdout
            if state.strip() == "idle":
                break
            if any(d.poll() is not None for d in daemons):
                break
            time.sleep(0.5)
        else:
            state = ""
        if state.strip() != "idle":
            logs = "".join(p.read_text()[-800:] for p in (root / "slurmctld.log", root / "slurmd.log") if p.exists())
            pytest.skip(f"the test SLURM cluster did not start (node state {state.strip()!r}): {logs}")
        yield env
    finally:
        if daemons:  # end the jobs that a failed test left, before their daemons
            subprocess.run(["scancel", "--me"], env=env, capture_output=True)
            for _ in range(20):
                if not subprocess.run(["squeue", "-h"], env=env, capture_output=True, text=True).stdout.strip():
                    break
                time.sleep(0.5)
        for daemon in reversed(daemons):
            daemon.terminate()
        for daemon in reversed(daemons):
            try:
                daemon.wait(timeout=15)
            except subprocess.TimeoutExpired:
                daemon.kill()


def _set(tree: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        tree = tree[key]
    tree[last] = value


# The reduced grid, written into the copies' params.yaml (the stages read the file: no -S in dvc.yaml). In
# the smoke blocks where the smoke profile sets a value itself.
REDUCED = {
    # two cells whose jobs run at once (their DVC lock sections race); the baseline trains no intermediate model
    "grid": {"models": ["mbert"], "tasks": ["none"], "seeds": [1, 2]},
    **{f"data.synthetic.{item.split('=')[0].split('.')[-1]}": int(item.split("=")[1]) for item in TINY_DATA},
    "pretrained.mlm.epochs": 1,
    "target.smoke.train.epochs": 1,
}


def project_copy(root: Path) -> Path:
    """The project's pipeline in a new git repository at ``root`` with the reduced grid (the stages run the
    installed xstilts, i.e. this checkout's src/; the copy's src/ is what their deps hash)."""
    root.mkdir(parents=True)
    shutil.copytree(REPO / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in (".dvcignore", ".gitignore", ".dvc/config", ".dvc/.gitignore"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / name, root / name)
    # without the report: it needs a syntactic and a semantic task, two more cells (the dry run checks its edges)
    pipeline = yaml.safe_load((REPO / "dvc.yaml").read_text())
    del pipeline["stages"]["report"]
    pipeline.pop("plots", None)  # the report's plots
    (root / "dvc.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False))
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    for key, value in REDUCED.items():
        _set(params, key, value)
    for kind in params["cluster"]["smoke"]:
        params["cluster"]["smoke"][kind] = {**params["cluster"]["smoke"][kind], "mem": "1G"}
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    git = ["git", "-c", "user.name=xstilts-test", "-c", "user.email=test@localhost"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "copy"], cwd=root, check=True)
    return root


def _env(root: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID")}
    return {**env, "PATH": f"{BIN}:{env.get('PATH', '')}", "MLFLOW_TRACKING_URI": f"sqlite:///{root}/mlflow.db",
            "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", **extra}  # fmt: skip


def _launch(root: Path, env: dict, *args: str) -> str:
    done = subprocess.run([BIN / "xstilts", "launch", "slurm", *args], cwd=root, env=env, capture_output=True,
                          text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def _submitted(output: str) -> dict[str, str]:
    """stage -> job id from the table that `xstilts launch slurm` prints."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("job "))
    return {line.split()[1]: line.split()[0] for line in lines[start + 1:]}


def _wait_for_queue(env: dict, root: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not subprocess.run(["squeue", "-h"], env=env, capture_output=True, text=True).stdout.strip():
            return
        time.sleep(2)
    pytest.fail(f"jobs still queued after {timeout:.0f} s:\n{_job_logs(root)}")


def _job_logs(root: Path) -> str:
    return "\n".join(f"== {p.name}\n{p.read_text()[-1500:]}" for p in sorted((root / "logs/slurm").glob("*.log")))


def _results(root: Path) -> dict[str, dict]:
    """Every phase's metrics (and the tuned learning rates) under results/, by path; run ids left out."""
    found = {}
    for path in sorted((root / "results").rglob("*.json")):
        data = json.loads(path.read_text())
        found[str(path.relative_to(root))] = data.get("metrics", {k: v for k, v in data.items() if "run" not in k})
    return found


def test_slurm_runs_the_pipeline_as_dvc_repro_would(slurm, tmp_path, request):
    start = time.monotonic()
    cluster_copy, local_copy = project_copy(tmp_path / "cluster"), project_copy(tmp_path / "local")
    # the reference: `dvc repro` of the same grid in the second copy, with the thread count of the jobs
    # (1 CPU each, OMP_NUM_THREADS=1); it runs while the cluster works
    local = subprocess.Popen([BIN / "dvc", "repro"], cwd=local_copy, env=_env(local_copy, OMP_NUM_THREADS="1"),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    request.addfinalizer(lambda: local.poll() is None and local.kill())  # a failed test leaves no repro behind
    env = _env(cluster_copy, **slurm)
    del env["MLFLOW_TRACKING_URI"]  # the jobs get the one of --tracking-uri, made absolute
    first = _submitted(_launch(cluster_copy, env, "--tracking-uri", "sqlite:///mlflow.db"))
    stages = ["raw", "prepare", "pretrained@mbert", "tune@mbert-none", "intermediate@mbert-none-1",
              "intermediate@mbert-none-2", "target@mbert-none-1", "target@mbert-none-2"]  # fmt: skip
    assert list(first) == stages
    # a job that ends without its stage (cancelled while it waits for its upstream; SLURM then cancels its
    # dependent): the next launch submits it and its dependent again, nothing that is still queued or running
    subprocess.run(["scancel", first["intermediate@mbert-none-2"]], env=env, check=True)
    second = _submitted(_launch(cluster_copy, env, "--tracking-uri", "sqlite:///mlflow.db"))
    assert list(second) == ["intermediate@mbert-none-2", "target@mbert-none-2"]
    state = json.loads((cluster_copy / "logs/slurm/jobs.json").read_text())
    # it waits for the jobs of its upstream stages that are still queued: surely the tuning's
    after = state["intermediate@mbert-none-2"]["after"]
    assert first["tune@mbert-none"] in after
    assert set(after) <= {first[s] for s in ("prepare", "pretrained@mbert", "tune@mbert-none")}
    assert state["target@mbert-none-2"]["after"][-1] == second["intermediate@mbert-none-2"]
    _wait_for_queue(env, cluster_copy, timeout=400)

    logs = {p.name for p in (cluster_copy / "logs/slurm").glob("*.log")}
    assert {f"{stage}-{({**first, **second})[stage]}.log" for stage in stages} <= logs, _job_logs(cluster_copy)
    dvc = [BIN / "dvc"]
    status = subprocess.run([*dvc, "status", "--json"], cwd=cluster_copy, env=env, capture_output=True, text=True)
    assert json.loads(status.stdout) == {}, status.stdout
    repro = subprocess.run([*dvc, "repro"], cwd=cluster_copy, env=env, capture_output=True, text=True, check=True)
    assert "Running stage" not in repro.stdout, repro.stdout
    assert "nothing to submit" in _launch(cluster_copy, env)
    shown = {}
    for action in ("status", "cancel"):
        shown[action] = subprocess.run([BIN / "xstilts", "launch", action], cwd=cluster_copy, env=env,
                                       capture_output=True, text=True, check=True).stdout.splitlines()  # fmt: skip
    assert len(shown["status"]) == 1 + len(stages) and all(" ended " in line for line in shown["status"][1:])
    assert shown["cancel"] == ["no queued or running jobs to cancel"]

    import mlflow

    runs = mlflow.MlflowClient(f"sqlite:///{cluster_copy}/mlflow.db").search_runs(
        [e.experiment_id for e in mlflow.MlflowClient(f"sqlite:///{cluster_copy}/mlflow.db").search_experiments()]
    )
    phases = sorted(r.data.tags.get("xstilts.phase", "") for r in runs if r.data.tags.get("xstilts.phase"))
    assert {r.info.status for r in runs} == {"FINISHED"}
    # one run per phase that ran (the baseline's intermediate phase trains nothing and logs no run)
    assert phases == ["evaluate", "evaluate", "prepare", "pretrained", "target", "target"], phases

    out, _ = local.communicate(timeout=max(30.0, 420 - (time.monotonic() - start)))
    assert local.returncode == 0, out[-3000:]
    assert _results(cluster_copy) == _results(local_copy)
    assert len(_results(cluster_copy)) == 8  # pretrained, tuned rate; per seed: intermediate, target, evaluate
