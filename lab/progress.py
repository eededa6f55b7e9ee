"""Progress bars that work in a terminal, in Jupyter and in CI logs (tqdm.auto)."""

from __future__ import annotations

from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], *, total: int | None = None, desc: str = "", disable: bool = False) -> Iterator[T]:
    """Wrap ``items`` in a tqdm progress bar (a widget in notebooks, text elsewhere)."""
    from tqdm.auto import tqdm

    yield from tqdm(items, total=total, desc=desc, disable=disable, leave=False, dynamic_ncols=True)
