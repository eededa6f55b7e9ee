"""A street sign: vector text and a logo, rasterised at the target resolution."""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from lab.errors import LabTypeError
from lab.optional import opencv
from lab.scenes.base import Scene
from lab.scenes.camera import PixelGrid
from lab.scenes.fields import fbm

cv2 = opencv()

if TYPE_CHECKING:
    import torch

# (text, left x, baseline y, em size, bold) in world units (frame heights)
DEFAULT_LINES: tuple[tuple[str, float, float, float, bool], ...] = (
    ("NATIVE 4K", -0.22, -0.12, 0.15, True),
    ("every pixel rendered, none guessed", -0.22, -0.03, 0.05, False),
    ("Fine print survives only at native resolution: 0123456789", -0.62, 0.13, 0.028, False),
    ("The quick brown fox jumps over the lazy dog. ÆØÅ éèê ß & @ %", -0.62, 0.19, 0.028, False),
    ("Tiny: Sphinx of black quartz, judge my vow. 3.14159 26535 89793", -0.62, 0.24, 0.017, False),
    ("Tinier still: pack my box with five dozen liquor jugs (1 l = 1000 ml)", -0.62, 0.275, 0.011, False),
)


@functools.lru_cache(maxsize=64)
def _glyph_path(text: str, bold: bool):
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    prop = FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")
    return TextPath((0.0, 0.0), text, size=1.0, prop=prop)


def text_mask(grid: PixelGrid, lines: tuple[tuple[str, float, float, float, bool], ...]) -> np.ndarray:
    """Anti-aliased coverage (h, W) uint8 of text ``lines`` on ``grid``.

    Glyph outlines (DejaVu Sans, bundled with matplotlib) are mapped through the camera into
    pixel space, flattened there (so curves stay smooth at any resolution) and filled with
    OpenCV's anti-aliased polygon filler at 1/256 px vertex precision.
    """
    from matplotlib.transforms import Affine2D

    pad = 4  # OpenCV's anti-aliased fill differs near the image border: draw a margin, crop it
    top = grid.row0 - pad
    h, w = grid.height + 2 * pad, grid.width
    mask = np.zeros((h, w), np.uint8)
    inv = np.linalg.inv(grid.A)  # world -> pixel (row0 = 0 of the band)
    shift_b = inv @ grid.b
    for text, x0, y0, size, bold in lines:
        path = _glyph_path(text, bold)
        # glyph units (y up) -> world (y down) -> pixel
        glyph = np.array([[size, 0.0, x0], [0.0, -size, y0], [0.0, 0.0, 1.0]])
        to_pix = np.eye(3)
        to_pix[:2, :2] = inv
        to_pix[:2, 2] = -shift_b - np.array([0.0, top])
        m = to_pix @ glyph
        polys = path.to_polygons(transform=Affine2D(m), width=0, height=0, closed_only=True)
        pts = [np.round(p * 256.0).astype(np.int32) for p in polys if len(p) >= 3]
        if pts:
            cv2.fillPoly(mask, pts, 255, lineType=cv2.LINE_AA, shift=8)
    return mask[pad:-pad]


def _box_cov(
    X: torch.Tensor, Y: torch.Tensor, x0: float, x1: float, y0: float, y1: float, f: float
) -> torch.Tensor:
    """Coverage of an axis-aligned world rectangle (separable box-filtered edges)."""
    cx = ((X - x0) / f + 0.5).clamp(0, 1) * ((x1 - X) / f + 0.5).clamp(0, 1)
    cy = ((Y - y0) / f + 0.5).clamp(0, 1) * ((y1 - Y) / f + 0.5).clamp(0, 1)
    return cx * cy


class Sign(Scene):
    """A blue street sign on a concrete wall: a big title, smaller text, fine print and a logo.

    Text sizes go from 0.2 frame heights down to 0.011 (24 px at 4K, 6 px at 540p, where
    bicubic upscaling cannot make it legible again). ``lines`` replaces the text:
    a tuple of (text, left x, baseline y, em size, bold) in frame heights.
    """

    name = "sign"
    description = "a street sign: vector text (DejaVu Sans outlines) from huge to tiny, and a logo."
    antialiasing = (
        "vector: glyph outlines are transformed to pixels and filled with anti-aliased polygon "
        "edges (OpenCV LINE_AA, 1/256 px vertices); the board and logo are analytic shapes "
        "box-filtered over one pixel; the wall is band-limited fBm."
    )
    defaults: ClassVar[dict[str, Any]] = {"lines": DEFAULT_LINES}
    planes = 16

    def validate_options(self) -> None:
        lines = self.options["lines"]
        if not isinstance(lines, (tuple, list)) or not all(
            isinstance(ln, (tuple, list)) and len(ln) == 5 and isinstance(ln[0], str) for ln in lines
        ):
            raise LabTypeError("option lines must be a tuple of (text, x, y, size, bold) entries")
        self.options["lines"] = tuple(tuple(ln) for ln in lines)

    def shade(self, grid: PixelGrid) -> torch.Tensor:
        import torch

        f = grid.footprint
        dev = grid.device
        X, Y = grid.xy()
        wall = fbm(grid, self.seed, "sign/wall", 0.08, 0.18 * 0.6 ** np.arange(6)[:, None])[0]
        rgb = torch.empty((3, grid.height, grid.width), dtype=torch.float32, device=dev)
        for c, v in enumerate((0.62, 0.60, 0.56)):
            rgb[c] = v * (1.0 + wall)

        def paint(cov: torch.Tensor, colour: tuple[float, float, float]) -> None:
            for c in range(3):
                rgb[c] += cov * (colour[c] - rgb[c])

        paint(_box_cov(X, Y, -0.70, 0.70, -0.40, 0.36, f), (0.06, 0.17, 0.42))
        outer = _box_cov(X, Y, -0.68, 0.68, -0.38, 0.34, f)
        inner = _box_cov(X, Y, -0.672, 0.672, -0.372, 0.332, f)
        paint(outer - inner, (0.95, 0.95, 0.92))
        # logo: a red ring around a yellow disc with a dark diagonal bar
        r = torch.sqrt((X + 0.45) ** 2 + (Y + 0.16) ** 2)
        paint(((0.14 - r) / f + 0.5).clamp(0, 1), (0.97, 0.80, 0.10))
        paint(((0.02 - (r - 0.13).abs()) / f + 0.5).clamp(0, 1), (0.85, 0.10, 0.10))
        bar = ((X + 0.45) - (Y + 0.16)).abs() * math.sqrt(0.5)
        paint(((0.018 - bar) / f + 0.5).clamp(0, 1) * ((0.11 - r) / f + 0.5).clamp(0, 1), (0.08, 0.08, 0.10))
        mask = torch.from_numpy(text_mask(grid, self.options["lines"])).to(dev).float().mul_(1.0 / 255.0)
        paint(mask, (0.98, 0.98, 0.96))
        return rgb.clamp_(0.0, 1.0)
