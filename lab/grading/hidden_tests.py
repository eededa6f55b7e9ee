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

Every ``# export`` line also says what shape its value has, and the grader checks that shape
before the check sees a single value: ``# export`` alone is one value (a number, string,
bool or None; a 0-d array counts), ``# export shape=(3, 4)`` is an array or nested list of
exactly that shape (``numpy.shape``). So an empty answer (``[]``, ``np.zeros((0, 1))``) never
reaches an ``all(...)`` or ``np.allclose`` it would pass, and a huge one never costs the
grader more than its shape. A malformed declaration fails the build.
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

_EXPORT = re.compile(r"#\s*export(?:\s+shape=(?P<shape>\(.*\)))?\s*$")
MAX_DIMENSIONS = 8
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
    shapes: tuple[tuple[int, ...], ...]  # declared shape of each export, () for one value

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form for the bundle's grading spec."""
        return {**asdict(self), "exports": list(self.exports), "shapes": [list(s) for s in self.shapes]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HiddenTest:
        """Inverse of :meth:`to_json`; raises :class:`LabError` for a spec without export shapes (an older build)."""
        if "shapes" not in data or len(data["shapes"]) != len(data["exports"]):
            raise LabError(
                "the autograder bundle declares no export shapes: it was built by an older version; "
                "rebuild it with: python -m lab.grading build"
            )
        return cls(
            **{
                **data,
                "exports": tuple(data["exports"]),
                "shapes": tuple(tuple(int(n) for n in s) for s in data["shapes"]),
            }
        )


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
    shapes: list[tuple[int, ...]] = []
    last_export_line = 0
    for stmt in tree.body:
        first, last = stmt.lineno, stmt.end_lineno or stmt.lineno
        marks = [m for i in range(first, last + 1) if (m := _EXPORT.search(lines[i - 1]))]
        if not marks:
            if any(re.search(r"#\s*export\b", lines[i - 1]) for i in range(first, last + 1)):
                raise LabError(
                    f"{where}: a malformed '# export' mark (write '# export' or '# export shape=(3, 4)'): "
                    f"{lines[first - 1].strip()}"
                )
            continue
        if not (
            isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
        ):
            raise LabError(
                f"{where}: a '# export' line must be 'name = expression', got: {lines[first - 1].strip()}"
            )
        exports.append(stmt.targets[0].id)
        shapes.append(_declared_shape(marks[-1].group("shape"), where))
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
    return HiddenTest(
        f"{question}-{number}", question, number, float(points), kernel, tuple(exports), check, tuple(shapes)
    )


def _declared_shape(text: str | None, where: str) -> tuple[int, ...]:
    """The shape a ``# export shape=(...)`` mark declares; () for a plain ``# export``."""
    if text is None:
        return ()
    try:
        shape = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        shape = None
    if (
        type(shape) is not tuple
        or not 1 <= len(shape) <= MAX_DIMENSIONS
        or any(type(n) is not int or n < 0 for n in shape)
    ):
        raise LabError(
            f"{where}: shape={text} is not a tuple of 1 to {MAX_DIMENSIONS} sizes, e.g. shape=(3, 4)"
        )
    return shape


def shape_problem(value: Any, shape: tuple[int, ...]) -> str | None:
    """Why ``value`` does not have the declared ``shape`` (None when it does); never runs student code.

    ``()`` asks for one value: a number, string, bool, None or a 0-d array.
    """
    if shape == ():
        if value is None or type(value) in (bool, int, float, str):
            return None
        if isinstance(value, np.ndarray) and value.ndim == 0:
            return None
        return f"expected a single value, got a {type(value).__name__}"
    if value is None or type(value) in (bool, int, float, str):
        return f"expected shape {shape}, got a single value"
    if not isinstance(value, (list, tuple, np.ndarray)):
        return f"expected shape {shape}, got a {type(value).__name__}"
    try:
        got = tuple(np.shape(value))
    except (ValueError, TypeError, RecursionError, OverflowError, MemoryError):
        return f"expected shape {shape}, got ragged nested lists"
    if got != shape:
        return f"expected shape {shape}, got {got}"
    return None


def run_check(test: HiddenTest, values: dict[str, Any]) -> str | None:
    """Run ``test.check`` in the grader on exported ``values``; None if it passes, else why not."""
    missing = [name for name in test.exports if name not in values]
    if missing:
        return f"{', '.join(missing)} not exported"
    odd = [repr(values[name]) for name in test.exports if isinstance(values[name], NotExportable)]
    if odd:
        return odd[0][:160]
    for name, shape in zip(test.exports, test.shapes, strict=True):  # before any value is looked at
        problem = shape_problem(values[name], shape)
        if problem:
            return f"{name}: {problem}"
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
