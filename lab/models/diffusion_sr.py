"""A small generative (diffusion) x4 upscaler trained here, and the flicker it causes in video.

The model is a conditional denoiser: a fully convolutional ``diffusers.UNet2DModel``
(``add_attention=False``, about 0.9 M parameters) whose 6 input channels are the noisy sample
concatenated with the bicubic-upsampled low-res frame. It does not predict the picture, only
the *residual* over bicubic (scaled to unit-ish variance): the detail bicubic cannot restore.
Sampling runs DDIM (eta = 0) for a few steps from Gaussian noise, so the result is a
deterministic function of (low-res input, starting noise): ``seed`` picks the noise and
therefore which plausible detail gets invented.

For video the starting noise is the whole story (:func:`upscale_clip`):

* ``noise="independent"``: new noise every frame. The invented detail changes from frame to
  frame although the scene barely moves: flicker.
* ``noise="fixed"``: the same noise every frame. Static shots are stable, but on a moving shot
  the noise stays glued to the screen while the content slides under it.
* ``noise="warped"``: the noise moves with the scene. A world-anchored noise canvas is carried
  along the clip's ground-truth flow (accumulated sub-pixel positions, sampled at the nearest
  canvas cell so every pixel stays exactly unit-variance white noise). Limits: it moves in whole
  canvas cells (sub-pixel drift is rounded), disoccluded areas get fresh noise, and the network
  is not shift-equivariant at sub-pixel offsets, so some flicker remains. Over a few frames of
  a sub-pixel drift, fixed noise can even score a little steadier than warped noise (the warped
  noise jumps by a whole pixel now and then); both are far steadier than independent noise.
  Native rendering flickers least of all.

Weights: ``assets/models/diffusion_sr.safetensors`` (+ model card), retrained with
``python -m lab.train diffusion-sr`` (:mod:`lab.train.diffusion_sr`).

>>> import numpy as np
>>> from lab.upscale import upscale
>>> upscale(np.zeros((16, 16, 3), np.uint8), "diffusion-sr", factor=4, seed=0).shape  # doctest: +SKIP
(64, 64, 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F

from lab.arrays import check_frame, to_numpy, to_tensor, to_uint8
from lab.errors import LabError, LabTypeError, choice_error
from lab.memory import check_memory
from lab.models import weights
from lab.models.weights import load_state, read_weights, write_weights
from lab.noise import NOISE_SOURCES, WarpedNoise, gaussian
from lab.optional import opencv
from lab.progress import report_step
from lab.resolution import Resolution
from lab.upscale import Upscaler, is_registered, register
from lab.validate import choice, integer

if TYPE_CHECKING:
    from diffusers import UNet2DModel

    from lab.video import Clip

cv2 = opencv()

FACTOR = 4
NOISE_MODES = tuple(mode for mode in NOISE_SOURCES if mode != "moving")  # a clip's flow need not be a pan
DEFAULT_STEPS = 10
# peak memory of one sampling step, bytes per output pixel (fp32, no grad; measured on CPU as the
# max-RSS increase: about 1900 B/px at 768x768 and 2500 B/px at 256x256)
_BYTES_PER_PIXEL = 2500


def build_unet() -> UNet2DModel:
    """The denoiser architecture (randomly initialised): UNet2DModel, 3 levels, no attention."""
    try:
        from diffusers import UNet2DModel
    except ImportError as exc:
        raise LabError("the diffusion upscaler needs diffusers: pip install diffusers") from exc
    return UNet2DModel(
        sample_size=64,
        in_channels=6,
        out_channels=3,
        layers_per_block=1,
        block_out_channels=(32, 48, 64),
        down_block_types=("DownBlock2D",) * 3,
        up_block_types=("UpBlock2D",) * 3,
        add_attention=False,
        norm_num_groups=16,
    )


def make_scheduler(kind: str = "ddim") -> Any:
    """The noise schedule shared by training ("ddpm") and sampling ("ddim"): cosine, v-prediction."""
    from diffusers import DDIMScheduler, DDPMScheduler

    config = dict(
        num_train_timesteps=1000,
        beta_schedule="squaredcos_cap_v2",
        prediction_type="v_prediction",
        clip_sample=False,
    )
    if kind == "ddpm":
        return DDPMScheduler(**config)
    if kind == "ddim":
        return DDIMScheduler(**config, set_alpha_to_one=True)
    raise choice_error("scheduler", kind, ["ddim", "ddpm"])


@dataclass
class DiffusionSR:
    """A trained denoiser plus the constants it was trained with.

    ``residual_scale`` multiplies (HR - bicubic) into the sample space; ``factor`` is 4.
    """

    unet: UNet2DModel
    residual_scale: float
    factor: int = FACTOR

    @property
    def device(self) -> torch.device:
        """Device of the denoiser's weights."""
        return next(self.unet.parameters()).device

    def to(self, device: str | torch.device) -> DiffusionSR:
        """Move the denoiser to ``device`` in place; returns self."""
        self.unet.to(device)
        return self


def weights_path() -> Path:
    """Path of the shipped safetensors file (it may not exist yet)."""
    return weights.MODELS_DIR / "diffusion_sr.safetensors"


def save(model: DiffusionSR, path: str | Path, *, metadata: dict[str, str] | None = None) -> Path:
    """Write the denoiser weights and ``residual_scale`` to a safetensors file (atomic)."""
    meta = {"arch": "DiffusionSR", "residual_scale": repr(model.residual_scale), "factor": str(model.factor)}
    meta.update(metadata or {})
    return write_weights(model.unet, path, meta)


def load_file(path: str | Path) -> DiffusionSR:
    """Load a :class:`DiffusionSR` written by :func:`save` (eval mode, CPU, float32)."""
    state, meta = read_weights(
        path, arch="DiffusionSR", retrain=f"python -m lab.train diffusion-sr --out {path}"
    )
    unet = build_unet()
    load_state(unet, state, path, "DiffusionSR")
    unet.eval().requires_grad_(False)
    return DiffusionSR(unet, float(meta["residual_scale"]), int(meta.get("factor", FACTOR)))


_CACHE: dict[str, DiffusionSR] = {}


def load(device: str | torch.device = "cpu") -> DiffusionSR:
    """The shipped diffusion upscaler on ``device`` (cached)."""
    key = str(torch.device(device))
    if key not in _CACHE:
        _CACHE[key] = load_file(weights_path()).to(device)
    return _CACHE[key]


def noise_like(height: int, width: int, seed: int, device: str | torch.device = "cpu") -> torch.Tensor:
    """Standard normal starting noise (1, 3, height, width) for ``seed`` (same on every device)."""
    return gaussian(height, width, int(seed)).to(device)


def sample(
    model: DiffusionSR,
    lr: torch.Tensor,
    noise: torch.Tensor,
    *,
    steps: int = DEFAULT_STEPS,
) -> torch.Tensor:
    """Denoise ``noise`` (1, 3, H*4, W*4) into an HR image conditioned on ``lr`` (1, 3, H, W) in [0, 1].

    Runs DDIM with eta = 0 for ``steps`` steps on lr's device; returns (1, 3, H*4, W*4) in [0, 1].
    Each step is reported to :func:`lab.progress.on_steps` listeners (progress and Cancel in widgets).
    Sizes that are not a multiple of the UNet's stride (4) are reflect-padded, then cropped back.
    """
    if lr.ndim != 4 or lr.shape[1] != 3:
        raise LabError(f"expected a (N, 3, H, W) low-res tensor, got shape {tuple(lr.shape)}")
    f = model.factor
    h, w = lr.shape[-2] * f, lr.shape[-1] * f
    if tuple(noise.shape[-2:]) != (h, w) or noise.shape[:2] != (lr.shape[0], 3):
        raise LabError(f"noise must have shape ({lr.shape[0]}, 3, {h}, {w}), got {tuple(noise.shape)}")
    steps = integer(steps, "steps", minimum=1, maximum=1000)
    stride = 2 ** (len(model.unet.config.block_out_channels) - 1)
    ph, pw = (-h) % stride, (-w) % stride
    base = F.interpolate(lr, scale_factor=f, mode="bicubic", align_corners=False)
    cond = base * 2 - 1
    x = noise.to(lr.device, lr.dtype)
    if ph or pw:
        cond = F.pad(cond, (0, pw, 0, ph), mode="reflect")
        x = F.pad(x, (0, pw, 0, ph), mode="reflect")
    scheduler = make_scheduler("ddim")
    scheduler.set_timesteps(steps)
    with torch.no_grad():
        report_step(0, steps, "diffusion-sr denoising steps")
        for i, t in enumerate(scheduler.timesteps):
            v = model.unet(torch.cat([x, cond], dim=1), t).sample
            x = scheduler.step(v, t, x, eta=0.0).prev_sample
            report_step(i + 1, steps, "diffusion-sr denoising steps")  # a widget's Cancel can stop here
    residual = x[..., :h, :w] / model.residual_scale
    return (base + residual).clamp(0, 1)


def _check_factor(factor: int) -> None:
    if factor != FACTOR:
        raise LabError(f"diffusion-sr is a fixed-scale x{FACTOR} model; got factor {factor!r}")


def _guard(height: int, width: int) -> None:
    check_memory(
        height * width * _BYTES_PER_PIXEL,
        f"a diffusion-SR pass at {width}x{height} (refused: run it on smaller frames, e.g. a crop, or on a GPU)",
    )


def _random_seed() -> int:
    """A fresh seed from the operating system's entropy (for ``seed=None``)."""
    return int(np.random.default_rng().integers(2**31))


def upscale_frame(
    frame: np.ndarray,
    factor: int = FACTOR,
    *,
    seed: int | None = None,
    steps: int = DEFAULT_STEPS,
    noise: torch.Tensor | None = None,
    device: str | torch.device | None = None,
) -> np.ndarray:
    """Upscale one (H, W, 3) frame x4 by sampling the diffusion model.

    ``seed`` picks the starting noise (None = fresh random noise each call); or pass ``noise``
    (1, 3, 4H, 4W) directly. uint8 in gives uint8 out; float in [0, 1] gives float32 out.

    >>> a = upscale_frame(np.zeros((8, 8, 3), np.uint8), seed=1)  # doctest: +SKIP
    >>> b = upscale_frame(np.zeros((8, 8, 3), np.uint8), seed=1)  # doctest: +SKIP
    >>> bool((a == b).all())  # doctest: +SKIP
    True
    """
    from lab.config import device as default_device

    frame = check_frame(frame)
    _check_factor(factor)
    dev = torch.device(device or default_device())
    h, w = frame.shape[0] * factor, frame.shape[1] * factor
    _guard(h, w)
    model = load(dev)
    if noise is None:
        noise = noise_like(h, w, _random_seed() if seed is None else seed, dev)
    out = to_numpy(sample(model, to_tensor(frame, dev), noise, steps=steps))
    return to_uint8(out) if frame.dtype == np.uint8 else out


def _hr_flow(lr_flow: np.ndarray, factor: int) -> np.ndarray:
    """Flow of the LR grid -> flow of the x``factor`` grid (resampled, scaled to HR pixels)."""
    h, w = lr_flow.shape[:2]
    up = cv2.resize(lr_flow, (w * factor, h * factor), interpolation=cv2.INTER_LINEAR)
    return (up * factor).astype(np.float32)


def upscale_clip(
    clip: Clip,
    factor: int = FACTOR,
    *,
    noise: str = "independent",
    seed: int = 0,
    steps: int = DEFAULT_STEPS,
    device: str | torch.device | None = None,
) -> Clip:
    """Upscale every frame of a low-res :class:`lab.video.Clip` x4 with the diffusion model.

    ``noise`` is "independent" (seed + t per frame: flicker), "fixed" (``seed`` every frame) or
    "warped" (noise carried along the clip's ground-truth flow; needs ``clip.has_flow``), the
    sources of :mod:`lab.noise`. Returns a lazy Clip of 4x the size; the input's flow, scaled
    to the new size, is attached.

    >>> hr = upscale_clip(low_clip, noise="warped")  # doctest: +SKIP
    """
    from lab.config import device as default_device
    from lab.video import Clip

    if not hasattr(clip, "frame") or not hasattr(clip, "n_frames"):
        raise LabTypeError(f"upscale_clip needs a lab.video.Clip, got {type(clip).__name__}")
    mode = choice(noise, "noise mode", NOISE_MODES)
    _check_factor(factor)
    if mode == "warped" and not clip.has_flow:
        raise LabError(
            "noise='warped' needs the clip's motion: render it from a scene (native.render_clip) or attach "
            "a flow with clip.with_flow(...); otherwise use noise='fixed'"
        )
    dev = torch.device(device or default_device())
    res = Resolution(clip.resolution.width * factor, clip.resolution.height * factor)
    _guard(res.height, res.width)

    def hr_flow(t: int) -> np.ndarray:
        return _hr_flow(clip.flow(t), factor)

    options: dict[str, dict[str, Any]] = {"warped": {"flow": hr_flow}}
    source = NOISE_SOURCES[mode](res.height, res.width, integer(seed, "seed"), **options.get(mode, {}))

    def frame_fn(t: int) -> np.ndarray:
        out = sample(load(dev), to_tensor(clip.frame(t), dev), source.noise(t).to(dev), steps=steps)
        return to_uint8(to_numpy(out))

    flow = hr_flow if clip.has_flow else None
    return Clip.from_function(
        frame_fn, clip.n_frames, res, clip.fps, flow=flow, name=f"diffusion-sr ({mode} noise)"
    )


def _upscale(frame: np.ndarray, size: Resolution, *, seed: int | None = None) -> np.ndarray:
    return upscale_frame(frame, size.width // frame.shape[1], seed=seed)


if not is_registered("diffusion-sr"):
    register(
        Upscaler(
            "diffusion-sr",
            _upscale,
            "generative",
            "small conditional diffusion model trained here (x4, DDIM 10 steps): invents detail; seed picks it",
            scales=(FACTOR,),
            stochastic=True,
        )
    )

__all__ = [
    "FACTOR",
    "NOISE_MODES",
    "DiffusionSR",
    "build_unet",
    "make_scheduler",
    "weights_path",
    "save",
    "load_file",
    "load",
    "noise_like",
    "sample",
    "upscale_frame",
    "WarpedNoise",
    "upscale_clip",
]
