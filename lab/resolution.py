"""Resolutions: named tiers, parsing, pixel and byte counts (the memory guard is :mod:`lab.memory`).

A :class:`Resolution` is a plain value object (no torch needed). Sizes are width x height
in pixels, as video people write them ("3840x2160"), while arrays are (H, W, 3).

>>> r = parse("4k")
>>> r.width, r.height, r.pixels
(3840, 2160, 8294400)
>>> parse("1080p").pixels * 4 == r.pixels
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from lab import validate
from lab.errors import LabError, LabTypeError

# The memory guard moved to lab.memory; importing it from here keeps working for callers not yet moved.

# Named tiers, smallest first. 4K means UHD (the consumer/TV standard); DCI 4K is cinema.
TIERS: dict[str, tuple[int, int]] = {
    "540p": (960, 540),
    "720p": (1280, 720),
    "1080p": (1920, 1080),
    "1440p": (2560, 1440),
    "4k": (3840, 2160),
    "dci4k": (4096, 2160),
    "8k": (7680, 4320),
}
# Other spellings accepted by :func:`parse`, mapped to a tier name.
ALIASES: dict[str, str] = {
    "qhd": "540p",
    "hd": "720p",
    "fhd": "1080p",
    "fullhd": "1080p",
    "2k": "1440p",
    "qhd1440": "1440p",
    "uhd": "4k",
    "4kuhd": "4k",
    "uhd4k": "4k",
    "2160p": "4k",
    "4kdci": "dci4k",
    "dci": "dci4k",
    "8kuhd": "8k",
    "uhd8k": "8k",
    "4320p": "8k",
}
_WXH = re.compile(r"^\s*(\d+)\s*[x×*,]\s*(\d+)\s*$", re.IGNORECASE)
_HEIGHT_P = re.compile(r"^(\d+)p$")  # "270p": 16:9 with this height (width rounded to even)
MAX_SIDE = 16384  # larger sides are refused: no codec or GPU texture path handles them


@dataclass(frozen=True, order=True)
class Resolution:
    """A frame size in pixels. ``name`` is the tier name when it matches one ("4k").

    >>> Resolution(1920, 1080).name
    '1080p'
    """

    width: int
    height: int
    name: str = ""

    def __post_init__(self) -> None:
        for side, value in (("width", self.width), ("height", self.height)):
            value = validate.integer(value, f"{side} (pixels)")
            if value <= 0:
                raise LabError(f"{side} must be positive, got {value}")
            if value > MAX_SIDE:
                raise LabError(f"{side} {value} px is over the {MAX_SIDE} px limit; use a smaller size")
        object.__setattr__(self, "width", int(self.width))
        object.__setattr__(self, "height", int(self.height))
        if not self.name:
            tier = next((n for n, wh in TIERS.items() if wh == (self.width, self.height)), "")
            object.__setattr__(self, "name", tier)

    def __str__(self) -> str:
        return f"{self.width}x{self.height}" + (f" ({self.name})" if self.name else "")

    @property
    def shape(self) -> tuple[int, int, int]:
        """Array shape (H, W, 3) of one RGB frame."""
        return (self.height, self.width, 3)

    @property
    def pixels(self) -> int:
        """Pixel count W*H."""
        return self.width * self.height

    @property
    def megapixels(self) -> float:
        """Pixel count in millions."""
        return self.pixels / 1e6

    @property
    def aspect(self) -> float:
        """Width / height."""
        return self.width / self.height

    def frame_bytes(self, dtype: str | np.dtype = "uint8", channels: int = 3) -> int:
        """Bytes of one frame in ``dtype`` (uint8 RGB at 4K: 24,883,200 B).

        >>> Resolution(3840, 2160).frame_bytes("float32")
        99532800
        """
        return self.pixels * channels * np.dtype(dtype).itemsize

    def clip_bytes(self, frames: int, dtype: str | np.dtype = "uint8", channels: int = 3) -> int:
        """Bytes of ``frames`` frames held together in memory."""
        if frames < 0:
            raise LabError(f"frame count must be >= 0, got {frames}")
        return frames * self.frame_bytes(dtype, channels)

    def scaled(self, factor: float) -> Resolution:
        """This size times ``factor``, rounded to whole pixels (540p.scaled(4) == 4k)."""
        if not factor > 0:
            raise LabError(f"scale factor must be positive, got {factor}")
        return Resolution(max(1, round(self.width * factor)), max(1, round(self.height * factor)))

    def is_even(self) -> bool:
        """True when both sides are even, as H.264 with yuv420p requires."""
        return self.width % 2 == 0 and self.height % 2 == 0


def parse(spec: str | Resolution | tuple[int, int]) -> Resolution:
    """Parse "4k", "UHD", "1080p", "3840x2160", a (width, height) tuple or a Resolution.

    Any other "<height>p" means 16:9 at that height with the width rounded to an even
    number ("270p" is 480x270, "480p" is 854x480). Unknown names raise
    :class:`LabError` listing every accepted name.

    >>> parse("270p")
    Resolution(width=480, height=270, name='270p')

    >>> parse("UHD") == parse("3840x2160")
    True
    >>> parse((1280, 720)).name
    '720p'
    """
    if isinstance(spec, Resolution):
        return spec
    if isinstance(spec, tuple) and len(spec) == 2:
        return Resolution(*spec)
    if not isinstance(spec, str):
        raise LabTypeError(f"resolution must be a string like '4k' or '3840x2160', got {spec!r}")
    key = re.sub(r"[\s_\-]", "", spec.strip().lower())
    key = ALIASES.get(key, key)
    if key in TIERS:
        return Resolution(*TIERS[key], name=key)
    match = _WXH.match(spec)
    if match:
        return Resolution(int(match.group(1)), int(match.group(2)))
    match = _HEIGHT_P.match(key)
    if match and int(match.group(1)) > 0:
        height = int(match.group(1))
        return Resolution(2 * round(height * 8 / 9), height, name=key)
    accepted = ", ".join(list(TIERS) + ["HEIGHTp for 16:9 (e.g. 270p)", "WIDTHxHEIGHT (e.g. 3840x2160)"])
    raise LabError(f"unknown resolution {spec!r}; use one of: {accepted}")
