"""The progress bar of a training loop: it counts the steps and shows the running loss."""

from __future__ import annotations

from collections.abc import Iterator


class LossBar:
    """Iterate over ``steps`` step indices with a bar (tqdm.auto) that shows the running loss.

    :meth:`record` takes each step's loss; ``running`` is their exponential moving average
    (each new loss weighs 0.02) and ``history`` keeps every loss. ``mininterval`` is the
    shortest time between redraws in seconds; ``disable=True`` shows nothing.
    """

    def __init__(self, steps: int, desc: str, *, disable: bool = False, mininterval: float = 0.1) -> None:
        # lab.progress yields items only; a training bar also needs set_postfix for the loss
        from tqdm.auto import tqdm

        self._bar = tqdm(
            range(steps), desc=desc, disable=disable, mininterval=mininterval, dynamic_ncols=True
        )
        self.running: float | None = None
        self.history: list[float] = []

    def __iter__(self) -> Iterator[int]:
        return iter(self._bar)

    @property
    def steps_done(self) -> int:
        """Number of losses recorded so far (the steps taken)."""
        return len(self.history)

    @property
    def final(self) -> float:
        """The running loss after the last recorded step (NaN before the first)."""
        return float("nan") if self.running is None else self.running

    def record(self, loss: float) -> None:
        """Add one step's loss to the history and the running mean shown on the bar."""
        self.history.append(loss)
        self.running = loss if self.running is None else 0.98 * self.running + 0.02 * loss
        self._bar.set_postfix(loss=f"{self.running:.4f}", refresh=False)

    def close(self) -> None:
        """Draw the bar a last time and release it."""
        self._bar.close()
