"""Training crops for the learned and generative upscalers, rendered from the procedural scenes.

The course's point is that a low-resolution *render* is not a blurred copy of the native one:
the renderer band-limits each grid to its own Nyquist limit. So the pairs here are made the
honest way by default: the high-resolution (HR) frame is rendered natively at the HR size and the
low-resolution (LR) frame is rendered natively at HR / scale (``lr="native"``). ``lr="area"``
instead shrinks the HR render with pixel-area averaging, the usual SR-paper degradation.

Both renders view the same world window, so LR pixel (i, j) covers HR pixels
(s*i .. s*i+s-1, s*j .. s*j+s-1) and aligned crops are simple slices.

>>> pool = build_pool(4, seeds=[0], names=["fabric"], hr=Resolution(64, 64))  # doctest: +SKIP
>>> lr, hr = sample_crops(pool, batch=2, patch=8, generator=torch.Generator().manual_seed(0))  # doctest: +SKIP
>>> tuple(lr.shape), tuple(hr.shape)  # doctest: +SKIP
((2, 3, 8, 8), (2, 3, 32, 32))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from lab.errors import LabError, choice_error
from lab.optional import opencv
from lab.progress import progress
from lab.resolution import Resolution, parse

cv2 = opencv()

# scenes with texture worth learning; 'edge' and 'zoneplate' are test charts, kept for held-out checks
DEFAULT_SCENES = ("skin", "fabric", "foliage", "sign", "character")
LR_MODES = ("native", "area")


def render_pair(
    name: str,
    seed: int,
    hr: Resolution,
    scale: int,
    *,
    camera: object | None = None,
    t: float = 0.0,
    lr: str = "native",
) -> tuple[np.ndarray, np.ndarray]:
    """Render one scene as an (HR, LR) uint8 pair: HR at ``hr``, LR at ``hr / scale``.

    ``camera`` (a :class:`lab.scenes.camera.Camera`) chooses the view; None uses the scene's
    static framing. ``lr="native"`` renders the LR frame natively; ``lr="area"``
    area-downscales the HR frame.
    """
    from lab import native, scenes

    if lr not in LR_MODES:
        raise choice_error("LR mode", lr, LR_MODES)
    if hr.width % scale or hr.height % scale:
        raise LabError(f"HR size {hr} is not divisible by scale {scale}; pick a multiple of {scale}")
    low = Resolution(hr.width // scale, hr.height // scale)
    scene = scenes.get(name, seed=seed, camera=camera) if camera is not None else scenes.get(name, seed=seed)
    hr_frame = native.render(scene, hr, t)
    if lr == "native":
        lr_frame = native.render(scene, low, t)
    else:
        lr_frame = cv2.resize(hr_frame, (low.width, low.height), interpolation=cv2.INTER_AREA)
    return hr_frame, lr_frame


def random_view(name: str, seed: int, view: int, hr: Resolution, detail: Resolution) -> object:
    """A static camera showing a random window of the scene at the pixel scale of ``detail``.

    A frame of ``detail`` (e.g. 4K) covers the scene's framing; the returned camera zooms in by
    ``detail.height / hr.height`` so an ``hr``-sized render has 4K-sized pixels, at a position
    drawn from (name, seed, view).
    """
    from lab import scenes
    from lab.scenes.camera import Camera

    (cx, cy), zoom0 = getattr(type(scenes.get(name, seed=seed)), "framing", ((0.0, 0.0), 1.0))
    zoom = zoom0 * detail.height / hr.height
    rng = np.random.default_rng([seed, view, sum(map(ord, name))])
    half_h = 0.5 / zoom0 * (1 - zoom0 / zoom)
    half_w = half_h * detail.width / detail.height
    center = (cx + rng.uniform(-half_w, half_w), cy + rng.uniform(-half_h, half_h))
    return Camera(center=center, zoom=zoom)


@dataclass
class CropPool:
    """Whole rendered (HR, LR) images to cut random aligned crops from.

    ``hr`` is a list of (3, H*s, W*s) float32 tensors in [0, 1], ``lr`` the matching (3, H, W).
    """

    scale: int
    lr_mode: str
    hr: list[torch.Tensor] = field(default_factory=list)
    lr: list[torch.Tensor] = field(default_factory=list)
    sources: list[tuple[str, int, int]] = field(default_factory=list)  # (scene, seed, view)

    def __len__(self) -> int:
        return len(self.hr)


def _chw(frame: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(frame.transpose(2, 0, 1))).float().div_(255.0)


def build_pool(
    scale: int,
    seeds: Sequence[int],
    *,
    names: Sequence[str] | None = None,
    hr: Resolution = Resolution(384, 216),
    views: int = 2,
    detail: str | Resolution | None = "4k",
    lr: str = "native",
    desc: str = "rendering crops",
) -> CropPool:
    """Render ``views`` windows of every (scene, seed) as aligned (HR, LR) pairs, with a progress bar.

    ``detail`` sets the pixel scale of the HR renders (default "4k": each HR render is a
    window of the scene as a 4K frame would show it, so the LR render has 4K / scale pixels);
    None renders the whole framing at ``hr``. Training and held-out pools must use different
    ``seeds``. Unknown scene names raise an error listing the available ones.
    """
    from lab import scenes

    available = scenes.names()
    names = [n for n in DEFAULT_SCENES if n in available] if names is None else list(names)
    for n in names:
        if n not in available:
            raise choice_error("scene", n, available)
    if not names:
        raise LabError(f"none of the default training scenes {DEFAULT_SCENES} exist; available: {available}")
    detail_res = parse(detail) if detail is not None else None
    pool = CropPool(scale=scale, lr_mode=lr)
    jobs = [(n, s, v) for s in seeds for n in names for v in range(views)]
    for n, s, v in progress(jobs, total=len(jobs), desc=desc):
        camera = random_view(n, s, v, hr, detail_res) if detail_res is not None else None
        hr_frame, lr_frame = render_pair(n, s, hr, scale, camera=camera, lr=lr)
        pool.hr.append(_chw(hr_frame))
        pool.lr.append(_chw(lr_frame))
        pool.sources.append((n, s, v))
    return pool


def sample_crops(
    pool: CropPool, batch: int, patch: int, *, generator: torch.Generator, augment: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch`` random aligned crops: LR (batch, 3, patch, patch) and HR (batch, 3, patch*s, patch*s).

    ``augment`` applies random flips and 90-degree turns (the same to LR and HR).
    """
    if not len(pool):
        raise LabError("the crop pool is empty; build it with build_pool(...) first")
    s = pool.scale
    lrs, hrs = [], []
    for _ in range(batch):
        i = int(torch.randint(len(pool), (1,), generator=generator))
        lr_img, hr_img = pool.lr[i], pool.hr[i]
        h, w = lr_img.shape[1:]
        if h < patch or w < patch:
            raise LabError(f"patch {patch} is larger than the LR images ({w}x{h}); use a smaller patch")
        y = int(torch.randint(h - patch + 1, (1,), generator=generator))
        x = int(torch.randint(w - patch + 1, (1,), generator=generator))
        a = lr_img[:, y : y + patch, x : x + patch]
        b = hr_img[:, y * s : (y + patch) * s, x * s : (x + patch) * s]
        if augment:
            k = int(torch.randint(4, (1,), generator=generator))
            flip = bool(torch.randint(2, (1,), generator=generator))
            a, b = torch.rot90(a, k, (1, 2)), torch.rot90(b, k, (1, 2))
            if flip:
                a, b = a.flip(2), b.flip(2)
        lrs.append(a)
        hrs.append(b)
    return torch.stack(lrs), torch.stack(hrs)


def grid_crops(pool: CropPool, patch: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every non-overlapping aligned crop of every image, for a deterministic held-out score."""
    s = pool.scale
    lrs, hrs = [], []
    for lr_img, hr_img in zip(pool.lr, pool.hr):
        h, w = lr_img.shape[1:]
        for y in range(0, h - patch + 1, patch):
            for x in range(0, w - patch + 1, patch):
                lrs.append(lr_img[:, y : y + patch, x : x + patch])
                hrs.append(hr_img[:, y * s : (y + patch) * s, x * s : (x + patch) * s])
    if not lrs:
        raise LabError(f"no {patch}x{patch} crop fits the pool's images; use a smaller patch")
    return torch.stack(lrs), torch.stack(hrs)


def psnr_db(reference: torch.Tensor, test: torch.Tensor, *, border: int = 0) -> float:
    """PSNR in dB between two float batches in [0, 1] (RGB, mean over everything), ``border`` px shaved."""
    if border:
        reference = reference[..., border:-border, border:-border]
        test = test[..., border:-border, border:-border]
    mse = torch.mean((reference.double() - test.clamp(0, 1).double()) ** 2).item()
    return float("inf") if mse == 0 else float(10 * np.log10(1.0 / mse))


__all__ = [
    "DEFAULT_SCENES",
    "LR_MODES",
    "render_pair",
    "random_view",
    "CropPool",
    "build_pool",
    "sample_crops",
    "grid_crops",
    "psnr_db",
]
