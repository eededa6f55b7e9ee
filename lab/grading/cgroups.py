"""One control group per sandbox: memory, processes and CPU limited for the whole sandbox.

Per-process rlimits cannot hold a sandbox to its share: a submission that starts three
children with 2.9 GiB each, maps memory files, or spins 150 busy processes passes every
one of them, and as root the process-count limit is not enforced at all. A cgroup counts
everything inside the sandbox together:

* memory: ``memory.max`` (v2) / ``memory.limit_in_bytes`` (v1), swap included where the
  kernel accounts it; memory files and the sandbox's in-memory ``/tmp`` count too;
* processes: ``pids.max``, whatever the user (root included);
* CPU: every sandbox has the same weight (``cpu.weight`` / ``cpu.shares``), however many
  processes it starts, and at most ``cpus`` cores (``cpu.max`` / ``cpu.cfs_quota_us``), so
  one hog cannot take the CPU time a neighbour's time limit counts on.

Both layouts are handled: the unified v2 hierarchy (where this process's cgroup has the
controllers delegated to it, e.g. a ``systemd-run --scope -p Delegate=yes`` or a container),
and the v1 hierarchies (``/sys/fs/cgroup/memory``, ``pids``, ``cpu``). Creating cgroups
needs write access to them, in practice root; :func:`check` says why not otherwise, and
grading then relies on the rlimits alone (see exercises/README.md).
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

CONTROLLERS = ("memory", "pids", "cpu")
CFS_PERIOD_US = 100_000


def _own_paths() -> dict[str, str]:
    """This process's cgroup per controller ("" for the v2 hierarchy), from /proc/self/cgroup."""
    paths: dict[str, str] = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            for name in names.split(",") if names else [""]:
                paths[name] = path
    except (OSError, ValueError):
        pass
    return paths


def _mounts() -> dict[str, Path]:
    """Mount point per v1 controller, and "" for the v2 hierarchy, from /proc/self/mounts."""
    found: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        fields = line.split()
        if len(fields) < 4:
            continue
        where, kind, options = Path(fields[1]), fields[2], fields[3].split(",")
        if kind == "cgroup2":
            found.setdefault("", where)
        elif kind == "cgroup":
            for name in CONTROLLERS:
                if name in options:
                    found.setdefault(name, where)
    return found


def _layout() -> tuple[str, dict[str, Path]] | str:
    """``("v2" | "v1", {controller: parent folder})`` for new cgroups, or why there is none."""
    mounts, own = _mounts(), _own_paths()
    if "" in mounts:
        base = mounts[""] / own.get("", "/").lstrip("/")
        try:
            enabled = set((base / "cgroup.subtree_control").read_text().split())
        except OSError:
            enabled = set()
        if set(CONTROLLERS) <= enabled:
            return "v2", {name: base for name in CONTROLLERS}
    if all(name in mounts for name in CONTROLLERS):
        return "v1", {name: mounts[name] / own.get(name, "/").lstrip("/") for name in CONTROLLERS}
    if "" in mounts:
        return (
            "the cgroup v2 hierarchy does not delegate the memory, pids and cpu controllers to this "
            "process (run the grader under systemd-run --scope -p Delegate=yes, or as root on a v1 system)"
        )
    return "no cgroup hierarchy with the memory, pids and cpu controllers is mounted"


_CHECKED: dict[str, str | None] = {}


def check() -> str | None:
    """None when a cgroup per sandbox can be made here, else the reason (cached)."""
    if "result" not in _CHECKED:
        reason: str | None
        try:
            probe = Cgroup.create(memory_bytes=256 * 1024**2, processes=8, cpus=1.0)
            probe.remove()
            reason = None
        except CgroupError as err:
            reason = str(err)
        _CHECKED["result"] = reason
    return _CHECKED["result"]


class CgroupError(OSError):
    """A cgroup could not be created or set up here."""


@dataclass
class Cgroup:
    """The cgroup(s) of one sandbox: one folder per controller (the same folder on v2)."""

    version: str
    folders: dict[str, Path]

    @classmethod
    def create(cls, *, memory_bytes: int, processes: int, cpus: float) -> Cgroup:
        """A fresh cgroup with these limits for the whole group; raises :class:`CgroupError`."""
        layout = _layout()
        if isinstance(layout, str):
            raise CgroupError(layout)
        version, parents = layout
        name = f"lab-grading-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        folders: dict[str, Path] = {}
        group = cls(version, folders)
        try:
            for controller, parent in parents.items():
                folder = parent / name
                if folder not in folders.values():
                    folder.mkdir()
                folders[controller] = folder
            quota = max(1000, int(cpus * CFS_PERIOD_US))
            if version == "v2":
                folder = folders["memory"]
                _write(folder / "memory.max", memory_bytes)
                _write(folder / "memory.swap.max", 0, optional=True)
                _write(folder / "pids.max", processes)
                _write(folder / "cpu.weight", 100)
                _write(folder / "cpu.max", f"{quota} {CFS_PERIOD_US}")
            else:
                _write(folders["memory"] / "memory.limit_in_bytes", memory_bytes)
                _write(folders["memory"] / "memory.memsw.limit_in_bytes", memory_bytes, optional=True)
                _write(folders["pids"] / "pids.max", processes)
                _write(folders["cpu"] / "cpu.shares", 1024)
                _write(folders["cpu"] / "cpu.cfs_period_us", CFS_PERIOD_US)
                _write(folders["cpu"] / "cpu.cfs_quota_us", quota)
        except OSError as err:
            group.remove()
            raise CgroupError(
                f"cannot set up a cgroup ({err.strerror or err}: {err.filename or ''})"
            ) from None
        return group

    def procs_files(self) -> list[Path]:
        """The ``cgroup.procs`` files a process writes its pid into to join (one per folder)."""
        return [folder / "cgroup.procs" for folder in dict.fromkeys(self.folders.values())]

    def pids(self) -> list[int]:
        """Every process in the group now."""
        found: set[int] = set()
        for procs in self.procs_files():
            try:
                found |= {int(p) for p in procs.read_text().split()}
            except (OSError, ValueError):
                continue
        return sorted(found)

    def kill(self) -> None:
        """SIGKILL everything in the group until it is empty (or 5 s have passed)."""
        if self.version == "v2":
            _write(self.folders["memory"] / "cgroup.kill", 1, optional=True)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.02)

    def remove(self) -> None:
        """Kill what is left and delete the group's folders."""
        self.kill()
        for folder in dict.fromkeys(self.folders.values()):
            for _ in range(50):  # the kernel frees a group a moment after its last process
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def _write(path: Path, value: object, *, optional: bool = False) -> None:
    """Write one cgroup setting; ``optional`` ones (swap accounting, cgroup.kill) may be missing."""
    try:
        path.write_text(str(value))
    except OSError:
        if not optional:
            raise
