"""Overlapping tiles over a canvas, and the raised-cosine weights that blend them without seams.

A denoiser too large for a whole canvas runs on overlapping tiles; their outputs are added
with weights that ramp down over each overlap (raised cosine) and are divided by the summed
weights, so every pixel's weights add up to one and no tile border shows (:func:`seam_score`
measures it). The texture diffusion model (:mod:`lab.diffusion`) and the hub pipelines
(:mod:`lab.hub`) tile this way.

>>> plan = plan_tiles(64, 96, tile=48, overlap=16)
>>> plan.count, plan.size
(6, (40, 48))
>>> total = np.zeros(plan.canvas)
>>> for (y0, y1, x0, x1), w in zip(plan.boxes(), tile_weights(plan)):
...     total[y0:y1, x0:x1] += w
>>> bool(np.allclose(total, 1.0))                # the weights add up to one at every pixel
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lab.errors import LabError
from lab.validate import integer


@dataclass(frozen=True)
class TilePlan:
    """Where the tiles of a tiled denoiser pass sit on a canvas.

    ``ys``/``xs`` are tile start rows/columns (multiples of the stride), ``size`` the tile
    (height, width) in px. One tile covering the whole canvas means a whole-grid pass.
    """

    canvas: tuple[int, int]
    ys: tuple[int, ...]
    xs: tuple[int, ...]
    size: tuple[int, int]

    @classmethod
    def whole(cls, height: int, width: int) -> TilePlan:
        """One tile covering the whole (height, width) canvas."""
        return cls((height, width), (0,), (0,), (height, width))

    @property
    def count(self) -> int:
        """Number of tiles."""
        return len(self.ys) * len(self.xs)

    @property
    def overhead(self) -> float:
        """Pixels processed / canvas pixels (1.0 = no overlap cost)."""
        return self.count * self.size[0] * self.size[1] / (self.canvas[0] * self.canvas[1])

    def boxes(self) -> list[tuple[int, int, int, int]]:
        """(y0, y1, x0, x1) of every tile, row by row."""
        h, w = self.size
        return [(y, y + h, x, x + w) for y in self.ys for x in self.xs]

    def borders(self, axis: int) -> list[int]:
        """Canvas coordinates where some tile starts or ends along ``axis`` (0 = rows, 1 = columns).

        These are the places where a naive (unblended) tiling would show a seam.
        """
        starts, size, length = (
            (self.ys, self.size[0], self.canvas[0]) if axis == 0 else (self.xs, self.size[1], self.canvas[1])
        )
        edges = {s for s in starts} | {s + size for s in starts}
        return sorted(e for e in edges if 0 < e < length)


def _axis_tiles(length: int, tile: int, overlap: int, stride: int) -> tuple[list[int], int]:
    """Tile starts and tile size along one axis of ``length`` px."""
    if length <= tile:
        return [0], length
    n = math.ceil((length - overlap) / (tile - overlap))
    size = math.ceil((length + (n - 1) * overlap) / n / stride) * stride
    size = min(size, length)
    starts = [int(round(i * (length - size) / (n - 1) / stride)) * stride for i in range(n)]
    starts[-1] = length - size
    return starts, size


def plan_tiles(height: int, width: int, *, tile: int, overlap: int, stride: int = 8) -> TilePlan:
    """Spread overlapping tiles of at most ``tile`` px evenly over a (height, width) canvas.

    The tile count per axis is the smallest that keeps at least ``overlap`` px of overlap;
    tiles are then shrunk to the smallest multiple of ``stride`` that still covers the canvas,
    so the extra work is close to the overlap alone. Starts are multiples of ``stride`` so
    every tile sees the same downsampling grid.

    >>> p = plan_tiles(1080, 1920, tile=512, overlap=32)
    >>> p.count, p.size, round(p.overhead, 3)
    (12, (384, 504), 1.12)
    """
    tile = integer(tile, "tile")
    overlap = integer(overlap, "overlap")
    stride = integer(stride, "stride")
    if height % stride or width % stride:
        raise LabError(f"canvas {width}x{height} must be a multiple of the stride {stride}; pad it first")
    if tile < 2 * stride or tile % stride:
        raise LabError(
            f"tile must be a multiple of the stride {stride} and at least {2 * stride} px, got {tile}"
        )
    if not 0 <= overlap < tile // 2:
        raise LabError(f"overlap must be in [0, tile/2) = [0, {tile // 2}) px, got {overlap}")
    ys, th = _axis_tiles(height, tile, overlap, stride)
    xs, tw = _axis_tiles(width, tile, overlap, stride)
    return TilePlan((height, width), tuple(ys), tuple(xs), (th, tw))


def ramp_weights(starts: Sequence[int], size: int) -> list[np.ndarray]:
    """1-D blend weights (float64) per tile of ``size`` px at ``starts``: raised-cosine ramps over
    each overlap with a neighbour, 1 elsewhere. Over an overlap the two ramps add up to one.

    >>> left, right = ramp_weights([0, 4], 8)
    >>> (left[4:] + right[:4]).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    weights = []
    for i, s in enumerate(starts):
        w = np.ones(size, np.float64)
        if i > 0:
            ov = starts[i - 1] + size - s
            if ov > 0:
                w[:ov] = 0.5 - 0.5 * np.cos(np.pi * (np.arange(ov) + 0.5) / ov)
        if i < len(starts) - 1:
            ov = s + size - starts[i + 1]
            if ov > 0:
                w[size - ov :] = np.minimum(
                    w[size - ov :], 0.5 + 0.5 * np.cos(np.pi * (np.arange(ov) + 0.5) / ov)
                )
        weights.append(w)
    return weights


def tile_weights(plan: TilePlan) -> list[np.ndarray]:
    """2-D float32 blend weights of every tile of ``plan``, row by row (the order of :meth:`TilePlan.boxes`)."""
    th, tw = plan.size
    wy = ramp_weights(plan.ys, th)
    wx = ramp_weights(plan.xs, tw)
    return [np.outer(row, col).astype(np.float32) for row in wy for col in wx]


def seam_score(image: np.ndarray, plan: TilePlan) -> float:
    """How visible the tile borders of ``plan`` are in ``image``: 1.0 means invisible.

    Gradient energy (mean squared difference between neighbouring pixels, on the gray image)
    across the rows/columns where a tile starts or ends, divided by the median of the same
    quantity over all rows/columns. A hard seam makes it large; blended tiles stay near 1.

    >>> img = np.random.default_rng(0).random((128, 128, 3)).astype(np.float32)
    >>> plan = plan_tiles(128, 128, tile=32, overlap=0)
    >>> 0.7 < seam_score(img, plan) < 1.3
    True
    """
    from lab.arrays import to_float

    gray = to_float(image).astype(np.float64)
    if gray.ndim == 3:
        gray = gray.mean(axis=2)
    if gray.shape[:2] != plan.canvas:
        raise LabError(
            f"image is {gray.shape[1]}x{gray.shape[0]} but the tile plan is for {plan.canvas[1]}x{plan.canvas[0]}"
        )
    ratios = []
    for axis in (0, 1):
        borders = plan.borders(axis)
        if not borders:
            continue
        # energy of the step between index e-1 and e, for every e
        diff = np.diff(gray, axis=axis) ** 2
        per_line = diff.mean(axis=1 - axis)  # index e-1 holds the step into line e
        at_borders = per_line[[e - 1 for e in borders]].mean()
        ratios.append(at_borders / max(float(np.median(per_line)), 1e-12))
    if not ratios:
        return 1.0
    return float(max(ratios))


__all__ = ["TilePlan", "plan_tiles", "ramp_weights", "seam_score", "tile_weights"]
