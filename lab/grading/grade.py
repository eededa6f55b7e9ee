"""Grade a folder of submitted notebooks into a CSV gradebook, without Docker.

``otter grade`` runs each submission in a Docker container. On a plain machine (a laptop, a
classroom server, CI) this module runs each one through a worker child process instead (one
per job slot, reused so its imports are paid once) and a fresh notebook kernel:

* a fresh temporary folder as working directory and ``HOME`` (deleted afterwards);
* its own process session and a wall-clock limit per submission: when it passes, the worker
  and the notebook kernel it started are killed, the score is zero and the reason says so
  (the next submission starts a new worker);
* a time limit per cell: a cell that runs too long is interrupted and grading goes on with the
  next cell, so an infinite loop in one question costs only that question;
* a cap on what the code can print, and on the size of the submitted file;
* hidden tests read from the instructor's autograder bundle, never from the submission.

This is isolation for robustness (a broken notebook never stops the others), not a security
sandbox: student code runs with the grader's user rights. Grade untrusted code in a
container or a throw-away VM.

Submissions may be ``.ipynb`` files or otter export ``.zip`` files, either directly in the
folder (the student id is the file name without ``_submission`` and extension) or one folder
per student (the id is the folder name).

Gradebook columns: ``student, file, <q1>, <q2>, ..., total, possible, percent, status,
reason``; the first row (student ``POINTS POSSIBLE``) holds the points of each question.
``status`` is ``ok``, ``timeout``, ``invalid`` (not a gradable notebook) or ``error``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lab.errors import LabError
from lab.grading.build import package_env, question_points
from lab.progress import progress

SUBMISSION_SUFFIXES = (".ipynb", ".zip")
POSSIBLE_ROW = "POINTS POSSIBLE"
MAX_SUBMISSION_BYTES = 50_000_000
LOG_TAIL = 2000


@dataclass
class SubmissionResult:
    """The grade of one submission."""

    student: str
    file: str
    scores: dict[str, float]
    possible: dict[str, float]
    status: str = "ok"
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> float:
        """Points earned."""
        return float(sum(self.scores.values()))

    @property
    def reason(self) -> str:
        """All notes joined: why points were lost, what went wrong."""
        return "; ".join(self.notes)


def student_id(path: Path, root: Path) -> str:
    """The student a submission belongs to: its folder under ``root``, else its file name."""
    rel = path.relative_to(root)
    if len(rel.parts) > 1:
        return rel.parts[0]
    return re.sub(r"_submission(_\d.*)?$", "", path.stem) or path.stem


def find_submissions(folder: "str | Path") -> list[Path]:
    """Every ``.ipynb`` / ``.zip`` under ``folder`` (checkpoints and hidden files skipped)."""
    root = Path(folder)
    if not root.is_dir():
        raise LabError(f"submissions folder {root} does not exist or is not a folder")
    found = [
        p for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix.lower() in SUBMISSION_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return found


def resolve_bundle(bundle: "str | Path | None" = None, *, exercise: "str | None" = None,
                   dist_dir: "str | Path" = "dist/autograder") -> Path:
    """The autograder zip to use: ``bundle`` itself, or ``<dist_dir>/<exercise>-autograder.zip``."""
    if bundle is not None:
        path = Path(bundle)
    elif exercise:
        path = Path(dist_dir) / f"{exercise}-autograder.zip"
    else:
        raise LabError("say which exercise to grade: exercise='ex01_pixels_and_bytes' or bundle='path/to.zip'")
    if not path.is_file():
        raise LabError(f"autograder bundle {path} not found; build it first with: python -m lab.grading build")
    return path


def _descendants(pid: int) -> list[int]:
    """Process ids of all descendants of ``pid`` (Linux /proc; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill the worker, its process group and every descendant (the kernel has its own session)."""
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


class _Worker:
    """A grading worker process, reused for several submissions so it pays its imports once.

    Each submission still gets its own sandbox folder and a fresh kernel; when one runs over
    its time limit, the worker and everything it started are killed and the next submission
    starts a new worker.
    """

    def __init__(self) -> None:
        self.proc: "subprocess.Popen | None" = None
        self.home = Path(tempfile.mkdtemp(prefix="grade-worker-"))
        self.log_path = self.home / "worker.log"
        self._buffer = b""

    def _start(self) -> subprocess.Popen:
        env = package_env(HOME=str(self.home), MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1", LAB_SMOKE="1")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "lab.grading._worker", "--serve"], cwd=self.home,
                                         env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                         start_new_session=True)
        self._buffer = b""
        return self.proc

    def run(self, request: dict, timeout: float) -> str:
        """Send one request; "done", "timeout" (worker tree killed) or "died" (worker exited)."""
        proc = self.proc if self.proc is not None and self.proc.poll() is None else self._start()
        try:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write((json.dumps(request) + "\n").encode())
            proc.stdin.flush()
            deadline = time.monotonic() + timeout
            fd = proc.stdout.fileno()
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    return "timeout"
                ready, _, _ = select.select([fd], [], [], left)
                if ready:
                    chunk = os.read(fd, 4096)
                    if not chunk:
                        proc.wait()
                        self.proc = None
                        return "died"
                    self._buffer += chunk
            _, self._buffer = self._buffer.split(b"\n", 1)
            return "done"
        except BrokenPipeError:
            self.kill()
            return "died"
        except BaseException:  # Ctrl+C while grading: leave no worker or kernel behind
            self.kill()
            raise

    def log_tail(self) -> str:
        """The last lines the worker wrote to its log."""
        try:
            return self.log_path.read_bytes()[-LOG_TAIL:].decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def kill(self) -> None:
        """Kill the worker and every process it started."""
        if self.proc is not None:
            _kill_tree(self.proc)
            self.proc = None

    def close(self) -> None:
        """Let the worker finish (end of input), kill it if it lingers, remove its folder."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self.kill()
        self.proc = None
        shutil.rmtree(self.home, ignore_errors=True)


def grade_submission(
    submission: "str | Path",
    bundle: "str | Path",
    *,
    student: "str | None" = None,
    timeout: float = 300.0,
    cell_timeout: float = 60.0,
    max_output_bytes: int = 1_000_000,
    worker: "_Worker | None" = None,
) -> SubmissionResult:
    """Grade one submitted notebook (``.ipynb`` or otter ``.zip``) against an autograder bundle.

    Parameters
    ----------
    timeout : float
        Wall-clock seconds for the whole submission (kernel start, every cell, every test);
        past it everything is killed and the submission scores zero with status "timeout".
    cell_timeout : float
        Seconds one cell may run before it is interrupted (grading then continues).
    max_output_bytes : int
        Bytes the submission may print in total; the rest is dropped (noted in the reason).
    worker : optional
        A worker process to reuse (:func:`grade_folder` passes one per job); by default a
        worker is started for this submission alone.

    Never raises for a bad submission: problems come back as ``status`` and ``reason``.

    >>> r = grade_submission("alice.ipynb", "dist/autograder/ex01_pixels_and_bytes-autograder.zip")  # doctest: +SKIP
    >>> r.total, r.status  # doctest: +SKIP
    (8.0, 'ok')
    """
    submission, bundle = Path(submission), Path(bundle)
    possible = question_points(bundle)
    result = SubmissionResult(student or submission.stem, submission.name, {q: 0.0 for q in possible}, possible)
    start = time.monotonic()
    if not submission.is_file():
        result.status, result.notes = "invalid", [f"file not found: {submission}"]
        return result
    if submission.stat().st_size > MAX_SUBMISSION_BYTES:
        result.status = "invalid"
        result.notes = [f"file is {submission.stat().st_size / 1e6:.0f} MB, over the {MAX_SUBMISSION_BYTES / 1e6:.0f} MB limit"]
        return result
    own_worker = worker is None
    worker = worker or _Worker()
    sandbox = Path(tempfile.mkdtemp(prefix="grade-"))
    try:
        local = sandbox / ("submission" + submission.suffix.lower())
        shutil.copyfile(submission, local)
        shutil.copyfile(bundle, sandbox / "bundle.zip")
        out = sandbox / "result.json"
        request = {
            "cwd": str(sandbox), "submission": local.name, "bundle": "bundle.zip", "result": out.name,
            "cell_timeout": max(1, int(round(cell_timeout))), "max_output": int(max_output_bytes),
            # the kernel's home and Jupyter folders live in the sandbox too
            "env": {"HOME": str(sandbox), "JUPYTER_RUNTIME_DIR": str(sandbox / ".runtime"),
                    "JUPYTER_DATA_DIR": str(sandbox / ".data"), "IPYTHONDIR": str(sandbox / ".ipython")},
        }
        outcome = worker.run(request, timeout)
        if outcome == "timeout":
            result.status = "timeout"
            result.notes = [f"ran over the {timeout:g} s limit and was stopped (an endless loop?); scored 0"]
            return result
        if not out.is_file():
            tail = worker.log_tail()
            last = tail.splitlines()[-1] if tail else f"worker {outcome}"
            result.status, result.notes = "error", [f"grader crashed: {last[:200]}"]
            return result
        data = json.loads(out.read_text(encoding="utf-8"))
        result.status = data.get("status", "error")
        result.notes = list(data.get("notes", []))
        for q, score in data.get("scores", {}).items():
            if q in result.scores:
                result.scores[q] = min(float(score), possible[q])
        return result
    finally:
        if own_worker:
            worker.close()
        result.seconds = round(time.monotonic() - start, 2)
        shutil.rmtree(sandbox, ignore_errors=True)


def gradebook_rows(results: list[SubmissionResult], possible: dict[str, float]) -> list[dict[str, object]]:
    """Rows of the gradebook: the POINTS POSSIBLE row, then one row per submission."""
    total_possible = sum(possible.values())
    rows: list[dict[str, object]] = [{"student": POSSIBLE_ROW, "file": "", **possible, "total": total_possible,
                                      "possible": total_possible, "percent": 100.0, "status": "", "reason": ""}]
    for r in results:
        rows.append({"student": r.student, "file": r.file, **{q: r.scores.get(q, 0.0) for q in possible},
                     "total": r.total, "possible": total_possible,
                     "percent": round(100.0 * r.total / total_possible, 1) if total_possible else 0.0,
                     "status": r.status, "reason": r.reason})
    return rows


def write_gradebook(rows: list[dict[str, object]], path: "str | Path") -> Path:
    """Write gradebook rows as CSV, atomically (a temporary file renamed into place)."""
    path = Path(path)
    if not rows:
        raise LabError("no rows to write")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v) for k, v in row.items()})
    from lab.video import atomic_path

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
    return path


def grade_folder(
    folder: "str | Path",
    bundle: "str | Path",
    out: "str | Path" = "gradebook.csv",
    *,
    jobs: int = 1,
    timeout: float = 300.0,
    cell_timeout: float = 60.0,
    max_output_bytes: int = 1_000_000,
) -> list[SubmissionResult]:
    """Grade every submission in ``folder`` with ``bundle`` and write the CSV gradebook ``out``.

    ``jobs`` submissions run at once (each uses one kernel; 1-2 per CPU core is sensible).
    Results come back sorted by student; see the module docstring for the columns.

    >>> results = grade_folder("submissions/", "dist/autograder/ex01_pixels_and_bytes-autograder.zip",
    ...                        "gradebook.csv", jobs=2)  # doctest: +SKIP
    """
    if jobs < 1:
        raise LabError(f"jobs must be at least 1, got {jobs}")
    if not timeout > 0 or not cell_timeout > 0:
        raise LabError(f"timeouts must be positive, got timeout={timeout}, cell_timeout={cell_timeout}")
    bundle = Path(bundle)
    possible = question_points(bundle)
    root = Path(folder)
    paths = find_submissions(root)
    if not paths:
        raise LabError(f"no .ipynb or .zip submissions found in {root}")

    local = threading.local()
    workers: list[_Worker] = []

    def one(path: Path) -> SubmissionResult:
        if not hasattr(local, "worker"):  # one reusable worker process per job slot
            local.worker = _Worker()
            workers.append(local.worker)
        return grade_submission(path, bundle, student=student_id(path, root), timeout=timeout,
                                cell_timeout=cell_timeout, max_output_bytes=max_output_bytes, worker=local.worker)

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(progress(pool.map(one, paths), total=len(paths), desc="grading"))
    finally:
        for worker in workers:
            worker.close()
    results.sort(key=lambda r: (r.student, r.file))
    write_gradebook(gradebook_rows(results, possible), out)
    return results
