"""The compute plan of a configuration (``xstilts plan``): the grid, training steps, GPU-hours and disk.

Steps per run = ceil(examples / batch size) x epochs, as the HF Trainer counts them (no dropped last
batch). Examples are the paper datasets' published sizes in the paper profile and the synthetic sizes of
``data.synthetic`` in the smoke profile. GPU-hours come from a throughput table per model: the
measured one in ``docs/gpu_throughput.json`` (the JSON that ``scripts/gpu_bench.sh`` writes) when it is
there, else an estimate from FLOPs that names the card it assumes. Disk counts the encoders that the
phases save (fp32: 4 bytes per parameter); heads are under 1% of that and left out.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from xstilts.perf.common import repo_root
from xstilts.perf.shapes import PAPER_SHAPES, Shape

# MNLI train / dev matched (Williams et al. 2018), STS-B train / dev (Cer et al. 2017; both as in GLUE),
# UD English-EWT r2.13 train / dev sentences (the treebank's release statistics), XNLI dev / test pairs per
# language (Conneau et al. 2018).
PAPER_EXAMPLES = {
    "mnli_train": 392_702, "mnli_dev": 9_815, "stsb_train": 5_749, "stsb_dev": 1_500,
    "ud_train": 12_544, "ud_dev": 2_001, "xnli_dev": 2_490, "xnli_test": 5_010,
}
# Mean sub-word tokens per example (specials included): ESTIMATES, used only to turn tokens/s into time.
# NLI pairs: the GPU bench's XNLI-like stand-in (mean 50); UD: 204.6k words / 12,544 sentences = 16.3 words
# (English-EWT r2.13 train) x ~1.4 sub-words per word + 2; STS-B: two ~10-word sentences.
MEAN_TOKENS = {"mnli": 50, "xnli": 50, "ud": 25, "stsb": 30}
THROUGHPUT_FILE = Path("docs/gpu_throughput.json")

# The estimate used when nothing was measured: an H100 SXM at NVIDIA's data-sheet rates, with an assumed
# MFU on the compute part of a step and an AdamW update that streams 32 bytes per parameter (read weight,
# gradient, two moments; write weight and moments; the gradient-norm pass). At batch 32 of ~50-token pairs
# a base-size step is only a few ms of GPU work, so the host launching kernels sets a floor: ASSUMED
# 0.5 ms per layer (forward, backward, bf16 casts: ~80 kernel launches at ~6 us).
ESTIMATE_CARD = "NVIDIA H100 SXM (data sheet: 989 TFLOP/s bf16 dense, 3.35 TB/s)"
ESTIMATE_FLOPS, ESTIMATE_BANDWIDTH, ESTIMATE_MFU, ADAMW_BYTES = 989e12, 3.35e12, 0.35, 32
ESTIMATE_LAUNCH_MS_PER_LAYER = 0.5


def encoder_params(shape: Shape) -> tuple[int, int]:
    """(all, non-embedding) parameters of a BERT/XLM-R encoder without pooler, as ``save_pretrained``
    writes it: embeddings (words, positions, token types, LayerNorm) + per layer attention (4 h x h + bias),
    FFN (2 h x i + biases) and two LayerNorms."""
    h, i = shape.hidden, shape.intermediate
    positions, types = (512, 2) if shape.family == "bert" else (514, 1)
    embeddings = (shape.vocab + positions + types) * h + 2 * h
    layer = 4 * (h * h + h) + 2 * h * i + i + h + 4 * h
    return embeddings + shape.layers * layer, shape.layers * layer


def model_shape(cfg, model: str) -> Shape:
    spec = cfg.model(model)
    if cfg.profile != "paper":
        t = spec.tiny
        return Shape(t.family, t.hidden_size, t.num_layers, t.num_heads, t.intermediate_size, t.vocab_size)
    if spec.hub_id not in PAPER_SHAPES:
        raise ValueError(
            f"models.{model}.hub_id: no shape known for {spec.hub_id!r}; add it to xstilts.perf.shapes.PAPER_SHAPES"
        )
    return PAPER_SHAPES[spec.hub_id]


def examples(cfg) -> dict[str, int]:
    """Examples per split (XNLI: per language) in ``cfg``'s profile."""
    if cfg.profile == "paper":
        return dict(PAPER_EXAMPLES)
    s = cfg.data.synthetic
    return {"mnli_train": s.mnli_train, "mnli_dev": s.mnli_dev, "stsb_train": s.stsb_train, "stsb_dev": s.stsb_dev,
            "ud_train": s.ud_train, "ud_dev": s.ud_dev, "xnli_dev": s.xnli_dev_per_language,
            "xnli_test": s.xnli_test_per_language}


def steps(n_examples: int, batch_size: int, epochs: float) -> int:
    """Optimisation steps of one run: ceil(examples / batch) per epoch, times the epochs."""
    return math.ceil(math.ceil(n_examples / batch_size) * epochs)


# -- throughput ----------------------------------------------------------------------------------------


def estimate_throughput(shape: Shape, batch_size: int = 32, mean_tokens: int = 50) -> dict:
    """Per-model throughput from FLOPs at ESTIMATE_* rates (same keys as a measured entry)."""
    params, body = encoder_params(shape)
    tokens = batch_size * mean_tokens
    flops = 6 * body * tokens + 12 * shape.layers * shape.hidden * mean_tokens * tokens
    optimizer_ms = params * ADAMW_BYTES / ESTIMATE_BANDWIDTH * 1000
    forward_per_token = 2 * body + 4 * shape.layers * shape.hidden * mean_tokens
    return {
        "train_step_ms": flops / (ESTIMATE_FLOPS * ESTIMATE_MFU) * 1000 + optimizer_ms, "optimizer_ms": optimizer_ms,
        "train_tokens_per_step": tokens, "eval_tokens_per_s": ESTIMATE_FLOPS * ESTIMATE_MFU / forward_per_token,
        "step_floor_ms": ESTIMATE_LAUNCH_MS_PER_LAYER * shape.layers,
    }


def load_throughput(path: Path = THROUGHPUT_FILE) -> dict | None:
    """The measured table in ``path`` (gpu_bench JSON) as ``{"card", "source", "models": {hub_id: entry}}``,
    or None if the file is absent."""
    path = Path(path)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    models, bounded = {}, []
    for name, entry in data["models"].items():
        dynamic, padded = dict(entry["dynamic"]), entry.get("padded")
        # A dynamically padded batch is never wider than a padded one, so once every shape has been seen
        # its step is no slower: a measurement that says otherwise timed one-off first-shape costs (the
        # first gpu_bench.sh did). The padded numbers then bound the dynamic ones.
        if padded and padded["train_step_ms"] < dynamic["train_step_ms"]:
            dynamic["train_step_ms"] = padded["train_step_ms"]
            dynamic["optimizer_ms"] = min(dynamic["optimizer_ms"], padded["optimizer_ms"])
            bounded.append(name)
        if padded and padded["eval_tokens_per_s"] > dynamic["eval_tokens_per_s"]:
            dynamic["eval_tokens_per_s"] = padded["eval_tokens_per_s"]
            bounded.append(name)
        models[name] = dynamic
    return {"card": data["card"], "source": f"measured {data['date']} ({data.get('command', 'gpu bench')})",
            "models": models, "bounded_by_padded": sorted(set(bounded))}


def _throughput_for(cfg, model: str, throughput: dict | None) -> dict | None:
    if cfg.profile != "paper":
        return None  # the smoke profile runs on a CPU in minutes: no GPU-hours to plan
    hub_id = cfg.model(model).hub_id
    if throughput and hub_id in throughput["models"]:
        return throughput["models"][hub_id]
    return estimate_throughput(model_shape(cfg, model))


def _train_hours(rate: dict | None, n_steps: int, batch_size: int, mean_tokens: int) -> float | None:
    """A step costs its fixed part (the optimizer over all parameters) plus a part that grows with tokens
    (scaled from the measured batch to this dataset's), but never less than an estimate's launch floor."""
    if rate is None:
        return None
    per_token = (rate["train_step_ms"] - rate["optimizer_ms"]) / rate["train_tokens_per_step"]
    step_ms = max(rate["optimizer_ms"] + per_token * batch_size * mean_tokens, rate.get("step_floor_ms", 0.0))
    return n_steps * step_ms / 1000 / 3600


def _eval_hours(rate: dict | None, n_examples: int, mean_tokens: int) -> float | None:
    return None if rate is None else n_examples * mean_tokens / rate["eval_tokens_per_s"] / 3600


# -- the plan ------------------------------------------------------------------------------------------


def compute(cfg, throughput: dict | None = None) -> list[dict]:
    """One row per phase x model (x task), then a ``total`` row.

    ``throughput``: ``{"card", "source", "models": {hub_id: {train_step_ms, optimizer_ms,
    train_tokens_per_step, eval_tokens_per_s}}}`` (see :func:`load_throughput`); models missing from it, or
    None, get :func:`estimate_throughput`. Tuning rows are an upper bound: every trial runs every epoch
    (median pruning stops some early).
    """
    from xstilts import tasks
    from xstilts.tasks._nli import NLI

    n = examples(cfg)
    seeds, rows = len(cfg.grid.seeds), []

    def row(phase, model, task, runs, split, recipe, dev_split=None, dev_epochs=0, subsample=None, saved=0,
            zero_shot=0):  # fmt: skip
        """``zero_shot``: XNLI examples evaluated after every epoch besides the dev split (target phase)."""
        size = n[split] if subsample is None else min(subsample, n[split])
        family = split.split("_")[0]
        rate = _throughput_for(cfg, model, throughput)
        per_run = steps(size, recipe.batch_size, recipe.epochs)
        dev = n[dev_split] * dev_epochs if dev_split else 0
        train_h = _train_hours(rate, per_run, recipe.batch_size, MEAN_TOKENS[family])
        eval_h = _eval_hours(rate, dev, MEAN_TOKENS[dev_split.split("_")[0]]) if dev_split else 0.0
        if eval_h is not None and zero_shot:
            eval_h += _eval_hours(rate, zero_shot * dev_epochs, MEAN_TOKENS["xnli"])
        rows.append({
            "phase": phase, "model": model, "task": task, "runs": runs, "examples": size,
            "epochs": recipe.epochs, "batch_size": recipe.batch_size, "steps_per_run": per_run,
            "steps": runs * per_run, "eval_examples_per_run": dev + zero_shot * dev_epochs,
            "gpu_hours": None if train_h is None else runs * (train_h + eval_h),
            "disk_gb": saved * encoder_params(model_shape(cfg, model))[0] * 4 / 1e9,
        })

    for model in cfg.grid.models:
        rows.append({"phase": "pretrained", "model": model, "task": "-", "runs": 1, "examples": 0, "epochs": 0,
                     "batch_size": 0, "steps_per_run": 0, "steps": 0, "eval_examples_per_run": 0,
                     "gpu_hours": 0.0 if cfg.profile == "paper" else None,
                     "disk_gb": encoder_params(model_shape(cfg, model))[0] * 4 / 1e9})
        for name in cfg.grid.tasks:
            task, spec = tasks.get(name), cfg.task(name)
            if task.head is None:
                continue  # the baseline trains nothing and points at the pretrained encoder
            if cfg.tune.use_tuned_lr:
                row("tune", model, name, cfg.tune.n_trials, task.train_split, spec.train, task.dev_split,
                    math.ceil(spec.train.epochs), subsample=cfg.tune.train_subsample)
            row("intermediate", model, name, seeds, task.train_split, spec.train, task.dev_split,
                math.ceil(spec.train.epochs), saved=seeds)
        xnli = (n["xnli_dev"] + n["xnli_test"]) * len(cfg.languages)
        for name in cfg.grid.tasks:
            recipe = cfg.target_train(model)
            # after every epoch: MNLI dev, and XNLI dev + test in every language (phases.target)
            row("target", model, name, seeds, NLI.train_split, recipe, NLI.dev_split, math.ceil(recipe.epochs),
                saved=seeds, zero_shot=xnli)
        rate = _throughput_for(cfg, model, throughput)
        hours = _eval_hours(rate, xnli, MEAN_TOKENS["xnli"])
        runs = seeds * len(cfg.grid.tasks)
        rows.append({"phase": "evaluate", "model": model, "task": "all", "runs": runs, "examples": 0, "epochs": 0,
                     "batch_size": 0, "steps_per_run": 0, "steps": 0, "eval_examples_per_run": xnli,
                     "gpu_hours": None if hours is None else runs * hours, "disk_gb": 0.0})
    hours = [r["gpu_hours"] for r in rows]
    rows.append({"phase": "total", "model": "-", "task": "-",
                 "runs": sum(r["runs"] for r in rows if r["phase"] != "pretrained"),
                 "examples": 0, "epochs": 0, "batch_size": 0, "steps_per_run": 0,
                 "steps": sum(r["steps"] for r in rows), "eval_examples_per_run": 0,
                 "gpu_hours": None if None in hours else sum(hours), "disk_gb": sum(r["disk_gb"] for r in rows)})
    return rows


def run(cfg, throughput_file: Path | None = None) -> str:
    """The plan as a plain-text table, with what it assumes."""
    throughput = load_throughput(throughput_file or repo_root() / THROUGHPUT_FILE)
    rows = compute(cfg, throughput)
    g = cfg.grid
    cells = len(g.models) * len(g.tasks) * len(g.seeds)
    trials = f"{cfg.tune.n_trials} tuning trials per model x trained task" if cfg.tune.use_tuned_lr else "no tuning"
    lines = [
        f"xstilts compute plan, profile {cfg.profile}",
        f"grid: {len(g.models)} models ({', '.join(g.models)}) x {len(g.tasks)} tasks ({', '.join(g.tasks)}) x "
        f"{len(g.seeds)} seeds = {cells} cells; {trials}",
    ]
    if cfg.profile == "paper" and len(g.seeds) < 3:
        lines.append(f"WARNING: {len(g.seeds)} seed(s); the paper protocol runs 3 (the report warns otherwise): "
                     "add -S 'grid.seeds=[1,2,3]' (DVC cannot switch the grid's lists by profile, treeverse/dvc#8283)")
    if cfg.profile == "paper":
        measured = throughput is not None and all(cfg.model(m).hub_id in throughput["models"] for m in g.models)
        bounded = ", ".join((throughput or {}).get("bounded_by_padded", []))
        lines.append(f"throughput: {throughput['source']} on {throughput['card']}"
                     + (f"; dynamic-padding time bounded by the padded measurement for {bounded}" if bounded else "")
                     if measured else
                     f"throughput: ESTIMATE (optimistic), not measured: {ESTIMATE_CARD}, assumed MFU {ESTIMATE_MFU}, "
                     f"{ESTIMATE_LAUNCH_MS_PER_LAYER} ms/layer launch floor per step"
                     f"{' (measured for some models)' if throughput else ''}; run scripts/gpu_bench.sh and save its "
                     f"JSON as {THROUGHPUT_FILE}")
        lines.append(f"mean tokens per example (estimates): {MEAN_TOKENS}")
    else:
        lines.append("GPU-hours: n/a (the smoke profile runs on a CPU)")
    table = [("phase", "model", "task", "runs", "examples", "epochs", "batch", "steps/run", "steps", "eval ex/run",
              "GPU-h", "disk GB")]
    for r in rows:
        table.append((r["phase"], r["model"], r["task"], r["runs"], r["examples"] or "", r["epochs"] or "",
                      r["batch_size"] or "", r["steps_per_run"] or "", r["steps"] or "",
                      r["eval_examples_per_run"] or "",
                      "n/a" if r["gpu_hours"] is None else f"{r['gpu_hours']:.2f}", f"{r['disk_gb']:.2f}"))
    widths = [max(len(str(t[i])) for t in table) for i in range(len(table[0]))]
    lines += ["", *("  ".join(str(c).rjust(w) if k >= 3 else str(c).ljust(w)
                              for k, (c, w) in enumerate(zip(t, widths, strict=True)))
                    for t in table)]
    total = rows[-1]
    lines += [
        "",
        "steps/run = ceil(examples / batch) x epochs; tuning rows are an upper bound (no trial pruned). GPU-h of "
        "target rows include the evaluation after every epoch (MNLI dev, XNLI dev and test in every language).",
        f"disk: saved encoders only, fp32 (4 bytes/parameter): {total['disk_gb']:.1f} GB. DVC's cache holds a second "
        "copy unless cache.type is reflink/hardlink/symlink; a running phase also keeps up to two Trainer "
        "checkpoints (weights + AdamW moments, about 3x the encoder each) in work/.",
    ]
    return "\n".join(lines)

