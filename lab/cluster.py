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

from typing import Any, Callable, Iterable, Iterator

from lab.errors import LabError
from lab.optional import require

CONNECT_TIMEOUT = 20.0  # seconds to reach the scheduler before giving up


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A ``distributed.Client`` for the scheduler at ``address`` (``tcp://HOST:8786``), or a clear error."""
    distributed = require("distributed", extra="cluster", what="--scheduler")
    if not isinstance(address, str) or "://" not in address:
        raise LabError(f"--scheduler takes a scheduler address such as tcp://10.0.0.5:8786, got {address!r}")
    try:
        client = distributed.Client(address, timeout=timeout)
    except (OSError, TimeoutError) as err:
        raise LabError(f"cannot reach the Dask scheduler at {address} ({err}); start one with `dask scheduler` "
                       "and workers with `dask worker ADDRESS`") from None
    if not client.scheduler_info().get("workers"):
        client.wait_for_workers(1, timeout=timeout)
    return client


def run_all(client: Any, fn: Callable[..., Any], items: Iterable[tuple], *, keys: Iterable[str],
            shared: "dict[str, Any] | None" = None) -> Iterator[Any]:
    """Submit ``fn(*item, **shared)`` for every item, yield results in the order they finish.

    ``shared`` values (a bundle, settings) are sent to the workers once. A task whose worker
    dies is rerun on another; a task that raises re-raises here.
    """
    from distributed import as_completed

    shared_futures = {name: client.scatter(value, broadcast=True) for name, value in (shared or {}).items()}
    futures = [client.submit(fn, *item, key=key, pure=False, **shared_futures) for item, key in zip(items, keys)]
    for future in as_completed(futures):
        yield future.result()
