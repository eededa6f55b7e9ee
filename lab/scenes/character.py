"""A simple character with an identity (shape, palette, markings) that recurs across shots."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from lab.errors import LabTypeError
from lab.scenes.base import Scene
from lab.scenes.camera import Camera, PixelGrid, Shot, ShotList
from lab.scenes.fields import fbm

if TYPE_CHECKING:
    import torch

RGB = tuple[float, float, float]

_FURS: tuple[RGB, ...] = (
    (0.86, 0.47, 0.16),
    (0.55, 0.56, 0.60),
    (0.30, 0.22, 0.16),
    (0.93, 0.88, 0.76),
    (0.35, 0.45, 0.70),
)
_MARKS: tuple[RGB, ...] = ((0.12, 0.09, 0.07), (0.95, 0.95, 0.93), (0.60, 0.15, 0.12))
_EYES: tuple[RGB, ...] = ((0.20, 0.55, 0.25), (0.30, 0.45, 0.80), (0.75, 0.55, 0.10))


@dataclass(frozen=True)
class Identity:
    """What makes the character recognisable: keep these equal across cuts and it is 'the same one'.

    Colours are RGB in [0, 1]. ``spots`` are (x, y, radius) in body units (used when
    ``markings == 'spots'``); ``marking_count`` is the number of stripes or spots.

    >>> Identity.from_seed(3) == Identity.from_seed(3)
    True
    """

    body: RGB
    belly: RGB
    marking: RGB
    eye: RGB
    markings: str
    marking_count: int
    ears: str
    body_aspect: float
    spots: tuple[tuple[float, float, float], ...]

    @classmethod
    def from_seed(cls, seed: int) -> Identity:
        """The identity drawn for ``seed`` (deterministic)."""
        rng = np.random.default_rng([int(seed), 7])
        body = _FURS[rng.integers(len(_FURS))]
        marking = _MARKS[rng.integers(len(_MARKS))]
        belly = tuple(float(min(1.0, 0.55 * c + 0.45)) for c in body)
        count = int(rng.integers(3, 7))
        kind = "stripes" if rng.random() < 0.5 else "spots"
        spots = tuple(
            (float(rng.uniform(-0.7, 0.6)), float(rng.uniform(-0.6, 0.1)), float(rng.uniform(0.12, 0.22)))
            for _ in range(count)
        )
        return cls(
            body=body,
            belly=belly,  # type: ignore[arg-type]
            marking=marking,
            eye=_EYES[rng.integers(len(_EYES))],
            markings=kind,
            marking_count=count,
            ears="pointed" if rng.random() < 0.5 else "round",
            body_aspect=float(rng.uniform(1.25, 1.6)),
            spots=spots,
        )

    def palette(self) -> dict[str, RGB]:
        """The identity's colours by part name."""
        return {"body": self.body, "belly": self.belly, "marking": self.marking, "eye": self.eye}

    def as_dict(self) -> dict[str, Any]:
        """All identity parameters as a plain dict (for tables and checks)."""
        return asdict(self)


# world layout (frame heights; y down): body centre, body half-height, head centre, head radius
BODY = (0.0, 0.05)
BODY_H = 0.13
HEAD = (0.25, -0.13)
HEAD_R = 0.105
GROUND = 0.30


class Character(Scene):
    """A cat-like character standing on a meadow, with an :class:`Identity` drawn from the seed.

    ``scene.identity`` holds the identity; ``scene.anchors`` gives world points on its parts
    (``body``, ``head``, ``eye``, ``belly``) so a check can read the same part in every shot
    with :meth:`Scene.world_to_pixel`. ``motion='shots'`` frames it wide, in close-up on the
    head, then rolled at medium distance, with hard cuts at 1 s and 2 s.
    """

    name = "character"
    description = "a simple character with an identity (shape, palette, markings) that recurs across shots."
    antialiasing = "analytic: every shape is a distance field box-filtered over one pixel; the meadow is band-limited fBm."
    defaults: ClassVar[dict[str, Any]] = {"identity": None}
    planes = 24

    def validate_options(self) -> None:
        ident = self.options["identity"]
        if ident is None:
            ident = Identity.from_seed(self.seed)
        if not isinstance(ident, Identity):
            raise LabTypeError(f"option identity must be a lab.scenes.Identity, got {type(ident).__name__}")
        self.identity = ident

    def preset(self, motion: str) -> Camera | ShotList:
        if isinstance(motion, str) and motion.strip().lower() == "shots":
            return ShotList(
                (
                    Shot(Camera(center=(0.0, 0.0)), 1.0),
                    Shot(Camera(center=(HEAD[0] + 0.02, HEAD[1]), zoom=3.2, velocity=(-0.01, 0.0)), 1.0),
                    Shot(Camera(center=(0.08, 0.02), zoom=1.8, angle=math.radians(-8.0)), 1.0),
                )
            )
        return super().preset(motion)

    @property
    def anchors(self) -> dict[str, tuple[float, float]]:
        """World points well inside each part (away from markings): body, belly, head, eye."""
        bw = BODY_H * self.identity.body_aspect * 1.45
        return {
            "body": (BODY[0] - 0.75 * bw, BODY[1] + 0.45 * BODY_H),
            "belly": (BODY[0] + 0.02, BODY[1] + 0.095),
            "head": (HEAD[0] - 0.06, HEAD[1] + 0.01),
            "eye": (HEAD[0] + 0.039, HEAD[1] - 0.014),
        }

    def shade(self, grid: PixelGrid) -> torch.Tensor:
        canvas = _Canvas(grid)
        self._paint_background(canvas)
        self._paint_body(canvas)
        self._paint_head(canvas)
        return canvas.rgb.clamp_(0.0, 1.0)

    def _paint_background(self, canvas: _Canvas) -> None:
        """Sky gradient above the horizon, band-limited fBm meadow below."""
        grid, Y, f = canvas.grid, canvas.Y, canvas.footprint
        h, w = grid.height, grid.width
        meadow = fbm(grid, self.seed, "character/meadow", 0.06, 0.3 * 0.7 ** np.arange(7)[:, None])[0]
        ground = ((Y - GROUND) / f + 0.5).clamp(0.0, 1.0).expand(h, w)
        sky_t = (Y + 0.5).clamp(0.0, 1.0).expand(h, w)
        for k, (top, bottom, grass) in enumerate(
            ((0.45, 0.75, 0.30), (0.62, 0.85, 0.52), (0.90, 0.95, 0.18))
        ):
            sky = top + (bottom - top) * sky_t
            canvas.rgb[k] = sky + ground * (grass * (1.0 + meadow) - sky)

    def _paint_body(self, canvas: _Canvas) -> None:
        """Tail, legs, body, its markings and belly (each shape evaluated only on its own pixel box)."""
        ident = self.identity
        bw = BODY_H * ident.body_aspect * 1.45
        red, green, blue = ident.body
        darker = (0.8 * red, 0.8 * green, 0.8 * blue)
        tail = (BODY[0] - bw * 0.9, BODY[1] - 0.02, BODY[0] - bw * 1.25, BODY[1] - 0.2, 0.022)
        box = canvas.region(
            min(tail[0], tail[2]) - 0.03, tail[3] - 0.03, max(tail[0], tail[2]) + 0.03, tail[1] + 0.03
        )
        if box:
            canvas.paint(box, canvas.cover(_capsule(box, *tail)), darker)
        for lx in (-0.6, -0.35, 0.35, 0.6):
            x = BODY[0] + lx * bw
            box = canvas.region(x - 0.04, BODY[1] + 0.01, x + 0.04, GROUND + 0.02)
            if box:
                canvas.paint(
                    box, canvas.cover(_capsule(box, x, BODY[1] + 0.05, x, GROUND - 0.02, 0.03)), darker
                )
        body = canvas.around(BODY[0], BODY[1], bw + 0.01, BODY_H + 0.01)
        if body:
            body_c = canvas.cover(_ellipse(body, BODY[0], BODY[1], bw, BODY_H))
            canvas.paint(body, body_c, ident.body)
            self._paint_markings(canvas, body, body_c, bw)
            belly = (BODY[0] + 0.02, BODY[1] + 0.075, bw * 0.55, BODY_H * 0.45)
            canvas.paint(body, canvas.cover(_ellipse(body, *belly)) * body_c, ident.belly)

    def _paint_markings(self, canvas: _Canvas, body: Box, body_c: torch.Tensor, bw: float) -> None:
        """Stripes on the back or round spots, clipped to the body's coverage ``body_c``."""
        import torch

        ident = self.identity
        u, v = (body[2] - BODY[0]) / bw, (body[3] - BODY[1]) / BODY_H  # body units
        if ident.markings == "stripes":
            period = 1.6 / ident.marking_count
            phase = torch.remainder(u + 0.8, period) - 0.5 * period
            stripe_d = (phase.abs() - 0.22 * period) * bw  # world units
            back = canvas.cover((v - 0.25) * BODY_H)  # stripes on the back only
            canvas.paint(body, canvas.cover(stripe_d) * back * body_c, ident.marking)
            return
        for sx, sy, sr in ident.spots:
            d = torch.sqrt(((u - sx) * bw) ** 2 + ((v - sy) * BODY_H) ** 2) - sr * BODY_H
            canvas.paint(body, canvas.cover(d) * body_c, ident.marking)

    def _paint_head(self, canvas: _Canvas) -> None:
        """Ears (pointed or round), the head with its muzzle, then eyes and nose."""
        ident = self.identity
        hx, hy = HEAD
        for side in (-1.0, 1.0):
            ex = hx + side * 0.06
            box = canvas.around(ex, hy - 0.09, 0.075)
            if not box:
                continue
            if ident.ears == "pointed":
                canvas.paint(
                    box, canvas.cover(_ellipse(box, ex, hy - 0.09, 0.028, 0.065, side * 0.35)), ident.body
                )
                canvas.paint(
                    box, canvas.cover(_ellipse(box, ex, hy - 0.085, 0.014, 0.04, side * 0.35)), ident.marking
                )
            else:
                canvas.paint(box, canvas.cover(_circle(box, ex, hy - 0.085, 0.04)), ident.body)
                canvas.paint(box, canvas.cover(_circle(box, ex, hy - 0.085, 0.022)), ident.marking)
        head = canvas.around(hx, hy, HEAD_R + 0.01)
        if head:
            canvas.paint(head, canvas.cover(_circle(head, hx, hy, HEAD_R)), ident.body)
            canvas.paint(head, canvas.cover(_ellipse(head, hx + 0.01, hy + 0.05, 0.055, 0.035)), ident.belly)
        for side in (-1.0, 1.0):
            self._paint_eye(canvas, hx + 0.045 * side, hy - 0.02)
        box = canvas.around(hx + 0.01, hy + 0.03, 0.02)
        if box:
            canvas.paint(
                box, canvas.cover(_ellipse(box, hx + 0.01, hy + 0.03, 0.012, 0.008)), (0.35, 0.12, 0.14)
            )

    def _paint_eye(self, canvas: _Canvas, ex: float, ey: float) -> None:
        """White, iris, slit pupil and highlight of the eye centred at (ex, ey)."""
        box = canvas.around(ex, ey, 0.03)
        if not box:
            return
        canvas.paint(box, canvas.cover(_circle(box, ex, ey, 0.024)), (0.97, 0.97, 0.95))
        canvas.paint(box, canvas.cover(_circle(box, ex + 0.004, ey, 0.016)), self.identity.eye)
        canvas.paint(box, canvas.cover(_ellipse(box, ex + 0.004, ey, 0.005, 0.013)), (0.03, 0.03, 0.04))
        canvas.paint(box, canvas.cover(_circle(box, ex + 0.008, ey - 0.007, 0.004)), (1.0, 1.0, 1.0))


Box = tuple[slice, slice, "torch.Tensor", "torch.Tensor"]
"""A shape's pixel box: row slice, column slice, and the world x and y of its pixels (broadcastable)."""


class _Canvas:
    """The RGB frame (3, h, W) being painted back to front, with the world coordinates of its pixels."""

    def __init__(self, grid: PixelGrid) -> None:
        import torch

        self.grid = grid
        self.footprint = grid.footprint
        self.X, self.Y = grid.xy()
        self.rgb = torch.empty((3, grid.height, grid.width), dtype=torch.float32, device=grid.device)
        self._inverse = np.linalg.inv(grid.A)

    def region(self, x0: float, y0: float, x1: float, y1: float) -> Box | None:
        """The pixel box covering the world box [x0, x1] x [y0, y1] plus a margin (None if off-grid)."""
        grid = self.grid
        h, w = grid.height, grid.width
        corners = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]]) - grid.b
        pix = corners @ self._inverse.T - np.array([0.0, grid.row0])
        c0, r0 = np.floor(pix.min(0)).astype(int) - 2
        c1, r1 = np.ceil(pix.max(0)).astype(int) + 3
        c0, r0, c1, r1 = max(c0, 0), max(r0, 0), min(c1, w), min(r1, h)
        if c0 >= c1 or r0 >= r1:
            return None
        rs, cs = slice(r0, r1), slice(c0, c1)
        if grid.axis_aligned:
            return rs, cs, self.X[:, cs], self.Y[rs, :]
        return rs, cs, self.X[rs, cs], self.Y[rs, cs]

    def around(self, cx: float, cy: float, rx: float, ry: float | None = None) -> Box | None:
        """The pixel box of a shape centred at (cx, cy) reaching rx (and ry) world units out."""
        ry = rx if ry is None else ry
        return self.region(cx - rx, cy - ry, cx + rx, cy + ry)

    def cover(self, d: torch.Tensor) -> torch.Tensor:
        """Coverage in [0, 1] of a signed distance (world units, negative inside), box-filtered over a pixel."""
        return (0.5 - d / self.footprint).clamp(0.0, 1.0)

    def paint(self, box: Box, coverage: torch.Tensor, colour: RGB) -> None:
        """Blend ``colour`` over the box's pixels by ``coverage``."""
        rs, cs = box[0], box[1]
        for k in range(3):
            dst = self.rgb[k, rs, cs]
            dst += coverage * (colour[k] - dst)


def _circle(box: Box, cx: float, cy: float, r: float) -> torch.Tensor:
    """Signed distance to a circle (world units)."""
    import torch

    Xs, Ys = box[2], box[3]
    return torch.sqrt((Xs - cx) ** 2 + (Ys - cy) ** 2) - r


def _ellipse(box: Box, cx: float, cy: float, a: float, b: float, angle: float = 0.0) -> torch.Tensor:
    """Approximate signed distance to an ellipse with half-axes a, b turned by ``angle`` radians."""
    import torch

    Xs, Ys = box[2], box[3]
    c, s = math.cos(angle), math.sin(angle)
    u, v = (Xs - cx) * c + (Ys - cy) * s, -(Xs - cx) * s + (Ys - cy) * c
    return (torch.sqrt((u / a) ** 2 + (v / b) ** 2) - 1.0) * min(a, b)


def _capsule(box: Box, x0: float, y0: float, x1: float, y1: float, r: float) -> torch.Tensor:
    """Signed distance to a capsule: the segment (x0, y0)-(x1, y1) thickened by r."""
    import torch

    Xs, Ys = box[2], box[3]
    dx, dy = x1 - x0, y1 - y0
    t = (((Xs - x0) * dx + (Ys - y0) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0)
    return torch.sqrt((Xs - x0 - t * dx) ** 2 + (Ys - y0 - t * dy) ** 2) - r
