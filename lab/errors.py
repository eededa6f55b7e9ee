"""Exceptions raised by the library.

Every error is a ``ValueError`` or ``TypeError`` subclass, so plain ``except ValueError``
works, and every message says what was wrong and what to do instead.
"""

from __future__ import annotations


class LabError(ValueError):
    """A bad value given to the library (unknown name, wrong size, corrupt file...)."""


class LabTypeError(TypeError):
    """An argument of the wrong type (a list where a frame array was expected...)."""


class ArgumentTypeError(LabTypeError, LabError):
    """An argument of the wrong type, raised by :mod:`lab.validate`.

    It is both a ``TypeError`` and a ``ValueError``: code that caught either before the checks
    were shared still catches it.
    """


class MemoryBudgetError(LabError):
    """An allocation was refused before it happened because it would not fit in memory."""


def choice_error(kind: str, given: object, accepted: list[str] | tuple[str, ...]) -> LabError:
    """Build the error for an unknown option name, listing the accepted ones.

    >>> str(choice_error("method", "bicubik", ["bicubic", "nearest"]))
    "unknown method 'bicubik'; choose one of: bicubic, nearest"
    """
    return LabError(f"unknown {kind} {given!r}; choose one of: {', '.join(sorted(accepted))}")
