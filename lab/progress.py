"""How long work goes on, shown to a person: progress bars (terminal, Jupyter, CI logs) and durations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from lab.errors import LabTypeError

T = TypeVar("T")

StepListener = Callable[[int, int, str], None]
_STEP_LISTENER: ContextVar[StepListener | None] = ContextVar("lab_step_listener", default=None)


@contextmanager
def on_steps(listener: StepListener) -> Iterator[None]:
    """Call ``listener(done, total, what)`` from every :func:`report_step` made inside the block
    (in this thread or task): how a widget sees the steps *inside* one long call, e.g. the
    denoising steps of one diffusion-upscaled frame. The listener may raise (a Cancel) to stop
    the work at that step.

    >>> seen = []
    >>> with on_steps(lambda done, total, what: seen.append((done, total, what))):
    ...     report_step(1, 2, "step")
    >>> seen
    [(1, 2, 'step')]
    """
    token = _STEP_LISTENER.set(listener)
    try:
        yield
    finally:
        _STEP_LISTENER.reset(token)


def report_step(done: int, total: int, what: str) -> None:
    """Tell the listener of :func:`on_steps` (if any) that ``done`` of ``total`` steps of ``what`` are done."""
    listener = _STEP_LISTENER.get()
    if listener is not None:
        listener(done, total, what)


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


def format_seconds(seconds: float) -> str:
    """'12 ms', '1.25 s' or '2 min 5 s'.

    >>> format_seconds(0.0123), format_seconds(1.25), format_seconds(125)
    ('12 ms', '1.25 s', '2 min 5 s')
    """
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    return f"{int(seconds // 60)} min {seconds % 60:.0f} s"


def format_seconds_plain(seconds: float) -> str:
    """'12.3 ms' or '1.23 s': a timing with three significant digits.

    >>> format_seconds_plain(0.01234), format_seconds_plain(1.234)
    ('12.3 ms', '1.23 s')
    """
    return f"{seconds * 1e3:.1f} ms" if seconds < 1.0 else f"{seconds:.2f} s"
