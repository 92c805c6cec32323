"""Constructed tracking stores: the runs, ``results/**.json`` and predictions artifacts that the phases
write for a grid cell, with no training. The bench times the report over stores of thousands of runs;
``tests/test_report.py`` checks the report against stores with a planted effect. Every MLflow call goes
through :mod:`xstilts.tracking`.

What a cell's runs can carry besides the evaluate run's metrics and predictions, as the phases log it: the
intermediate task's own dev score, a ``train_loss`` curve, the target run's metrics (``dev_acc``: English
MNLI dev), the per-epoch zero-shot XNLI of the target run (``epoch_xnli_<split>_acc_<lang>`` and ``_avg``
with step = epoch 1..E, see :func:`epoch_metrics`) and each training run's budget (``train_examples``,
``train_steps``, ``train_tokens``, ``train_seconds``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from xstilts import tasks, tracking
from xstilts.grid import Cell
from xstilts.io import write_json

LR = 0.002  # the learning rate an intermediate run records (the report lists it beside the task's dev score)
BUDGET = ("train_examples", "train_steps", "train_tokens", "train_seconds")  # a training run's budget metrics


@contextlib.contextmanager
def active(root: Path) -> Iterator[None]:
    """The SQLite store ``root/mlflow.db`` as the active tracking store for the block, with no run or
    experiment inherited from the environment; the environment is restored afterwards."""
    uri = f"sqlite:///{Path(root) / 'mlflow.db'}"
    with _env(MLFLOW_TRACKING_URI=uri, MLFLOW_RUN_ID=None, MLFLOW_EXPERIMENT_ID=None):
        yield


@contextlib.contextmanager
def opened(root: Path, profile: str = "smoke") -> Iterator[str]:
    """:func:`active` for ``root`` (created if absent); yields the id of ``xstilts-<profile>``, whose
    artifacts live under ``root/artifacts`` when this creates it (nothing lands in the working directory)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with active(root):
        yield tracking.experiment_id(profile, root / "artifacts")


def _tags(cfg, phase: str, cell: Cell) -> dict[str, str]:
    """The ``xstilts.*`` tags that the phase's run carries (the checkpoint-selection rule included)."""
    selection = "final" if phase == "intermediate" else cfg.target.selection
    values = {"phase": phase, "profile": cfg.profile, "model": cell.model, "task": cell.task,
              "family": tasks.get(cell.task).family, "seed": str(cell.seed), "selection": selection}
    return {tracking.TAG_PREFIX + k: v for k, v in values.items()}


def log_cell(experiment: str, cfg, cell: Cell, results: Path, predictions, metrics: Mapping[str, float], *,
             dev_score: float | None = None, curve: list[tuple[int, float]] = (),
             target_metrics: Mapping[str, float] | None = None,
             epochs: Mapping[str, Sequence[tuple[int, float]]] | None = None,
             budget: Mapping[str, float] | None = None, target_budget: Mapping[str, float] | None = None,
             lr_source: str = "params") -> None:
    """The intermediate (none for the baseline: it trains nothing), target and evaluate runs of ``cell``,
    each with its ``results/`` record. ``dev_score``: the intermediate task's own dev metric; ``curve``: the
    ``train_loss`` history of both training runs; ``target_metrics``: the target run's (e.g. ``dev_acc``);
    ``epochs``: the target run's per-epoch histories (:func:`epoch_metrics`); ``budget`` and
    ``target_budget``: the intermediate and target runs' ``train_*`` metrics; ``lr_source``: the
    intermediate run's tag ``xstilts.lr_source``; ``predictions`` and ``metrics``: the evaluate run's (see
    :func:`log_evaluate`)."""
    task = tasks.get(cell.task)
    run_id = None
    if task.head is not None:
        values = {k: v for k, v in {f"dev_{task.dev_metric}": dev_score, **(budget or {})}.items() if v is not None}
        tags = _tags(cfg, "intermediate", cell) | {tracking.TAG_PREFIX + "lr_source": lr_source}
        run_id = tracking.log_finished_run(experiment, tags, values, {"train_loss": list(curve)}, {"lr": LR})
    _record(cell, results, "intermediate", run_id)
    target = {**(target_metrics or {}), **(target_budget or {})}
    history = {"train_loss": list(curve), **{k: list(v) for k, v in (epochs or {}).items()}}
    run_id = tracking.log_finished_run(experiment, _tags(cfg, "target", cell), target, history)
    _record(cell, results, "target", run_id, target_metrics)
    log_evaluate(experiment, cfg, cell, results, predictions, metrics)


def epoch_metrics(languages: Sequence[str], dev, test) -> dict[str, list[tuple[int, float]]]:
    """The per-epoch XNLI histories a target run logs: ``dev`` and ``test`` are ``[epochs, languages]``
    accuracies; returns ``{"epoch_xnli_<split>_acc_<lang>": [(epoch, value), ...], ..._avg: ...}``, epochs
    counted from 1."""
    out = {}
    for split, values in (("dev", np.asarray(dev, float)), ("test", np.asarray(test, float))):
        for j, lang in enumerate(languages):
            out[f"epoch_xnli_{split}_acc_{lang}"] = [(e + 1, float(v)) for e, v in enumerate(values[:, j])]
        out[f"epoch_xnli_{split}_acc_avg"] = [(e + 1, float(v)) for e, v in enumerate(values.mean(axis=1))]
    return out


def log_evaluate(experiment: str, cfg, cell: Cell, results: Path, predictions, metrics: Mapping[str, float],
                 artifact: bool = True) -> str:
    """The evaluate run with ``metrics`` (``xnli_<split>_acc_<lang>``, ``..._avg``); ``predictions`` (a
    DataFrame with at least ``split``, ``language``, ``pair_id``, ``correct``) go to the cell's
    ``predictions.parquet``, logged as the run's artifact unless ``artifact`` is false."""
    path = cell.predictions(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    predictions.to_parquet(path, index=False)
    digest = tracking.predictions_digest(path)  # recorded as the evaluate phase records it
    tags = _tags(cfg, "evaluate", cell) | {tracking.TAG_PREFIX + k: v for k, v in digest.items()}
    run_id = tracking.log_finished_run(experiment, tags, metrics, artifact=path if artifact else None)
    _record(cell, results, "evaluate", run_id, metrics, digest)
    return run_id


def _record(cell: Cell, results: Path, phase: str, run_id: str | None, metrics=None, extra=None) -> None:
    record = {"phase": phase, "model": cell.model, "task": cell.task, "seed": cell.seed, "run_id": run_id}
    if metrics is not None:
        record["metrics"] = dict(metrics)
    write_json(cell.result(phase, results), record | (extra or {}))


@contextlib.contextmanager
def _env(**values: str | None) -> Iterator[None]:
    """Set (or, with None, unset) environment variables for the block, then restore them."""
    def apply(settings: dict[str, str | None]) -> None:
        for name, value in settings.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    saved = {name: os.environ.get(name) for name in values}
    try:
        apply(values)
        yield
    finally:
        apply(saved)
