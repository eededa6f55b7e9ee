"""Progress bars that work in a terminal, in Jupyter and in CI logs (tqdm.auto)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from lab.errors import LabTypeError

T = TypeVar("T")


def progress(
    items: Iterable[T], *, total: int | None = None, desc: str = "", disable: bool = False
) -> Iterator[T]:
    """Yield ``items`` unchanged while showing a progress bar (a widget in notebooks, text elsewhere).

    ``total`` is the number of items when ``items`` has no ``len()`` (a generator); ``desc`` labels
    the bar; ``disable=True`` shows nothing. The bar disappears when the loop ends.

    >>> [x * x for x in progress(range(4), desc="squares", disable=True)]
    [0, 1, 4, 9]
    """
    if not hasattr(items, "__iter__"):
        raise LabTypeError(f"progress needs an iterable, got {type(items).__name__}")
    from tqdm.auto import tqdm

    yield from tqdm(items, total=total, desc=desc, disable=disable, leave=False, dynamic_ncols=True)
