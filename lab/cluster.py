"""Run independent tasks on a Dask cluster (``distributed``), for grading and rendering past one machine.

Nothing here schedules work itself: :func:`connect` opens a ``distributed.Client`` on a
running scheduler (``dask scheduler`` and ``dask worker`` by hand, or a Kubernetes/HPC
deployment from dask-kubernetes or dask-jobqueue: they all hand out the same ``tcp://``
address), and :func:`run_all` submits one task per item and yields results as they finish.
Dask retries a task elsewhere when the worker running it dies, so each item yields exactly one
result. Install with ``pip install 'native4k-lab[cluster]'``; every worker needs the same
package installed (and, for grading, bubblewrap).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from lab.errors import LabError
from lab.optional import require

CONNECT_TIMEOUT = 20.0  # seconds to reach the scheduler (and for it to have a worker) before giving up
DEFAULT_PORT_HINT = "the scheduler listens on port 8786; 8787 is its dashboard"


def scheduler_address(address: str) -> tuple[str, str, int]:
    """``(address, host, port)`` for ``tcp://HOST:PORT`` or ``HOST:PORT``; a clear error otherwise."""
    if not isinstance(address, str) or not address.strip():
        raise LabError(f"--scheduler takes an address such as tcp://10.0.0.5:8786, got {address!r}")
    text = address.strip()
    scheme, _, rest = text.rpartition("://")
    if scheme not in ("", "tcp", "tls"):
        raise LabError(
            f"--scheduler {text}: a Dask scheduler speaks tcp:// (or tls://), not {scheme}://; "
            "give it as tcp://HOST:8786"
        )
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit():
        raise LabError(f"--scheduler {text}: give the host and the port, e.g. tcp://{rest or 'HOST'}:8786")
    return f"{scheme or 'tcp'}://{host}:{port}", host.strip("[]"), int(port)


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A ``distributed.Client`` for the scheduler at ``address`` with at least one worker, or a clear error.

    A refused connection fails at once; an address where something else answers (the dashboard
    port, a web server) fails after ``timeout`` seconds instead of hanging.
    """
    import socket
    import threading

    distributed = require("distributed", extra="cluster", what="--scheduler")
    full, host, port = scheduler_address(address)
    try:
        socket.create_connection((host, port), timeout=min(timeout, 10.0)).close()
    except OSError as err:
        raise LabError(
            f"cannot reach the Dask scheduler at {full} ({err.strerror or err}); start one with "
            f"`dask scheduler` and workers with `dask worker {full}`"
        ) from None
    outcome: dict[str, Any] = {}

    def open_client() -> None:
        try:
            outcome["client"] = distributed.Client(full, timeout=timeout)
        except BaseException as err:  # reported below, in the caller's thread
            outcome["error"] = err

    opener = threading.Thread(target=open_client, daemon=True)
    opener.start()
    opener.join(timeout + 5.0)
    if "client" not in outcome:
        why = type(outcome["error"]).__name__ if "error" in outcome else f"no answer in {timeout + 5:g} s"
        raise LabError(
            f"no Dask scheduler answered at {full} ({why}); is that the right address? ({DEFAULT_PORT_HINT})"
        )
    client = outcome["client"]
    if not client.scheduler_info().get("workers"):
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (TimeoutError, OSError):
            client.close()
            raise LabError(
                f"the Dask scheduler at {full} has no workers after {timeout:g} s; start them with "
                f"`dask worker {full}`"
            ) from None
    return client


def run_all(
    client: Any,
    fn: Callable[..., Any],
    items: Iterable[tuple],
    *,
    keys: Iterable[str],
    shared: dict[str, Any] | None = None,
) -> Iterator[Any]:
    """Submit ``fn(*item, **shared)`` for every item, yield results in the order they finish.

    ``shared`` values (a bundle, settings) are sent to the workers once. A task whose worker
    dies is rerun on another; a task that raises re-raises here.
    """
    from distributed import as_completed

    shared_futures = {name: client.scatter(value, broadcast=True) for name, value in (shared or {}).items()}
    futures = [
        client.submit(fn, *item, key=key, pure=False, **shared_futures) for item, key in zip(items, keys)
    ]
    for future in as_completed(futures):
        yield future.result()
