"""Data-parallel phases on one node (``torchrun``): the process group and the ranks, in one place.

``torchrun --nproc_per_node=N -m xstilts intermediate ...`` starts N processes with ``RANK``, ``LOCAL_RANK``
and ``WORLD_SIZE`` in their environment. Each trains a replica of the model through the HF Trainer (PyTorch
DDP: the gradients are averaged across the processes at every step); everything else happens once:

- rank 0 alone talks to MLflow (xstilts.tracking does nothing on the other ranks) and writes the phase's
  outputs, result files and work-directory records; the other ranks wait for it (:func:`barrier`) before
  they exit, so the launcher exits 0 only once the outputs exist;
- decisions about the shared work directory (what to clear, which checkpoint to resume) are taken on rank 0
  and handed to the others (:func:`on_main`), so that no two processes clean the same directory;
- the per-epoch evaluation runs on rank 0 while the others wait (xstilts.train.EpochHook).

Without torchrun (``WORLD_SIZE`` unset or 1) every function here is trivial: rank 0 of 1, no process group.
Nothing here imports torch until a process group is needed.
"""

from __future__ import annotations

import atexit
import datetime
import os
from collections.abc import Callable
from typing import TypeVar

from xstilts.errors import XstiltsError

T = TypeVar("T")

# The longest a collective waits, e.g. a barrier while rank 0 evaluates XNLI after an epoch; also the
# Trainer's ddp_timeout. A hung process is noticed after this long, a slow evaluation is not cut short.
TIMEOUT_S = 3600


def world_size() -> int:
    """Processes of this launch (``WORLD_SIZE``, set by torchrun); 1 without torchrun."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def is_main() -> bool:
    """Rank 0: the process that logs to MLflow and writes outputs (always true without torchrun)."""
    return rank() == 0


def backend() -> str:
    """NCCL between GPUs, gloo between CPU processes."""
    import torch

    return "nccl" if torch.cuda.is_available() else "gloo"


def init() -> None:
    """Join the process group of this torchrun launch (once; nothing to do in a single process). On GPUs,
    each process takes the GPU of its local rank. The Trainer (accelerate) uses this group as it finds it."""
    if world_size() <= 1:
        return
    import torch
    import torch.distributed as dist

    if dist.is_initialized():
        return
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank())
    dist.init_process_group(backend=backend(), timeout=datetime.timedelta(seconds=TIMEOUT_S))
    atexit.register(_destroy)


def _destroy() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        dist.destroy_process_group()


def barrier() -> None:
    """Wait until every process of the launch gets here (a no-op in a single process)."""
    if world_size() <= 1:
        return
    import torch.distributed as dist

    init()
    if backend() == "nccl":
        dist.barrier(device_ids=[local_rank()])
    else:
        dist.barrier()


def on_main(fn: Callable[[], T]) -> T:
    """``fn()`` run on rank 0 only; every rank returns rank 0's result (it must pickle). If ``fn`` raises,
    rank 0 fails and torchrun stops the others."""
    if world_size() <= 1:
        return fn()
    import torch.distributed as dist

    init()
    box = [fn() if is_main() else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def single_process(command: str) -> None:
    """Refuse to run ``command`` under a data-parallel launch (it has no use for several processes)."""
    if world_size() > 1:
        raise XstiltsError(
            f"{command} runs in one process; start it without torchrun (this launch has WORLD_SIZE={world_size()}); "
            "only `xstilts intermediate`, `xstilts target` and `xstilts evaluate` run under torchrun"
        )
