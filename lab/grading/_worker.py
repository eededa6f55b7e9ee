"""Grade submissions inside their sandbox folders; run as a child process by :mod:`lab.grading.grade`.

    python -m lab.grading._worker SUBMISSION BUNDLE RESULT_JSON --cell-timeout 30 --max-output 1000000
    python -m lab.grading._worker --serve      # one JSON request per stdin line (see :func:`serve`)

The parent gives this process its own session, a throw-away working directory per submission
and a wall clock limit per submission, and kills the whole process tree (this process and
the notebook's kernel) when the limit passes; the next submission gets a new worker. Inside, the submission is checked (valid JSON? a notebook? which question
cells are missing or out of order?), an output cap is put in front of it, and it is run by
otter-grader's ``grade_notebook`` with every test of the bundle, hidden ones included. A
cell that runs longer than ``--cell-timeout`` is interrupted and execution goes on with the
next cell, so the other questions still get their points.

The result file is JSON: ``status`` ("ok", "invalid" or "error"), ``scores`` and
``possible`` per question, a human-readable ``reason`` and ``seconds``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import traceback
import zipfile
from pathlib import Path
from typing import Any

# Put in front of every submission: caps what the student's code can print (stdout + stderr).
OUTPUT_CAP_CELL = '''\
import sys as _grading_sys


class _GradingCappedStream:
    """Forward writes until a shared byte budget is spent, then drop them with one notice."""

    budget = {limit}
    noticed = False

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        cls = type(self)
        if cls.budget <= 0:
            if not cls.noticed:
                cls.noticed = True
                self._stream.write("\\n[GRADING: output truncated after {limit} bytes]\\n")
            return len(text)
        cls.budget -= len(text)
        return self._stream.write(text if cls.budget >= 0 else text[: len(text) + cls.budget])

    def __getattr__(self, name):
        return getattr(self._stream, name)


_grading_sys.stdout = _GradingCappedStream(_grading_sys.stdout)
_grading_sys.stderr = _GradingCappedStream(_grading_sys.stderr)
del _grading_sys'''

TRUNCATION_NOTICE = "[GRADING: output truncated"
TIMEOUT_ENAME = "CellTimeout"
_CHECK = re.compile(r"""grader\.check\(\s*["']([^"']+)["']\s*\)""")
_INSTALL = re.compile(r"^(\s*)([%!]\s*pip\s+install.*)$", re.MULTILINE)
MAX_NOTEBOOK_BYTES = 20_000_000
CELL_NUMBER = "grading_cell_number"


class InvalidSubmission(Exception):
    """The file cannot be graded at all (not a notebook, corrupt JSON, too large...)."""


def read_submission(path: Path) -> tuple[dict, str]:
    """Load the notebook JSON from a .ipynb or an otter export .zip; returns (notebook, name)."""
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.endswith(".ipynb") and "/." not in n and not n.startswith(".")]
                if len(names) != 1:
                    raise InvalidSubmission(f"the zip holds {len(names)} .ipynb files; exactly one was expected")
                info = zf.getinfo(names[0])
                if info.file_size > MAX_NOTEBOOK_BYTES:
                    raise InvalidSubmission(f"the notebook in the zip is {info.file_size / 1e6:.0f} MB; over the limit")
                raw, name = zf.read(names[0]), Path(names[0]).name
        except zipfile.BadZipFile as err:
            raise InvalidSubmission(f"not a valid zip file ({err})") from None
    else:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise InvalidSubmission(f"the file is {path.stat().st_size / 1e6:.0f} MB; over the limit")
        raw, name = path.read_bytes(), path.name
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InvalidSubmission(f"not a valid notebook: the file is not JSON ({err})") from None
    import nbformat

    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # nbformat raises several types for a bad structure
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InvalidSubmission(f"not a valid notebook: {first[:200]}") from None
    return nb, name


def structure_notes(nb: Any, questions: list[str]) -> list[str]:
    """Notes on deleted or reordered question cells (the grade itself comes from the tests)."""
    found = [q for cell in nb.cells if cell.cell_type == "code" for q in _CHECK.findall(cell.source)]
    notes = []
    missing = [q for q in questions if q not in found]
    if missing:
        notes.append(f"check cell(s) deleted: {', '.join(missing)}")
    order = [q for q in dict.fromkeys(found) if q in questions]
    if order != [q for q in questions if q in order]:
        notes.append(f"cells reordered (questions appear as {', '.join(order)})")
    return notes


def prepare(nb: Any, max_output: int) -> Any:
    """Put the output cap in front and neutralise pip installs (grading runs offline)."""
    import nbformat

    for index, cell in enumerate(nb.cells, start=1):
        cell.metadata[CELL_NUMBER] = index  # survives execution: errors are reported by this number
        if cell.cell_type == "code":
            cell.source = _INSTALL.sub(r"\1# [grading: install skipped] \2", cell.source)
    nb.cells.insert(0, nbformat.v4.new_code_cell(OUTPUT_CAP_CELL.format(limit=int(max_output))))
    return nb


def execution_notes(executed: Any) -> list[str]:
    """Errors, interrupted cells and truncated output seen in the executed notebook."""
    notes: list[str] = []
    truncated = False
    for cell in executed.cells:
        if cell.cell_type != "code":
            continue
        number = cell.get("metadata", {}).get(CELL_NUMBER)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                where = f"cell {number}" if number else "a grading cell"
                if out.get("ename") in (TIMEOUT_ENAME, "KeyboardInterrupt"):  # the cell time limit interrupts
                    notes.append(f"{where} ran over the per-cell time limit and was interrupted")
                else:
                    value = str(out.get("evalue", "")).splitlines()[0][:120] if out.get("evalue") else ""
                    notes.append(f"{where} raised {out.get('ename')}: {value}".rstrip(": "))
            elif out.get("output_type") == "stream" and TRUNCATION_NOTICE in str(out.get("text", "")):
                truncated = True
    if truncated:
        notes.append("output truncated (too much printed)")
    return notes


def _failure(res: dict) -> str:
    """'public test 2 (hint)' / 'hidden test 3 (NameError: ...)' for one failed test case."""
    case = res.get("test_case", {})
    number = str(case.get("name", "?")).rsplit(" - ", 1)[-1]
    kind = "hidden" if case.get("hidden") else "public"
    errors = re.findall(r"^(\w+(?:Error|Exception)\b.*)$", str(res.get("message", "")), flags=re.MULTILINE)
    why = case.get("failure_message") or (errors[-1][:100] if errors else "")
    return f"{kind} test {number} failed" + (f" ({why})" if why else "")


def _grade(submission: Path, bundle: Path, cell_timeout: int, max_output: int) -> dict:
    from lab.grading.build import question_points

    possible = question_points(bundle)
    questions = list(possible)
    result: dict[str, Any] = {"status": "ok", "scores": {q: 0.0 for q in questions}, "possible": possible, "notes": []}
    try:
        nb, _ = read_submission(submission)
    except InvalidSubmission as err:
        result.update(status="invalid", notes=[str(err)])
        return result
    result["notes"] += structure_notes(nb, questions)
    tests = Path("autograder")
    with zipfile.ZipFile(bundle) as zf:
        for member in zf.namelist():
            if member.startswith("tests/") and member.endswith(".py") and ".." not in member:
                target = tests / member
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(member))
    import nbformat
    import otter.execute
    from traitlets.config import Config

    work = Path("submission")
    work.mkdir(exist_ok=True)
    nb_path = work / "submission.ipynb"
    nbformat.write(prepare(nb, max_output), nb_path)

    def config() -> Config:  # otter builds its Config inside grade_notebook: add our cell time limit
        c = Config()
        # the student's cells get the limit; otter's own cells (init, running the tests) do not
        c.ExecutePreprocessor.timeout_func = lambda cell: cell_timeout if CELL_NUMBER in cell.metadata else None
        c.ExecutePreprocessor.interrupt_on_timeout = True
        c.ExecutePreprocessor.error_on_timeout = {
            "ename": TIMEOUT_ENAME, "evalue": f"cell ran over {cell_timeout} s", "traceback": []}
        c.ExecutePreprocessor.startup_timeout = 120
        return c

    otter.execute.Config = config
    test_files = sorted(str(p.resolve()) for p in (tests / "tests").glob("*.py"))
    try:
        graded = otter.execute.grade_notebook(
            str(nb_path), tests_glob=test_files, cwd=str(work.resolve()), test_dir=str((tests / "tests").resolve()),
            ignore_errors=True,
        )
    except Exception as err:  # a dead kernel, a crash in otter...: report it, score zero
        name = type(err).__name__
        text = str(err).strip().splitlines()[0][:200] if str(err).strip() else ""
        if "DeadKernel" in name:
            text = "the notebook's kernel died (did the code call exit() or use too much memory?)"
        result.update(status="error", notes=result["notes"] + [f"grading failed: {text or name}"])
        return result
    data = graded.to_dict()
    for q in questions:
        entry = data.get(q)
        if entry is None:
            result["notes"].append(f"{q}: no result")
            continue
        score = result["scores"][q] = float(entry.get("score") or 0.0)
        failed = [r for r in entry.get("test_case_results", []) if not r.get("passed")]
        if failed:
            result["notes"].append(f"{q} {score:g}/{possible[q]:g}: " + ", ".join(_failure(r) for r in failed))
    if graded.notebook is not None:
        result["notes"] = execution_notes(graded.notebook) + result["notes"]
    return result


def run_request(submission: Path, bundle: Path, result_path: Path, cell_timeout: int, max_output: int) -> None:
    """Grade one submission (paths relative to the working directory) and write its result file."""
    start = time.monotonic()
    try:
        result = _grade(submission, bundle, cell_timeout, max_output)
    except Exception as err:  # never leave without a result file
        traceback.print_exc()
        result = {"status": "error", "scores": {}, "possible": {}, "notes": [f"grader error: {type(err).__name__}: {err}"]}
    result["seconds"] = round(time.monotonic() - start, 2)
    tmp = result_path.with_suffix(".part")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    tmp.replace(result_path)


def serve() -> int:
    """Grade submissions one after another, one JSON request per stdin line, "done" per reply.

    A request names the sandbox folder (``cwd``), the environment for the kernel (``env``:
    HOME and Jupyter folders inside the sandbox) and the file names. The process pays its
    imports once; every submission still runs in a fresh kernel. Anything printed while
    grading goes to stderr (the log), stdout carries only the replies.
    """
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    base_env = dict(os.environ)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        os.environ.clear()
        os.environ.update(base_env)
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        run_request(Path(request["submission"]), Path(request["bundle"]), Path(request["result"]),
                    int(request["cell_timeout"]), int(request["max_output"]))
        replies.write("done\n")
        replies.flush()
    return 0


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description="grade submissions (used by python -m lab.grading grade)")
    parser.add_argument("--serve", action="store_true", help="read one JSON request per line from stdin")
    parser.add_argument("submission", type=Path, nargs="?")
    parser.add_argument("bundle", type=Path, nargs="?")
    parser.add_argument("result", type=Path, nargs="?")
    parser.add_argument("--cell-timeout", type=int, default=60)
    parser.add_argument("--max-output", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    if args.serve:
        return serve()
    if args.result is None:
        parser.error("give SUBMISSION BUNDLE RESULT, or --serve")
    run_request(args.submission, args.bundle, args.result, args.cell_timeout, args.max_output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
