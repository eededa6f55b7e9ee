"""Each exercise's public checks catch the wrong answers its source lists, and those answers lose points.

The reference solution runs in this process (cell by cell, as a kernel would); at the end of
each question every listed mistake is applied to a copy of the namespace, then the question's
public tests (what ``grader.check`` runs) and hidden tests (kernel part here, the check as the
grader runs it, on plain data) are run on it.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from lab.grading.build import (
    cells_by_question,
    common_mistakes,
    grading_spec,
    parse_source,
    source_tests,
    sources,
)
from lab.grading.hidden_tests import HiddenTest, run_check
from lab.grading.plain_data import decode, encode

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"


def _public_tests(source) -> dict[str, list[tuple[str, str, str]]]:
    """``{question: [(code, failure message, success message), ...]}`` of the public tests."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for test in source_tests(source):
        if not test.hidden:
            out.setdefault(test.question, []).append(
                (
                    test.code,
                    str(test.config.get("failure_message", "")),
                    str(test.config.get("success_message", "")),
                )
            )
    return out


def _run(code: str, namespace: dict) -> str | None:
    """Run code quietly; None if it ran, else the exception's type."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, "<exercise>", "exec"), namespace)
    except Exception as err:
        return type(err).__name__
    return None


def _hidden_points(tests: list[HiddenTest], namespace: dict) -> float:
    points = 0.0
    for test in tests:
        ns = dict(namespace)
        if _run(test.kernel, ns) is not None:
            continue
        values = {name: decode(encode(ns[name])) for name in test.exports}
        points += test.points if run_check(test, values) is None else 0.0
    return points


def _walk(source):
    """Run the solution cell by cell; yield (question, namespace) at each question's end."""
    namespace: dict = {"__name__": "__main__"}
    inside_tests = False
    for question, kind, text in cells_by_question(source):
        head = text.strip().splitlines()[0].strip() if text.strip() else ""
        if kind == "raw" and head == "# END QUESTION":
            yield question, namespace
        elif kind == "raw":
            inside_tests = {"# BEGIN TESTS": True, "# END TESTS": False}.get(head, inside_tests)
        elif kind == "code" and not inside_tests:
            assert _run(text, namespace) is None, f"the reference solution failed in {question or 'set-up'}"


@pytest.mark.parametrize("path", sources(EXERCISES), ids=lambda p: p.stem)
def test_public_checks_catch_the_listed_mistakes_and_they_lose_points(path, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setenv("LAB_SMOKE", "1")
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    try:
        _check_exercise(path)
    finally:
        plt.close("all")  # the exercises plot with pyplot: leave no figure to the next test


def _check_exercise(path: Path) -> None:
    source = parse_source(path)
    mistakes, public = common_mistakes(source), _public_tests(source)
    spec = grading_spec(source)
    hidden = [HiddenTest.from_json(t) for t in spec["tests"]]
    code_questions = {
        q for q, tests in public.items() if not any("answer recorded" in ok for _, _, ok in tests)
    }  # multiple choice excluded
    assert code_questions <= set(mistakes), f"no COMMON MISTAKES for {sorted(code_questions - set(mistakes))}"
    for question, namespace in _walk(source):
        mine = [t for t in hidden if t.question == question]
        assert _hidden_points(mine, namespace) == spec["questions"][question], (
            f"{question}: the solution loses points"
        )
        for public_code, _, _ in public.get(question, []):
            assert _run(public_code, dict(namespace)) is None, f"{question}: the solution fails a public test"
        for why, code in mistakes.get(question, []):
            ns = dict(namespace)
            assert _run(code, ns) is None, f"{question} mistake {why!r} does not run"
            failed = [
                (msg, err) for test, msg, _ in public.get(question, []) if (err := _run(test, dict(ns)))
            ]
            assert failed, f"{question}: no public test catches the mistake {why!r}"
            assert all(msg for msg, _ in failed), f"{question}: a public test catching {why!r} has no hint"
            assert _hidden_points(mine, ns) < spec["questions"][question], (
                f"{question}: {why!r} keeps all its points"
            )
