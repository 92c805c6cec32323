"""Shared fixtures. Tests run offline: no Hugging Face hub, no GitHub."""

import os
import shutil

import pytest

from tests.helpers import FAST, REPO  # the constants tests share live in tests/helpers.py

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.pop("MLFLOW_RUN_ID", None)


@pytest.fixture(scope="session")
def project(tmp_path_factory):
    """prepare + pretrained (mbert) once per test session, at FAST scale; tests work on copies (``cell``)."""
    from xstilts.cli import main

    root = tmp_path_factory.mktemp("project")
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    overrides = [a for item in FAST for a in ("-S", item)]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
        assert main(["prepare", *overrides]) == 0
        assert main(["pretrained", "--model", "mbert", "--no-upstream", *overrides]) == 0
    return root


@pytest.fixture
def cell(project, tmp_path, monkeypatch):
    """A copy of ``project`` (params, data, models, results) with its own MLflow store; cwd moves there."""
    for name in ("params.yaml", "data", "models", "results"):
        source = project / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    return tmp_path


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A scratch project directory (params.yaml copied in) with its own MLflow store; cwd moves there."""
    shutil.copy(REPO / "params.yaml", tmp_path / "params.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    return tmp_path
