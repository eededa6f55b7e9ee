"""Argument checks shared by the library: one place that says what a count, a number or a choice is.

Each check returns the value converted to a plain Python ``int``, ``float`` or ``str`` (NumPy
scalars are accepted) or raises an error that names the argument, says what was expected and
what arrived:

* a value of the wrong type raises :class:`~lab.errors.ArgumentTypeError`, which is both a
  :class:`~lab.errors.LabTypeError` and a :class:`~lab.errors.LabError`;
* a value of the right type out of range raises :class:`~lab.errors.LabError`.

``bool`` is refused wherever a number is expected: ``True`` is an ``int`` to Python, but a
frame count of ``True`` is a mistake.

>>> positive_int(3, "frames")
3
>>> positive_number(23.976, "fps")
23.976
>>> choice("Bicubic", "method", ["bicubic", "nearest"])
'bicubic'
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from lab.errors import ArgumentTypeError, LabError, choice_error

_INTEGER_TYPES = (int, np.integer)
_NUMBER_TYPES = (int, float, np.integer, np.floating)


def integer(value: object, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an ``int``, checked to lie in ``minimum..maximum`` (either bound may be None).

    >>> integer(-3, "seed")
    -3
    """
    if isinstance(value, bool) or not isinstance(value, _INTEGER_TYPES):
        raise ArgumentTypeError(f"{name} must be an integer, got {value!r}")
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise LabError(f"{name} must be an integer {_bounds(minimum, maximum)}, got {number}")
    return number


def positive_int(value: object, name: str, *, maximum: int | None = None) -> int:
    """``value`` as an ``int`` of at least 1 (and at most ``maximum`` when given).

    >>> positive_int(np.int64(4), "tile")
    4
    """
    if isinstance(value, bool) or not isinstance(value, _INTEGER_TYPES):
        raise ArgumentTypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1 or (maximum is not None and value > maximum):
        raise LabError(f"{name} must be an integer {_bounds(1, maximum)}, got {value!r}")
    return int(value)


def number(value: object, name: str, *, minimum: float | None = None) -> float:
    """``value`` as a finite ``float`` (at least ``minimum`` when given).

    >>> number(0, "sharpen", minimum=0.0)
    0.0
    """
    if isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES):
        raise ArgumentTypeError(f"{name} must be a number, got {value!r}")
    converted = float(value)
    if not math.isfinite(converted):
        raise LabError(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and converted < minimum:
        raise LabError(f"{name} must be at least {minimum:g}, got {value!r}")
    return converted


def positive_number(value: object, name: str, *, unit: str = "") -> float:
    """``value`` as a finite ``float`` above 0 (frames per second, seconds, scale factors);
    ``unit`` ("seconds") names what it counts in the error message.

    >>> positive_number(0, "fps")
    Traceback (most recent call last):
    ...
    lab.errors.LabError: fps must be a positive number, got 0
    """
    expected = f"{name} must be a positive number" + (f" of {unit}" if unit else "")
    if isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES):
        raise ArgumentTypeError(f"{expected}, got {value!r}")
    converted = float(value)
    if not (math.isfinite(converted) and converted > 0):
        raise LabError(f"{expected}, got {value!r}")
    return converted


def choice(value: object, name: str, options: Iterable[str]) -> str:
    """``value`` as one of ``options``, compared without case or surrounding spaces.

    >>> choice("pan ", "motion", ["pan", "zoom", "static"])
    'pan'
    """
    accepted = list(options)
    if not isinstance(value, str):
        raise ArgumentTypeError(
            f"{name} must be a string, one of: {', '.join(sorted(accepted))}; got {value!r}"
        )
    key = value.strip().lower()
    for option in accepted:
        if option.lower() == key:
            return option
    raise choice_error(name, value, accepted)


def _bounds(minimum: float | None, maximum: float | None) -> str:
    """'in 0..51', 'of at least 1' or 'of at most 9': the words for an integer's allowed range."""
    if maximum is None:
        return f"of at least {minimum}"
    if minimum is None:
        return f"of at most {maximum}"
    return f"in {minimum}..{maximum}"
