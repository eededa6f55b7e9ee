"""Rectangles in frame pixels: the crops behind the loupe, the wipe and the CLI's zoom images.

One convention: a box is ``(x0, y0, x1, y1)`` in pixels, ``x1`` and ``y1`` exclusive, so
``frame[y0:y1, x0:x1]`` is its content and ``x1 - x0`` its width. :func:`clamp_box` is the one
place a box is centred on a pixel and kept inside a frame; :func:`crop_box` gives the same box
as ``(x0, y0, width, height)`` for the CLI's zoom crops, which take a size.

>>> clamp_box(100, 50, 2, 48, 20, 10)
(0, 40, 20, 50)
"""

from __future__ import annotations

import math

from lab.resolution import Resolution

Box = tuple[int, int, int, int]


def clamp_box(width: int, height: int, x: float, y: float, box_w: int, box_h: int) -> Box:
    """(x0, y0, x1, y1) of a ``box_w`` x ``box_h`` px box centred on pixel (x, y), shifted to
    stay inside a ``width`` x ``height`` px frame (and shrunk if the frame is smaller).

    An odd-sized box has pixel (x, y) in its middle; an even-sized one has it just right of
    (below) the middle.

    >>> clamp_box(100, 50, 9, 9, 5, 5)
    (7, 7, 12, 12)
    >>> clamp_box(10, 5, 0, 0, 64, 64)
    (0, 0, 10, 5)
    """
    box_w, box_h = max(1, min(int(box_w), width)), max(1, min(int(box_h), height))
    x0 = min(max(math.floor(x - box_w / 2 + 0.5), 0), width - box_w)
    y0 = min(max(math.floor(y - box_h / 2 + 0.5), 0), height - box_h)
    return x0, y0, x0 + box_w, y0 + box_h


def crop_box(res: Resolution, side: int, centre: tuple[int, int] | None = None) -> Box:
    """(x0, y0, width, height) of a ``side`` x ``side`` px crop around ``centre`` (x, y) in
    pixels, the frame's middle by default, kept inside the frame: :func:`clamp_box` in size form.

    >>> crop_box(Resolution(320, 180), 128)
    (96, 26, 128, 128)
    >>> crop_box(Resolution(320, 180), 64, centre=(310, 5))
    (256, 0, 64, 64)
    """
    cx, cy = centre if centre is not None else (res.width // 2, res.height // 2)
    x0, y0, x1, y1 = clamp_box(res.width, res.height, cx, cy, side, side)
    return x0, y0, x1 - x0, y1 - y0
