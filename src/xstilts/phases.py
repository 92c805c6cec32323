"""The protocol's phases as plain functions: pretrained -> intermediate -> target -> evaluate.

Each phase is one MLflow run (xstilts.tracking), reads only local files written by the phase before it,
writes its outputs atomically (build under a temporary name, then rename) and records its MLflow run id
and metrics in ``results/<model>/<task>/seed<S>/<phase>.json``; the report finds its runs from those
files, also when DVC restored the outputs from its run-cache without running anything.

Training checkpoints live in ``work/`` (git- and DVC-ignored) until the phase's outputs are written. A
killed phase run again with the same settings resumes from its last complete checkpoint, in the same
MLflow run, and ends with the same numbers as an uninterrupted run (xstilts.train.WorkDir); with other
settings it starts fresh and says why.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
from pathlib import Path

from xstilts import distributed, grid, models, paths, tasks, tracking
from xstilts.grid import Cell
from xstilts.io import replacing_dir, write_json

log = logging.getLogger(__name__)

EVAL_BATCH_SIZE = 128  # inference only: larger batches are free of optimisation effects
# What each target.selection rule selects on: best-en-dev is XTREME's practice, English XNLI dev accuracy
# (from the per-epoch zero-shot pass); None = the final state.
SELECT_ON = {"final": None, "best-en-dev": "xnli_dev_acc_en"}
# The training budget of the baseline, which trains nothing: xstilts.train.BUDGET's keys, stated here so that
# the baseline's phase does not import torch (tests/test_train.py checks that the keys agree).
NO_TRAINING = {"train_examples": 0, "train_steps": 0, "train_tokens": 0, "train_seconds": 0.0}
XNLI_CONTEXTS = {"dev": "validation", "test": "test"}  # the MLflow dataset context of each zero-shot XNLI split


# -- phase (i): pretrained MLM -----------------------------------------------------------------------


def pretrained(cfg, model: str) -> dict:
    """Smoke: build + warm up the tiny model. Paper: snapshot the hub checkpoint. Into models/pretrained/."""
    from xstilts.train import WorkDir

    distributed.single_process("xstilts pretrained")
    spec = cfg.model(model)
    out = grid.pretrained_dir(model)
    params = {"hub_id": spec.hub_id, "revision": spec.revision} if cfg.profile == "paper" else {
        **dataclasses.asdict(spec.tiny), **_train_params(cfg.pretrained.mlm), "seed": cfg.pretrained.seed
    }
    work = WorkDir(paths.WORK / "pretrained" / model, {"phase": "pretrained", "model": model, **params,
                                                        "data": _data_digest("corpus")})
    resume = work.open() if cfg.profile == "smoke" else None
    with tracking.phase_run(cfg, "pretrained", model=model, name=f"pretrained {model}", params=params,
                            resume=resume) as run:  # fmt: skip
        work.record_run(run.info.run_id)
        if cfg.profile == "paper":
            models.snapshot_hub_model(spec, out, model)
            metrics = {}
        else:
            from xstilts.evaluate import load_prepared

            corpus = load_prepared("corpus")
            _log_data(corpus="training")
            with replacing_dir(out) as tmp:
                metrics = models.build_smoke_model(cfg, model, corpus, tmp, work.path, seed=cfg.pretrained.seed)
            tracking.log_metrics(metrics)
        summary = {"phase": "pretrained", "model": model, "run_id": run.info.run_id, "metrics": metrics}
    write_json(grid.pretrained_result(model), summary)
    work.clear()
    return summary


# -- phase (ii): intermediate task --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LearningRate:
    value: float
    source: str  # cli, override, tuned or params (tag xstilts.lr_source)


def learning_rate(cfg, model: str, task: str, cli_lr: float | None = None) -> LearningRate | None:
    """The intermediate phase's learning rate and where it comes from: the one place of the rule.

    An explicit ``--lr`` wins (``cli``), then an explicit ``-S tasks.<task>.train.lr=...`` (``override``),
    then the tuned rate of ``results/<model>/<task>/tuned_lr.json`` when ``tune.use_tuned_lr``
    (``tuned``), then ``params.yaml`` (``params``). None for the baseline, which does not train.
    """
    from xstilts import tune

    if cfg.task(task).train is None:
        return None
    if cli_lr is not None:
        return LearningRate(cli_lr, "cli")
    if cfg.is_overridden(f"tasks.{task}.train.lr"):
        return LearningRate(cfg.task(task).train.lr, "override")
    tuned = tune.tuned_lr(cfg, model, task)
    if tuned is not None:
        return LearningRate(tuned, "tuned")
    return LearningRate(cfg.task(task).train.lr, "params")


def intermediate(cfg, cell: Cell, lr: LearningRate | None) -> dict:
    """Train the pretrained encoder on the cell's task with ``lr``; save ``encoder/`` and ``head/`` apart."""
    task = tasks.get(cell.task)
    out = cell.model_dir("intermediate")
    if task.head is None:  # the baseline: nothing to train, point at the pretrained encoder
        summary = {"phase": "intermediate", "model": cell.model, "task": cell.task, "seed": cell.seed, "run_id": None,
                   "budget": NO_TRAINING}  # fmt: skip
        if distributed.is_main():
            with replacing_dir(out) as tmp:
                write_json(tmp / models.PASSTHROUGH, {"encoder": str(grid.pretrained_dir(cell.model))})
            write_json(cell.result("intermediate"), summary)
        distributed.barrier()
        return summary

    from xstilts import heads
    from xstilts.train import WorkDir, batch_plan

    spec = cfg.task(cell.task)
    recipe = dataclasses.replace(spec.train, lr=lr.value)
    plan = batch_plan(recipe.batch_size, cfg.compute.device_batch_size, f"tasks.{cell.task}.train.batch_size")
    work = WorkDir(cell.work_dir("intermediate"), {
        "phase": "intermediate", "model": cell.model, "task": cell.task, "seed": cell.seed,
        "recipe": dataclasses.asdict(recipe), "head": spec.head,
        "upstream": _run_of(grid.pretrained_result(cell.model)),
        "data": _data_digest(task.train_split, task.dev_split), "compile": cfg.compute.torch_compile,
        "parallel": dataclasses.asdict(plan),  # a checkpoint resumes with the same processes and micro-batches
    })  # fmt: skip
    with _phase_run(cfg, "intermediate", cell, resume=work.open()) as run:
        work.record_run(run.info.run_id)
        tracking.set_tags({"selection": "final", "lr_source": lr.source})
        _log_data(**{task.train_split: "training", task.dev_split: "validation"})
        result = _train_intermediate(cfg, cell.model, cell.task, cell.seed, recipe, work.path)
        if not distributed.is_main():  # another rank of a data-parallel launch: rank 0 writes the outputs
            return _wait_for_main()
        tracking.log_metrics({f"dev_{k}": v for k, v in result.metrics.items()})
        with replacing_dir(out) as tmp:
            result.net.encoder.save_pretrained(tmp / "encoder")
            result.tokenizer.save_pretrained(tmp / "encoder")
            heads.save_head(result.net.head, tmp / "head")
            write_json(tmp / "head" / "labels.json", result.vocab)
            written = task.write_predictions(result.predictions, result.dev_split, tmp / "dev_predictions")
        for path in written:  # the dev predictions in the task's own format, e.g. CoNLL-U for a parser
            tracking.log_artifact(out / "dev_predictions" / path.name, "dev_predictions")
        summary = _summary("intermediate", cell, run, result.metrics, recipe)
        summary |= {"lr_source": lr.source, "truncated": result.truncated, "budget": result.budget}
    write_json(cell.result("intermediate"), summary)
    work.clear()
    distributed.barrier()  # the other ranks exit once the outputs are written
    return summary


def intermediate_trial(cfg, model: str, task_name: str, seed: int, *, lr: float, work: Path, report) -> dict:
    """One tuning trial (xstilts.tune): train like the intermediate phase with ``lr`` (on
    ``tune.train_subsample`` examples, checkpoints in ``work``), calling ``report(epoch, dev_metrics)``
    after every epoch; returns the final dev metrics; nothing is saved."""
    from xstilts.train import clear_work_dir

    recipe = dataclasses.replace(cfg.task(task_name).train, lr=lr)
    clear_work_dir(work)  # a trial never resumes another trial's checkpoint
    try:
        result = _train_intermediate(
            cfg, model, task_name, seed, recipe, work, subsample=cfg.tune.train_subsample, report=report
        )
    finally:
        clear_work_dir(work)
    return result.metrics


@dataclasses.dataclass
class Trained:
    """What training a phase's model leaves: the model, its dev metrics and predictions (selected state)."""

    net: object
    tokenizer: object
    vocab: list
    metrics: dict
    predictions: list
    dev_split: object
    truncated: dict
    selected_epoch: int | None
    budget: dict  # xstilts.train.BUDGET of the whole training, resumed or not


def _train_intermediate(cfg, model, task_name, seed, recipe, work, subsample=None, report=None) -> Trained:
    """Pretrained encoder + the task's fresh head, trained with ``recipe``; logs to the active run."""
    from transformers import set_seed

    from xstilts.evaluate import load_prepared

    task, spec = tasks.get(task_name), cfg.task(task_name)
    encoder, tokenizer = models.load_encoder(grid.pretrained_dir(model))
    train_split, dev_split = load_prepared(task.train_split), load_prepared(task.dev_split)
    if subsample and subsample < len(train_split):
        train_split = train_split.shuffle(seed=seed).select(range(subsample))
    vocab = task.label_vocab(train_split)
    set_seed(seed)  # Python, numpy and torch, before the head is built: the same seed gives the same run
    head = _head(task.head, encoder.config.hidden_size, spec.head, task.head_options(vocab), f"tasks.{task_name}.head")
    net = models.encoder_with_head(encoder, head)
    tracking.log_params(
        {**_train_params(recipe), **{f"head_{k}": v for k, v in spec.head.items()}, "labels": len(vocab),
         "train_examples": len(train_split)}  # fmt: skip
    )
    return _train(net, tokenizer, task, vocab, train_split, dev_split, recipe, seed, work, report=report,
                  compile=cfg.compute.torch_compile, device_batch=cfg.compute.device_batch_size)


# -- phase (iii): target task (MNLI) -------------------------------------------------------------------


def target(cfg, cell: Cell) -> tuple[dict, object, object]:
    """Fresh 3-way head on the intermediate encoder, trained on English MNLI.

    After every epoch: MNLI dev (``epoch_dev_acc``) and zero-shot XNLI dev and test in every language
    (``epoch_xnli_<split>_acc_<lang>``, ``_avg``; step = epoch), whatever the selection rule, so that the
    report can compare selection rules on dev and report them on test. ``best-en-dev`` selects on the
    epoch's ``xnli_dev_acc_en``. Returns (summary, trained model, tokenizer) so that evaluation can follow
    in the same process.
    """
    from transformers import set_seed

    from xstilts import evaluate as evaluation
    from xstilts import heads
    from xstilts.evaluate import load_prepared
    from xstilts.tasks._nli import NLI
    from xstilts.train import WorkDir, batch_plan

    source = models.encoder_path(cell.model_dir("intermediate"))
    upstream = _run_of(cell.result("intermediate")) or _run_of(grid.pretrained_result(cell.model))
    recipe = cfg.target_train(cell.model)
    batch_key = "batch_size" in cfg.target.models.get(cell.model, {}) and f"target.models.{cell.model}.batch_size"
    plan = batch_plan(recipe.batch_size, cfg.compute.device_batch_size, batch_key or "target.train.batch_size")
    params = {**_train_params(recipe), "selection": cfg.target.selection, "encoder": str(source)}
    work = WorkDir(cell.work_dir("target"), {
        "phase": "target", "model": cell.model, "task": cell.task, "seed": cell.seed, **params, "head": cfg.target.head,
        "upstream": upstream, "languages": list(cfg.languages),
        "data": _data_digest(NLI.train_split, NLI.dev_split, *evaluation.XNLI_SPLITS.values()),
        "compile": cfg.compute.torch_compile, "parallel": dataclasses.asdict(plan),
    })  # fmt: skip
    resume = work.open()
    encoder, tokenizer = models.load_encoder(source)
    train_split, dev_split = load_prepared(NLI.train_split), load_prepared(NLI.dev_split)
    vocab = NLI.label_vocab(train_split)
    set_seed(cell.seed)
    head = _head(NLI.head, encoder.config.hidden_size, cfg.target.head, NLI.head_options(vocab), "target.head")
    net = models.encoder_with_head(encoder, head)
    with _phase_run(cfg, "target", cell, params=params, resume=resume) as run:
        work.record_run(run.info.run_id)
        tracking.set_tags({"selection": cfg.target.selection})
        _log_data(**{NLI.train_split: "training", NLI.dev_split: "validation"}, **_xnli_data())
        # encoded once, by the process that evaluates (rank 0 of a data-parallel launch)
        xnli = evaluation.ZeroShotXnli(tokenizer, cfg.languages, recipe.max_length, EVAL_BATCH_SIZE) \
            if distributed.is_main() else None  # fmt: skip
        select_on = SELECT_ON[cfg.target.selection]
        result = _train(net, tokenizer, NLI, vocab, train_split, dev_split, recipe, cell.seed, work.path,
                        zero_shot=lambda model: xnli(model)[0], select_on=select_on,
                        compile=cfg.compute.torch_compile, device_batch=cfg.compute.device_batch_size)  # fmt: skip
        if not distributed.is_main():  # another rank of a data-parallel launch: rank 0 writes the outputs
            return _wait_for_main(), net, tokenizer
        tracking.log_metrics({f"dev_{k}": v for k, v in result.metrics.items()})
        with replacing_dir(cell.model_dir("target")) as tmp:
            encoder.save_pretrained(tmp / "encoder")
            tokenizer.save_pretrained(tmp / "encoder")
            heads.save_head(head, tmp / "head")
            # the same model for use outside the package: pipeline("text-classification", model=<dir>/hf)
            models.export_sequence_classifier(encoder, tokenizer, head, vocab, tmp / models.HF_EXPORT)
        summary = _summary("target", cell, run, result.metrics, recipe)
        summary |= {"selected_epoch": result.selected_epoch, "selected_on": select_on, "budget": result.budget}
    write_json(cell.result("target"), summary)
    work.clear()
    distributed.barrier()  # the other ranks exit (or go on to evaluate) once the outputs are written
    return summary, net, tokenizer


# -- evaluation: zero-shot XNLI ------------------------------------------------------------------------


def evaluate(cfg, cell: Cell, net=None, tokenizer=None) -> dict:
    """Zero-shot XNLI dev + test in all languages; per-example predictions to results/ and MLflow.

    In a data-parallel launch (``torchrun ... xstilts target --evaluate``) rank 0 evaluates, once, and the
    other ranks wait for it."""
    from xstilts import evaluate as evaluation
    from xstilts import heads, train

    if not distributed.is_main():
        return _wait_for_main()
    if net is None:
        saved = cell.model_dir("target")
        encoder, tokenizer = models.load_encoder(saved / "encoder")
        net = models.encoder_with_head(encoder, heads.load_head(saved / "head"))
    net.to(train.device())
    max_length = cfg.target_train(cell.model).max_length
    # the cell's defining settings too, so that comparing evaluate runs in the UI shows what differs
    params = {"languages": list(cfg.languages), "max_length": max_length, "model": cell.model, "task": cell.task,
              "seed": cell.seed, "intermediate_lr": _lr_of(cell.result("intermediate")),
              "target_lr": _lr_of(cell.result("target")), "selection": cfg.target.selection}  # fmt: skip
    with _phase_run(cfg, "evaluate", cell, params=params) as run:
        tracking.set_tags({"selection": cfg.target.selection})
        _log_data(**_xnli_data())
        metrics, predictions = evaluation.evaluate_xnli(net, tokenizer, cfg.languages, max_length, EVAL_BATCH_SIZE)
        tracking.log_metrics(metrics)
        path = cell.predictions()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        predictions.to_parquet(tmp, index=False)
        tmp.replace(path)
        digest = tracking.predictions_digest(path)
        tracking.set_tags(digest)
        tracking.log_artifact(path)
        summary = {
            "phase": "evaluate", "model": cell.model, "task": cell.task, "seed": cell.seed,
            "run_id": run.info.run_id, "metrics": metrics, **digest,
        }
    write_json(cell.result("evaluate"), summary)
    log.info("XNLI test avg %.4f (en %.4f)", metrics["xnli_test_acc_avg"], metrics["xnli_test_acc_en"])
    distributed.barrier()
    return summary


# -- shared --------------------------------------------------------------------------------------------


class DevMonitor:
    """Dev metrics after every epoch (logged as ``epoch_dev_<metric>``); keeps the selected state.

    ``zero_shot`` (the target phase's zero-shot XNLI): a function of the model returning more metrics of
    the epoch, logged under their own names as ``epoch_<name>`` (``epoch_xnli_test_acc_de``) in the same
    call as the dev metrics. They are not the phase's dev metrics, but a selection may use them.

    ``select_on`` = None: the final state is the output (fixed budget). Otherwise the state with the best
    value of that metric (a dev metric or a ``zero_shot`` one) is restored at the end (checkpoint
    selection on a dev set; ties go to the earlier epoch).

    With a ``state_dir`` (the phase's work directory) the histories, the selected epoch and, when selecting,
    the selected weights are kept there after every epoch, so a resumed phase selects among all epochs,
    including those before the interruption (whose metrics its MLflow run, the same run, already has).
    """

    HISTORY, BEST = "dev_history.json", "best_state.safetensors"

    def __init__(self, evaluate_fn, select_on: str | None = None, report=None, state_dir: Path | None = None,
                 zero_shot=None):  # fmt: skip
        self.evaluate_fn, self.select_on, self.report, self.zero_shot = evaluate_fn, select_on, report, zero_shot
        self.state_dir = Path(state_dir) if state_dir else None
        self.history: dict[int, dict] = {}  # epoch -> dev metrics
        self.zero_shot_history: dict[int, dict] = {}  # epoch -> zero-shot metrics
        self.selected_epoch: int | None = None
        self.predictions: list | None = None  # dev predictions of the selected state, when computed here
        self._best_state = None  # the selected weights, in memory when there is no state_dir
        if self.state_dir and (self.state_dir / self.HISTORY).exists():
            saved = json.loads((self.state_dir / self.HISTORY).read_text())
            self.history = {int(epoch): metrics for epoch, metrics in saved["history"].items()}
            self.zero_shot_history = {int(epoch): m for epoch, m in saved.get("zero_shot", {}).items()}
            self.selected_epoch = saved["selected_epoch"]

    def __call__(self, model, epoch: int, step: int | None = None) -> None:
        metrics, predictions = self.evaluate_fn(model)
        logged = {f"epoch_dev_{k}": v for k, v in metrics.items()}
        if self.zero_shot is not None:
            self.zero_shot_history[epoch] = self.zero_shot(model)
            logged |= {f"epoch_{k}": v for k, v in self.zero_shot_history[epoch].items()}
        self.history[epoch] = metrics
        tracking.log_metrics(logged, step=epoch)
        log.info("epoch %d dev %s", epoch, ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()))
        best = self.value(self.selected_epoch)
        if not self.select_on or best is None or self.value(epoch) > best:
            self.selected_epoch, self.predictions = epoch, predictions
            if self.select_on and self.state_dir:
                _save_state(model, self.state_dir / self.BEST)
            elif self.select_on:
                self._best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        if self.state_dir:
            write_json(self.state_dir / self.HISTORY, {
                "history": {str(e): m for e, m in sorted(self.history.items())},
                "zero_shot": {str(e): m for e, m in sorted(self.zero_shot_history.items())},
                "selected_epoch": self.selected_epoch,
            })  # fmt: skip
        if self.report is not None:  # e.g. Optuna: report the epoch's value, maybe prune the trial
            self.report(epoch, metrics)

    def value(self, epoch: int | None) -> float | None:
        """The selection metric's value at ``epoch`` (None: not selecting, or no such epoch yet)."""
        if not self.select_on or epoch is None:
            return None
        return {**self.history.get(epoch, {}), **self.zero_shot_history.get(epoch, {})}.get(self.select_on)

    def finish(self, model, last_epoch: int) -> tuple[dict, list]:
        """Metrics and dev predictions of the selected state, which ``model`` then holds.

        A phase resumed from the checkpoint of its last step trains no further, so no epoch ends in this
        process: the last epoch's evaluation is done here if it is missing.
        """
        if last_epoch not in self.history:
            self(model, last_epoch)
        if self.select_on and self.selected_epoch != last_epoch:
            _load_state(model, self.state_dir / self.BEST if self.state_dir else None, self._best_state)
            self.predictions = None
        if self.predictions is None:  # selected before an interruption: predict again with its weights
            _, self.predictions = self.evaluate_fn(model)
        return self.history[self.selected_epoch], self.predictions

    def final(self) -> dict:
        """Dev metrics of the selected state (the output of the phase)."""
        return self.history.get(self.selected_epoch, {})


def _save_state(model, path: Path) -> None:
    from safetensors.torch import save_file

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(tmp))
    os.replace(tmp, path)


def _load_state(model, path: Path | None, fallback) -> None:
    from safetensors.torch import load_file

    model.load_state_dict(load_file(str(path)) if path else fallback)


def _train(net, tokenizer, task, vocab, train_split, dev_split, recipe, seed, work, *, zero_shot=None,
           select_on=None, report=None, compile=False, device_batch=None) -> Trained:  # fmt: skip
    """Train ``net`` on ``train_split`` with ``recipe``, evaluating after every epoch (:class:`DevMonitor`);
    logs how the batch is split (xstilts.train.BatchPlan: ``world_size``, ``device_batch_size``,
    ``gradient_accumulation_steps``), the truncation counts and the training budget (xstilts.train.BUDGET)
    to the active run. On the ranks of a data-parallel launch other than 0, which evaluate nothing, the
    result has no metrics or predictions."""
    from xstilts import evaluate as evaluation
    from xstilts import train
    from xstilts.tasks._encoding import truncation

    features = task.encode_dataset(train_split, tokenizer, recipe.max_length, vocab, desc=f"encoding {task.name} train")
    dev_features = task.encode_dataset(dev_split, tokenizer, recipe.max_length, vocab, desc=f"encoding {task.name} dev")
    truncated = {}
    for split, encoded in (("train", features), ("dev", dev_features)):
        counts = truncation(encoded, recipe.max_length)
        truncated |= {f"truncated_{unit}_{split}": n for unit, n in counts.items()}
        if counts.get("words"):
            log.warning("%s %s: %d words in %d sentences lie beyond max_length %d sub-tokens; they are left out of "
                        "training and count as wrong in evaluation", task.name, split, counts["words"],
                        counts["sentences"], recipe.max_length)  # fmt: skip
    if truncated:
        tracking.log_metrics(truncated)
    tracking.log_params(train.batch_plan(recipe.batch_size, device_batch).params())

    def dev_metrics(model) -> tuple[dict, list]:
        return evaluation.evaluate_split(model, tokenizer, task, dev_split, vocab, recipe.max_length, EVAL_BATCH_SIZE)

    monitor = DevMonitor(dev_metrics, select_on=select_on, report=report, state_dir=work, zero_shot=zero_shot)
    trained = train.fit(
        net,
        features,
        train.PadCollator(task.pad_values(tokenizer)),
        recipe,
        seed=seed,
        work_dir=work,
        callbacks=[train.EpochHook(monitor)],
        compile=compile,
        device_batch_size=device_batch,
    )
    budget = {key: trained[key] for key in train.BUDGET}
    tracking.log_metrics(budget)
    metrics, predictions = monitor.finish(net, math.ceil(recipe.epochs)) if distributed.is_main() else ({}, [])
    return Trained(net, tokenizer, vocab, metrics, predictions, dev_split, truncated, monitor.selected_epoch, budget)


def _wait_for_main() -> dict:
    """On a rank of a data-parallel launch other than 0: wait until rank 0 has written the phase's outputs
    (its :func:`xstilts.distributed.barrier` after them), so that the launcher exits 0 only once they exist."""
    distributed.barrier()
    return {}


def _head(kind: str, hidden_size: int, options: dict, derived: dict, key: str):
    """A fresh head; a bad option in params.yaml is a ConfigError naming its key."""
    from xstilts import heads
    from xstilts.errors import ConfigError

    try:
        return heads.build_head(kind, hidden_size, **{**options, **derived})
    except ValueError as err:
        raise ConfigError(f"{key}: {err}") from None


def _train_params(recipe) -> dict:
    return {k: v for k, v in dataclasses.asdict(recipe).items()}


def _run_of(result_file: Path) -> str | None:
    """The MLflow run id recorded in a phase's result file (identifies the upstream model's version)."""
    try:
        return json.loads(Path(result_file).read_text()).get("run_id")
    except (OSError, ValueError):
        return None


def _data_digest(*splits: str) -> dict[str, str | None]:
    """sha256 of the prepared splits (from data/prepared/manifest.json): the data a checkpoint was trained on."""
    try:
        manifest = json.loads((paths.DATA_PREPARED / "manifest.json").read_text())["splits"]
    except (OSError, ValueError, KeyError):
        manifest = {}
    return {split: manifest.get(split, {}).get("sha256") for split in splits}


def _phase_run(cfg, phase: str, cell: Cell, **kwargs):
    """The MLflow run of one phase of ``cell``, named and tagged after it, linking its upstream runs."""
    return tracking.phase_run(cfg, phase, name=cell.run_name(phase), model=cell.model, task=cell.task,
                              seed=cell.seed, family=tasks.get(cell.task).family, upstream=_upstream(cell, phase),
                              **kwargs)  # fmt: skip


def _upstream(cell: Cell, phase: str) -> dict[str, str | None]:
    """The run ids of the phases upstream of ``phase`` of ``cell``, nearest first (as results/ records them)."""
    chain = ("target", "intermediate")[("evaluate", "target", "intermediate").index(phase) :]
    return {**{p: _run_of(cell.result(p)) for p in chain}, "pretrained": _run_of(grid.pretrained_result(cell.model))}


def _lr_of(result_file: Path) -> float | str:
    """The learning rate a phase trained with, from its result file; ``-`` when it trained nothing."""
    try:
        return json.loads(Path(result_file).read_text())["recipe"]["lr"]
    except (OSError, ValueError, KeyError):
        return "-"


def _xnli_data() -> dict[str, str]:
    from xstilts.evaluate import XNLI_SPLITS

    return {name: XNLI_CONTEXTS[split] for split, name in XNLI_SPLITS.items()}


def _log_data(**contexts: str) -> None:
    """The prepared splits a run uses, ``split=context``, as its MLflow datasets (digests from the manifest)."""
    digests = _data_digest(*contexts)
    tracking.log_datasets([(split, paths.DATA_PREPARED / f"{split}.parquet", digests[split], context)
                           for split, context in contexts.items()])  # fmt: skip


def _summary(phase, cell: Cell, run, metrics, recipe) -> dict:
    return {
        "phase": phase, "model": cell.model, "task": cell.task, "seed": cell.seed, "run_id": run.info.run_id,
        "metrics": {f"dev_{k}": v for k, v in metrics.items()}, "recipe": dataclasses.asdict(recipe),
    }
