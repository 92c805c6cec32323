"""GPU throughput of the paper-size models: ``scripts/gpu_bench.sh``.

Each shape is our production model (Hugging Face encoder with SDPA attention + xstilts' classification
head) with random weights (nothing is downloaded), trained as ``train.fit`` trains on a GPU (bf16
autocast, grad-norm clipping at 1.0, fused AdamW) on synthetic batches whose lengths look like XNLI pairs.

Batch layouts:

- ``padded``: every pair padded to 128 tokens, batches in file order (the usual ``run_xnli.py`` recipe);
- ``dynamic``: Hugging Face's length-grouped order, each batch padded to its longest pair (``train.fit``);
- ``bucketed``: the same order, each batch padded up to a multiple of 32 tokens (4 shapes in all).

The recipe rows (batch 32, all three shapes) feed ``xstilts plan``. For the goal shape
(xlm-roberta-large) a few experiments follow, to find out what the MFU goal needs: attention kernels,
larger batches (token budgets), ``torch.compile`` and CUDA graphs, and a profile of one step of each
layout (how busy the GPU is). MFU = model FLOPs of the real (non-pad) tokens per second ÷ the card's
measured bf16 matmul rate. Every variant is timed after an untimed pass over the same batches (each
shape's one-off costs, compilation included, stay out of the timing).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import platform
import time
from pathlib import Path

from xstilts.io import write_json
from xstilts.perf.common import BATCH_SIZE, PADDED_LENGTH, columns, fmt, machine, matmul_rate, now, training_flops
from xstilts.perf.shapes import PAPER_SHAPES, Shape

GOAL_MFU = 0.45  # the GPU goal: training MFU of the xlm-roberta-large shape
GOAL_SHAPE = "xlm-roberta-large"
EVAL_BATCH_SIZE = 128  # phases.EVAL_BATCH_SIZE, without importing the phases
BUCKET = 32  # bucketed layout: widths rounded up to a multiple of this
TINY_SHAPES = {name: Shape(s.family, 64, 2, 2, 128, 1000) for name, s in PAPER_SHAPES.items()}  # CPU test of the path


@dataclasses.dataclass(frozen=True)
class GpuSize:
    shapes: dict
    steps: int  # training steps of a batch-32 variant; larger batches see the same examples in fewer steps
    min_steps: int  # ... but never fewer steps than this
    eval_examples: int
    matmul: int


GPU_SIZES = {
    "full": GpuSize(PAPER_SHAPES, steps=40, min_steps=10, eval_examples=4096, matmul=8192),
    "tiny": GpuSize(TINY_SHAPES, steps=2, min_steps=1, eval_examples=64, matmul=128),
}


@dataclasses.dataclass(frozen=True)
class Variant:
    layout: str  # padded | dynamic | bucketed
    batch_size: int = BATCH_SIZE
    attention: str = "default"  # default | no-cudnn (SDPA without its cuDNN backend)
    compile: str | None = None  # None (eager) | a torch.compile mode: "default", "reduce-overhead" (CUDA graphs)

    @property
    def name(self) -> str:
        parts = [self.layout, f"batch {self.batch_size}"]
        if self.attention != "default":
            parts.append(f"attention {self.attention}")
        if self.compile:
            parts.append(f"compile {self.compile}")
        return ", ".join(parts)


RECIPE = (Variant("padded"), Variant("dynamic"), Variant("bucketed"))
EXPERIMENTS = (  # goal shape only; cheapest first, compilation (minutes) last
    Variant("dynamic", attention="no-cudnn"),
    Variant("padded", 128),
    Variant("padded", 256),
    Variant("bucketed", 256),
    Variant("padded", compile="reduce-overhead"),
    Variant("padded", 256, compile="default"),
    Variant("bucketed", compile="default"),
)


def gpu(device: str = "cuda", size: str = "full", seed: int = 0, out: Path | None = None, only: str | None = None,
        deadline_s: float | None = None, experiments: bool = True) -> dict:
    """Training tokens/s, bf16 MFU, eval examples/s and peak memory of the paper-size shapes.

    ``size="tiny"`` runs the same code on CPU-sized shapes (a test of the path). With ``out``, the result so
    far is written there after every variant (a run cut short keeps its numbers), and the step profiles
    beside it. ``only`` names one shape. Variants that would start after ``deadline_s`` seconds are
    recorded as skipped. Compiled variants need CUDA (skipped elsewhere).
    """
    import numpy as np
    import torch

    began = time.monotonic()
    run_size = GPU_SIZES[size]
    rng = np.random.default_rng(seed)
    on_cuda = device == "cuda"
    peak = matmul_rate(run_size.matmul, run_size.matmul, run_size.matmul, torch.bfloat16, device)
    n_train = max(_steps(run_size, v) * v.batch_size for v in RECIPE + EXPERIMENTS)
    train_lengths, eval_lengths = xnli_like_lengths(rng, n_train), xnli_like_lengths(rng, run_size.eval_examples)
    result = {
        "device": device, "size": size, "date": now(), "machine": machine(),
        "card": torch.cuda.get_device_name() if on_cuda else platform.processor() or "cpu",
        "command": (
            "scripts/gpu_bench.sh" if size == "full" else f"xstilts.perf.gpu.gpu(device={device!r}, size={size!r})"
        ),
        "bf16_matmul_flops": peak, "batch_size": BATCH_SIZE, "max_length": PADDED_LENGTH,
        "lengths": {"mean": float(np.mean(train_lengths)), "p50": float(np.median(train_lengths)),
                    "p95": float(np.percentile(train_lengths, 95)), "max": int(np.max(train_lengths))},
        "models": {},
    }

    def save() -> None:
        result["goals"], result["goals_met"], result["best_train_mfu"] = _goals(result)
        if out:
            write_json(out, result)

    for name, shape in run_size.shapes.items():
        if only and name != only:
            continue
        torch.manual_seed(seed)
        model = paper_model(shape, device)
        entry = result["models"][name] = {"params": sum(p.numel() for p in model.parameters()),
                                          "non_embedding_params": _body_params(model),
                                          "attention": _attention_impl(model)}
        for variant in RECIPE:
            batches = make_batches(
                train_lengths[: _steps(run_size, variant) * variant.batch_size], shape, variant, device, rng, train=True
            )
            entry[variant.layout] = train_throughput(model, batches, peak, device, variant)
            entry[variant.layout].update(
                eval_throughput(model, make_batches(eval_lengths, shape, variant, device, rng, train=False), device)
            )
            save()
        if name == GOAL_SHAPE and experiments:
            entry["profiles"] = {}
            for layout in ("padded", "dynamic"):
                batches = make_batches(train_lengths[: 8 * BATCH_SIZE], shape, Variant(layout), device, rng, train=True)
                entry["profiles"][layout] = profile_steps(model, batches, device, out, f"{name}_{layout}")
            entry["experiments"] = {}
            for variant in EXPERIMENTS:
                entry["experiments"][variant.name] = _experiment(
                    model, variant, train_lengths, shape, device, rng, peak, run_size, began, deadline_s
                )
                save()
        del model
        if on_cuda:
            torch.cuda.empty_cache()
        save()
    return result


def _steps(run_size: GpuSize, variant: Variant) -> int:
    return max(run_size.min_steps, run_size.steps * BATCH_SIZE // variant.batch_size)


def _experiment(model, variant, train_lengths, shape, device, rng, peak, run_size, began, deadline_s) -> dict:
    import torch

    if deadline_s is not None and time.monotonic() - began > deadline_s:
        return {"skipped": f"past the {deadline_s:.0f} s deadline"}
    if variant.compile and device != "cuda":
        return {"skipped": "compiled variants are measured on CUDA only"}
    batches = make_batches(
        train_lengths[: _steps(run_size, variant) * variant.batch_size], shape, variant, device, rng, train=True
    )
    try:
        return train_throughput(model, batches, peak, device, variant)
    except torch.OutOfMemoryError:
        return {"error": "out of GPU memory"}
    except Exception as err:  # a compiler failure must not lose the other measurements
        return {"error": f"{type(err).__name__}: {str(err).strip().splitlines()[0][:300] if str(err).strip() else ''}"}
    finally:
        del batches
        if variant.compile:
            torch._dynamo.reset()
        if device == "cuda":
            torch.cuda.empty_cache()


def paper_model(shape: Shape, device: str):
    """Random-weight encoder of ``shape`` + xstilts' NLI head, built directly on ``device``."""
    import torch
    from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

    from xstilts import heads, models

    common = dict(vocab_size=shape.vocab, hidden_size=shape.hidden, num_hidden_layers=shape.layers,
                  num_attention_heads=shape.heads, intermediate_size=shape.intermediate)
    if shape.family == "bert":
        config, cls = BertConfig(max_position_embeddings=512, type_vocab_size=2, pad_token_id=0, **common), BertModel
    else:  # XLM-R: positions offset by padding_idx + 1 (hence 514), pad id 1
        config = XLMRobertaConfig(max_position_embeddings=514, type_vocab_size=1, pad_token_id=1, **common)
        cls = XLMRobertaModel
    config._attn_implementation = "sdpa"  # fused attention kernels (PyTorch scaled_dot_product_attention)
    with torch.device(device):
        encoder = cls(config, add_pooling_layer=False)
        head = heads.build_head("classification", shape.hidden, num_labels=3, dropout=0.1)
    return models.encoder_with_head(encoder, head)


def xnli_like_lengths(rng, n: int):
    """Token lengths of sentence pairs like XNLI's: log-normal with mean 50 and sigma 0.45 (median ~45,
    about 1% reach the 128-token cap), clipped to [8, 128]. A stand-in: the real distribution was not
    measured here (no hub access on the GPU machine)."""
    import numpy as np

    sigma = 0.45
    lengths = rng.lognormal(np.log(50) - sigma**2 / 2, sigma, n)
    return np.clip(np.round(lengths), 8, PADDED_LENGTH).astype(int)


def make_batches(lengths, shape: Shape, variant: Variant, device: str, rng, train: bool) -> list[dict]:
    """Batches of random token ids on ``device`` in ``variant``'s layout (see the module docstring); training
    batches follow HF's LengthGroupedSampler, evaluation batches are sorted by length (as evaluate.predict)."""
    import numpy as np
    import torch

    batch_size = variant.batch_size if train else EVAL_BATCH_SIZE
    order = np.arange(len(lengths))
    if variant.layout != "padded" and train:
        from transformers.trainer_pt_utils import LengthGroupedSampler

        generator = torch.Generator().manual_seed(int(rng.integers(2**31)))
        order = np.array(list(LengthGroupedSampler(batch_size, lengths=lengths.tolist(), generator=generator)))
    elif variant.layout != "padded":
        order = np.argsort(lengths, kind="stable")
    pad = 0 if shape.family == "bert" else 1
    batches = []
    for start in range(0, len(order), batch_size):
        chosen = lengths[order[start : start + batch_size]]
        width = {"padded": PADDED_LENGTH, "dynamic": int(chosen.max()),
                 "bucketed": min(PADDED_LENGTH, BUCKET * math.ceil(int(chosen.max()) / BUCKET))}[variant.layout]
        mask = torch.arange(width)[None, :] < torch.as_tensor(chosen)[:, None]
        ids = torch.randint(5, shape.vocab, (len(chosen), width)).masked_fill(~mask, pad)
        labels = torch.as_tensor(rng.integers(3, size=len(chosen)))
        batches.append(
            {"input_ids": ids.to(device), "attention_mask": mask.long().to(device), "labels": labels.to(device)}
        )
    return batches


def _attention_context(variant: Variant):
    if variant.attention == "default":
        return contextlib.nullcontext()
    from torch.nn.attention import SDPBackend, sdpa_kernel

    return sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH])


def _training_step(model, device: str, variant: Variant):
    """fit's GPU step by hand: bf16 autocast, backward, clip at 1.0, fused AdamW (Trainer's default), with
    ``variant``'s attention kernels and compilation; returns (step(batch), the optimizer)."""
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5, fused=device == "cuda")
    forward = torch.compile(model, mode=variant.compile, dynamic=False) if variant.compile else model
    model.train()

    def step(batch):
        with torch.autocast(device_type=device, dtype=torch.bfloat16), _attention_context(variant):
            loss = forward(**batch)["loss"]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return step, optimizer


def train_throughput(model, batches: list[dict], peak: float, device: str, variant: Variant = RECIPE[0]) -> dict:
    """Steady-state training throughput of :func:`_training_step` over ``batches``, and its peak memory."""
    import torch

    on_cuda = device == "cuda"
    sync = torch.cuda.synchronize if on_cuda else (lambda: None)
    step, optimizer = _training_step(model, device, variant)

    # Untimed pass over every batch first. With dynamic padding each new length is a new shape, and the
    # first use of a shape pays one-off costs (CUDA's lazy kernel loading, cuBLAS heuristics, allocator
    # growth, compilation); a real run repeats the same ~100 lengths for thousands of steps, so the steady
    # state is what counts.
    warmup = time.perf_counter()
    for batch in batches:
        step(batch)
    sync()
    warmup_seconds = time.perf_counter() - warmup
    if on_cuda:
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for batch in batches:
        step(batch)
    sync()
    seconds = time.perf_counter() - start
    memory = torch.cuda.max_memory_allocated() / 2**30 if on_cuda else None

    # the per-step cost that does not shrink with fewer tokens: clipping + the AdamW update of every
    # parameter (the 250k-row embedding matrices included), timed alone on the last gradients
    with torch.autocast(device_type=device, dtype=torch.bfloat16):
        model(**batches[-1])["loss"].backward()
    sync()
    start = time.perf_counter()
    for _ in range(3):
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    sync()
    optimizer_ms = (time.perf_counter() - start) / 3 * 1000
    optimizer.zero_grad(set_to_none=True)

    lengths = [int(n) for b in batches for n in b["attention_mask"].sum(1).tolist()]
    processed = sum(b["input_ids"].numel() for b in batches)
    flops = training_flops(model, lengths)
    padded_flops = training_flops(model, [b["input_ids"].size(1) for b in batches for _ in range(len(b["input_ids"]))])
    return {
        "batch_size": variant.batch_size, "steps": len(batches), "warmup_s": warmup_seconds,
        "train_step_ms": seconds / len(batches) * 1000, "optimizer_ms": optimizer_ms,
        "train_tokens_per_step": sum(lengths) / len(batches),
        "train_processed_tokens_per_step": processed / len(batches),
        "train_tokens_per_s": sum(lengths) / seconds, "train_examples_per_s": len(lengths) / seconds,
        "train_mfu": flops / seconds / peak, "train_mfu_counting_padding": padded_flops / seconds / peak,
        "train_peak_memory_gib": memory,
    }


def eval_throughput(model, batches: list[dict], device: str) -> dict:
    """evaluate.predict's loop (inference_mode, argmax per batch) under bf16 autocast, as predict runs on a
    GPU, and in fp32 without autocast (``eval_examples_per_s_fp32``) for comparison."""
    import torch

    on_cuda = device == "cuda"
    sync = torch.cuda.synchronize if on_cuda else (lambda: None)

    def timed(autocast: bool) -> float:
        with torch.inference_mode(), torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=autocast):
            for batch in batches:  # untimed pass: every shape once (see train_throughput)
                model(**batch)["logits"].argmax(-1)
            sync()
            start = time.perf_counter()
            for batch in batches:
                model(**batch)["logits"].argmax(-1).tolist()  # the host copy ends each batch, as in predict
            sync()
            return time.perf_counter() - start

    model.eval()
    fp32 = timed(autocast=False)
    if on_cuda:
        torch.cuda.reset_peak_memory_stats()
    seconds = timed(autocast=True)
    model.train()
    examples = sum(len(b["input_ids"]) for b in batches)
    tokens = sum(int(b["attention_mask"].sum()) for b in batches)
    return {"eval_examples_per_s": examples / seconds, "eval_tokens_per_s": tokens / seconds,
            "eval_examples_per_s_fp32": examples / fp32,
            "eval_peak_memory_gib": torch.cuda.max_memory_allocated() / 2**30 if on_cuda else None}


def profile_steps(model, batches: list[dict], device: str, out: Path | None, label: str) -> dict:
    """torch.profiler over the eager recipe step on ``batches`` (after an untimed pass over them): the
    fraction of the wall time the device is busy, and the table of the costliest operators (written beside
    ``out``)."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device == "cuda" else [])
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    step, _ = _training_step(model, device, RECIPE[0])

    for batch in batches:  # every shape once, untimed
        step(batch)
    sync()
    with profile(activities=activities) as prof:
        start = time.perf_counter()
        for batch in batches:
            step(batch)
        sync()
        wall = time.perf_counter() - start
    events = prof.key_averages()
    device_us = sum(getattr(e, "self_device_time_total", 0) for e in events)
    sort_key = "self_cuda_time_total" if device == "cuda" else "self_cpu_time_total"
    table = events.table(sort_by=sort_key, row_limit=15)
    if out:
        (Path(out).parent / f"profile_{label}.txt").write_text(table + "\n", encoding="utf-8")
    return {"steps": len(batches), "wall_ms_per_step": wall / len(batches) * 1000,
            "device_busy_fraction": device_us / 1e6 / wall if device == "cuda" else None,
            "kernel_launches_per_step": sum(
                e.count for e in events if e.key.startswith(("cudaLaunchKernel", "cuLaunchKernel"))
            ) / len(batches)}


def _body_params(model) -> int:
    return sum(p.numel() for name, p in model.encoder.named_parameters() if not name.startswith("embeddings."))


def _attention_impl(model) -> str:
    return str(getattr(model.encoder.config, "_attn_implementation", "?"))


def _goals(result: dict) -> tuple[dict, dict, dict]:
    """The goal (MFU of the goal shape in training), met by which measurement, if any."""
    entry = result["models"].get(GOAL_SHAPE, {})
    rows = {Variant(layout).name: entry[layout] for layout in ("padded", "dynamic", "bucketed") if layout in entry}
    rows.update({name: row for name, row in entry.get("experiments", {}).items() if "train_mfu" in row})
    best = max(rows.items(), key=lambda item: item[1]["train_mfu"], default=(None, {}))
    recipe = max((row["train_mfu"] for name, row in rows.items() if row.get("batch_size") == BATCH_SIZE), default=None)
    padded = max(rows.items(), key=lambda item: item[1]["train_mfu_counting_padding"], default=(None, {}))
    key = f"train_mfu {GOAL_SHAPE}"
    return ({key: f">= {GOAL_MFU}"},
            {key: best[1].get("train_mfu", 0) >= GOAL_MFU,
             f"{key} at the recipe's batch {BATCH_SIZE}": (recipe or 0) >= GOAL_MFU},
            {"variant": best[0], "train_mfu": best[1].get("train_mfu"), "at_recipe_batch": recipe,
             # the fixed-length convention: every position of a padded batch counted as work
             "counting_padding": {"variant": padded[0], "train_mfu": padded[1].get("train_mfu_counting_padding")}})


def _table_row(name: str, variant: str, e: dict) -> tuple:
    """One measured variant; the evaluation columns stay empty for training-only experiments."""
    memory = max(
        (v for v in (e["train_peak_memory_gib"], e.get("eval_peak_memory_gib")) if v is not None), default=None
    )
    evaluation = [fmt(e[key], ".0f") if key in e else "" for key in ("eval_examples_per_s", "eval_examples_per_s_fp32")]
    return (name, variant, f"{e['train_tokens_per_s']:.0f}", f"{e['train_step_ms']:.1f}", f"{e['optimizer_ms']:.1f}",
            f"{e['train_mfu']:.3f}", f"{e['train_mfu_counting_padding']:.3f}", *evaluation, fmt(memory, ".1f"))


def format_table(result: dict) -> str:
    rows = [("shape", "variant", "train tok/s", "step ms", "optim ms", "MFU", "MFU w/ pad", "eval ex/s", "fp32 ex/s",
             "peak GiB")]
    notes = []
    for name, entry in result["models"].items():
        for layout in ("padded", "dynamic", "bucketed"):
            if layout not in entry:
                continue
            rows.append(_table_row(name, Variant(layout).name, entry[layout]))
        for variant, e in entry.get("experiments", {}).items():
            if "train_mfu" not in e:
                rows.append((name, variant, *["-"] * 8))
                notes.append(f"{name}, {variant}: {e.get('skipped') or e.get('error', '?')}")
                continue
            rows.append(_table_row(name, variant, e))
    lengths = result["lengths"]
    profiles = [f"profile {name} {layout}: {p['wall_ms_per_step']:.1f} ms/step, device busy "
                f"{fmt(p['device_busy_fraction'], '.2f')}, {p['kernel_launches_per_step']:.0f} kernel launches/step"
                for name, entry in result["models"].items() for layout, p in entry.get("profiles", {}).items()]
    return "\n".join([
        f"xstilts GPU bench ({result['size']}) {result['date']} on {result['card']}, "
        f"torch {result['machine']['torch']}",
        f"bf16 matmul {result['bf16_matmul_flops'] / 1e12:.1f} TFLOP/s; recipe batch {result['batch_size']}; "
        f"lengths mean {lengths['mean']:.1f}, p95 {lengths['p95']:.0f}, max {lengths['max']} "
        f"(padded: {result['max_length']})",
        "", *columns(rows), *notes, "", *profiles,
        f"goals: {result['goals']} met: {result['goals_met']}; best: {result['best_train_mfu']}",
    ])
