"""Producing a phase's missing upstream outputs, so that one phase can be run on a fresh clone.

``mlflow run . -e intermediate -P task=sts-b`` on a fresh clone has no prepared data and no pretrained
model yet. When the missing outputs belong to stages of ``dvc.yaml`` (the cell is in the grid and no
parameter was overridden), they are produced with ``dvc repro <stage>``, so DVC records them and a later
``dvc repro`` does not redo them. Otherwise (a cell outside the grid, overridden parameters) the upstream
phases run in this process with the same configuration. Inside a DVC stage nothing is produced: DVC has
already run the upstream stages, so anything missing there is an error.
"""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

from xstilts import distributed, grid, paths
from xstilts.errors import MissingUpstreamError, XstiltsError
from xstilts.grid import Cell

log = logging.getLogger(__name__)

# phase -> the phase right before it
PREVIOUS = {"pretrained": "prepare", "intermediate": "pretrained", "target": "intermediate", "evaluate": "target"}


def output_of(phase: str, cell: Cell) -> Path:
    """The directory whose presence means ``phase`` is done for this cell."""
    if phase == "prepare":
        return paths.DATA_PREPARED
    if phase == "pretrained":
        return grid.pretrained_dir(cell.model)
    return cell.model_dir(phase)


def stage_name(phase: str, cell: Cell) -> str:
    """The dvc.yaml stage that produces ``phase``'s output for this cell."""
    if phase == "prepare":
        return "prepare"
    if phase == "pretrained":
        return grid.pretrained_stage(cell.model)
    return cell.stage(phase)


def missing(phase: str, cell: Cell) -> list[str]:
    """Upstream phases of ``phase`` whose outputs are missing, nearest last."""
    needed = []
    current = PREVIOUS.get(phase)
    while current is not None and not output_of(current, cell).exists():
        needed.append(current)
        current = PREVIOUS.get(current)
    return needed


def ensure(cfg, phase: str, cell: Cell, *, in_grid: bool) -> None:
    """Produce the missing upstream outputs of ``phase`` (see the module docstring)."""
    needed = missing(phase, cell)
    if not needed:
        return
    nearest = needed[0]
    if distributed.world_size() > 1:  # N processes would each produce it; every rank says so and stops
        raise MissingUpstreamError(
            f"{output_of(nearest, cell)} missing: a torchrun launch does not produce upstream outputs; "
            f"run `dvc repro {stage_name(nearest, cell)}` (or the phase without torchrun) first"
        )
    if os.environ.get("DVC_STAGE"):
        raise MissingUpstreamError(
            f"{output_of(nearest, cell)} missing inside DVC stage {os.environ['DVC_STAGE']}; "
            f"run `dvc repro {stage_name(nearest, cell)}`"
        )
    if in_grid and Path("dvc.yaml").exists():
        stage = stage_name(nearest, cell)
        log.info("upstream output missing: running `dvc repro %s`", stage)
        env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID")}
        if subprocess.run(["dvc", "repro", stage], env=env).returncode != 0:
            raise XstiltsError(f"`dvc repro {stage}` failed (see its output above)")
        return
    from xstilts import phases, prepare

    for step in reversed(needed):
        log.info("upstream output missing: running phase %s in this process", step)
        if step == "prepare":
            prepare.run(cfg)
        elif step == "pretrained":
            phases.pretrained(cfg, cell.model)
        elif step == "intermediate":
            phases.intermediate(cfg, cell, phases.learning_rate(cfg, cell.model, cell.task))
        elif step == "target":
            phases.target(cfg, cell)
