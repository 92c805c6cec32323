"""A phase started by DVC or ``mlflow run`` dies with the process that launched it.

``kill -9`` of ``dvc repro`` (or of ``mlflow run``) gives the launcher no chance to stop its stage: the
``xstilts`` child is re-parented and would keep training for hours, writing outputs nobody waits for and
holding the GPU. So, when ``DVC_STAGE`` or ``MLFLOW_RUN_ID`` says a launcher is there, a daemon thread
watches it and sends this process SIGTERM when it is gone; xstilts.tracking turns SIGTERM into
KeyboardInterrupt, which ends the MLflow run KILLED and leaves no half-written output (outputs are renamed
into place only when complete).

The launcher is the nearest ancestor that is not a shell: DVC and ``mlflow run`` start a stage through
``sh -c``/``bash -c``, and a shell between them and us outlives a killed launcher (it waits for us). A
process is identified by its pid and its start time, so a recycled pid is not mistaken for it. Linux only
(``/proc``); elsewhere this is a no-op.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "busybox", "timeout", "env"}
POLL_S = 1.0
_watching: tuple[int, int] | None = None


def watch_launcher() -> tuple[int, int] | None:
    """Start watching the launching process (once per process); returns its (pid, start time) or None."""
    global _watching
    if _watching is not None:
        return _watching
    if not (os.environ.get("DVC_STAGE") or os.environ.get("MLFLOW_RUN_ID")) or not Path("/proc/self/stat").exists():
        return None
    launcher = _launcher(os.getppid())
    if launcher is None:
        return None
    _watching = launcher
    threading.Thread(target=_watch, args=launcher, name="xstilts-lifeline", daemon=True).start()
    log.debug("watching launcher pid %d", launcher[0])
    return launcher


def _launcher(pid: int) -> tuple[int, int] | None:
    """The nearest ancestor, from ``pid`` up, that is not a shell: (pid, start time)."""
    for _ in range(8):  # a few shells at most between a launcher and us
        stat = _stat(pid)
        if stat is None or pid <= 1:
            return None
        name, parent, started = stat
        if name not in SHELLS:
            return pid, started
        pid = parent
    return None


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(command name, parent pid, start time in clock ticks) from /proc/<pid>/stat, or None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()  # fields from the 3rd on: state, ppid, ...
    if fields[0] == "Z":  # a zombie has died; it only waits for its parent to collect it
        return None
    return name, int(fields[1]), int(fields[19])


def _watch(pid: int, started: int) -> None:
    while True:
        time.sleep(POLL_S)
        stat = _stat(pid)
        if stat is None or stat[2] != started:
            log.error("the launching process %d is gone: stopping this phase", pid)
            os.kill(os.getpid(), signal.SIGTERM)
            return
