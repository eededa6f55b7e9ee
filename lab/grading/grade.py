"""Grade a folder of submitted notebooks into a CSV gradebook, each in an OS sandbox.

How one submission is graded:

1. The grader reads the file as data (no symbolic links, size-capped, JSON, nbformat schema)
   and notes deleted or reordered ``grader.check`` cells.
2. Its code cells run in a fresh Jupyter kernel inside a bubblewrap sandbox
   (:mod:`lab.grading.sandbox`: no network, no view of the grader or other submissions,
   read-only system, memory/process/file-size/CPU limits, everything killed at the end), one
   time limit per cell. Then the kernel side of every hidden test runs there with its own time
   limit and exports the student's answers as plain data (:mod:`lab.grading.plain_data`).
3. The grader checks those answers against the hidden expectations itself
   (:mod:`lab.grading.hidden_tests`), outside every process the student's code ran in. A
   forged, malformed or oversized reply earns nothing and the run goes on.

The gradebook is rewritten atomically after every submission (so an interrupted run keeps
what was graded), and a rerun skips students whose notebook is unchanged (same SHA-256).

Gradebook columns: ``student, file, <q1>, ..., total, possible, percent, status, reason,
sandbox, sha256``; the first row (student ``POINTS POSSIBLE``) holds the points per question.
``status`` is ``ok``, ``timeout`` (killed after the submission's time limit; answers already
exported still count), ``invalid`` (no gradable notebook) or ``error``. ``sandbox`` is
``bwrap``, or ``none`` for rows graded with ``--no-sandbox``.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import re
import stat
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from lab import validate
from lab.errors import LabError
from lab.files import atomic_path
from lab.grading import sandbox as sb
from lab.grading.build import load_spec, spec_exercise
from lab.grading.hidden_tests import HiddenTest, run_check
from lab.grading.plain_data import PlainDataError, decode, printable
from lab.grading.submission import InvalidSubmission, code_cells, read_bytes, read_submission, structure_notes

SUBMISSION_SUFFIXES = (".ipynb", ".zip")
POSSIBLE_ROW = "POINTS POSSIBLE"
MAX_REPLY_BYTES = 16_000_000
MAX_REASON_CHARS = 4000  # far below csv's 131 072-character field limit, so every gradebook reads back
PARTIAL_SUFFIX = ".partial"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class SubmissionResult:
    """The grade of one student."""

    student: str
    file: str
    scores: dict[str, float]
    possible: dict[str, float]
    status: str = "ok"
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sandbox: str = "bwrap"
    sha256: str = ""
    reused: bool = False  # read back from an earlier gradebook: the notebook had not changed
    graded_with: str = ""  # grading_key() of the bundle and settings that made this grade

    @property
    def total(self) -> float:
        """Points earned."""
        return float(sum(self.scores.values()))

    @property
    def reason(self) -> str:
        """All notes joined: why points were lost, what went wrong."""
        return "; ".join(self.notes)


@dataclass
class Student:
    """One row of the gradebook to be: a student's id and the notebooks found for them."""

    id: str
    notebooks: list[Path]
    problem: str = ""  # set when there is nothing to grade (a symlink, no notebook)
    notes: list[str] = field(default_factory=list)  # said in the row whatever the grade

    def chosen(self) -> tuple[Path | None, list[str]]:
        """The notebook to grade (the newest) and a note when there were several."""
        if not self.notebooks:
            return None, list(self.notes)
        ranked = sorted(self.notebooks, key=lambda p: (-_mtime(p), p.name))
        note = [f"{len(ranked)} notebooks: graded {printable(ranked[0].name)}"] if len(ranked) > 1 else []
        return ranked[0], self.notes + note


def name_text(name: str) -> str:
    """A file name as gradebook text: always encodes, and control characters (newlines...) are escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in printable(name, 1000))


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def student_id(path: Path, root: Path) -> str:
    """The student a submission belongs to: its folder under ``root``, else its file name (as text that always encodes)."""
    rel = path.relative_to(root)
    if len(rel.parts) > 1:
        return name_text(rel.parts[0])
    return name_text(re.sub(r"_submission(_\d.*)?$", "", path.stem) or path.stem)


def find_students(folder: str | Path, *, exclude: Iterable[Path] = ()) -> list[Student]:
    """One :class:`Student` per top-level entry of ``folder`` (hidden names skipped), whatever it is.

    A folder is one student, whatever its name; a top-level file is one student named after the
    file (``alice_submission.zip`` is alice's). When two entries would give the same student
    (``carol.ipynb`` and ``carol_submission_2.ipynb``), each keeps a row of its own, named
    after the entry, with a note. Symbolic links, FIFOs and other special files get a row that
    says why they were not graded; nothing is followed or opened here.
    """
    root = Path(folder)
    if not root.is_dir():
        raise LabError(f"submissions folder {printable(str(root))} does not exist or is not a folder")
    skip = {Path(p).absolute() for p in exclude}
    try:
        entries = sorted(e for e in root.iterdir() if not e.name.startswith(".") and e.absolute() not in skip)
    except OSError as err:
        raise LabError(
            f"cannot list the submissions folder {printable(str(root))} ({err.strerror})"
        ) from None
    groups: dict[str, list[Path]] = {}
    for entry in entries:
        notebook = entry.suffix.lower() in SUBMISSION_SUFFIXES and not _is_folder(entry)
        groups.setdefault(student_id(entry, root) if notebook else name_text(entry.name), []).append(entry)
    students: list[Student] = []
    for sid, group in groups.items():
        if len(group) == 1:
            students.append(_entry_student(group[0], sid))
            continue
        names = ", ".join(name_text(e.name) for e in group)
        for entry in group:
            student = _entry_student(entry, name_text(entry.name))
            student.notes.append(f"{len(group)} entries look like {sid}'s ({names}): each has its own row")
            students.append(student)
    seen: set[str] = set()
    for student in sorted(students, key=lambda s: s.id):  # names that print alike stay apart
        base, n = student.id, 1
        while student.id in seen:
            n += 1
            student.id = f"{base} ({n})"
        seen.add(student.id)
    return sorted(students, key=lambda s: s.id)


def _is_folder(path: Path) -> bool:
    """A real folder (not a link to one)."""
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except OSError:
        return False


def _entry_student(entry: Path, sid: str) -> Student:
    """The student of one top-level entry: a folder of notebooks, a notebook, or a row saying why not."""
    try:
        mode = entry.lstat().st_mode
    except OSError as err:
        return Student(sid, [], f"cannot read {printable(entry.name)} ({err.strerror})")
    if stat.S_ISLNK(mode):
        return Student(sid, [], "refused: a symbolic link, not a submission")
    if stat.S_ISDIR(mode):
        return _folder_student(entry, sid)
    if not stat.S_ISREG(mode):
        return Student(sid, [], f"refused: {printable(entry.name)} is not a regular file (a pipe or device?)")
    if entry.suffix.lower() in SUBMISSION_SUFFIXES:
        return Student(sid, [entry])
    return Student(sid, [], f"no notebook found ({printable(entry.name)} is not a .ipynb or .zip)")


def _folder_student(folder: Path, sid: str) -> Student:
    notebooks, links = [], []
    try:
        paths = sorted(folder.rglob("*"))
    except (OSError, RecursionError) as err:
        return Student(sid, [], f"cannot read the folder ({type(err).__name__})")
    for path in paths:
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or path.suffix.lower() not in SUBMISSION_SUFFIXES:
            continue
        if path.is_symlink():
            links.append(printable(str(rel)))
        elif path.is_file():
            notebooks.append(path)
    problem = (
        "" if notebooks else (f"refused: {links[0]} is a symbolic link" if links else "no notebook found")
    )
    return Student(sid, notebooks, problem)


def resolve_bundle(
    bundle: str | Path | None = None, *, exercise: str | None = None, dist_dir: str | Path = "dist/autograder"
) -> Path:
    """The autograder zip to use: ``bundle`` itself, or ``<dist_dir>/<exercise>-autograder.zip``."""
    if bundle is not None:
        path = Path(bundle)
    elif exercise:
        path = Path(dist_dir) / f"{exercise}-autograder.zip"
    else:
        raise LabError(
            "say which exercise to grade: exercise='ex01_pixels_and_bytes' or bundle='path/to.zip'"
        )
    if not path.is_file():
        from lab.grading.student import exercises

        known = exercises()
        if exercise and exercise not in known:
            raise LabError(
                f"unknown exercise {exercise!r}; the exercises are: {', '.join(known) or 'none installed'}"
            )
        raise LabError(
            f"autograder bundle {path} not found; build it first with: python -m lab.grading build"
        )
    return path


@dataclass(frozen=True)
class Settings:
    """Time, output and resource limits for grading (seconds and bytes)."""

    timeout: float = 300.0  # the whole submission
    cell_timeout: float = 60.0  # one cell of the student's notebook
    test_timeout: float = 30.0  # one hidden test
    max_output_bytes: int = 1_000_000
    sandbox: bool = True
    limits: sb.Limits = sb.Limits()

    def __post_init__(self) -> None:
        for name in ("timeout", "cell_timeout", "test_timeout"):
            value = getattr(self, name)
            option = "--" + name.replace("_", "-")
            value = validate.positive_number(value, option, unit="seconds")
            if value > 24 * 3600:
                raise LabError(f"{option} of {value:g} s is over a day; give a limit in seconds")
        validate.integer(self.max_output_bytes, "--max-output (bytes)", minimum=0)

    @property
    def sandbox_name(self) -> str:
        """The gradebook's ``sandbox`` column for rows graded with these settings: ``bwrap`` or ``none``."""
        return "bwrap" if self.sandbox else "none"

    @property
    def sandbox_mode(self) -> str:
        """``bwrap+cgroup`` (a cgroup per sandbox could be made here), ``bwrap`` or ``none`` (``--no-sandbox``)."""
        if not self.sandbox:
            return "none"
        return "bwrap+cgroup" if sb.cgroups_available() is None else "bwrap"


def grading_key(bundle: str | Path, settings: Settings) -> str:
    """A hash of everything that made a grade besides the notebook: bundle bytes, exercise, limits, sandbox mode.

    A rerun keeps an earlier row only when its notebook hash and this key are both unchanged.
    """
    digest = hashlib.sha256(Path(bundle).read_bytes()).hexdigest()
    made_by = {
        "bundle": digest,
        "exercise": spec_exercise(bundle),
        "timeout": settings.timeout,
        "cell_timeout": settings.cell_timeout,
        "test_timeout": settings.test_timeout,
        "max_output_bytes": settings.max_output_bytes,
        "limits": dataclasses.asdict(settings.limits),
        "sandbox": settings.sandbox_mode,
    }
    return hashlib.sha256(json.dumps(made_by, sort_keys=True).encode()).hexdigest()[:16]


def _cell_notes(records: list[dict], numbers: list[int], printed_over: int, limit: int) -> list[str]:
    notes = []
    for rec in records:
        index = rec.get("index")
        if type(index) is not int or not 0 <= index < len(numbers):
            continue
        where, detail = f"cell {numbers[index]}", printable(str(rec.get("detail", "")), 160)
        problem = rec.get("problem")
        if problem == "timeout":
            notes.append(f"{where} ran over the per-cell time limit and was interrupted")
        elif problem == "died":
            notes.append(
                f"{where} killed the kernel and was skipped (out of memory, or it ended the process?)"
            )
        elif problem == "error":
            hint = {
                "MemoryError": " (over the sandbox's memory limit)",
                "RecursionError": " (a function calls itself without end)",
            }.get(detail.split(":")[0], "")
            notes.append(f"{where} raised {detail}{hint}")
    if printed_over:
        notes.append(
            f"printed {printed_over / 1e6:.1f} MB, over the {limit / 1e6:g} MB output limit (output dropped)"
        )
    return notes


def parse_reply(stdout: bytes, tests: list[HiddenTest]) -> tuple[dict[str, dict], list[dict], int, bool]:
    """Read the sandbox's JSON lines strictly: ``(exports per test, cell records, bytes printed, done)``.

    Raises :class:`PlainDataError` for anything outside the schema.
    """
    wanted = {t.id: t for t in tests}
    exports: dict[str, dict] = {}
    cells: list[dict] = []
    printed, done = 0, False
    for line in stdout.decode("utf-8", "strict").split("\n"):
        if not line.strip():
            continue
        record = json.loads(line)
        if type(record) is not dict or record.get("kind") not in ("cell", "test", "output", "done"):
            raise PlainDataError("a reply line is not a known record")
        kind = record["kind"]
        if kind == "done":
            done = True
        elif kind == "output":
            printed = int(record["bytes"]) if type(record.get("bytes")) is int else 0
        elif kind == "cell":
            cells.append(record)
        elif record.get("id") in wanted:
            test = wanted[record["id"]]
            if type(record.get("payload")) is str:
                payload = json.loads(record["payload"])
                if (
                    type(payload) is not dict
                    or payload.get("test") != test.id
                    or type(payload.get("values")) is not dict
                ):
                    raise PlainDataError("an export payload is malformed")
                exports[test.id] = {
                    "values": {k: decode(v) for k, v in payload["values"].items() if k in test.exports}
                }
            else:
                exports[test.id] = {"error": printable(str(record.get("error", "no answer came back")), 200)}
    return exports, cells, printed, done


def score(
    tests: list[HiddenTest], exports: dict[str, dict], possible: dict[str, float]
) -> tuple[dict[str, float], list[str]]:
    """Points per question from the hidden checks, and a note per question that lost points."""
    scores = {q: 0.0 for q in possible}
    failures: dict[str, list[str]] = {q: [] for q in possible}
    for test in tests:
        got = exports.get(test.id)
        if got is None:
            why: str | None = "not run"
        elif "error" in got:
            why = got["error"]
        else:
            why = run_check(test, got["values"])
        if why is None:
            scores[test.question] = min(possible[test.question], scores[test.question] + test.points)
        else:
            failures[test.question].append(f"hidden test {test.number} failed ({why})")
    notes = [f"{q} {scores[q]:g}/{possible[q]:g}: " + ", ".join(f) for q, f in failures.items() if f]
    return scores, notes


def grade_submission(
    submission: str | Path,
    bundle: str | Path,
    *,
    student: str | None = None,
    settings: Settings = Settings(),
    stop: sb.Stop | None = None,
) -> SubmissionResult:
    """Grade one submitted notebook (``.ipynb`` or otter ``.zip``) against an autograder bundle.

    Never raises for a bad submission: problems come back as ``status`` and ``reason``.
    ``stop`` (set by :func:`grade_folder` on Ctrl-C) ends the sandbox at once.

    >>> r = grade_submission("alice.ipynb", "dist/autograder/ex01_pixels_and_bytes-autograder.zip")  # doctest: +SKIP
    >>> r.total, r.status  # doctest: +SKIP
    (8.0, 'ok')
    """
    submission = Path(submission)
    sb.require_sandbox(settings.sandbox)
    possible, tests = load_spec(bundle)
    result = SubmissionResult(
        name_text(student or submission.stem),
        name_text(submission.name),
        {q: 0.0 for q in possible},
        possible,
        sandbox=settings.sandbox_name,
    )
    start = time.monotonic()
    try:
        _grade_into(result, submission, tests, possible, settings, stop)
    except Exception as err:  # a grader bug must cost this one row, never the class's gradebook
        result.scores = {q: 0.0 for q in possible}
        result.status = "error"
        result.notes.append(
            f"the grader failed on this submission ({type(err).__name__}: {printable(str(err), 160)})"
        )
    result.seconds = round(time.monotonic() - start, 2)
    return result


def _grade_into(
    result: SubmissionResult,
    submission: Path,
    tests: list[HiddenTest],
    possible: dict[str, float],
    settings: Settings,
    stop: sb.Stop | None,
) -> None:
    """:func:`grade_submission`'s work, filling ``result`` in."""
    try:
        raw = read_bytes(submission)
        result.sha256 = hashlib.sha256(raw).hexdigest()[:16]
        nb, _ = read_submission(submission, raw)
    except InvalidSubmission as err:
        result.status, result.notes = "invalid", [str(err)]
        return
    result.notes = structure_notes(nb, list(possible))
    numbered = code_cells(nb)
    outcome = _run_in_sandbox([code for _, code in numbered], tests, settings, stop)
    try:
        exports, cells, printed, done = parse_reply(outcome.stdout, tests)
    except (ValueError, RecursionError, KeyError, TypeError, OverflowError, MemoryError) as err:
        result.status = "error"
        result.notes.append(
            f"the sandbox's reply was not valid grading data ({type(err).__name__}); scored 0"
        )
        return
    result.scores, test_notes = score(tests, exports, possible)
    over = printed if printed > settings.max_output_bytes else 0
    result.notes += _cell_notes(cells, [n for n, _ in numbered], over, settings.max_output_bytes) + test_notes
    _note_how_it_stopped(result, outcome, done, settings.timeout)


def _run_in_sandbox(
    cells: list[str], tests: list[HiddenTest], settings: Settings, stop: sb.Stop | None = None
) -> sb.Outcome:
    """Run the student's ``cells`` and the hidden tests' sandbox halves in one sandboxed runner."""
    request = {
        "cells": cells,
        "cell_timeout": settings.cell_timeout,
        "test_timeout": settings.test_timeout,
        "max_output": settings.max_output_bytes,
        "tests": [{"id": t.id, "kernel": t.kernel, "exports": list(t.exports)} for t in tests],
    }
    return sb.run(
        [sys.executable, "-m", "lab.grading.runner"],
        json.dumps(request).encode(),
        timeout=settings.timeout,
        max_stdout=MAX_REPLY_BYTES,
        limits=settings.limits,
        sandbox=settings.sandbox,
        stop=stop,
    )


def _note_how_it_stopped(result: SubmissionResult, outcome: sb.Outcome, done: bool, timeout: float) -> None:
    """Set ``result.status`` and put the reason first in its notes when the run did not end normally."""
    if outcome.overflowed:
        result.status = "error"
        result.notes.insert(0, f"the sandbox replied with over {MAX_REPLY_BYTES / 1e6:g} MB; stopped")
    elif outcome.timed_out:
        result.status = "timeout"
        result.notes.insert(
            0,
            f"ran over the {timeout:g} s limit per submission and was stopped "
            "(an endless loop?); answers exported before that still count",
        )
    elif not done:
        result.status = "error"
        last = outcome.stderr_tail.strip().splitlines()[-1][:160] if outcome.stderr_tail.strip() else ""
        result.notes.insert(
            0, "grading stopped early (the code ended the grading process?)" + (f": {last}" if last else "")
        )


def _csv_text(cell: str) -> str:
    """A text cell as :func:`_csv_cell` escaped it, read back."""
    return cell[1:] if cell.startswith("'") and cell[1:2] in FORMULA_START else cell


def _csv_cell(value: object) -> object:
    """A CSV value safe to open in a spreadsheet and to read back.

    Text starting with = + - @ is quoted as text; text always encodes (lone surrogates
    escaped) and is cut to :data:`MAX_REASON_CHARS`.
    """
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        value = printable(value, MAX_REASON_CHARS + 1).replace("\r", "\\r")  # a bare CR would end the row
        if len(value) > MAX_REASON_CHARS:
            value = value[: MAX_REASON_CHARS - 12] + " ... (cut)"
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


def console_text(text: str, limit: int) -> str:
    """``text`` for one line of the console table: control characters (newlines, escape codes) shown as ``?``."""
    text = printable(text, limit)
    return "".join(c if c.isprintable() else "?" for c in text)


def gradebook_rows(results: list[SubmissionResult], possible: dict[str, float]) -> list[dict[str, object]]:
    """Rows of the gradebook: the POINTS POSSIBLE row, then one row per student."""
    total_possible = sum(possible.values())
    rows: list[dict[str, object]] = [
        {
            "student": POSSIBLE_ROW,
            "file": "",
            **possible,
            "total": total_possible,
            "possible": total_possible,
            "percent": 100.0,
            "status": "",
            "reason": "",
            "sandbox": "",
            "sha256": "",
            "graded_with": "",
        }
    ]
    for r in results:
        rows.append(
            {
                "student": r.student,
                "file": r.file,
                **{q: r.scores.get(q, 0.0) for q in possible},
                "total": r.total,
                "possible": total_possible,
                "percent": round(100.0 * r.total / total_possible, 1) if total_possible else 0.0,
                "status": r.status,
                "reason": r.reason,
                "sandbox": r.sandbox,
                "sha256": r.sha256,
                "graded_with": r.graded_with,
            }
        )
    return rows


def write_gradebook(rows: list[dict[str, object]], path: str | Path) -> Path:
    """Write gradebook rows as CSV, atomically (a temporary file renamed into place)."""
    path = Path(path)
    if not rows:
        raise LabError("no rows to write")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in row.items()})
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
    return path


def read_gradebook(path: str | Path, possible: dict[str, float]) -> dict[str, SubmissionResult]:
    """Rows of an earlier gradebook with the same questions, by student (empty if none or unreadable).

    A row that cannot be read is left out (its student is graded again); the others are kept.
    """
    path = Path(path)
    if not path.is_file():
        return {}
    out: dict[str, SubmissionResult] = {}
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            reader = csv.DictReader(handle)
            first = True
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error:
                    continue  # a field over csv's limit (an older gradebook): that row only
                if first:  # the POINTS POSSIBLE row
                    first = False
                    continue
                try:
                    student, reason = _csv_text(row["student"]), _csv_text(row["reason"])
                    out[student] = SubmissionResult(
                        student,
                        _csv_text(row["file"]),
                        {q: float(row[q]) for q in possible},
                        possible,
                        row["status"],
                        [reason] if reason else [],
                        0.0,
                        row["sandbox"],
                        row["sha256"],
                        graded_with=row.get("graded_with") or "",
                    )
                except (KeyError, ValueError, TypeError):
                    continue
    except OSError:
        return {}
    return out


def check_output(out: str | Path) -> Path:
    """Fail before grading (not after) when the gradebook cannot be written at ``out``."""
    out = Path(out)
    if out.is_dir():
        raise LabError(f"--out {out} is a folder; give a file name such as {out / 'gradebook.csv'}")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise LabError(f"--out {out}: the folder {parent} does not exist")
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=f".{out.name}.", suffix=".probe"):
            pass
    except OSError as err:
        raise LabError(f"--out {out}: cannot create a file in the folder {parent} ({err.strerror})") from None
    return out


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(read_bytes(path)).hexdigest()[:16]
    except InvalidSubmission:
        return ""


def grade_bytes(student: str, name: str, data: bytes, bundle: bytes, settings: Settings) -> SubmissionResult:
    """Grade a submission sent as bytes (a cluster task): written to a private folder, graded, removed."""
    with tempfile.TemporaryDirectory(prefix="grade-task-") as tmp:
        path, bundle_path = Path(tmp) / Path(name).name, Path(tmp) / "bundle.zip"
        path.write_bytes(data)
        bundle_path.write_bytes(bundle)
        result = grade_submission(path, bundle_path, student=student, settings=settings)
        result.graded_with = grading_key(bundle_path, settings)
        return result


def partial_path(out: str | Path) -> Path:
    """Where a run keeps the rows graded so far: ``<out>.partial``, next to the gradebook."""
    out = Path(out)
    return out.with_name(out.name + PARTIAL_SUFFIX)


def grade_folder(
    folder: str | Path,
    bundle: str | Path,
    out: str | Path = "gradebook.csv",
    *,
    jobs: int = 1,
    settings: Settings = Settings(),
    scheduler: str | None = None,
) -> list[SubmissionResult]:
    """Grade every student in ``folder`` with ``bundle`` into the CSV gradebook ``out``.

    ``jobs`` submissions run at once on this machine (each uses one kernel; 1-2 per CPU core is
    sensible). With ``scheduler`` (a Dask address, ``tcp://HOST:8786``) each submission is a task
    on the cluster's workers instead, each graded in its own sandbox there. Results come back
    sorted by student, one per top-level entry of ``folder``.

    While grading, the rows so far are rewritten after each student into ``<out>.partial``;
    ``out`` itself is replaced (atomically) only once every student has a row. A Ctrl-C stops
    the sandboxes at once and raises ``KeyboardInterrupt``, leaving ``out`` as it was and the
    graded rows in ``<out>.partial``. A rerun into the same ``out`` keeps a row from either
    file only when the notebook's hash and :func:`grading_key` (bundle, exercise, limits,
    sandbox) are unchanged.

    >>> results = grade_folder("submissions/", "dist/autograder/ex01_pixels_and_bytes-autograder.zip",
    ...                        "gradebook.csv", jobs=2)  # doctest: +SKIP
    """
    jobs = validate.positive_int(jobs, "jobs")
    out = check_output(out)
    partial = partial_path(out)
    if scheduler is None:
        sb.require_sandbox(settings.sandbox)  # on a cluster each worker checks its own
    bundle = Path(bundle)
    possible, _ = load_spec(bundle)
    key = grading_key(bundle, settings)
    students = find_students(folder, exclude=[out, partial])
    if not students:
        raise LabError(f"nothing to grade in {printable(str(folder))}: it holds no student files or folders")
    earlier = {**read_gradebook(out, possible), **read_gradebook(partial, possible)}
    done, todo = _reuse_or_queue(students, earlier, possible, key)
    client = None
    if scheduler is not None and todo:
        from lab.cluster import connect

        client = connect(scheduler)  # before any file is touched: a wrong address changes nothing

    def finish(result: SubmissionResult, path: Path, notes: list[str]) -> None:
        result.file = name_text(str(path.relative_to(Path(folder))))
        result.notes = notes + result.notes
        result.graded_with = key
        done[result.student] = result
        write_gradebook(gradebook_rows([done[k] for k in sorted(done)], possible), partial)

    where = {student.id: (path, notes) for student, path, notes in todo}
    from tqdm.auto import tqdm  # lab.progress's bar, driven by hand: results arrive through a callback

    bar = tqdm(total=len(todo), desc="grading", leave=False, dynamic_ncols=True)

    def record(result: SubmissionResult) -> None:
        finish(result, *where[result.student])
        bar.update(1)

    try:
        _grade_all(todo, bundle, settings, jobs, record, client)
    finally:
        bar.close()
        if client is not None:
            client.close()
    write_gradebook(gradebook_rows([done[k] for k in sorted(done)], possible), out)
    partial.unlink(missing_ok=True)
    return [done[k] for k in sorted(done)]


def _reuse_or_queue(
    students: list[Student],
    earlier: dict[str, SubmissionResult],
    possible: dict[str, float],
    key: str,
) -> tuple[dict[str, SubmissionResult], list[tuple[Student, Path, list[str]]]]:
    """Rows that need no grading (no notebook, or unchanged since ``earlier``) and the students to grade."""
    done: dict[str, SubmissionResult] = {}
    todo: list[tuple[Student, Path, list[str]]] = []
    for student in students:
        path, notes = student.chosen()
        if path is None:
            done[student.id] = SubmissionResult(
                student.id,
                "",
                {q: 0.0 for q in possible},
                possible,
                "invalid",
                notes + [student.problem],
                sandbox="",
                graded_with=key,
            )
            continue
        old = earlier.get(student.id)
        if (
            old
            and old.sha256
            and old.sha256 == _sha256(path)
            and old.status != "error"
            and old.graded_with == key
        ):
            old.reused = True
            done[student.id] = old
        else:
            todo.append((student, path, notes))
    return done, todo


def _grade_all(
    todo: list[tuple[Student, Path, list[str]]],
    bundle: Path,
    settings: Settings,
    jobs: int,
    record: Callable[[SubmissionResult], None],
    client: object = None,
) -> None:
    """Grade ``todo`` and ``record`` each result as it finishes: on this machine's job slots, or through a Dask ``client``.

    On Ctrl-C (or any error) the queued submissions are dropped and the running sandboxes
    killed at once; the results that had finished before that are still recorded, then the
    exception goes on.
    """
    if client is not None:
        from lab.cluster import run_all

        run = uuid.uuid4().hex[:8]
        items = []
        for student, path, _ in todo:
            try:
                data = read_bytes(path)
            except InvalidSubmission:
                data = b""  # unreadable here: graded as invalid on the worker
            items.append((student.id, path.name, data))
        for result in run_all(
            client,
            grade_bytes,
            items,
            keys=[f"grade-{run}-{s.id}" for s, _, _ in todo],
            shared={"bundle": bundle.read_bytes(), "settings": settings},
        ):
            record(result)
        return
    stop = sb.Stop()
    finished: list[Future] = []  # in the order they finished, before any stop
    lock = threading.Lock()

    def done(future: Future) -> None:
        with lock:
            if not stop.is_set():
                finished.append(future)

    pool = ThreadPoolExecutor(max_workers=jobs)
    recorded: set[int] = set()
    try:
        futures = []
        for student, path, _ in todo:
            future = pool.submit(
                grade_submission, path, bundle, student=student.id, settings=settings, stop=stop
            )
            future.add_done_callback(done)
            futures.append(future)
        for future in as_completed(futures):
            recorded.add(id(future))
            record(future.result())
    finally:
        with lock:
            stop.set()  # everything still running is killed; nothing new starts
            before_stop = list(finished)
        pool.shutdown(wait=True, cancel_futures=True)
        for future in before_stop:  # graded, not yet recorded when the stop came
            if id(future) not in recorded and not future.cancelled() and future.exception() is None:
                record(future.result())
