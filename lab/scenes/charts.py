"""Test charts: the zone plate (aliasing) and a slanted edge (MTF50 sharpness)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

from lab.scenes.base import Scene, check_option
from lab.scenes.camera import PixelGrid
from lab.scenes.fields import edge_coverage

if TYPE_CHECKING:
    import torch


class ZonePlate(Scene):
    """The classic zone plate ``0.5 + 0.5 cos(pi k r^2)``: a chirp whose local frequency is ``k r``
    cycles per frame height at radius ``r`` from the world origin.

    With the default ``k=1000`` the chirp stays under Nyquist everywhere in a 4K frame (0.42
    cycles/px in the corners) but passes it beyond r = 0.27 at 1080p and r = 0.135 at 540p, where
    point sampling folds it into false rings (moire). That is the lesson, so by default this
    scene is **not** band-limited; ``antialias=True`` fades the chirp to grey before Nyquist.

    >>> from lab.scenes import get
    >>> get("zoneplate", k=200).options["k"]
    200
    """

    name = "zoneplate"
    description = "zone plate chirp cos(pi k r^2): the classic aliasing test (moire rings at low resolution)."
    antialiasing = (
        "none by default: point-sampled on purpose, so frequencies above Nyquist alias into moire rings; "
        "antialias=True fades the chirp from 0.25 to 0.5 cycles/pixel of local frequency."
    )
    defaults: ClassVar[dict[str, Any]] = {"k": 1000.0, "antialias": False}
    planes = 10

    def validate_options(self) -> None:
        check_option(self.options["k"], "k", 1.0, 1e6)
        if not isinstance(self.options["antialias"], bool):
            from lab.errors import LabTypeError

            raise LabTypeError(f"option antialias must be True or False, got {self.options['antialias']!r}")

    def shade(self, grid: PixelGrid) -> torch.Tensor:
        import torch

        k = float(self.options["k"])
        X, Y = grid.xy()
        r2 = X * X + Y * Y
        wave = torch.cos((math.pi * k) * r2)
        if self.options["antialias"]:
            f_px = torch.sqrt(r2) * (k * grid.footprint)  # local frequency, cycles/pixel
            t = ((f_px - 0.25) / 0.25).clamp_(0.0, 1.0)
            wave = wave * (1.0 - t * t * (3.0 - 2.0 * t))
        gray = (0.5 + 0.5 * wave).expand(grid.height, grid.width)
        return gray.unsqueeze(0).expand(3, -1, -1).contiguous()


class SlantedEdge(Scene):
    """A dark/light edge through the world origin, tilted ``angle`` degrees from vertical, for MTF50.

    The render is what an ideal sensor with square pixels sees: every pixel holds the exact
    fraction of its square covered by the light side, so the edge spread function of the
    native render is the pixel box itself (MTF50 about 0.6 cycles/pixel).
    """

    name = "edge"
    description = "a slanted (5 degree) dark/light edge for slanted-edge MTF50 sharpness."
    antialiasing = "exact: each pixel is the area of its square on the light side (box filter)."
    defaults: ClassVar[dict[str, Any]] = {"angle": 5.0, "dark": 0.2, "light": 0.8}
    planes = 8

    def validate_options(self) -> None:
        check_option(self.options["angle"], "angle", -45.0, 45.0)
        check_option(self.options["dark"], "dark", 0.0, 1.0)
        check_option(self.options["light"], "light", 0.0, 1.0)

    def shade(self, grid: PixelGrid) -> torch.Tensor:
        a = math.radians(float(self.options["angle"]))
        X, Y = grid.xy()
        nx, ny = math.cos(a), -math.sin(a)  # normal of the edge x = y tan(a), light side positive
        d = X * nx + Y * ny
        roll = math.atan2(grid.A[1, 0], grid.A[0, 0])  # camera roll: the normal's angle in pixels
        light = edge_coverage(-d, grid.footprint, -a - roll)
        lo, hi = float(self.options["dark"]), float(self.options["light"])
        gray = (lo + (hi - lo) * light).expand(grid.height, grid.width)
        return gray.unsqueeze(0).expand(3, -1, -1).contiguous()
