"""What the CPU bench, the GPU bench and the plan share: the machine, FLOP counts and rates, plain-text tables."""

from __future__ import annotations

import contextlib
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

PADDED_LENGTH = 128  # the usual recipe (run_xnli.py): --max_seq_length 128 with padding="max_length"
BATCH_SIZE = 32  # the target recipe's batch (params.yaml target.train, XTREME's train_xnli.sh)


def training_flops(model, lengths) -> float:
    """Model FLOPs of one training pass over sequences of these lengths (no padding counted):
    6 x non-embedding parameters x tokens (forward + backward), plus attention's scores and weighted
    sums, 12 x layers x hidden x length^2 per sequence (PaLM's MFU accounting, Chowdhery et al. 2022,
    appendix B), plus the head, which sees one token per example."""
    config = model.encoder.config
    body = sum(p.numel() for name, p in model.encoder.named_parameters() if not name.startswith("embeddings."))
    head = sum(p.numel() for p in model.head.parameters())
    lengths = [int(n) for n in lengths]
    attention = 12 * config.num_hidden_layers * config.hidden_size * sum(n * n for n in lengths)
    return 6 * body * sum(lengths) + attention + 6 * head * len(lengths)


def matmul_rate(m: int, k: int, n: int, dtype=None, device: str = "cpu", min_seconds: float = 0.5) -> float:
    """Achieved FLOP/s of ``[m, k] @ [k, n]`` repeated for ``min_seconds`` (after a warm-up)."""
    import torch

    dtype = dtype or torch.float32
    a, b = torch.randn(m, k, dtype=dtype, device=device), torch.randn(k, n, dtype=dtype, device=device)
    out = torch.empty(m, n, dtype=dtype, device=device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    for _ in range(3):
        torch.matmul(a, b, out=out)
    sync()
    reps, start = 0, time.perf_counter()
    while True:
        for _ in range(4):
            torch.matmul(a, b, out=out)
        reps += 4
        sync()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return 2 * m * k * n * reps / elapsed


def machine() -> dict:
    import torch

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info = {"cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__, "python": platform.python_version()}
    with contextlib.suppress(ImportError):
        import transformers

        info["transformers"] = transformers.__version__
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name()
    return info


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def repo_root() -> Path:
    """The working directory if it holds ``params.yaml``, else the checkout this package lives in."""
    cwd = Path.cwd()
    return cwd if (cwd / "params.yaml").exists() else Path(__file__).resolve().parents[3]


def columns(rows: list[tuple]) -> list[str]:
    """Rows as left-aligned text columns."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def fmt(value, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)
