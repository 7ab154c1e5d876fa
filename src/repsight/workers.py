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


@contextlib.contextmanager
def sigint_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back while inside (main thread only); one that came meanwhile
    is raised on leaving, as if it came then.

    Worker processes started inside inherit the block through exec and keep it: a Ctrl-C
    that reaches the process group while a worker still imports cannot print its
    traceback there (the worker's own code, an initializer or its target, runs too late
    to ignore it), and the parent alone decides, then ends its workers. Held rather than
    ignored, so a Ctrl-C while the workers start is not lost; and noted by a handler of
    our own meanwhile, since the kernel hands a signal the main thread blocks to another
    of our threads (a decoder's, a queue's), whose delivery would otherwise raise in the
    middle of starting a worker (that worker then printed "Ran out of input").
    """
    if (not hasattr(signal, "pthread_sigmask")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return
    came: list[int] = []
    handler = signal.signal(signal.SIGINT, lambda signum, frame: came.append(signum))
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # one held for us arrives here
        if came:
            signal.raise_signal(signal.SIGINT)
