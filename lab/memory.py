"""The memory guard: refuse an allocation that would not fit, before making it.

:func:`available_memory` is the room this process has left (the machine's free memory, its
``ulimit -v`` and its cgroup's limit, whichever is least); :func:`check_memory` refuses a request
above a share of it with a :class:`~lab.errors.MemoryBudgetError` that says what to do instead;
:func:`guard_frame` and :func:`guard_clip` size the request for frames of a resolution.

>>> check_memory(1024, "a tiny buffer")  # fits: returns None
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import numpy as np

from lab.errors import LabError, MemoryBudgetError

if TYPE_CHECKING:
    from lab.resolution import Resolution

_MEMINFO_CACHE: list[float] = [-1.0, 0.0]  # [monotonic time read, bytes]
_MEMINFO_TTL = 0.5  # seconds: per-frame calls must not each pay for reading /proc/meminfo


def available_memory() -> int:
    """Bytes of memory the process can still use: the least of the machine's MemAvailable (else a
    4 GiB guess), the room left under the process's address-space limit (``ulimit -v``) and the
    room left under its cgroup's memory limit (a container's or a job's).

    ``LAB_MEMORY_LIMIT_BYTES`` overrides it (for tests and for sharing a machine). The system
    value is re-read at most every 0.5 s.

    >>> available_memory() > 0
    True
    """
    override = os.environ.get("LAB_MEMORY_LIMIT_BYTES")
    if override:
        try:
            value = int(override)
        except ValueError:
            raise LabError(
                f"LAB_MEMORY_LIMIT_BYTES must be a whole number of bytes, got {override!r}"
            ) from None
        if value <= 0:
            raise LabError(f"LAB_MEMORY_LIMIT_BYTES must be positive, got {value}")
        return value
    now = time.monotonic()
    if 0 <= now - _MEMINFO_CACHE[0] < _MEMINFO_TTL:
        return int(_MEMINFO_CACHE[1])
    value = _read_available_memory()
    _MEMINFO_CACHE[:] = [now, float(value)]
    return value


def _read_available_memory() -> int:
    return min(_system_available(), _address_space_room(), _cgroup_room())


def _address_space_room() -> int:
    """Bytes the address-space limit (RLIMIT_AS) still allows this process to map; huge when unlimited."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return 1 << 62
    used = 0
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    used = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    return max(soft - used, 0)


def _cgroup_room() -> int:
    """Bytes left under this process's cgroup v2 memory limit (memory.max); huge when there is none."""
    try:
        with open("/proc/self/cgroup") as f:
            line = next((ln for ln in f if ln.startswith("0::")), "")
        folder = "/sys/fs/cgroup" + line[3:].strip()
        with open(f"{folder}/memory.max") as f:
            limit = f.read().strip()
        if limit == "max":
            return 1 << 62
        with open(f"{folder}/memory.current") as f:
            current = int(f.read().strip())
        return max(int(limit) - current, 0)
    except (OSError, ValueError):
        return 1 << 62


def _system_available() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 4 * 1024**3


def check_memory(nbytes: int, what: str, *, fraction: float = 0.5) -> None:
    """Refuse, before allocating, ``nbytes`` that exceed ``fraction`` of available memory.

    The message says how big the request was, what is available and what to do
    (a lower tier, tiles, or streaming frames instead of holding a clip).

    >>> check_memory(1024, "a tiny buffer")  # fits: returns None
    """
    available = available_memory()
    budget = int(available * fraction)
    if nbytes > budget:
        raise MemoryBudgetError(
            f"{what} needs {nbytes / 2**30:.2f} GiB but only {budget / 2**30:.2f} GiB may be used "
            f"({fraction:.0%} of the {available / 2**30:.2f} GiB available). "
            "Use a lower resolution tier, render in tiles, or stream frames one at a time "
            "(iterate the Clip / write straight to mp4) instead of holding them all."
        )


def guard_frame(res: Resolution, dtype: str | np.dtype = "float32", *, copies: int = 1) -> None:
    """Memory guard for ``copies`` frames of ``res`` in ``dtype``; raises MemoryBudgetError."""
    check_memory(res.frame_bytes(dtype) * copies, f"{copies} frame(s) of {res} in {np.dtype(dtype).name}")


def guard_clip(res: Resolution, frames: int, dtype: str | np.dtype = "uint8") -> None:
    """Memory guard for holding a whole clip of ``frames`` frames; raises MemoryBudgetError."""
    check_memory(res.clip_bytes(frames, dtype), f"a {frames}-frame clip of {res} in {np.dtype(dtype).name}")
