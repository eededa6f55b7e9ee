"""Where each video frame's starting noise comes from, for generators that sample from noise.

A diffusion model turns noise into a picture, so in a video the noise decides what changes
between frames. Each source below answers one question, ``noise(t)``: the (1, 3, H, W)
float32 standard-normal tensor (CPU) that frame t starts from. They are chosen by name from
:data:`NOISE_SOURCES`, as diffusers chooses a scheduler:

* ``'independent'`` (:class:`IndependentNoise`): fresh noise every frame: a new picture every
  frame, maximal flicker;
* ``'fixed'`` (:class:`FixedNoise`): the same noise every frame, glued to the screen;
* ``'moving'`` (:class:`MovingNoise`): a window sliding over one large noise canvas with a
  whole-pixel pan, so the noise moves exactly with the content;
* ``'warped'`` (:class:`WarpedNoise`): noise carried along a flow field frame by frame (any
  motion), with nearest-neighbour sampling so every value stays a N(0, 1) draw.

Every canvas is drawn once per source. Used by :meth:`lab.diffusion.TextureModel.video` and
:func:`lab.models.diffusion_sr.upscale_clip`.

>>> source = NOISE_SOURCES["moving"](4, 6, seed=0, offsets=[(0, 0), (1, 0)])
>>> a, b = source.noise(0), source.noise(1)
>>> bool((a[..., :, :-1] == b[..., :, 1:]).all())      # the content moved 1 px right: so did the noise
True
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from lab.errors import LabError
from lab.validate import choice, integer, positive_int

if TYPE_CHECKING:
    import torch

FlowFn = Callable[[int], np.ndarray]  # t -> (H, W, 2) float32 flow (dx, dy) px from frame t to t + 1


def gaussian(height: int, width: int, seed: int) -> torch.Tensor:
    """Standard normal (1, 3, height, width) float32 noise from a CPU generator (same on every device)."""
    import torch

    seed = integer(seed, "seed")
    g = torch.Generator(device="cpu").manual_seed(seed % (2**63))
    return torch.randn((1, 3, height, width), generator=g)


class NoiseSource(ABC):
    """The starting noise of every frame of a (height, width) clip, from ``seed``."""

    def __init__(self, height: int, width: int, seed: int) -> None:
        self.height = positive_int(height, "height")
        self.width = positive_int(width, "width")
        self.seed = integer(seed, "seed")

    @abstractmethod
    def noise(self, t: int) -> torch.Tensor:
        """Frame ``t``'s noise: (1, 3, height, width) float32, N(0, 1) per value, on the CPU."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.height}x{self.width}, seed={self.seed})"


class IndependentNoise(NoiseSource):
    """Fresh noise every frame: frame t draws from ``seed + seed_step * t``."""

    def __init__(self, height: int, width: int, seed: int, *, seed_step: int = 1) -> None:
        super().__init__(height, width, seed)
        self.seed_step = integer(seed_step, "seed_step")

    def noise(self, t: int) -> torch.Tensor:
        t = integer(t, "frame", minimum=0)
        return gaussian(self.height, self.width, self.seed + self.seed_step * t)


class FixedNoise(NoiseSource):
    """The same noise (drawn from ``seed``) every frame: stable pixels that ignore the motion."""

    def __init__(self, height: int, width: int, seed: int) -> None:
        super().__init__(height, width, seed)
        self._noise = gaussian(self.height, self.width, self.seed)

    def noise(self, t: int) -> torch.Tensor:
        return self._noise.clone()


class MovingNoise(NoiseSource):
    """A window on one large noise canvas that slides with a whole-pixel pan.

    ``offsets[t]`` is the (x, y) position in px of the content at frame t (relative to any
    fixed origin): the noise at p in frame 0 is at p + offsets[t] - offsets[0] in frame t.
    The canvas is just large enough for every window.
    """

    def __init__(self, height: int, width: int, seed: int, *, offsets: Sequence[tuple[int, int]]) -> None:
        super().__init__(height, width, seed)
        if not offsets:
            raise LabError("moving noise needs the content offset of at least one frame")
        self.offsets = [(int(x), int(y)) for x, y in offsets]
        xs = [x for x, _ in self.offsets]
        ys = [y for _, y in self.offsets]
        self._origin = (max(xs), max(ys))
        span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
        self._canvas = gaussian(self.height + span_y, self.width + span_x, self.seed)

    def noise(self, t: int) -> torch.Tensor:
        t = integer(t, "frame", minimum=0, maximum=len(self.offsets) - 1)
        # frame_t(p) = canvas(p - offset_t + origin): content at p moves to p + offset
        x0 = self._origin[0] - self.offsets[t][0]
        y0 = self._origin[1] - self.offsets[t][1]
        return self._canvas[:, :, y0 : y0 + self.height, x0 : x0 + self.width].clone()


class _CanvasPositions:
    """Carry each pixel's (sub-pixel) position on a world-anchored canvas larger than the frame by
    ``margin`` px per side; read the canvas at the rounded positions, wrapping around it for
    areas that enter the frame."""

    def __init__(self, height: int, width: int, seed: int, margin: int) -> None:
        self.height, self.width, self.margin = height, width, margin
        self.canvas = gaussian(height + 2 * margin, width + 2 * margin, seed)[0]
        self.ys, self.xs = np.mgrid[0:height, 0:width].astype(np.float32)  # pixel grid, drawn once
        self.reset()

    def reset(self) -> None:
        self.coords = np.dstack([self.xs + self.margin, self.ys + self.margin]).astype(np.float32)  # x, y

    def advance(self, flow: np.ndarray, t: int) -> None:
        from lab.optional import opencv

        cv2 = opencv()
        # backward map: the pixel q of the next frame shows what was at q - flow(q)
        map_x, map_y = self.xs - flow[..., 0], self.ys - flow[..., 1]
        self.coords = cv2.remap(self.coords, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        # pixels whose source lies outside the frame: extrapolate the positions linearly
        outside = (map_x < 0) | (map_x > self.width - 1) | (map_y < 0) | (map_y > self.height - 1)
        if outside.any():
            near_x = np.clip(map_x, 0, self.width - 1)
            near_y = np.clip(map_y, 0, self.height - 1)
            self.coords[outside, 0] += (map_x - near_x)[outside]
            self.coords[outside, 1] += (map_y - near_y)[outside]

    def current(self) -> torch.Tensor:
        import torch

        ch, cw = self.canvas.shape[1:]
        ix = torch.from_numpy(np.rint(self.coords[..., 0]).astype(np.int64) % cw)
        iy = torch.from_numpy(np.rint(self.coords[..., 1]).astype(np.int64) % ch)
        return self.canvas[:, iy, ix][None]


class _FrameValues:
    """Carry the noise values themselves: frame t+1's value at q is frame t's at round(q - flow(q));
    sources outside the frame get fresh noise drawn from ``seed + FRESH_SEED_STEP * (t + 1)``."""

    FRESH_SEED_STEP = 104729

    def __init__(self, height: int, width: int, seed: int) -> None:
        self.seed = seed
        self.first = gaussian(height, width, seed)
        self.yy, self.xx = np.mgrid[0:height, 0:width]  # pixel grid, drawn once
        self.reset()

    def reset(self) -> None:
        self.values = self.first

    def advance(self, flow: np.ndarray, t: int) -> None:
        import torch

        _, _, h, w = self.values.shape
        sx = np.rint(self.xx - flow[..., 0]).astype(np.int64)
        sy = np.rint(self.yy - flow[..., 1]).astype(np.int64)
        inside = (sx >= 0) & (sx < w) & (sy >= 0) & (sy < h)
        previous = self.values[0].numpy()
        if inside.all():  # nothing enters the frame: no fresh noise to draw
            out = previous[:, sy, sx]
        else:
            out = gaussian(h, w, self.seed + self.FRESH_SEED_STEP * (t + 1))[0].numpy().copy()
            out[:, inside] = previous[:, sy[inside], sx[inside]]
        self.values = torch.from_numpy(out)[None]

    def current(self) -> torch.Tensor:
        return self.values.clone()


CARRIES = ("positions", "values")


class WarpedNoise(NoiseSource):
    """Noise that moves with the scene along a flow field, one frame at a time.

    ``flow(t)`` is the (height, width, 2) motion (dx, dy) px from frame t to t + 1 (the point at
    p goes to p + flow(p)); :meth:`noise` replays it from frame 0 as far as asked (and again
    from 0 when asked for an earlier frame). :meth:`advance` takes one step by hand. What is
    carried, chosen by ``carry``:

    * ``'positions'`` (default): each pixel's accumulated sub-pixel position on a world-anchored
      canvas (``margin`` px wider than the frame per side), read at the nearest canvas cell, so
      slow drifts add up; areas entering the frame read the canvas margin (wrapping around);
    * ``'values'``: the previous frame's values, moved with nearest-neighbour sampling (each
      frame's flow rounded on its own); pixels whose source is outside get fresh noise.

    Either way every value stays a N(0, 1) draw.

    >>> wn = WarpedNoise(4, 6, seed=0)
    >>> n0 = wn.noise(); wn.advance(np.full((4, 6, 2), (1.0, 0.0), np.float32)); n1 = wn.noise()
    >>> bool((n0[..., :, :-1] == n1[..., :, 1:]).all())   # content moved 1 px right: so did the noise
    True
    """

    def __init__(
        self,
        height: int,
        width: int,
        seed: int,
        *,
        flow: FlowFn | None = None,
        carry: str = "positions",
        margin: int = 64,
    ) -> None:
        super().__init__(height, width, seed)
        self.flow = flow
        self.carry = choice(carry, "carry", CARRIES)
        margin = integer(margin, "margin", minimum=0)
        self._carrier: _CanvasPositions | _FrameValues = (
            _CanvasPositions(self.height, self.width, self.seed, margin)
            if self.carry == "positions"
            else _FrameValues(self.height, self.width, self.seed)
        )
        self.frame = 0  # the frame the current noise belongs to

    def advance(self, flow: np.ndarray) -> None:
        """Move the noise one frame along ``flow`` (height, width, 2) (dx, dy) px."""
        if flow.shape != (self.height, self.width, 2):
            raise LabError(f"flow must have shape ({self.height}, {self.width}, 2), got {flow.shape}")
        self._carrier.advance(flow, self.frame)
        self.frame += 1

    def noise(self, t: int | None = None) -> torch.Tensor:
        """Frame ``t``'s noise (1, 3, height, width), or the current frame's when ``t`` is None."""
        if t is not None:
            self._seek(integer(t, "frame", minimum=0))
        return self._carrier.current()

    def _seek(self, t: int) -> None:
        """Replay the flow from the nearest earlier state up to frame ``t``."""
        if self.flow is None:
            raise LabError("noise(t) needs the flow: build WarpedNoise(..., flow=...) or call advance()")
        if t < self.frame:
            self._carrier.reset()
            self.frame = 0
        while self.frame < t:
            self.advance(self.flow(self.frame))


NOISE_SOURCES: dict[str, type[NoiseSource]] = {
    "independent": IndependentNoise,
    "fixed": FixedNoise,
    "moving": MovingNoise,
    "warped": WarpedNoise,
}
NOISE_MODES = tuple(NOISE_SOURCES)

__all__ = [
    "NOISE_MODES",
    "NOISE_SOURCES",
    "FixedNoise",
    "IndependentNoise",
    "MovingNoise",
    "NoiseSource",
    "WarpedNoise",
    "gaussian",
]
