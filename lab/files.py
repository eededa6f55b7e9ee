"""Safe writes: every output file or folder appears complete, or not at all.

* :class:`atomic_path` gives a temporary file beside the target, renamed onto it on success;
* :class:`StagingFolder` gives a hidden temporary folder beside an output folder, whose files
  all move into the output folder on success;
* :func:`check_output_dir` refuses an output folder that cannot be written, before any work;
* :func:`remove_stale_staging` deletes the staging folders of runs that were killed;
* :data:`STOP` abandons the writes in progress (set by the CLI's SIGTERM handler).

On an error nothing is left under the final name: the temporary file or folder is removed.
Temporary files and folders are private (0o600 / 0o700); what moves into place gets the
permissions a new file or folder would have (:func:`default_mode`).

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
>>> with StagingFolder(out) as tmp:
...     _ = (tmp / "a.txt").write_text("a")
>>> sorted(p.name for p in out.iterdir())
['a.txt']
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import threading
from pathlib import Path

from lab.errors import LabError, LabTypeError

STOP = threading.Event()
"""Set (by the CLI's SIGTERM handler) to stop a run: checked every frame and before the outputs move
into place, so a stop request is honoured even when its asynchronous exception was swallowed."""


def check_stop() -> None:
    """Raise KeyboardInterrupt when :data:`STOP` is set."""
    if STOP.is_set():
        raise KeyboardInterrupt("stop requested")


def default_mode(kind: str = "file") -> int:
    """Permission bits a new file (0o666) or folder (0o777) gets under the process's umask."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if kind == "folder" else 0o666) & ~mask


class atomic_path:
    """Context manager giving a temporary path beside ``path``, renamed onto it on success.

    On error the temporary file is removed, so no half-written file ever sits under the final name.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.tmp: Path | None = None

    def __enter__(self) -> Path:
        fd, name = tempfile.mkstemp(
            prefix=f".{self.path.stem}.", suffix=f".part{self.path.suffix}", dir=self.path.parent
        )
        os.fchmod(fd, default_mode("file"))  # mkstemp makes 0600; an output gets the usual permissions
        os.close(fd)
        self.tmp = Path(name)
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.tmp is not None
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def check_output_dir(out: str | os.PathLike[str]) -> Path:
    """Refuse an output folder that is an existing file or lies below one; returns it as a Path."""
    if not isinstance(out, (str, os.PathLike)):
        raise LabTypeError(f"the output folder must be a path, got {type(out).__name__}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise LabError(f"--out {out} is an existing file; give a folder (it is created if missing)")
    if out.exists() and not os.access(out, os.W_OK):
        raise LabError(f"cannot write into the folder {out}: permission denied")
    for ancestor in out.absolute().parents:  # the staging folder is made beside out, parents created
        if ancestor.exists():
            if not ancestor.is_dir():
                raise LabError(f"cannot create the folder {out}: {ancestor} is a file")
            try:  # a read-only mount or /proc: refuse now, before minutes of rendering
                os.rmdir(tempfile.mkdtemp(prefix=".write-test.", dir=ancestor))
            except OSError as err:
                raise LabError(
                    f"cannot write the folder {out}: {ancestor} is not writable ({err.strerror or err})"
                ) from None
            break
    return out


def remove_stale_staging(out: Path) -> list[Path]:
    """Delete staging folders of ``out`` left by runs whose process is gone (killed with kill -9); returns them."""
    removed = []
    for folder in out.absolute().parent.glob(f".{glob.escape(out.name)}.*.part"):
        pid_text = folder.name[len(out.name) + 2 :].split(".", 1)[0]
        if not pid_text.isdigit() or _process_alive(int(pid_text)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _process_alive(pid: int) -> bool:
    """True unless no process has id ``pid`` (one owned by another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StagingFolder:
    """A hidden temporary folder beside ``out``; its files move into ``out`` only on success.

    The folder is named ``.<out>.<process id>.<random>.part``, so a later run can tell (and
    :func:`remove_stale_staging` delete) the folder of a run that was killed. Leaving the block by
    an exception, or with :data:`STOP` set, deletes it and moves nothing.
    """

    def __init__(self, out: Path) -> None:
        self.out = out

    def __enter__(self) -> Path:
        parent = self.out.absolute().parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            remove_stale_staging(self.out)
            # the owner's process id is in the name, so a later run can tell a dead run's folder
            self.tmp = Path(
                tempfile.mkdtemp(prefix=f".{self.out.name}.{os.getpid()}.", suffix=".part", dir=parent)
            )
            # mkdtemp makes 0700; the output folder gets the usual permissions
            self.tmp.chmod(default_mode("folder"))
        except OSError as err:
            raise LabError(f"cannot write into {parent}: {err.strerror or err}") from None
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None or STOP.is_set():
            shutil.rmtree(self.tmp, ignore_errors=True)
            check_stop()
            return
        try:
            self._move_into_place()
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise

    def _move_into_place(self) -> None:
        """Rename the staging folder to ``out``, or its files into an ``out`` that exists already."""
        if not self.out.exists():
            os.replace(self.tmp, self.out)
            return
        for item in sorted(self.tmp.iterdir()):
            os.replace(item, self.out / item.name)
        self.tmp.rmdir()
