"""A batch on Dask: `repsight batch FOLDER -o RESULTS --scheduler tcp://HOST:8786 | local:N`.

The batch itself does not change (`batch.run_batch` takes any concurrent.futures-style
executor): this module turns a `--scheduler` value into a Dask client's executor, so
resume, error rows and atomic writes are those of the process pool. Every worker must
reach the clips, the results folder and (to share poses) the pose cache at the same
paths: a shared folder. With `local:N`, a clip whose worker dies is run once more on
another worker (`distributed.scheduler.allowed-failures` = 1), then becomes an error row;
a separate scheduler (`tcp://...`) applies its own setting, which it must be started with.

Dask is an optional extra: `pip install 'repsight[dask]'`.
"""

from __future__ import annotations

import contextlib
import logging
import re
from concurrent.futures import Executor
from typing import Any, Iterator

from .errors import ConfigError, RepsightError
from .workers import quiet_library_logs

# A clip whose worker died is tried once more, then it is an error row.
ALLOWED_FAILURES = 1
_LOCAL = re.compile(r"^local(?::(\d+))?$")


def parse_scheduler(text: str) -> tuple[str | None, int | None]:
    """(address, None) for a scheduler address, (None, n) for local:N; a one-line error else."""
    text = text.strip()
    local = _LOCAL.match(text)
    if local:
        n = int(local.group(1)) if local.group(1) else None
        if n is not None and not 1 <= n <= 256:
            raise ConfigError(f"--scheduler local:N needs 1 <= N <= 256, got {text!r}")
        return None, n
    address = re.match(r"^(?:tcp://)?([\w.-]+|\[[0-9a-fA-F:]+\]):(\d+)$", text, re.IGNORECASE)
    if address:
        port = int(address.group(2))
        if not 1 <= port <= 65535:
            raise ConfigError(f"--scheduler port must be 1-65535, got {port}")
        return f"tcp://{address.group(1)}:{port}", None
    scheme = re.match(r"^(\w+)://", text)
    if scheme and scheme.group(1).lower() != "tcp":
        raise ConfigError(f"--scheduler takes a tcp:// address (HOST:PORT) or local:N; "
                          f"{scheme.group(1)}:// is not supported, got {text!r}")
    raise ConfigError(f"--scheduler must be tcp://HOST:PORT or local:N, got {text!r}")


# How long a scheduler may have no worker before the batch gives up on it (workers
# started with it may still be joining).
NO_WORKER_WAIT_S = 15.0


def _wait_for_workers(client: Any, scheduler: str) -> None:
    """Return once the scheduler has a worker; a one-line error after NO_WORKER_WAIT_S
    without one (the batch would wait for ever, printing nothing)."""
    import time

    deadline = time.monotonic() + NO_WORKER_WAIT_S
    while not client.scheduler_info().get("workers"):
        if time.monotonic() > deadline:
            client.close()
            raise RepsightError(f"the Dask scheduler {scheduler} has no workers: start some "
                                f"with `dask worker {scheduler}`")
        time.sleep(0.5)


@contextlib.contextmanager
def dask_executor(scheduler: str, *, default_workers: int | None = None) -> Iterator[Executor]:
    """A Dask client's concurrent.futures executor for the scheduler; closed on exit.

    local:N starts a LocalCluster of N single-threaded worker processes (N defaults to
    default_workers, else one per core) that ends with the block.
    """
    address, n = parse_scheduler(scheduler)
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise RepsightError("--scheduler needs Dask: pip install 'repsight[dask]'") from None
    settings = {"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                # Dask's INFO lines (worker start, heartbeat) are not the user's business.
                "logging.distributed": "error",
                "distributed.admin.tick.limit": "1h"}
    with dask.config.set(settings):
        quiet_library_logs(("distributed", "bokeh", "tornado"))
        cluster = None
        try:
            if address is None:
                from .workers import available_cores as cores, sigint_held

                # Its worker processes start with Ctrl-C held back (the batch ends them), as
                # the process pool's do: no worker traceback on the user's terminal.
                with sigint_held():
                    cluster = LocalCluster(n_workers=n or default_workers or cores(),
                                           threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.ERROR)
                client = Client(cluster)
            else:
                try:
                    client = Client(address, timeout="20s")
                except ValueError as exc:  # an address Dask cannot parse
                    raise OSError(str(exc)) from None
                _wait_for_workers(client, scheduler)
        except (OSError, RuntimeError) as exc:
            # RuntimeError: a local cluster that cannot start (no loopback network).
            if cluster is not None:
                cluster.close()
            what = "start a local Dask cluster" if address is None else "reach the Dask scheduler"
            raise RepsightError(f"cannot {what} {scheduler}: "
                                f"{' '.join(str(exc).split())[:160]}") from None
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
