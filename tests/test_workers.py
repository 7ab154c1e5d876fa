"""Worker-process helpers: Ctrl-C held back while workers start (workers.sigint_held)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from repsight.workers import sigint_held

pytestmark = pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"),
                                reason="needs POSIX signal masks")


@pytest.fixture
def ctrl_c_raises():
    """SIGINT raising KeyboardInterrupt here, as in a terminal (a test runner started in
    the background inherits it ignored)."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def _ctrl_c_inside(other_thread: bool) -> list[str]:
    steps = []
    stop = threading.Event()
    if other_thread:
        # Another thread of ours (a decoder's, a queue's) is where the kernel delivers a
        # signal the main thread blocks.
        threading.Thread(target=stop.wait, daemon=True).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            with sigint_held():
                os.kill(os.getpid(), signal.SIGINT)
                for _ in range(20):  # bytecodes run: a handler would raise here
                    time.sleep(0.005)
                steps.append("inside finished")
            steps.append("not raised")
    finally:
        stop.set()
    return steps


@pytest.mark.parametrize("other_thread", [False, True], ids=["main thread only", "with a thread"])
def test_a_ctrl_c_while_held_is_raised_on_leaving_not_inside_and_not_lost(
        ctrl_c_raises, other_thread: bool) -> None:
    assert _ctrl_c_inside(other_thread) == ["inside finished"]


def test_nothing_is_raised_on_leaving_without_a_ctrl_c(ctrl_c_raises) -> None:
    with sigint_held():
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def _sigint_blocked_in_child() -> bool:
    out = subprocess.run([sys.executable, "-c", "print(open('/proc/self/status').read())"],
                         capture_output=True, text=True, check=True).stdout
    (line,) = [x for x in out.splitlines() if x.startswith("SigBlk:")]
    return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_process_started_while_held_keeps_ctrl_c_blocked_through_exec(ctrl_c_raises) -> None:
    # So a Ctrl-C to the process group cannot reach a worker still importing (its
    # traceback reached the terminal before the worker's own code could ignore it).
    with sigint_held():
        assert _sigint_blocked_in_child()
    assert not _sigint_blocked_in_child()
