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
sliding over one large noise canvas, or a flow-warped noise field) so a panning shot stays
stable; with fresh noise per frame every frame is a different texture. See
:meth:`TextureModel.video` for the method and its limits.

>>> from lab import diffusion
>>> model = diffusion.TextureModel.random(["skin", "fabric"], seed=0)   # untrained, for shapes
>>> model.generate("skin", "40x24", steps=2, show_progress=False).shape
(24, 40, 3)
"""

from __future__ import annotations

import collections
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lab.errors import LabError, LabTypeError, choice_error
from lab.models.weights import MODELS_DIR
from lab.progress import progress
from lab.resolution import Resolution, available_memory, check_memory, parse

if TYPE_CHECKING:  # torch and diffusers load lazily
    import torch
    from diffusers import DDIMScheduler, UNet2DModel

    from lab.video import Clip

DEFAULT_WEIGHTS = MODELS_DIR / "texture_diffusion.safetensors"
WEIGHTS_FORMAT = "lab-texture-diffusion-1"  # metadata["format"] of the weight files
RETRAIN = "python -m lab.train texture"  # recreates DEFAULT_WEIGHTS (see assets/models/texture_diffusion.md)
NOISE_MODES = ("moving", "warped", "independent", "fixed")
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


# --- tiling ---------------------------------------------------------------------------------
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
    for name, value in (("tile", tile), ("overlap", overlap), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise LabTypeError(f"{name} must be an integer number of pixels, got {value!r}")
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


def _ramp_weights(starts: Sequence[int], size: int, length: int) -> list[np.ndarray]:
    """1-D blend weights per tile: raised-cosine ramps over each overlap, 1 elsewhere."""
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
            return TilePlan((height, width), (0,), (0,), (height, width))
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
        if isinstance(tile, bool) or not isinstance(tile, (int, np.integer)):
            raise LabTypeError(f"tile must be 'auto', None (whole grid) or a tile side in px, got {tile!r}")
        tile = max(2 * stride, -(-int(tile) // stride) * stride)
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
            th, tw = plan.size
            wy = _ramp_weights(plan.ys, th, plan.canvas[0])
            wx = _ramp_weights(plan.xs, tw, plan.canvas[1])
            for iy, y in enumerate(plan.ys):
                for ix, xx in enumerate(plan.xs):
                    w = torch.from_numpy(np.outer(wy[iy], wx[ix]).astype(np.float32)).to(x.device, x.dtype)
                    tile_out = unet(x[:, :, y : y + th, xx : xx + tw], timestep, class_labels=labels).sample
                    out[:, :, y : y + th, xx : xx + tw] += tile_out * w
                    total[:, :, y : y + th, xx : xx + tw] += w
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
        if (
            isinstance(steps, bool)
            or not isinstance(steps, (int, np.integer))
            or not 1 <= steps <= self.config.train_timesteps
        ):
            raise LabError(f"steps must be an integer in 1..{self.config.train_timesteps}, got {steps!r}")
        if not 0.0 <= float(eta) <= 1.0:
            raise LabError(f"eta must be in [0, 1] (0 = deterministic DDIM, 1 = DDPM-like), got {eta}")
        if noise.ndim != 4 or noise.shape[:2] != (1, 3):
            raise LabError(f"noise must be a (1, 3, H, W) tensor, got shape {tuple(noise.shape)}")
        if noise.shape[2] % self.stride or noise.shape[3] % self.stride:
            raise LabError(
                f"noise {tuple(noise.shape[2:])} must be a multiple of the stride {self.stride}; pad it"
            )
        scheduler = self.scheduler()
        scheduler.set_timesteps(int(steps))
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
        return _gaussian((h, w), seed)

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
            noise = _gaussian((h, w), seed)
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

        Noise modes (how each frame's initial noise is made):

        * ``'moving'`` (default, pans only): every frame is a window on one large noise canvas
          that slides with the camera; the window offset is rounded to whole pixels and the
          attached flow is the realised whole-pixel motion, so the noise moves exactly with
          the content.
        * ``'warped'``: frame t+1's noise is frame t's noise moved along the flow with
          nearest-neighbour sampling (so every value is still a N(0, 1) draw); pixels whose
          source falls outside the frame get fresh noise.
        * ``'independent'``: fresh noise per frame (what a per-frame generator does): a new
          texture every frame, maximal flicker.
        * ``'fixed'``: the same noise every frame, glued to the screen: stable pixels that do
          not follow the motion.

        Limits: deterministic DDIM with moving noise gives a stable pan only because the
        UNet is (nearly) translation equivariant; it is not exactly so: its stride-8
        downsampling makes shifts that are not a multiple of 8 px see a different grid,
        zero padding makes the frame borders special, and GroupNorm statistics are global
        (per frame or tile), so small changes remain, largest near the borders and for
        fractional or non-translational motion. Interpolating noise (bilinear warps for
        sub-pixel or zoom motion) would lower its variance and correlate neighbours, which
        the model reads as a smoother image; that is why this code shifts by whole pixels or
        uses nearest-neighbour warps, which keep the values N(0, 1) but duplicate or drop some
        of them under zoom/rotation. New content entering the frame gets fresh noise.
        """
        from lab.video import Clip

        res = parse(resolution)
        if noise not in NOISE_MODES:
            raise choice_error("noise mode", noise, list(NOISE_MODES))
        if not isinstance(n_frames, (int, np.integer)) or n_frames < 1:
            raise LabError(f"n_frames must be a positive integer, got {n_frames!r}")
        self.class_index(kind)
        h, w = self.padded(res)
        n = int(n_frames)
        flow_fn: Callable[[int], np.ndarray]
        if callable(motion):
            if noise == "moving":
                raise LabError(
                    "noise='moving' slides a canvas for a constant pan; for a flow function use noise='warped'"
                )
            user_flow = motion

            def flow_fn(t: int) -> np.ndarray:
                f = np.asarray(user_flow(t), np.float32)
                if f.shape != (res.height, res.width, 2):
                    raise LabError(
                        f"motion(t) must return ({res.height}, {res.width}, 2) flow, got {f.shape}"
                    )
                return f

            offsets = None
        else:
            try:
                dx, dy = (float(v) for v in motion)
            except (TypeError, ValueError):
                raise LabTypeError(
                    f"motion must be (dx, dy) px per frame or a flow function, got {motion!r}"
                ) from None
            if not (np.isfinite(dx) and np.isfinite(dy)):
                raise LabError(f"motion must be finite, got {(dx, dy)}")
            # whole-pixel positions of the content at frame t: content shifts by round(d * t)
            offsets = [(int(round(dx * t)), int(round(dy * t))) for t in range(n)]
            steps_xy = [
                (offsets[t + 1][0] - offsets[t][0], offsets[t + 1][1] - offsets[t][1]) for t in range(n - 1)
            ]

            def flow_fn(t: int) -> np.ndarray:
                out = np.empty((res.height, res.width, 2), np.float32)
                if noise == "moving" or noise == "warped":
                    out[..., 0], out[..., 1] = steps_xy[t]
                else:  # exact requested motion of the camera, whatever the noise does
                    out[..., 0], out[..., 1] = dx, dy
                return out

        canvas_cache: dict[str, Any] = {}

        def initial_noise(t: int) -> torch.Tensor:
            if noise == "independent":
                return _gaussian((h, w), seed + 7919 * (t + 1))
            if noise == "fixed":
                return _gaussian((h, w), seed)
            if noise == "moving":
                assert offsets is not None
                if "canvas" not in canvas_cache:
                    xs = [o[0] for o in offsets]
                    ys = [o[1] for o in offsets]
                    canvas_cache["origin"] = (max(xs), max(ys))
                    canvas_cache["canvas"] = _gaussian((h + max(ys) - min(ys), w + max(xs) - min(xs)), seed)
                ox, oy = canvas_cache["origin"]
                # frame_t(p) = canvas(p - offset_t + origin): content at p moves to p + offset
                x0, y0 = ox - offsets[t][0], oy - offsets[t][1]
                return canvas_cache["canvas"][:, :, y0 : y0 + h, x0 : x0 + w].clone()
            # warped: advance frame by frame from the cached last noise
            cached_t, cached = canvas_cache.get("warp", (0, _gaussian((h, w), seed)))
            if cached_t > t:
                cached_t, cached = 0, _gaussian((h, w), seed)
            while cached_t < t:
                cached = _warp_noise(cached, flow_fn(cached_t), seed + 104729 * (cached_t + 1))
                cached_t += 1
            canvas_cache["warp"] = (cached_t, cached)
            return cached.clone()

        def frame(t: int) -> np.ndarray:
            return self.generate(
                kind,
                res,
                steps=steps,
                seed=seed,
                tile=tile,
                overlap=overlap,
                noise=initial_noise(t),
                show_progress=show_progress,
            )

        flow = flow_fn if n > 1 else None
        return Clip.from_function(frame, n, res, fps, flow=flow, name=f"{kind} texture, {noise} noise")


def _gaussian(shape: tuple[int, int], seed: int) -> torch.Tensor:
    """Standard normal (1, 3, H, W) float32 noise from a CPU generator (same on every device)."""
    torch = _torch()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise LabTypeError(f"seed must be an integer, got {seed!r}")
    g = torch.Generator(device="cpu").manual_seed(int(seed) % (2**63))
    return torch.randn((1, 3) + tuple(shape), generator=g)


def _warp_noise(noise: torch.Tensor, flow: np.ndarray, seed: int) -> torch.Tensor:
    """Move noise (1, 3, H, W) one frame along ``flow`` (cropped to H, W) with nearest sampling.

    Backward mapping: the value at q in the next frame comes from round(q - flow(q)) in this
    one; sources outside the frame are filled with fresh noise from ``seed``.
    """
    torch = _torch()
    _, _, h, w = noise.shape
    fh, fw = flow.shape[:2]
    full = np.zeros((h, w, 2), np.float32)
    full[:fh, :fw] = flow
    full[:fh, fw:] = flow[:, -1:, :]
    full[fh:, :] = full[fh - 1 : fh, :]
    yy, xx = np.mgrid[0:h, 0:w]
    sx = np.rint(xx - full[..., 0]).astype(np.int64)
    sy = np.rint(yy - full[..., 1]).astype(np.int64)
    inside = (sx >= 0) & (sx < w) & (sy >= 0) & (sy < h)
    fresh = _gaussian((h, w), seed)
    src = noise[0].cpu().numpy()
    out = fresh[0].numpy().copy()
    out[:, inside] = src[:, sy[inside], sx[inside]]
    return torch.from_numpy(out)[None]


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
