"""Cameras, shot lists and pixel grids: how a continuous scene meets a pixel raster.

World coordinates are resolution independent: at zoom 1 the frame is **1 world unit tall**
and ``aspect`` units wide, centred on the camera centre; world *y* points down, as in images.
Pixel ``(i, j)`` (column, row) has its centre at ``(i + 0.5, j + 0.5)`` in pixel units, so a
frame of height ``H`` maps pixel offsets to world offsets by ``R(angle) / (zoom * H)``:

    world = center + R(angle) @ ((i + 0.5 - W/2) / H, (j + 0.5 - H/2) / H) / zoom

That affine map is all a scene needs to render, and composing the maps of two times gives the
exact motion (flow) of every world-static point between them.

>>> cam = Camera(velocity=(0.1, 0.0))
>>> from lab.resolution import Resolution
>>> A, b = cam.pixel_to_world(Resolution(160, 90), 1.0)
>>> round(float(b[0] - Camera().pixel_to_world(Resolution(160, 90), 0.0)[1][0]), 6)
0.1
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from lab import validate
from lab.errors import LabError, LabTypeError
from lab.resolution import Resolution

if TYPE_CHECKING:
    import torch


def check_time(t: float, what: str = "t") -> float:
    """Validate a time in seconds: a finite number >= 0. Returns it as float."""
    t = validate.number(t, what)
    if t < 0:
        raise LabError(f"{what} must be >= 0 seconds, got {t}")
    return t


@dataclass(frozen=True)
class Camera:
    """A camera moving along an analytic path (all parameters in world units and seconds).

    Parameters
    ----------
    center : (x, y)
        World point at the frame centre at t = 0 (frame heights; y points down).
    velocity : (vx, vy)
        Pan speed in frame heights (world units) per second.
    zoom : float
        Magnification at t = 0 (1 = the frame is 1 world unit tall; 2 = half a unit).
    zoom_rate : float
        Exponential zoom speed, 1/s: ``zoom(t) = zoom * exp(zoom_rate * t)``.
    angle : float
        Roll at t = 0 in radians (the content appears turned by ``-angle``).
    spin : float
        Roll speed in radians per second.

    >>> Camera(zoom=2).zoom_at(0.0)
    2.0
    """

    center: tuple[float, float] = (0.0, 0.0)
    velocity: tuple[float, float] = (0.0, 0.0)
    zoom: float = 1.0
    zoom_rate: float = 0.0
    angle: float = 0.0
    spin: float = 0.0

    def __post_init__(self) -> None:
        for name in ("center", "velocity"):
            value = getattr(self, name)
            if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
                raise LabTypeError(f"camera {name} must be a pair (x, y), got {value!r}")
            object.__setattr__(self, name, (validate.number(value[0], name), validate.number(value[1], name)))
        for name in ("zoom", "zoom_rate", "angle", "spin"):
            object.__setattr__(self, name, validate.number(getattr(self, name), f"camera {name}"))
        if self.zoom <= 0:
            raise LabError(f"camera zoom must be positive, got {self.zoom}")

    # --- the path ------------------------------------------------------------------------
    def center_at(self, t: float) -> tuple[float, float]:
        """World point at the frame centre at time ``t`` (s)."""
        return (self.center[0] + self.velocity[0] * t, self.center[1] + self.velocity[1] * t)

    def zoom_at(self, t: float) -> float:
        """Magnification at time ``t`` (s)."""
        return self.zoom * math.exp(self.zoom_rate * t)

    def angle_at(self, t: float) -> float:
        """Roll in radians at time ``t`` (s)."""
        return self.angle + self.spin * t

    def pixel_to_world(self, res: Resolution, t: float) -> tuple[np.ndarray, np.ndarray]:
        """The affine map pixel index (i, j) -> world (x, y) at time ``t``, as float64 ``(A, b)``.

        ``world = A @ (i, j) + b``; ``A`` is 2x2, ``b`` the world point of pixel (0, 0)'s centre.
        """
        cx, cy = self.center_at(t)
        theta = self.angle_at(t)
        scale = 1.0 / (self.zoom_at(t) * res.height)
        c, s = math.cos(theta), math.sin(theta)
        A = np.array([[c, -s], [s, c]], dtype=np.float64) * scale
        offset = np.array([0.5 - res.width / 2.0, 0.5 - res.height / 2.0])
        b = np.array([cx, cy]) + A @ offset
        return A, b

    @property
    def axis_aligned(self) -> bool:
        """True when the camera never rolls (pixel rows stay world rows: separable rendering)."""
        return self.angle == 0.0 and self.spin == 0.0


@dataclass(frozen=True)
class Shot:
    """One shot of a sequence: a camera path held for ``duration`` seconds (its own clock starts at 0)."""

    camera: Camera
    duration: float

    def __post_init__(self) -> None:
        if not isinstance(self.camera, Camera):
            raise LabTypeError(f"a shot needs a Camera, got {type(self.camera).__name__}")
        d = validate.number(self.duration, "shot duration")
        if d <= 0:
            raise LabError(f"shot duration must be positive seconds, got {d}")
        object.__setattr__(self, "duration", d)


@dataclass(frozen=True)
class ShotList:
    """A multi-shot sequence with hard cuts. The last shot holds forever after its start.

    Flow across a cut is undefined (a different camera, possibly a different view): the
    scene reports NaN there; :attr:`cuts` lists the cut times in seconds.

    >>> shots = ShotList([Shot(Camera(), 1.0), Shot(Camera(zoom=3), 1.0)])
    >>> shots.cuts, shots.shot_index(1.5)
    ([1.0], 1)
    """

    shots: tuple[Shot, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        shots = tuple(self.shots)
        if not shots:
            raise LabError("a ShotList needs at least one Shot")
        for s in shots:
            if not isinstance(s, Shot):
                raise LabTypeError(f"ShotList items must be Shot(camera, duration), got {type(s).__name__}")
        object.__setattr__(self, "shots", shots)

    @property
    def cuts(self) -> list[float]:
        """Times (s) at which a new shot starts (the first shot's start, 0, is not a cut)."""
        out, start = [], 0.0
        for s in self.shots[:-1]:
            start += s.duration
            out.append(start)
        return out

    def shot_index(self, t: float) -> int:
        """Index of the shot showing at time ``t`` (a cut time belongs to the new shot)."""
        for i, cut in enumerate(self.cuts):
            if t < cut:
                return i
        return len(self.shots) - 1

    def local(self, t: float) -> tuple[Camera, float]:
        """(camera, time since its shot started) at global time ``t``."""
        i = self.shot_index(t)
        start = ([0.0] + self.cuts)[i]
        return self.shots[i].camera, t - start

    def pixel_to_world(self, res: Resolution, t: float) -> tuple[np.ndarray, np.ndarray]:
        """The pixel -> world affine map of the shot showing at ``t`` (see :meth:`Camera.pixel_to_world`)."""
        cam, local_t = self.local(t)
        return cam.pixel_to_world(res, local_t)

    @property
    def axis_aligned(self) -> bool:
        """True when no shot rolls its camera."""
        return all(s.camera.axis_aligned for s in self.shots)


def make_shots(shots: Sequence[tuple[Camera, float]] | ShotList) -> ShotList:
    """Build a :class:`ShotList` from ``[(camera, duration_s), ...]`` (or pass one through)."""
    if isinstance(shots, ShotList):
        return shots
    if not isinstance(shots, (list, tuple)):
        raise LabTypeError(f"shots must be a list of (Camera, duration_s) pairs, got {type(shots).__name__}")
    return ShotList(tuple(s if isinstance(s, Shot) else Shot(*s) for s in shots))


def affine_flow(
    res: Resolution,
    first: tuple[np.ndarray, np.ndarray],
    second: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Exact flow (H, W, 2) float32 px of world-static points between two pixel->world maps.

    A point seen at pixel p under ``first`` is seen at ``second``'s inverse of ``first(p)``.
    """
    A0, b0 = first
    A1, b1 = second
    inv = np.linalg.inv(A1)
    M = inv @ A0 - np.eye(2)  # flow(p) = (A1^-1 A0 - I) p + A1^-1 (b0 - b1)
    c = inv @ (b0 - b1)
    i = np.arange(res.width, dtype=np.float64)
    j = np.arange(res.height, dtype=np.float64)[:, None]
    out = np.empty((res.height, res.width, 2), np.float32)
    out[..., 0] = M[0, 0] * i + M[0, 1] * j + c[0]
    out[..., 1] = M[1, 0] * i + M[1, 1] * j + c[1]
    return out


# --- motion presets -----------------------------------------------------------------------
MOTIONS: dict[str, str] = {
    "static": "a fixed camera",
    "pan": "a steady pan to the right and slightly down (0.08 frame heights per second)",
    "subpixel": "a slow drift of about 0.37 px per frame at 1080p and 24 fps (sub-pixel motion)",
    "zoom": "a steady exponential zoom-in about the frame centre (x1.22 per second)",
    "rotate": "a camera roll of 6 degrees per second about the frame centre",
    "shots": "three shots with hard cuts at 1 s and 2 s: wide, close-up with a pan, rolled medium",
}


def preset(motion: str, *, center: tuple[float, float] = (0.0, 0.0), zoom: float = 1.0) -> Camera | ShotList:
    """The camera path for a named ``motion`` around a scene's ``center`` and ``zoom``.

    >>> preset("pan").velocity
    (0.08, 0.02)
    """
    from lab.errors import choice_error

    if not isinstance(motion, str):
        raise LabTypeError(f"motion must be a string such as 'pan', got {motion!r}")
    key = motion.strip().lower()
    if key == "static":
        return Camera(center=center, zoom=zoom)
    if key == "pan":
        return Camera(center=center, zoom=zoom, velocity=(0.08, 0.02))
    if key == "subpixel":
        # 0.37 px per frame at 1080p, 24 fps, diagonal
        step = 0.37 / 1080.0 * 24.0 / zoom
        return Camera(center=center, zoom=zoom, velocity=(step * 0.8, step * 0.6))
    if key == "zoom":
        return Camera(center=center, zoom=zoom, zoom_rate=0.2)
    if key == "rotate":
        return Camera(center=center, zoom=zoom, spin=math.radians(6.0))
    if key == "shots":
        cx, cy = center
        return ShotList(
            (
                Shot(Camera(center=(cx, cy), zoom=zoom), 1.0),
                Shot(Camera(center=(cx + 0.05, cy - 0.04), zoom=zoom * 3.0, velocity=(0.03, 0.0)), 1.0),
                Shot(Camera(center=(cx - 0.1, cy + 0.02), zoom=zoom * 1.6, angle=math.radians(-8.0)), 1.0),
            )
        )
    raise choice_error("motion", motion, list(MOTIONS))


# --- pixel grids --------------------------------------------------------------------------
@dataclass(frozen=True)
class PixelGrid:
    """The pixels a scene is asked to fill: rows ``[row0, row1)`` of a ``resolution`` frame.

    ``A`` and ``b`` map pixel indices to world coordinates (float64). Scenes read world
    coordinates through :meth:`xy`, which returns broadcastable tensors: ``(1, W)`` and
    ``(h, 1)`` when the map is axis aligned (separable, cheap), else full ``(h, W)``.

    ``lod_bias`` is graphics' texture level-of-detail bias, in octaves: scenes band-limit
    to a footprint of ``2**lod_bias`` pixels. 0 keeps everything under this grid's Nyquist
    limit; -2 draws the detail of a grid 4x finer, which these pixels then point-sample
    (it aliases, and shimmers under motion).
    """

    resolution: Resolution
    A: np.ndarray
    b: np.ndarray
    row0: int
    row1: int
    device: str = "cpu"
    lod_bias: float = 0.0

    @property
    def height(self) -> int:
        """Rows in this grid (a band when tiled)."""
        return self.row1 - self.row0

    @property
    def width(self) -> int:
        """Columns in this grid."""
        return self.resolution.width

    @property
    def axis_aligned(self) -> bool:
        """True when pixel rows are world rows (no roll)."""
        return self.A[0, 1] == 0.0 and self.A[1, 0] == 0.0

    @property
    def footprint(self) -> float:
        """World units the scene's anti-aliasing filters over: one pixel's side times ``2**lod_bias``."""
        return float(math.sqrt(abs(np.linalg.det(self.A)))) * 2.0**self.lod_bias

    def world_1d(self) -> tuple[np.ndarray, np.ndarray]:
        """Axis-aligned grids only: world x of each column (W,) and world y of each row (h,), float64."""
        i = np.arange(self.width, dtype=np.float64)
        j = np.arange(self.row0, self.row1, dtype=np.float64)
        return self.A[0, 0] * i + self.b[0], self.A[1, 1] * j + self.b[1]

    def xy(self, origin: tuple[float, float] = (0.0, 0.0)) -> tuple[torch.Tensor, torch.Tensor]:
        """World coordinates minus ``origin`` as float32 tensors (broadcastable to (h, W)).

        Subtracting a nearby ``origin`` (in float64, before the cast) keeps float32 precise.
        """
        import torch

        if self.axis_aligned:
            x, y = self.world_1d()
            X = torch.from_numpy((x - origin[0]).astype(np.float32)).to(self.device)[None, :]
            Y = torch.from_numpy((y - origin[1]).astype(np.float32)).to(self.device)[:, None]
            return X, Y
        # general affine: build from 1D pieces (exact in float64 for the constants)
        i = torch.arange(self.width, dtype=torch.float32, device=self.device)[None, :]
        j = torch.arange(self.height, dtype=torch.float32, device=self.device)[:, None]
        bx = self.b[0] + self.A[0, 1] * self.row0 - origin[0]
        by = self.b[1] + self.A[1, 1] * self.row0 - origin[1]
        X = (float(self.A[0, 0]) * i + float(bx)) + float(self.A[0, 1]) * j
        Y = (float(self.A[1, 0]) * i + float(by)) + float(self.A[1, 1]) * j
        return X, Y

    def lattice_coords(self, spacing: float) -> tuple[np.ndarray, np.ndarray]:
        """Pixel -> lattice coordinates ``world / spacing`` as an affine map of band pixels.

        Returns ``(a, c)`` float64 with ``(u, v) = a @ (i, j - row0) + c``.
        """
        a = self.A / spacing
        c = (self.b + self.A[:, 1] * self.row0) / spacing
        return a, c
