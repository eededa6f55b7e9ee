"""A student's working copy of the lessons, so that using the course never changes the course.

Jupyter saves a notebook's outputs into the file it opened; opened in place, the tracked
lesson notebooks would fill with outputs (and ``tools/build_lessons.py --check`` and the
lesson tests would fail). ``python -m lab lessons [DIR]`` therefore copies the lesson and
exercise notebooks into a folder of the user's (default :data:`DEFAULT_DIR`) and starts
JupyterLab there. A copy the student has edited is never replaced without ``overwrite=True``
(and then it is kept beside as ``NAME.bak``): a manifest in the folder records what was
copied, so a copy left as it was is simply brought up to date with the course.

>>> result = copy_lessons("my-lessons")      # doctest: +SKIP
>>> print(result.summary())                  # doctest: +SKIP
copied 17 files into my-lessons
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lab.errors import LabError

DEFAULT_DIR = "native4k-lessons"
MANIFEST = ".native4k-lessons.json"  # what was copied: file -> sha256 of the course's version
PATTERNS = ("*.ipynb", "README.md", "exercises/*.ipynb", "exercises/README.md")


def course_lessons() -> Path:
    """The course's lessons folder (``lessons/`` of the checkout this package runs from).

    Raises :class:`LabError` when the package is installed without its checkout (a wheel).
    """
    folder = Path(__file__).resolve().parents[1] / "lessons"
    if not any(folder.glob("[0-9][0-9]_*.ipynb")):
        raise LabError(
            "the lesson notebooks are not installed with the package: run this from a clone of the "
            "course, or pass --from with a folder of the lesson notebooks"
        )
    return folder


@dataclass
class CopyResult:
    """What :func:`copy_lessons` did, file names relative to ``dest``."""

    dest: Path
    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited by the student: left as they are
    replaced: list[str] = field(default_factory=list)  # edited, replaced on request; saved as NAME.bak

    def summary(self) -> str:
        """A few lines for a person: what was copied, and which edited copies were kept."""
        lines = [
            f"lessons in {self.dest}: {len(self.copied)} copied, {len(self.updated)} updated, "
            f"{len(self.unchanged)} already up to date"
        ]
        if self.kept:
            lines.append(
                f"kept your edited {', '.join(self.kept)} (the course's version differs; "
                f"--overwrite replaces {'it' if len(self.kept) == 1 else 'them'} and keeps yours as NAME.bak)"
            )
        if self.replaced:
            lines.append(
                f"replaced your edited {', '.join(self.replaced)}; your versions are NAME.bak beside them"
            )
        return "\n".join(lines)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _course_files(source: Path) -> list[str]:
    names = sorted({str(p.relative_to(source)) for pattern in PATTERNS for p in source.glob(pattern)})
    if not names:
        raise LabError(f"no lesson notebooks in {source}")
    return names


def _check_dest(source: Path, dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise LabError(f"{dest} is a file; give a folder for the lesson copies")
    src, dst = source.resolve(), dest.resolve()
    if dst == src or src in dst.parents:
        raise LabError(f"{dest} is inside the course's own lessons folder; choose a folder outside {source}")


def copy_lessons(
    dest: str | Path = DEFAULT_DIR, *, source: str | Path | None = None, overwrite: bool = False
) -> CopyResult:
    """Copy the lesson and exercise notebooks from ``source`` (default :func:`course_lessons`)
    into ``dest``, creating it. A file already in ``dest`` is: left alone when it equals the
    course's; updated when it is still what was copied last time; otherwise (the student edited
    it) kept, unless ``overwrite`` (then the edited one is saved as ``NAME.bak`` first).
    The source folder is only read.
    """
    src = Path(source) if source is not None else course_lessons()
    dest = Path(dest)
    _check_dest(src, dest)
    names = _course_files(src)
    manifest_path = dest / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    except (OSError, ValueError):
        manifest = {}
    result = CopyResult(dest)
    for name in names:
        course, mine = src / name, dest / name
        digest = _sha(course)
        if not mine.exists():
            bucket = result.copied
        elif _sha(mine) == digest:
            result.unchanged.append(name)
            manifest[name] = digest
            continue
        elif manifest.get(name) == _sha(mine):  # the copy made last time, untouched: bring it up to date
            bucket = result.updated
        elif overwrite:
            shutil.copy2(mine, mine.with_name(mine.name + ".bak"))
            bucket = result.replaced
        else:
            result.kept.append(name)
            continue
        mine.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(course, mine)
        manifest[name] = digest
        bucket.append(name)
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return result


def jupyter_command(
    *, no_browser: bool = False, allow_root: bool = False, port: int | None = None
) -> list[str]:
    """The command that starts JupyterLab in the current folder, with the options passed through.

    >>> jupyter_command(no_browser=True)[1:]
    ['-m', 'jupyterlab', '--no-browser']
    """
    command = [sys.executable, "-m", "jupyterlab"]  # this Python's JupyterLab, whatever is on PATH
    if no_browser:
        command.append("--no-browser")
    if allow_root:
        command.append("--allow-root")
    if port is not None:
        command.append(f"--port={int(port)}")
    return command


def start_jupyter(folder: Path, command: list[str]) -> int:
    """Run JupyterLab (``command``) in ``folder`` until it stops; returns its exit status.

    Ctrl+C or SIGTERM stops JupyterLab too (it is asked to shut down, then killed after 30 s),
    so no server is left running behind the command.
    """
    import importlib.util
    import signal

    if importlib.util.find_spec("jupyterlab") is None:
        raise LabError('JupyterLab is not installed: pip install "native4k-lab[course]" (or -e ".[course]")')

    def terminated(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, terminated)
    process = subprocess.Popen(command, cwd=folder)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if process.poll() is None:
            process.kill()
