"""Graded exercises built on otter-grader: student notebooks, public checks, hidden tests, gradebook.

Workflow (run from the repository root):

1. Authors write ``exercises/NN_name.py`` (percent format, otter's BEGIN QUESTION / SOLUTION /
   TESTS markers in raw cells; see :mod:`lab.grading.build`).
2. ``python -m lab.grading build`` runs ``otter assign`` on each and writes the student
   notebooks to ``lessons/exercises/`` (committed), their public tests to
   ``lab/grading/public_tests/`` (shipped in the package so ``grader.check`` works offline and
   on Colab) and the autograder bundles, with the hidden tests, to ``dist/autograder/``
   (git-ignored; keep them away from students).
3. Students open ``lessons/exercises/<exercise>.ipynb``, answer, run ``grader.check("qN")`` after
   each question (and the :mod:`lab.checks` hints where a cell calls them), and submit the
   saved ``.ipynb`` (or the zip its last cell writes).
4. ``python -m lab.grading grade submissions/ --exercise <exercise> --out gradebook.csv``
   grades every submission in a sandboxed child process, without Docker, into a CSV with the
   points per question, the total and the reason for every lost point.

Public API: :func:`build_exercises` (= :func:`lab.grading.build.build`), :func:`grade_folder`, :func:`grade_submission`,
:func:`otter_notebook`, :func:`public_tests`, :func:`export_submission`, :func:`exercises`.
"""

from __future__ import annotations

from typing import Any

from lab.grading.student import exercises, export_submission, otter_notebook, public_tests

__all__ = [
    "build_exercises",
    "exercises",
    "export_submission",
    "grade_folder",
    "grade_submission",
    "otter_notebook",
    "public_tests",
]


def __getattr__(name: str) -> Any:  # build/grade pull in otter and nbformat: import them on first use
    if name == "build_exercises":
        from lab.grading.build import build

        return build
    if name in ("grade_folder", "grade_submission"):
        from lab.grading import grade

        return getattr(grade, name)
    raise AttributeError(f"module 'lab.grading' has no attribute {name!r}")
