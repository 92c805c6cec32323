"""Performance against named baselines: ``xstilts bench``.

Every comparison runs both sides in this one process, on the same model, data and batch size, alternating
them for several rounds (so that noise from the machine, another process say, hits both sides) and
reports the median of each side. The baselines are written out next to our code below (``*_padded``
beside ``*_xstilts``) so that anyone can check that the comparison is fair.

CPU (``run(device="cpu")``): the smoke profile's tiny mBERT-family model and synthetic data.

- ``eval_speedup_vs_padded``: zero-shot XNLI examples/s of :func:`xstilts.evaluate.predict` (batches
  sorted by length and padded to their longest pair, ``torch.inference_mode``) over the usual recipe of
  Hugging Face ``run_xnli.py`` (every pair padded to 128 tokens, batches in file order, ``no_grad``).
- ``train_speedup_vs_padded``: MNLI training examples/s of :func:`xstilts.train.fit` (dynamic padding,
  length-grouped batches, with its checkpoints and MLflow logging) over a plain ``Trainer`` fed pairs
  padded to 128 tokens; same steps, batch size, recipe and initial weights.
- ``train_mfu_cpu``: model FLOPs of our training side per second ÷ this machine's fp32 matmul FLOP/s.
- ``report_seconds_1k``/``_2k``/``_ratio``: :func:`xstilts.report.run` over constructed tracking stores of
  1,000 and 2,000 evaluate runs (:mod:`xstilts.perf.store`).
- ``noop_repro_seconds``: ``dvc repro`` with nothing to do.
- ``stage_startup_seconds`` / ``_cpu_seconds``: a training stage's start-up, from launching ``xstilts
  intermediate`` (the command a DVC stage runs, in a fresh process) to its first training step: imports
  of torch, transformers, datasets and MLflow, the configuration, the MLflow run, loading the model and
  data. Wall time as the launcher sees it, and the process's own CPU time (less sensitive to a busy machine).

GPU (``run(device="cuda")``, ``scripts/gpu_bench.sh``): paper-size shapes with random weights; see
:mod:`xstilts.perf.gpu`. Nothing here downloads anything.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from xstilts import tasks, tracking
from xstilts.grid import Cell
from xstilts.io import write_json
from xstilts.perf import gpu, store
from xstilts.perf.common import (
    BATCH_SIZE,
    PADDED_LENGTH,
    columns,
    fmt,
    machine,
    matmul_rate,
    now,
    repo_root,
    training_flops,
)

GOALS = {  # what counts as fast enough: the ratio or MFU each measurement must reach
    "eval_speedup_vs_padded": (">=", 2.5),
    "train_speedup_vs_padded": (">=", 1.8),
    "train_mfu_cpu": (">=", 0.3),
    "report_seconds_ratio": ("<=", 2.3),
}
MODEL = "mbert"  # the smoke profile's tiny BERT + WordPiece stand-in
REPORT_MODELS = ("mbert", "xlmr")
REPORT_TASKS = ("none", "ud-parse", "ud-pos", "sts-b")  # 2 models x 4 tasks: 1,000 runs = 125 seeds


@dataclasses.dataclass(frozen=True)
class Size:
    rounds: int  # alternations of the two sides of each comparison
    xnli_per_language: int  # XNLI test pairs per language (the smoke data have 240)
    train_steps: int  # optimisation steps of each training side
    report_runs: int  # evaluate runs of the smaller tracking store; the larger holds twice as many
    report_pairs: int  # XNLI test pairs per language in each predictions artifact
    report_rounds: int  # report.run takes seconds to minutes: fewer rounds than the rest
    n_boot: int  # bootstrap replicates of the report (its own default is 2000)
    matmul: int  # side of the square fp32 matmul that measures the machine's peak
    mfu_widths: tuple[int, ...]  # hidden sizes of the MFU-vs-width diagnostic (same fit path, wider models)
    mfu_steps: int


SIZES = {
    "tiny": Size(rounds=2, xnli_per_language=12, train_steps=3, report_runs=16, report_pairs=10,
                 report_rounds=1, n_boot=20, matmul=256, mfu_widths=(128,), mfu_steps=2),
    "full": Size(rounds=5, xnli_per_language=240, train_steps=120, report_runs=1000, report_pairs=50,
                 report_rounds=3, n_boot=200, matmul=2048, mfu_widths=(64, 256, 512), mfu_steps=30),
}


def run(device: str = "cpu", size: str = "full", repeats: int | None = None, repo: Path | None = None) -> dict:
    """Run the benchmark; returns a JSON-able dict (every key of GOALS on CPU; CUDA: :func:`gpu.gpu`).

    ``repeats`` overrides the number of alternation rounds of the size; ``repo`` is the project root whose
    ``params.yaml`` and ``dvc.yaml`` are used (default: the working directory if it holds them).
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, got {size!r}")
    if device == "cuda":
        return gpu.gpu("cuda", size)  # on a GPU the question is the paper-size models' throughput
    if device != "cpu":
        raise ValueError(f"device must be cpu or cuda, got {device!r}")
    from xstilts import config

    spec = SIZES[size]
    rounds = repeats or spec.rounds
    repo = Path(repo) if repo else repo_root()
    cfg = config.load(repo / "params.yaml", profile="smoke")
    result = {
        "device": "cpu", "size": size, "rounds": rounds, "date": now(), "machine": machine(),
        "model": f"smoke {MODEL} (tiny {cfg.model(MODEL).tiny.family}, hidden {cfg.model(MODEL).tiny.hidden_size})",
        "goals": {key: f"{op} {value}" for key, (op, value) in GOALS.items()},
    }
    with tempfile.TemporaryDirectory(prefix="xstilts-bench-") as name:
        tmp = Path(name)
        data = smoke_data(cfg, spec, tmp / "raw")
        net, tokenizer = tiny_model(cfg, data["corpus"], tmp / "pretrained")
        result |= compare_eval(net, tokenizer, data["xnli_test"], rounds)
        # fit logs to MLflow: into the report's smaller store (creating a SQLite schema takes seconds)
        with store.opened(tmp / "report" / "small") as experiment:
            result |= compare_train(net, tokenizer, data["mnli_train"], cfg, spec, rounds, tmp / "work", experiment)
        result |= report_scaling(repo / "params.yaml", spec, min(rounds, spec.report_rounds), tmp / "report")
        result |= noop_repro(repo, tmp / "dvc", rounds, tiny=size == "tiny")
        result |= stage_startup(repo / "params.yaml", tmp / "startup", rounds)
    result["goals_met"] = goals_met(result)
    return result


# -- inputs: the smoke data and the tiny model -----------------------------------------------------------


def smoke_data(cfg, spec: Size, out: Path) -> dict:
    """XNLI test (all languages), MNLI train and the MLM corpus texts, from the smoke generator."""
    from xstilts.data import mnli, smoke, xnli
    from xstilts.prepare import read_corpus

    sizes = dataclasses.replace(  # only what the bench reads is generated at its real size
        cfg.data.synthetic,
        xnli_test_per_language=spec.xnli_per_language, xnli_dev_per_language=3,
        mnli_train=spec.train_steps * BATCH_SIZE, mnli_dev=3, stsb_train=3, stsb_dev=3, stsb_test=3,
        ud_train=3, ud_dev=3, ud_test=3,
        corpus_per_language=cfg.data.synthetic.corpus_per_language if spec.train_steps > 10 else 40,
    )
    files = smoke.generate(out, sizes, cfg.languages)
    return {
        "xnli_test": xnli.read_tsv(files["xnli_test"], cfg.languages),
        "mnli_train": mnli.read_tsv(files["mnli_train"]),
        "corpus": list(read_corpus(files["corpus"], cfg.languages)["text"]),
    }


def tiny_model(cfg, texts: list[str], out: Path):
    """(model, tokenizer): the smoke ``mbert`` stand-in with a fresh NLI head, loaded the production way."""
    import torch

    from xstilts import heads, models
    from xstilts.data import NLI_LABELS

    tiny = cfg.model(MODEL).tiny
    torch.manual_seed(0)
    tokenizer = models.train_tokenizer(tiny, texts)
    models.tiny_masked_lm(tiny, tokenizer).save_pretrained(out)
    tokenizer.save_pretrained(out)
    encoder, tokenizer = models.load_encoder(out)
    head = heads.build_head("classification", tiny.hidden_size, num_labels=len(NLI_LABELS), **cfg.target.head)
    return models.encoder_with_head(encoder, head), tokenizer


def encode_xstilts(dataset, tokenizer):
    """Ours: xstilts' NLI encoding, unpadded, with a ``length`` column (datasets.map, cached on disk)."""
    from xstilts.tasks._nli import NLI

    return dataset.map(
        NLI.encode, batched=True, remove_columns=dataset.column_names,
        fn_kwargs={"tokenizer": tokenizer, "max_length": PADDED_LENGTH, "vocab": NLI.label_vocab(None)},
    )


def encode_padded(dataset, tokenizer):
    """Baseline: run_xnli.py's preprocessing, every pair padded to 128 tokens."""

    def tokenize(examples):
        encoded = tokenizer(examples["premise"], examples["hypothesis"], padding="max_length",
                            max_length=PADDED_LENGTH, truncation=True)
        return {**encoded, "labels": examples["label"]}

    return dataset.map(tokenize, batched=True, remove_columns=dataset.column_names)


# -- evaluation, side by side ---------------------------------------------------------------------------


def eval_xstilts(model, features, tokenizer, batch_size: int) -> list[int]:
    """Ours: evaluate.predict, i.e. length-sorted batches padded to their longest pair, inference_mode."""
    from xstilts import evaluate
    from xstilts.tasks._nli import NLI
    from xstilts.train import PadCollator

    collate = PadCollator(NLI.pad_values(tokenizer))
    predictions = evaluate.predict(model, features, collate, batch_size, lambda out, b: NLI.postprocess(out, b, None))
    return [p["prediction"] for p in predictions]


def eval_padded(model, features, batch_size: int) -> list[int]:
    """Baseline: batches of 128-token pairs in file order through a plain no_grad loop (run_xnli.py's
    Trainer.predict does the same, with more bookkeeping)."""
    import torch
    from transformers import default_data_collator

    rows = features.to_list()
    predictions = []
    model.eval()
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            batch = default_data_collator(rows[start : start + batch_size])
            predictions += model(**batch)["logits"].argmax(-1).tolist()
    return predictions


def compare_eval(model, tokenizer, dataset, rounds: int) -> dict:
    from xstilts.phases import EVAL_BATCH_SIZE

    ours, padded = encode_xstilts(dataset, tokenizer), encode_padded(dataset, tokenizer)
    outputs = {}

    def side(name, fn, *args):
        def timed() -> float:
            start = time.perf_counter()
            outputs[name] = fn(*args)
            return time.perf_counter() - start

        return timed

    seconds = alternate(
        {"xstilts": side("xstilts", eval_xstilts, model, ours, tokenizer, EVAL_BATCH_SIZE),
         "padded": side("padded", eval_padded, model, padded, EVAL_BATCH_SIZE)},
        rounds, warmup=True,
    )
    n = len(dataset)
    # the two sides must compute the same function: padding is masked, so predictions agree
    agree = sum(a == b for a, b in zip(outputs["xstilts"], outputs["padded"], strict=True)) / n
    return {
        "eval_speedup_vs_padded": seconds["padded"] / seconds["xstilts"],
        "eval_examples_per_s": {name: n / s for name, s in seconds.items()},
        "eval_examples": n, "eval_batch_size": EVAL_BATCH_SIZE,
        "eval_mean_tokens": statistics.fmean(ours["length"]), "eval_prediction_agreement": agree,
    }


# -- training, side by side -----------------------------------------------------------------------------


def train_xstilts(model, features, tokenizer, recipe, work_dir: Path, seed: int) -> None:
    """Ours: train.fit (HF Trainer underneath) with dynamic padding and length-grouped batches."""
    from xstilts import train
    from xstilts.tasks._nli import NLI

    train.fit(model, features, train.PadCollator(NLI.pad_values(tokenizer)), recipe, seed=seed, work_dir=work_dir)


def train_padded(model, features, recipe, work_dir: Path, seed: int) -> None:
    """Baseline: a plain Trainer (HF defaults: random batches, fused AdamW, no reporting, a checkpoint
    every 500 steps) on pairs padded to 128 tokens, with the same recipe."""
    from transformers import Trainer, TrainingArguments, default_data_collator

    args = TrainingArguments(
        output_dir=str(work_dir), learning_rate=recipe.lr, num_train_epochs=recipe.epochs,
        per_device_train_batch_size=recipe.batch_size, warmup_steps=recipe.warmup_ratio,
        weight_decay=recipe.weight_decay, max_grad_norm=1.0, seed=seed, use_cpu=True, report_to="none",
        remove_unused_columns=False, disable_tqdm=True,
    )
    Trainer(model=model, args=args, train_dataset=features, data_collator=default_data_collator).train()


def compare_train(template, tokenizer, dataset, cfg, spec: Size, rounds: int, work: Path, experiment: str) -> dict:
    recipe = dataclasses.replace(cfg.target_train(MODEL), epochs=1, batch_size=BATCH_SIZE, max_length=PADDED_LENGTH)
    dataset = dataset.select(range(spec.train_steps * BATCH_SIZE))  # exactly train_steps steps per side
    ours, padded = encode_xstilts(dataset, tokenizer), encode_padded(dataset, tokenizer)

    def xstilts_side() -> float:
        model, out = copy.deepcopy(template), work / "xstilts"
        shutil.rmtree(out, ignore_errors=True)  # fit resumes from a checkpoint left in work_dir
        with tracking.scratch_run(experiment):  # fit logs its loss to the active run
            start = time.perf_counter()
            train_xstilts(model, ours, tokenizer, recipe, out, seed=1)
            return time.perf_counter() - start

    def padded_side() -> float:
        model, out = copy.deepcopy(template), work / "padded"
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        train_padded(model, padded, recipe, out, seed=1)
        return time.perf_counter() - start

    seconds = alternate({"xstilts": xstilts_side, "padded": padded_side}, rounds)
    n = len(dataset)
    flops = training_flops(template, ours["length"])
    peak = matmul_rate(spec.matmul, spec.matmul, spec.matmul)
    tokens = statistics.fmean(ours["length"]) * BATCH_SIZE  # a typical batch: [tokens, hidden] @ [hidden, ffn]
    config = template.encoder.config
    at_shape = matmul_rate(round(tokens), config.hidden_size, config.intermediate_size)

    # MFU of the same fit path on wider models of the same family: is a low MFU the code's or the size's?
    by_width = {}
    subset = ours.select(range(spec.mfu_steps * BATCH_SIZE))
    for width in spec.mfu_widths:
        model = _wider(template, width)
        out = work / f"width{width}"
        shutil.rmtree(out, ignore_errors=True)
        with tracking.scratch_run(experiment):
            start = time.perf_counter()
            train_xstilts(model, subset, tokenizer, recipe, out, seed=1)
            elapsed = time.perf_counter() - start
        by_width[str(width)] = training_flops(model, subset["length"]) / elapsed / peak
    return {
        "train_speedup_vs_padded": seconds["padded"] / seconds["xstilts"],
        "train_examples_per_s": {name: n / s for name, s in seconds.items()},
        "train_steps": spec.train_steps, "train_batch_size": BATCH_SIZE,
        "train_mfu_cpu": flops / seconds["xstilts"] / peak,
        "train_model_flops": flops,
        "cpu_matmul_flops": peak,
        # a matmul of the tiny model's own FFN shape: whether its matmuls themselves can run near peak
        "cpu_matmul_flops_at_model_shape": at_shape,
        "train_mfu_cpu_by_hidden": by_width, "train_mfu_cpu_by_hidden_steps": spec.mfu_steps,
    }


def _wider(template, width: int):
    """A copy of the template's family and depth at hidden size ``width`` (64-dim heads, FFN 4x), random."""
    import torch
    from transformers import AutoModel

    from xstilts import heads, models

    config = copy.deepcopy(template.encoder.config)
    config.hidden_size, config.intermediate_size = width, 4 * width
    config.num_attention_heads = max(1, width // 64)
    torch.manual_seed(0)
    encoder = AutoModel.from_config(config, add_pooling_layer=False)
    head = heads.build_head("classification", width, num_labels=3, dropout=template.head.config["options"]["dropout"])
    return models.encoder_with_head(encoder, head)


# -- the report over constructed tracking stores ----------------------------------------------------------


def report_scaling(params: Path, spec: Size, rounds: int, root: Path) -> dict:
    """Seconds of report.run over stores of ``report_runs`` and twice as many evaluate runs (only
    report.run is timed; the stores are built first, see :func:`build_store`)."""
    per_seed = len(REPORT_MODELS) * len(REPORT_TASKS)
    seeds = math.ceil(spec.report_runs / per_seed)
    small, large = root / "small", root / "large"
    build_store(small, params, range(1, seeds + 1), spec.report_pairs)
    shutil.copytree(small, large, ignore=shutil.ignore_patterns("artifacts"))  # artifacts stay where the db says
    build_store(large, params, range(seeds + 1, 2 * seeds + 1), spec.report_pairs)
    seconds = alternate(
        {"small": lambda: time_report(small, params, seeds, spec.n_boot),
         "large": lambda: time_report(large, params, 2 * seeds, spec.n_boot)},
        rounds,
    )
    return {
        "report_seconds_1k": seconds["small"], "report_seconds_2k": seconds["large"],
        "report_seconds_ratio": seconds["large"] / seconds["small"],
        "report_runs": [seeds * per_seed, 2 * seeds * per_seed],
        "report_settings": {"n_boot": spec.n_boot, "curve_seeds": 1, "test_pairs_per_language": spec.report_pairs,
                            "models": list(REPORT_MODELS), "tasks": list(REPORT_TASKS)},
    }


def _report_cfg(params: Path, n_seeds: int):
    from xstilts import config

    overrides = [f"grid.models=[{', '.join(REPORT_MODELS)}]", f"grid.tasks=[{', '.join(REPORT_TASKS)}]",
                 f"grid.seeds=[{', '.join(str(s) for s in range(1, n_seeds + 1))}]"]
    return config.load(params, overrides, profile="smoke")


def time_report(root: Path, params: Path, n_seeds: int, n_boot: int) -> float:
    from xstilts import report

    cfg = _report_cfg(params, n_seeds)
    with store.active(root):
        start = time.perf_counter()
        report.run(cfg, root / "results", root / "reports", n_boot=n_boot, boot_seed=0, curve_seeds=1)
        return time.perf_counter() - start


def build_store(root: Path, params: Path, seeds, pairs: int) -> None:
    """Add the runs of ``seeds`` (every model x task) to the tracking store + results/ under ``root``, as
    the phases would log them (:mod:`xstilts.perf.store`): random accuracies, ``pairs`` test pairs per
    language in each predictions artifact, a short learning curve for seed 1."""
    import numpy as np
    import pandas as pd

    cfg = _report_cfg(params, 1)
    languages = list(cfg.languages)
    with store.opened(root) as experiment:
        for seed in seeds:
            for m, model in enumerate(REPORT_MODELS):
                for t, task in enumerate(REPORT_TASKS):
                    rng = np.random.default_rng([seed, m, t])
                    dev = float(rng.random()) if tasks.get(task).head is not None else None
                    correct = rng.random((len(languages), pairs)) < 0.5 + 0.05 * t  # [languages, pairs]
                    predictions = pd.DataFrame({
                        "split": "test", "language": np.repeat(languages, pairs),
                        "pair_id": np.tile(np.arange(pairs), len(languages)), "correct": correct.ravel(),
                    })
                    metrics = {
                        f"xnli_test_acc_{lang}": float(c.mean()) for lang, c in zip(languages, correct, strict=True)
                    }
                    metrics |= {f"xnli_dev_acc_{lang}": float(rng.random()) for lang in languages}
                    for split in ("test", "dev"):
                        metrics[f"xnli_{split}_acc_avg"] = float(
                            np.mean([metrics[f"xnli_{split}_acc_{x}"] for x in languages])
                        )
                    curve = [(step, 1.0 / (1 + step)) for step in range(5)] if seed == 1 else []
                    store.log_cell(experiment, cfg, Cell(model, task, seed), root / "results", predictions, metrics,
                                   dev_score=dev, curve=curve)


# -- no-op dvc repro -------------------------------------------------------------------------------------


def noop_repro(repo: Path, work: Path, rounds: int, tiny: bool = False) -> dict:
    """Seconds of ``dvc repro`` with nothing to do.

    In ``repo`` itself when its pipeline is complete (a ``dvc.lock`` and ``dvc status`` clean); otherwise in
    a copy of its DAG (same ``dvc.yaml`` stages, deps, params and outs; each command replaced by a stub that
    writes its outputs) built under ``work``, reproduced once, then timed.
    """
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    dvc = [sys.executable, "-m", "dvc"]
    where, extra = "repository", {}
    if not (repo / "dvc.lock").exists() or not _dvc_clean(repo, dvc, env):
        where = "stub copy of dvc.yaml (the repository has no complete dvc.lock)"
        try:
            missing = _stub_project(repo, work, dvc, env, tiny)
        except (subprocess.CalledProcessError, OSError) as err:
            detail = (getattr(err, "stderr", "") or "") + (getattr(err, "stdout", "") or "") or str(err)
            return {"noop_repro_seconds": None, "noop_repro_where": where, "noop_repro_error": detail.strip()[-500:]}
        if missing:
            extra["noop_repro_note"] = (
                f"dvc.yaml names params.yaml blocks that it lacks: {', '.join(missing)} (stubbed)"
            )
        repo = work

    def once() -> float:
        start = time.perf_counter()
        subprocess.run([*dvc, "repro"], cwd=repo, env=env, check=True, capture_output=True, text=True)
        return time.perf_counter() - start

    seconds = alternate({"repro": once}, rounds)["repro"]
    stages = subprocess.run([*dvc, "stage", "list", "--name-only"], cwd=repo, env=env, capture_output=True, text=True)
    return {"noop_repro_seconds": seconds, "noop_repro_where": where,
            "noop_repro_stages": len(stages.stdout.split()), **extra}


# -- a stage's start-up ----------------------------------------------------------------------------------

# Runs the CLI with one more Trainer callback that prints how long the process took to reach its first
# training step (wall and CPU seconds since the interpreter started) and then exits: only the start-up is timed.
_FIRST_STEP = """
import os, sys, time
started = time.perf_counter()
from transformers import TrainerCallback
import xstilts.train as train

class FirstStep(TrainerCallback):
    def on_step_begin(self, args, state, control, **kwargs):
        print(f"FIRST_STEP {time.process_time():.3f}", flush=True)
        os._exit(0)

fit = train.fit
train.fit = lambda *a, callbacks=(), **k: fit(*a, callbacks=[*callbacks, FirstStep()], **k)
from xstilts.cli import main
sys.exit(main(sys.argv[1:]))
"""
_STARTUP_DATA = [  # a few rows each: the start-up does not depend on the data's size
    "data.synthetic.xnli_dev_per_language=4", "data.synthetic.xnli_test_per_language=4",
    "data.synthetic.mnli_train=40", "data.synthetic.mnli_dev=8", "data.synthetic.stsb_train=40",
    "data.synthetic.stsb_dev=8", "data.synthetic.stsb_test=8", "data.synthetic.ud_train=20",
    "data.synthetic.ud_dev=8", "data.synthetic.ud_test=8", "data.synthetic.corpus_per_language=10",
    "pretrained.mlm.epochs=1",
]


def stage_startup(params: Path, work: Path, rounds: int) -> dict:
    """Median start-up of ``xstilts intermediate --task sts-b`` (a DVC stage's command) in a small project."""
    work.mkdir(parents=True)
    shutil.copy(params, work / "params.yaml")
    overrides = [arg for item in _STARTUP_DATA for arg in ("-S", item)]
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}", "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("MLFLOW_RUN_ID", None)
    xstilts = [sys.executable, "-m", "xstilts"]
    for step in (["prepare"], ["pretrained", "--model", MODEL, "--no-upstream"]):
        subprocess.run(xstilts + step + overrides, cwd=work, env=env, check=True, capture_output=True)
    command = [sys.executable, "-c", _FIRST_STEP, "intermediate", "--model", MODEL, "--task", "sts-b", "--seed",
               "1", "--no-upstream", *overrides]
    walls, cpus = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
        line = next((x for x in done.stdout.splitlines() if x.startswith("FIRST_STEP ")), None)
        if line is None:
            return {"stage_startup_seconds": None, "stage_startup_error": done.stderr.strip()[-500:]}
        walls.append(time.perf_counter() - start)
        cpus.append(float(line.split()[1]))
        shutil.rmtree(work / "work", ignore_errors=True)  # the next round starts fresh, not from a checkpoint
    return {"stage_startup_seconds": statistics.median(walls), "stage_startup_cpu_seconds": statistics.median(cpus),
            "stage_startup_command": "xstilts intermediate --task sts-b (to its first training step)"}


def _dvc_clean(repo: Path, dvc: list[str], env: dict) -> bool:
    status = subprocess.run([*dvc, "status", "--json"], cwd=repo, env=env, capture_output=True, text=True)
    return status.returncode == 0 and json.loads(status.stdout or "null") == {}


def _stub_project(repo: Path, work: Path, dvc: list[str], env: dict, tiny: bool) -> list[str]:
    """Build and reproduce the stub copy; returns the params.yaml blocks it had to add."""
    import yaml

    pipeline = yaml.safe_load((repo / "dvc.yaml").read_text(encoding="utf-8"))
    params = yaml.safe_load((repo / "params.yaml").read_text(encoding="utf-8"))
    if tiny:  # one cell of the grid: a handful of stages
        params["grid"] = {
            "models": params["grid"]["models"][:1], "tasks": ["none"], "seeds": params["grid"]["seeds"][:1]
        }
    # a stage may name a params.yaml block that is not there yet (dvc.yaml and params.yaml edited apart):
    # give the stub an empty one, so the timing still comes, and say so
    named = {
        p.split(".")[0] for stage in pipeline["stages"].values() for p in stage.get("params", []) if isinstance(p, str)
    }
    missing = sorted(named - set(params))
    params |= {key: {} for key in missing}
    work.mkdir(parents=True, exist_ok=True)
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    stub = work / "stub.py"
    stub.write_text(
        "import pathlib, sys\n"
        "for out in sys.argv[1:]:\n"
        "    path = pathlib.Path(out)\n"
        "    if path.suffix:  # a file output (json, parquet, md, csv)\n"
        "        path.parent.mkdir(parents=True, exist_ok=True); path.write_text('{}')\n"
        "    else:  # a directory output (data, models, figures)\n"
        "        path.mkdir(parents=True, exist_ok=True); (path / 'stub.txt').write_text('stub')\n",
        encoding="utf-8",
    )
    outs_of = lambda stage: [next(iter(o)) if isinstance(o, dict) else o  # noqa: E731
                             for key in ("outs", "metrics", "plots") for o in stage.get(key, [])]
    produced = [out.split("${")[0].rstrip("/") for stage in pipeline["stages"].values() for out in outs_of(stage)]
    for stage in pipeline["stages"].values():
        stage["cmd"] = f"{sys.executable} stub.py {' '.join(outs_of(stage))}"
        for dep in stage.get("deps", []):
            internal = "${" in dep or any(
                dep == p or dep.startswith(p + "/") or p.startswith(dep + "/") for p in produced
            )
            if internal:
                continue
            source, target = repo / dep, work / dep
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
            elif source.exists():
                shutil.copy2(source, target)
            elif target.suffix:  # absent here (a bare checkout, a test): a placeholder of the same kind
                target.write_text("stub")
            else:
                target.mkdir(parents=True, exist_ok=True)
                (target / "stub.txt").write_text("stub")
    (work / "dvc.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False), encoding="utf-8")
    for command in (["init", "--no-scm", "-q"], ["repro"]):
        subprocess.run([*dvc, *command], cwd=work, env=env, check=True, capture_output=True, text=True)
    return missing


# -- helpers ---------------------------------------------------------------------------------------------


def alternate(sides: dict[str, Callable[[], float | None]], rounds: int, warmup: bool = False) -> dict[str, float]:
    """Median seconds of each side over ``rounds`` rounds; the order flips every round so that neither side
    always runs first. A side returns its own seconds (so that setup stays out) or None (timed here)."""
    names = list(sides)
    if warmup:  # lazy imports, allocator growth, first-call caches: paid before timing
        for name in names:
            sides[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            start = time.perf_counter()
            seconds = sides[name]()
            times[name].append(seconds if seconds is not None else time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def goals_met(result: dict) -> dict[str, bool | None]:
    met = {}
    for key, (op, goal) in GOALS.items():
        value = result.get(key)
        met[key] = None if value is None else (value >= goal if op == ">=" else value <= goal)
    return met


# -- the readable table ------------------------------------------------------------------------------------


def format_table(result: dict) -> str:
    """The result as a plain-text table (CPU comparisons, or the GPU shapes)."""
    if "models" in result:
        return gpu.format_table(result)
    mark = {True: "yes", False: "NO", None: "n/a"}
    met = result.get("goals_met", {})
    ev, tr = result["eval_examples_per_s"], result["train_examples_per_s"]
    rows = [
        ("measure", "xstilts", "usual recipe", "ratio", "goal", "met"),
        ("XNLI eval, examples/s", f"{ev['xstilts']:.0f}", f"{ev['padded']:.0f}",
         f"{result['eval_speedup_vs_padded']:.2f}x", ">= 2.5", mark[met.get("eval_speedup_vs_padded")]),
        ("MNLI training, examples/s", f"{tr['xstilts']:.1f}", f"{tr['padded']:.1f}",
         f"{result['train_speedup_vs_padded']:.2f}x", ">= 1.8", mark[met.get("train_speedup_vs_padded")]),
        ("training MFU (fp32, CPU)", f"{result['train_mfu_cpu']:.3f}", "", "", ">= 0.3",
         mark[met.get("train_mfu_cpu")]),
        ("report s, 1k / 2k runs", f"{result['report_seconds_1k']:.1f} / {result['report_seconds_2k']:.1f}", "",
         f"{result['report_seconds_ratio']:.2f}", "<= 2.3", mark[met.get("report_seconds_ratio")]),
        ("no-op dvc repro, s", fmt(result.get("noop_repro_seconds"), ".2f"), "", "", "", ""),
        ("stage start-up, s (CPU s)", f"{fmt(result.get('stage_startup_seconds'), '.1f')} "
         f"({fmt(result.get('stage_startup_cpu_seconds'), '.1f')})", "", "", "", ""),
    ]
    m = result["machine"]
    lines = [
        f"xstilts bench ({result['size']}, {result['rounds']} rounds, medians) {result['date']}",
        f"{m['cpu']}, {m['cores']} cores, torch {m['torch']} ({m['torch_threads']} threads); {result['model']}",
        "", *columns(rows), "",
        f"fp32 matmul: {result['cpu_matmul_flops'] / 1e9:.1f} GFLOP/s peak, "
        f"{result['cpu_matmul_flops_at_model_shape'] / 1e9:.1f} GFLOP/s at the model's FFN shape "
        f"({result['cpu_matmul_flops_at_model_shape'] / result['cpu_matmul_flops']:.2f} of peak)",
        "training MFU by hidden size (same fit path, 2 layers, "
        f"{result['train_mfu_cpu_by_hidden_steps']} steps): "
        + ", ".join(f"{w}: {m:.2f}" for w, m in result["train_mfu_cpu_by_hidden"].items()),
        f"eval: {result['eval_examples']} pairs, mean {result['eval_mean_tokens']:.1f} tokens, batch "
        f"{result['eval_batch_size']}, predictions agree {100 * result['eval_prediction_agreement']:.1f}%; "
        f"training: {result['train_steps']} steps of {result['train_batch_size']}",
        f"report: {result['report_runs'][0]} / {result['report_runs'][1]} evaluate runs, {result['report_settings']}",
        f"dvc repro: {result.get('noop_repro_where')}"
        + (f", {result['noop_repro_stages']} stages" if result.get("noop_repro_stages") else "")
        + (f"; {result['noop_repro_note']}" if result.get("noop_repro_note") else "")
        + (f"; error: {result['noop_repro_error']}" if result.get("noop_repro_error") else ""),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m xstilts.perf.bench``: ``xstilts bench`` for machines without the package installed (the
    GPU machine runs it from the source tree, see scripts/gpu_bench.sh)."""
    parser = argparse.ArgumentParser(prog="python -m xstilts.perf.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--size", choices=list(SIZES), default="full")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--shapes", action="store_true",
                        help="the paper-shape bench of `--device cuda` on this device (e.g. --size tiny on a CPU)")
    parser.add_argument("--only", help="paper shapes: measure this one only (e.g. xlm-roberta-large)")
    parser.add_argument("--deadline", type=float, help="paper shapes: start no experiment after this many seconds")
    parser.add_argument("--no-experiments", action="store_true", help="paper shapes: the recipe rows only")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object, last line")
    parser.add_argument("--out", type=Path, help="also write the JSON there")
    args = parser.parse_args(argv)
    if args.device == "cuda" or args.shapes:
        result = gpu.gpu(args.device, args.size, out=args.out, only=args.only, deadline_s=args.deadline,
                               experiments=not args.no_experiments)
    else:
        result = run(args.device, args.size, args.repeats)
    print(format_table(result), flush=True)
    if args.out:
        write_json(args.out, result)
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
