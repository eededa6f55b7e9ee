"""Run untrusted code in an operating-system sandbox (bubblewrap) with resource limits.

Each submission runs under ``bwrap`` (Debian/Ubuntu package ``bubblewrap``) in new user, PID,
network, IPC, UTS and cgroup namespaces: the system and this Python environment are mounted
read-only, and so are the sandbox's own ``/`` and ``/dev``; the only writable place is a
size-limited private ``/tmp`` in memory; there is no network, no view of the grader's
processes, files or environment, and no other submission. When the sandbox ends or the grader
dies, the kernel kills every process inside it (PID namespace), including ones that called
``setsid`` or ignore signals.

Where the machine allows it (root, or delegated cgroups), each sandbox also gets a cgroup of
its own (:mod:`lab.grading.cgroups`): memory, processes and CPU share counted for the whole
sandbox. On top, the ``rlimit`` limits cap each process's address space, file size and CPU
time. Both are applied by a small helper that the sandbox starts with
(:mod:`lab.grading.confine`), never by ``preexec_fn``, which is unsafe in the grader's threads.

Where bubblewrap is missing or cannot create namespaces, :func:`check_available` says why;
the grader then refuses unless the instructor asks for ``sandbox=False`` (``--no-sandbox``),
which runs the same code as a plain child process with the same rlimits and a throw-away
folder, and marks those gradebook rows.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from lab.errors import LabError
from lab.grading import cgroups

GiB = 1024**3
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "localtime",
    "nsswitch.conf",
    "fonts",
    "mime.types",
    "ssl",
)
SANDBOX_UID = 65534  # "nobody" inside the sandbox
STDERR_TAIL = 4000


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed run (units in the names)."""

    memory_bytes: int = 3 * GiB  # address space of each process (RLIMIT_AS)
    processes: int = 128  # processes and threads (the whole sandbox's cgroup; rlimit: beyond the user's own)
    file_bytes: int = 64 * 1024**2  # largest file a process may write
    cpu_seconds: int = 600  # CPU time of each process
    tmp_bytes: int = 256 * 1024**2  # the private /tmp (working folder and HOME), held in memory
    sandbox_memory_bytes: int = 3 * GiB  # everything in the sandbox together, /tmp included (cgroup)
    cpus: float = 1.0  # CPU cores the whole sandbox may use at once (cgroup)

    def describe(self) -> str:
        """Human-readable summary for messages."""
        return (
            f"{self.memory_bytes / GiB:g} GiB memory, {self.processes} processes, "
            f"{self.file_bytes / 1024**2:g} MB per file, {self.tmp_bytes / 1024**2:g} MB of /tmp"
        )


@dataclass
class Outcome:
    """What a sandboxed run gave back: capped stdout, the tail of stderr, and how it ended."""

    stdout: bytes
    stderr_tail: str
    timed_out: bool
    overflowed: bool  # stdout passed its cap and the run was stopped


def _user_processes() -> int:
    """Processes and threads of this user now (RLIMIT_NPROC counts them all)."""
    uid, count = os.getuid(), 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(entry / "task"))
            except OSError:
                continue
    return count


CONFINE = str(Path(__file__).resolve().with_name("confine.py"))


def confine_command(argv: list[str], limits: Limits, nproc: int, group: cgroups.Cgroup | None) -> list[str]:
    """``argv`` started through :mod:`lab.grading.confine`: into ``group``, under the rlimits."""
    cmd = [sys.executable, "-I", "-S", CONFINE]
    for procs in group.procs_files() if group is not None else []:
        cmd += ["--cgroup", str(procs)]
    for name, value in (
        ("AS", limits.memory_bytes),
        ("FSIZE", limits.file_bytes),
        ("CPU", limits.cpu_seconds),
        ("NPROC", nproc),
        ("CORE", 0),
    ):
        cmd += ["--rlimit", f"{name}={value}"]
    return cmd + ["--"] + argv


def cgroups_available() -> str | None:
    """None when each sandbox can have a cgroup of its own here, else the reason (cached)."""
    return cgroups.check()


class Stop:
    """Shared by the sandboxes of one grading run: :meth:`set` kills every one now running and any started later."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[int, tuple[subprocess.Popen, cgroups.Cgroup | None]] = {}

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        """Kill every registered run (its process group and its cgroup)."""
        with self._lock:
            self._event.set()
            running = list(self._running.values())
        for proc, group in running:
            _signal_group(proc, group)

    def register(self, proc: subprocess.Popen, group: cgroups.Cgroup | None) -> None:
        with self._lock:
            self._running[proc.pid] = (proc, group)
            stopped = self._event.is_set()
        if stopped:
            _signal_group(proc, group)

    def unregister(self, proc: subprocess.Popen) -> None:
        with self._lock:
            self._running.pop(proc.pid, None)


def _signal_group(proc: subprocess.Popen, group: cgroups.Cgroup | None) -> None:
    """SIGKILL a run's session (the sandbox's own PID namespace dies with it) and its cgroup."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if group is not None:
        for pid in group.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def readonly_paths() -> list[str]:
    """Folders the sandbox needs read-only: the system, this Python and the ``lab`` package only.

    An editable (development) install maps ``lab`` to a source checkout; only ``lab/`` and the
    weights folder are mounted from it, never the checkout itself (which holds the exercise
    solutions and the autograder bundles).
    """
    import lab
    import lab.assets

    paths = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    # package folders that .pth files add from outside the prefix (a venv layered on another one)
    paths |= {
        os.path.realpath(p) for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")
    }
    paths |= {os.path.realpath(p) for p in list(lab.__path__) + list(lab.assets.__path__)}
    paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    paths = {p for p in paths if os.path.isdir(p)}
    keep = sorted(p for p in paths if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in paths))
    return keep


def bwrap_command(argv: list[str], env: dict[str, str], limits: Limits) -> list[str]:
    """The ``bwrap`` command line that runs ``argv`` sandboxed with environment ``env``."""
    cmd = [
        "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--hostname",
        "grading",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        # the private /tmp first: this Python or the course may itself live under /tmp
        "--size",
        str(limits.tmp_bytes),
        "--tmpfs",
        "/tmp",
        "--dir",
        "/tmp/home",
        "--dir",
        "/tmp/work",
    ]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            cmd += ["--ro-bind", path, path]
    for name in ETC_FILES:
        if os.path.exists(f"/etc/{name}"):
            cmd += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for path in readonly_paths():
        if not any(
            path == d or path.startswith(d + "/")
            for d in SYSTEM_DIRS
            if os.path.isdir(d) and not os.path.islink(d)
        ):
            cmd += ["--ro-bind", path, path]
    # last: nothing else in the sandbox is writable (bwrap's own / and /dev are unlimited tmpfs)
    cmd += ["--remount-ro", "/dev", "--remount-ro", "/"]
    cmd += ["--chdir", "/tmp/work", "--clearenv"]
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    return cmd + ["--"] + argv


def sandbox_env() -> dict[str, str]:
    """The whole environment code sees inside the sandbox (nothing inherited from the grader)."""
    return {
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp/home",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LAB_SMOKE": "1",
        "JUPYTER_RUNTIME_DIR": "/tmp/home/runtime",
        "JUPYTER_DATA_DIR": "/tmp/home/data",
        "IPYTHONDIR": "/tmp/home/ipython",
        "MPLCONFIGDIR": "/tmp/home/mpl",
        "OMP_NUM_THREADS": "1",
        "PYTHONNOUSERSITE": "1",
    }


_AVAILABLE: dict[str, str | None] = {}


def check_available() -> str | None:
    """None when bubblewrap can sandbox here, else the reason (cached)."""
    if "bwrap" not in _AVAILABLE:
        if shutil.which("bwrap") is None:
            reason: str | None = (
                "bubblewrap is not installed (Debian/Ubuntu: sudo apt-get install bubblewrap)"
            )
        else:
            cmd = bwrap_command([sys.executable, "-c", "import lab"], sandbox_env(), Limits())
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
                reason = (
                    None
                    if proc.returncode == 0
                    else f"bubblewrap cannot create a sandbox here: {proc.stderr.strip()[:200]}"
                )
            except (OSError, subprocess.TimeoutExpired) as err:
                reason = f"bubblewrap failed to start: {err}"
        _AVAILABLE["bwrap"] = reason
    return _AVAILABLE["bwrap"]


def _descendants(pid: int) -> list[int]:
    """Process ids of every descendant of ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat[stat.rfind(")") + 2 :].split()[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kill(proc: subprocess.Popen) -> None:
    """Kill the run's process group and every descendant still attached to it."""
    victims = _descendants(proc.pid)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    proc.wait()


def run(
    argv: list[str],
    stdin: bytes,
    *,
    timeout: float,
    max_stdout: int,
    limits: Limits = Limits(),
    sandbox: bool = True,
    stop: Stop | None = None,
) -> Outcome:
    """Run ``argv`` (sandboxed unless ``sandbox=False``), feed it ``stdin``, read capped output.

    Stops the run after ``timeout`` seconds or once stdout passes ``max_stdout`` bytes, or when
    ``stop`` is set; stderr is drained and only its last few kB are kept. In sandbox mode the
    run has a cgroup of its own where :func:`cgroups_available`, and never leaves a process behind.
    """
    env = sandbox_env()
    nproc = limits.processes + _user_processes()  # RLIMIT_NPROC; root is not bound by it at all
    group = None
    if sandbox and cgroups_available() is None:
        group = cgroups.Cgroup.create(
            memory_bytes=limits.sandbox_memory_bytes, processes=limits.processes, cpus=limits.cpus
        )
    workdir = None if sandbox else _private_workdir(env)
    command = bwrap_command(argv, env, limits) if sandbox else argv
    try:
        proc = subprocess.Popen(
            confine_command(command, limits, nproc, group),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workdir,
            env=env,
            start_new_session=True,
        )
    except BaseException:
        if group is not None:
            group.remove()
        raise
    if stop is not None:
        stop.register(proc, group)
    try:
        return _supervise(proc, stdin, timeout, max_stdout, sandbox, workdir)
    finally:
        if stop is not None:
            stop.unregister(proc)
        if group is not None:
            group.remove()


def _supervise(
    proc: subprocess.Popen, stdin: bytes, timeout: float, max_stdout: int, sandbox: bool, workdir: str | None
) -> Outcome:
    """Feed, read and end one started run (see :func:`run`)."""
    feeder = threading.Thread(target=_feed, args=(proc, stdin), daemon=True)
    feeder.start()
    out, err = bytearray(), bytearray()
    timed_out = overflowed = False
    deadline = time.monotonic() + timeout
    try:
        timed_out, overflowed = _read_capped(proc, out, err, deadline, max_stdout)
        if timed_out or overflowed:
            _kill(proc)
        else:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill(proc)
    except BaseException:  # Ctrl+C while grading: leave nothing behind
        _kill(proc)
        raise
    finally:
        if not sandbox:  # a plain child may have started processes of its own
            _kill(proc)
        _close_pipes(proc)
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return Outcome(
        bytes(out[:max_stdout]), err[-STDERR_TAIL:].decode("utf-8", "replace"), timed_out, overflowed
    )


def _private_workdir(env: dict[str, str]) -> str:
    """A fresh temporary folder for an unsandboxed run, made its home and Jupyter/matplotlib folders in ``env``."""
    workdir = tempfile.mkdtemp(prefix="grade-nosandbox-")
    env.update(
        HOME=workdir,
        JUPYTER_RUNTIME_DIR=f"{workdir}/runtime",
        JUPYTER_DATA_DIR=f"{workdir}/data",
        IPYTHONDIR=f"{workdir}/ipython",
        MPLCONFIGDIR=f"{workdir}/mpl",
    )
    return workdir


def _read_capped(
    proc: subprocess.Popen, out: bytearray, err: bytearray, deadline: float, max_stdout: int
) -> tuple[bool, bool]:
    """Read stdout into ``out`` and the tail of stderr into ``err`` until both close.

    Returns (timed out, stdout overflowed): reading stops at ``deadline`` (time.monotonic) or
    once stdout passes ``max_stdout`` bytes.
    """
    streams = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}  # type: ignore[union-attr]
    while streams:
        left = deadline - time.monotonic()
        if left <= 0:
            return True, False
        ready, _, _ = select.select(list(streams), [], [], left)
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                del streams[fd]
                continue
            buf = streams[fd]
            buf += chunk
            if buf is err and len(err) > 4 * STDERR_TAIL:
                del err[:-STDERR_TAIL]
            if buf is out and len(out) > max_stdout:
                return False, True
    return False, False


def _close_pipes(proc: subprocess.Popen) -> None:
    """Close the run's stdin, stdout and stderr pipes (ignoring ones already broken)."""
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass


def _feed(proc: subprocess.Popen, data: bytes) -> None:
    try:
        assert proc.stdin is not None
        proc.stdin.write(data)
        proc.stdin.close()
    except (BrokenPipeError, OSError, ValueError):
        pass


def require_sandbox(sandbox: bool) -> None:
    """Raise a clear :class:`LabError` when a sandbox is asked for but cannot be made here."""
    if sandbox:
        reason = check_available()
        if reason:
            raise LabError(
                f"cannot sandbox student code: {reason}. Install it, or pass --no-sandbox "
                "to grade without one (only for code you trust; those rows are marked)"
            )
