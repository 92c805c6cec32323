"""One training function for every phase (MLM warm-up, intermediate task, target task): HF Trainer.

What the Trainer gives us and we rely on: the AdamW optimizer with linear warm-up/decay, length-grouped
batches (``train_sampling_strategy="group_by_length"``), checkpoints for resuming (``work_dir``), seeding.
What we add: dynamic padding for word-level batches (:class:`PadCollator`), the loss, gradient norm and
learning rate per logging step in MLflow (:class:`LossToMlflow`), a per-epoch dev evaluation hook
(``on_epoch``) used for the dev learning curve, checkpoint selection and Optuna pruning, and what makes a
resumed run equal an uninterrupted one:

- the data order of an epoch is a function of (seed, epoch) (:class:`EpochSeededSampler`), not of the
  global RNG at the moment the epoch starts, so a run resumed inside an epoch sees the same batches;
- incomplete checkpoints (a kill or a full disk while one was written) are removed, never resumed;
- a work directory remembers the settings its checkpoints were made with (:class:`WorkDir`): a checkpoint
  of other settings is never resumed;
- a non-finite loss or gradient norm stops training at once (:class:`NonFiniteTraining`), before the
  optimizer step writes NaN into the weights.

``fit`` also reports the training budget of the whole training, resumed or not (:data:`BUDGET`).

Under ``torchrun`` (xstilts.distributed) the processes train with PyTorch DDP: the recipe's batch is the global
batch of a step, split over them and into accumulated micro-batches (:func:`batch_plan`), so the steps do not
change with their number; rank 0 alone evaluates, logs and writes, and checkpoints hold every rank's RNG state.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import re
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import Trainer, TrainerCallback, TrainingArguments
from transformers.trainer_callback import ExportableState
from transformers.trainer_pt_utils import LengthGroupedSampler, get_length_grouped_indices

from xstilts import distributed, tracking
from xstilts.errors import ConfigError, XstiltsError
from xstilts.io import write_json

log = logging.getLogger(__name__)


def device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


class PadCollator:
    """Pads every list-valued feature of a batch to the longest in the batch (no pad-to-max_length).

    ``pad_values`` maps feature name -> padding value (e.g. ``input_ids`` -> the tokenizer's pad id,
    word-level labels -> -100); features not listed are padded with 0. Scalars become 1-d tensors.
    ``pad_to_multiple_of`` rounds the width up (fewer distinct shapes for tensor cores and torch.compile).
    The ``length`` column exists only for length-grouped sampling and is dropped here.
    """

    def __init__(self, pad_values: Mapping[str, int], pad_to_multiple_of: int = 1):
        self.pad_values = dict(pad_values)
        self.multiple = pad_to_multiple_of

    def __call__(self, features: Sequence[Mapping[str, Any]]) -> dict[str, torch.Tensor]:
        batch = {}
        for key in features[0]:
            if key == "length":
                continue
            values = [f[key] for f in features]
            if isinstance(values[0], (list, tuple)):
                width = -(-max(len(v) for v in values) // self.multiple) * self.multiple
                pad = self.pad_values.get(key, 0)
                values = [list(v) + [pad] * (width - len(v)) for v in values]
            batch[key] = torch.tensor(values)
        return batch


class LossToMlflow(TrainerCallback):
    """Everything numeric the Trainer logs (loss, grad_norm, learning_rate, epoch, eval metrics, the closing
    summary), as MLflow metrics of the active run at the step it was logged, one call per logging step.

    The loss per step is ``train_loss`` (the name the report reads); the mean loss of the whole training
    that the Trainer reports at the end, also named ``train_loss`` there, is ``train_loss_mean``, so that it
    does not add a point to the curve.
    """

    RENAME = {"loss": "train_loss", "train_loss": "train_loss_mean"}

    def on_log(self, args, state, control, logs=None, **kwargs):
        metrics = {
            self.RENAME.get(k, k): v for k, v in (logs or {}).items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        }  # fmt: skip
        if metrics:
            tracking.log_metrics(metrics, step=state.global_step)


class EpochHook(TrainerCallback):
    """Calls ``on_epoch(model, epoch, global_step)`` at the end of every epoch (e.g. dev evaluation).

    When ``on_epoch`` has a ``history`` of the epochs it has seen (xstilts.phases.DevMonitor), an epoch that
    ended without being seen (the phase was killed between the checkpoint of the epoch's last step and the
    evaluation, then resumed) is caught up when the next epoch begins, with the weights of that checkpoint.
    The time spent in ``on_epoch`` is not training time: :func:`fit` hands the hook its :class:`TrainClock`.

    In a data-parallel launch (xstilts.distributed) ``on_epoch`` runs on rank 0 only, with the weights every
    rank holds, while the other ranks wait: evaluating once, on the batches a single process would use, gives
    the numbers of a single process and no duplicate MLflow points; sharding it would save little (the
    evaluation is a small part of a phase) for a gather of predictions in order. Rank 0 also decides whether an
    epoch is to be caught up (only it keeps the evaluation history), and all ranks follow.
    """

    def __init__(self, on_epoch: Callable[[torch.nn.Module, int, int], None]):
        self.on_epoch = on_epoch
        self.clock: TrainClock | None = None

    def on_epoch_begin(self, args, state, control, model=None, **kwargs):
        done = state.epoch or 0
        missed = distributed.on_main(
            lambda: done >= 1 and done == int(done) and int(done) not in getattr(self.on_epoch, "history", {int(done)})
        )
        if missed:
            self._call(model, int(done), state.global_step)

    def on_epoch_end(self, args, state, control, model=None, **kwargs):
        self._call(model, round(state.epoch), state.global_step)

    def _call(self, model, epoch: int, step: int) -> None:
        with self.clock.paused() if self.clock else contextlib.nullcontext():
            if distributed.is_main():
                model.eval()
                self.on_epoch(model, epoch, step)
                model.train()
            distributed.barrier()  # the other ranks wait for rank 0's evaluation


class TrainClock(TrainerCallback, ExportableState):
    """Wall seconds of training, over every attempt of a resumed run.

    The seconds so far are part of the Trainer's state (``stateful_callbacks`` in each checkpoint's
    ``trainer_state.json``, written with the checkpoint), so a resumed run starts from the seconds of
    the checkpoint it resumes: the count covers the training that led to the final weights. Time an
    interrupted attempt spent after its last checkpoint is not counted (those steps are trained again,
    and counted, in the attempt that resumes). Left out: the time in :meth:`paused` (the per-epoch
    evaluations of :class:`EpochHook`) and everything before the Trainer's ``on_train_begin`` (loading,
    encoding, building the optimizer and reading a checkpoint).
    """

    def __init__(self, seconds: float = 0.0):
        self.before = seconds  # seconds of the attempts before this one (from the resumed checkpoint)
        self._started: float | None = None
        self._paused = 0.0

    @property
    def seconds(self) -> float:
        running = time.perf_counter() - self._started - self._paused if self._started is not None else 0.0
        return self.before + running

    def state(self) -> dict:
        return {"args": {"seconds": self.seconds}, "attributes": {}}

    def on_train_begin(self, args, state, control, **kwargs):
        name = type(self).__name__
        # a resumed run: the seconds its checkpoint recorded (a checkpoint of older code has none)
        saved = state.stateful_callbacks.get(name) if state.global_step else None
        self.before = float(saved["args"]["seconds"]) if isinstance(saved, dict) else 0.0
        state.stateful_callbacks[name] = self.state()  # the Trainer updates this entry at each checkpoint
        self._started, self._paused = time.perf_counter(), 0.0

    def on_train_end(self, args, state, control, **kwargs):
        self.before, self._started = self.seconds, None

    @contextlib.contextmanager
    def paused(self):
        start = time.perf_counter()
        try:
            yield
        finally:
            self._paused += time.perf_counter() - start


class NonFiniteTraining(XstiltsError):
    """Training diverged: a loss or gradient norm is inf/NaN (the phase fails; no output is written)."""


class EpochSeededSampler(LengthGroupedSampler):
    """HF's length-grouped order, drawn from a generator seeded by (seed, epoch).

    The stock sampler draws its permutation from the global torch RNG when an epoch starts; a run resumed
    inside an epoch starts that epoch at another RNG state and so trains on other batches than the
    uninterrupted run. The Trainer (through accelerate) calls ``set_epoch`` before every epoch, also
    after a resume, so here the order depends on nothing else. Lengths are kept as a plain list:
    ``dataset["length"]`` is a lazy datasets ``Column`` whose per-index lookups cost 15.8 s per MNLI epoch
    against 3.4 s with a list (measured on this 2-core CPU).

    ``batch_size`` is the global batch (all processes, all accumulated micro-batches: one optimiser step). In
    a data-parallel launch every rank draws the same order and accelerate deals its consecutive micro-batches
    out to the ranks in turn (``BatchSamplerShard``), so each optimiser step sees the examples it sees in a
    single process.
    """

    def __init__(self, batch_size: int, lengths: Sequence[int], seed: int):
        super().__init__(batch_size, lengths=list(lengths))
        self.seed, self.epoch = seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        return iter(get_length_grouped_indices(self.lengths, self.batch_size, generator=generator))


class _Trainer(Trainer):
    """HF Trainer with the epoch-seeded length-grouped order and a stop on the first non-finite step."""

    def _get_train_sampler(self, train_dataset=None):
        dataset = train_dataset if train_dataset is not None else self.train_dataset
        if self.args.train_sampling_strategy != "group_by_length" or "length" not in dataset.column_names:
            return super()._get_train_sampler(train_dataset)
        batch = self.args.train_batch_size * self.args.gradient_accumulation_steps * self.args.world_size
        self._seeded_sampler = EpochSeededSampler(batch, length_column(dataset), self.args.data_seed)
        return self._seeded_sampler

    def _run_epoch(self, *args, **kwargs):
        # The Trainer sets the epoch through the data loader, which does not reach the sampler when the batches
        # a resumed epoch already trained are skipped in a data-parallel launch (accelerate's SkipBatchSampler
        # over BatchSamplerShard over the BatchSampler): the epoch would start in epoch 0's order. Set it here.
        sampler = getattr(self, "_seeded_sampler", None)
        if sampler is not None:
            sampler.set_epoch(kwargs["epoch"] if "epoch" in kwargs else args[1])
        return super()._run_epoch(*args, **kwargs)

    def training_step(self, model, inputs, num_items_in_batch=None):
        loss = super().training_step(model, inputs, num_items_in_batch)
        # rank 0 only: a rank's own loss, and rank 0 ends the run FAILED (another rank failing first would have
        # torchrun stop rank 0, KILLED); a non-finite loss elsewhere reaches every rank's gradient norm below
        if not torch.isfinite(loss) and distributed.is_main():
            self._diverged("loss", loss.item())
        return loss

    def _save_rng_state(self, output_dir):
        super()._save_rng_state(output_dir)
        # each rank writes its own rng_state_<rank>.pth: all are on disk before rank 0 writes trainer_state.json,
        # a checkpoint's last file, and removes the checkpoint before it
        distributed.barrier()

    def _get_grad_norm(self, model, grad_norm=None):
        # called after the gradients are complete and before the optimizer step, so NaN never reaches weights
        norm = super()._get_grad_norm(model, grad_norm)
        if norm is not None and not math.isfinite(float(norm)):
            self._diverged("gradient norm", float(norm))
        return norm

    def _diverged(self, what: str, value: float):
        step = self.state.global_step + 1
        raise NonFiniteTraining(
            f"training diverged at step {step} of {self.state.max_steps}: the {what} is {value} "
            f"(learning rate {self.args.learning_rate:g}); nothing was written, try a lower learning rate"
        )


# The training budget that `fit` reports (run metrics of the intermediate and target phases).
BUDGET = ("train_examples", "train_steps", "train_tokens", "train_seconds")


@dataclasses.dataclass(frozen=True)
class BatchPlan:
    """How a recipe's batch is computed: ``world_size`` processes, each accumulating ``accumulation``
    micro-batches of ``device_batch`` examples; their product is the recipe's (global) batch."""

    world_size: int
    device_batch: int
    accumulation: int

    def params(self) -> dict[str, int]:
        """The plan as MLflow params."""
        return {"world_size": self.world_size, "device_batch_size": self.device_batch,
                "gradient_accumulation_steps": self.accumulation}  # fmt: skip


def batch_plan(batch_size: int, device_batch_size: int | None = None, key: str = "train.batch_size") -> BatchPlan:
    """Split the recipe's ``batch_size`` (the global batch of one optimiser step, whatever the number of
    processes, so that the steps and the recipe do not change with it) over this launch's processes
    (xstilts.distributed.world_size), and each process's share into micro-batches of at most
    ``device_batch_size`` examples (params.yaml ``compute.device_batch_size``; None = no cap), accumulated
    before the step: the largest such micro-batch that divides the share. A global batch that the processes
    cannot share evenly is a ConfigError naming ``key``."""
    world = distributed.world_size()
    if batch_size % world:
        raise ConfigError(
            f"{key}: the batch of {batch_size} is the global batch of a step and must be divisible by the "
            f"{world} processes of this launch (WORLD_SIZE), e.g. {batch_size - batch_size % world or world}"
        )
    share = batch_size // world
    cap = min(device_batch_size or share, share)
    accumulation = next(n for n in range(1, share + 1) if share % n == 0 and share // n <= cap)
    return BatchPlan(world, share // accumulation, accumulation)


def fit(
    model: torch.nn.Module,
    train_dataset,
    collator: Callable,
    spec,
    *,
    seed: int,
    work_dir: Path,
    callbacks: Sequence[TrainerCallback] = (),
    compile: bool = False,
    device_batch_size: int | None = None,
) -> dict[str, float]:
    """Train ``model`` on ``train_dataset`` with the recipe ``spec`` (a config.TrainSpec).

    Checkpoints go to ``work_dir``; if a complete checkpoint is there (an interrupted earlier run with the
    same work_dir; :class:`WorkDir` makes sure its settings were the same), training resumes from it.
    ``compile`` (params.yaml ``compute.torch_compile``) has the Trainer ``torch.compile`` the model on a GPU.
    ``spec.batch_size`` is the global batch, split by :func:`batch_plan` (``device_batch_size``: the cap on a
    process's micro-batch) over the processes of a torchrun launch, which train with PyTorch DDP.

    Returns the Trainer's summary metrics (of this attempt) and the budget of the whole training, resumed
    or not (:data:`BUDGET`): ``train_examples`` (examples in ``train_dataset``), ``train_steps`` (optimiser
    steps: the Trainer's ``global_step``), ``train_tokens`` (the examples' ``length`` summed, times the epochs
    run: real sub-word tokens, specials included, padding excluded; for a fractional last epoch the
    fraction of its batches is counted at the average length) and ``train_seconds`` (:class:`TrainClock`).
    """
    work_dir = Path(work_dir)
    on_gpu = device() == "cuda"
    plan = batch_plan(spec.batch_size, device_batch_size)
    args = training_arguments(spec, seed=seed, work_dir=work_dir, on_gpu=on_gpu, compile=compile, plan=plan)
    if on_gpu and isinstance(collator, PadCollator):
        # tensor cores like widths in multiples of 8; compiled models also recompile less with few shapes
        collator = PadCollator(collator.pad_values, pad_to_multiple_of=32 if compile else 8)
    clock = TrainClock()
    for callback in callbacks:
        if isinstance(callback, EpochHook):  # its evaluations are not training time
            callback.clock = clock
    trainer = _Trainer(
        model=model,
        args=args,
        train_dataset=train_dataset,
        data_collator=collator,
        callbacks=[LossToMlflow(), clock, *callbacks],
    )
    checkpoint = distributed.on_main(lambda: last_checkpoint(work_dir))  # one process cleans the directory
    if checkpoint:
        log.info("resuming from %s", checkpoint)
    result = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    state = trainer.state
    tokens = sum(length_column(train_dataset)) if "length" in train_dataset.column_names else 0
    budget = {
        "train_examples": len(train_dataset),
        "train_steps": state.global_step,
        "train_tokens": round(tokens * (state.epoch or 0)),
        "train_seconds": clock.seconds,
    }
    return {**result.metrics, **budget}


def length_column(dataset) -> list[int]:
    """The ``length`` column of a datasets.Dataset as a plain list, read in one piece: iterating the lazy
    ``dataset["length"]`` took 27 s for 392,702 rows (MNLI's size) on this 2-core CPU under load, this 0.01 s."""
    return dataset.select_columns(["length"]).to_pandas()["length"].tolist()


def training_arguments(spec, *, seed: int, work_dir: Path, on_gpu: bool, compile: bool = False,
                       plan: BatchPlan | None = None) -> TrainingArguments:  # fmt: skip
    """The Trainer's arguments for the recipe ``spec``; bf16 autocast, loader workers and compilation on a GPU only.

    ``plan`` (default: :func:`batch_plan` of the recipe's batch) gives the per-process micro-batch and the
    accumulation; in a torchrun launch the processes use the process group of xstilts.distributed (NCCL on
    GPUs, gloo on CPUs).
    """
    plan = plan or batch_plan(spec.batch_size)
    parallel = {"ddp_backend": distributed.backend()} if plan.world_size > 1 else {}  # one process: no backend
    return TrainingArguments(
        output_dir=str(work_dir),
        learning_rate=spec.lr,
        num_train_epochs=spec.epochs,
        per_device_train_batch_size=plan.device_batch,
        gradient_accumulation_steps=plan.accumulation,
        ddp_timeout=distributed.TIMEOUT_S,
        **parallel,
        warmup_steps=spec.warmup_ratio,  # a float < 1 is a fraction of the training steps
        weight_decay=spec.weight_decay,
        max_grad_norm=1.0,
        adam_epsilon=1e-8,
        lr_scheduler_type="linear",
        train_sampling_strategy="group_by_length",
        length_column_name="length",
        seed=seed,
        data_seed=seed,
        save_strategy="steps",
        save_steps=0.1,  # a fraction of the training steps: 10 restart points per phase
        save_total_limit=1,
        logging_strategy="steps",
        logging_steps=0.02,
        report_to="none",
        remove_unused_columns=False,
        dataloader_num_workers=2 if on_gpu else 0,
        bf16=on_gpu and torch.cuda.is_bf16_supported(),
        torch_compile=on_gpu and compile,
        use_cpu=not on_gpu,
        disable_tqdm=False,
    )


def clear_work_dir(work_dir: Path) -> None:
    """Checkpoints are only for resuming: drop them once the phase's outputs are safely written."""
    shutil.rmtree(work_dir, ignore_errors=True)


# -- resuming -------------------------------------------------------------------------------------------

_CHECKPOINT = re.compile(r"checkpoint-(\d+)")
# What a checkpoint needs for an exact resume; trainer_state.json is written last by the Trainer (in a
# data-parallel launch after every rank's RNG state: _Trainer._save_rng_state).
CHECKPOINT_FILES = ("trainer_state.json", "optimizer.pt", "scheduler.pt", "rng_state.pth")


def checkpoint_files(world_size: int = 1) -> tuple[str, ...]:
    """The files of a complete checkpoint of ``world_size`` processes: each rank saves its own RNG state."""
    if world_size <= 1:
        return CHECKPOINT_FILES
    return (*CHECKPOINT_FILES[:-1], *(f"rng_state_{rank}.pth" for rank in range(world_size)))


def last_checkpoint(work_dir: Path) -> Path | None:
    """The newest complete checkpoint in ``work_dir``; incomplete ones are removed with a warning.

    A kill or a full disk while a checkpoint is written leaves a directory without some of its files; the
    Trainer would pick it as the newest and fail on it in every later run. Complete means complete for this
    launch's number of processes (:func:`checkpoint_files`).
    """
    work_dir = Path(work_dir)
    needed = checkpoint_files(distributed.world_size())
    found = sorted(
        (int(m[1]), path) for path in work_dir.glob("checkpoint-*") if (m := _CHECKPOINT.fullmatch(path.name))
    ) if work_dir.is_dir() else []  # fmt: skip
    for _, path in reversed(found):
        weights = any(path.glob("*.safetensors")) or (path / "pytorch_model.bin").exists()
        missing = [name for name in needed if not (path / name).is_file()]
        if weights and not missing and _readable_json(path / "trainer_state.json"):
            return path
        log.warning("removing incomplete checkpoint %s (missing or unreadable: %s)", path,
                    ", ".join(missing or ["weights" if not weights else "trainer_state.json"]))
        shutil.rmtree(path, ignore_errors=True)
    return None


def _readable_json(path: Path) -> bool:
    try:
        json.loads(path.read_text())
        return True
    except (OSError, ValueError):
        return False


class WorkDir:
    """A phase's checkpoint directory, keyed by the settings that produced its checkpoints.

    ``settings.json`` holds the resolved settings (recipe, seed, upstream model, data digests: whatever
    the caller says the training depends on); ``run.json`` the MLflow run that trains there. A directory
    made with other settings is cleared, saying what differs, and its run, if a kill left it RUNNING,
    is ended KILLED; with the same settings and a complete checkpoint the phase resumes, in its own run.
    In a data-parallel launch rank 0 alone reads, clears and writes the directory; the other ranks get its
    answer (xstilts.distributed.on_main).
    """

    SETTINGS, RUN = "settings.json", "run.json"

    def __init__(self, path: Path, settings: Mapping[str, Any]):
        self.path = Path(path)
        self.settings = json.loads(json.dumps(settings, default=str))  # plain JSON values, as read back

    def open(self) -> str | None:
        """Prepare the directory; returns the MLflow run id to continue, or None for a fresh start."""
        return distributed.on_main(self._open)

    def _open(self) -> str | None:
        recorded = self._read(self.SETTINGS)
        previous_run = (self._read(self.RUN) or {}).get("run_id")
        resumable = recorded == self.settings and last_checkpoint(self.path) is not None
        if not resumable:
            # any checkpoint, not only one complete for this launch: one of another number of processes too
            if recorded is not None and recorded != self.settings and any(self.path.glob("checkpoint-*")):
                log.warning("not resuming the checkpoint in %s: it was made with other settings (%s); starting fresh",
                            self.path, _differences(recorded, self.settings))
            if previous_run:
                tracking.end_orphan_run(previous_run)
            clear_work_dir(self.path)
            previous_run = None
        self.path.mkdir(parents=True, exist_ok=True)
        write_json(self.path / self.SETTINGS, self.settings)
        return previous_run

    def record_run(self, run_id: str) -> None:
        if distributed.is_main():
            write_json(self.path / self.RUN, {"run_id": run_id})

    def clear(self) -> None:
        if distributed.is_main():
            clear_work_dir(self.path)

    def _read(self, name: str):
        try:
            return json.loads((self.path / name).read_text())
        except (OSError, ValueError):
            return None


def _differences(old: Mapping, new: Mapping, prefix: str = "") -> str:
    """``lr 0.002 -> 0.001, seed 1 -> 2``: the settings that differ (nested keys dotted)."""
    changes = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            inner = _differences(a, b, f"{prefix}{key}.")
            changes += [inner] if inner else []
        elif a != b:
            changes.append(f"{prefix}{key} {a} -> {b}")
    return ", ".join(changes)
