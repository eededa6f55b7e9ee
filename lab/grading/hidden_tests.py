"""Hidden tests split in two: what runs on the student's code, and what decides the points.

A hidden test in an exercise source is ordinary Python (otter assign runs it whole against
the reference solution), written in two parts::

    clip_qN = [np.full((2, 3, 3), v, np.uint8) for v in (200, 50, 200)]
    mae_qN = temporal_mae(clip_qN)  # export
    assert abs(mae_qN - 150) < 1e-9

Everything up to the last line marked ``# export`` runs in the student's kernel, inside the
sandbox; only the names assigned on ``# export`` lines leave it, as plain data
(:mod:`lab.grading.plain_data`). Everything after runs in the grader, which sees those names,
``np`` and ``math`` and what it imports itself, never the student's variables: the points are
decided where student code never ran, so patching otter, rewriting test files or returning an
object that equals everything earns nothing. :func:`split` enforces the rule when an exercise
is built.
"""

from __future__ import annotations

import ast
import builtins
import math
import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from lab.errors import LabError
from lab.grading.plain_data import NotExportable

_EXPORT = re.compile(r"#\s*export\s*$")
CHECK_GLOBALS = frozenset({"np", "math"})


@dataclass(frozen=True)
class HiddenTest:
    """One hidden test case: ``kernel`` code and ``exports`` run sandboxed, ``check`` in the grader."""

    id: str  # "q1-2": question and test number (public tests counted too, as otter does)
    question: str
    number: int
    points: float
    kernel: str
    exports: tuple[str, ...]
    check: str

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form for the bundle's grading spec."""
        return {**asdict(self), "exports": list(self.exports)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HiddenTest:
        """Inverse of :meth:`to_json`."""
        return cls(**{**data, "exports": tuple(data["exports"])})


def _loaded_names(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _bound_names(tree: ast.AST) -> set[str]:
    bound = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))
    }
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound


def split(code: str, *, question: str, number: int, points: float, where: str = "hidden test") -> HiddenTest:
    """Split a hidden test's code at its last ``# export`` line; raises :class:`LabError` if malformed."""
    lines = code.splitlines()
    tree = ast.parse(code)
    exports: list[str] = []
    last_export_line = 0
    for stmt in tree.body:
        first, last = stmt.lineno, stmt.end_lineno or stmt.lineno
        if not any(_EXPORT.search(lines[i - 1]) for i in range(first, last + 1)):
            continue
        if not (
            isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
        ):
            raise LabError(
                f"{where}: a '# export' line must be 'name = expression', got: {lines[first - 1].strip()}"
            )
        exports.append(stmt.targets[0].id)
        last_export_line = last
    if not exports:
        raise LabError(
            f"{where}: no '# export' line; mark what the student's code computes, e.g. 'mae_q1 = temporal_mae(x)  # export'"
        )
    kernel = "\n".join(lines[:last_export_line])
    check = "\n".join(lines[last_export_line:]).strip("\n")
    check_tree = ast.parse(check)
    if not any(isinstance(n, ast.Assert) for n in ast.walk(check_tree)):
        raise LabError(f"{where}: nothing after the last '# export' line asserts anything")
    unknown = (
        _loaded_names(check_tree)
        - _bound_names(check_tree)
        - set(exports)
        - CHECK_GLOBALS
        - set(dir(builtins))
    )
    if unknown:
        raise LabError(
            f"{where}: the check after the '# export' lines uses {', '.join(sorted(unknown))}, which "
            "live in the student's kernel; export them or rebuild them in the check"
        )
    return HiddenTest(f"{question}-{number}", question, number, float(points), kernel, tuple(exports), check)


def run_check(test: HiddenTest, values: dict[str, Any]) -> str | None:
    """Run ``test.check`` in the grader on exported ``values``; None if it passes, else why not."""
    missing = [name for name in test.exports if name not in values]
    if missing:
        return f"{', '.join(missing)} not exported"
    odd = [repr(values[name]) for name in test.exports if isinstance(values[name], NotExportable)]
    if odd:
        return odd[0][:160]
    namespace: dict[str, Any] = {"np": np, "math": math, **{name: values[name] for name in test.exports}}
    try:
        exec(
            compile(test.check, f"<hidden test {test.id}>", "exec"), namespace
        )  # instructor code, plain data
    except AssertionError:
        return "wrong value"
    except Exception as err:  # a student's value of the wrong type or shape
        return f"{type(err).__name__}: {str(err).splitlines()[0][:100] if str(err) else ''}".rstrip(": ")
    return None
