"""What a student notebook calls: where the public tests are, and how to hand the work in.

Generated exercise notebooks start with::

    from lab.grading import otter_notebook
    grader = otter_notebook("ex01_pixels_and_bytes")  # otter.Notebook(tests_dir=<packaged public tests>)

and end with::

    from lab.grading import export_submission
    export_submission(grader, "ex01_pixels_and_bytes.ipynb")

The public tests ship inside the installed package (``lab/grading/public_tests/<exercise>/``),
so ``grader.check("q1")`` works offline and on Colab, where a notebook has no folder of its
own on disk. Hidden tests never ship: they exist only in the instructor's autograder bundle.
"""

from __future__ import annotations

import html
import inspect
import os
import re
import sys
from pathlib import Path
from typing import Any

from lab.errors import LabError

PUBLIC_TESTS = Path(__file__).resolve().parent / "public_tests"


def exercises() -> list[str]:
    """Names of the exercises whose public tests are installed.

    >>> "ex01_pixels_and_bytes" in exercises()
    True
    """
    if not PUBLIC_TESTS.is_dir():
        return []
    return sorted(p.name for p in PUBLIC_TESTS.iterdir() if p.is_dir() and any(p.glob("*.py")))


def public_tests(exercise: str) -> str:
    """Folder of the public otter tests of ``exercise`` (a path string for ``otter.Notebook``).

    >>> Path(public_tests("ex01_pixels_and_bytes")).name
    'ex01_pixels_and_bytes'
    """
    if not isinstance(exercise, str) or not exercise:
        raise LabError(f"exercise must be a name such as 'ex01_pixels_and_bytes', got {exercise!r}")
    folder = PUBLIC_TESTS / exercise
    if not folder.is_dir():
        known = ", ".join(exercises()) or "none (run: python -m lab.grading build)"
        raise LabError(
            f"no public tests for exercise {exercise!r}; installed exercises: {known}. "
            "If you are an instructor, rebuild with: python -m lab.grading build"
        )
    return str(folder)


def otter_notebook(exercise: str) -> Any:
    """``otter.Notebook`` for ``exercise``, reading the public tests shipped in the package.

    ``grader = otter_notebook("ex05_flicker")`` then ``grader.check("q1")`` runs question 1's
    public tests. Raises :class:`LabError` with the install command when otter-grader is missing.
    """
    folder = public_tests(exercise)
    try:
        import otter
    except ImportError:
        raise LabError(
            "the graded exercises need otter-grader: pip install 'native4k-lab[grading]' "
            "(or pip install otter-grader), then restart the kernel"
        ) from None
    return _course_notebook(otter)(tests_dir=folder)


class CheckResult:
    """What ``grader.check("qN")`` shows: the hint of each failed public test, no doctest traceback.

    A multiple-choice check that passes says its answer was recorded (its public test only
    checks the form: one letter), not that it passed. ``result`` is otter's own result.
    """

    def __init__(self, result: Any) -> None:
        self.result = result

    def lines(self) -> list[str]:
        """The message, one line per failed test (or one line when all passed)."""
        name, cases = self.result.name, self.result.test_case_results
        if all(case.passed for case in cases):
            notes = [case.test_case.success_message for case in cases if case.test_case.success_message]
            return (
                [f"{name}: {notes[0]}"]
                if notes
                else [f"{name}: ✅ the public checks pass (your instructor's tests decide the points)"]
            )
        out = [f"{name}: ❌ not yet"]
        for case in cases:
            if not case.passed:
                errors = re.findall(r"^(\w*(?:Error|Exception)\b.*)$", case.message or "", flags=re.MULTILINE)
                if errors and errors[-1].startswith(
                    "NameError"
                ):  # the hint would mislead: a cell was not run
                    out.append(f"  - {errors[-1]}: run the notebook's cells from the top, then check again")
                else:
                    out.append(
                        "  - "
                        + (case.test_case.failure_message or (errors[-1] if errors else "a check failed"))
                    )
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        head, *rest = self.lines()
        items = "".join(f"<li>{html.escape(line[4:])}</li>" for line in rest)
        return f"<p><strong>{html.escape(head)}</strong></p>" + (f"<ul>{items}</ul>" if items else "")


def _course_notebook(otter: Any) -> type:
    """``otter.Notebook`` whose ``check`` returns a :class:`CheckResult`."""

    class CourseNotebook(otter.Notebook):
        def check(self, question: str, global_env: dict | None = None) -> CheckResult:
            if global_env is None:  # otter reads the caller's globals; ours are not the student's
                frame = inspect.currentframe()
                global_env = frame.f_back.f_globals if frame is not None and frame.f_back is not None else {}
            return CheckResult(super().check(question, global_env))

    return CourseNotebook


def in_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules


def export_submission(grader: Any, notebook: str) -> str | None:
    """Package the saved notebook for submission and say what to upload.

    On Colab, where a notebook is not a file the kernel can read, it prints how to download
    the ``.ipynb`` instead (File > Download > Download .ipynb). While an instructor grades,
    it does nothing. Elsewhere it writes ``<notebook>_submission.zip`` (notebook + otter's
    check log) with otter's ``grader.export`` and returns its path; if that fails it says to
    submit the saved ``.ipynb`` itself, which the grader accepts as well. Under a Jupyter
    server it exports the notebook the kernel belongs to (even if renamed) and asks JupyterLab
    to save it first.
    """
    notebook_cls = type(grader)
    if getattr(notebook_cls, "_grading_mode", False):
        return None
    if in_colab():
        print(
            "On Colab: save (Ctrl+S), then File > Download > Download .ipynb, and upload that "
            f"file ({notebook}) to your course's submission page."
        )
        return None
    # Jupyter server kernels know their notebook's path (renamed copies included); JupyterLab can
    # also be asked to save it first (otter's force_save, through ipylab)
    session = os.environ.get("JPY_SESSION_NAME", "")
    in_server = session.endswith(".ipynb") and Path(session).is_file()
    path = (
        Path(os.path.relpath(session)) if in_server else Path(notebook)
    )  # relative: the zip keeps no folders
    if not path.is_file():
        print(
            f"Could not find {notebook} in {Path.cwd()}: save the notebook (Ctrl+S) and submit the "
            ".ipynb file itself (the grader accepts a plain .ipynb)."
        )
        return None
    zip_path = str(path.with_name(f"{path.stem}_submission.zip"))
    try:
        grader.export(
            str(path),
            export_path=zip_path,
            pdf=False,
            display_link=False,
            run_tests=False,
            force_save=in_server,
        )
    except Exception as err:
        print(
            f"Export failed ({type(err).__name__}: {err}); submit {notebook} itself instead, after saving it."
        )
        return None
    print(
        f"Saved your submission: {zip_path}. Upload this zip (or {notebook}) to your course's submission page."
    )
    return zip_path
