"""Worker processes: how many cores there are, and a worker ending when its parent is gone.

Shared by the chunked pose extraction (pose.py) and the batch's process pool (batch.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from typing import Iterator

# Libraries whose warnings go to Python's logging and reach stderr when nothing else is
# configured: Matplotlib (imported by MediaPipe) says so when it cannot write its cache
# folder (an unwritable HOME), then works from a temporary one.
QUIET_LOGGERS = ("matplotlib",)


def quiet_library_logs(names: tuple[str, ...] = QUIET_LOGGERS) -> None:
    """Keep other libraries' warnings (those of the `names` loggers) off the command
    line's stderr, errors still shown; called where a command or a worker starts, not on
    import."""
    for name in names:
        logging.getLogger(name).setLevel(logging.ERROR)


def available_cores() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def watch_parent(parent_pid: int) -> None:
    """End this worker when the process that started it is gone (killed, not just exited).

    A daemon thread checks every half second whether the parent changed; where the kernel
    can kill the worker with its parent (Linux PR_SET_PDEATHSIG) this is the fallback.
    """
    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, name="repsight-parent-watch", daemon=True).start()


@contextlib.contextmanager
def signals_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt in the main thread while inside, so a
    command stopped by them cleans up as after Ctrl-C (a killed `analyze` left its
    annotated video's hidden temp file behind)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    wanted = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    # A signal the caller ignores stays ignored: under nohup (SIGHUP ignored) a logout
    # must not end the run.
    wanted = [s for s in wanted if signal.getsignal(s) is not signal.SIG_IGN]
    previous = {s: signal.signal(s, interrupt) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
