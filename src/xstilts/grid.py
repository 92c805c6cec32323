"""The experiment grid's unit: a cell (model, task, seed), and every name derived from one.

A cell owns where its phases write (models, results, checkpoints), the DVC stage that produces each of
its outputs, and its MLflow run name and tags; nothing else spells ``<model>/<task>/seed<S>`` or
``target@<model>-<task>-<seed>``. The outputs that belong to less than a cell (the pretrained model of a
model, the tuned learning rate of a model and task) are named by the functions below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xstilts import paths

# The phase whose DVC stage produces each phase's outputs: the target stage also evaluates (one process
# start per cell instead of two), so evaluate's outputs come from target@<cell>.
STAGE_OF = {"intermediate": "intermediate", "target": "target", "evaluate": "target"}


@dataclass(frozen=True, order=True)
class Cell:
    model: str
    task: str
    seed: int

    def __str__(self) -> str:
        return f"{self.model}/{self.task}/seed{self.seed}"

    def model_dir(self, phase: str) -> Path:
        """``models/<phase>/<model>/<task>/seed<S>``: the encoder (and head) a phase saves."""
        return paths.MODELS / phase / self.model / self.task / f"seed{self.seed}"

    def results_dir(self, results: Path = paths.RESULTS) -> Path:
        return Path(results) / self.model / self.task / f"seed{self.seed}"

    def result(self, phase: str, results: Path = paths.RESULTS) -> Path:
        """``results/<model>/<task>/seed<S>/<phase>.json``: the phase's MLflow run id and metrics."""
        return self.results_dir(results) / f"{phase}.json"

    def predictions(self, results: Path = paths.RESULTS) -> Path:
        """Per-example zero-shot XNLI predictions of the evaluate phase."""
        return self.results_dir(results) / "predictions.parquet"

    def work_dir(self, phase: str) -> Path:
        """Checkpoints of a phase while it trains (xstilts.train.WorkDir)."""
        return paths.WORK / phase / self.model / self.task / f"seed{self.seed}"

    def stage(self, phase: str) -> str:
        """The dvc.yaml stage that produces ``phase``'s outputs (matrix stages are named ``name@a-b-c``)."""
        return f"{STAGE_OF[phase]}@{self.model}-{self.task}-{self.seed}"

    def run_name(self, phase: str) -> str:
        """The MLflow run name, e.g. ``intermediate mbert sts-b s1``."""
        return f"{phase} {self.model} {self.task} s{self.seed}"


def pretrained_dir(model: str) -> Path:
    return paths.MODELS / "pretrained" / model


def pretrained_result(model: str, results: Path = paths.RESULTS) -> Path:
    return Path(results) / model / "pretrained.json"


def pretrained_stage(model: str) -> str:
    return f"pretrained@{model}"


def tuned_lr_path(model: str, task: str, results: Path = paths.RESULTS) -> Path:
    """The best learning rate of the search of (model, task) (DVC stage ``tune@<model>-<task>``)."""
    return Path(results) / model / task / "tuned_lr.json"


def tune_stage(model: str, task: str) -> str:
    return f"tune@{model}-{task}"


def trial_work_dir(model: str, task: str, trial: int, pid: int) -> Path:
    """Checkpoints of one tuning trial: by trial number and worker pid, so parallel workers never share one."""
    return paths.WORK / "tune" / model / task / f"trial{trial}-{pid}"
