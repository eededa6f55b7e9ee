"""The :class:`Scene` base class: a continuous picture f(world x, world y, t) seen by a camera."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from lab import validate
from lab.errors import LabError, LabTypeError
from lab.resolution import Resolution, parse
from lab.scenes.camera import (
    Camera,
    PixelGrid,
    ShotList,
    affine_flow,
    check_time,
    make_shots,
    preset,
)

if TYPE_CHECKING:
    import torch


class Scene:
    """A procedural scene: world-static content, a seed, and a camera path.

    Subclasses set ``name``, ``description``, ``antialiasing`` (how the render is band-limited),
    ``defaults`` (their options) and implement :meth:`shade`. Everything in the world is
    static, so the motion between two times is the camera's alone and :meth:`flow` is exact.

    Parameters
    ----------
    seed : int
        Chooses the random content (same seed, same picture).
    motion : str
        A camera preset (see ``lab.scenes.MOTIONS``), ignored when ``camera`` or ``shots`` is given.
    camera : Camera, optional
        A custom camera path.
    shots : list of (Camera, duration_s) or ShotList, optional
        A multi-shot sequence with cuts.
    **options
        Scene-specific options (see the scene's ``defaults``).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    antialiasing: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}
    framing: ClassVar[tuple[tuple[float, float], float]] = ((0.0, 0.0), 1.0)  # (center, zoom) of presets
    planes: ClassVar[int] = 24  # float32 full-frame planes alive at peak, for the memory guard

    def __init__(
        self,
        *,
        seed: int = 0,
        motion: str = "static",
        camera: Camera | None = None,
        shots: Sequence[tuple[Camera, float]] | ShotList | None = None,
        **options: Any,
    ) -> None:
        seed = validate.integer(seed, "seed", minimum=0)
        unknown = sorted(set(options) - set(self.defaults))
        if unknown:
            accepted = ", ".join(sorted(self.defaults)) or "none"
            raise LabError(f"scene {self.name!r} has no option {unknown[0]!r}; its options are: {accepted}")
        self.seed = int(seed)
        self.options: dict[str, Any] = {**self.defaults, **options}
        self.validate_options()
        if camera is not None and shots is not None:
            raise LabError("give either camera= or shots=, not both")
        if camera is not None:
            if not isinstance(camera, Camera):
                raise LabTypeError(f"camera must be a lab.scenes.Camera, got {type(camera).__name__}")
            self.camera: Camera | ShotList = camera
            self.motion = "custom"
        elif shots is not None:
            self.camera = make_shots(shots)
            self.motion = "shots"
        else:
            self.camera = self.preset(motion)
            self.motion = motion.strip().lower()

    # --- hooks for subclasses -------------------------------------------------------------
    def validate_options(self) -> None:
        """Check ``self.options``; raise LabError/LabTypeError with a fix."""

    def preset(self, motion: str) -> Camera | ShotList:
        """The camera path of a named motion for this scene (subclasses may frame shots)."""
        center, zoom = self.framing
        return preset(motion, center=center, zoom=zoom)

    def shade(self, grid: PixelGrid) -> torch.Tensor:
        """Colour of every pixel of ``grid``: (3, h, W) float32 in [0, 1] on ``grid.device``."""
        raise NotImplementedError

    # --- camera geometry ------------------------------------------------------------------
    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options.items() if self.defaults.get(k) != v)
        extra = f", {opts}" if opts else ""
        return f"<Scene {self.name!r} seed={self.seed} motion={self.motion!r}{extra}>"

    @property
    def cuts(self) -> list[float]:
        """Times (s) of hard cuts between shots; empty for a single camera."""
        return self.camera.cuts if isinstance(self.camera, ShotList) else []

    def shot_index(self, t: float) -> int:
        """Which shot is showing at time ``t`` (0 for a single camera)."""
        return self.camera.shot_index(check_time(t)) if isinstance(self.camera, ShotList) else 0

    def transform(self, resolution: str | Resolution, t: float) -> tuple[np.ndarray, np.ndarray]:
        """The pixel -> world affine map ``(A, b)`` (float64) at time ``t`` seconds."""
        res = parse(resolution)
        return self.camera.pixel_to_world(res, check_time(t))

    def grid(
        self,
        resolution: str | Resolution,
        t: float,
        rows: tuple[int, int] | None = None,
        device: str = "cpu",
        lod_bias: float = 0.0,
    ) -> PixelGrid:
        """The :class:`PixelGrid` of rows ``[r0, r1)`` (default all) of a frame at time ``t``."""
        res = parse(resolution)
        A, b = self.transform(res, t)
        r0, r1 = rows if rows is not None else (0, res.height)
        return PixelGrid(res, A, b, int(r0), int(r1), device, float(lod_bias))

    def world_to_pixel(
        self, resolution: str | Resolution, t: float, points: np.ndarray | Sequence
    ) -> np.ndarray:
        """Pixel coordinates (column, row; pixel centres at integers) of world ``points`` (N, 2).

        >>> s = Scene.__new__(Scene); s.camera = Camera()
        >>> s.world_to_pixel("160x90", 0.0, [(0.0, 0.0)]).round(2).tolist()
        [[79.5, 44.5]]
        """
        A, b = self.transform(resolution, t)
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return (np.linalg.solve(A, (pts - b).T)).T

    def flow(self, resolution: str | Resolution, t0: float, t1: float) -> np.ndarray:
        """Exact motion (H, W, 2) float32 in pixels, (dx, dy), of the scene from time ``t0`` to ``t1``.

        The point seen at pixel p at ``t0`` is seen at p + flow[p] at ``t1``. Across a cut
        (a different shot at ``t1``) there is no such point: every value is NaN.

        >>> from lab.scenes import get
        >>> f = get("skin", motion="static").flow("160x90", 0.0, 1 / 24)
        >>> f.shape, float(abs(f).max())
        ((90, 160, 2), 0.0)
        """
        res = parse(resolution)
        t0, t1 = check_time(t0, "t0"), check_time(t1, "t1")
        if self.shot_index(t0) != self.shot_index(t1):
            return np.full((res.height, res.width, 2), np.nan, np.float32)
        return affine_flow(res, self.transform(res, t0), self.transform(res, t1))

    @property
    def axis_aligned(self) -> bool:
        """True when the camera never rolls (fast separable rendering)."""
        return self.camera.axis_aligned

    def info(self) -> str:
        """One paragraph: what the scene shows and how its render is anti-aliased."""
        return f"{self.name}: {self.description} Anti-aliasing: {self.antialiasing}"


def check_option(value: Any, name: str, lo: float, hi: float) -> float:
    """Validate a numeric option in [lo, hi]; returns it as float."""
    number = validate.number(value, f"option {name}")
    if not lo <= number <= hi:
        raise LabError(f"option {name}={value} is out of range; use a value in [{lo}, {hi}]")
    return number


def check_rgb(value: Any, name: str) -> tuple[float, float, float]:
    """Validate an RGB triple with components in [0, 1]."""
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 3:
        raise LabTypeError(f"option {name} must be an (r, g, b) triple in [0, 1], got {value!r}")
    return tuple(check_option(v, name, 0.0, 1.0) for v in value)  # type: ignore[return-value]
