"""Run-time settings: smoke mode, the compute device and the size tier it affords.

``LAB_SMOKE=1`` shrinks every lesson to thumbnail sizes and a few steps so the whole
course executes in CI in seconds. ``LAB_DEVICE`` forces "cpu" or "cuda".
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from lab.resolution import Resolution, parse


def smoke_mode() -> bool:
    """True when the environment variable ``LAB_SMOKE`` is set to 1/true/yes."""
    return os.environ.get("LAB_SMOKE", "").strip().lower() in {"1", "true", "yes", "on"}


SMOKE_NOTE = (
    "SMOKE MODE (LAB_SMOKE=1): thumbnail sizes and a few frames, so every cell runs in seconds. The numbers "
    "below only show that the cells work; they are not measurements, and some directions the text describes "
    "need the real sizes. Run without LAB_SMOKE to measure."
)


def show_smoke_note() -> None:
    """Print :data:`SMOKE_NOTE` in smoke mode (nothing otherwise): lessons call it above their numbers."""
    if smoke_mode():
        print(SMOKE_NOTE)


def device() -> str:
    """ "cuda" when a CUDA GPU is usable (and not overridden by ``LAB_DEVICE``), else "cpu"."""
    forced = os.environ.get("LAB_DEVICE", "").strip().lower()
    if forced in {"cpu", "cuda"}:
        return forced
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass(frozen=True)
class Tier:
    """Sizes a lesson should use on this machine.

    ``target`` is the "native" output size, ``source`` the low-res size that gets
    upscaled to it (always target / ``factor``), ``frames`` a clip length.
    """

    name: str
    target: Resolution
    source: Resolution
    frames: int

    @property
    def factor(self) -> int:
        """Integer upscale factor target/source."""
        return self.target.width // self.source.width


def tier() -> Tier:
    """Pick sizes for this device: true 4K on CUDA, 1080p on CPU, 256x144 in smoke mode.

    >>> tier().factor
    4
    """
    if smoke_mode():
        return Tier("smoke", Resolution(256, 144), Resolution(64, 36), 4)
    if device() == "cuda":
        return Tier("gpu", parse("4k"), parse("540p"), 48)
    return Tier("cpu", parse("1080p"), Resolution(480, 270), 24)
