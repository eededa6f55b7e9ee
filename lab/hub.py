"""Real text-to-image models from the Hugging Face hub (online, optional, meant for a Colab GPU).

Two ways to get a large image from a latent diffusion model, side by side:

* **generate low, upscale** (:meth:`HubPipelines.generate_low_upscale`): the text-to-image
  pipeline at a quarter of the target size, then ``StableDiffusionUpscalePipeline`` (x4);
* **generate native** (:meth:`HubPipelines.generate_native`): denoise the whole target-size
  latent with MultiDiffusion-style tiling written here: at every step the UNet sees
  overlapping latent windows, their noise predictions are averaged (raised-cosine weights, or
  the paper's uniform average), and one scheduler step updates the whole latent. The VAE then
  decodes with ``pipe.vae.enable_tiling()``.

Both paths run their own denoising loop over the pipeline's components (the same loop, with
the low-res image concatenated as conditioning for the upscaler), so the x4 upscaler is tiled
the same way and fits a 16 GB T4 at 4K output.

Memory-aware defaults (:func:`default_settings`): fp16 on CUDA, attention slicing, VAE tiling,
64-latent (512 px) windows with a 48-latent stride, 4 windows per UNet batch on a 16 GB T4.
Nothing here downloads unless :func:`load_pipelines` is called; tests build tiny random
pipelines in-process with :func:`build_tiny` (no weights, no network).

>>> from lab import hub
>>> pipes = hub.build_tiny(seed=0)                     # random weights: output is noise
>>> pipes.generate_native("a cat", (48, 32), steps=2).shape
(32, 48, 3)
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lab import validate
from lab.errors import LabError, choice_error
from lab.progress import progress
from lab.resolution import Resolution, parse
from lab.tiling import TilePlan, plan_tiles, tile_weights
from lab.validate import integer

if TYPE_CHECKING:
    import torch

DEFAULT_BASE = "stable-diffusion-v1-5/stable-diffusion-v1-5"
DEFAULT_UPSCALER = "stabilityai/stable-diffusion-x4-upscaler"
BLENDS = ("cosine", "uniform")


def _require() -> tuple[Any, Any]:
    """Import torch and diffusers, and check transformers is there (the [colab] extra)."""
    try:
        import diffusers
        import torch
    except ImportError as err:
        raise LabError("hub pipelines need torch and diffusers: pip install 'diffusers>=0.30' torch") from err
    try:
        import transformers  # noqa: F401
    except ImportError as err:
        raise LabError(
            "hub pipelines need transformers (the text encoder): pip install 'native4k-lab[colab]' "
            "or pip install transformers accelerate"
        ) from err
    return torch, diffusers


def dtype_kwargs(dtype: torch.dtype) -> dict[str, Any]:
    """The ``from_pretrained`` keyword for a dtype in the installed diffusers.

    diffusers 0.40 replaced ``torch_dtype=`` with ``dtype=`` (passing both raises); older
    versions only know ``torch_dtype=``.

    >>> import torch
    >>> list(dtype_kwargs(torch.float16))
    ['dtype']
    """
    import diffusers

    major, minor = (int(p) for p in diffusers.__version__.split(".")[:2])
    return {"dtype": dtype} if (major, minor) >= (0, 40) else {"torch_dtype": dtype}


# --- settings ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HubSettings:
    """Memory and quality settings of the hub pipelines.

    Sizes of ``window`` and ``stride`` are in latent pixels (x8 for Stable Diffusion's VAE:
    64 latent = 512 px). ``view_batch`` windows share one UNet call; ``upscale_window`` and
    ``upscale_stride`` are in low-res pixels for the x4 upscaler (its latent is the low-res grid).
    """

    device: str = "cpu"
    dtype: str = "float32"
    attention_slicing: bool = True
    vae_tiling: bool = True
    window: int = 64
    stride: int = 48
    view_batch: int = 1
    upscale_window: int = 128
    upscale_stride: int = 96
    steps: int = 30
    upscale_steps: int = 40
    guidance: float = 7.5
    upscale_guidance: float = 9.0
    noise_level: int = 20
    blend: str = "cosine"

    def __post_init__(self) -> None:
        if self.blend not in BLENDS:
            raise choice_error("blend", self.blend, BLENDS)
        for name in (
            "window",
            "stride",
            "upscale_window",
            "upscale_stride",
            "view_batch",
            "steps",
            "upscale_steps",
        ):
            validate.positive_int(getattr(self, name), name)
        if self.stride > self.window or self.upscale_stride > self.upscale_window:
            raise LabError("stride must not exceed window, or tiles would leave gaps")
        if self.dtype not in ("float16", "bfloat16", "float32"):
            raise choice_error("dtype", self.dtype, ["bfloat16", "float16", "float32"])


def default_settings(device: str | None = None, *, gpu_memory_gib: float | None = None) -> HubSettings:
    """Settings sized for the device: a 16 GB T4 gets fp16, 4 windows per batch, slicing, VAE tiling.

    ``gpu_memory_gib`` overrides the detected GPU memory (to preview another card's defaults).

    >>> default_settings("cuda", gpu_memory_gib=15.0).dtype
    'float16'
    >>> default_settings("cpu").view_batch
    1
    """
    from lab.config import device as pick_device

    device = device or pick_device()
    if device == "cpu":
        return HubSettings(device="cpu", dtype="float32", view_batch=1)
    if gpu_memory_gib is None:
        import torch

        gpu_memory_gib = (
            torch.cuda.get_device_properties(0).total_memory / 2**30 if torch.cuda.is_available() else 16.0
        )
    if gpu_memory_gib < 10:
        return HubSettings(device=device, dtype="float16", view_batch=1, upscale_window=96, upscale_stride=72)
    if gpu_memory_gib <= 17:  # T4 (15 GiB usable), V100-16GB
        return HubSettings(device=device, dtype="float16", view_batch=4)
    return HubSettings(
        device=device,
        dtype="float16",
        view_batch=8,
        attention_slicing=False,
        upscale_window=192,
        upscale_stride=160,
    )


# --- the tiled denoising loop -------------------------------------------------------------------
def _window_plan(h: int, w: int, window: int, stride: int) -> TilePlan:
    """Windows of ``window`` latent px every ~``stride`` px over an (h, w) latent (stride 1 grid)."""
    window = min(window, max(h, w))
    overlap = min(window - stride, window // 2 - 1) if window < max(h, w) else 0
    return plan_tiles(h, w, tile=window, overlap=max(0, overlap), stride=1)


def _blend_weights(plan: TilePlan, blend: str) -> list[np.ndarray]:
    """Per-window 2-D weights: raised-cosine ramps over overlaps, or uniform (MultiDiffusion)."""
    if blend == "uniform":
        return [np.ones(plan.size, np.float32)] * plan.count
    return tile_weights(plan)


@dataclass
class _WindowDenoiser:
    """The UNet's guided noise prediction for a whole latent, averaged over overlapping windows.

    ``weights`` are the per-window blend weights and ``total`` their sum at every latent pixel;
    ``cond`` (extra input channels) and ``class_labels`` are the x4 upscaler's conditioning.
    """

    unet: Any
    scheduler: Any
    text: torch.Tensor
    guidance: float
    boxes: list[tuple[int, int, int, int]]
    weights: list[torch.Tensor]
    total: torch.Tensor
    view_batch: int = 1
    cond: torch.Tensor | None = None
    class_labels: torch.Tensor | None = None

    def noise(self, latents: torch.Tensor, t: Any) -> torch.Tensor:
        """Weighted average of the window predictions at timestep ``t``, (1, C, H, W)."""
        import torch

        eps = torch.zeros_like(latents)
        for start in range(0, len(self.boxes), self.view_batch):
            chunk = self.boxes[start : start + self.view_batch]
            pred = self._predict(latents, t, chunk)
            for k, (y0, y1, x0, x1) in enumerate(chunk):
                eps[:, :, y0:y1, x0:x1] += pred[k : k + 1] * self.weights[start + k]
        return eps / self.total

    def _predict(self, latents: torch.Tensor, t: Any, chunk: list[tuple[int, int, int, int]]) -> torch.Tensor:
        """Guided predictions (n, C, h, w) of the n windows in ``chunk``, in one UNet call."""
        import torch

        cfg = self.text.shape[0] == 2
        crops = torch.cat([latents[:, :, y0:y1, x0:x1] for y0, y1, x0, x1 in chunk])
        model_in = self.scheduler.scale_model_input(torch.cat([crops, crops]) if cfg else crops, t)
        if self.cond is not None:
            cond_crops = torch.cat([self.cond[:, :, y0:y1, x0:x1] for y0, y1, x0, x1 in chunk])
            model_in = torch.cat(
                [model_in, torch.cat([cond_crops, cond_crops]) if cfg else cond_crops], dim=1
            )
        emb = self.text.repeat_interleave(len(chunk), dim=0)
        labels = None
        if self.class_labels is not None:
            labels = self.class_labels.reshape(-1)[:1].repeat(model_in.shape[0])
        with torch.no_grad():
            pred = self.unet(model_in, t, encoder_hidden_states=emb, class_labels=labels).sample
        if cfg:
            uncond, textual = pred.chunk(2)
            pred = uncond + self.guidance * (textual - uncond)
        return pred


def tiled_denoise(
    unet: Any,
    scheduler: Any,
    latents: torch.Tensor,
    text: torch.Tensor,
    *,
    guidance: float,
    plan: TilePlan,
    blend: str = "cosine",
    view_batch: int = 1,
    cond: torch.Tensor | None = None,
    class_labels: torch.Tensor | None = None,
    show_progress: bool = True,
    callback: Callable[[int, int, torch.Tensor], None] | None = None,
) -> torch.Tensor:
    """MultiDiffusion-style denoising of a large latent: average window noise predictions each step.

    ``unet`` is a ``UNet2DConditionModel``, ``scheduler`` one with ``set_timesteps`` already
    called; ``latents`` (1, C, H, W) the initial noise (already times ``init_noise_sigma``);
    ``text`` the prompt embeddings, (2, L, D) with classifier-free guidance (negative first),
    else (1, L, D); ``plan`` the windows over the (H, W) latent (:func:`lab.tiling.plan_tiles`
    with ``stride=1``). ``cond`` (1, c, H, W) is concatenated to every window (the upscaler's
    low-res image) and ``class_labels`` passed to the UNet (its noise level).
    ``callback(step_index, timestep, latents)`` runs after every step (to show each one).

    Returns the denoised latent (1, C, H, W).
    """
    import torch

    if blend not in BLENDS:
        raise choice_error("blend", blend, BLENDS)
    weights = [torch.from_numpy(w).to(latents.device, latents.dtype) for w in _blend_weights(plan, blend)]
    boxes = plan.boxes()
    total = torch.zeros(latents.shape[2:], dtype=latents.dtype, device=latents.device)
    for (y0, y1, x0, x1), w in zip(boxes, weights):
        total[y0:y1, x0:x1] += w
    denoiser = _WindowDenoiser(
        unet, scheduler, text, guidance, boxes, weights, total, view_batch, cond, class_labels
    )
    timesteps = scheduler.timesteps
    desc = f"denoising {plan.count} window(s)"
    for i, t in enumerate(progress(timesteps, total=len(timesteps), desc=desc, disable=not show_progress)):
        latents = scheduler.step(denoiser.noise(latents, t), t, latents).prev_sample
        if callback is not None:
            callback(i, int(t), latents)
    return latents


# --- pipelines ---------------------------------------------------------------------------------
def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def _noise_level(up: Any, level: int) -> int:
    """The x4 upscaler's noise level, checked against the pipeline's maximum."""
    max_level = int(getattr(up.config, "max_noise_level", 350))
    return integer(int(level), "noise_level", minimum=0, maximum=max_level)


def _center_crop(image: np.ndarray, res: Resolution) -> np.ndarray:
    h, w = image.shape[:2]
    y0, x0 = (h - res.height) // 2, (w - res.width) // 2
    return np.ascontiguousarray(image[y0 : y0 + res.height, x0 : x0 + res.width])


@dataclass
class HubPipelines:
    """A text-to-image pipeline plus an optional x4 upscaler pipeline, with settings.

    Build with :func:`load_pipelines` (downloads) or :func:`build_tiny` (offline, random).
    """

    text2img: Any
    upscaler: Any | None
    settings: HubSettings

    @property
    def latent_factor(self) -> int:
        """Pixels per latent pixel of the text-to-image VAE (8 for Stable Diffusion)."""
        return int(self.text2img.vae_scale_factor)

    def _device(self) -> torch.device:
        return self.text2img.unet.device

    def _encode(self, pipe: Any, prompt: str, negative_prompt: str | None, guidance: float) -> torch.Tensor:
        if not isinstance(prompt, str) or not prompt.strip():
            raise LabError("prompt must be a non-empty string, e.g. 'close-up of skin pores, macro photo'")
        import torch

        with torch.no_grad():
            pos, neg = pipe.encode_prompt(prompt, pipe.unet.device, 1, guidance > 1.0, negative_prompt)
        return torch.cat([neg, pos]) if guidance > 1.0 else pos

    def _decode(self, vae: Any, latents: torch.Tensor) -> np.ndarray:
        import torch

        if self.settings.vae_tiling:
            vae.enable_tiling()
        with torch.no_grad():
            image = vae.decode(latents.to(vae.dtype) / vae.config.scaling_factor).sample
        image = ((image.float() + 1.0) / 2.0).clamp(0, 1)[0].permute(1, 2, 0).cpu().numpy()
        return np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)

    def latent_plan(
        self,
        size: str | Resolution | tuple[int, int],
        *,
        window: int | None = None,
        stride: int | None = None,
    ) -> TilePlan:
        """The window plan :meth:`generate_native` uses for ``size`` (latent pixels)."""
        res = parse(size)
        f = self.latent_factor
        h, w = _round_up(res.height, f) // f, _round_up(res.width, f) // f
        return _window_plan(h, w, window or self.settings.window, stride or self.settings.stride)

    def generate_native(
        self,
        prompt: str,
        size: str | Resolution | tuple[int, int],
        *,
        seed: int = 0,
        steps: int | None = None,
        guidance: float | None = None,
        negative_prompt: str | None = None,
        window: int | None = None,
        stride: int | None = None,
        blend: str | None = None,
        show_progress: bool = True,
        callback: Callable[[int, int, torch.Tensor], None] | None = None,
    ) -> np.ndarray:
        """Generate ``prompt`` natively at ``size``: tiled denoising of the full latent; uint8 (H, W, 3).

        Sizes are rounded up to a multiple of the VAE factor (8 px) and center-cropped back.
        Deterministic for a seed (the initial latent comes from a CPU generator).
        """
        import torch

        s = self.settings
        res = parse(size)
        pipe = self.text2img
        guidance = s.guidance if guidance is None else float(guidance)
        text = self._encode(pipe, prompt, negative_prompt, guidance)
        plan = self.latent_plan(res, window=window, stride=stride)
        scheduler = type(pipe.scheduler).from_config(pipe.scheduler.config)
        scheduler.set_timesteps(steps or s.steps, device=pipe.unet.device)
        c = pipe.unet.config.in_channels
        g = torch.Generator(device="cpu").manual_seed(int(seed))
        latents = torch.randn((1, c) + plan.canvas, generator=g).to(pipe.unet.device, pipe.unet.dtype)
        latents = latents * scheduler.init_noise_sigma
        latents = tiled_denoise(
            pipe.unet,
            scheduler,
            latents,
            text.to(pipe.unet.dtype),
            guidance=guidance,
            plan=plan,
            blend=blend or s.blend,
            view_batch=s.view_batch,
            show_progress=show_progress,
            callback=callback,
        )
        return _center_crop(self._decode(pipe.vae, latents), res)

    def generate_low_upscale(
        self,
        prompt: str,
        size: str | Resolution | tuple[int, int],
        *,
        seed: int = 0,
        steps: int | None = None,
        upscale_steps: int | None = None,
        guidance: float | None = None,
        negative_prompt: str | None = None,
        noise_level: int | None = None,
        show_progress: bool = True,
        return_low: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Generate at a quarter of ``size``, then x4 with the upscaler pipeline; uint8 (H, W, 3).

        The low-res image is ``ceil(size / 4)`` rounded up to the VAE factor; the x4 result is
        center-cropped to ``size``. The upscaler's denoising is tiled over its latent (the
        low-res grid) with the same window averaging. ``return_low=True`` also returns the
        low-res image.
        """
        up = self.upscaler
        if up is None:
            raise LabError(
                "no upscaler pipeline loaded; call load_pipelines(upscaler=...) to compare with x4 upscaling"
            )
        res = parse(size)
        level = _noise_level(up, self.settings.noise_level if noise_level is None else noise_level)
        f = self.latent_factor
        low = Resolution(_round_up(-(-res.width // 4), f), _round_up(-(-res.height // 4), f))
        low_img = self.generate_native(
            prompt,
            low,
            seed=seed,
            steps=steps,
            guidance=self.settings.guidance if guidance is None else float(guidance),
            negative_prompt=negative_prompt,
            window=10**6,
            show_progress=show_progress,
        )
        big = self._upscale_x4(
            up,
            prompt,
            low_img,
            negative_prompt,
            seed=seed,
            steps=upscale_steps,
            level=level,
            show_progress=show_progress,
        )
        out = _center_crop(big, res)
        return (out, low_img) if return_low else out

    def _upscale_x4(
        self,
        up: Any,
        prompt: str,
        low_img: np.ndarray,
        negative_prompt: str | None,
        *,
        seed: int,
        steps: int | None,
        level: int,
        show_progress: bool,
    ) -> np.ndarray:
        """The upscaler pipeline ``up``'s x4 of ``low_img`` (uint8), denoised in windows over its latent."""
        import torch

        s = self.settings
        text = self._encode(up, prompt, negative_prompt, s.upscale_guidance)
        device, dtype = up.unet.device, up.unet.dtype
        g = torch.Generator(device="cpu").manual_seed(int(seed) + 1)
        image = torch.from_numpy(low_img).permute(2, 0, 1)[None].float().div(127.5).sub(1.0)
        noise = torch.randn(image.shape, generator=g)
        levels = torch.tensor([level], dtype=torch.long)
        image = up.low_res_scheduler.add_noise(image, noise, levels).to(device, dtype)
        scheduler = type(up.scheduler).from_config(up.scheduler.config)
        scheduler.set_timesteps(steps or s.upscale_steps, device=device)
        shape = (1, up.vae.config.latent_channels) + tuple(image.shape[2:])
        latents = torch.randn(shape, generator=g).to(device, dtype) * scheduler.init_noise_sigma
        latents = tiled_denoise(
            up.unet,
            scheduler,
            latents,
            text.to(dtype),
            guidance=s.upscale_guidance,
            plan=_window_plan(image.shape[2], image.shape[3], s.upscale_window, s.upscale_stride),
            blend=s.blend,
            view_batch=s.view_batch,
            cond=image,
            class_labels=levels.to(device),
            show_progress=show_progress,
        )
        if up.vae.dtype == torch.float16:  # the x4 VAE overflows in fp16 (diffusers upcasts it too)
            up.vae.to(torch.float32)
        big = self._decode(up.vae, latents.float())
        factor = big.shape[0] // low_img.shape[0]
        if factor != 4:
            raise LabError(f"the upscaler pipeline enlarged by {factor}, expected 4; load the x4 upscaler")
        return big


def load_pipelines(
    base: str = DEFAULT_BASE,
    upscaler: str | None = DEFAULT_UPSCALER,
    *,
    settings: HubSettings | None = None,
    local_files_only: bool = False,
) -> HubPipelines:
    """Download (or load from the local cache) a text-to-image pipeline and the x4 upscaler.

    Online and optional: meant for Colab with a GPU. ``settings`` default to
    :func:`default_settings` for this machine (fp16 + attention slicing + VAE tiling on CUDA).
    ``upscaler=None`` skips the x4 pipeline. Load errors say what to check.

    >>> pipes = load_pipelines()                                    # doctest: +SKIP
    >>> native = pipes.generate_native("macro photo of skin", "2048x1152")   # doctest: +SKIP
    """
    torch, diffusers = _require()
    settings = settings or default_settings()
    dtype = getattr(torch, settings.dtype)
    kwargs = dict(dtype_kwargs(dtype), local_files_only=local_files_only)

    def fetch(cls: Any, name: str, **extra: Any) -> Any:
        try:
            pipe = cls.from_pretrained(name, **kwargs, **extra)
        except (OSError, ValueError) as err:
            where = "the local cache (local_files_only=True)" if local_files_only else "the Hugging Face hub"
            raise LabError(
                f"cannot load {name!r} from {where}: {str(err).splitlines()[0]}. Check the model id, "
                "your internet connection (Colab: it is online), and whether the model needs `huggingface-cli login`."
            ) from None
        pipe = pipe.to(settings.device)
        if settings.attention_slicing:
            pipe.enable_attention_slicing()
        pipe.set_progress_bar_config(disable=True)
        return pipe

    text2img = fetch(
        diffusers.StableDiffusionPipeline, base, safety_checker=None, requires_safety_checker=False
    )
    # DDIM (eta 0): deterministic for a seed and the scheduler the texture lessons use
    text2img.scheduler = diffusers.DDIMScheduler.from_config(text2img.scheduler.config)
    up = fetch(diffusers.StableDiffusionUpscalePipeline, upscaler) if upscaler else None
    return HubPipelines(text2img, up, settings)


@dataclass
class HubComparison:
    """Result of :func:`compare_pipelines`: both images (uint8), their times and texture numbers."""

    prompt: str
    size: Resolution
    native: np.ndarray
    upscaled: np.ndarray
    low: np.ndarray
    seconds_native: float
    seconds_upscaled: float
    hf_share_native: float
    hf_share_upscaled: float

    def __str__(self) -> str:
        return (
            f"{self.prompt!r} at {self.size.width}x{self.size.height}\n"
            f"  generate native (tiled latent): {self.seconds_native:7.1f} s, high-frequency share {self.hf_share_native:.2%}\n"
            f"  generate {self.low.shape[1]}x{self.low.shape[0]} + x4 upscaler: {self.seconds_upscaled:7.1f} s, "
            f"high-frequency share {self.hf_share_upscaled:.2%}"
        )


def compare_pipelines(
    prompt: str = "close-up portrait, natural skin texture, macro photo",
    size: str | Resolution | tuple[int, int] = "2048x1152",
    *,
    seed: int = 0,
    pipes: HubPipelines | None = None,
    show_progress: bool = True,
) -> HubComparison:
    """Generate ``prompt`` natively at ``size`` and as quarter size + x4 upscaler; time and measure both.

    Loads the default hub pipelines when ``pipes`` is not given (online, several GB: Colab GPU).
    The default 2048x1152 takes a few minutes on a T4; "4k" works too, about 4x longer.
    The high-frequency share is :func:`lab.metrics.high_frequency_share` (energy above 1/8
    cycles/px), where an x4 upscale from the low-res grid has almost none to give.

    >>> result = compare_pipelines(pipes=build_tiny(), size=(64, 48), show_progress=False)   # doctest: +SKIP
    """
    import time

    from lab import metrics

    pipes = pipes or load_pipelines()
    res = parse(size)
    t0 = time.perf_counter()
    native = pipes.generate_native(prompt, res, seed=seed, show_progress=show_progress)
    t1 = time.perf_counter()
    upscaled, low = pipes.generate_low_upscale(
        prompt, res, seed=seed, show_progress=show_progress, return_low=True
    )
    t2 = time.perf_counter()
    return HubComparison(
        prompt,
        res,
        native,
        upscaled,
        low,
        t1 - t0,
        t2 - t1,
        float(metrics.high_frequency_share(native)),
        float(metrics.high_frequency_share(upscaled)),
    )


# --- tiny random pipelines for offline tests and smoke mode --------------------------------------
def _tiny_tokenizer(folder: Path, max_length: int) -> Any:
    """A CLIP BPE tokenizer with a letters-only vocabulary written to ``folder`` (no download)."""
    from transformers import CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789":
        vocab[ch] = len(vocab)
        vocab[ch + "</w>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=max_length)


def build_tiny(seed: int = 0, *, settings: HubSettings | None = None) -> HubPipelines:
    """Tiny randomly initialised text-to-image and x4 upscaler pipelines, built in-process.

    Same classes and wiring as the real ones (``StableDiffusionPipeline`` with a VAE factor of
    2 instead of 8, ``StableDiffusionUpscalePipeline`` with a x4 VAE), a few thousand weights,
    no files fetched. Their images are noise: use them to test shapes, tiling, determinism.
    Default windows are 8 latent px with a stride of 6 (so tiling engages at small sizes).
    """
    torch, diffusers = _require()
    torch.manual_seed(seed)
    folder = Path(tempfile.mkdtemp(prefix="lab-tiny-tokenizer-"))
    tokenizer = _tiny_tokenizer(folder, 16)
    text_encoder = _tiny_text_encoder(len(tokenizer.get_vocab()) + 2)
    scheduler = dict(
        beta_schedule="scaled_linear",
        beta_start=0.00085,
        beta_end=0.012,
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    unet = diffusers.UNet2DConditionModel(sample_size=8, in_channels=4, out_channels=4, **_TINY_UNET).eval()
    text2img = diffusers.StableDiffusionPipeline(
        vae=_tiny_vae(levels=2, sample_size=16),  # after the UNet: the seeded draws go in that order
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=diffusers.DDIMScheduler(**scheduler),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    up_unet = diffusers.UNet2DConditionModel(
        sample_size=8, in_channels=7, out_channels=4, num_class_embeds=1000, **_TINY_UNET
    ).eval()
    upscaler = diffusers.StableDiffusionUpscalePipeline(
        vae=_tiny_vae(levels=3, sample_size=32, scaling_factor=0.08333),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=up_unet,
        low_res_scheduler=diffusers.DDPMScheduler(beta_schedule="scaled_linear"),
        scheduler=diffusers.DDIMScheduler(**scheduler),
    )
    for pipe in (text2img, upscaler):
        pipe.set_progress_bar_config(disable=True)
    settings = settings or HubSettings(
        window=8, stride=6, upscale_window=8, upscale_stride=6, steps=4, upscale_steps=3, view_batch=2
    )
    return HubPipelines(text2img, upscaler, settings)


# The blocks of both tiny UNets: two levels, cross-attention in the outer one.
_TINY_UNET: dict[str, Any] = dict(
    layers_per_block=1,
    block_out_channels=(8, 16),
    cross_attention_dim=16,
    norm_num_groups=4,
    attention_head_dim=2,
    down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
)


def _tiny_text_encoder(vocab_size: int) -> Any:
    """A one-layer CLIP text encoder with 16-dim embeddings (random weights)."""
    from transformers import CLIPTextConfig, CLIPTextModel

    config = CLIPTextConfig(
        vocab_size=vocab_size,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        max_position_embeddings=16,
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
    )
    return CLIPTextModel(config).eval()


def _tiny_vae(*, levels: int, sample_size: int, scaling_factor: float | None = None) -> Any:
    """A random ``AutoencoderKL`` with ``levels`` levels: it scales images by 2 ** (levels - 1)."""
    import diffusers

    extra = {} if scaling_factor is None else {"scaling_factor": scaling_factor}
    return diffusers.AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * levels,
        up_block_types=("UpDecoderBlock2D",) * levels,
        block_out_channels=(8, 16, 16)[:levels],
        latent_channels=4,
        norm_num_groups=4,
        sample_size=sample_size,
        **extra,
    ).eval()


__all__ = [
    "BLENDS",
    "HubComparison",
    "compare_pipelines",
    "DEFAULT_BASE",
    "DEFAULT_UPSCALER",
    "HubPipelines",
    "HubSettings",
    "build_tiny",
    "default_settings",
    "dtype_kwargs",
    "load_pipelines",
    "tiled_denoise",
]
