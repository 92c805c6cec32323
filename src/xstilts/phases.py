"""The protocol's phases as plain functions: pretrained -> intermediate -> target -> evaluate.

Each phase is one MLflow run (xstilts.tracking), reads only local files written by the phase before it,
writes its outputs atomically (build under a temporary name, then rename) and records its MLflow run id
and metrics in ``results/<model>/<task>/seed<S>/<phase>.json``; the report finds its runs from those
files, also when DVC restored the outputs from its run-cache without running anything. Training
checkpoints live in ``work/`` (git- and DVC-ignored) until the phase's outputs are written, so a killed
phase resumes where it stopped when it is run again.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

from xstilts import models, paths, tasks, tracking
from xstilts.io import replacing_dir, write_json

log = logging.getLogger(__name__)

WORK = Path("work")
EVAL_BATCH_SIZE = 128  # inference only: larger batches are free of optimisation effects


def model_dir(stage: str, model: str, task: str, seed: int) -> Path:
    return paths.MODELS / stage / model / task / f"seed{seed}"


def results_dir(model: str, task: str, seed: int) -> Path:
    return paths.RESULTS / model / task / f"seed{seed}"


# -- phase (i): pretrained MLM -----------------------------------------------------------------------


def pretrained(cfg, model: str) -> dict:
    """Smoke: build + warm up the tiny model. Paper: snapshot the hub checkpoint. Into models/pretrained/."""
    spec = cfg.model(model)
    out = models.pretrained_dir(model)
    params = {"hub_id": spec.hub_id, "revision": spec.revision} if cfg.profile == "paper" else {
        **dataclasses.asdict(spec.tiny), **_train_params(cfg.pretrained.mlm), "seed": cfg.pretrained.seed
    }
    with tracking.phase_run(cfg, "pretrained", model=model, params=params) as run:
        if cfg.profile == "paper":
            models.snapshot_hub_model(spec, out)
            metrics = {}
        else:
            from xstilts.evaluate import load_prepared
            from xstilts.train import clear_work_dir

            corpus = load_prepared("corpus")
            work = WORK / "pretrained" / model
            with replacing_dir(out) as tmp:
                metrics = models.build_smoke_model(cfg, model, corpus, tmp, work, seed=cfg.pretrained.seed)
            clear_work_dir(work)
            tracking.log_metrics(metrics)
        summary = {"phase": "pretrained", "model": model, "run_id": run.info.run_id, "metrics": metrics}
    write_json(paths.RESULTS / model / "pretrained.json", summary)
    return summary


# -- phase (ii): intermediate task --------------------------------------------------------------------


def intermediate(cfg, model: str, task_name: str, seed: int, lr: float | None = None) -> dict:
    """Train the pretrained encoder on ``task_name``; save ``encoder/`` and ``head/`` separately."""
    task = tasks.get(task_name)
    out = model_dir("intermediate", model, task_name, seed)
    result_file = results_dir(model, task_name, seed) / "intermediate.json"
    if task.head is None:  # the baseline: nothing to train, point at the pretrained encoder
        with replacing_dir(out) as tmp:
            write_json(tmp / models.PASSTHROUGH, {"encoder": str(models.pretrained_dir(model))})
        summary = {"phase": "intermediate", "model": model, "task": task_name, "seed": seed, "run_id": None}
        write_json(result_file, summary)
        return summary

    from xstilts import heads, tune
    from xstilts.train import clear_work_dir

    spec = cfg.task(task_name)
    tuned = tune.tuned_lr(cfg, model, task_name)
    source = "cli" if lr else "tuned" if tuned else "params"
    recipe = dataclasses.replace(spec.train, lr=lr or tuned or spec.train.lr)
    work = WORK / "intermediate" / model / task_name / f"seed{seed}"
    with tracking.phase_run(cfg, "intermediate", model=model, task=task_name, seed=seed) as run:
        tracking.set_tags({"selection": "final", "lr_source": source})
        monitor, net, tokenizer, vocab = _train_intermediate(cfg, model, task_name, seed, recipe, work)
        metrics = monitor.final()
        tracking.log_metrics({f"dev_{k}": v for k, v in metrics.items()})
        with replacing_dir(out) as tmp:
            net.encoder.save_pretrained(tmp / "encoder")
            tokenizer.save_pretrained(tmp / "encoder")
            heads.save_head(net.head, tmp / "head")
            write_json(tmp / "head" / "labels.json", vocab)
        summary = _summary("intermediate", model, task_name, seed, run, metrics, recipe)
        summary["lr_source"] = source
    write_json(result_file, summary)
    clear_work_dir(work)
    return summary


def intermediate_trial(cfg, model: str, task_name: str, seed: int, lr: float, trial: int, report) -> dict:
    """One tuning trial: train like the intermediate phase with ``lr`` (on ``tune.train_subsample``
    examples), calling ``report(epoch, dev_metrics)`` after every epoch; nothing is saved."""
    from xstilts.train import clear_work_dir

    recipe = dataclasses.replace(cfg.task(task_name).train, lr=lr)
    work = WORK / "tune" / model / task_name / f"trial{trial}-{os.getpid()}"
    clear_work_dir(work)  # a trial never resumes another trial's checkpoint
    try:
        monitor, *_ = _train_intermediate(
            cfg, model, task_name, seed, recipe, work, subsample=cfg.tune.train_subsample, report=report
        )
    finally:
        clear_work_dir(work)
    return monitor.final()


def _train_intermediate(cfg, model, task_name, seed, recipe, work, subsample=None, report=None):
    """Pretrained encoder + the task's fresh head, trained with ``recipe``; logs to the active run."""
    from xstilts.evaluate import load_prepared
    from xstilts.train import seed_everything

    task, spec = tasks.get(task_name), cfg.task(task_name)
    encoder, tokenizer = models.load_encoder(models.pretrained_dir(model))
    train_split, dev_split = load_prepared(task.train_split), load_prepared(task.dev_split)
    if subsample and subsample < len(train_split):
        train_split = train_split.shuffle(seed=seed).select(range(subsample))
    vocab = task.label_vocab(train_split)
    seed_everything(seed)
    head = _head(task.head, encoder.config.hidden_size, spec.head, task.head_options(vocab), f"tasks.{task_name}.head")
    net = models.encoder_with_head(encoder, head)
    tracking.log_params(
        {**_train_params(recipe), **{f"head_{k}": v for k, v in spec.head.items()}, "labels": len(vocab),
         "train_examples": len(train_split)}  # fmt: skip
    )
    monitor = _train(net, tokenizer, task, vocab, train_split, dev_split, recipe, seed, work, report=report,
                     compile=cfg.compute.torch_compile)
    return monitor, net, tokenizer, vocab


# -- phase (iii): target task (MNLI) -------------------------------------------------------------------


def target(cfg, model: str, task_name: str, seed: int) -> tuple[dict, object, object]:
    """Fresh 3-way head on the intermediate encoder, trained on English MNLI.

    Returns (summary, trained model, tokenizer) so that evaluation can follow in the same process.
    """
    from xstilts import heads
    from xstilts.evaluate import load_prepared
    from xstilts.tasks._nli import NLI
    from xstilts.train import clear_work_dir, seed_everything

    source = models.encoder_path(model_dir("intermediate", model, task_name, seed))
    encoder, tokenizer = models.load_encoder(source)
    train_split, dev_split = load_prepared(NLI.train_split), load_prepared(NLI.dev_split)
    vocab = NLI.label_vocab(train_split)
    seed_everything(seed)
    head = _head(NLI.head, encoder.config.hidden_size, cfg.target.head, NLI.head_options(vocab), "target.head")
    net = models.encoder_with_head(encoder, head)
    recipe = cfg.target.train
    params = {**_train_params(recipe), "selection": cfg.target.selection, "encoder": str(source)}
    work = WORK / "target" / model / task_name / f"seed{seed}"
    with tracking.phase_run(cfg, "target", model=model, task=task_name, seed=seed, params=params) as run:
        tracking.set_tags({"selection": cfg.target.selection})
        english_dev = None
        if cfg.target.selection == "best-en-dev":  # XTREME practice: select on English XNLI dev
            english_dev = load_prepared("xnli_dev").filter(lambda lang: lang == "en", input_columns="language")
        monitor = _train(net, tokenizer, NLI, vocab, train_split, dev_split, recipe, seed, work, english_dev,
                         compile=cfg.compute.torch_compile)
        metrics = monitor.final()
        tracking.log_metrics({f"dev_{k}": v for k, v in metrics.items()})
        with replacing_dir(model_dir("target", model, task_name, seed)) as tmp:
            encoder.save_pretrained(tmp / "encoder")
            tokenizer.save_pretrained(tmp / "encoder")
            heads.save_head(head, tmp / "head")
        summary = _summary("target", model, task_name, seed, run, metrics, recipe)
        summary["selected_epoch"] = monitor.selected_epoch
    write_json(results_dir(model, task_name, seed) / "target.json", summary)
    clear_work_dir(work)
    return summary, net, tokenizer


# -- evaluation: zero-shot XNLI ------------------------------------------------------------------------


def evaluate(cfg, model: str, task_name: str, seed: int, net=None, tokenizer=None) -> dict:
    """Zero-shot XNLI dev + test in all languages; per-example predictions to results/ and MLflow."""
    from xstilts import evaluate as evaluation
    from xstilts import heads, train

    if net is None:
        saved = model_dir("target", model, task_name, seed)
        encoder, tokenizer = models.load_encoder(saved / "encoder")
        net = models.encoder_with_head(encoder, heads.load_head(saved / "head"))
    net.to(train.device())
    out = results_dir(model, task_name, seed)
    params = {"languages": list(cfg.languages), "max_length": cfg.target.train.max_length}
    with tracking.phase_run(cfg, "evaluate", model=model, task=task_name, seed=seed, params=params) as run:
        tracking.set_tags({"selection": cfg.target.selection})
        metrics, predictions = evaluation.evaluate_xnli(
            net, tokenizer, cfg.languages, cfg.target.train.max_length, EVAL_BATCH_SIZE
        )
        tracking.log_metrics(metrics)
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / ".predictions.parquet.tmp"
        predictions.to_parquet(tmp, index=False)
        tmp.replace(out / "predictions.parquet")
        tracking.log_artifact(out / "predictions.parquet")
        summary = {
            "phase": "evaluate", "model": model, "task": task_name, "seed": seed,
            "run_id": run.info.run_id, "metrics": metrics,
        }
    write_json(out / "evaluate.json", summary)
    log.info("XNLI test avg %.4f (en %.4f)", metrics["xnli_test_acc_avg"], metrics["xnli_test_acc_en"])
    return summary


# -- shared --------------------------------------------------------------------------------------------


class DevMonitor:
    """Dev metrics after every epoch (logged as ``epoch_dev_<metric>``); keeps the selected state.

    ``select_on`` = None: the final state is the output (fixed budget). Otherwise the state with the best
    value of that metric is restored at the end (checkpoint selection on a dev set).
    """

    def __init__(self, evaluate_fn, select_on: str | None = None, report=None):
        self.evaluate_fn, self.select_on, self.report = evaluate_fn, select_on, report
        self.history: dict[int, dict] = {}  # epoch -> metrics (epochs before a resume are absent)
        self.best_state, self.selected_epoch = None, None

    def __call__(self, model, epoch: int, step: int) -> None:
        metrics = self.history[epoch] = self.evaluate_fn(model)
        tracking.log_metrics({f"epoch_dev_{k}": v for k, v in metrics.items()}, step=epoch)
        log.info("epoch %d dev %s", epoch, ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()))
        if not self.select_on:
            self.selected_epoch = epoch
        elif self.selected_epoch is None or metrics[self.select_on] > self.final()[self.select_on]:
            self.best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
            self.selected_epoch = epoch
        if self.report is not None:  # e.g. Optuna: report the epoch's value, maybe prune the trial
            self.report(epoch, metrics)

    def final(self) -> dict:
        """Dev metrics of the selected state (the output of the phase)."""
        return self.history.get(self.selected_epoch, {})

    def restore(self, model) -> None:
        if self.best_state is not None:
            model.load_state_dict(self.best_state)


def _train(net, tokenizer, task, vocab, train_split, dev_split, recipe, seed, work, english_dev=None, report=None,
           compile=False):
    from xstilts import evaluate as evaluation
    from xstilts import train

    features = task.encode_dataset(train_split, tokenizer, recipe.max_length, vocab, desc=f"encoding {task.name} train")

    def dev_metrics(model) -> dict:
        scores, _ = evaluation.evaluate_split(
            model, tokenizer, task, dev_split, vocab, recipe.max_length, EVAL_BATCH_SIZE
        )
        if english_dev is not None:
            en, _ = evaluation.evaluate_split(model, tokenizer, task, english_dev, vocab, recipe.max_length, EVAL_BATCH_SIZE)
            scores["xnli_en_acc"] = en["acc"]
        return scores

    monitor = DevMonitor(dev_metrics, select_on="xnli_en_acc" if english_dev is not None else None, report=report)
    train.fit(
        net,
        features,
        train.PadCollator(task.pad_values(tokenizer)),
        recipe,
        seed=seed,
        work_dir=work,
        callbacks=[train.EpochHook(monitor)],
        compile=compile,
    )
    monitor.restore(net)
    return monitor


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


def _summary(phase, model, task, seed, run, metrics, recipe) -> dict:
    return {
        "phase": phase, "model": model, "task": task, "seed": seed, "run_id": run.info.run_id,
        "metrics": {f"dev_{k}": v for k, v in metrics.items()}, "recipe": dataclasses.asdict(recipe),
    }
