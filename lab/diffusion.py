"""Native AI generation: a tiny pixel-space texture diffusion model, sampled with DDIM.

The model is a ``diffusers.UNet2DModel`` built with ``add_attention=False``: only
convolutions, so it runs on any grid size and its cost grows linearly with the pixel count
(a self-attention layer would make a 4K pass quadratic). It is class-conditioned on the scene
kind it was trained on (``model.classes``, e.g. ``'skin'``, ``'fabric'``, ``'foliage'``) and
was trained here on random 64x64 crops of the procedural scenes (see the model card
``assets/models/texture_diffusion.md`` and ``python -m lab.train texture --help``).

Generating "natively" at a target resolution means denoising every pixel of the target grid:

* the whole grid in one pass when it is small and fits the memory guard, or
* overlapping tiles whose denoiser outputs are blended with raised-cosine weights at
  every DDIM step (so the tiles agree with each other while denoising and no seam shows;
  :func:`seam_score` measures it).

Sizes that are not a multiple of the UNet's stride (``model.stride``, 8 for 4 levels) are
generated on a canvas padded up to the next multiple, then cropped: the extra pixels are
simply more noise, not reflected or repeated content.

The sampler is a plain loop over :meth:`TextureModel.ddim_steps` (model and scheduler kept
apart, as in diffusers), so a lesson can show every step. With ``eta=0`` DDIM is
deterministic: the same seed gives the same image on the same machine.

Video (:meth:`TextureModel.video`): the initial noise moves with the camera (a window
sliding over one large noise canvas, or a flow-warped noise field; the sources are in
:mod:`lab.noise`) so a panning shot stays stable; with fresh noise per frame every frame is
a different texture.

Limits of moving noise: deterministic DDIM with moving noise gives a stable pan only because
the UNet is (nearly) translation equivariant; it is not exactly so: its stride-8 downsampling
makes shifts that are not a multiple of 8 px see a different grid, zero padding makes the
frame borders special, and GroupNorm statistics are global (per frame or tile), so small
changes remain, largest near the borders and for fractional or non-translational motion.
Interpolating noise (bilinear warps for sub-pixel or zoom motion) would lower its variance
and correlate neighbours, which the model reads as a smoother image; that is why the noise
shifts by whole pixels or uses nearest-neighbour warps, which keep the values N(0, 1) but
duplicate or drop some of them under zoom/rotation. New content entering the frame gets
fresh noise.

>>> from lab import diffusion
>>> model = diffusion.TextureModel.random(["skin", "fabric"], seed=0)   # untrained, for shapes
>>> model.generate("skin", "40x24", steps=2, show_progress=False).shape
(24, 40, 3)
"""

from __future__ import annotations

import collections
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lab.errors import LabError, LabTypeError, choice_error
from lab.memory import available_memory, check_memory
from lab.models.weights import MODELS_DIR
from lab.noise import NOISE_MODES, NOISE_SOURCES, NoiseSource, gaussian
from lab.progress import progress
from lab.resolution import Resolution, parse
from lab.tiling import TilePlan, plan_tiles, seam_score, tile_weights
from lab.validate import choice, integer, number, positive_int

if TYPE_CHECKING:  # torch and diffusers load lazily
    import torch
    from diffusers import DDIMScheduler, UNet2DModel

    from lab.video import Clip

DEFAULT_WEIGHTS = MODELS_DIR / "texture_diffusion.safetensors"
WEIGHTS_FORMAT = "lab-texture-diffusion-1"  # metadata["format"] of the weight files
RETRAIN = "python -m lab.train texture"  # recreates DEFAULT_WEIGHTS (see assets/models/texture_diffusion.md)
# Seeds of the fresh per-frame noise of video(noise='independent'): frame t draws seed + 7919 (t + 1).
_FRESH_SEED_STEP = 7919
# What the UNet predicts. 'v_prediction' (v = sqrt(a) eps - sqrt(1 - a) x0, Salimans & Ho 2022)
# stays well posed at the last, almost pure-noise timestep, where the image's mean colour is
# decided; an 'epsilon' model has to divide by sqrt(a) ~ 5e-5 there, so its colour comes
# from the noise seed instead of the scene kind (the first shipped model did exactly that).
PREDICTIONS = ("v_prediction", "epsilon")
# Bytes of activations per pixel and per channel of the first UNet level during one no-grad
# forward pass, measured with max RSS at 256x256 .. 1024x1024 (53-66 B, see pass_bytes); the guard
# uses this to decide whether a whole-grid pass fits.
_ACTIVATION_BYTES_PER_PX_CH = 64.0


def _torch() -> Any:
    try:
        import torch
    except ImportError as err:  # pragma: no cover - torch is a core dependency
        raise LabError("the texture diffusion model needs torch: pip install torch") from err
    return torch


def _diffusers() -> Any:
    try:
        import diffusers
    except ImportError as err:
        raise LabError("the texture diffusion model needs diffusers: pip install 'diffusers>=0.30'") from err
    return diffusers


# --- configuration ------------------------------------------------------------------------
@dataclass(frozen=True)
class TextureConfig:
    """Architecture and noise schedule of a texture diffusion model.

    ``classes`` are the scene kinds it is conditioned on; ``channels`` the UNet's
    ``block_out_channels`` (one entry per resolution level, so the stride is
    ``2 ** (len(channels) - 1)`` px); ``crop`` the training crop side in px; ``prediction``
    the UNet's target (one of :data:`PREDICTIONS`).

    >>> TextureConfig(classes=("skin",)).stride
    8
    """

    classes: tuple[str, ...]
    channels: tuple[int, ...] = (32, 48, 64, 64)
    layers_per_block: int = 1
    norm_groups: int = 8
    train_timesteps: int = 1000
    beta_schedule: str = "squaredcos_cap_v2"
    crop: int = 64
    prediction: str = "v_prediction"

    def __post_init__(self) -> None:
        if not self.classes:
            raise LabError("a texture model needs at least one class (scene kind) to condition on")
        if len(set(self.classes)) != len(self.classes):
            raise LabError(f"class names must be unique, got {self.classes}")
        if len(self.channels) < 2 or any(int(c) % self.norm_groups for c in self.channels):
            raise LabError(
                f"channels {self.channels} must have >= 2 levels, each a multiple of norm_groups={self.norm_groups}"
            )
        if self.prediction not in PREDICTIONS:
            raise choice_error("prediction", self.prediction, PREDICTIONS)
        object.__setattr__(self, "classes", tuple(str(c) for c in self.classes))
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))

    @property
    def stride(self) -> int:
        """Total downsampling of the UNet in px: sizes are padded to a multiple of it."""
        return 2 ** (len(self.channels) - 1)

    def to_json(self) -> str:
        """The config as a JSON string (stored in the safetensors header)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> TextureConfig:
        """Inverse of :meth:`to_json`."""
        data = json.loads(text)
        data["classes"] = tuple(data["classes"])
        data["channels"] = tuple(data["channels"])
        data.setdefault("prediction", "epsilon")  # files written before the field existed
        return cls(**data)


def build_unet(config: TextureConfig) -> UNet2DModel:
    """A fresh, randomly initialised class-conditioned ``UNet2DModel`` for ``config``.

    Always built with ``add_attention=False`` (fully convolutional, linear cost in pixels).

    >>> unet = build_unet(TextureConfig(classes=("skin", "fabric")))
    >>> unet.config.num_class_embeds, unet.config.add_attention
    (2, False)
    """
    diffusers = _diffusers()
    levels = len(config.channels)
    return diffusers.UNet2DModel(
        sample_size=config.crop,
        in_channels=3,
        out_channels=3,
        layers_per_block=config.layers_per_block,
        block_out_channels=config.channels,
        down_block_types=("DownBlock2D",) * levels,
        up_block_types=("UpBlock2D",) * levels,
        add_attention=False,  # never a mid-block attention: that would make 4K quadratic
        num_class_embeds=len(config.classes),
        norm_num_groups=config.norm_groups,
    )


def make_scheduler(config: TextureConfig) -> DDIMScheduler:
    """The DDIM scheduler matching the training noise schedule and the UNet's prediction target.

    ``timestep_spacing='trailing'`` starts sampling at the last (pure noise) timestep, which
    matters with few steps.
    """
    diffusers = _diffusers()
    return diffusers.DDIMScheduler(
        num_train_timesteps=config.train_timesteps,
        beta_schedule=config.beta_schedule,
        clip_sample=True,
        clip_sample_range=1.0,
        prediction_type=config.prediction,
        timestep_spacing="trailing",
    )


# --- the model --------------------------------------------------------------------------
@dataclass
class DDIMStep:
    """One step of the DDIM loop: ``sample`` is x_{t-1}, ``denoised`` the predicted x_0.

    Both are (1, 3, H, W) tensors in [-1, 1] on the padded canvas; :meth:`image` crops and
    converts the current clean estimate for display.
    """

    index: int
    timestep: int
    sample: torch.Tensor
    denoised: torch.Tensor
    crop: tuple[int, int]

    def image(self, which: str = "denoised") -> np.ndarray:
        """The predicted clean image (``'denoised'``) or the noisy sample as uint8 (H, W, 3)."""
        if which not in ("denoised", "sample"):
            raise choice_error("image", which, ["denoised", "sample"])
        return _to_image(self.denoised if which == "denoised" else self.sample, self.crop)


def _to_image(x: torch.Tensor, crop: tuple[int, int]) -> np.ndarray:
    from lab.arrays import to_numpy, to_uint8

    h, w = crop
    return to_uint8(to_numpy((x[:, :, :h, :w].float() + 1.0) / 2.0))


@dataclass
class TextureModel:
    """A class-conditioned pixel-space texture diffusion model plus its DDIM sampler.

    Load the shipped weights with :meth:`load`, or build an untrained one with
    :meth:`random`. ``info`` holds the training record (steps, loss, time) from the file.

    >>> model = TextureModel.random(["skin"], seed=0)
    >>> model.stride, model.classes
    (8, ('skin',))
    """

    unet: UNet2DModel
    config: TextureConfig
    info: dict[str, Any] = field(default_factory=dict)

    # --- construction / IO ----------------------------------------------------------------
    @classmethod
    def random(
        cls, classes: Sequence[str], *, seed: int = 0, config: TextureConfig | None = None
    ) -> TextureModel:
        """An untrained model (weights drawn with ``seed``): the baseline a trained one must beat."""
        torch = _torch()
        if isinstance(classes, str):
            raise LabTypeError(f"classes must be a list of scene names, got the string {classes!r}")
        config = config or TextureConfig(classes=tuple(classes))
        torch.manual_seed(seed)
        unet = build_unet(config).eval()
        return cls(unet, config, {"trained": False, "seed": seed})

    @classmethod
    def load(cls, path: str | Path | None = None, *, device: str | None = None) -> TextureModel:
        """Load weights saved by :meth:`save` (default: the shipped ``texture_diffusion.safetensors``).

        Raises :class:`LabError` naming the file and the retraining command when it is missing.
        """
        from lab.models.weights import load_state, read_weights

        path = Path(path) if path is not None else DEFAULT_WEIGHTS
        state, meta = read_weights(path, arch=WEIGHTS_FORMAT, arch_key="format", retrain=RETRAIN)
        if "config" not in meta:
            raise LabError(
                f"{path} has no texture-model config in its header; was it saved by TextureModel.save?"
            )
        config = TextureConfig.from_json(meta["config"])
        unet = build_unet(config)
        load_state(unet, state, path, "texture UNet")
        info = json.loads(meta.get("info", "{}"))
        model = cls(unet.eval(), config, info)
        return model.to(device) if device else model

    def save(self, path: str | Path, *, info: dict[str, Any] | None = None) -> Path:
        """Write the weights (float16) and config to a ``.safetensors`` file, atomically; returns the path."""
        from lab.models.weights import write_weights

        path = Path(path)
        if path.suffix != ".safetensors":
            raise LabError(f"weights file must end in .safetensors, got {path.name}")
        if info is not None:
            self.info = dict(info)
        meta = {"config": self.config.to_json(), "info": json.dumps(self.info), "format": WEIGHTS_FORMAT}
        return write_weights(self.unet, path, meta, dtype=_torch().float16)

    def to(self, device: str | torch.device) -> TextureModel:
        """Move the UNet to ``device`` ("cpu", "cuda") in place; returns self."""
        self.unet.to(device)
        return self

    # --- properties -------------------------------------------------------------------------
    @property
    def classes(self) -> tuple[str, ...]:
        """Scene kinds the model is conditioned on."""
        return self.config.classes

    @property
    def stride(self) -> int:
        """UNet stride in px; generation pads sizes up to a multiple of it, then crops."""
        return self.config.stride

    @property
    def device(self) -> torch.device:
        """Device of the UNet's weights (CPU for a weightless stand-in)."""
        first = next(iter(self.unet.parameters()), None)
        return first.device if first is not None else _torch().device("cpu")

    @property
    def parameters(self) -> int:
        """Number of trainable parameters."""
        return sum(p.numel() for p in self.unet.parameters())

    def class_index(self, kind: str) -> int:
        """Index of a scene kind in :attr:`classes`; unknown kinds list the accepted ones."""
        if not isinstance(kind, str):
            raise LabTypeError(f"kind must be a scene name such as {self.classes[0]!r}, got {kind!r}")
        if kind not in self.classes:
            raise choice_error("texture kind", kind, list(self.classes))
        return self.classes.index(kind)

    def scheduler(self) -> DDIMScheduler:
        """A fresh DDIM scheduler for this model's noise schedule."""
        return make_scheduler(self.config)

    def padded(self, resolution: Resolution) -> tuple[int, int]:
        """(height, width) of the canvas for ``resolution``: each side rounded up to the stride."""
        s = self.stride
        return (-(-resolution.height // s) * s, -(-resolution.width // s) * s)

    # --- memory ---------------------------------------------------------------------------------
    def pass_bytes(self, height: int, width: int) -> int:
        """Estimated peak bytes of one no-grad denoiser pass over a height x width grid (CPU)."""
        return int(height * width * self.config.channels[0] * _ACTIVATION_BYTES_PER_PX_CH)

    def plan(
        self, height: int, width: int, *, tile: int | str | None = "auto", overlap: int = 32
    ) -> TilePlan:
        """Decide whole-grid or tiled denoising for a padded canvas (see :meth:`generate`)."""
        stride = self.stride
        if tile is None:
            check_memory(
                self.pass_bytes(height, width),
                f"a whole-grid denoiser pass over {width}x{height}",
            )
            return TilePlan.whole(height, width)
        if tile == "auto":
            # whole grid while it is about one tile's worth of pixels, else 512 px tiles
            # (smaller tiles are also faster per pixel on CPU: they stay in cache)
            limit = 512
            if height * width <= limit * limit * 1.25:
                tile_px = max(height, width) + stride
            else:
                tile_px = limit
            # shrink tiles until one pass fits the memory guard
            budget = available_memory() * 0.5
            while (
                self.pass_bytes(min(tile_px, height), min(tile_px, width)) > budget and tile_px > 4 * stride
            ):
                tile_px = max(4 * stride, (tile_px // 2) // stride * stride)
            return plan_tiles(
                height, width, tile=int(tile_px), overlap=min(overlap, int(tile_px) // 2 - 1), stride=stride
            )
        if isinstance(tile, str):
            raise choice_error("tile option", tile, ["auto"])
        tile = max(2 * stride, -(-integer(tile, "tile") // stride) * stride)
        plan = plan_tiles(height, width, tile=tile, overlap=overlap, stride=stride)
        check_memory(
            self.pass_bytes(*plan.size), f"a denoiser pass over a {plan.size[1]}x{plan.size[0]} tile"
        )
        return plan

    # --- denoiser ---------------------------------------------------------------------------------
    def predict(
        self, x: torch.Tensor, timestep: int, label: int, plan: TilePlan | None = None
    ) -> torch.Tensor:
        """The UNet's output for ``x`` (1, 3, H, W) at ``timestep``, whole or tiled.

        The output is the velocity v or the noise, as ``config.prediction`` says; both are
        linear in the tiles, so blending works the same.

        Tiles are blended with raised-cosine weights over their overlaps (weights normalised
        to sum to one at every pixel).
        """
        torch = _torch()
        unet = self.unet
        labels = torch.tensor([label], device=x.device)
        with torch.no_grad():
            if plan is None or plan.count == 1:
                return unet(x, timestep, class_labels=labels).sample
            out = torch.zeros_like(x)
            total = torch.zeros((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
            for (y0, y1, x0, x1), weights in zip(plan.boxes(), tile_weights(plan)):
                w = torch.from_numpy(weights).to(x.device, x.dtype)
                tile_out = unet(x[:, :, y0:y1, x0:x1], timestep, class_labels=labels).sample
                out[:, :, y0:y1, x0:x1] += tile_out * w
                total[:, :, y0:y1, x0:x1] += w
            return out / total

    def ddim_steps(
        self,
        kind: str,
        noise: torch.Tensor,
        *,
        steps: int = 20,
        plan: TilePlan | None = None,
        eta: float = 0.0,
        crop: tuple[int, int] | None = None,
        seed: int = 0,
    ) -> Iterator[DDIMStep]:
        """Run DDIM from ``noise`` (1, 3, H, W) and yield every step (a lesson can show each one).

        ``eta=0`` (default) is deterministic DDIM; ``eta>0`` adds fresh noise drawn with ``seed``.
        """
        torch = _torch()
        label = self.class_index(kind)
        steps = integer(steps, "steps", minimum=1, maximum=self.config.train_timesteps)
        if not 0.0 <= number(eta, "eta") <= 1.0:
            raise LabError(f"eta must be in [0, 1] (0 = deterministic DDIM, 1 = DDPM-like), got {eta}")
        if noise.ndim != 4 or noise.shape[:2] != (1, 3):
            raise LabError(f"noise must be a (1, 3, H, W) tensor, got shape {tuple(noise.shape)}")
        if noise.shape[2] % self.stride or noise.shape[3] % self.stride:
            raise LabError(
                f"noise {tuple(noise.shape[2:])} must be a multiple of the stride {self.stride}; pad it"
            )
        scheduler = self.scheduler()
        scheduler.set_timesteps(steps)
        generator = torch.Generator(device="cpu").manual_seed(int(seed) + 1) if eta > 0 else None
        x = noise.to(self.device, torch.float32)
        crop = crop or (x.shape[2], x.shape[3])
        for i, t in enumerate(scheduler.timesteps):
            model_output = self.predict(x, int(t), label, plan)
            variance_noise = None
            if eta > 0:
                variance_noise = torch.randn(x.shape, generator=generator).to(x.device)
            out = scheduler.step(model_output, t, x, eta=float(eta), variance_noise=variance_noise)
            x = out.prev_sample
            yield DDIMStep(i, int(t), x, out.pred_original_sample, crop)

    # --- generation -------------------------------------------------------------------------------
    def noise(self, resolution: str | Resolution | tuple[int, int], *, seed: int = 0) -> torch.Tensor:
        """Standard normal noise (1, 3, H, W) on the padded canvas for ``resolution``, from ``seed``."""
        res = parse(resolution)
        h, w = self.padded(res)
        return gaussian(h, w, seed)

    def generate(
        self,
        kind: str,
        resolution: str | Resolution | tuple[int, int],
        *,
        steps: int = 20,
        seed: int = 0,
        tile: int | str | None = "auto",
        overlap: int = 32,
        eta: float = 0.0,
        noise: torch.Tensor | None = None,
        show_progress: bool = True,
    ) -> np.ndarray:
        """Generate a ``kind`` texture natively at ``resolution``; returns uint8 (H, W, 3).

        Parameters
        ----------
        kind : str
            One of :attr:`classes`.
        resolution : str, Resolution or (width, height)
            Output size. Padded up to a multiple of :attr:`stride` while sampling, then cropped.
        steps : int
            DDIM steps (20 is a good trade-off).
        seed : int
            Seed of the initial noise (and of the extra noise when ``eta > 0``).
        tile : 'auto', None or int
            'auto': whole grid for up to ~512x512 px, else overlapping tiles of at most 512 px
            (smaller when the memory guard demands); None: always whole grid (refused with
            :class:`MemoryBudgetError` when it would not fit); an int: tiles of that side.
        overlap : int
            Overlap between tiles in px, blended with raised-cosine weights.
        noise : tensor, optional
            A (1, 3, H', W') initial noise on the padded canvas (overrides ``seed``'s noise).

        >>> m = TextureModel.random(["skin"], seed=0)
        >>> m.generate("skin", (30, 20), steps=1, show_progress=False).shape
        (20, 30, 3)
        """
        res = parse(resolution)
        h, w = self.padded(res)
        if noise is None:
            noise = gaussian(h, w, seed)
        elif tuple(noise.shape) != (1, 3, h, w):
            raise LabError(
                f"noise must have shape (1, 3, {h}, {w}) for {res} (padded to the stride), got {tuple(noise.shape)}"
            )
        plan = self.plan(h, w, tile=tile, overlap=overlap)
        loop = self.ddim_steps(
            kind, noise, steps=steps, plan=plan, eta=eta, crop=(res.height, res.width), seed=seed
        )
        desc = f"DDIM {kind} {res.width}x{res.height}"
        # Drain the steps (each one updates the progress bar); the final state is the image.
        last = collections.deque(progress(loop, total=steps, desc=desc, disable=not show_progress), maxlen=1)
        if not last:
            raise LabError("DDIM ran no steps: steps must be at least 1")
        return _to_image(last[0].sample, (res.height, res.width))

    def video(
        self,
        kind: str,
        resolution: str | Resolution | tuple[int, int],
        n_frames: int,
        *,
        motion: tuple[float, float] | Callable[[int], np.ndarray] = (2.0, 0.0),
        noise: str = "moving",
        steps: int = 20,
        seed: int = 0,
        fps: float = 24.0,
        tile: int | str | None = "auto",
        overlap: int = 32,
        show_progress: bool = False,
    ) -> Clip:
        """A lazy clip of a ``kind`` texture seen by a moving camera, generated frame by frame.

        ``motion`` is how the content moves on screen from one frame to the next: a constant
        (dx, dy) in px per frame (a pan), or a flow function ``flow(t) -> (H, W, 2)`` in the
        :class:`lab.video.Clip` convention. The clip carries that motion as its ground-truth
        flow, so ``lab.metrics.warp_error(clip, flow="truth")`` measures its stability.

        ``noise`` says where each frame's initial noise comes from (:mod:`lab.noise`):

        * ``'moving'`` (default, pans only): a window sliding with the camera over one large
          noise canvas, offset by whole pixels; the attached flow is that whole-pixel motion;
        * ``'warped'``: frame t's noise moved along the flow with nearest-neighbour sampling;
          pixels whose source falls outside the frame get fresh noise;
        * ``'independent'``: fresh noise per frame (a new texture every frame, maximal flicker);
        * ``'fixed'``: the same noise every frame, glued to the screen.

        Why whole pixels and nearest samples, and what still moves: see :mod:`lab.diffusion`.
        """
        from lab.video import Clip

        res = parse(resolution)
        mode = choice(noise, "noise mode", NOISE_MODES)
        n = positive_int(n_frames, "n_frames")
        self.class_index(kind)
        camera = _camera_motion(motion, mode, res, self.padded(res), n)
        source = _video_noise(mode, integer(seed, "seed"), camera)

        def frame(t: int) -> np.ndarray:
            return self.generate(
                kind,
                res,
                steps=steps,
                seed=seed,
                tile=tile,
                overlap=overlap,
                noise=source.noise(t),
                show_progress=show_progress,
            )

        flow = camera.flow if n > 1 else None
        return Clip.from_function(frame, n, res, fps, flow=flow, name=f"{kind} texture, {mode} noise")


class _CameraMotion(ABC):
    """How the content of a ``res`` clip, generated on a ``canvas`` (height, width) padded to the
    stride, moves on screen from frame t to t + 1."""

    offsets: list[tuple[int, int]] | None = None  # whole-pixel content position per frame (pans)

    def __init__(self, res: Resolution, canvas: tuple[int, int]) -> None:
        self.res, self.canvas = res, canvas

    @abstractmethod
    def flow(self, t: int) -> np.ndarray:
        """The (H, W, 2) float32 flow (dx, dy) px from frame t to t + 1 on the output frame."""

    def canvas_flow(self, t: int) -> np.ndarray:
        """:meth:`flow` extended to the padded canvas (the last column and row repeated)."""
        flow = self.flow(t)
        fh, fw = flow.shape[:2]
        full = np.zeros(self.canvas + (2,), np.float32)
        full[:fh, :fw] = flow
        full[:fh, fw:] = flow[:, -1:, :]
        full[fh:, :] = full[fh - 1 : fh, :]
        return full


class _Pan(_CameraMotion):
    """A constant pan of (dx, dy) px per frame. With ``whole_pixels`` the content sits at
    round(d t) at frame t and the flow is the realised whole-pixel step; else it is (dx, dy)."""

    def __init__(
        self, dx: float, dy: float, n: int, res: Resolution, canvas: tuple[int, int], *, whole_pixels: bool
    ) -> None:
        super().__init__(res, canvas)
        self.dx, self.dy, self.whole_pixels = dx, dy, whole_pixels
        self.offsets = [(int(round(dx * t)), int(round(dy * t))) for t in range(n)]

    def flow(self, t: int) -> np.ndarray:
        out = np.empty((self.res.height, self.res.width, 2), np.float32)
        if self.whole_pixels:
            assert self.offsets is not None
            out[..., 0] = self.offsets[t + 1][0] - self.offsets[t][0]
            out[..., 1] = self.offsets[t + 1][1] - self.offsets[t][1]
        else:  # exact requested motion of the camera, whatever the noise does
            out[..., 0], out[..., 1] = self.dx, self.dy
        return out


class _FlowMotion(_CameraMotion):
    """Motion given by a flow function ``flow(t) -> (H, W, 2)``, checked frame by frame."""

    def __init__(self, fn: Callable[[int], np.ndarray], res: Resolution, canvas: tuple[int, int]) -> None:
        super().__init__(res, canvas)
        self.fn = fn

    def flow(self, t: int) -> np.ndarray:
        f = np.asarray(self.fn(t), np.float32)
        if f.shape != (self.res.height, self.res.width, 2):
            raise LabError(
                f"motion(t) must return ({self.res.height}, {self.res.width}, 2) flow, got {f.shape}"
            )
        return f


def _video_noise(mode: str, seed: int, camera: _CameraMotion) -> NoiseSource:
    """The noise source named ``mode`` for :meth:`TextureModel.video`, on the padded canvas."""
    height, width = camera.canvas
    options: dict[str, dict[str, Any]] = {
        "independent": {"seed": seed + _FRESH_SEED_STEP, "seed_step": _FRESH_SEED_STEP},
        "fixed": {"seed": seed},
        "moving": {"seed": seed, "offsets": camera.offsets},
        "warped": {"seed": seed, "flow": camera.canvas_flow, "carry": "values"},
    }
    return NOISE_SOURCES[mode](height, width, **options[mode])


def _camera_motion(
    motion: tuple[float, float] | Callable[[int], np.ndarray],
    mode: str,
    res: Resolution,
    canvas: tuple[int, int],
    n: int,
) -> _CameraMotion:
    """The camera motion of :meth:`TextureModel.video` from its ``motion`` argument and noise mode."""
    if callable(motion):
        if mode == "moving":
            raise LabError(
                "noise='moving' slides a canvas for a constant pan; for a flow function use noise='warped'"
            )
        return _FlowMotion(motion, res, canvas)
    try:
        dx, dy = (float(v) for v in motion)
    except (TypeError, ValueError):
        raise LabTypeError(
            f"motion must be (dx, dy) px per frame or a flow function, got {motion!r}"
        ) from None
    if not (np.isfinite(dx) and np.isfinite(dy)):
        raise LabError(f"motion must be finite, got {(dx, dy)}")
    return _Pan(dx, dy, n, res, canvas, whole_pixels=mode in ("moving", "warped"))


_CACHED: dict[str, TextureModel] = {}


def load(path: str | Path | None = None) -> TextureModel:
    """The shipped texture model (loaded once per process), or the one at ``path``.

    >>> model = load()                                   # doctest: +SKIP
    >>> model.generate("foliage", "512x512").shape       # doctest: +SKIP
    (512, 512, 3)
    """
    key = str(Path(path).resolve()) if path is not None else "default"
    if key not in _CACHED:
        _CACHED[key] = TextureModel.load(path)
    return _CACHED[key]


def generate(
    kind: str,
    resolution: str | Resolution | tuple[int, int],
    *,
    steps: int = 20,
    seed: int = 0,
    tile: int | str | None = "auto",
    show_progress: bool = True,
) -> np.ndarray:
    """Generate a texture with the shipped model: ``load().generate(...)``; uint8 (H, W, 3).

    >>> generate("skin", "256x256", seed=1).shape       # doctest: +SKIP
    (256, 256, 3)
    """
    return load().generate(kind, resolution, steps=steps, seed=seed, tile=tile, show_progress=show_progress)


__all__ = [
    "DEFAULT_WEIGHTS",
    "DDIMStep",
    "NOISE_MODES",
    "TextureConfig",
    "TextureModel",
    "TilePlan",
    "build_unet",
    "generate",
    "load",
    "make_scheduler",
    "plan_tiles",
    "seam_score",
]
